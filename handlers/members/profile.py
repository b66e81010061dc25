"""`profile`: a member's own card, binding a roster member's WeChat, and updates by chat.

A member sees only the record bound to their own openid; nothing here looks
a member up for anyone else. Binding (flow `profile`, steps `bind_*`) proves
the member number with the name and the last four digits of the mobile on
file, gives the same answer whether the number is unknown or the details are
wrong, and stops after MAX_FAILED_BINDINGS_PER_DAY failures a day.
"""
from __future__ import annotations

import functools
import re
from datetime import date, datetime

from bot import clarify, content, delivery, offers
from handlers.fees.dues import how_to_pay_text, is_lifetime, standing
from bot.conversation import is_one_of
from bot.messages import Reply
from bot.page_links import page_link, with_page_link
from bot.pinyin import main_reading
from bot.privacy import mask_mobile, mask_personal
from bot.registry import INTENT_HANDLERS, handles, step
from bot.router import Intent, english_read
from bot.validation import (Invalid, clean_email, email_and_rest, clean_gender, clean_mobile, clean_name, clean_text, clean_title,
                            gender_in, looks_like_a_question, lettered_mobile_and_rest, mobile_and_rest, mobile_in,
                            mobile_with_letters, normalise, read_out_digits, tries_value, unit_in)
from handlers.members.signup import application_status, problem_text, rejected_application
from storage.members import (find_member_by_no, find_member_by_openid, find_members_by_mobile,
                             find_open_application, update_member)
from handlers.news.items import give_default_subscriptions
from storage.news import topics_of
from storage.state import count_failed_binding, record_failed_binding
from storage.tickets import create_ticket

FLOW = "profile"
MAX_FAILED_BINDINGS_PER_DAY = 5


def now() -> datetime:
    """The local time the daily binding limit and the dues standing go by; tests move it."""
    return datetime.now()


def _texts() -> dict:
    return content.replies()["profile"]


def _mentions(text: str, words: list[str]) -> bool:
    return content.holds_any(text.lower(), words)


# --- the card ----------------------------------------------------------------

def _card(ctx, member: dict) -> Reply:
    texts, not_given = _texts(), _texts()["not_given"]
    paid_through = member["paid_through"]
    return ctx.reply(
        "profile.card",
        member_no=member["member_no"], name=member["name"],
        category=content.load_toml("membership.toml")["categories"].get(member["category"],
                                                                        member["category"]),
        unit=member["work_unit"] or not_given,
        status=texts["statuses"].get(member["status"], member["status"]),
        paid_through=paid_through or texts["no_payment"],
        standing=texts["standings"][standing(paid_through, now().date())],
        mobile=mask_mobile(member["mobile"]) if member["mobile"] else not_given,
        email=member["email"] or not_given,
        title=member.get("title") or not_given,
        gender=member.get("gender") or not_given,
    )


def asks_about_someone_else(text: str) -> bool:
    """"帮我查一下张伟的手机号", "张伟的电话是多少", "我想要我们单位老刘的联系方式": another person's details
    (a member sees only their own). The secretariat's own people and places (秘书长的电话, 会员部小王的微信,
    会场的地址) are no one else: those the member may ask for."""
    text, words = normalise(text), _texts()["words"]
    if not content.holds_any(text, words["others_data"]):  # most messages: no one's details named
        return False
    for word in words["others_data"]:
        at = text.find(word)
        if at <= 0:
            continue
        before, after = text[:at], re.split(r"[,，。;；!！\s]", text[at + len(word):])[0]
        holder = re.split(r"[,，。;；!！?？\s]", before)[-1]
        if before.endswith(("我", "自己", "本人")) or any(w in holder for w in words["not_others"]):
            continue
        if any(verb in before for verb in words["look_up"]) or any(q in after for q in words["asked_after"]):
            return True
    return False


@handles(events=(f"{clarify.ANY_READING}someone_elses_details",), reads_only=True)
def refuse_someone_elses_details(ctx) -> Reply | None:
    """The privacy refusal when a member asks for another person's details, whatever the route: outside a
    flow before the router's doubt is asked about (bot/clarify.py), and the human handler asks this first
    ("张伟的电话是多少" would otherwise open a ticket)."""
    if ctx.message.in_words and asks_about_someone_else(ctx.text):
        return ctx.reply("profile.others_refused", **content.society()["secretariat"])
    return None


def says_not_a_member(text: str) -> bool:
    """"不是会员", "我还不是会员": the member says they are not one (content/replies/members_profile.toml not_a_member)."""
    return _mentions(text, _texts()["words"]["not_a_member"]) and not looks_like_a_question(text)


def asks_if_non_members_may(text: str) -> bool:
    """"我不是会员能参加吗", "我们不是会员单位 也能发吗": a question about what non-members may do."""
    return _mentions(text, _texts()["words"]["non_member"]) and looks_like_a_question(text)


def asks_about_notices(text: str) -> bool:
    """"会费到期提醒还发吗": whether service notices still come (after unsubscribing the newsletter)."""
    return mentions_notices(text) and looks_like_a_question(text)


def mentions_notices(text: str) -> bool:
    """"会费提醒", "活动提醒": a service notice named, which no newsletter topic is (content: words.notices)."""
    return _mentions(text, _texts()["words"]["notices"])


@handles("profile", menu="MENU_PROFILE", reads_only=True)
def show_profile(ctx):
    """The card for a bound member; otherwise the pending application, or binding."""
    refused = refuse_someone_elses_details(ctx)
    if refused is not None:
        return refused
    if ctx.message.kind != "event" and asks_how_to_get_card(ctx.text) and not find_member_by_openid(ctx.db, ctx.openid):
        if ctx.flow is None and _mentions(ctx.text, _texts()["words"]["not_a_member"]):
            offers.make(ctx, content.text("profile.join_words"))  # "我不是会员，能办个会员证吗" then "好": the application
        return ctx.reply("profile.card_how")  # "会员证怎么领": how, not a binding started
    if ctx.message.kind != "event" and asks_if_non_members_may(ctx.text):  # no binding for a question
        if ctx.flow is None:
            offers.make(ctx, content.text("profile.join_words"))  # "行" next: the application
        return ctx.reply("profile.non_members")
    if ctx.message.kind != "event" and asks_about_notices(ctx.text):  # "会费到期提醒还发吗"
        return ctx.reply("profile.notices")
    if ctx.message.kind != "event" and asks_to_leave(ctx.text):  # "我想退会": how, not the card
        return leaving(ctx)
    member = find_member_by_openid(ctx.db, ctx.openid)
    kept = _kept_by_secretariat(ctx.text) if ctx.message.in_words else None
    if kept:  # "帮我改一下名字", "我想换个会员类别": not by chat, said who does it
        return ctx.reply("profile.change_by_secretariat", field=kept, **content.society()["secretariat"])
    if member:
        column = update_wanted(ctx.text)
        if column:
            return _start_update(ctx, column)
        card = _card(ctx, member)
        if ctx.message.in_words and _mentions(ctx.text, _texts()["words"]["certificate"]):  # "电子会员证": the link first
            link = page_link(ctx.config, "certificate", "/m/certificate")
            return Reply(text=link).with_note(card.text) if link else card
        return with_page_link(card, ctx.config, "certificate", "/m/certificate")
    application = find_open_application(ctx.db, ctx.openid)
    if application and not _mentions(ctx.text, _texts()["words"]["bind"]):
        offer = content.text("profile.pending_bind_offer")
        return application_status(ctx, application).with_note(offer)
    rejected = None if application or _mentions(ctx.text, _texts()["words"]["bind"]) else rejected_application(ctx)
    if rejected:  # "我的申请怎么样了" from an applicant turned down: the outcome and why, not 请输入您的姓名
        return rejected.with_note(content.text("profile.pending_bind_offer"))
    changing = bind_then_change(ctx)
    if changing is not None:
        return changing
    if ctx.message.in_words and not _about_own_record(ctx.text):
        return _not_about_own_record(ctx)
    return start_binding(ctx)


def bind_then_change(ctx) -> Reply | None:
    """"我换手机号了 想改一下", "我叫陈志强 新号188…" before binding: binding first (by the mobile on the roster or
    the member number), then the change it came for, made with its value if said; None when no change is asked."""
    column = update_wanted(ctx.text) if ctx.message.in_words else None
    if not column:
        return None
    reply = start_binding(ctx, change=column, change_value=_said_with_request(column, ctx.text))
    if ctx.flow is not None and ctx.flow["name"] == FLOW:
        return ctx.reply("profile.bind_for_change").with_note(_ask(ctx.flow["step"]).text)
    return reply


def _about_own_record(text: str) -> bool:
    """Whether an unbound follower's message may be about their own membership, which binding opens: asks to bind,
    speaks of themselves, or says a mobile or a number; not "不是会员" nor a question about members in general
    ("会员多少人")."""
    words = _texts()["words"]
    if _mentions(text, words["bind"]) or mobile_in(text) or _MEMBER_NO_SAID.search(normalise(text).upper()):
        return True
    if _mentions(text, words["not_a_member"]):
        return False
    return not looks_like_a_question(text) or _mentions(text, words["own_marks"])


def _not_about_own_record(ctx) -> Reply:
    """"不是会员": what non-members may do, the application offered ("好" next starts it); a general question about
    members that the account cannot answer: said so honestly (the unknown handler), not a binding started."""
    if says_not_a_member(ctx.text):
        if ctx.flow is None:
            offers.make(ctx, content.text("profile.join_words"))
        return ctx.reply("profile.not_a_member")
    with ctx.read_as(Intent("unknown", {}, 0.0, 1.0)):
        return INTENT_HANDLERS["unknown"](ctx)


def _kept_by_secretariat(text: str) -> str | None:
    """The field a change is asked for that only the secretariat makes (姓名, 会员类别), by its name; None
    for any other message."""
    words = _texts()["words"]
    if not _mentions(text, words["change"]):
        return None
    return next((field for field, names in words["secretariat_fields"].items() if _mentions(text, names)), None)


def asks_to_leave(text: str) -> bool:
    """"我想退会", "怎么退出学会": leaving the society, which the secretariat does."""
    return _mentions(text, _texts()["words"]["leave"])


def leaving(ctx) -> Reply:
    """How to leave and what follows, however asked ("退会了多交的会费退不退", "退会以后会讯还发不"): one answer,
    naming the years a member has paid ahead (whether they are refunded is the secretariat's to say)."""
    member = find_member_by_openid(ctx.db, ctx.openid)
    paid_through = (member or {}).get("paid_through")
    last = int(paid_through[:4]) if paid_through and not is_lifetime(paid_through) else 0
    first = date.today().year + 1
    ahead = "profile.leave_paid_ahead" if first < last else "profile.leave_paid_ahead_one"  # not "2027–2027 年"
    paid = content.text(ahead, first=first, last=last) if first <= last else \
        content.text("profile.leave_paid")
    return ctx.reply("profile.leave", paid=paid, **content.society()["secretariat"])


def asks_how_to_get_card(text: str) -> bool:
    """"会员证怎么领", "电子会员证在哪里看": how one gets the card, a question anyone may ask."""
    words = _texts()["words"]
    return _mentions(text, words["card"]) and _mentions(text, words["how_to_get"])


# --- binding -----------------------------------------------------------------

def _ask(step_name: str, problem: str | None = None) -> Reply:
    question = content.text(f"profile.ask.{step_name}")
    return Reply(text=problem_text(problem)).with_note(question) if problem else Reply(text=question)


def _limit_reached(ctx) -> bool:
    return count_failed_binding(ctx.redis, ctx.openid, now()) >= MAX_FAILED_BINDINGS_PER_DAY


def start_binding(ctx, then: str | None = None, change: str | None = None, change_value=None,
                  why: str | None = None) -> Reply:
    """Binding's first question; `then` (an intent: "fee_status") is what the member asked for, answered once bound;
    `change` (a column) the change they asked for, made once bound with `change_value` when they said it;
    `why` the key of the text leading the question when it is another than the intent's (profile.bind_for).
    A request that already says who the member is ("绑定一下，王芳，手机139…") is taken as the answers."""
    if _limit_reached(ctx):
        return ctx.reply("profile.limit")
    wanted = {"then": then, "change": change, "change_value": change_value}
    ctx.start_flow(FLOW, "bind_name", **{key: value for key, value in wanted.items() if value is not None})
    mobile, rest = mobile_and_rest(_binding_text(ctx)) if ctx.message.in_words else (None, "")
    if mobile and _said_name(rest):
        return answer_binding(ctx)
    if mobile and _only_a_mobile(ctx.text):  # "13525670011" alone: with the name said just before, else asked for
        before = clarify.said_before(ctx, _NAME_SAID_BEFORE_SECONDS)
        named = _introduced(before, own=True) or _name_alone(before)
        if named:  # "我是王建华，资深会员，想问问…" or "李小燕" alone, then the mobile
            ctx.goto("bind_mobile", name=named)
            return _check_mobile(ctx, mobile)
        return answer_binding(ctx)
    lettered, rest_lettered = lettered_mobile_and_rest(ctx.text) if ctx.message.in_words else (None, "")
    if mobile is None and lettered and _said_name(rest_lettered):  # "周慧 1360772000l": the name kept, the mobile again
        ctx.goto("bind_mobile", name=_said_name(rest_lettered))
        return _ask("bind_mobile", "mobile_letters")
    name = _introduced(rest)
    if name:  # "我那个会费交了没有啊 我是刘建国": the name kept, the mobile asked for it
        ctx.goto("bind_mobile", name=name)
    number = _MEMBER_NO_SAID.search(normalise(rest).upper()) if ctx.message.in_words else None
    if number and not name:  # "我会员号HNKX201500101", "My member number is HNKX…, name Zhao Li": taken as answers
        return answer_binding(ctx)
    intro = ctx.reply(why or (f"profile.bind_for.{then}" if then else "profile.bind_intro"))
    return intro.with_note(_ask(ctx.flow["step"]).text)


_NAME_SAID_BEFORE_SECONDS = 300  # a name said this soon before a mobile alone is the name it binds with
_NUMBER_WORD = r"新手机号|新手机|新号码|新号|新电话|手机|电话|号码|会员"  # what may follow a name said
_NAME_SAID = re.compile(rf"(名字叫|名字是|姓名是|姓名|我叫|叫|我是)([\u4e00-\u9fff·]{{2,4}}?)(?={_NUMBER_WORD}|[\s,，;；、。]|$)")
_OWN_NAME_SAID = re.compile(rf"(名字叫|名字是|姓名是|我叫|我是|俺叫|俺是|本人)([\u4e00-\u9fff·]{{2,4}}?)(?={_NUMBER_WORD}|[\s,，;；、。]|$)")
_CLAUSE_TAIL = re.compile(r"(?:新手机号|新手机|新号码|新号|新电话|手机号码|手机号|手机|电话|号码)(?:是|为)?$")


def gives_who_they_are(ctx) -> bool:
    """A message of a mobile alone, or of a name and a mobile ("张伟 13607710003", as the binding prompt shows
    it, or "你好 我是谢庄乡卫生院的李春梅 138…"), from a follower not bound yet: who they are, to bind
    (handlers/help.py)."""
    return _says_who(ctx) and find_member_by_openid(ctx.db, ctx.openid) is None


def _says_who(ctx) -> bool:
    if not ctx.message.in_words:
        return False
    mobile, rest = mobile_and_rest(ctx.text)
    if mobile is None:  # "周慧 1360772000l": a name and a mobile with a letter, told so at the binding
        mobile, rest = lettered_mobile_and_rest(ctx.text)
    if mobile is None:
        return False
    plain = re.sub(r"[\s,，;；、。:：]+", "", _CLAUSE_TAIL.sub("", rest.strip(" ,，;；、。:：")))
    return _only_a_mobile(ctx.text) or _is_plain_name(plain) or _named_at_work(rest) is not None \
        or _introduced(rest, own=True) is not None  # "我叫陈志强 新号188…"


def already_bound(ctx) -> Reply | None:
    """"王海波 13703710004" from the member this WeChat is bound to: the binding stands (with the card), not a
    message nobody understood; None for anything else (another mobile is a change or someone else's)."""
    if not _says_who(ctx):
        return None
    member = find_member_by_openid(ctx.db, ctx.openid)
    if member is None or member["mobile"] != mobile_in(ctx.text):
        return None
    return ctx.reply("profile.already_bound", name=member["name"], number=member["member_no"]).with_note(
        _card(ctx, member).text)


@functools.cache
def _named_at_work_pattern() -> re.Pattern:
    """"我是南阳谢庄乡卫生院的李春梅", "我是八中物理老师刘芳": a self-introduction naming where one works or what
    one does (a title or a way of addressing, content/replies/common.toml [answer_shapes]), the name last."""
    shapes = content.replies()["answer_shapes"]
    titles = "|".join(map(re.escape, sorted(shapes["title_endings"] + shapes["person_titles"], key=len, reverse=True)))
    return re.compile(rf"(?:我是|我叫|本人是|俺是)\S*?(?:的|{titles})([\u4e00-\u9fff·]{{2,4}})$")


def _named_at_work(text: str) -> str | None:
    """The name of such an introduction, in the message or in one of its clauses ("您好 我是一高的化学老师刘芳 手机…")."""
    plain = normalise(text).strip(" ,，;；、。:：")
    for said in (plain.replace(" ", ""), *(_CLAUSE_TAIL.sub("", clause) for clause in _CLAUSES.split(plain))):
        found = _named_at_work_pattern().search(said)
        name = found.group(1) if found else ""
        if name and _is_plain_name(name) and tries_value("name", name):
            return name
    return None


_CLAUSES = re.compile(r"[\s,，;；、。:：]+")


def _only_a_mobile(text: str) -> bool:
    """"13525670011", "手机一三六零七七一九九九九": a mobile with nothing else but the word for it."""
    rest = mobile_and_rest(text)[1]
    return not _CLAUSE_TAIL.sub("", re.sub(r"[\s\W_]+", "", rest))


def _binding_text(ctx) -> str:
    """The message without the new value of a change said with it ("原来手机135…，现在换成137…"): the old
    mobile binds, the new one is the change."""
    value = ctx.flow_data.get("change_value")
    return ctx.text.replace(value, " ") if isinstance(value, str) and value else ctx.text


_LATIN_NAME_SAID = re.compile(r"\b(?:my )?name(?: is)?[:：\s]+([A-Za-z]+(?: [A-Za-z]+){1,2})\s*(?:[,.;]|$)", re.IGNORECASE)


def _said_name(text: str) -> str | None:
    """The name in a binding message ("王芳，手机…", "名字叫孙伟手机号…", "我叫刘建国", "刘建华教授"), or
    None when no part of it is a name ("怎么绑定", "那就在这个微信上绑吧", "俺没绑定过", "我是刘教授":
    a title is no name, the roster has the full one)."""
    text = normalise(text)
    if _is_plain_name(text):
        return _without_title(text)
    latin = _LATIN_NAME_SAID.search(text)
    if latin:  # "My member number is HNKX…, name Zhao Li": the whole name, not its last word
        return latin.group(1).strip()
    found = _NAME_SAID.search(text.replace(" ", ""))
    if found and _is_plain_name(found.group(2)) and _without_title(found.group(2)) and (
            found.group(1) != "我是" or tries_value("name", found.group(2))):  # "我是联系人" names no one
        return _without_title(found.group(2))
    if _named_at_work(text):  # "你好 我是谢庄乡卫生院的李春梅"
        return _named_at_work(text)
    clauses = [_CLAUSE_TAIL.sub("", clause) for clause in re.split(r"[\s,，;；、。:：]+", text) if clause]
    names = [_without_title(clause) for clause in clauses if _is_plain_name(clause)]
    names = [name for name in names if name]
    return names[-1] if names else None


def _introduced(text: str, own: bool = False) -> str | None:
    """The name a member gives with 我是 / 我叫 / 名字是 in a request about something else ("会费交了没有啊
    我是刘建国"), when it has a name's shape; None otherwise ("我单位换了，现在在河南大学" names no one).
    `own`: only a name the member says is their own, in a message about no one else ("帮我同事报个名 他叫李秀兰"
    names the colleague: a mobile sent after it is the member's, with their name still to ask)."""
    plain = normalise(text).replace(" ", "")
    if own and any(word in plain for word in content.load_toml("events.toml")["chat"]["for_others_words"]):
        return None
    found = (_OWN_NAME_SAID if own else _NAME_SAID).search(plain)
    name = found.group(2) if found else ""
    return _without_title(name) if name and _is_plain_name(name) and tries_value("name", name) else None


def _name_alone(text: str) -> str | None:
    """"李小燕": a message that is a name and nothing else (a surname of [answer_shapes] first), or None."""
    plain = normalise(text).strip(" 。.!！")
    return plain if _is_plain_name(plain) and tries_value("name", plain) and _without_title(plain) == plain else None


def _without_title(name: str) -> str | None:
    """"刘建华教授" -> 刘建华; "刘教授", "教授" -> None: a surname and a title say who, not the name."""
    shapes = content.replies()["answer_shapes"]
    for title in sorted(shapes["title_endings"] + shapes["person_titles"], key=len, reverse=True):
        if name.endswith(title):
            rest = name[:-len(title)].removeprefix("副").removesuffix("副").removesuffix("高级")
            return rest if len(rest) >= 2 else None
    return name


def _is_plain_name(value: str) -> bool:
    """A name as members type it alone: 2 to 4 characters (or a Latin name), none of them a word
    that says it is something else (content: profile.words.not_a_name)."""
    if not (re.fullmatch(r"[\u4e00-\u9fff·]{2,5}", value) or re.fullmatch(r"[A-Za-z][A-Za-z .\-]{1,28}[A-Za-z]", value)):
        return False
    return not _mentions(value, _texts()["words"]["not_a_name"])


def _clean_member_no(text) -> str:
    value = re.sub(r"\s+", "", read_out_digits(normalise(text))).upper()  # "HNKX二零一七…" read out
    if re.fullmatch(r"1[3-9]\d{8,10}", value):  # "138037123456": a mobile a digit long or short, not a number
        raise Invalid("mobile")
    if mobile_with_letters(value):  # "136O7710001": a mobile with a letter O, not a member number
        raise Invalid("mobile_letters")
    if not re.fullmatch(r"[A-Z0-9\-]{4,32}", value):
        raise Invalid("member_no")
    return value


def _clean_last4(text) -> str:
    value = read_out_digits(normalise(text))  # "零零三幺"
    whole = mobile_in(value)
    if whole:  # the whole mobile where its last four are asked ("The phone is 138…, but I don't use it"): those four
        return whole[-4:]
    if not re.fullmatch(r"\d{4}", value):
        raise Invalid("profile.bad_last4")
    return value


# (step, what it asks for, its check); after the last one the answers are verified.
BINDING_STEPS = (("bind_name", "name", clean_name), ("bind_no", "member_no", _clean_member_no),
                 ("bind_last4", "last4", _clean_last4))
# A member who has forgotten the number: name, then the whole mobile on file instead.
BY_MOBILE = ("bind_mobile", "mobile", clean_mobile)
_BINDING_SHAPES = {"bind_name": "name", "bind_no": "digits", "bind_last4": "digits",
                   "bind_mobile": "mobile"}  # validation.tries_value


_MEMBER_NO_SAID = re.compile(r"[A-Z]{2,8}-?\d{4,12}")


def _forgot_number(text: str) -> bool:
    return _mentions(normalise(text), _texts()["words"]["forgot"])


_AMOUNT = re.compile(r"\d+(?:\.\d+)?\s*(?:块钱|块|元)")


def _payment_details(ctx) -> bool:
    """"上周三微信转的200块" while binding to see one's dues: details of a payment, not a name."""
    return ctx.flow_data.get("then") == "fee_status" and _AMOUNT.search(ctx.text) is not None \
        and mobile_in(ctx.text) is None


def _urgent(ctx) -> bool:
    return ctx.flow_data.get("then") == "fee_status" and _mentions(ctx.text, _texts()["words"]["urgent"])


def _said_while_binding(ctx) -> Reply | None:
    """Binding to check one's dues: payment details are kept for the secretariat to check (a ticket, as
    a transfer receipt is), urgency gets the phone and 人工; the same question follows. None otherwise."""
    step_name = ctx.flow["step"]
    column = update_wanted(ctx.text)
    value = _said_with_request(column, ctx.text) if column else None
    if value is not None:  # "把手机号改成188…": made once bound, no try used; binding goes on with what else is said
        ctx.goto(step_name, change=column, change_value=value)
        if mobile_in(_binding_text(ctx)) is None and not _MEMBER_NO_SAID.search(normalise(ctx.text).upper()):
            then = _binding_waits(ctx) if ctx.flow_data.get("failed") else \
                ctx.reply("profile.bind_first").with_note(_ask(step_name).text)
            return ctx.reply("profile.change_after_binding", changes=_changes_text({column: value})).with_note(then.text)
    if _lost_every_proof(ctx):  # "原来的号记不全了 会员号也忘了": only the secretariat can find them
        return ctx.reply("profile.ask_secretariat", **content.society()["secretariat"])
    if _asks_about_proof(ctx.text) and not re.search(r"\d", ctx.text):  # "收不到验证码", "身份证行不行"
        return ctx.reply("profile.no_code_needed").with_note(_ask(step_name).text)
    if _asks_why_bind(ctx):  # "绑定有什么用": what it opens, then the same question
        return ctx.reply("profile.why_bind").with_note(_ask(step_name).text)
    if _wants_to_pay(ctx):  # "那就交今年的", "好，我马上交": how to pay, binding can wait
        return ctx.reply("profile.pay_while_binding",
                         how_to_pay=how_to_pay_text(ctx.config.pay_enabled)).with_note(_ask(step_name).text)
    if _payment_details(ctx):
        ticket_no = create_ticket(ctx.db, ctx.openid, content.text("tickets.receipt_category"), ctx.text)
        ctx.goto(step_name, payment_ticket=ticket_no)
        return ctx.reply("profile.payment_noted", ticket_no=ticket_no).with_note(_ask(step_name).text)
    if _urgent(ctx):
        return ctx.reply("profile.urgent", **content.society()["secretariat"]).with_note(_ask(step_name).text)
    return None


def _asks_about_proof(text: str) -> bool:
    """"收不到验证码", "身份证后四位可以不", "那个号停了": another proof asked about, or the mobile on file gone."""
    return _mentions(normalise(text), _texts()["words"]["proof"])


def _lost_every_proof(ctx) -> bool:
    """Neither the number nor the mobile on file: said forgotten where the mobile or its last four are asked (the
    number already given up, or never said), or both said forgotten at once."""
    text = normalise(ctx.text)
    if not _forgot_number(text) or mobile_in(text) or _MEMBER_NO_SAID.search(text.upper()):
        return False
    return ctx.flow["step"] in ("bind_mobile", "bind_last4") or _mentions(text, _texts()["words"]["number_names"])


def _wants_to_pay(ctx) -> bool:
    return _mentions(ctx.text, _texts()["words"]["pay_now"]) and mobile_in(ctx.text) is None


def _asks_why_bind(ctx) -> bool:
    return _mentions(ctx.text, _texts()["words"]["why_bind"])


def _tries_binding(ctx) -> bool:
    step_name = ctx.flow["step"]
    return _asks_why_bind(ctx) or _asks_about_proof(ctx.text) or _lost_every_proof(ctx) or update_wanted(ctx.text) \
        or _wants_to_pay(ctx) or _payment_details(ctx) or _urgent(ctx) or tries_value(_BINDING_SHAPES[step_name], ctx.text) or (
        step_name == "bind_no" and _forgot_number(ctx.text)) or (
        step_name in ("bind_name", "bind_no") and mobile_in(ctx.text) is not None) or _waits_on_binding(ctx)


def _waits_on_binding(ctx) -> bool:
    """Whether a message without the answer asks for what only binding opens ("看看我的会员卡",
    "有效期到啥时候", "还要多久啊", "把单位也改了"), or disputes a failed try ("不可能啊，我交了好几年
    会费了"): binding says why it cannot answer yet and how to get on, instead of refusing it as a
    malformed mobile or answering a request the member's record is needed for without it."""
    if re.search(r"\d", read_out_digits(ctx.text)) or ctx.intent is None:  # also digits read out ("零零三幺")
        return False
    if ctx.flow_data.get("failed") and _mentions(normalise(ctx.text), _texts()["words"]["disputes"]):
        return True
    if ctx.intent.slots.get("reason") in ("greeting", "thanks"):
        return False
    if len(re.sub(r"\W", "", ctx.text)) < 3:  # "编号", "嗯": a malformed answer, asked again
        return False
    own_record = ctx.intent.name == "profile" and not _mentions(ctx.text, _texts()["words"]["bind"])
    return own_record or ctx.intent.name == "unknown"


def _binding_waits(ctx) -> Reply:
    """What binding still needs, said to a member who asked for their record or doubts the roster."""
    step_name = ctx.flow["step"]
    if ctx.flow_data.get("failed"):
        left = MAX_FAILED_BINDINGS_PER_DAY - count_failed_binding(ctx.redis, ctx.openid, now())
        said = ctx.reply("profile.waits_after_mismatch", left=left, **content.society()["secretariat"])
    else:
        said = ctx.reply("profile.waits", **content.society()["secretariat"])
    return said.with_note(_ask(step_name).text)


def answer_binding(ctx):
    """Each binding question: check the answer's form, keep it, ask the next or verify.

    The mobile on file proves the member as the number and its last four digits do, so a
    mobile given at the name or number question ("王建华，13525670011", "13607712345") is
    checked at once. Another request instead ("查会费" at 姓名) is answered and the binding
    paused, by the one rule of bot.conversation (the steps' `tries`); "王宝明" is a name all the same.
    """
    said = _said_while_binding(ctx)
    if said is not None:
        return said
    if _asks_about_proof(ctx.text):  # "HNKX201600001 身份证后四位可以不": the number kept, the question answered
        return Reply(text=content.text("profile.no_code_needed")).with_note(_answer_binding_step(ctx).text)
    return _answer_binding_step(ctx)


def _answer_binding_step(ctx) -> Reply:
    names = [s[0] for s in BINDING_STEPS]
    waits = _waits_on_binding(ctx)
    if ctx.flow["step"] == "bind_mobile":
        number = _MEMBER_NO_SAID.search(normalise(ctx.text).upper())
        if number and mobile_in(ctx.text) is None:  # "会员号 HNKX201500199" where the mobile was asked: that number
            ctx.goto("bind_last4", member_no=number.group())
            return _ask("bind_last4")
        return _binding_waits(ctx) if waits else _answer_mobile(ctx)
    index = names.index(ctx.flow["step"])
    if index < 2:
        mobile, rest = mobile_and_rest(_binding_text(ctx))
        number = _MEMBER_NO_SAID.search(normalise(rest).upper())
        if index == 0 and number and not mobile:  # "HNKX201900106" at the name: the number kept, the name asked
            ctx.goto("bind_name", member_no=number.group())
            rest = rest.upper().replace(number.group(), " ")
        name = _said_name(rest)
        if index == 0 and name is None and number and not mobile:
            return ctx.reply("profile.name_for_member_no", member_no=number.group()).with_note(_ask("bind_name").text)
        if index == 0 and name is None and mobile and ctx.flow_data.get("member_no"):
            return _check_number_and_mobile(ctx, mobile)  # the number said before, the whole mobile now: proof
        if index == 0 and name is None:
            return _no_name_yet(ctx, mobile, waits)
        mobile = mobile or (ctx.flow_data.pop("mobile_said", None) if name and index == 0 else None)
        if name and (index == 0 or mobile):
            ctx.goto(ctx.flow["step"], name=name)
        if mobile:
            ctx.goto("bind_mobile")
            return _check_mobile(ctx, mobile)
        if index == 0 and ctx.flow_data.get("member_no"):  # the number said before the name: its last four next
            ctx.goto("bind_last4")
            return _ask("bind_last4")
        if index == 0:
            ctx.goto("bind_no")
            return _ask("bind_no")
    if index == 1 and _forgot_number(ctx.text):
        ctx.goto("bind_mobile")
        return ctx.reply("profile.forgot_number").with_note(_ask("bind_mobile").text)
    if waits and (index > 0 or name is None):
        return _binding_waits(ctx)
    _, key, clean = BINDING_STEPS[index]
    try:
        ctx.goto(ctx.flow["step"], **{key: clean(ctx.text)})
    except Invalid as refused:
        return _ask(names[index], refused.reason)
    if index + 1 < len(names):
        ctx.goto(names[index + 1])
        return _ask(names[index + 1])
    return _verify_binding(ctx)


def _no_name_yet(ctx, mobile: str | None, waits: bool) -> Reply:
    """The name question answered without a name: a change wanted before binding ("新号是156…",
    "单位也改了") or a record asked for is told binding comes first; a mobile alone ("李教授
    13598760001", "我是联系人 手机136…") is kept and the name asked for; otherwise how to bind."""
    if ctx.flow_data.get("change") or update_wanted(ctx.text) or (waits and not _mentions(ctx.text, _texts()["words"]["bind"])):
        return _binding_waits(ctx)
    if mobile:
        ctx.goto("bind_name", mobile_said=mobile)
        return ctx.reply("profile.name_for_mobile", mobile=mask_mobile(mobile)).with_note(_ask("bind_name").text)
    return ctx.reply("profile.name_hint").with_note(_ask("bind_name").text)


def _answer_mobile(ctx) -> Reply:
    """Name and the mobile on file bind a member who has forgotten the number; a wrong mobile
    is asked again on its own (the name is kept; "返回上一步" changes it)."""
    mobile = mobile_in(ctx.text)
    if mobile is None:
        return _ask("bind_mobile", "mobile_letters" if lettered_mobile_and_rest(ctx.text)[0] else "mobile")
    return _check_mobile(ctx, mobile)


def _check_mobile(ctx, mobile: str) -> Reply:
    if _limit_reached(ctx):
        ctx.end_flow()
        return ctx.reply("profile.limit")
    found = [m for m in find_members_by_mobile(ctx.db, mobile) if _same_name(m["name"], ctx.flow_data["name"])]
    if len(found) != 1:
        return _failed_try(ctx, "profile.mobile_mismatch", "bind_mobile")
    return _bind(ctx, found[0])


def _check_number_and_mobile(ctx, mobile: str) -> Reply:
    """The member number said before and the whole mobile on file now prove the member as a name and the
    mobile do ("我会员号HNKX201500101", then "13607719999"): bound, not asked for the name as well."""
    if _limit_reached(ctx):
        ctx.end_flow()
        return ctx.reply("profile.limit")
    member = find_member_by_no(ctx.db, ctx.flow_data["member_no"])
    if member is None or normalise(member.get("mobile") or "") != mobile:
        return _failed_try(ctx, "profile.mismatch", "bind_name")
    return _bind(ctx, member)


def unbound_member_given(ctx, name: str | None, mobile: str | None) -> dict | None:
    """The roster's member a name and mobile given for something else (a registration) prove, when the follower is
    not bound and that member has no WeChat bound: the binding worth offering; None otherwise."""
    if not name or not mobile or find_member_by_openid(ctx.db, ctx.openid) is not None:
        return None
    found = [m for m in find_members_by_mobile(ctx.db, mobile) if _same_name(m["name"], name) and not m["openid"]]
    return found[0] if len(found) == 1 else None


def offer_binding(ctx, member: dict) -> str:
    """The line offering to bind the member just proved by their name and mobile; "好" next binds."""
    offers.make(ctx, f"绑定 {member['name']} {member['mobile']}", intent="profile")
    return content.text("profile.bind_offer", name=member["name"])


def back_in_binding(ctx) -> Reply:
    """"返回上一步" in binding: the question before, asked again."""
    order = ["bind_name", "bind_no", "bind_last4"]
    current = ctx.flow["step"]
    previous = "bind_name" if current in ("bind_mobile", "bind_name") else order[order.index(current) - 1]
    ctx.goto(previous)
    return _ask(previous)


def _same_name(a: str, b: str) -> bool:
    """The name on the roster and the name said, also spelt in pinyin by a member abroad ("Zhao Li", "Li Zhao"
    for 赵丽: the surname first or last)."""
    def squeeze(name):
        return re.sub(r"[\s·.\-]", "", normalise(name)).casefold()
    if squeeze(a) == squeeze(b):
        return True
    chinese, latin = (a, b) if re.search(r"[\u4e00-\u9fff]", a) else (b, a)
    if not re.fullmatch(r"[A-Za-z][A-Za-z .\-]*", latin.strip()):
        return False
    readings = [main_reading(ch) for ch in squeeze(chinese)]
    return all(readings) and squeeze(latin) in ("".join(readings), "".join(readings[1:] + readings[:1]))


def _proves(member: dict | None, name: str, last4: str) -> bool:
    mobile = (member or {}).get("mobile") or ""
    return member is not None and _same_name(member["name"], name) and len(mobile) >= 4 \
        and mobile[-4:] == last4


def _verify_binding(ctx) -> Reply:
    """Bind on proof; a wrong combination and an unknown number get the same answer."""
    data = ctx.flow_data
    if _limit_reached(ctx):  # also refuses the right answer once the day's tries are used
        ctx.end_flow()
        return ctx.reply("profile.limit")
    member = find_member_by_no(ctx.db, data["member_no"])
    if not _proves(member, data["name"], data["last4"]):
        return _failed_try(ctx, "profile.mismatch", "bind_name")
    return _bind(ctx, member)


def _failed_try(ctx, said: str, again: str) -> Reply:
    """A try that proved nothing: counted against the day's limit, then the step `again` asked again with
    the tries left, or the limit said and the binding ended."""
    left = MAX_FAILED_BINDINGS_PER_DAY - record_failed_binding(ctx.redis, ctx.openid, now())
    if left <= 0:
        ctx.end_flow()
        return ctx.reply("profile.limit")
    ctx.goto(again, failed=True)
    return ctx.reply(said, left=left).with_note(_ask(again).text)


def _bind(ctx, member: dict) -> Reply:
    then, change, value = ctx.flow_data.get("then"), ctx.flow_data.get("change"), ctx.flow_data.get("change_value")
    ctx.end_flow()
    if member["openid"] and member["openid"] != ctx.openid:
        return ctx.reply("profile.bound_elsewhere")
    member = update_member(ctx.db, member["id"], {"openid": ctx.openid},
                           actor=f"openid:{ctx.openid}", action="bound")
    if give_default_subscriptions(ctx.db, ctx.openid):
        delivery.sync_tags_later(ctx.redis, ctx.openid, topics_of(ctx.db, ctx.openid))
    if then:  # what the member came for (the intent fee_status: their dues), not the whole card
        return ctx.reply("profile.bound").with_note(INTENT_HANDLERS[then](ctx).text)
    if change and value is not None:  # "单位换了，现在在河南大学" before binding: made now
        return ctx.reply("profile.bound").with_note(_updated(ctx, member, change, value).text)
    if change:  # "我换手机号了": bound now, the change it came for is asked
        return ctx.reply("profile.bound").with_note(_start_update(ctx, change).text)
    return ctx.reply("profile.bound").with_note(_card(ctx, member).text)


# --- updates -----------------------------------------------------------------

_CHANGED_TO = re.compile(r"^.*?(?:改成|改为|换成|换到|调到|现在是|现在在|新单位是|新单位|单位是|应该是|应为|正确的是|新的是|新号码是|新号是|新邮箱是|新手机号|新手机|新号码|新号|新电话)")


def _new_unit(text) -> str:
    """"单位改成郑州轻工业大学" -> 郑州轻工业大学: the unit, not the sentence around it."""
    said = _CHANGED_TO.sub("", normalise(text)).strip(" ，,。了")
    return unit_in(said) or clean_text(said, "work_unit")


def _new_title(text) -> str:
    """"职称也改一下，现在是教授了" -> 教授."""
    return clean_title(_CHANGED_TO.sub("", normalise(text)))


UPDATES = {
    "mobile": lambda text: mobile_in(text) or clean_mobile(text),  # "新号 186 3712 0099"
    "email": lambda text: email_and_rest(text)[0] or clean_email(text),  # "改成a@b.cn，谢谢"
    "work_unit": _new_unit,
    "title": _new_title,
    "gender": clean_gender,  # "女", "我是女的"
}
_SHAPES = {"mobile": "mobile", "email": "email", "work_unit": "unit", "title": "title"}  # see validation.tries_value


def _said_with_request(column: str, text: str):
    """The new value when the request already gives it ("职称也改一下，现在是教授了", "性别填错了，我是女的"),
    else None: then it is asked for."""
    if column == "gender":
        return gender_in(text)
    if column == "email" and email_and_rest(text)[0]:  # "邮箱换了 新的ljg@163.com": an address is the new one
        return email_and_rest(text)[0]
    if not _CHANGED_TO.match(normalise(text)):
        return None
    said = _CHANGED_TO.sub("", normalise(text), count=1)  # "原来135…，现在换成137…": the new one
    try:
        ends = r"[\s，,。；;！!]" if column in ("title", "work_unit") else r"[，,。；;！!]"  # a mobile may have spaces
        return UPDATES[column](re.split(ends, said.strip())[0])  # "应该是研究员，你们写成副研究员了"
    except Invalid:
        return None


def update_wanted(text: str) -> str | None:
    """"修改手机", "change my email" -> "mobile", "email"; None when the member did not ask to change something."""
    words, text = _texts()["words"], english_read(text)
    if not _mentions(text, words["change"]):
        return None
    return next((column for column, names in words["fields"].items() if _mentions(text, names)),
                None)


def _said_in_clauses(text: str) -> dict:
    """Each change said with its new value in a clause of its own ("我调到郑州了，手机也换了，单位现在是郑州轻工
    业大学": the unit; the mobile has none): {column: value}."""
    fields, found = _texts()["words"]["fields"], {}
    for clause in re.split(r"[，,。；;！!]", normalise(text)):
        column = next((column for column, names in fields.items() if _mentions(clause, names)), None)
        value = _said_with_request(column, clause) if column and column not in found else None
        if value is not None:
            found[column] = value
    return found


def _start_update(ctx, column: str) -> Reply:
    if ctx.message.in_words and column == "mobile" and mobile_of_someone_else(ctx):  # "把我同事的手机改成…"
        return ctx.reply("profile.someone_elses_change", **content.society()["secretariat"])
    value = _said_with_request(column, ctx.text) if ctx.message.in_words else None
    if value is not None:
        return _updated(ctx, find_member_by_openid(ctx.db, ctx.openid), column, value)
    others = _said_in_clauses(ctx.text) if ctx.message.in_words else {}
    if column in others:  # "单位改成…，手机换成139…": every change made at once
        return _updated(ctx, find_member_by_openid(ctx.db, ctx.openid), column, others.pop(column), others)
    if others:  # the change said with its value kept while the one without is asked for
        update_member(ctx.db, find_member_by_openid(ctx.db, ctx.openid)["id"], others, actor=f"openid:{ctx.openid}")
    ctx.start_flow(FLOW, f"update_{column}")
    letters = column == "mobile" and ctx.message.in_words and mobile_with_letters(
        _CHANGED_TO.sub("", normalise(ctx.text), count=1))  # "手机号改成139abcd1234": why it was not taken
    asked = _ask(f"update_{column}", "mobile_letters" if letters else None)
    return Reply(text=_kept_text(others)).with_note(asked.text) if others else asked


def _kept_text(changes: dict) -> str:
    """已记下工作单位：郑州轻工业大学 (mobiles masked)."""
    return content.text("profile.kept_changes", changes=_changes_text(changes))


def _changes_text(changes: dict) -> str:
    names = content.replies()["cli_labels"]["fields"]
    return "；".join(f"{names.get(column, column)}：{mask_personal(str(value))}" for column, value in changes.items())


def _updated(ctx, member: dict, column: str, value, others: dict | None = None) -> Reply:
    member = update_member(ctx.db, member["id"], {**(others or {}), column: value}, actor=f"openid:{ctx.openid}")
    return ctx.reply("profile.updated").with_note(_card(ctx, member).text)


def answer_update(ctx):
    """A new mobile, email or work unit: validated, saved with history, then the card.

    Another request instead ("查会费") leaves the update, as a member who moves on leaves
    any one-question step, rather than being refused as a malformed value until 取消.
    """
    column = ctx.flow["step"].removeprefix("update_")
    if is_one_of(ctx.text, "yes_words"):  # "是的": no value, never stored as the unit
        return ctx.reply("profile.value_please").with_note(_ask(ctx.flow["step"]).text)
    if column == "mobile" and mobile_of_someone_else(ctx):  # "我同事葛建新的手机是135…": kept off her record
        return ctx.reply("profile.someone_elses_mobile").with_note(_ask(ctx.flow["step"]).text)
    try:
        value = UPDATES[column](ctx.text)
    except Invalid as refused:
        return _ask(ctx.flow["step"], refused.reason)
    ctx.end_flow()
    member = find_member_by_openid(ctx.db, ctx.openid)
    if member is None:  # unbound by the secretariat meanwhile
        return show_profile(ctx)
    return _updated(ctx, member, column, value)


def _tries_update(ctx) -> bool:
    column = ctx.flow["step"].removeprefix("update_")
    if column == "mobile" and mobile_of_someone_else(ctx):  # "他是我老同事 手机135…": another request, not her number
        return False
    return gender_in(ctx.text) is not None if column == "gender" else tries_value(_SHAPES[column], ctx.text)


_HOLDER = re.compile(r"([\u4e00-\u9fff]{2,4})的(?:手机|电话|号码|号|会费|会员|联系方式)")


def mobile_of_someone_else(ctx) -> bool:
    """Whether the mobile a message says is another person's: the message speaks of someone else ("他是我老同事
    手机135…", "老伴的号码是…", content: profile.words.someone_else) or names a holder who is not the member
    ("葛建新的手机是…"). Such a number is never taken as the member's own."""
    text, words = normalise(ctx.text), _texts()["words"]
    if mobile_in(text) is None:
        return False
    plain = text.lower()
    for word in words["not_someone_else"]:
        plain = plain.replace(word, " ")
    if _mentions(plain, words["someone_else"]):
        return True
    own = (find_member_by_openid(ctx.db, ctx.openid) or {}).get("name") or ""
    return any(_names_another(holder, own) for holder in _HOLDER.findall(text))


def _names_another(holder: str, own: str) -> bool:
    """Whether the words before "的手机" end in a person's name that is not the member's own ("我同事葛建新" ->
    葛建新, "小王"); not words of when or which ("我现在", "换了新", "现在用": her own new number)."""
    ends = [holder[-size:] for size in (4, 3, 2) if len(holder) >= size]
    return any(end not in own and (tries_value("name", end) or re.fullmatch(r"[老小][\u4e00-\u9fff]", end))
               for end in ends)


def _register_steps() -> None:
    for name, _, _ in (*BINDING_STEPS, BY_MOBILE):
        step(FLOW, name, reads_only=True, prompt=f"profile.ask.{name}", tries=_tries_binding, own_intents=("profile",),
             back=back_in_binding)(answer_binding)
    for column in UPDATES:
        step(FLOW, f"update_{column}", reads_only=True, prompt=f"profile.ask.update_{column}", tries=_tries_update,
             own_intents=("profile",))(answer_update)


_register_steps()
