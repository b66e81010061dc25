"""What the secretariat reads on the console is their own language: no command to type, no server file
to edit, no library's English error, and never a secret. The dashboard's deployment checklist names
each check in a secretary's words and folds what only a technician can act on; the 定时任务 page says
whom to ask to change a time."""
from __future__ import annotations

import re

import pytest

from tests.test_admin_browser import sign_in, society  # noqa: F401 (fixture)

pytest_plugins = ["tests.fake_wechat"]
PROGRAMMERS_WORDS = re.compile(r"python -m|content/|\.toml|doctor|Traceback|Error|https?://|/cgi-bin/")


@pytest.fixture
def config(env, fake_wechat):
    """WeChat unreachable, as on a server whose outgoing network is not open yet: the checks fail."""
    from bot.config import load_config

    env.update(WECHAT_API_BASE="http://127.0.0.1:9/cgi-bin/", WECHAT_API_MAX_RETRIES="0",
               WECHAT_API_TIMEOUT="1")
    return load_config(env)


def visible(tab) -> str:
    return tab.locator("main").inner_text()


def test_the_deployment_checklist_speaks_to_a_secretary_and_shows_no_secret(new_tab, live_url, society, config):
    tab = sign_in(new_tab, live_url, "staff1")
    panel = tab.locator("#doctor")
    assert "还没有做过部署自检" in panel.inner_text()
    assert not PROGRAMMERS_WORDS.findall(visible(tab)), PROGRAMMERS_WORDS.findall(visible(tab))
    tab.get_by_role("button", name="立即检查").click()
    panel.locator("summary").wait_for()
    assert "✗ 能连上微信公众平台" in panel.inner_text()
    assert "请把下面“给技术人员的详情”发给负责服务器的同事" in panel.inner_text()
    assert not PROGRAMMERS_WORDS.findall(visible(tab)), PROGRAMMERS_WORDS.findall(visible(tab))
    panel.locator("summary").click()  # folded out: the technician's details, secret hidden
    assert "怎么办" in panel.inner_text()
    assert config.app_secret not in tab.content()


def test_the_schedule_page_says_whom_to_ask_not_which_file_to_edit(new_tab, live_url, society):
    tab = sign_in(new_tab, live_url, "staff1")
    tab.click("[data-nav=schedule]")
    assert "请联系负责服务器的同事" in visible(tab)
    tab.get_by_role("button", name="立即运行").nth(5).click()  # the nightly backup
    assert "已备份" in tab.locator(".flash-ok").inner_text()
    assert not PROGRAMMERS_WORDS.findall(visible(tab)), PROGRAMMERS_WORDS.findall(visible(tab))
    assert "/backups/" not in visible(tab)


def test_a_failed_run_says_what_to_do_not_the_programs_error(new_tab, live_url, society, db):
    from storage import schedule as runs

    run_id = runs.open_manual_run(db, "nightly_backup", "2026-12-01T03:00:00+08:00", "2026-12-01T03:00:00+08:00",
                                  "console:staff1")
    runs.finish_run(db, run_id, runs.FAILED, "2026-12-01T03:00:05+08:00",
                    error="OSError: [Errno 28] No space left on device: '/srv/xuehui/var/backups'")
    tab = sign_in(new_tab, live_url, "staff1")
    tab.click("[data-nav=schedule]")
    assert "没有运行成功" in visible(tab)
    assert "OSError" not in visible(tab) and "/srv/" not in visible(tab)


def test_a_page_past_the_end_of_a_list_shows_the_last_page_and_says_so(new_tab, live_url, society):
    tab = sign_in(new_tab, live_url, "staff1")
    tab.goto(f"{live_url}/admin/members/?q=理事&page=9")  # 45 councillors: one page; an old link to page 9
    assert "没有第 9 页" in tab.locator(".flash").inner_text()
    assert "理事0" in visible(tab)
    assert "page=1" in tab.url and "q=" in tab.url  # the search is kept
    tab.goto(f"{live_url}/admin/audit/?page=999")
    assert "没有第 999 页" in tab.locator(".flash").inner_text()
    assert tab.locator("table.history tbody tr").count() > 0


def test_who_decided_or_changed_reads_as_a_person_never_as_a_code(new_tab, live_url, society):
    first, _ = society["applications"]
    tab = sign_in(new_tab, live_url, "staff1")
    tab.click("[data-nav=applications]")
    tab.check(f"input[value={first['app_no']}]")
    tab.get_by_role("button", name="批准所选").click()
    tab.get_by_role("link", name="已批准").click()
    assert "staff1（后台）" in visible(tab) and "console:" not in visible(tab)
    tab.goto(f"{live_url}/admin/members/HNKX2019{society['units'][0]['id']:05d}")
    # made by a command on the server (`--by test`; without it, the server's login name such as root)
    assert "test（服务器命令）" in tab.locator("table.history").inner_text()


def test_an_overdue_member_opens_from_the_dues_page(new_tab, live_url, society):
    member_no = f"HNKX2019{society['units'][0]['id']:05d}"
    tab = sign_in(new_tab, live_url, "staff1")
    tab.click("[data-nav=dues]")
    tab.locator("table.overdue").get_by_role("link", name=member_no).click()  # to call her about it
    assert "王芳" in tab.locator("h1").inner_text()
