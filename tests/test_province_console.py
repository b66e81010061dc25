"""The console's roles with the province: a society's staff see their society only and no province page;
the province's staff see the province's pages and no society's; errors are 403 or a redirect, never 500."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from bot.cli import main

from handlers.news.items import give_default_subscriptions
from bot.platform.accounts import own_store
from storage import societies
from storage.database import open_database
from storage.members import insert_member
from storage.sqlite import transaction
from tests.admin_data import PASSWORD, add_units, add_users
from tests.province_data import build_province, file_all, filing_ids, run_events
from tests.test_admin import csrf, log_in, page, post
from tests.test_events import GOOD, guide_xlsx

PROVINCE_PAGES = ["/admin/province/", "/admin/province/filings", "/admin/province/evaluation",
                  "/admin/province/evaluation.xlsx", "/admin/province/notices"]
SOCIETY_PAGES = ["/admin/dashboard/", "/admin/members/", "/admin/news/", "/admin/events/", "/admin/users/",
                 "/admin/province/filing"]


def province_log_in(client, username="sheng", password=PASSWORD):
    return client.post("/admin/province/login", data={"username": username, "password": password,
                                                      "csrf_token": csrf(client, "/admin/province/login")})


@pytest.fixture
def province(env, tmp_path, config, db):
    """Three societies filed to the province; this app's own society (the console's) registered too."""
    built = build_province(env, tmp_path)
    file_all(env, built)
    registry = societies.open_registry(societies.registry_path(env["BOT_DATA_DIR"]))
    societies.register_society(registry, config.app_id, "河南省示范科技学会", status=societies.AUTHORIZED,
                               database_path=own_store(config, config.app_id))  # its store: data/bot.sqlite3
    registry.close()
    made = CliRunner().invoke(main, ["province", "create-user", "sheng", "--password-stdin"], env=env,
                              input=f"{PASSWORD}\n")
    assert made.exit_code == 0 and "只能看省科协的页面" in made.output, made.output
    add_users(db, config, add_units(db)[0])
    return built


def test_province_staff_see_the_province_and_no_society(client, province, env):
    anonymous = client.get("/admin/province/filings")
    assert anonymous.status_code == 302 and "/admin/province/login" in anonymous.location
    assert "/admin/login?next=/admin/" in client.get("/admin/").location  # the console's door stays the societies'

    assert province_log_in(client, password="wrong-password").status_code == 401
    signed_in = province_log_in(client)
    assert signed_in.status_code == 302
    home = client.get("/admin/", follow_redirects=True)
    assert "全省学会" in page(home) and "河南省植物保护学会" in page(home)
    assert "省科协·备案审核" in page(home) and "会员" not in re.findall(r'data-nav="(\w+)"', page(home))
    for url in PROVINCE_PAGES:
        assert client.get(url).status_code == 200, url
    for url in SOCIETY_PAGES:
        assert client.get(url).status_code == 403, url
    assert post(client, "/admin/members/HN0001/change", {"action": "suspend"}).status_code == 403

    ids = filing_ids(env)
    waiting = page(client.get("/admin/province/filings"))
    assert "植保科技下乡" in waiting and "年度活动指南现有 0 项活动" in waiting
    assert post(client, f"/admin/province/filings/{ids['植保科技下乡']}/approve").status_code == 302
    returned = post(client, f"/admin/province/filings/{ids['程序设计竞赛']}/return", {"reason": "请补充安全预案"},
                    follow_redirects=True)
    assert "已退回：程序设计竞赛" in page(returned)
    refused = post(client, f"/admin/province/filings/{ids['物理学术报告会']}/return", {"reason": ""},
                   follow_redirects=True)
    assert refused.status_code == 200 and "请写明原因" in page(refused)
    assert post(client, "/admin/province/filings/99999/approve").status_code == 404
    approved = page(client.get("/admin/province/filings?status=approved"))
    assert "植保科技下乡" in approved and "程序设计竞赛" not in approved and "现有 1 项活动" in approved
    assert client.get("/admin/province/filings?year=abc").status_code == 400
    evaluation = page(client.get("/admin/province/evaluation?year=2026"))
    assert "数据不足" in evaluation and "缺数据" in evaluation


def test_society_staff_see_their_society_only_and_no_province_page(client, province, env, tmp_path):
    assert log_in(client, "staff1").status_code == 302
    for url in PROVINCE_PAGES:
        assert client.get(url).status_code == 403, url
    assert post(client, "/admin/province/filings/1/approve").status_code == 403
    assert client.get("/admin/members/").status_code == 200
    menu = re.findall(r'data-nav="(\w+)"', page(client.get("/admin/members/")))
    assert "province_filing" in menu and "province" not in menu and "province_filings" not in menu

    # its own filings only: none yet, then its own plan filed from the console
    mine = page(client.get("/admin/province/filing?year=2026"))
    assert "河南省计算机学会" not in mine and "2026年学术年会" not in mine
    run_events(env, "import", guide_xlsx(tmp_path / "own.xlsx", GOOD), "--year", "2026")
    filed = post(client, "/admin/province/filing?year=2026", follow_redirects=True)
    assert "新备案 3 项" in page(filed)
    mine = page(client.get("/admin/province/filing?year=2026"))
    assert "青年科技工作者培训班" in mine and "待审核" in mine and "人工智能青年论坛" not in mine

    # a unit contact opens neither the filing page nor the province's
    client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")})
    assert log_in(client, "unit1").status_code == 302
    assert client.get("/admin/province/filing").status_code == 403
    assert client.get("/admin/province/").status_code == 403


def test_a_society_login_is_not_a_province_login(client, province):
    """The same person with a society account gets nothing of the province's by it, and the province's
    log-in page knows only province accounts."""
    assert province_log_in(client, "staff1").status_code == 401
    assert province_log_in(client, "sheng").status_code == 302
    assert log_in(client, "sheng").status_code == 401  # not a society user
    assert client.get("/admin/province/").status_code == 200  # a failed log-in elsewhere changes nothing


def test_a_notice_from_the_console_is_queued_to_the_chosen_society_and_recorded(client, province, env):
    computer = province[0]
    with open_database(computer.sqlite_path) as db:
        with transaction(db):
            for i in range(3):
                insert_member(db, {"member_no": f"JS{i}", "openid": f"o_js_{i}", "name": "会员", "category": "regular"},
                              actor="signup")
        for i in range(3):
            give_default_subscriptions(db, f"o_js_{i}")
    assert province_log_in(client).status_code == 302
    form = page(client.get("/admin/province/notices"))
    assert "政策资讯" in form and "河南省计算机学会" in form
    bad = post(client, "/admin/province/notices", {"topic": "policy", "title": "", "society": computer.appid},
               follow_redirects=True)
    assert "通知要有标题" in page(bad)
    done = post(client, "/admin/province/notices", {"topic": "policy", "title": "关于开展2027年度学会年检的通知",
                                                     "link": "https://www.hast.net.cn/1", "society": computer.appid},
                follow_redirects=True)
    assert "共 1 个学会" in page(done) and "河南省计算机学会：3 人" in page(done)
    with open_database(computer.sqlite_path) as db:
        queued = list(db.query("select d.status from deliveries d join newsletters n on n.id = d.item_id "
                               "where n.title = ?", ["关于开展2027年度学会年检的通知"]))
    assert [row["status"] for row in queued] == ["queued"] * 3
    with open_database(province[1].sqlite_path) as db:
        assert db.execute("select count(*) from deliveries").fetchone()[0] == 0  # the society not chosen


HOSTILE = ["", "-1", "0", "99999999999999999999", "２０２６", "2026'--", "<script>", "a" * 300]


def test_province_pages_answer_hostile_input_with_4xx_or_a_message_never_500(client, province):
    assert province_log_in(client).status_code == 302
    for value in HOSTILE:
        for url in ("/admin/province/filings", "/admin/province/evaluation", "/admin/province/evaluation.xlsx"):
            assert client.get(url, query_string={"year": value, "status": value}).status_code in (200, 400), (url, value)
        assert client.get(f"/m/province/guide/{value}").status_code in (200, 404, 308), value
        assert post(client, f"/admin/province/societies/{value or 'x'}", {"discipline": value}).status_code in (302, 404)
        answer = post(client, "/admin/province/notices", {"topic": value, "title": value, "link": value,
                                                          "society": value}, follow_redirects=True)
        assert answer.status_code == 200 and "flash-error" in page(answer), value
