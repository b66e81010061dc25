"""Reviewer 13-a's findings on this session's chat changes, asserted as the member sees them."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.config import load_config
from tests.member import Member
from tests.test_member_walk10 import add_member

pytest_plugins = ["tests.fake_wechat"]

TODAY = date.today()


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


@pytest.fixture
def member(client, config):
    return Member(client, config, "o_review13a")


def test_a_picture_after_the_dues_from_a_member_asked_to_renew_now_is_kept_as_his_transfer_receipt(member, db):
    """Within the reminder window before his paid-through date the dues answer asks him to pay now (and the
    reminder told him to): the transfer's screenshot he sends next is a receipt for the secretariat."""
    from storage.tickets import list_tickets_of_member
    add_member(db, "HNKX201600003", "陈志强", "13603710011", (TODAY + timedelta(days=10)).isoformat(),
               openid="o_review13a")
    member.says("会费")
    reply = member.send("image", PicUrl="http://mmbiz.example/photo.jpg", MediaId="m_photo_2")
    [ticket] = list_tickets_of_member(db, "o_review13a")
    assert "转账凭证" in reply and ticket["ticket_no"] in reply, reply


@pytest.mark.parametrize("asked", ["可以退会费吗", "退会议的报名费 钱啥时候到账"])
def test_a_refund_of_dues_or_of_a_meeting_is_not_read_as_leaving_the_society(member, db, asked):
    add_member(db, "HNKX201600004", "马国庆", "13903710013", f"{TODAY.year}-12-31", openid="o_review13a")
    reply = member.says(asked)
    assert "退会由秘书处办理" not in reply, reply


@pytest.mark.parametrize("said", ["推送停了 怎么回事", "我的邮箱不用了 新的是liu@163.com", "验证码"])
def test_something_stopped_or_unused_that_is_no_mobile_number_is_not_told_how_to_bind_without_one(member, db, said):
    add_member(db, "HNKX201600005", "刘芳", "13803710012", f"{TODAY.year}-12-31", openid="o_review13a")
    reply = member.says(said)
    assert "后四位" not in reply, reply


@pytest.mark.parametrize("asked", ["年会报名费的收据 报销用", "会议费能开收据吗 要盖章的"])
def test_a_receipt_for_an_events_fee_is_not_answered_with_the_members_dues_receipt(member, db, asked):
    from handlers.fees.payments import record_payment
    from storage.fees import find_payer
    add_member(db, "HNKX201800006", "黄丽", "13703710014", f"{TODAY.year - 2}-12-31", openid="o_review13a")
    paid = record_payment(db, find_payer(db, "HNKX201800006"), 100, 1, date(TODAY.year - 1, 3, 15), "银行转账", "test")
    reply = member.says(asked)
    assert paid["receipt_no"] not in reply and "您最近一笔缴费的收据" not in reply, reply


def test_leaving_with_only_next_year_paid_names_that_year_once(member, db):
    add_member(db, "HNKX199500007", "马国庆", "13903710013", f"{TODAY.year + 1}-12-31", openid="o_review13a")
    reply = member.says("退会的话 明年的会费退不退")
    assert f"{TODAY.year + 1} 年的还没到" in reply and f"{TODAY.year + 1}–" not in reply, reply


@pytest.mark.parametrize("asked", ["孙伟会费交了没", "帮我查一下孙伟会费交了吗"])
def test_a_colleagues_dues_asked_by_name_without_de_are_not_answered_with_ones_own(member, db, asked):
    add_member(db, "HNKX202000008", "赵丽", "13637710001", f"{TODAY.year - 1}-12-31", openid="o_review13a")
    add_member(db, "HNKX202000009", "孙伟", "15003710006", f"{TODAY.year + 1}-12-31")
    reply = member.says(asked)
    assert "本人" in reply and "您的会费缴至" not in reply, reply


def test_the_application_page_opens_after_the_member_browsed_a_list_and_moved_on(client, fake_wechat, member, db):
    """d46ebc5 keeps the list last browsed in the flow's key once no flow is left ({"left_list": …}): the
    application page, which starts from the chat form's answers, read it as a form."""
    from storage.news import save_item
    from tests.pages_data import sign_in
    for day, title in ((2, "科技社团建设意见"), (1, "科研经费改革解读")):
        save_item(db, {"item_no": f"r{day}", "kind": "newsletter", "title": title, "topics": ["policy"],
                       "audience": None, "summary": "摘要", "link": None, "body": f"{title}的正文",
                       "publish_at": f"2026-11-0{day}T09:00:00+08:00", "source": None})
    member.says("最近有啥政策新闻")
    member.says("会费多少钱")
    sign_in(client, fake_wechat, "o_review13a", "/m/apply")
    page = client.get("/m/apply")
    assert page.status_code == 200 and "入会" in page.get_data(as_text=True)
