"""What the round-13 black-box walk of the member side found (/work/qa/members13.md: the department head applying
for his hospital, the postgraduate paying for and cancelling a conference, the teacher narrowing her news, the retiree
leaving, the member who changed his phone), asserted as the member sees it, in our own words."""
from __future__ import annotations

import re
from datetime import date

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
    return Member(client, config, "o_walk13")


# --- a bound member applies for his unit (#20) -----------------------------------------------------------

def test_a_bound_member_applies_for_his_unit_in_chat_as_its_contact(member, db):
    add_member(db, "HNKX201200001", "郭建华", "13903710015", f"{TODAY.year}-12-31", openid="o_walk13")
    first = member.says("我们医院想办个单位会员 我来申请")
    assert "单位全称" in first and "您已经是学会会员" not in first, first
    member.says("河南省第二人民医院")
    member.says("91410100MA0000001X")
    summary = member.says("5")
    assert "郭建华" in summary and "139****0015" in summary, summary  # the member is the contact, masked
    submitted = member.says("确认")
    [application] = db["applications"].rows
    assert application["kind"] == "unit" and application["app_no"] in submitted, submitted
    assert application["app_no"] in member.says("入会进度")  # his unit's application, not "already a member"


def test_a_bound_member_opens_the_unit_application_page_and_sends_it(client, fake_wechat, db):
    from tests.pages_data import sign_in
    add_member(db, "HNKX201200001", "郭建华", "13903710015", f"{TODAY.year}-12-31", openid="o_walk13")
    sign_in(client, fake_wechat, "o_walk13", "/m/apply?kind=unit")
    page = client.get("/m/apply?kind=unit")
    assert page.status_code == 200 and "统一社会信用代码" in page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    sent = client.post("/m/apply", data={"csrf_token": token, "kind": "unit", "action": "submit",
                                         "unit_name": "河南省第二人民医院", "credit_code": "91410100MA0000001X",
                                         "contact_name": "郭建华", "contact_mobile": "13903710015",
                                         "institution_type": "其他"})
    assert sent.status_code == 302
    assert [row["kind"] for row in db["applications"].rows] == ["unit"]
    assert client.get("/m/apply?kind=individual").status_code == 302  # a member applies for no second membership


# --- "only this topic, none of the rest" (#8) --------------------------------------------------------------

@pytest.mark.parametrize("asked", ["我就只想看政策类的 行业啊人才啊其他的都别给我推了", "只要政策的 别的都不要了",
                                   "我只想收政策方面的消息 其它的不用推"])
def test_keeping_one_topic_and_refusing_the_rest_keeps_that_one_and_says_the_others_are_stopped(member, db, asked):
    from handlers.news.items import give_default_subscriptions
    from storage.news import topics_of
    add_member(db, "HNKX201000012", "刘芳", "13803710012", f"{TODAY.year}-12-31", openid="o_walk13")
    give_default_subscriptions(db, "o_walk13")
    assert len(topics_of(db, "o_walk13")) > 1
    reply = member.says(asked)
    assert topics_of(db, "o_walk13") == ["policy"], reply
    assert "只给您推送：政策资讯" in reply and "已退订" in reply, reply


def test_keeping_one_topic_while_asked_which_topics_to_subscribe_drops_the_rest(member, db):
    from handlers.news.items import give_default_subscriptions
    from storage.news import topics_of
    add_member(db, "HNKX201000012", "刘芳", "13803710012", f"{TODAY.year}-12-31", openid="o_walk13")
    give_default_subscriptions(db, "o_walk13")
    member.says("订阅")
    reply = member.says("只要人才的 别的不要")
    assert topics_of(db, "o_walk13") == ["talent"] and "只给您推送：人才资讯" in reply, reply


# --- a picture is a transfer receipt only when a payment is under way (#29) --------------------------------

def _picture(member) -> str:
    return member.send("image", PicUrl="http://mmbiz.example/photo.jpg", MediaId="m_photo_1")


def test_a_paid_up_members_picture_after_looking_at_his_dues_is_not_filed_as_a_transfer_receipt(member, db):
    from storage.tickets import list_tickets_of_member
    add_member(db, "HNKX201600001", "陈志强", "13603710011", f"{TODAY.year + 1}-12-31", openid="o_walk13")
    member.says("我的会费交到什么时候了")
    reply = _picture(member)
    assert "转账凭证" not in reply and "图片" in reply, reply
    assert list_tickets_of_member(db, "o_walk13") == []


def test_a_lapsed_members_picture_after_looking_at_his_dues_is_kept_as_his_transfer_receipt(member, db):
    from storage.tickets import list_tickets_of_member
    add_member(db, "HNKX201600002", "郭建华", "13903710015", f"{TODAY.year - 1}-12-31", openid="o_walk13")
    member.says("会费")
    reply = _picture(member)
    [ticket] = list_tickets_of_member(db, "o_walk13")
    assert "转账凭证" in reply and ticket["ticket_no"] in reply, reply


# --- leaving the society: one answer however asked (#12-#14) ----------------------------------------------

@pytest.mark.parametrize("asked", ["退会", "岁数大了想退会 行不行 怎么弄", "要是退会了 提前交的那几年会费给退吗",
                                   "退会之后还给我推会讯不", "退了会以后还能重新入会吗"])
def test_leaving_is_answered_the_same_whatever_is_asked_about_it_with_the_years_paid_ahead(member, db, asked):
    add_member(db, "HNKX199500001", "马国庆", "13903710013", f"{TODAY.year + 2}-12-31", openid="o_walk13")
    reply = member.says(asked)
    assert "退会由秘书处办理" in reply and f"{TODAY.year + 1}–{TODAY.year + 2} 年" in reply, reply
    assert "会讯" in reply and "重新申请入会" in reply and "顺延" not in reply, reply


# --- a changed mobile: the way to bind that works without the old number (#1 #3) ---------------------------

@pytest.mark.parametrize("asked", ["我手机号换了 原来那个号已经停机了 现在咋绑定", "原来登记的号不用了 收不到验证码怎么办"])
def test_a_member_whose_registered_mobile_is_gone_is_told_to_bind_by_number_name_and_its_last_four_digits(
        member, db, asked):
    add_member(db, "HNKX201600001", "陈志强", "13603710011", f"{TODAY.year}-12-31")
    reply = member.says(asked)
    assert "会员编号" in reply and "后四位" in reply and "验证码" in reply and "手机号改成" in reply, reply
    member.says("绑定")
    member.says("HNKX201600001")
    member.says("陈志强")
    assert "绑定成功" in member.says("0011")  # the path the answer gives works


# --- a receipt asked for is the receipt, not an invoice (#17) ---------------------------------------------

@pytest.mark.parametrize("asked", ["收据能下载不 要电子版的盖章的", "我要去年会费的收据 电子版的就行", "报销要用收据 在哪打印"])
def test_a_receipt_asked_for_is_linked_with_where_a_stamped_one_comes_from(member, db, asked):
    from datetime import date as day
    from handlers.fees.payments import record_payment
    from storage.fees import find_payer
    add_member(db, "HNKX201800001", "黄丽", "13703710014", f"{TODAY.year - 2}-12-31", openid="o_walk13")
    paid = record_payment(db, find_payer(db, "HNKX201800001"), 100, 1, day(TODAY.year - 1, 3, 15), "银行转账", "test")
    reply = member.says(asked)
    assert paid["receipt_no"] in reply and "/m/dues/receipt/" in reply and "盖章" in reply, reply
    assert "抬头" not in reply, reply  # no invoice form


# --- what a unit membership is, for a department head (#19) -------------------------------------------------

@pytest.mark.parametrize("asked", ["单位会员有什么好处", "我们科室二十多个人 单位会员的话都算会员吗", "一个单位会员能带几个人"])
def test_what_a_unit_membership_gives_and_whom_it_covers_is_answered(member, db, asked):
    add_member(db, "HNKX201200001", "郭建华", "13903710015", f"{TODAY.year}-12-31", openid="o_walk13")
    for asker in (member, Member(member.client, member.config, "o_walk13_unbound")):
        reply = asker.says(asked)
        assert "联络点" in reply and "个人会员" in reply and "秘书处" in reply, reply
        assert "您已经是学会会员" not in reply and "您是想" not in reply, reply


# --- a birth year written with two digits (#38) -------------------------------------------------------------

def test_a_birth_year_written_88年_is_1988_on_the_application_page(client, fake_wechat, db):
    from tests.pages_data import sign_in
    sign_in(client, fake_wechat, "o_walk13", "/m/apply?kind=individual")
    page = client.get("/m/apply?kind=individual").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    sent = client.post("/m/apply", data={
        "csrf_token": token, "kind": "individual", "action": "submit", "name": "赵晓东", "category": "普通会员",
        "birth_year": "88年", "work_unit": "郑州示范大学", "institution_type": "高等院校", "post_category": "科研",
        "discipline": "材料科学", "mobile": "186 3715 0099", "email": ""})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    [application] = db["applications"].rows
    assert '"birth_year": 1988' in application["data"], application["data"]
