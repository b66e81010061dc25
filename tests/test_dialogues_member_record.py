"""职称 and 性别 on the member record: taken when a member says them in the application (not asked
one by one), corrected by chat on the card, read from a roster; and questions about the form
itself answered with the form kept. Measured on the written conversations by
bench/replay_dialogues.py (/work/notes-dialogue.md); the wording here is our own."""
from __future__ import annotations

import pytest

from storage.members import find_member_by_no, find_member_by_openid, insert_member
from tests.member import Member
from tests.test_roster_import import run, simple_roster


@pytest.fixture
def applicant(client, config):
    return Member(client, config, "o_applicant")


@pytest.fixture
def member(client, config, db):
    insert_member(db, {"member_no": "HNKX202600777", "name": "郑晓华", "category": "regular",
                       "mobile": "13700000777", "status": "active", "openid": "o_bound",
                       "work_unit": "河南农业大学", "paid_through": "2026-12-31"}, actor="test")
    return Member(client, config, "o_bound")


def test_a_title_said_at_another_question_is_kept_and_shown_at_the_summary(applicant):
    applicant.says("申请个人会员")
    applicant.says("赵明")
    noted = applicant.says("高级工程师")
    assert "职称 高级工程师" in noted and "会员类别" in noted


def test_gender_and_title_in_a_self_introduction_are_kept_with_the_unit(applicant):
    applicant.says("我想入会，个人会员")
    reply = applicant.says("我叫钱芳，女，河南工业大学粮油学院讲师，手机13812340000")
    assert "性别 女" in reply and "职称 讲师" in reply and "工作单位 河南工业大学粮油学院" in reply


def test_a_title_said_as_what_to_fill_in_mid_form_is_kept_not_searched_as_a_job(applicant):
    applicant.says("申请个人会员")
    applicant.says("孙亮")
    reply = applicant.says("那就填工程师吧")
    assert "职称 工程师" in reply and "职位" not in reply


def test_a_question_about_the_form_is_answered_and_the_form_goes_on(applicant):
    applicant.says("我想申请学生会员")
    applicant.says("周婷")
    reply = applicant.says("需要填导师的名字吗")
    assert "导师" in reply and "出生年份" in reply
    assert "学校" in applicant.says("2001")


def test_asking_how_categories_differ_gets_each_category_with_its_fee(applicant):
    reply = applicant.says("学生会员和普通会员有什么不同")
    assert "学生会员" in reply and "20 元" in reply and "普通会员" in reply and "100 元" in reply
    assert "请输入您的真实姓名" not in reply
    assert "真实姓名" in applicant.says("那就申请普通的吧")  # the form starts, category taken


def test_a_bare_yes_at_a_question_is_acknowledged_before_it_is_asked_again(applicant):
    applicant.says("申请个人会员")
    applicant.says("吴刚")
    assert applicant.says("是的").startswith("好的。")


def test_a_bound_member_corrects_the_title_in_one_sentence(member, db):
    reply = member.says("我的职称改成研究员了")
    assert "职称：研究员" in reply
    assert find_member_by_openid(db, "o_bound")["title"] == "研究员"


def test_a_bound_member_corrects_a_wrong_gender(member, db):
    reply = member.says("修改性别，我是男的")
    assert "性别：男" in reply
    assert find_member_by_openid(db, "o_bound")["gender"] == "男"


def test_a_roster_with_title_and_gender_columns_stores_them(env, db, tmp_path):
    path = simple_roster(tmp_path / "名册.xlsx", ["会员编号", "姓名", "性别", "会员类别", "职称", "手机"],
                         [["HNKX202600901", "冯雪", "女", "普通会员", "副研究员", "13900000901"]])
    assert "新增 1 人" in run(env, "members", "import", str(path)).output
    stored = find_member_by_no(db, "HNKX202600901")
    assert stored["gender"] == "女" and stored["title"] == "副研究员"


def test_asking_how_many_years_to_pay_back_gets_the_rule_and_how_to_pay(applicant):
    reply = applicant.says("过期了要补缴几年的会费")
    assert "不必补缴" in reply and "账号" in reply


def test_asking_after_a_complaint_whether_anyone_will_know_who_made_it(applicant, db):
    applicant.says("投诉一下，年会报到处排队太久了没人管")
    applicant.says("确认")
    tickets_before = db["tickets"].count
    reply = applicant.says("他们会不会知道是我反映的")
    assert "不会对外公开" in reply and db["tickets"].count == tickets_before


def test_payment_details_given_while_binding_to_check_dues_are_kept_for_the_secretariat(applicant, db):
    applicant.says("我明明交过会费了怎么显示没交")
    reply = applicant.says("是前天用支付宝转的100元")
    assert "核对" in reply and "编号" in reply and "姓名" in reply
    assert "100元" in db.execute("select body from tickets order by id desc limit 1").fetchone()[0]
    urgent = applicant.says("麻烦尽快，我等着用")
    assert "0371" in urgent or "人工" in urgent
