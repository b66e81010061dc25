"""The round-13 member walk's leftovers (/work/qa/members13.md, issue 11), asserted as the member sees them,
in our own words: an invoice request whose fields come in one or two messages, binding said in one sentence
or explained inside the form, numbers read out in Chinese digits, a phone's voice homophones of the account's
key words, subscriptions wished for before binding, an optional step left empty."""
from __future__ import annotations

from datetime import date

import pytest

from tests.member import Member
from tests.test_member_walk10 import add_member
from tests.test_member_walk13b import config  # noqa: F401  (fixture: the fake WeChat API under the app)

pytest_plugins = ["tests.fake_wechat"]
TODAY = date.today()


@pytest.fixture
def member(client, config):
    return Member(client, config, "o_walk13c")


def _one_ticket(db) -> dict:
    [ticket] = db["tickets"].rows
    return ticket


@pytest.fixture
def paid_member(db):
    """A bound member whose record names her unit, with last year's dues paid."""
    from datetime import date as day
    from handlers.fees.payments import record_payment
    from storage.fees import find_payer
    from storage.sqlite import transaction
    from storage.members import insert_member
    with transaction(db):
        insert_member(db, {"member_no": "HNKX201900021", "name": "孟晓燕", "category": "regular", "mobile": "13703710021",
                           "paid_through": f"{TODAY.year - 1}-12-31", "openid": "o_walk13c",
                           "work_unit": "河南省林业科学研究院"}, actor="test")
    return record_payment(db, find_payer(db, "HNKX201900021"), 100, 1, day(TODAY.year - 1, 4, 2), "银行转账", "test")


# --- the invoice form keeps every field it can read (#15, #16) ----------------------------------------------

def test_a_command_typed_inside_the_invoice_form_is_answered_and_files_nothing(member, db, paid_member):
    member.says("想开张去年会费的发票 拿回单位报账用")
    reply = member.says("我的缴费记录")
    assert paid_member["receipt_no"] in reply, reply  # her payments are shown
    assert not list(db["tickets"].rows), reply  # no application with a title she never gave
    assert "河南省林业科学研究院" not in reply, reply


def test_title_tax_number_email_and_kind_given_at_once_are_all_kept(member, db, paid_member):
    member.says("我要开发票 单位报销")
    reply = member.says("抬头郑州市第七人民医院 税号12410100MB1234567K 普票 电子的发到 mxy@zz7y.cn")
    ticket = _one_ticket(db)
    for field in ("郑州市第七人民医院", "12410100MB1234567K", "mxy@zz7y.cn", "普票"):
        assert field in reply and field in ticket["body"], (field, reply)
    assert "还缺" not in reply, reply


def test_fields_sent_after_the_application_is_filed_are_added_and_said(member, db, paid_member):
    member.says("帮我开个专票 抬头是郑州市第七人民医院")
    reply = member.says("税号12410100MB1234567K 邮箱 mxy@zz7y.cn")
    ticket = _one_ticket(db)
    assert "12410100MB1234567K" in ticket["body"] and "mxy@zz7y.cn" in ticket["body"], ticket["body"]
    assert "12410100MB1234567K" in reply and "mxy@zz7y.cn" in reply, reply
    assert "邮箱：未填" not in reply, reply  # not her member card


# --- binding said in one sentence, or explained inside the form (#2, #5, #6, #7) ------------------------------

@pytest.fixture
def on_roster(db):
    add_member(db, "HNKX201700031", "周建军", "13598760031", f"{TODAY.year}-12-31")


@pytest.mark.parametrize("said", ["您好 我是洛阳一高的化学老师周建军 手机13598760031 麻烦帮我绑定",
                                  "我叫周建军，电话13598760031，帮忙绑一下会员",
                                  "我是八中物理老师周建军 手机号13598760031 帮我绑定一下"])
def test_name_and_mobile_in_a_sentence_asking_to_bind_bind_at_once(member, on_roster, said):
    assert "绑定成功" in member.says(said)


def _mobile_of(db, number: str) -> str:
    from storage.members import find_member_by_no
    return find_member_by_no(db, number)["mobile"]


def test_a_name_with_a_new_mobile_binds_by_the_old_one_and_then_changes_to_the_new(member, db, on_roster):
    first = member.says("我叫周建军 新号15837160088")
    assert "没有完全理解" not in first and "会员编号" in first, first
    member.says("HNKX201700031")
    done = member.says("0031")
    assert "绑定成功" in done and "158****0088" in done, done
    assert _mobile_of(db, "HNKX201700031") == "15837160088"


def test_a_change_asked_at_the_name_question_uses_up_no_try_and_is_made_once_bound(member, db, on_roster):
    member.says("绑定")
    member.says("我的会员号是HNKX201700031")
    reply = member.says("先把手机号给我改成15837160088")
    assert "核对不一致" not in reply and "再试" not in reply and "姓名" in reply, reply
    member.says("周建军")
    done = member.says("0031")
    assert "绑定成功" in done and _mobile_of(db, "HNKX201700031") == "15837160088", done


@pytest.mark.parametrize("asked", ["用身份证后四位行不行", "原来那个号早停了 收不到验证码啊", "手机卡注销了咋办"])
def test_asking_about_a_code_an_id_card_or_a_stopped_number_inside_binding_is_answered_and_the_step_kept(
        member, on_roster, asked):
    member.says("绑定")
    member.says("HNKX201700031")
    member.says("周建军")  # now its last four digits are asked
    reply = member.says(asked)
    assert "验证码" in reply and "后四位" in reply and "再试" not in reply, reply
    assert "绑定成功" in member.says("0031")


def test_forgetting_both_the_old_mobile_and_the_number_is_sent_to_the_secretariat(member, on_roster):
    member.says("周建军 13912345678")  # not the mobile on the roster
    reply = member.says("我换号了 原来的号是135开头 后面记不全了 会员号也想不起来 咋整")
    assert "格式不对" not in reply and "0371-6000 0000" in reply and "单位" in reply, reply


# --- numbers read out in Chinese digits, alone or mixed with typed ones, wherever a number is asked -----------

@pytest.mark.parametrize("last_four", ["零零三幺", "零零三一", "00三一"])
def test_the_last_four_digits_read_out_bind(member, on_roster, last_four):
    member.says("绑定")
    member.says("HNKX201700031")
    member.says("周建军")
    assert "绑定成功" in member.says(last_four)


@pytest.mark.parametrize("mobile", ["一三五九八七六零零三一", "135九八七6零031", "手机是幺三五 九八七六 零零三幺"])
def test_a_mobile_read_out_or_half_typed_binds(member, on_roster, mobile):
    member.says("绑定")
    member.says("周建军")
    assert "绑定成功" in member.says(mobile)


def test_a_new_mobile_read_out_is_the_change(member, db, on_roster):
    from storage.members import find_member_by_no
    db["members"].update(find_member_by_no(db, "HNKX201700031")["id"], {"openid": "o_walk13c"})
    member.says("我要改手机号")
    assert "158****0088" in member.says("幺五八三七幺六零零八八")
    assert _mobile_of(db, "HNKX201700031") == "15837160088"


@pytest.mark.parametrize("born", ["一九八七", "一九八七年", "八七年"])
def test_a_birth_year_read_out_is_taken_in_the_chat_application(member, born):
    member.says("申请入会")
    member.says("1")
    member.says("韩秀梅")
    member.says("普通")
    assert "工作单位" in member.says(born)
    member.says("河南省农业科学院")
    member.says("科研院所")
    member.says("3")
    member.says("作物遗传育种")
    member.says("159 3712 6688")
    assert "出生年份：1987" in member.says("跳过")


# --- a phone's voice input writes the account's key words with characters that sound alike (#30) --------------

@pytest.fixture
def lapsed_with_a_receipt(db):
    from datetime import date as day
    from handlers.fees.payments import record_payment
    from storage.fees import find_payer
    add_member(db, "HNKX201800041", "贾红霞", "13703710041", f"{TODAY.year - 2}-12-31", openid="o_walk13c")
    return record_payment(db, find_payer(db, "HNKX201800041"), 100, 1, day(TODAY.year - 1, 5, 9), "银行转账", "test")


@pytest.mark.parametrize("said", ["我要开发飘 报销用", "能给开张发飘不"])
def test_an_invoice_asked_by_voice_starts_the_invoice_request(member, lapsed_with_a_receipt, said):
    assert "抬头" in member.says(said)


@pytest.mark.parametrize("said", ["去年的收剧在哪看", "收剧能下载不"])
def test_a_receipt_asked_by_voice_is_linked(member, lapsed_with_a_receipt, said):
    reply = member.says(said)
    assert lapsed_with_a_receipt["receipt_no"] in reply and "/m/dues/receipt/" in reply, reply


@pytest.mark.parametrize("said", ["我想退汇", "咋样推会啊"])
def test_leaving_asked_by_voice_is_answered_as_leaving(member, lapsed_with_a_receipt, said):
    assert "退会由秘书处办理" in member.says(said)


def test_the_unit_fee_asked_by_voice_is_the_unit_fee(member, lapsed_with_a_receipt):
    assert "单位会员" in member.says("单为会员一年多少钱")


def test_money_sent_back_is_not_read_as_leaving(member, lapsed_with_a_receipt):
    assert "退会由秘书处办理" not in member.says("多交的钱能退回来吗")


# --- "leave it empty" at an optional step is no cancel (#37) ----------------------------------------------------

@pytest.mark.parametrize("empty", ["不填", "这个不填", "不用填", "没有", "先空着", "没有邮箱"])
def test_leaving_an_optional_step_empty_in_words_skips_it(member, empty):
    member.says("申请入会")
    member.says("1")
    member.says("韩秀梅")
    member.says("普通")
    member.says("1987")
    member.says("河南省农业科学院")
    member.says("科研院所")
    member.says("3")
    member.says("作物遗传育种")
    assert "跳过" in member.says("159 3712 6688")  # the e-mail, which may be left empty
    summary = member.says(empty)
    assert "请核对" in summary and "取消" not in summary.split("\n")[0], summary


# --- subscriptions: what one holds, and topics one does not hold (#9, #11) ----------------------------------

@pytest.fixture
def subscribed_to_all(db):
    from handlers.news.items import give_default_subscriptions
    add_member(db, "HNKX201500051", "石慧敏", "13703710051", f"{TODAY.year}-12-31", openid="o_walk13c")
    give_default_subscriptions(db, "o_walk13c")


@pytest.mark.parametrize("asked", ["那我现在订的是啥", "我现在都订了些啥", "我订阅的都是什么"])
def test_what_one_is_subscribed_to_asked_in_spoken_words_is_listed(member, subscribed_to_all, asked):
    reply = member.says(asked)
    assert "您订阅的栏目" in reply and "请选择要订阅的栏目" not in reply, reply


def test_refusing_topics_one_does_not_hold_is_no_offer_to_drop_the_one_kept(member, db):
    from storage.news import topics_of
    member.says("只要政策的 别的都别推")  # not bound yet: policy only
    reply = member.says("退订行业和学科 人才的也不要")
    assert "确定退订全部" not in reply and "政策资讯" in reply, reply
    assert topics_of(db, "o_walk13c") == ["policy"]


# --- a bound member asking whether he owes and paying several years at once (#21) -----------------------------

def test_a_bound_member_asking_what_he_owes_and_to_pay_it_all_gets_his_own_dues(member, db):
    add_member(db, "HNKX201200061", "尹国栋", "13903710061", f"{TODAY.year - 1}-12-31", openid="o_walk13c")
    reply = member.says("我的会费是不是欠了 欠了几年 能一次交清不")
    assert "HNKX201200061" in reply and "绑定后" not in reply, reply


# --- back after a quarter of an hour with another request: answered, the form reminded of (#36) --------------

def test_a_request_after_leaving_a_form_a_while_is_answered_with_the_form_reminded_of(member, redis_client):
    import time

    from tests import redis_state
    member.says("申请入会")
    member.says("1")
    member.says("韩秀梅")
    member.says("普通")  # the birth year is asked next
    flow = redis_state.load_flow(redis_client, "o_walk13c")
    flow["updated_at"] = time.time() - 16 * 60  # she left a quarter of an hour ago
    redis_state.save_flow(redis_client, "o_walk13c", flow, ttl=1800)
    reply = member.says("会费一年多少钱")
    assert "普通会员" in reply and "100" in reply, reply  # the question answered
    assert "还没有完成" in reply, reply
    assert "出生年份" in member.says("继续")  # the form goes on where she left it


# --- the chat application: a category said early is kept, "普通的" is 普通会员 (#35) --------------------------

@pytest.mark.parametrize("category", ["申请普通会员", "普通会员", "普通的"])
def test_a_category_said_at_the_kind_question_settles_kind_and_category(member, category):
    member.says("我想入会 咋弄")  # which kind: individual or unit
    reply = member.says(category)
    assert "姓名" in reply and "请选择申请类型" not in reply, reply
    assert "出生年份" in member.says("赵晓东")  # the category is not asked again
