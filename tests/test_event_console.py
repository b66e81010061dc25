"""One event created, edited and cancelled in the console (issue 14): those signed up are told of a
new time or place, and of a cancellation with its reason, through the outbound queue; a change of
anything else tells no one."""
from __future__ import annotations

import re
from datetime import date, timedelta

from handlers.events.registration import register
from storage import events as store
from storage.members import Refused
from tests.notices import queued_notices
from tests.test_admin import page, post, staff, units, users  # noqa: F401  (fixtures)

START = date.today() + timedelta(days=30)


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def new_event(staff, db, **changes) -> dict:
    form = {"title": "青年科技论坛", "type": "学术会议", "starts_on": START.isoformat(), "ends_on": START.isoformat(),
            "place": "郑州国际会展中心", "capacity": "2", "description": "青年学者交流"}
    done = post(staff, "/admin/events/new", dict(form, **changes), follow_redirects=True)
    assert "已新建活动" in visible(page(done)), visible(page(done))[:500]
    [event] = [e for e in db["events"].rows if e["title"] == form["title"]]
    return event


def sign_up(db, event: dict, *names) -> list[str]:
    openids = []
    for n, name in enumerate(names):
        openid = f"o_event_{n}"
        register(db, event["id"], openid, {"name": name, "mobile": f"1380013800{n}", "work_unit": "郑州大学"},
                       date.today().isoformat())
        openids.append(openid)
    return openids


def test_an_event_typed_in_the_console_is_listed_and_checked_like_a_row(staff, db):
    event = new_event(staff, db)
    assert event["event_no"].startswith(f"HD{START.year}")
    assert "青年科技论坛" in page(staff.get("/admin/events/"))
    refused = post(staff, "/admin/events/new", {"title": "没有日期的活动", "type": "培训"})
    assert refused.status_code == 200 and "没有日期的活动" in page(refused)
    assert not [e for e in db["events"].rows if e["title"] == "没有日期的活动"]


def test_a_new_place_or_time_is_told_to_everyone_signed_up(staff, db, redis_client):
    event = new_event(staff, db)
    registered = sign_up(db, event, "张伟", "李娜", "王强")  # two seats: the third waits
    later = START + timedelta(days=2)
    form = {"title": "青年科技论坛", "type": "学术会议", "starts_on": later.isoformat(), "ends_on": later.isoformat(),
            "place": "河南科技馆", "capacity": "2", "description": "青年学者交流"}
    done = visible(page(post(staff, f"/admin/events/{event['event_no']}/edit", form, follow_redirects=True)))
    assert "已通知 3 位报名和候补的会员" in done
    notices = queued_notices(redis_client)
    assert sorted(n["openid"] for n in notices) == sorted(registered)
    for notice in notices:
        assert notice["kind"] == "event" and notice["text"].startswith("活动变更：《青年科技论坛》")
        assert "河南科技馆" in notice["text"] and "原定地点：郑州国际会展中心" in notice["text"]
    assert store.find_event(db, event["id"])["place"] == "河南科技馆"

    post(staff, f"/admin/events/{event['event_no']}/edit", dict(form, description="新增圆桌讨论"))
    assert len(queued_notices(redis_client)) == 3  # a new description tells no one


def test_cancelling_needs_a_reason_tells_everyone_and_closes_sign_up(staff, db, redis_client):
    event = new_event(staff, db)
    registered = sign_up(db, event, "张伟", "李娜")
    url = f"/admin/events/{event['event_no']}/cancel"
    assert "须写明原因" in visible(page(post(staff, url, {"reason": ""}, follow_redirects=True)))
    assert queued_notices(redis_client) == []
    shown = visible(page(post(staff, url, {"reason": "场地检修"}, follow_redirects=True)))
    assert "已取消《青年科技论坛》，已通知 2 位" in shown and "原因：场地检修" in shown
    notices = queued_notices(redis_client)
    assert sorted(n["openid"] for n in notices) == sorted(registered)
    assert all("活动取消：《青年科技论坛》" in n["text"] and "原因：场地检修" in n["text"] for n in notices)
    assert store.registrants(db, event["id"]) == []
    assert "青年科技论坛" not in page(staff.get("/admin/events/"))
    try:
        register(db, event["id"], "o_late", {"name": "赵敏", "mobile": "13900000000", "work_unit": ""},
                       date.today().isoformat())
    except Refused as refused:
        assert refused.reason == "cancelled"
    else:
        raise AssertionError("a cancelled event took a registration")


def test_a_new_event_s_society_is_this_society_already(staff):
    """The first field, 学会, was empty: a single society's secretary could not tell what to write there."""
    from bot import content

    form = page(staff.get("/admin/events/new"))
    box = re.search(r'<input[^>]*name="society"[^>]*>', form).group(0)
    assert f'value="{content.society()["name"]}"' in box, box
