"""What is left of the round-12 black-box walk of the member side (/work/qa/members12.md): a number at a card
that offers no numbers, the unit contact's requests, the menu's person, the questions a person cannot be asked,
and the English member's pages. Asserted as the member sees it, in our own words."""
from __future__ import annotations

import re
from datetime import date

import pytest

from bot.config import load_config
from storage.events import registrations_of
from storage.news import subscribe, topics_of
from tests.member import Member
from tests.test_events_chat import add_event
from tests.test_member_walk10 import add_member

pytest_plugins = ["tests.fake_wechat"]

TODAY = date.today()


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


@pytest.fixture
def member(client, config, db):
    add_member(db, "HNKX202000001", "赵丽", "13637710001", f"{TODAY.year}-12-31", openid="o_walk12c")
    return Member(client, config, "o_walk12c")


# --- a number at a card to confirm is neither yes nor no unless the card offers it ----------------------

def test_a_number_at_the_suggestion_card_keeps_the_draft_and_asks_again(member, db):
    from storage.tickets import list_tickets_of_member
    member.says("我有个建议：希望会讯多发一些学术报告的信息")
    again = member.says("2")
    assert "学术报告" in again and "内容有点少" not in again, again
    assert "FK" in member.says("确认")
    [ticket] = list_tickets_of_member(db, "o_walk12c")
    assert "学术报告" in ticket["body"]


def test_a_number_at_the_unsubscribe_all_card_unsubscribes_nothing(member, db):
    subscribe(db, "o_walk12c", ["policy", "talent"])
    assert "确定退订全部" in member.says("全部退订")
    again = member.says("1")
    assert "已退订" not in again and "回复“确认”" in again, again
    assert set(topics_of(db, "o_walk12c")) == {"policy", "talent"}


def test_a_number_at_the_registration_card_neither_registers_nor_drops_it(member, db):
    add_event(db, "学术年会", 40)
    member.says("报名学术年会")
    for number in ("1", "3"):
        again = member.says(number)
        assert "不用回复数字" in again and "报名成功" not in again, again
    assert registrations_of(db, "o_walk12c", TODAY.isoformat()) == []
    assert "报名成功" in member.says("确认")


def test_a_number_at_the_cancel_card_neither_cancels_nor_keeps_it_silently(member, db):
    add_event(db, "学术年会", 40)
    member.says("报名学术年会")
    assert "报名成功" in member.says("确认")
    assert "确定取消" in member.says("取消报名")
    again = member.says("2")
    assert "不用回复数字" in again and "好的，保留" not in again, again
    assert "已取消" in member.says("确认")


def test_a_short_request_at_the_suggestion_card_is_answered_and_the_draft_kept(member, db):
    from storage.tickets import list_tickets_of_member
    member.says("我要投诉！！！你们的会费收据半年了还没给我，再不处理我就去科协举报")
    mine = member.says("我的诉求")
    assert "内容有点少" not in mine and "意见建议" in mine, mine
    assert "FK" in member.says("确认")
    [ticket] = list_tickets_of_member(db, "o_walk12c")
    assert "收据半年了" in ticket["body"] and ticket["category"] == "投诉"



# --- P6, the unit contact: colleagues put forward, an invoice form, the unit joining, a colleague's dues ------

@pytest.fixture
def unit_contact(client, config, db):
    add_member(db, "HNKX202000001", "赵丽", "13637710001", f"{TODAY.year - 1}-12-31", openid="o_walk12c")
    add_member(db, "HNKX202000002", "孙伟", "15003710006", f"{TODAY.year + 1}-12-31")
    add_event(db, "2027年学术年会", 90, fee="会员800元/非会员1200元")
    return Member(client, config, "o_walk12c")


def test_colleagues_put_forward_are_shown_among_ones_registrations_while_the_secretariat_registers_them(
        unit_contact):
    taken = unit_contact.says("我帮单位同事报名年会 陈晨 13607710011 刘芳 13837710012")
    [ticket_no] = re.findall(r"FK\d+", taken)
    for asked in ("我们单位报了几个人", "我的报名"):
        mine = unit_contact.says(asked)
        assert ticket_no in mine and "陈晨" in mine and "刘芳" in mine and "没有待参加" not in mine, mine
        assert "13607710011" not in mine and "136****0011" in mine, mine


def test_colleagues_put_forward_again_are_not_passed_on_twice(unit_contact, db):
    from storage.tickets import list_tickets_of_member
    first = unit_contact.says("我帮单位同事报名年会 陈晨 13607710011 刘芳 13837710012")
    [ticket_no] = re.findall(r"FK\d+", first)
    unit_contact.says("给同事报名")
    unit_contact.says("年会")
    again = unit_contact.says("陈晨 13607710011 刘芳 13837710012 何勇 13937710013")
    assert ticket_no in again and "何勇" in again, again
    tickets = list_tickets_of_member(db, "o_walk12c")
    assert len(tickets) == 2 and "陈晨" not in tickets[0]["body"] and "何勇" in tickets[0]["body"], tickets


def test_a_list_of_colleagues_checked_and_submitted_is_shown_and_not_passed_on_again(unit_contact, db):
    from storage.tickets import list_tickets_of_member
    unit_contact.says("给同事报名")
    unit_contact.says("年会")
    assert "请核对" in unit_contact.says("陈晨 13607710011 刘芳 13837710012 何勇 13937710013")
    [ticket_no] = re.findall(r"FK\d+", unit_contact.says("提交"))
    mine = unit_contact.says("我的报名")
    assert ticket_no in mine and "何勇" in mine and "139****0013" in mine, mine
    unit_contact.says("给同事报名")
    unit_contact.says("年会")
    again = unit_contact.says("陈晨 13607710011 刘芳 13837710012")
    assert ticket_no in again and "请核对" not in again, again
    assert len(list_tickets_of_member(db, "o_walk12c")) == 1



def test_questions_with_the_word_unit_are_not_taken_into_an_open_invoice_request(unit_contact, db):
    from storage.tickets import list_tickets_of_member
    unit_contact.says("会费交了能开发票吗")
    joining = unit_contact.says("我们单位想成为单位会员 怎么办 要多少钱")
    assert "2000" in joining and "开票申请" not in joining.split("（")[0], joining
    dues = unit_contact.says("单位同事孙伟的会费交了没")
    assert "本人" in dues and "已补充到开票申请" not in dues and "您的会费缴至" not in dues, dues
    assert list_tickets_of_member(db, "o_walk12c") == []


def test_a_member_asking_for_her_unit_to_join_is_told_how_and_the_units_fee(unit_contact):
    reply = unit_contact.says("我们单位想成为单位会员 怎么办 要多少钱")
    assert "您已经是学会会员" not in reply and "2000" in reply and "单位" in reply, reply


@pytest.mark.parametrize("asked", ["单位同事孙伟的会费交了没", "帮我查一下孙伟的会费", "我同事的会费交了吗"])
def test_a_colleagues_dues_are_not_told_and_not_answered_with_ones_own(unit_contact, asked):
    reply = unit_contact.says(asked)
    assert "本人" in reply and "您的会费缴至" not in reply and "2025-12-31" not in reply, reply


# --- the secretariat's answer asked after ------------------------------------------------------------------

@pytest.mark.parametrize("asked", ["秘书处回复我了吗", "你们给我答复了吗"])
def test_asking_whether_the_secretariat_answered_shows_the_answer_and_files_nothing(member, db, asked):
    from storage.tickets import list_tickets_of_member, reply_to_ticket
    member.says("我要投诉 会费收据半年了还没给我")
    member.says("确认")
    [ticket] = list_tickets_of_member(db, "o_walk12c")
    reply_to_ticket(db, ticket["ticket_no"], "收据已补寄，请查收", "张秘书")
    reply = member.says(asked)
    assert "收据已补寄" in reply and ticket["ticket_no"] in reply and "已为您登记人工服务" not in reply, reply
    assert len(list_tickets_of_member(db, "o_walk12c")) == 1


def test_a_person_asked_for_by_the_menu_is_withdrawn_by_cancel_right_after(member, db):
    from storage.tickets import list_tickets_of_member
    tapped = member.clicks("MENU_HUMAN")
    assert "已为您登记人工服务" in tapped and "取消" in tapped, tapped
    withdrawn = member.says("取消")
    assert "撤回" in withdrawn and "当前没有正在办理的事项" not in withdrawn, withdrawn
    [ticket] = list_tickets_of_member(db, "o_walk12c")
    assert ticket["status"] == "closed" and "点击菜单" not in ticket["body"], ticket


# --- subscriptions: the dues reminders are no topic; whether one's topics are still there -------------------

def test_asking_to_stop_the_dues_reminders_leaves_the_topics_and_says_what_reminders_are(member, db):
    subscribe(db, "o_walk12c", ["discipline", "talent"])
    reply = member.says("会费提醒也别发了")
    assert "确定退订全部" not in reply and "服务通知" in reply, reply
    assert "已退订" not in member.says("确认")
    assert set(topics_of(db, "o_walk12c")) == {"discipline", "talent"}


@pytest.mark.parametrize("asked", ["订阅还在吗", "我的订阅还有吗"])
def test_asking_whether_ones_subscriptions_are_still_there_lists_them(member, db, asked):
    assert "没有订阅任何栏目" in member.says(asked)
    subscribe(db, "o_walk12c", ["talent"])
    reply = member.says(asked)
    assert "人才资讯" in reply and "请选择要订阅的栏目" not in reply, reply


# --- a job search right after a posting was opened is a search ----------------------------------------------

@pytest.mark.parametrize("searched, found", [("南阳附近有没有医院招人 本科 临床", "住院医师"),
                                             ("郑州有没有水利的岗位 本科", "水利工程师")])
def test_a_new_search_right_after_opening_a_posting_lists_postings(member, db, searched, found):
    from tests.job_board import post
    post(db, "全科医生", "南阳市第二人民医院", "南阳", discipline="临床医学", education="本科")
    post(db, "住院医师", "南阳市中心医院", "南阳", discipline="临床医学", education="本科")
    post(db, "水利工程师", "郑州某水利院", "郑州", discipline="水利工程", education="本科")
    assert "【全科医生】" in member.says("南阳全科医生")
    reply = member.says(searched)
    assert found in reply and "的学历要求" not in reply, reply


# --- #29: the member pages in English for a member who writes English ----------------------------------------

@pytest.fixture
def john(client, config, db, fake_wechat):
    from tests.pages_data import sign_in
    add_member(db, "HNKX201500003", "John Smith", "13903710003", f"{TODAY.year - 1}-12-31", openid="o_john12c")
    event = add_event(db, "2027年学术年会", 90)
    john = Member(client, config, "o_john12c")
    assert "Membership card" in john.says("my membership card")
    sign_in(client, fake_wechat, "o_john12c")
    return event


@pytest.mark.parametrize("path, words", [
    ("/m/", ["Member centre", "Member number", "Paid through", "My event registrations", "Pay membership fee"]),
    ("/m/dues", ["Membership fee", "Pay the membership fee", "Payments"]),
    ("/m/events", ["Coming events", "Member centre", "Fees"])])
def test_a_member_writing_english_reads_the_member_pages_in_english(client, john, path, words):
    page = client.get(path).get_data(as_text=True)
    assert all(word in page for word in words) and "会员中心" not in page and "会费缴至" not in page, page
    assert '<html lang="en">' in page


def test_a_member_writing_english_registers_on_the_event_page_and_reads_its_errors_in_english(client, john):
    page = client.get(f"/m/events/{john['event_no']}").get_data(as_text=True)
    assert "Register" in page and "提交报名" not in page, page
    missing = client.get("/m/events/HD1999999")
    assert missing.status_code == 404 and "was not found" in missing.get_data(as_text=True)


def test_a_member_writing_chinese_still_reads_the_pages_in_chinese(client, config, fake_wechat, db):
    from tests.pages_data import sign_in
    add_member(db, "HNKX201500004", "王海波", "13903710004", f"{TODAY.year}-12-31", openid="o_wang12c")
    assert "会员卡" in Member(client, config, "o_wang12c").says("我的会员卡")
    sign_in(client, fake_wechat, "o_wang12c")
    page = client.get("/m/dues").get_data(as_text=True)
    assert "会费缴至" in page and '<html lang="zh-CN">' in page


# --- #25: a wrong mobile given at the registration card is said wrong there, the card kept ------------------

@pytest.mark.parametrize("said, told", [("my mobile is 1390371", "isn't a mainland mobile number"),
                                        ("手机号应该是1390371", "手机号格式不对")])
def test_a_mobile_too_short_given_at_the_registration_card_is_refused_in_the_members_language(client, config, db,
                                                                                               said, told):
    add_member(db, "HNKX201500003", "John Smith", "13903710003", f"{TODAY.year}-12-31", openid="o_john12c")
    add_event(db, "学术年会", 40)
    john = Member(client, config, "o_john12c")
    if said.startswith("my"):
        john.says("what events are coming up")
    john.says("register" if said.startswith("my") else "报名学术年会")
    reply = john.says(said)
    assert told in reply and ("Please check your registration" in reply or "请确认报名" in reply), reply
    assert "You are registered" in john.says("confirm") if said.startswith("my") else "报名成功" in john.says("确认")
