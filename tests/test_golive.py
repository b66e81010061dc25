"""Going live on a real account: the menu, the notice templates, and the deployment checklist.

The account is tests/fake_wechat.py, which refuses what the platform refuses (menu/create's
limits) and lists the account's own templates (template/get_all_private_template).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from bot import content
from bot.cli import main
from bot.config import PROJECT_ROOT, load_config
from bot.golive import templates as tpl

pytest_plugins = ["tests.fake_wechat"]

PUBLIC = "https://bot.example.org"


def run(env, *args, ok=True, input=None):
    result = CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result


@pytest.fixture
def account(env, fake_wechat):
    env["PUBLIC_BASE_URL"] = PUBLIC
    return fake_wechat


# --- the menu ------------------------------------------------------------------------------------

def test_publish_shows_the_difference_and_puts_content_menu_on_the_account(env, account):
    account.menu = {"button": [{"type": "click", "name": "旧菜单", "key": "MENU_HELP", "sub_button": []}]}
    out = run(env, "menu", "publish", input="y\n").output
    assert "-旧菜单" in out and "+会员服务" in out and "+  会员中心  [view] https://bot.example.org/m/" in out
    assert "菜单已发布" in out
    names = [b["name"] for b in account.menu["button"]]
    assert names == ["会员服务", "会讯活动", "联系我们"]
    assert "会员服务" in run(env, "menu", "show").output
    assert "已与 content/menu.toml 一致" in run(env, "menu", "publish", "--yes").output


def test_publish_asks_first_and_no_means_nothing_changes(env, account):
    out = run(env, "menu", "publish", input="n\n", ok=False).output
    assert "已取消" in out and account.menu is None


def test_a_menu_breaking_the_platform_rules_is_refused_line_by_line(env, account, monkeypatch):
    bad = {"button": [
        {"name": "会员服务和学会介绍", "sub_button": [  # 27 bytes: over 16
            {"type": "click", "name": "申请入会", "key": "MENU_SIGNUP"},
            {"type": "click", "name": "抽奖", "key": "MENU_LOTTERY"},  # no capability handles it
            {"type": "view", "name": "别人的网站", "url": "https://evil.example.com/"},
        ] + [{"type": "click", "name": f"帮助{i}", "key": "MENU_HELP"} for i in range(3)]},  # 6 sub-buttons
        {"type": "click", "name": "帮助", "key": "MENU_HELP"},
        {"type": "click", "name": "帮助", "key": "MENU_HELP"},
        {"type": "click", "name": "帮助", "key": "MENU_HELP"},  # a fourth button
    ]}
    monkeypatch.setattr(content, "menu", lambda: bad)
    out = run(env, "menu", "publish", "--yes", ok=False).output
    for words in ("一级菜单有 4 个，最多 3 个", "有 6 个子菜单，最多 5 个", "“会员服务和学会介绍”太长（27 字节",
                  "MENU_LOTTERY 没有对应的功能", "https://evil.example.com/ 不在本服务的域名 bot.example.org 上"):
        assert words in out
    assert account.menu is None and account.calls["menu/create"] == 0


@pytest.mark.parametrize("menu, errcode", [
    ({"button": [{"type": "click", "name": "帮助", "key": "K"}] * 4}, 40016),
    ({"button": [{"name": "会员", "sub_button": [{"type": "click", "name": "帮助", "key": "K"}] * 6}]}, 40023),
    ({"button": [{"type": "click", "name": "会员服务中心", "key": "K"}]}, 40018),  # 18 bytes
    ({"button": [{"name": "会员", "sub_button": [{"type": "click", "name": "帮" * 21, "key": "K"}]}]}, 40025),
    ({"button": [{"type": "click", "name": "帮助", "key": "K" * 129}]}, 40019),
    ({"button": [{"name": "会员", "sub_button": [{"type": "view", "name": "网页",
                                                "url": "https://a.org/" + "x" * 1011}]}]}, 40027),
])
def test_the_fake_account_refuses_menus_the_platform_refuses(account, env, menu, errcode):
    token = requests.get(env["WECHAT_API_BASE"] + "token", params={
        "grant_type": "client_credential", "appid": env["WECHAT_APP_ID"], "secret": env["WECHAT_APP_SECRET"]}
    ).json()["access_token"]
    answer = requests.post(env["WECHAT_API_BASE"] + "menu/create", params={"access_token": token},
                           data=json.dumps(menu, ensure_ascii=False).encode()).json()
    assert answer["errcode"] == errcode and account.menu is None


# --- templates -----------------------------------------------------------------------------------

@pytest.fixture
def templates_file(tmp_path, monkeypatch):
    copy = tmp_path / "templates.toml"
    shutil.copy(tpl.TEMPLATES_FILE, copy)
    monkeypatch.setattr(tpl, "TEMPLATES_FILE", copy)
    return copy


def test_sync_matches_notices_to_the_accounts_templates_by_fields_and_lists_the_rest(
        env, account, templates_file):
    fields = "{{first.DATA}}\n事项：{{keyword1.DATA}}\n时间：{{keyword2.DATA}}\n{{remark.DATA}}"
    account.private_templates = [
        {"template_id": "tplApproval", "title": "会员审核结果通知", "content": fields},
        {"template_id": "tplDues", "title": "会费缴纳提醒", "content": fields},
        {"template_id": "tplNew", "title": "活动报名成功通知", "content": "{{thing1.DATA}}\n{{time2.DATA}}"},
    ]
    out = run(env, "templates", "sync").output
    assert "approval：使用模板“会员审核结果通知”（tplApproval）" in out
    assert "dues：使用模板“会费缴纳提醒”（tplDues）" in out
    assert "event：没有可用的模板（有几个模板字段一样" in out  # two fit, neither is titled 活动提醒
    assert "已记录 2 种通知的模板 ID" in out
    recorded = tpl.load(templates_file)
    assert (recorded["approval"]["template_id"], recorded["dues"]["template_id"]) == ("tplApproval", "tplDues")
    assert recorded["event"]["template_id"] == recorded["ticket"]["template_id"] == ""  # -> inbox, not a failure
    assert "# 模板消息" in templates_file.read_text(encoding="utf-8")  # the secretariat's comments kept


def test_a_notice_that_does_not_fit_a_templates_field_types_gets_no_template(env, account, templates_file):
    account.private_templates = [{"template_id": "tplShort", "title": "审核结果通知",
                                  "content": "{{phrase1.DATA}}{{keyword1.DATA}}{{keyword2.DATA}}{{remark.DATA}}"}]
    spec = {"approval": {"fields": {"phrase1": "{first_line}", "keyword1": "入会申请", "keyword2": "{date}",
                                    "remark": "{rest}"}}}
    [result] = tpl.match(spec, account.private_templates)
    assert result.template_id == "" and result.problems == ["free_text:phrase1"]


# --- doctor --------------------------------------------------------------------------------------

@pytest.fixture
def production(env, tmp_path, monkeypatch):
    """A deployment set up right, on the fake account; the public URL is this app itself."""
    from tests.fake_wechat import FakeWeChat, project_template_ids  # here: the plugin is registered by now

    secret = "0123456789abcdef0123456789abcdef"
    fake = FakeWeChat(env["WECHAT_APP_ID"], secret, template_ids=project_template_ids())
    env.update(BOT_ENV="production", WECHAT_APP_SECRET=secret, WECHAT_API_BASE=fake.start(),
               PUBLIC_BASE_URL=PUBLIC, BOT_REPLICA_DIR=str(tmp_path / "replica"))
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    from bot.app import create_app
    from bot.golive import doctor

    app = create_app(load_config(env))
    web = app.test_client()

    def through_the_app(self, url, params):
        assert url == f"{PUBLIC}/wechat"
        answer = web.get("/wechat", query_string=params)
        return type("Answer", (), {"status_code": answer.status_code, "text": answer.get_data(as_text=True)})

    monkeypatch.setattr(doctor.Services, "http_get", through_the_app)
    worker = subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=PROJECT_ROOT,
                              env=dict(os.environ, **env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield fake
    worker.terminate()
    worker.wait(timeout=20)
    fake.stop()
    monkeypatch.undo()  # TZ as it was before (the society's zone, tests/conftest.py), and the C library told so:
    time.tzset()  # deleting TZ left every later test of this process in UTC (test_jobs_cli's dates, 16-24 UTC)


def doctor_report(env, ok=True) -> dict:
    return json.loads(run(env, "doctor", "--json", ok=ok).output)


def test_doctor_passes_a_deployment_set_up_right_and_says_how_to_fix_one_that_is_not(env, production):
    run(env, "db", "backup")
    run(env, "menu", "publish", "--yes")
    deadline = time.monotonic() + 30
    while True:  # the worker registers itself and its scheduler
        report = json.loads(CliRunner().invoke(main, ["doctor", "--json"], env=env).output)
        if report["passed"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert report["passed"], [c for c in report["checks"] if not c["passed"]]
    assert [c["name"] for c in report["checks"]] == ["secrets", "api", "public_url", "redis", "sqlite",
                                                      "workers", "timezone", "disk", "replica", "menu",
                                                      "templates"]
    assert "全部 11 项通过" in run(env, "doctor").output

    production.menu = {"button": [{"type": "click", "name": "旧菜单", "key": "MENU_HELP", "sub_button": []}]}
    env["WECHAT_TOKEN"] = "someothertoken"  # the app (the public URL) still has the old one
    out = run(env, "doctor", ok=False).output
    assert "✗ 公众号菜单与 content/menu.toml 一致" in out and "python -m bot menu publish" in out
    assert "✗ 公网地址能通过微信的服务器验证" in out and "WECHAT_TOKEN 是否与公众平台" in out
    assert "2 项未通过" in out


def test_doctor_on_a_development_setup_fails_with_plain_fixes(env):
    env.update(WECHAT_API_BASE="http://127.0.0.1:9/cgi-bin/", WECHAT_API_MAX_RETRIES="0")
    report = doctor_report(env, ok=False)
    failed = {c["name"]: c for c in report["checks"] if not c["passed"]}
    assert {"secrets", "api", "public_url", "workers", "replica", "menu", "templates"} <= set(failed)
    assert "BOT_ENV=production" in failed["secrets"]["fix"]
    assert "PUBLIC_BASE_URL=https://" in failed["public_url"]["fix"]
    assert all(c["fix"] and "Traceback" not in c["detail"] for c in failed.values())
    passed = {c["name"] for c in report["checks"] if c["passed"]}
    assert {"redis", "sqlite"} <= passed


def test_the_dashboard_shows_the_checklist_and_runs_it_again(env, client, db, config):
    from tests.test_admin import add_units, add_users, log_in, post

    add_users(db, config, add_units(db)[0])
    assert log_in(client, "staff1").status_code == 302
    page = client.get("/admin/dashboard/").get_data(as_text=True)
    assert "部署自检" in page and "还没有做过部署自检" in page
    assert post(client, "/admin/dashboard/doctor").status_code == 302
    page = client.get("/admin/dashboard/").get_data(as_text=True)
    assert "✗ 公众号的密钥已设置" in page and "BOT_ENV=production" in page  # the latter for the technician
    assert "✓ 会员数据可以读写" in page


def test_doctor_names_a_malformed_secret_instead_of_stopping(env):
    env.update(BOT_ENV="production", WECHAT_ENCODING_AES_KEY="too-short")
    report = doctor_report(env, ok=False)
    [secrets] = report["checks"]
    assert not secrets["passed"] and "WECHAT_ENCODING_AES_KEY must be 43" in secrets["detail"]
    assert "xuehui.env" in secrets["fix"]
