"""Applying for membership by chat, as a member lives it: every question, bad answers, corrections."""
from __future__ import annotations

import time

import pytest

from bot import content
from bot.validation import credit_code_check_char
from storage.members import (create_application, find_open_application, history_of,
                             insert_member, insert_unit, list_pending_applications)
from tests.member import Member
from tests import redis_state

MOBILE = "15937126688"
UNIT_CODE = "91350100M000100Y43"  # a published, valid unified social credit code

# A student's whole form, question by question: (step, a good answer, what the question says).
STUDENT_ANSWERS = [
    ("kind", "1", "申请类型"),
    ("name", "张三", "真实姓名"),
    ("category", "1", "会员类别"),
    ("birth_year", "2001", "出生年份"),
    ("work_unit", "郑州大学", "就读的学校"),  # a student's school is the unit: asked once
    ("institution_type", "1", "单位类型"),
    # no post_category: a student has no post (岗位类别 is not asked of students)
    ("discipline", "有机化学", "学科专业"),
    ("graduation_year", str(time.localtime().tm_year + 2), "毕业年份"),
    ("mobile", MOBILE, "手机号"),
    ("email", "zhangsan@example.com", "电子邮箱"),
]
# A regular member's form: a post category (岗位类别), no school
REGULAR_ANSWERS = [
    ("kind", "1", "申请类型"),
    ("name", "张三", "真实姓名"),
    ("category", "2", "会员类别"),
    ("birth_year", "1980", "出生年份"),
    ("work_unit", "郑州大学", "工作单位"),
    ("institution_type", "1", "单位类型"),
    ("post_category", "2", "岗位类别"),
    ("discipline", "有机化学", "学科专业"),
    ("mobile", MOBILE, "手机号"),
    ("email", "zhangsan@example.com", "电子邮箱"),
]
REGULAR_DATA = {"name": "张三", "category": "regular", "birth_year": 1980, "work_unit": "郑州大学",
                "institution_type": "高等院校", "post_category": "科研", "discipline": "有机化学", "mobile": MOBILE,
                "email": "zhangsan@example.com"}
UNIT_ANSWERS = [
    ("kind", "2", "申请类型"),
    ("unit_name", "河南示范新材料有限公司", "单位全称"),
    ("credit_code", UNIT_CODE, "统一社会信用代码"),
    ("contact_name", "王五", "联系人姓名"),
    ("contact_mobile", "13912345678", "联系人手机号"),
    ("institution_type", "3", "单位类型"),
]
GOOD_DATA = {
    "individual": {
        "name": "张三", "category": "student", "birth_year": 2001, "work_unit": "郑州大学",
        "institution_type": "高等院校", "discipline": "有机化学",
        "school": "郑州大学", "graduation_year": time.localtime().tm_year + 2, "mobile": MOBILE,
        "email": "zhangsan@example.com",
    },
    "unit": {
        "name": "河南示范新材料有限公司", "credit_code": UNIT_CODE, "contact_name": "王五",
        "contact_mobile": "13912345678", "institution_type": "企业或技术推广部门",
    },
}


class Phone(Member):
    """A member whose every reply is kept, to check that nothing leaks a full mobile number."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.replies = []

    def send(self, msg_type, **fields):
        reply = super().send(msg_type, **fields)
        self.replies.append(reply)
        return reply

    def leaked(self, number: str) -> bool:
        return any(number in reply for reply in self.replies)


@pytest.fixture
def zhang(client, config):
    return Phone(client, config, "o_zhang")


def fill(member, answers, until=None, start="我要申请入会"):
    """Start the form and answer in order up to (not including) step `until`; returns the last reply."""
    reply = member.says(start)
    for step_name, answer, _ in answers:
        if step_name == until:
            break
        reply = member.says(answer)
    return reply


def the_application(db, openid="o_zhang"):
    application = find_open_application(db, openid)
    assert application is not None
    return application


def finish(member, db, answers, step_name):
    """Give the good answers from `step_name` on and confirm: the application holds exactly those."""
    steps = [s for s, _, _ in answers]
    for _, answer, _ in answers[steps.index(step_name):]:
        reply = member.says(answer)
    assert "请核对" in reply
    member.says("确认")
    data = the_application(db)["data"]
    assert data == (REGULAR_DATA if answers is REGULAR_ANSWERS else GOOD_DATA[the_application(db)["kind"]])


# --- the individual form ------------------------------------------------------

def test_a_regular_member_applies_question_by_question(zhang, db):
    assert "1. 个人会员" in zhang.says("申请入会")
    assert "真实姓名" in zhang.says("1")
    category_question = zhang.says("李四")
    assert "1. 学生会员\n2. 普通会员\n3. 高级会员" in category_question
    assert "会士" not in category_question.split("\n", 1)[1]  # fellows are not offered
    assert "出生年份" in zhang.says("普通")
    assert "工作单位" in zhang.says("1980年")
    institution_question = zhang.says("河南省农业科学院")
    assert "1. 高等院校" in institution_question and "5. 其他" in institution_question
    assert "1. 管理" in zhang.says("科研院所")
    assert "学科专业" in zhang.says("3")
    assert "手机号" in zhang.says("作物遗传育种")  # not a student: no school questions
    assert "跳过" in zhang.says("159 3712 6688")
    summary = zhang.says("跳过")
    assert "请核对" in summary and "确认" in summary
    for shown in ("姓名：李四", "会员类别：普通会员", "出生年份：1980", "工作单位：河南省农业科学院",
                  "单位类型：科研院所", "岗位类别：应用", "学科专业：作物遗传育种",
                  "手机：159****6688", "邮箱：未填"):
        assert shown in summary
    assert "学校" not in summary
    done = zhang.says("确认")
    application = the_application(db)
    assert application["app_no"] in done and "审核" in done
    assert application["kind"] == "individual" and application["status"] == "pending"
    assert application["data"] == {
        "name": "李四", "category": "regular", "birth_year": 1980, "work_unit": "河南省农业科学院",
        "institution_type": "科研院所", "post_category": "应用", "discipline": "作物遗传育种",
        "mobile": MOBILE, "email": None,
    }
    assert [h["action"] for h in history_of(db, "application", application["id"])] == ["applied"]
    assert not zhang.leaked(MOBILE)


def test_a_student_is_also_asked_school_and_graduation_year(zhang, db):
    reply = None
    for step_name, answer, question in [("start", "入会", "申请类型"), *STUDENT_ANSWERS]:
        assert reply is None or question in reply, (step_name, reply)
        reply = zhang.says(answer)
    assert "学校：郑州大学" in reply and "会员类别：学生会员" in reply
    zhang.says("确认")
    assert the_application(db)["data"] == GOOD_DATA["individual"]


@pytest.mark.parametrize("start", ["我想申请荣誉会员", "申请入会，荣誉会员", "我要申请名誉会员"])
def test_asking_to_join_as_an_honorary_member_is_told_the_society_confers_it(zhang, start):
    reply = zhang.says(start)
    assert "荣誉会员由学会授予" in reply and "不接受个人申请" in reply
    assert "1. 个人会员" not in reply


@pytest.mark.parametrize("said", ["荣誉会员", "我想当荣誉会员", "名誉会员"])
def test_honorary_at_the_category_question_is_refused_with_its_reason_and_asked_again(zhang, said):
    fill(zhang, STUDENT_ANSWERS, until="category")
    reply = zhang.says(said)
    assert "荣誉会员由学会授予" in reply and "1. 学生会员" in reply
    assert "出生年份" in zhang.says("普通")


def test_the_menu_starts_the_form_too(zhang):
    assert "1. 个人会员" in zhang.clicks("MENU_SIGNUP")


def on_both_forms(individual: list[tuple], unit: list[tuple]) -> list:
    """Cases (step, text, expected) of each form as parameters (answers, step, text, expected),
    named like "mobile-查会费"."""
    return [pytest.param(REGULAR_ANSWERS if case[0] == "post_category" else answers, *case,  # a student has no post
                         id=f"{case[0]}-{case[1]}")
            for answers, cases in ((STUDENT_ANSWERS, individual), (UNIT_ANSWERS, unit)) for case in cases]


BAD_ANSWERS = on_both_forms([
    ("kind", "3", "没有看懂您的选择"),
    ("name", "1", "姓名格式不对"),
    ("category", "9", "类别前的数字"),
    ("category", "会士", "会士由学会提名产生"),
    ("category", "我想申请会士", "会士由学会提名产生"),
    ("birth_year", "85", "出生年份不对"),
    ("birth_year", "2020", "出生年份不对"),
    ("work_unit", "郑", "单位名称"),
    ("institution_type", "9", "单位类型前的数字"),
    ("post_category", "教授", "岗位类别前的数字"),
    ("discipline", "化", "学科专业"),
    ("graduation_year", "1990", "毕业年份不对"),
    ("mobile", "1381234567", "手机号格式不对"),
    ("mobile", "021-12345678", "手机号格式不对"),
    ("email", "zhangsan@", "邮箱格式不对"),
], [
    ("unit_name", "公", "单位名称请填写"),
    ("credit_code", "91350100M000100Y4", "统一社会信用代码不对"),
    ("credit_code", "91350100M000100Y44", "统一社会信用代码不对"),
    ("credit_code", "91350100M000100YO3", "统一社会信用代码不对"),
    ("contact_name", "王5", "联系人姓名格式不对"),
    ("contact_mobile", "1391234567", "手机号格式不对"),
    ("institution_type", "0", "单位类型前的数字"),
])


@pytest.mark.parametrize("answers,step_name,bad,problem", BAD_ANSWERS)
def test_a_bad_answer_is_explained_and_the_same_question_asked_again(zhang, db, answers, step_name,
                                                                      bad, problem):
    fill(zhang, answers, until=step_name)
    steps = [s for s, _, _ in answers]
    question = answers[steps.index(step_name)][2]
    reply = zhang.says(bad)
    assert problem in reply and question in reply
    assert reply.index(problem) < reply.rindex(question)
    finish(zhang, db, answers, step_name)  # the good answer is then taken, and the rest
    assert not zhang.leaked(MOBILE) and not zhang.leaked("13912345678")


def test_a_wrong_choice_is_asked_again_with_the_choices(zhang):
    fill(zhang, STUDENT_ANSWERS, until="institution_type")
    reply = zhang.says("九")
    assert "1. 高等院校" in reply and "5. 其他" in reply


# --- the summary: confirm or correct one field ---------------------------------

@pytest.mark.parametrize("correction", ["改 手机", "修改9", "9", "手机号填错了"])
def test_one_field_is_corrected_from_the_summary(zhang, db, correction):
    fill(zhang, STUDENT_ANSWERS)
    assert "请输入您的手机号" in zhang.says(correction)
    summary = zhang.says("13900001111")
    assert "手机：139****1111" in summary and "姓名：张三" in summary
    zhang.says("确认")
    data = the_application(db)["data"]
    assert data["mobile"] == "13900001111" and data["name"] == "张三"


def test_a_correction_is_validated_like_the_first_answer(zhang):
    fill(zhang, STUDENT_ANSWERS)
    assert "请输入您的出生年份" in zhang.says("修改3")
    reply = zhang.says("19")
    assert "出生年份不对" in reply and "出生年份（4 位" in reply
    assert "出生年份：1999" in zhang.says("1999")


def test_leaving_student_drops_school_and_becoming_one_asks_for_it(zhang, db):
    fill(zhang, STUDENT_ANSWERS)
    zhang.says("改类别")
    assert "岗位类别" in zhang.says("高级会员")  # asked now: a student has none
    summary = zhang.says("2")
    assert "会员类别：高级会员" in summary and "学校" not in summary and "岗位类别：科研" in summary
    zhang.says("改 类别")
    assert "会士由学会提名产生" in zhang.says("会士")
    assert "就读的学校" in zhang.says("学生")
    assert "毕业年份" in zhang.says("河南大学")
    summary = zhang.says(str(time.localtime().tm_year + 1))
    assert "学校：河南大学" in summary
    zhang.says("确认")
    assert the_application(db)["data"]["school"] == "河南大学"


def test_an_unclear_answer_shows_the_summary_again(zhang, db):
    fill(zhang, STUDENT_ANSWERS)
    reply = zhang.says("看看")
    assert "请核对" in reply and "姓名：张三" in reply
    assert find_open_application(db, "o_zhang") is None


@pytest.mark.parametrize("said", ["？", "?", "。。", "？？"])
@pytest.mark.parametrize("answers, step_name", [(STUDENT_ANSWERS, "name"), (STUDENT_ANSWERS, "category"),
                                                (UNIT_ANSWERS, "credit_code")])
def test_a_lone_question_mark_mid_form_asks_the_same_question_again(zhang, db, said, answers, step_name):
    """A "？" or "。。" is no go-ahead ("好的。…") and no other request (the form paused): the question again."""
    question = fill(zhang, answers, until=step_name)
    assert zhang.says(said) == question
    finish(zhang, db, answers, step_name)


@pytest.mark.parametrize("said", ["？", "?", "。。"])
def test_a_lone_question_mark_at_the_summary_submits_nothing(zhang, db, said):
    summary = fill(zhang, STUDENT_ANSWERS)
    assert zhang.says(said) == summary
    assert find_open_application(db, "o_zhang") is None
    assert "申请编号" in zhang.says("确认")


# --- invite codes ------------------------------------------------------------------

@pytest.fixture
def unit(db):
    return insert_unit(db, {"name": "郑州大学", "credit_code": UNIT_CODE,
                            "institution_type": "高等院校"}, actor="test")


@pytest.mark.parametrize("how", ["in the first message", "at the first question"])
def test_an_invite_code_links_the_unit_and_fills_in_the_work_unit(zhang, db, unit, how):
    code = unit["invite_code"].lower()
    if how == "in the first message":
        reply = zhang.says(f"入会 邀请码 {code}")
    else:
        zhang.says("入会")
        reply = zhang.says(code)
    assert "郑州大学" in reply and "真实姓名" in reply
    for answer in ("张三", "2", "1985", "2", "材料科学"):  # no work unit, no institution type
        reply = zhang.says(answer)
    assert "手机号" in reply
    zhang.says(MOBILE)
    summary = zhang.says("跳过")
    assert "工作单位：郑州大学" in summary and "单位类型：高等院校" in summary
    assert "关联单位会员：郑州大学" in summary
    zhang.says("确认")
    data = the_application(db)["data"]
    assert data["unit_id"] == unit["id"] and data["work_unit"] == "郑州大学"
    assert data["institution_type"] == "高等院校"


def test_another_work_unit_drops_the_invite_link(zhang, db, unit):
    zhang.says(f"入会 邀请码 {unit['invite_code']}")
    for answer in ("张三", "2", "1985", "2", "材料科学", MOBILE, "跳过", "改 单位"):
        zhang.says(answer)
    assert "关联单位会员：郑州大学" in zhang.says("郑州大学化学学院")  # still the same unit
    zhang.says("改单位")
    summary = zhang.says("河南大学")
    assert "工作单位：河南大学" in summary and "关联单位会员" not in summary
    zhang.says("确认")
    assert "unit_id" not in the_application(db)["data"]


def test_an_unknown_invite_code_says_so_and_keeps_asking(zhang):
    reply = zhang.says("入会 邀请码 ZZZZZZ")
    assert "没有找到邀请码“ZZZZZZ”" in reply and "1. 个人会员" in reply
    assert "真实姓名" in zhang.says("1")


# --- one application per member ----------------------------------------------------

def test_asking_again_shows_the_open_application_instead_of_a_new_form(zhang, db):
    fill(zhang, STUDENT_ANSWERS)
    zhang.says("确认")
    app_no = the_application(db)["app_no"]
    for reply in (zhang.says("我要入会"), zhang.clicks("MENU_SIGNUP")):
        assert app_no in reply and "审核中" in reply
    assert len(list_pending_applications(db)) == 1


def test_a_member_is_told_their_number(zhang, db, redis_client):
    insert_member(db, {"member_no": "HNKX202600007", "name": "张三", "category": "regular",
                       "openid": "o_zhang"}, actor="test")
    reply = zhang.says("申请入会")
    assert "HNKX202600007" in reply and "会员卡" in reply
    assert redis_state.load_flow(redis_client, "o_zhang") is None


def test_an_application_made_meanwhile_is_not_doubled(zhang, db):
    fill(zhang, STUDENT_ANSWERS)
    earlier = create_application(db, "o_zhang", "individual", {"name": "张三"})
    assert earlier["app_no"] in zhang.says("确认")
    assert [a["app_no"] for a in list_pending_applications(db)] == [earlier["app_no"]]


# --- cancel and resume --------------------------------------------------------------

@pytest.mark.parametrize("until", ["name", "birth_year", "mobile", None])
def test_cancel_at_any_step_keeps_nothing(zhang, db, redis_client, until):
    fill(zhang, STUDENT_ANSWERS, until=until)
    reply = zhang.says("取消")
    assert "已取消" in reply and "申请入会" in reply
    assert list_pending_applications(db) == []
    assert redis_state.load_flow(redis_client, "o_zhang") is None


def test_returning_mid_way_is_offered_to_continue_where_it_stopped(zhang, db, redis_client):
    fill(zhang, STUDENT_ANSWERS, until="discipline")
    flow = redis_state.load_flow(redis_client, "o_zhang")
    flow["updated_at"] = time.time() - 3600  # the member left an hour ago
    redis_state.save_flow(redis_client, "o_zhang", flow, ttl=1800)
    offer = zhang.says("有机化学")
    assert "还没有完成" in offer and "继续" in offer
    assert "学科专业" in zhang.says("继续")
    for _, answer, _ in STUDENT_ANSWERS[6:]:
        reply = zhang.says(answer)
    assert "学科专业：有机化学" in reply
    zhang.says("确认")
    assert the_application(db)["data"]["discipline"] == "有机化学"


def test_resuming_at_a_choice_and_at_the_summary(zhang, redis_client):
    def leave_for_an_hour():
        flow = redis_state.load_flow(redis_client, "o_zhang")
        flow["updated_at"] = time.time() - 3600
        redis_state.save_flow(redis_client, "o_zhang", flow, ttl=1800)

    fill(zhang, REGULAR_ANSWERS, until="post_category")
    leave_for_an_hour()
    zhang.says("你好")
    question = zhang.says("继续")
    assert "岗位类别" in question and "1. 管理" in question  # the numbered choices come back too
    assert "学科专业" in zhang.says("科研")
    fill(zhang, REGULAR_ANSWERS[8:], start="有机化学")
    leave_for_an_hour()
    zhang.says("你好")
    summary = zhang.says("继续")
    assert "确认" in summary and "学科专业：有机化学" in summary  # the whole summary again


def test_asking_to_sign_up_again_mid_way_carries_on(zhang, db):
    fill(zhang, STUDENT_ANSWERS, until="birth_year")
    reply = zhang.clicks("MENU_SIGNUP")
    assert "接着来" in reply and "出生年份" in reply and "还没有完成" not in reply
    for _, answer, _ in STUDENT_ANSWERS[3:]:
        reply = zhang.says(answer)
    assert "姓名：张三" in reply


# --- another request half-way ---------------------------------------------------------

PAUSED = "还没有完成，回复“继续”"  # the reminder under an answer given while the form waits


def answers_so_far(redis_client, openid="o_zhang") -> dict:
    return redis_state.load_flow(redis_client, openid)["data"]["answers"]


DETOURS = on_both_forms([
    ("name", "查会费", "会费标准"),
    ("category", "你好", "服务助手"),
    ("birth_year", "招聘 算法", "目前没有正在招聘的职位"),
    ("work_unit", "你好", "服务助手"),  # a free-text field kept it as the work unit
    ("post_category", "查会费", "会费标准"),
    ("discipline", "招聘 算法", "目前没有正在招聘的职位"),
    ("mobile", "查会费", "会费标准"),
    ("email", "你好", "服务助手"),
], [
    ("unit_name", "查会费", "会费标准"),
    ("contact_name", "你好", "服务助手"),
    ("contact_mobile", "招聘 算法", "目前没有正在招聘的职位"),
])


@pytest.mark.parametrize("answers,step_name,request_,answer", DETOURS)
def test_another_request_mid_form_is_answered_and_the_form_waits(zhang, db, redis_client, answers,
                                                                 step_name, request_, answer):
    asked = "school" if step_name == "work_unit" and answers is STUDENT_ANSWERS else step_name
    question = content.text(f"signup.ask.{asked}")
    assert question in fill(zhang, answers, until=step_name)
    before = answers_so_far(redis_client)
    reply = zhang.says(request_)
    assert answer in reply and PAUSED in reply and "申请入会" in reply
    assert question.rstrip("：") not in reply.split(PAUSED)[0]  # not refused as a malformed answer
    assert len(reply.split(PAUSED)[1].strip().splitlines()) == 1  # one short line; the question comes at 继续
    assert answers_so_far(redis_client) == before  # nothing kept from the request
    assert question in zhang.says("继续")  # the same question, the answers before it kept
    finish(zhang, db, answers, step_name)


def test_several_requests_wait_for_the_same_question(zhang, db):
    fill(zhang, STUDENT_ANSWERS, until="mobile")
    assert "会费标准" in zhang.says("查会费")
    assert "服务助手" in zhang.says("你好")
    assert "请输入您的手机号" in zhang.says("继续")
    assert "电子邮箱" in zhang.says(MOBILE)
    summary = zhang.says("跳过")
    assert "姓名：张三" in summary and "手机：159****6688" in summary
    zhang.says("确认")
    assert the_application(db)["data"] == GOOD_DATA["individual"] | {"email": None}


def test_asking_to_sign_up_mid_form_asks_the_same_question_again(zhang, db, redis_client):
    fill(zhang, STUDENT_ANSWERS, until="name")
    reply = zhang.says("我要入会")  # was kept as the applicant's name
    assert "接着来" in reply and "真实姓名" in reply and PAUSED not in reply
    assert answers_so_far(redis_client) == {}
    assert "会员类别" in zhang.says("张三")


MALFORMED_REQUESTS = on_both_forms([
    ("mobile", "我的手机号是1391234", "手机号格式不对"),  # reads as 人工
    ("post_category", "副教授", "岗位类别前的数字"),  # reads as a job search
    ("birth_year", "2024年会费", "出生年份不对"),
], [
    ("contact_mobile", "招聘热线 139 1234", "手机号格式不对"),
])


@pytest.mark.parametrize("answers,step_name,attempt,problem", MALFORMED_REQUESTS)
def test_a_malformed_answer_that_reads_as_a_request_is_still_refused(zhang, db, redis_client, answers,
                                                                     step_name, attempt, problem):
    question = content.text(f"signup.ask.{step_name}")
    fill(zhang, answers, until=step_name)
    before = answers_so_far(redis_client)
    reply = zhang.says(attempt)
    assert problem in reply and question in reply and PAUSED not in reply
    assert answers_so_far(redis_client) == before
    assert redis_state.load_flow(redis_client, "o_zhang")["step"] == step_name


def test_answers_that_read_as_requests_are_kept_as_answers(zhang, db):
    """A name with 建议 in it, a unit with 奖励, a discipline with 政策: each is the answer asked for."""
    for answer in ("申请入会", "1", "王建议", "2", "1980", "国家奖励办公室", "5", "1", "科技政策",
                   MOBILE):
        reply = zhang.says(answer)
    assert "邮箱" in reply and PAUSED not in reply
    zhang.says("跳过")
    zhang.says("确认")
    data = the_application(db)["data"]
    assert (data["name"], data["work_unit"], data["discipline"]) == ("王建议", "国家奖励办公室", "科技政策")


def test_a_request_that_opens_its_own_form_leaves_the_application_waiting(zhang, db):
    fill(zhang, STUDENT_ANSWERS, until="mobile")
    assert "写下您的意见" in zhang.says("我想提个建议")
    done = zhang.says("希望年会的日程早点公布")
    assert "编号" in done and PAUSED in done and "申请入会" in done
    assert "请输入您的手机号" in zhang.says("继续")
    finish(zhang, db, STUDENT_ANSWERS, "mobile")  # the answers before the detour are all kept


# --- unit applications --------------------------------------------------------------

def test_a_unit_applies_by_chat(zhang, db):
    reply = None
    for step_name, answer, question in [("start", "申请入会", "申请类型"), *UNIT_ANSWERS]:
        assert reply is None or question in reply, (step_name, reply)
        reply = zhang.says(answer)
    for shown in ("单位会员申请", "单位名称：河南示范新材料有限公司", f"统一社会信用代码：{UNIT_CODE}",
                  "联系人：王五", "联系人电话：139****5678", "单位类型：企业或技术推广部门"):
        assert shown in reply
    done = zhang.says("确认")
    application = the_application(db)
    assert application["app_no"] in done and application["kind"] == "unit"
    assert application["data"] == GOOD_DATA["unit"]
    assert not zhang.leaked("13912345678")


def test_a_credit_code_with_spaces_and_lower_case_is_accepted(zhang, db):
    fill(zhang, UNIT_ANSWERS, until="credit_code")
    first17 = "91410100MA44" + "12345"
    code = first17 + credit_code_check_char(first17)
    assert "联系人姓名" in zhang.says(" ".join([code[:6], code[6:12], code[12:]]).lower())


def test_a_unit_already_a_member_or_applying_is_not_applied_twice(zhang, db, unit, client, config):
    fill(zhang, UNIT_ANSWERS, until="credit_code")
    reply = zhang.says(UNIT_CODE)  # the code of the unit fixture
    assert "已登记为单位会员" in reply and content.society()["secretariat"]["phone"] in reply
    first17 = "91410100MA44" + "12345"
    other_code = first17 + credit_code_check_char(first17)
    for _, answer, _ in [("credit_code", other_code, ""), *UNIT_ANSWERS[3:]]:
        zhang.says(answer)
    zhang.says("确认")
    colleague = Phone(client, config, "o_colleague")
    fill(colleague, UNIT_ANSWERS, until="credit_code")
    assert "正在审核中" in colleague.says(other_code)


def test_a_unit_field_is_corrected_from_the_summary(zhang, db):
    fill(zhang, UNIT_ANSWERS)
    assert "联系人姓名" in zhang.says("改联系人")
    summary = zhang.says("赵六")
    assert "联系人：赵六" in summary and "联系人电话：139****5678" in summary
    assert "联系人手机号" in zhang.says("修改联系人手机")
    zhang.says("13700001234")
    zhang.says("确定")
    data = the_application(db)["data"]
    assert data["contact_name"] == "赵六" and data["contact_mobile"] == "13700001234"


def test_cancelling_keeps_the_answers_a_day_and_offers_to_resume(zhang, db, redis_client):
    """Issue 12: cancelling half-way lost everything typed so far."""
    fill(zhang, REGULAR_ANSWERS, until="post_category")
    assert "保留一天" in zhang.says("取消")
    assert redis_state.load_flow(redis_client, "o_zhang") is None
    assert "还保留着" in zhang.says("我要入会")
    assert "岗位类别" in zhang.says("继续")  # where it was, the answers before kept
    finish(zhang, db, REGULAR_ANSWERS, "post_category")


def test_a_kept_draft_can_be_given_up_for_a_fresh_start(zhang):
    fill(zhang, STUDENT_ANSWERS, until="post_category")
    zhang.says("取消")
    zhang.says("入会")
    assert "保留" not in zhang.says("取消")
    assert "申请类型" in zhang.says("入会")


def test_a_signup_question_names_what_it_already_knows(zhang, db):
    """"我要申请学生会员" answers the type and the category: neither is asked again."""
    assert "真实姓名" in zhang.says("我要申请学生会员")
    assert "出生年份" in zhang.says("张三")
    assert "单位全称" in Phone(zhang.client, zhang.config, "o_hr").says("我们公司想申请入会")


@pytest.mark.parametrize("confirm", ["对的，提交", "没问题", "确认无误", "对的"])
def test_everyday_confirmations_submit(zhang, db, confirm):
    fill(zhang, STUDENT_ANSWERS)
    assert "申请编号" in zhang.says(confirm)


@pytest.mark.parametrize("said", ["我是学生", "在读博士", "学生"])
def test_the_category_in_everyday_words(zhang, db, said):
    fill(zhang, STUDENT_ANSWERS, until="category")
    assert "出生年份" in zhang.says(said)
    assert "就读的学校" in zhang.says("2001")


@pytest.mark.parametrize("short,stored", [("高校", "高等院校"), ("研究所", "科研院所"), ("公司", "企业或技术推广部门")])
def test_a_choice_by_its_short_name(zhang, db, short, stored):
    fill(zhang, REGULAR_ANSWERS, until="institution_type")
    assert "岗位类别" in zhang.says(short)
    steps = [step for step, _, _ in REGULAR_ANSWERS]
    for _, answer, _ in REGULAR_ANSWERS[steps.index("post_category"):]:
        summary = zhang.says(answer)
    assert f"单位类型：{stored}" in summary


def test_a_unit_s_contact_phone_may_be_a_landline(zhang, db):
    """A unit's contact is often reached at the office: 0371-66889900 was refused as 手机号格式不对."""
    fill(zhang, UNIT_ANSWERS, until="contact_mobile")
    assert "单位类型" in zhang.says("0371 6688 9900")
    summary = zhang.says("1")
    assert "联系人电话：0371-66889900" in summary
    zhang.says("确认")
    assert the_application(db)["data"]["contact_mobile"] == "0371-66889900"



def test_asking_to_join_with_a_question_about_who_may_gets_the_answer_and_the_form(zhang):
    # "能入吗" alone is answered with no form; said with 我想入会 the member has asked to apply, so the form starts too
    reply = zhang.says("我想入会 我是县医院护士 能入吗")
    assert "可以申请的会员类别和会费" in reply and "1. 个人会员" in reply
