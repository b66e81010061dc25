"""`feedback`: a member's suggestion, complaint or request becomes a numbered ticket.

A long first message ("公众号文章打不开，请处理") is already the content, so it
is offered back for confirmation instead of asking again. A short one that
asks after earlier tickets ("我的诉求") is answered by handlers/tickets/chat.py.
"""
import re

from bot import clarify, content
from bot.conversation import (answer_intent, answer_while_paused, asks_something_else, number_alone, says_yes,
                               starts_a_request)
from bot.registry import handles, step
from bot.validation import looks_like_a_question, only_acknowledges
from handlers.events import chat as events
from handlers.fees import chat as fees
from handlers.human import chat as human
from handlers.human import office_hours
from handlers.tickets import chat as tickets
from storage.tickets import create_ticket, latest_open_ticket


def _rules() -> dict:
    return content.load_toml("conversation.toml")["feedback"]


def asks_who_will_know(text: str) -> bool:
    """"会不会有人知道是我提的": who sees a complaint, asked after (or before) making one."""
    return any(word in text for word in _rules()["identity_words"])


def _category(body: str) -> str:
    for category, words in _rules()["categories"].items():
        if any(word in body for word in words):
            return category
    return "其他"


@handles("feedback", menu="MENU_FEEDBACK", reads_only=True)
def start_feedback(ctx):
    if tickets.asks_for_own(ctx.text):
        return tickets.show_own(ctx)
    if ctx.message.kind != "event" and only_acknowledges(ctx.text):  # "对 没问题": a closing word, no feedback
        return ctx.reply("smalltalk.ok")
    if ctx.message.kind != "event" and _submits_nothing(ctx.text):  # "没问题 提交" with no form open
        return ctx.reply("feedback.nothing_to_submit")
    fixing = events.fix_if_asked(ctx) if ctx.message.kind != "event" else None
    if fixing is not None:  # "报名的时候电话号码我打错了": the registration corrected, no complaint
        return fixing
    if ctx.message.kind != "event" and len(ctx.text) < _rules()["draft_min_chars"] and fees.asks_for_invoice(ctx.text):
        return fees.start_invoice(ctx)  # "开个收据" heard as a request for the secretariat: the invoice's details
    if ctx.message.kind != "event" and asks_who_will_know(ctx.text):
        return ctx.reply("feedback.identity", **content.society()["secretariat"])  # no new feedback started
    if ctx.message.kind != "event" and any(word in ctx.text for word in _rules()["anonymous_words"]):
        ctx.start_flow("feedback", "body")  # "我想匿名反映一个问题": who sees it, then the problem
        return ctx.reply("feedback.anonymous")
    if ctx.message.kind != "event" and tickets.urges(ctx.text) and _mentions_earlier(ctx.text):
        if latest_open_ticket(ctx.db, ctx.openid) is not None:
            return tickets.urge(ctx)  # "上个月投诉的事还没人理": sorry, and a person on the ticket
        ctx.start_flow("feedback", "confirm", body=ctx.text)  # one not made here: sorry, and the chase-up drafted
        return ctx.reply("feedback.chase_up_draft", body=ctx.text)
    if ctx.message.kind != "event" and _is_the_feedback_itself(ctx.text):
        ctx.start_flow("feedback", "confirm", body=ctx.text)
        return ctx.reply("feedback.confirm_draft", body=ctx.text)
    ctx.start_flow("feedback", "body")
    return ctx.reply("feedback.ask")


def _mentions_earlier(text: str) -> bool:
    """"上个月投诉的事", "之前反映的": an earlier complaint spoken of."""
    return any(word in text for word in _rules()["earlier_words"])


@handles(events=(f"{clarify.ANY_READING}nothing_to_submit",), reads_only=True)
def nothing_to_submit(ctx):
    """"没问题 提交" with no form open: nothing waits to be submitted, whichever request the router weighs
    (feedback, a sign-up); None for anything else."""
    return ctx.reply("feedback.nothing_to_submit") if ctx.flow is None and _submits_nothing(ctx.text) else None


def _submits_nothing(text: str) -> bool:
    """"没问题 提交", "确认提交" when nothing waits to be submitted (a form that never started); not a closing word
    alone ("对 没问题", "嗯对")."""
    plain, words = _MARKS.sub("", text), _rules()["submit_words"]
    if not content.holds_any(plain, words):  # most messages: no submit word
        return False
    rest = plain
    for word in sorted(words, key=len, reverse=True):
        rest = rest.replace(word, "")
    return plain != rest and not rest and not only_acknowledges(text)


_MARKS = re.compile(r"[\s\W_]+")


def _is_the_feedback_itself(text: str) -> bool:
    """A first message that says what is wrong ("会场的无线网络经常断线") is the feedback itself,
    to confirm; one that only asks to give feedback ("我想提个建议", "我要投诉") is not."""
    rules = _rules()
    if len(text.split()) <= rules["start_en_max_words"] and any(phrase in text.lower() for phrase in rules["start_phrases_en"]):
        return False  # "I'd like to give some feedback"
    if len(text) >= rules["draft_min_chars"]:
        return True
    return len(text) >= rules["min_chars"] and not any(word in text for word in rules["start_words"])


def _tries_body(ctx) -> bool:
    """A message that says what is wrong or wished ("会费太贵了，建议…", "报名页面一直打不开") is the
    feedback itself, whatever else it mentions; otherwise one of some length is, unless it is a
    question or a request ("等一下，年会是几号开啊", "帮我报名科研项目申报培训") for something else by
    the engine's one rule: that is answered, the feedback form waiting."""
    rules = _rules()
    if _says_what_is_wrong(ctx.text):
        return True
    if len(ctx.text) < rules["draft_min_chars"]:
        return False
    asks = looks_like_a_question(ctx.text) or starts_a_request(ctx.text)
    return not (asks and asks_something_else(ctx, False, ("feedback",)))  # "某培训班收费没有开票" is the feedback


def _says_what_is_wrong(text: str) -> bool:
    """Words of a complaint, a plea or a wish (content/conversation.toml [feedback.categories])."""
    return any(word in text for words in _rules()["categories"].values() for word in words)


def _tries_draft(ctx) -> bool:
    """A yes, the feedback again, how long it will take ("这个一般多久能处理": the draft's own question),
    a person asked for, or an earlier ticket chased."""
    return _sends(ctx.text) or _tries_body(ctx) or _asks_how_long(ctx.text) or wants_a_person(ctx.text) or \
        _chases_earlier(ctx)


def _sends(text: str) -> bool:
    """"确认", "好的 提交吧", or the "1" the draft's card offers."""
    return says_yes(text) or number_alone(text) == "1"


def _chases_earlier(ctx) -> bool:
    """"上次那个也一直没回我" while a new one waits to be confirmed: the member's earlier ticket chased."""
    return tickets.urges(ctx.text) and _mentions_earlier(ctx.text) and latest_open_ticket(ctx.db, ctx.openid) is not None


def wants_a_person(text: str) -> bool:
    """"别跟我整机器人那一套 我要找人", "让你们负责人给我打电话": a complaint that asks for a person."""
    return any(word in text for word in _rules()["person_words"])


def _hand_over(ctx, said: str):
    """The complaint and the ask for a person go to the secretariat's staff as one request for a person."""
    ctx.end_flow()
    human.pass_on(ctx, said)
    return ctx.reply("feedback.handed_over").with_note(
        content.text("human.when", when=office_hours.when_text(human.now())))


def _asks_how_long(text: str) -> bool:
    return looks_like_a_question(text) and any(word in text for word in _rules()["progress_words"])


@step("feedback", "body", reads_only=True, prompt="feedback.ask", tries=_tries_body, own_intents=("feedback",))
def take_body(ctx):
    if wants_a_person(ctx.text):
        return _hand_over(ctx, ctx.text)
    return _submit(ctx, ctx.text)


def _draft_prompt(ctx):
    """The draft waiting to be confirmed, in one line, as the member comes back to it or is reminded of it."""
    return ctx.reply("feedback.confirm_waiting", body=ctx.flow_data["body"])


@step("feedback", "confirm", reads_only=True, confirms=True, numbers=("1",), prompt=_draft_prompt, tries=_tries_draft,
      own_intents=("feedback",))
def confirm_draft(ctx):
    """Confirmed: the draft. A whole new text replaces it; a remark shorter than the draft ("都一个月了！",
    "编号不记得了 反正就是年会住宿的事") is added to it, never put in its place."""
    if _sends(ctx.text):
        return _submit(ctx, ctx.flow_data["body"])
    if wants_a_person(ctx.text):
        return _hand_over(ctx, f"{ctx.flow_data['body']}\n{ctx.text}")
    if _chases_earlier(ctx):
        return answer_while_paused(ctx, lambda: tickets.urge(ctx))  # "上次那个也一直没回我": that one chased, this draft waits
    if looks_like_a_question(ctx.text) and not _says_what_is_wrong(ctx.text):  # "这个一般多久能处理": no part of it
        if _asks_how_long(ctx.text):
            return ctx.reply("feedback.how_long").with_note(content.text("feedback.confirm_draft", body=ctx.flow_data["body"]))
        return answer_while_paused(ctx, lambda: answer_intent(ctx))
    if len(ctx.text.strip()) < _rules()["min_chars"]:  # "我的诉求", "会员卡": no part of the draft nor one of its own
        return answer_while_paused(ctx, lambda: answer_intent(ctx))
    if _rules()["min_chars"] <= len(ctx.text) < max(_rules()["draft_min_chars"], len(ctx.flow_data["body"])):
        return _submit(ctx, f"{ctx.flow_data['body']}\n{ctx.text}")  # shorter than the draft: more of it, not its rewrite
    return _submit(ctx, ctx.text)


def _submit(ctx, body: str):
    rules = _rules()
    if len(body) < rules["min_chars"]:
        ctx.goto("body")
        return ctx.reply("feedback.too_short")
    if len(body) > rules["max_chars"]:
        ctx.goto("body")
        return ctx.reply("feedback.too_long", limit=rules["max_chars"])
    ticket_no = create_ticket(ctx.db, ctx.openid, _category(body), body)
    ctx.end_flow()
    if ctx.flow is None:  # "多久给我答复" next is about this ticket (tickets.after_submitting)
        ctx.start_flow("feedback", "submitted", ticket_no=ticket_no)
    return ctx.reply("feedback.done", ticket_no=ticket_no)
