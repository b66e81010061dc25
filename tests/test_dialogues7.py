"""Answering what was asked, in members' words (/work/notes-danswers.md): suspected fraud warned about and passed
to the secretariat, with its follow-ups read as part of it; a request to delete one's data or a question about why it
is kept answered without binding; a complaint that asks for a person handed over, not filed as written feedback."""
from __future__ import annotations

import pytest

from tests.test_dialogues import visitor  # noqa: F401  (fixture)
from tests.test_dialogues3 import tickets_of
from tests.test_dialogues4 import bound  # noqa: F401  (fixture)

MENU = "回复数字"
BINDING = "请输入您的姓名"
NOT_OURS = "个人账户"


def _human_tickets(db, openid="o_visitor") -> list[dict]:
    return [ticket for ticket in tickets_of(db, openid) if ticket["category"] == "人工"]


# --- suspected fraud ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("said", [
    "有人加我微信说是学会秘书处的，让我把会费转到他个人账户，是真的吗",
    "有个自称学会老师的人打电话让我交评审费到一个私人账户",
    "对方让我把年会费打到他私人银行卡上 靠谱吗",
])
def test_a_request_to_pay_a_personal_account_is_warned_about_and_passed_on(visitor, db, said):
    reply = visitor.says(said)
    assert NOT_OURS in reply and "110" in reply and "0371-6000 0000" in reply
    assert "不接受广告" not in reply and BINDING not in reply and MENU not in reply
    assert [t["body"] for t in _human_tickets(db)] == [said]


@pytest.mark.parametrize("said", [
    "我收到一个链接说会员资格要过期了点链接缴费 http://xh-pay.cn/a 这是你们发的吗",
    "有人发短信说我的会员证要年审 让我点链接填银行卡 你们发的吗",
])
def test_a_payment_link_in_a_message_is_said_not_ours(visitor, db, said):
    reply = visitor.says(said)
    assert "不要点" in reply and "银行卡" in reply and "不接受广告" not in reply
    assert len(_human_tickets(db)) == 1


def test_money_already_lost_gets_the_urgent_steps(visitor, db):
    reply = visitor.says("我已经按照对方说的转了800块钱 说是交年会费 现在联系不上了 怎么办")
    assert "110" in reply and "止付" in reply and "会费标准" not in reply
    assert len(_human_tickets(db)) == 1


def test_what_follows_a_fraud_warning_is_read_as_part_of_it(bound, db):
    bound.says("有人加我说是秘书处的 让我把今年会费转到他个人支付宝 真的假的")
    lost = bound.says("我已经转了200了")
    assert "110" in lost and "止付" in lost and BINDING not in lost
    counted = bound.says("那我的会费算交了没有")
    assert "不算" in counted
    passed = bound.says("他微信号是zs_xuehui 你们查一下是不是你们的人")
    assert "查不到" in passed and "秘书处" in passed and "请用一条消息写下" not in passed
    bodies = [t["body"] for t in _human_tickets(db, "o_bound")]
    assert len(bodies) == 1 and "zs_xuehui" in bodies[0] and "转了200" in bodies[0]


def test_after_a_fraud_warning_an_unrelated_question_is_answered_as_usual(bound):
    bound.says("有人加我说是秘书处的 让我把今年会费转到他个人支付宝 真的假的")
    reply = bound.says("我的会费交到哪年了")
    assert "会费缴至" in reply


def test_without_a_fraud_warning_before_a_payment_is_no_loss(bound):
    reply = bound.says("我已经转了100了")
    assert "110" not in reply


def test_a_question_about_the_payment_link_is_no_fraud(visitor, db):
    assert "110" not in visitor.says("缴费链接在哪")
    assert _human_tickets(db) == []


# --- personal data -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("said", ["请删除我的个人信息", "把我的资料都删掉", "注销账号 删除我的信息"])
def test_a_request_to_delete_ones_data_is_passed_on_without_binding(visitor, db, said):
    reply = visitor.says(said)
    assert "删除" in reply and "秘书处" in reply and BINDING not in reply and MENU not in reply
    assert [t["body"] for t in _human_tickets(db)] == [said]


def test_leaving_and_deleting_ones_data_are_both_taken(visitor, db):
    reply = visitor.says("我不想当会员了 把我的资料都删了")
    assert "退会" in reply and "删除" in reply
    assert len(_human_tickets(db)) == 1


def test_why_the_society_keeps_ones_mobile_is_answered_without_binding(visitor, db):
    reply = visitor.says("你们为什么要收集我的手机号")
    assert "会员服务" in reply and BINDING not in reply and MENU not in reply
    assert _human_tickets(db) == []


def test_how_long_a_deletion_takes_follows_the_request(visitor):
    visitor.says("请删除我的个人信息")
    reply = visitor.says("多久能删好")
    assert "核实" in reply and MENU not in reply and "订阅" not in reply


def test_correcting_ones_record_is_no_deletion(bound, db):
    bound.says("我的单位填错了 改成郑州轻工业大学")
    assert _human_tickets(db, "o_bound") == []


# --- a complaint that asks for a person ----------------------------------------------------------------------

def test_a_complaint_then_asking_for_a_person_is_handed_over_with_the_complaint(visitor, db):
    visitor.says("我要投诉 上个月的培训发票到现在都没给我开")
    reply = visitor.says("别跟我整机器人那一套 我要找人")
    assert "工作人员" in reply and "已收到您的反馈" not in reply
    tickets = tickets_of(db)
    assert [t["category"] for t in tickets] == ["人工"]
    assert "发票到现在都没给" in tickets[0]["body"] and "找人" in tickets[0]["body"]


# --- a specific question gets its own answer, not the neighbouring stock text --------------------------------

FEE_TABLE = "会费标准："


@pytest.mark.parametrize("said, answer", [
    ("我会费交重复了 多的能退吗", "顺延"),
    ("退休人员会费有减免吗", "没有按退休"),
    ("会费宽限期是几天", "90 天"),
    ("中间断了两年没交 要补缴吗", "不必补缴"),
    ("汇款附言要写什么", "会员编号"),
    ("钱转过去了怎么知道你们到账了", "会费缴至"),
    ("我儿子能帮我交会费吗", "附言"),
])
def test_a_question_about_one_detail_of_dues_gets_its_answer_not_the_fee_table(visitor, said, answer):
    reply = visitor.says(said)
    assert answer in reply and FEE_TABLE not in reply and MENU not in reply and BINDING not in reply


@pytest.mark.parametrize("said, answer", [
    ("可以开增值税专用发票吗", "专票"),
    ("发票抬头开错了 可以换开吗", "重开"),
    ("发票是电子的还是纸质的", "电子发票发到"),
])
def test_a_question_about_an_invoice_gets_its_answer(visitor, said, answer):
    reply = visitor.says(said)
    assert answer in reply and FEE_TABLE not in reply and MENU not in reply


def test_an_invoice_title_given_with_the_request_is_taken(bound, db):
    reply = bound.says("麻烦帮我登记开票 抬头是郑州某某检测技术有限公司")
    assert "郑州某某检测技术有限公司" in reply and "请把下面几项发给我" not in reply
    assert any("郑州某某检测技术有限公司" in t["body"] for t in tickets_of(db, "o_bound"))


@pytest.mark.parametrize("said", ["抬头写成洛阳市农业科学研究院", "抬头开成洛阳市农业科学研究院"])
def test_an_invoice_title_said_with_write_as_keeps_the_units_whole_name(bound, db, said):
    reply = bound.says(f"麻烦帮我登记开票 {said}")
    assert "抬头：洛阳市农业科学研究院" in reply  # was "抬头：成洛阳市农业科学研究院"
    assert any("抬头：洛阳市农业科学研究院" in t["body"] for t in tickets_of(db, "o_bound"))


def test_an_events_certificate_question_says_what_is_known_and_whom_to_ask(bound):
    reply = bound.says("参加培训有没有结业证书 能算继续教育学时吗")
    assert "证书" in reply and "0371-6000 0000" in reply and "即将举行" not in reply and "请用一条消息写下" not in reply


def test_a_complaint_about_a_certificate_is_still_a_complaint(visitor):
    assert "您要反馈的内容是" in visitor.says("我要投诉 去年培训的结业证书一直没寄给我")


def test_an_employer_asking_how_to_post_and_what_it_costs_is_answered_on_posting(visitor):
    how = visitor.says("我们医院想在你们公众号上发个招聘，怎么操作")
    assert "发布招聘" in how and MENU not in how and "最新职位" not in how
    cost = visitor.says("收费不")
    assert "收不收费" in cost and FEE_TABLE not in cost
    review = visitor.says("要审核吗 多久能挂出来")
    assert "审核" in review and MENU not in review


@pytest.mark.parametrize("said, answer", [
    ("学会能帮我评副高职称吗", "不评职称"),
    ("你们能给我开个在职证明吗", "工作单位开"),
    ("换届以后新的理事长是谁", "决议公告"),
    ("省学会会员证全国都认吗", "全国学会"),
    ("研究生毕业以后学生会员怎么办", "普通会员"),
])
def test_what_the_society_does_not_do_or_know_is_said_plainly(visitor, said, answer):
    reply = visitor.says(said)
    assert answer in reply and MENU not in reply and BINDING not in reply and "即将举行" not in reply


@pytest.mark.parametrize("said", ["会场附近好停车吗", "开会那天中午管饭不", "这个会议室有投影没"])
def test_a_question_nothing_here_answers_says_so_and_whom_to_ask_not_the_menu(visitor, said):
    reply = visitor.says(said)
    assert ("答不上来" in reply or "没有写" in reply) and "0371-6000 0000" in reply
    assert "1. 申请入会" not in reply and "回复数字" not in reply


# --- English ---------------------------------------------------------------------------------------------------

def test_an_english_fraud_report_is_warned_about_in_english_and_passed_on(visitor, db):
    reply = visitor.says("A man asked me to send my membership fee to his personal account. Is he from you?")
    assert "scam" in reply and "110" in reply and "请" not in reply
    assert len(_human_tickets(db)) == 1


def test_an_english_request_to_delete_ones_data_is_passed_on(visitor, db):
    reply = visitor.says("Please delete my personal data")
    assert "secretariat" in reply and "name as registered" not in reply
    assert len(_human_tickets(db)) == 1


@pytest.mark.parametrize("said, answer", [
    ("Can I get my dues refunded?", "refunded"),
    ("Will I get a certificate for the training?", "certificate"),
    ("I live overseas, how can I pay the fee?", "abroad"),
])
def test_a_specific_english_question_gets_its_answer_in_english(visitor, said, answer):
    reply = visitor.says(said)
    assert answer in reply and "yuan a year" not in reply and "Reply with the number" not in reply


@pytest.mark.parametrize("said, answer", [
    ("去年会费交了 现在退会能退不", "一般不退"),
    ("我18年19年20年都没交 咋弄", "不必补缴"),
    ("会费可以一次交三年的吗", "一次能交"),
    ("过完年再交是不是也行 等明年交", "宽限期"),
    ("我会员过期了 续上以后报名能按会员价吗", "会员价"),
])
def test_more_dues_details_get_their_answer(visitor, said, answer):
    reply = visitor.says(said)
    assert answer in reply and MENU not in reply and BINDING not in reply


def test_an_upgrade_to_senior_member_is_explained_then_a_title_is_read_with_it(visitor):
    how = visitor.says("我是普通会员，想升级成高级会员，怎么办")
    assert "副高级" in how and BINDING not in how
    title = visitor.says("我是高级工程师 行不行")
    assert "符合" in title and BINDING not in title


@pytest.mark.parametrize("said, answer", [
    ("秘书处电话一直打不通", "上班时间"),
    ("你们的人工啥时候能回我", "上班后"),
    ("我不会用这个 你说简单点", "一句话"),
    ("当会员发不发杂志", "电子会讯"),
    ("你们这个号多久推一回", "会讯"),
])
def test_plain_questions_about_using_the_service_get_a_plain_answer(visitor, said, answer):
    reply = visitor.says(said)
    assert answer in reply and MENU not in reply and "请用一条消息写下" not in reply and "您要反馈的内容是" not in reply


def test_someone_else_paying_is_answered_even_from_a_member_who_cannot_use_wechat_pay(visitor):
    reply = visitor.says("我不会用微信付钱 让我闺女替我交行不")
    assert "附言" in reply and "一句话" not in reply


def test_an_employer_asking_the_cost_right_after_how_to_post_gets_the_cost(visitor):
    visitor.says("我们公司想在你们这发招聘信息，怎么弄")
    reply = visitor.says("发布招聘收费吗")
    assert "收不收费" in reply


@pytest.mark.parametrize("said", ["会员分哪几种", "你们的会员有几类"])
def test_member_types_are_listed_without_a_menu(visitor, said):
    reply = visitor.says(said)
    assert "学生会员" in reply and "高级会员" in reply and MENU not in reply


def test_a_posting_sent_after_asking_the_cost_is_still_taken_and_its_review_time_has_its_number(visitor, db):
    visitor.says("我们医院想在公众号上发个招聘，怎么操作")
    visitor.says("收费不")
    taken = visitor.says("招护士三名 大专以上 待遇面议 联系电话0371-65551234")
    assert "职位信息已收到" in taken
    [ticket] = [t for t in tickets_of(db) if "护士" in t["body"]]
    assert ticket["ticket_no"] in visitor.says("多久能挂出来")


def test_an_invoice_title_said_without_a_question_is_taken(visitor, db):
    visitor.says("可以开增值税专用发票吗")
    reply = visitor.says("普票也行 抬头郑州某某农业科技有限公司")
    assert "已记下您的开票申请" in reply and "郑州某某农业科技有限公司" in reply


def test_the_societys_account_is_given_when_asked_for(visitor):
    reply = visitor.says("你们对公账户是多少 发我一下")
    assert "户名" in reply and MENU not in reply


def test_a_rumour_about_the_fee_is_no_fraud(visitor, db):
    reply = visitor.says("有人说明年会费要涨 是真的吗")
    assert "诈骗" not in reply and "110" not in reply
    assert _human_tickets(db) == []
