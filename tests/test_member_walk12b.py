"""What the round-12 black-box walk of the member side found (/work/qa/members12.md: the retired engineer, the
rural doctor, the student applying, the member who paid by bank transfer), asserted as the member sees it, in our
own words."""
from __future__ import annotations

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
    return Member(client, config, "o_walk12")


# --- privacy: a colleague's mobile, wherever the member sees it again ------------------------------------

def test_colleagues_put_forward_for_an_event_show_with_masked_mobiles_on_the_member_centre_and_in_chat(
        member, client, fake_wechat, db):
    from tests.pages_data import sign_in
    from tests.test_events_chat import add_event
    add_member(db, "HNKX202000001", "赵丽", "13637710001", f"{TODAY.year}-12-31", openid="o_walk12")
    add_event(db, "学术年会", 40)
    member.says("我帮单位同事报名学术年会")
    assert "转给秘书处" in member.says("陈晨 13607710011、刘芳 13837710012")
    sign_in(client, fake_wechat, "o_walk12")
    page = client.get("/m/").get_data(as_text=True)
    assert "陈晨" in page and "136****0011" in page and "13607710011" not in page, page
    listed = member.says("我的诉求")
    shown = listed + member.says("1")
    assert "13837710012" not in shown and "138****0012" in shown, shown


# --- dues: what is on record, and every way to pay ----------------------------------------------------

@pytest.fixture
def pay_online(config, monkeypatch):
    monkeypatch.setattr(type(config), "pay_enabled", property(lambda self: True))


def test_a_member_paid_up_by_the_roster_is_told_so_where_payments_are_listed_not_that_there_is_no_record(
        member, client, fake_wechat, db):
    from tests.pages_data import sign_in
    add_member(db, "HNKX199800001", "张建国", "13603710001", f"{TODAY.year}-12-31", openid="o_walk12")
    for asked in ("缴费记录", "会费详情"):
        reply = member.says(asked)
        assert "名册" in reply and "暂无缴费记录" not in reply, reply
    sign_in(client, fake_wechat, "o_walk12", "/m/dues")
    page = client.get("/m/dues").get_data(as_text=True)
    assert "名册" in page and "暂无缴费记录" not in page, page


def test_the_dues_page_with_its_pay_button_lists_the_other_ways_to_pay_and_the_chat_lists_wechat_pay(
        member, client, fake_wechat, db, pay_online):
    from tests.pages_data import sign_in
    add_member(db, "HNKX199800001", "张建国", "13603710001", f"{TODAY.year}-12-31", openid="o_walk12")
    sign_in(client, fake_wechat, "o_walk12", "/m/dues")
    page = client.get("/m/dues").get_data(as_text=True)
    assert "立即支付" in page and "银行转账" in page and "现金" in page, page
    reply = member.says("缴费方式")
    assert "微信支付" in reply and "银行转账" in reply and "现金" in reply, reply
    assert "9:00-12:00，14:00-17:30" in reply, reply  # the office hours given everywhere else


@pytest.mark.parametrize("asked, amount", [("会费怎么交 学生50吗", "20 元"), ("会费多少钱 怎么交", "100 元")])
def test_asking_how_to_pay_and_how_much_in_one_message_gets_both(member, db, asked, amount):
    reply = member.says(asked)
    assert "银行转账" in reply and amount in reply, reply


def test_a_bound_member_asking_how_much_and_how_to_pay_gets_the_amount_due_and_the_ways(member, db):
    add_member(db, "HNKX202600001", "刘洋", "13903710088", None, openid="o_walk12")
    reply = member.says("会费多少 怎么交")
    assert "100 元" in reply and "银行转账" in reply, reply


# --- a transfer not yet booked: the claim, its screenshot, "did you get it?" ------------------------------

def _image(member) -> str:
    return member.send("image", PicUrl="http://mmbiz.example/receipt.jpg", MediaId="m_receipt_1")


@pytest.mark.parametrize("claim", ["我又转了100块钱 还没登记 截图发你", "刚汇了200会费 转账截图给你"])
def test_a_transfer_said_to_be_made_is_kept_for_the_secretariat_with_the_screenshot_sent_next(member, db, claim):
    from storage.tickets import list_tickets_of_member
    add_member(db, "HNKX201500001", "王海波", "13703710004", f"{TODAY.year}-12-31", openid="o_walk12")
    reply = member.says(claim)
    assert "截图" in reply and "工作日" in reply and "活动" not in reply, reply
    [ticket] = list_tickets_of_member(db, "o_walk12")
    assert ticket["ticket_no"] in reply and claim in ticket["body"]
    kept = _image(member)
    assert ticket["ticket_no"] in kept, kept
    [ticket] = list_tickets_of_member(db, "o_walk12")
    assert "receipt.jpg" in ticket["body"] or "m_receipt_1" in ticket["body"]
    received = member.says("收到了吗")
    assert ticket["ticket_no"] in received and "工作日" in received and "不客气" not in received, received


# --- which years a payment paid for ---------------------------------------------------------------------

@pytest.mark.parametrize("asked", ["我交的是{a}年和{b}年欠的 怎么变成{c} {d}年了", "这笔钱为什么算成{c}年的"])
def test_asking_why_a_payment_counts_for_later_years_says_which_years_it_paid_and_the_arrears_first(
        member, db, asked):
    from datetime import date as day
    from handlers.fees.payments import record_payment
    from storage.fees import find_payer
    y = TODAY.year
    add_member(db, "HNKX201500001", "王海波", "13703710004", f"{y - 4}-12-31", openid="o_walk12")
    paid = record_payment(db, find_payer(db, "HNKX201500001"), 200, 2, day(y - 1, 12, 1), "银行转账", "test")
    assert paid["period_from"] == f"{y}-01-01"  # lapsed, paid after 1 November: from the next year
    reply = member.says(asked.format(a=str(y - 3)[2:], b=str(y - 2)[2:], c=str(y)[2:], d=str(y + 1)[2:]))
    assert f"{y}—{y + 1} 年" in reply and paid["receipt_no"] in reply, reply
    assert reply.index(f"{y - 3}、{y - 2}、{y - 1} 年") < reply.index(f"{y}—{y + 1} 年"), reply  # the arrears first
    assert "不用再补" in reply and "0371" in reply and "下次续费" not in reply, reply


# --- voice: what is said is read as what is typed ---------------------------------------------------------

def test_a_new_mobile_spoken_with_the_request_to_change_it_is_taken_at_once(member, db):
    from storage.members import find_member_by_openid
    add_member(db, "HNKX199800001", "张建国", "13603710001", f"{TODAY.year}-12-31", openid="o_walk12")
    reply = member.send("voice", Recognition="我的手机号换了 新号是一三九三七一二三四五六")
    assert "139****3456" in reply and "请输入" not in reply, reply
    assert find_member_by_openid(db, "o_walk12")["mobile"] == "13937123456"


# --- binding: who the member says they are --------------------------------------------------------------

def test_a_greeting_with_where_one_works_ones_name_and_mobile_binds(member, db):
    add_member(db, "HNKX201900001", "李春梅", "13803770002", f"{TODAY.year - 1}-12-31")
    reply = member.says("你好 我是南阳谢庄乡卫生院的李春梅 13803770002")
    assert "绑定成功" in reply, reply


def test_a_bound_member_giving_name_and_mobile_again_is_told_the_binding_stands(member, db):
    add_member(db, "HNKX201500001", "王海波", "13703710004", f"{TODAY.year}-12-31", openid="o_walk12")
    reply = member.says("王海波 13703710004")
    assert "已经绑定" in reply and "HNKX201500001" in reply and "没有完全理解" not in reply, reply


def test_asking_whether_cash_can_be_paid_at_the_office_gets_yes_the_address_and_the_transfer(member, db):
    add_member(db, "HNKX199800001", "张建国", "13603710001", f"{TODAY.year}-12-31", openid="o_walk12")
    reply = member.send("voice", Recognition="那我怎么交钱我不会用手机支付能不能去你们那交现金你们地址在哪")
    assert "现金" in reply and "示范路" in reply and "银行转账" in reply, reply


# --- the application form: each answer to its own item ----------------------------------------------------

@pytest.fixture
def student(client, config):
    applicant = Member(client, config, "o_walk12_student")
    applicant.says("申请入会")
    applicant.says("1")
    return applicant


def test_a_school_and_a_year_of_study_typed_for_the_name_are_not_taken_as_the_name(student):
    reply = student.says("郑州大学 计算机学院 研二")
    assert "姓名 计算机学院" not in reply and "姓名" in reply, reply
    assert "真实姓名" in reply and "郑州大学" in reply, reply  # the name still asked for, the university kept


def test_a_correction_naming_two_items_puts_each_value_in_its_own(student):
    student.says("刘洋")
    student.says("学生会员")
    reply = student.says("名字填错了 我叫刘洋洋 单位是郑州大学")
    assert "姓名 刘洋洋" in reply and "郑州大学" in reply and "姓名 郑州大学" not in reply, reply


def test_a_number_is_no_school_and_a_fixed_school_fixes_the_unit_filled_from_it(student):
    student.says("张小北")
    student.says("学生会员")
    student.says("2003")  # the birth year
    reply = student.says("2003")  # at the school's question: meant for the birth year again
    assert "不是单位或学校的名称" in reply and "学校" in reply, reply
    student.says("河南农业大学")
    student.says("1")
    student.says("化学")
    student.says("2028")
    student.says("18812345678")
    summary = student.says("跳过")
    assert "工作单位：河南农业大学" in summary and "学校：河南农业大学" in summary, summary
    import re
    student.says(re.search(r"(\d+)\. 学校：", summary).group(1))  # the school's item, by its number
    summary = student.says("郑州大学")
    assert "工作单位：郑州大学" in summary and "学校：郑州大学" in summary, summary


def test_at_the_summary_a_corrected_year_said_with_the_correction_is_taken_and_a_gender_said_is_kept(student):
    for answer in ("张小北", "学生会员", "1993", "河南农业大学", "1", "化学", "2028", "18812345678"):
        student.says(answer)
    summary = student.says("跳过")
    assert "出生年份：1993" in summary, summary
    summary = student.says("出生年份错了 是2003")
    assert "出生年份：2003" in summary and "请输入" not in summary, summary
    summary = student.says("男")
    assert "性别：男" in summary, summary


def test_submitting_early_counts_only_the_questions_the_form_asks(student):
    for answer in ("刘洋", "学生会员", "2001", "郑州大学"):
        student.says(answer)
    reply = student.says("提交")
    assert "没填" in reply and "性别" not in reply and "职称" not in reply, reply


def test_a_student_is_not_asked_for_a_job_category_in_chat_or_on_the_page(student, client, fake_wechat, db):
    import re
    from tests.pages_data import sign_in
    for answer in ("刘洋", "学生会员", "2001", "郑州大学", "1"):
        reply = student.says(answer)
    assert "岗位类别" not in reply and "学科专业" in reply, reply
    sign_in(client, fake_wechat, "o_walk12_page", "/m/apply")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/m/apply?kind=individual")
                      .get_data(as_text=True)).group(1)
    response = client.post("/m/apply", data={
        "csrf_token": token, "kind": "individual", "action": "submit", "name": "王小明", "category": "学生会员",
        "birth_year": "2002", "work_unit": "", "institution_type": "高等院校", "post_category": "",
        "discipline": "化学", "school": "河南大学", "graduation_year": str(TODAY.year + 2),
        "mobile": "13800138001", "email": ""})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_saying_one_will_finish_the_form_after_class_pauses_it(student):
    student.says("刘洋")
    reply = student.says("等会再填 我先去上课")
    assert "继续" in reply and "请选择会员类别" not in reply.split("\n")[0], reply
    assert "学生会员" in student.says("继续")


# --- the member centre ------------------------------------------------------------------------------------

def test_a_member_who_never_paid_sees_it_said_once_on_the_member_centre(client, fake_wechat, db):
    from tests.pages_data import sign_in
    add_member(db, "HNKX202600001", "刘洋", "13903710088", None, openid="o_walk12")
    sign_in(client, fake_wechat, "o_walk12")
    page = client.get("/m/").get_data(as_text=True)
    assert "尚未缴费" in page and "尚未缴费（未缴费）" not in page, page


def test_the_category_badge_of_a_lapsed_member_is_white_on_red_on_the_green_card(client):
    css = client.get("/m/static/pages.css").get_data(as_text=True)
    rule = next(line for line in css.splitlines() if ".card .badge.lapsed" in line)
    assert "color: #fff" in rule and "background: #d83b2d" in rule, rule


def test_a_lapsed_certificate_says_how_to_make_it_valid_again_with_the_dues_page(client, fake_wechat, db):
    from tests.pages_data import sign_in
    add_member(db, "HNKX201900001", "李春梅", "13803770002", f"{TODAY.year - 2}-12-31", openid="o_walk12")
    sign_in(client, fake_wechat, "o_walk12", "/m/certificate")
    page = client.get("/m/certificate").get_data(as_text=True)
    assert "已失效" in page and "缴纳会费后" in page and 'href="/m/dues"' in page, page


# --- an event's own words: what its notice says, and what it does not -------------------------------------

@pytest.fixture
def training(db):
    from tests.test_events_chat import add_event
    return add_event(db, "基层医生适宜技术培训班（南阳）", 40, days=2, type="培训", place="南阳市中心医院学术报告厅",
                     fee="免费", description="面向基层医生的适宜技术培训，结业颁发继续教育学分证书")


def test_asking_whether_there_is_a_training_nearby_gets_it_without_a_note_that_the_notice_is_silent(member, training):
    reply = member.says("南阳附近最近有没有培训 基层医生的")
    assert "基层医生适宜技术培训班" in reply and "没有写" not in reply, reply


def test_lodging_and_a_letter_of_introduction_not_in_the_notice_are_said_not_to_be_there(member, training):
    reply = member.says("培训班包住宿吗 能开介绍信吗")
    assert "没有写" in reply and "0371" in reply, reply


def test_a_certificate_question_quotes_what_a_coming_event_says_of_its_certificate(member, training):
    reply = member.says("去年参加的培训证书在哪里下载 继续教育学分怎么查")
    assert "结业颁发继续教育学分证书" in reply and "0371" in reply, reply


def test_asking_whether_a_non_member_colleague_may_come_and_what_it_costs_is_answered_before_her_details(
        member, db, training):
    add_member(db, "HNKX201900001", "李春梅", "13803770002", f"{TODAY.year}-12-31", openid="o_walk12")
    reply = member.says("南阳那个培训我同事也想去 她不是会员 能报吗 要钱不")
    assert "免费" in reply and "可以" in reply and "同事的姓名和手机号" in reply, reply


def test_saying_one_will_not_cancel_after_all_keeps_the_registration(member, db, training):
    from storage.events import registrations_of
    add_member(db, "HNKX201900001", "李春梅", "13803770002", f"{TODAY.year}-12-31", openid="o_walk12")
    member.says("报名基层医生适宜技术培训班")
    assert "报名成功" in member.says("确认")
    assert "确定取消" in member.says("取消报名")
    reply = member.says("算了不取消了")
    assert "保留" in reply and "回复“是”取消" not in reply, reply
    [kept] = registrations_of(db, "o_walk12", TODAY.isoformat())
    assert kept["status"] == "registered"


# --- side questions while registering: answered, the registration kept ----------------------------------

def test_an_arrears_question_while_registering_is_answered_and_the_registration_waits(client, config, db, training):
    doctor = Member(client, config, "o_walk12_doctor")
    doctor.says("报名基层医生适宜技术培训班")
    reply = doctor.says("我欠费了吗 欠费还能报名培训吗")
    assert "不用先交会费" in reply and "手机号格式不对" not in reply and "姓名和手机号" in reply, reply
    add_member(db, "HNKX201900001", "李春梅", "13803770002", f"{TODAY.year - 1}-12-31", openid="o_walk12_doctor")
    assert "请确认报名" in doctor.says("李春梅 13803770002")
    reply = doctor.says("我欠费了吗 欠费还能报名培训吗")
    assert f"{TODAY.year - 1}-12-31" in reply and "不用先交会费" in reply and "确认" in reply, reply
    assert "报名成功" in doctor.says("确认")


def test_asking_for_the_same_event_again_at_its_confirmation_keeps_the_name_and_mobile(client, config, training):
    doctor = Member(client, config, "o_walk12_doctor")
    doctor.says("报名基层医生适宜技术培训班")
    assert "请确认报名" in doctor.says("李春梅 13803770002")
    again = doctor.says("报名基层医生适宜技术培训班")
    assert "请确认报名" in again and "138****0002" in again, again
    assert "报名成功" in doctor.says("确认")


def test_asking_the_benefits_whether_students_may_join_and_the_fee_in_one_message_answers_all_three(member):
    reply = member.says("入会有啥好处啊 学生能入吗 要交多少钱")
    assert "会员可以" in reply and "学生会员" in reply and "20" in reply, reply


def test_of_several_cities_named_the_one_with_a_training_is_shown(member, db, training):
    from tests.test_events_chat import add_event
    add_event(db, "信阳茶叶加工技术讲座", 60, type="讲座", place="信阳市")
    reply = member.says("下次培训啥时候 南阳周边的 驻马店 信阳也行")
    assert "基层医生适宜技术培训班" in reply and "没有找到" not in reply, reply


def test_a_member_who_walks_badly_asking_for_events_is_told_the_notices_say_nothing_of_access(member, db):
    from tests.test_events_chat import add_event
    add_event(db, "中原水利与材料学术年会", 90, days=3, place="郑州国际会展中心", fee="会员800元/非会员1200元")
    reply = member.send("voice", Recognition="有没有适合老同志的活动 我腿脚不好 在郑州的")
    assert "中原水利与材料学术年会" in reply and "无障碍" in reply and "0371" in reply, reply


def test_a_side_question_at_the_confirmation_keeps_the_registration_and_it_is_named_when_asked_for(
        client, config, training):
    doctor = Member(client, config, "o_walk12_doctor")
    doctor.says("报名基层医生适宜技术培训班")
    assert "请确认报名" in doctor.says("李春梅 13803770002")
    reply = doctor.says("我欠费了吗")
    assert "确认" in reply and "请输入您的姓名" not in reply, reply
    mine = doctor.says("我报名了哪些活动")
    assert "基层医生适宜技术培训班" in mine and "确认" in mine, mine
    assert "报名成功" in doctor.says("确认")
