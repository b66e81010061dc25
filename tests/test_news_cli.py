"""`python -m bot news ...` as the secretariat runs it, delivering through the fake WeChat API."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.commands import news as news_commands
from bot.commands.news import IN_FLIGHT, NEWSLETTER_DIR
from bot.config import PROJECT_ROOT, load_config
from storage.members import insert_member, insert_unit
from handlers.news.items import give_default_subscriptions
from storage.news import find_item

pytest_plugins = ["tests.fake_wechat"]

SAMPLES = sorted((NEWSLETTER_DIR / "samples").glob("*.md"))
GUIDE = NEWSLETTER_DIR / "samples" / "2026-11-policy-project-guide.md"
RESOLUTION = NEWSLETTER_DIR / "samples" / "2026-11-resolution-annual-meeting.md"


@pytest.fixture
def config(env, fake_wechat):
    """Settings pointing at the fake (it must set WECHAT_API_BASE before they are read)."""
    env["WECHAT_API_TIMEOUT"] = "1"
    env["WECHAT_API_MAX_RETRIES"] = "2"
    return load_config(env)


def run(env, *args, ok=True):
    result = CliRunner().invoke(main, ["news", *map(str, args)], env=env, catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result


def run_json(env, *args):
    return json.loads(run(env, *args, "--json").stdout)


@pytest.fixture
def members(db):
    """Five members on the default topics, one of them with no subscriptions at all."""
    for number in range(1, 6):
        openid = f"oMember{number}_{'0' * 20}"
        insert_member(db, {"member_no": f"HNKX2026{number:05d}", "name": f"会员{number}", "category": "regular",
                           "openid": openid, "discipline": "材料科学"}, actor="test")
        if number < 5:
            give_default_subscriptions(db, openid)
    return db


# --- publish ------------------------------------------------------------------------

def test_publish_is_idempotent_and_an_edit_updates(env, db, tmp_path):
    [first] = run_json(env, "publish", GUIDE)
    assert first["outcome"] == "created" and first["item_no"] == GUIDE.stem
    [again] = run_json(env, "publish", GUIDE)
    assert again["outcome"] == "unchanged" and again["id"] == first["id"]
    edited = tmp_path / GUIDE.name
    edited.write_text(GUIDE.read_text(encoding="utf-8").replace("12 月 25 日截止", "12 月 31 日截止"),
                      encoding="utf-8")
    assert "已更新" in run(env, "publish", edited).output
    assert "12 月 31 日截止" in find_item(db, GUIDE.stem)["summary"]


def test_a_bad_file_is_explained_field_by_field_and_nothing_is_stored(env, db, tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text('+++\ntitle = ""\ntopics = ["体育"]\nsummary = "s"\n+++\n正文', encoding="utf-8")
    result = run(env, "publish", GUIDE, bad, ok=False)
    assert "bad.md" in result.output and "title（标题）" in result.output and "“体育”" in result.output
    assert find_item(db, GUIDE.stem) is None


def test_an_unknown_unit_in_the_audience_is_refused(env, db, tmp_path):
    insert_unit(db, {"unit_no": "HNKXDW202600001", "name": "示范大学", "credit_code": "C1"}, actor="test")
    path = tmp_path / "units.md"
    path.write_text('+++\ntitle = "致部分单位会员的通知"\ntopics = ["industry"]\nsummary = "摘要"\n'
                    '[audience]\nunit = ["HNKXDW202600001", "hnkxdw202699999"]\n+++\n正文', encoding="utf-8")
    result = run(env, "publish", path, ok=False)
    assert "audience.unit（单位会员编号）里的 HNKXDW202699999 找不到" in result.output
    assert find_item(db, "units") is None


def test_publish_all_takes_every_new_file_once(env, tmp_path, monkeypatch):
    own = tmp_path / "newsletters"
    (own / "samples").mkdir(parents=True)
    for sample in SAMPLES:
        (own / sample.name).write_text(sample.read_text(encoding="utf-8"), encoding="utf-8")
    (own / "samples" / "2026-01-sample.md").write_text(GUIDE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(news_commands, "NEWSLETTER_DIR", own)
    results = run_json(env, "publish", "--all")
    assert sorted(r["item_no"] for r in results) == [p.stem for p in SAMPLES]  # not the one in samples/
    assert all(r["outcome"] == "created" for r in results)
    assert run_json(env, "publish", "--all") == []
    assert "没有还没发布过的会讯" in run(env, "publish", "--all").output


def test_the_shipped_samples_are_not_the_societys_items(env):
    assert run_json(env, "publish", "--all") == []  # samples live in content/newsletters/samples/


def test_publish_without_a_file_says_what_to_give(env):
    result = CliRunner().invoke(main, ["news", "publish"], env=env)
    assert result.exit_code == 2 and "--all" in result.output


# --- list and show ------------------------------------------------------------------

def test_a_console_draft_is_listed_as_one(env, db):
    from handlers.news.items import parse_item
    from storage.news import DRAFT, save_item

    save_item(db, parse_item('+++\ntitle = "年会预告"\nkind = "resolution"\nsummary = "草稿"\n+++\n正文', "d1", "网页后台"),
              DRAFT)
    assert "《年会预告》（草稿：会员看不到，news send 后发布）" in run(env, "list").output
    assert run_json(env, "list")[0]["status"] == DRAFT


def test_list_newest_first_and_by_kind(env):
    run(env, "publish", *SAMPLES)
    items = run_json(env, "list")
    assert [i["publish_at"] for i in items] == sorted((i["publish_at"] for i in items), reverse=True)
    [resolution] = run_json(env, "list", "--kind", "resolution")
    assert resolution["item_no"] == RESOLUTION.stem
    output = run(env, "list").output
    assert "决议" in output and "省科技厅发布 2027 年度省重点研发专项申报指南" in output


def test_list_marks_items_not_yet_due(env, tmp_path):
    future = tmp_path / "future.md"
    future.write_text(GUIDE.read_text(encoding="utf-8").replace("2026-11-03T09", "2099-11-03T09"), encoding="utf-8")
    run(env, "publish", future)
    assert "未到发布时间" in run(env, "list").output


def test_show_gives_everything_and_the_recipients(env, members):
    run(env, "publish", GUIDE, RESOLUTION)
    shown = run_json(env, "show", GUIDE.stem)
    assert shown["topics"] == ["policy"] and shown["recipients"] == 4
    assert run_json(env, "show", RESOLUTION.stem)["recipients"] == 5
    output = run(env, "show", RESOLUTION.stem).output
    assert "全体在册会员" in output and "同意 26 票" in output
    assert "找不到会讯" in run(env, "show", "no-such-item", ok=False).output


# --- send and status -------------------------------------------------------------------

@pytest.fixture
def worker(env):
    """A delivery worker process against the fake, as `python -m bot worker` runs in production."""
    proc = subprocess.Popen([sys.executable, "-m", "bot", "worker"], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield proc
    proc.terminate()
    proc.wait(timeout=20)


def test_send_queues_each_recipient_once(env, members):
    run(env, "publish", RESOLUTION)
    result = run(env, "send", RESOLUTION.stem, "--json")
    sent = json.loads(result.stdout)  # the progress bar went to stderr
    assert sent["recipients"] == 5 and sent["queued"] == 5
    assert run_json(env, "send", RESOLUTION.stem)["queued"] == 0
    counts = run_json(env, "status", RESOLUTION.stem)["counts"]
    assert counts["total"] == 5 and counts["status"] == {"queued": 5}
    assert "排队中  5" in run(env, "status", RESOLUTION.stem).output
    assert run_json(env, "resume", RESOLUTION.stem)["queued"] == 5  # nothing was delivered yet


def test_send_wait_delivers_everything_and_status_counts_it(env, members, fake_wechat, worker):
    for number in (1, 2):  # two members wrote recently: a customer-service window is open
        fake_wechat.record_user_message(f"oMember{number}_{'0' * 20}")
    run(env, "publish", GUIDE)
    sent = run_json(env, "send", GUIDE.stem, "--wait", "--timeout", "60")
    assert sent["recipients"] == 4
    statuses = sent["counts"]["status"]
    assert sum(statuses.values()) == 4 and not any(statuses.get(s) for s in IN_FLIGHT)
    status = run(env, "status", GUIDE.stem).output
    assert "共 4 人" in status
    assert run_json(env, "status", GUIDE.stem)["counts"] == sent["counts"]


def test_an_item_not_yet_due_is_not_sent(env, members, tmp_path):
    future = tmp_path / "future.md"
    future.write_text(GUIDE.read_text(encoding="utf-8").replace("2026-11-03T09", "2099-11-03T09"), encoding="utf-8")
    result = run(env, "publish", future, "--send", ok=False)
    assert "还没到" in result.output


def test_an_item_withdrawn_in_the_console_is_not_sent(env, members):
    """The console says a withdrawn item 不能再发送 and refuses its 发送; `news send` (and publish --send of its
    file) pushed it to every member, who then found nothing to open."""
    from storage.news import WITHDRAWN, withdraw_item

    run(env, "publish", RESOLUTION)
    withdraw_item(members, find_item(members, RESOLUTION.stem)["id"])
    assert "撤回" in run(env, "send", RESOLUTION.stem, ok=False).output
    assert "不能推送" in run(env, "publish", RESOLUTION, "--send", ok=False).output
    assert find_item(members, RESOLUTION.stem)["status"] == WITHDRAWN
    assert run_json(env, "status", RESOLUTION.stem)["counts"]["total"] == 0


def test_publish_and_send_in_one_go(env, members):
    [published] = run_json(env, "publish", RESOLUTION, "--send")
    assert published["outcome"] == "created" and published["queued"] == 5
    again = run(env, "publish", RESOLUTION, "--send").output
    assert "无变化" in again and "已排队推送 0 条" in again



def test_a_console_correction_sent_here_withdraws_its_original_as_the_console_s_send_does(env, members):
    """A correction saved in the console with 撤回原稿 ticked withdraws the original when it is sent (its page says
    so); sent by `news send` it was pushed and the original stayed in members' list beside it."""
    from handlers.news.items import parse_item
    from storage.news import DRAFT, WITHDRAWN, save_item, set_withdraws

    run(env, "publish", RESOLUTION)
    saved, _ = save_item(members, parse_item('+++\ntitle = "更正：年会决议"\nkind = "resolution"\nsummary = "改正日期"\n+++\n正文', "c1",
                                             "网页后台"), DRAFT)
    set_withdraws(members, saved["id"], RESOLUTION.stem)
    sent = run(env, "send", "c1")
    assert find_item(members, RESOLUTION.stem)["status"] == WITHDRAWN
    assert RESOLUTION.stem in sent.output and "撤回" in sent.output
    assert run_json(env, "send", "c1")["withdrawn"] is None        # sent again: nothing more to withdraw
