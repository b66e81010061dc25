"""Conversations as members hold them (issue 11, item 4), thirteenth round: a list of people registered together
is kept and corrected before it is sent, a list shown is remembered for the next turns, a short yes confirms.
Measured on written conversations with bench/replay_dialogues.py; the wording here is our own."""
from __future__ import annotations

from storage.members import insert_member
from tests.test_dialogues import TODAY, add_event, visitor  # noqa: F401  (fixtures)


def _tickets(db) -> list[dict]:
    return [dict(row) for row in db["tickets"].rows] if "tickets" in db.table_names() else []


# --- several people in one message: a list to check, correct and then submit ---------------------------------

def test_a_list_of_colleagues_is_shown_back_with_their_unit_and_nothing_is_sent_before_a_yes(visitor, db):
    add_event(db, "青年科技沙龙", 20, "郑州", "免费")
    visitor.says("我想帮单位几个人报青年科技沙龙")
    reply = visitor.says("王志刚 13911110001，陈小红 13911110002，刘洪 13911110003，都是河南示范机械研究院的")
    assert "共 3 人" in reply and "陈小红" in reply and "河南示范机械研究院" in reply and "139****0002" in reply
    assert _tickets(db) == []


def test_people_are_added_dropped_renamed_and_given_another_mobile_before_the_list_goes(visitor, db):
    add_event(db, "青年科技沙龙", 20, "郑州", "免费")
    visitor.says("我想帮单位几个人报青年科技沙龙")
    visitor.says("王志刚 13911110001，陈小红 13911110002，刘洪 13911110003")
    reply = visitor.says("再加一个 赵敏 13911110004")
    assert "共 4 人" in reply and "赵敏" in reply
    reply = visitor.says("刘洪临时出差去不了了")
    assert "共 3 人" in reply and "刘洪" not in reply
    reply = visitor.says("陈小红的手机写错了 是13911110009")
    assert "139****0009" in reply and "139****0002" not in reply
    reply = visitor.says("王志刚的名字打错了 是王志钢")
    assert "王志钢" in reply and "王志刚" not in reply and "139****0001" in reply
    reply = visitor.says("第3个人电话后四位是0044")
    assert "139****0044" in reply
    reply = visitor.says("没问题 提交")
    assert "已提交" in reply and "3 人" in reply
    [ticket] = _tickets(db)
    assert all(words in ticket["body"] for words in ("王志钢 13911110001", "陈小红 13911110009",
                                                       "赵敏 13911110044"))
    assert "刘洪" not in ticket["body"] and "王志刚" not in ticket["body"]


def test_a_swap_keeps_the_mobile_when_the_member_says_it_is_the_same(visitor, db):
    add_event(db, "青年科技沙龙", 20, "郑州", "免费")
    visitor.says("我想帮单位几个人报青年科技沙龙")
    visitor.says("王志刚 13911110001，陈小红 13911110002")
    reply = visitor.says("把王志刚换成孙立 电话一样")
    assert "孙立　139****0001" in reply and "王志刚" not in reply


def test_the_list_prices_roster_members_at_the_members_price_and_the_others_at_theirs(visitor, db):
    add_event(db, "学术年会", 30, "郑州", "会员800元，非会员1000元")
    insert_member(db, {"member_no": "HNKX201500900", "name": "郭建新", "mobile": "13607710900", "category": "regular",
                       "paid_through": f"{TODAY.year}-12-31"}, actor="test")
    visitor.says("我替院里几位老师报学术年会")
    reply = visitor.says("郭建新 13607710900 会员；唐文 15890010001 不是会员")
    assert "会员 800 元：郭建新" in reply and "非会员 1000 元：唐文" in reply and "共 1800 元" in reply


def test_a_question_said_with_the_submit_is_answered_after_it(visitor, db):
    add_event(db, "青年科技沙龙", 20, "郑州", "300元")
    visitor.says("我想帮单位几个人报青年科技沙龙")
    visitor.says("王志刚 13911110001，陈小红 13911110002")
    reply = visitor.says("行 提交 能对公转账不")
    assert "已提交" in reply and "共 600 元" in reply and "银行转账" in reply


def test_a_follower_told_several_come_is_asked_for_the_whole_list_at_once(visitor, db):
    add_event(db, "青年科技沙龙", 20, "郑州", "免费")
    reply = visitor.says("帮我们所报青年科技沙龙 四个人")
    assert "一条消息里写几个人" in reply and "您本人的报名" not in reply


# --- a list shown is remembered a while after the member asked something else ----------------------------------

def _policy_news(db) -> None:
    from storage.news import save_item
    for day, title in ((3, "省科技计划申报通知"), (2, "科技社团建设意见"), (1, "科研经费改革解读")):
        save_item(db, {"item_no": f"p{day}", "kind": "newsletter", "title": title, "topics": ["policy"],
                       "audience": None, "summary": "摘要", "link": None, "body": f"{title}的正文",
                       "publish_at": f"2026-11-0{day}T09:00:00+08:00", "source": None})


def test_a_place_in_a_list_said_after_another_question_still_opens_that_lists_entry(visitor, db):
    _policy_news(db)
    visitor.says("最近有啥政策新闻")
    visitor.says("第一篇说的啥")
    visitor.says("会费多少钱")
    assert "科研经费改革解读的正文" in visitor.says("那第三篇讲啥")


def test_the_last_one_of_a_list_is_the_last_entry_shown(visitor, db):
    _policy_news(db)
    visitor.says("最近有啥政策新闻")
    assert "科研经费改革解读的正文" in visitor.says("最后一篇讲的啥")


def test_a_question_about_the_last_call_of_a_list_is_about_that_call_not_the_one_opened(visitor, db):
    from datetime import timedelta

    from storage.awards import save_awards
    save_awards(db, [({"name": "青年英才计划", "kind": "talent", "deadline": (TODAY + timedelta(days=20)).isoformat(),
                       "eligibility": "35周岁以下"}, "test"),
                     ({"name": "省自然科学奖", "kind": "award", "deadline": (TODAY + timedelta(days=45)).isoformat(),
                       "eligibility": "个人和团队"}, "test")], [], actor="test")
    visitor.says("现在有哪些奖可以报")
    visitor.says("第一个谁能报")
    reply = visitor.says("最后一个截止啥时候")
    assert "省自然科学奖" in reply and "还有 45 天" in reply


# --- a registration's summary: a short yes, another event of the list, leaving right after ---------------------

def _three_events(db) -> None:
    add_event(db, "论文写作线上培训", 12, "线上", "免费")
    add_event(db, "项目申报培训", 18, "郑州", "300元")


def test_a_bare_hm_at_a_registrations_summary_registers(visitor, db):
    _three_events(db)
    visitor.says("我要报名论文写作线上培训")
    assert "请确认报名" in visitor.says("吴丽 13911112345")
    assert "报名成功" in visitor.says("嗯")


def test_another_event_of_the_list_named_after_a_no_is_registered_for_instead(visitor, db):
    _three_events(db)
    visitor.says("报名")
    assert "项目申报培训" in visitor.says("2")
    reply = visitor.says("不是 我要线上那个")
    assert "论文写作线上培训" in reply and "格式不对" not in reply
    reply = visitor.says("吴丽 13911112345")
    assert "论文写作线上培训" in reply and "项目申报培训" not in reply


def test_leaving_said_right_after_registering_asks_to_cancel_that_registration(visitor, db):
    _three_events(db)
    visitor.says("我要报名论文写作线上培训")
    visitor.says("吴丽 13911112345")
    visitor.says("确认")
    assert "确定取消《论文写作线上培训》的报名吗" in visitor.says("算了 不报了")


def test_a_second_number_said_with_the_contact_is_no_second_person_and_can_be_picked_by_its_tail(visitor, db):
    _three_events(db)
    visitor.says("我要报名论文写作线上培训")
    reply = visitor.says("吴丽，手机13911112345，另一个13600005678也行")
    assert "请确认报名" in reply and "共 2 人" not in reply and "单位：未填" in reply
    reply = visitor.says("电话改成尾号5678那个")
    assert "136****5678" in reply
    visitor.says("确认")
    [registration] = [dict(row) for row in db["registrations"].rows]
    assert registration["mobile"] == "13600005678"


# --- the application form: every item a message gives is kept, a question beside it answered -------------------

def _applying(visitor) -> None:
    visitor.says("我要入会")
    visitor.says("个人")


def test_a_department_is_no_field_of_study_and_a_title_and_field_said_later_are_both_kept(visitor):
    _applying(visitor)
    reply = visitor.says("张桂兰 13937561234 淅川县人民医院 护理部")
    assert "姓名 张桂兰" in reply and "工作单位 淅川县人民医院" in reply and "学科专业 护理部" not in reply
    reply = visitor.says("主管护师，护理学")
    assert "职称 主管护师" in reply and "学科专业 护理学" in reply


def test_a_name_said_with_a_question_is_kept_and_the_question_answered(visitor):
    _applying(visitor)
    reply = visitor.says("我叫李红，你们会费多少")
    assert "100 元/年" in reply and "真实姓名" not in reply
    reply = visitor.says("13569321234")
    assert "真实姓名" not in reply and "姓名 13569321234" not in reply  # the name is not asked again


def test_a_unit_said_at_another_question_is_kept_beside_a_question(visitor):
    _applying(visitor)
    visitor.says("田野 15993751234")
    reply = visitor.says("平顶山示范化工集团 对了 会费多少钱")
    assert "工作单位 平顶山示范化工集团" in reply and "100 元/年" in reply


def test_this_account_in_an_english_question_is_no_personal_account_to_warn_of(visitor):
    assert "scam" not in visitor.says("What newsletters can I get from this account?")
    assert "scam" in visitor.says("Someone asked me to pay the dues into his account")


def test_registering_after_a_side_question_is_for_the_event_opened_before_it(visitor, db):
    add_event(db, "青年学者论坛", 30, "洛阳", "免费")
    add_event(db, "论文写作线上培训", 12, "线上", "免费")
    visitor.says("青年学者论坛在哪 啥时候")
    visitor.says("能带学生不 初中生")
    reply = visitor.says("先给我报上 王丽娟 13569871234 开封市第二十五中学")
    assert "请确认报名" in reply and "青年学者论坛" in reply and "王丽娟" in reply and "开封市第二十五中学" in reply


def test_a_unit_holding_words_of_the_events_title_is_kept_whole(visitor, db):
    add_event(db, "新材料产业沙龙", 30, "郑州", "免费")
    visitor.says("新材料产业沙龙企业的人能去吗")
    reply = visitor.says("那报上 我叫蒋涛 13526781234 郑州示范新材料有限公司")
    assert "参加人：蒋涛" in reply and "单位：郑州示范新材料有限公司" in reply


def test_one_colleague_said_to_drop_out_leaves_the_list_not_the_whole_registration(visitor, db):
    add_event(db, "青年科技沙龙", 20, "郑州", "免费")
    visitor.says("我想帮单位几个人报青年科技沙龙")
    visitor.says("王志刚 13911110001，陈小红 13911110002，刘洪 13911110003")
    reply = visitor.says("刘洪就不报了")
    assert "共 2 人" in reply and "刘洪" not in reply and "已取消" not in reply, reply
