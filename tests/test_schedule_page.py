"""The 定时任务 page tells a secretary when each job runs in words (每天 09:00（北京时间）), not as
the cron expression and timezone name of content/schedule.toml."""
from __future__ import annotations

import pytest

from bot.admin.schedule import when_text
from tests.admin_data import add_units, add_users
from tests.test_admin import log_in


@pytest.fixture
def staff(client, db, config):
    add_users(db, config, add_units(db)[0])
    assert log_in(client, "staff1").status_code == 302
    return client


def test_the_schedule_page_says_when_in_words(staff):
    page = staff.get("/admin/schedule/").get_data(as_text=True)
    assert "每天 09:00（北京时间）" in page  # dues reminders
    assert "每天 08:00 到 20:00 每小时一次（北京时间）" in page  # event reminders
    assert "* * *" not in page and "Asia/Shanghai" not in page


@pytest.mark.parametrize("cron, zone, said", [
    ("30 9 * * 1", "Asia/Shanghai", "每周一 09:30（北京时间）"),
    ("0 7 1 * *", "Asia/Shanghai", "每月 1 日 07:00（北京时间）"),
    ("0 7 * * 0", "Europe/Berlin", "每周日 07:00（Europe/Berlin）"),
])
def test_other_usual_timetables_in_words(app, cron, zone, said):
    with app.test_request_context("/admin/schedule/"):
        assert when_text(cron, zone) == said


@pytest.mark.parametrize("cron", ["*/15 * * * *", "0 9 1 1 *", "0 9,17 * * *", "0 9 * * 1-5"])
def test_an_unusual_timetable_is_shown_as_written(app, cron):
    with app.test_request_context("/admin/schedule/"):
        assert when_text(cron, "Asia/Shanghai") is None
