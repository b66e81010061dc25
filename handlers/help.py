"""What the bot can do: the answer to `help`, and to anything it did not understand.

The full list of services is shown on 帮助 (or the menu) and after a real miss; small talk
("你好", "在吗", "好的", "谢谢", an emoji or a sticker) gets one friendly line instead.
"""
import re
from functools import lru_cache

from bot import clarify, content, offers, paging
from bot.messages import Reply
from bot.registry import handles, step
from bot.router import normalize, tokenize
from bot.validation import asks_something, looks_like_a_question, only_acknowledges
from handlers.events import chat as events
from handlers.events.registration import refunds_owed_lines
from handlers.human import chat as human
from handlers.human import office_hours
from handlers.fees import chat as fees
from handlers.fees import dues
from handlers.jobs import chat as jobs
from handlers.members import profile, signup
from handlers.tickets import feedback
from storage import state
from storage.fees import find_payer_by_openid


def _words() -> dict:
    return content.replies()["smalltalk"]


@lru_cache(maxsize=256)  # a message is read so by several checks
def _plain(text: str) -> str:
    return _MARKS.sub("", (text or "").lower())


_MARKS = re.compile(r"[\s\W_]+")


def _small_talk(text: str) -> str | None:
    """The content key of one friendly line for small talk, or None when the member asked for help."""
    plain, words = _plain(text), _words()
    if plain in words["help_words"] or any(word in plain for word in words["help_phrases"]):
        return None
    if any(word in plain for word in words["thanks_words"]):
        return "clarify.thanks"
    if plain in words["ok_words"]:
        return "smalltalk.ok"
    return _greeting(text)


def _greeting(text: str) -> str:
    """"hello" alone says no language yet: greeted in both (in English once the member wrote it)."""
    return "smalltalk.greeting" if re.search(r"[\u4e00-\u9fff]", text or "") else "smalltalk.greeting_latin"


def acknowledges_first(text: str) -> bool:
    """"好吧，尽快", "行吧 那就这样": words of assent, then a few words that ask nothing new."""
    plain = _plain(text)
    lead = next((word for word in sorted(_words()["ack_leads"], key=len, reverse=True) if plain.startswith(word)), None)
    return lead is not None and 0 < len(plain) - len(lead) <= _words()["ack_tail_chars"] \
        and not looks_like_a_question(text)


@handles("help", menu="MENU_HELP", reads_only=True)
def show_help(ctx):
    if ctx.message.kind != "event" and events.asks_by_period(ctx):  # "下半年有什么" read as a greeting
        return events.show_events(ctx)
    if ctx.message.kind != "event" and asks_if_anyone_there(ctx.text):
        return _anyone_there(ctx)
    line = None if ctx.message.kind == "event" else _small_talk(ctx.text)
    return ctx.reply(line) if line else _menu(ctx, "help.text")


_MENU_LINE = re.compile(r"^\s*(\d+)\.\s*[^：:]+[：:]\s*回复“([^”]+)”", re.M)


def _menu(ctx, key: str) -> Reply:
    """The reply `key` that lists what the bot can do (content menu.capabilities, numbered); with no form
    open, a number (or "第二个") next does what that line says to reply."""
    if ctx.flow is None:
        commands = {number: command for number, command in _MENU_LINE.findall(content.text("menu.capabilities"))}
        ctx.start_flow("help", "menu", commands=commands)
    return ctx.reply(key)


@step("help", "menu", reads_only=True, prompt="smalltalk.ok", lapses=True, next_message_only=True)
def menu_choice(ctx):
    """Right after the menu (the next message only): a line's number does that line; anything else is answered
    as usual."""
    number = paging.chosen_number(ctx.text)
    command = ctx.flow_data["commands"].get(str(number)) if number is not None else None
    ctx.end_flow()
    if command:
        return offers.carry_out(ctx, {"command": command})
    return clarify.outside_a_flow(ctx) or ctx.answer_by_intent()  # as if no menu had been shown


def asks_if_anyone_there(text: str) -> bool:
    """"现在是周六 有人吗", "周末有人值班吗": whether a person is there now."""
    return any(word in _plain(text) for word in _words()["anyone_there_words"])


def _anyone_there(ctx):
    """The assistant is always there; when the secretariat's staff are, and the phone for urgent things."""
    return ctx.reply("smalltalk.anyone_there", when=office_hours.when_text(human.now()),
                     **content.society()["secretariat"])


@handles("unknown", reads_only=True)
def not_understood(ctx):
    reason = ctx.intent.slots.get("reason") if ctx.intent is not None else None
    if reason == "thanks":
        return ctx.reply("clarify.thanks")  # also when a list was open (bot/clarify.py answers it otherwise)
    if reason == "greeting":  # 你好 mid-form: greeted back, the form's reminder follows
        return _anyone_there(ctx) if asks_if_anyone_there(ctx.text) else ctx.reply(_greeting(ctx.text))
    if not _plain(normalize(ctx.text)):  # only emoji, a sticker's [微笑], punctuation
        return ctx.reply("smalltalk.emoji")
    if only_acknowledges(ctx.text) or acknowledges_first(ctx.text):  # "对", "好吧，尽快": not the whole menu
        return ctx.reply("smalltalk.ok")
    if ctx.flow is None and fees.doubts_the_fee(ctx):  # "不对吧，我记得没这么多" after the fee
        return fees.fee_doubted(ctx)
    if events.about_events(ctx) or events.asks_by_period(ctx):  # "下个月郑州的会", "下半年有什么"
        return events.show_events(ctx)
    mine = events.show_mine_if_asked(ctx) or events.colleague_if_asked(ctx) or events.fix_if_asked(ctx)
    # "签到码忘了", "能再加一个同事吗", "报名时手机号填错了"
    if mine is not None:
        return mine
    if ctx.flow is None and profile.gives_who_they_are(ctx):  # "13525670011", "张伟 13607710003": binding
        return profile.bind_then_change(ctx) or profile.start_binding(ctx)  # "我叫陈志强 新号188…": then the change
    bound = profile.already_bound(ctx) if ctx.flow is None else None
    if bound is not None:  # the same again once bound
        return bound
    fee = fees.category_follow_up(ctx) if ctx.flow is None else None  # "学生呢" after the fee table
    if fee is not None:
        return fee
    if feedback.asks_who_will_know(ctx.text):  # "会不会有人知道是我提的" after a complaint
        return ctx.reply("feedback.identity", **content.society()["secretariat"])
    added = fees.details_for_request(ctx) if ctx.flow is None else None
    if added is not None:  # "91410100MA44ABCD1X" a while after the invoice request: added to it, as promised
        return added
    answered = common_question(ctx.text)
    if answered is not None:  # "发票开好了吗", "帮我续一年": its answer, not the menu
        return Reply(text=answered)
    if (ctx.flow is None or ctx.flow.get("paused")) and fees.asks_for_invoice(ctx.text):  # "发票" alone: how to ask
        return fees.start_invoice(ctx)
    if ctx.flow is not None and ctx.flow.get("paused"):  # a question mid-form: short, the reminder follows
        return ctx.reply("unknown.in_form")
    if asks_something(ctx.text):  # "停车方便不", "宽限期过了会咋样": said plainly not known here, and whom to ask
        return ctx.reply("unknown.question")
    return _menu(ctx, "unknown.text")


def common_question(text: str) -> str | None:
    """The answer to a common question no capability holds ([[unknown.questions]]: invoice progress, renewing, a
    student who graduates), or None."""
    question = content.question_asked(content.replies()["unknown"]["questions"], _plain(text))
    return question["answer"].format(**content.society()["secretariat"]) if question else None


@handles(events=("text:about_society",), reads_only=True)
def about_society(ctx):
    """"学会在哪里", "周末上班吗", "有没有会员微信群": a question about the society itself, answered from
    content/ ([[about.questions]]) whatever the router guessed; None when the message is none of them."""
    question = _about_asked(ctx.text, lambda: state.recent_topic(ctx.turn))
    if question is None or (ctx.flow is not None and f"{ctx.flow['name']}/{ctx.flow['step']}" in question.get("defers_to", ())):
        return None
    if question.get("unbound_only") and find_payer_by_openid(ctx.db, ctx.openid) is not None:
        return None  # "我们单位的会费交了没" from the unit's own WeChat: its dues, as asked  # "多久能挂出来" right after a posting was passed on: that step's own answer, with its number
    if question.get("then_flow"):  # "收费不" after how to post: the posting's details are still taken next
        ctx.start_flow(*question["then_flow"])
    topic = question.get("topic") or question.get("after")
    if topic:  # "我已经转了300了" after a fraud warning: read with it (entries `after` the topic)
        state.remember_topic(ctx.redis, ctx.openid, topic)
    if question.get("hand_over"):  # a fraud report, a request to delete one's data: the secretariat gets it
        human.pass_on(ctx, ctx.text)
    if question.get("reply"):  # another capability's own answer ("news.how_often")
        return ctx.reply(question["reply"], **content.society()["secretariat"])
    if question.get("answer_from") == "anyone_there":  # "有人吗": the assistant is, and when the staff are
        return _anyone_there(ctx)
    if question.get("answer_from") == "invoice":  # "我要开发票": the invoice's details asked
        return fees.start_invoice(ctx)
    if question.get("answer_from") == "receipt" and (shown := fees.receipt_page(ctx)):  # "收据在哪看": its page
        return shown
    if question.get("answer_from") == "leave":  # "我会费交到2028年了 退会的话多交的钱退不退": leaving, one answer
        return profile.leaving(ctx)
    if question.get("bound_answer_from") == "fees" and find_payer_by_openid(ctx.db, ctx.openid) is not None:
        return fees.fee_status(ctx)  # "欠几年 一次交清": a bound member's own dues, not "绑定后回复“会费”"
    if question.get("answer_from") == "fees":  # "21年22年23年都没交": the dues' own answer (back pay)
        return fees.fee_status(ctx)
    if question.get("answer_from") == "job_posting":  # "我们公司想在你们这发招聘": how to publish, not the job list
        return jobs.to_post(ctx)
    if question.get("answer_from") == "job_search" and (found := jobs.search_named(ctx)):  # "找个工作…学机械的新乡有没"
        return found
    if question.get("answer_from") == "signup":  # member benefits: the sign-up's own answer
        answered = signup.form_question(ctx.text, in_form=False)
        return ctx.reply("signup.form_question_then", answer=answered, question=content.text("signup.start_hint")) \
            if answered else None
    answer = Reply(text=question["answer"].format(name=content.society()["name"], when=office_hours.when_text(human.now()),
                                                  grace_days=dues.fee_rules()["grace_days"],
                                                  year_options=dues.year_options_text(), **content.society()["secretariat"]))
    noticed = events.notices_saying(ctx.db, question["quotes_notices"]) if question.get("quotes_notices") else ""
    if question.get("answer_from") == "refund":  # "报名费退款 啥时候到账": the member's own fees owed back first
        noticed = "\n".join(refunds_owed_lines(ctx.db, ctx.openid))
    return Reply(text=noticed).with_note(answer.text) if noticed else answer  # "证书在哪下载": what a notice says first


def _about_asked(text: str, recent_topic) -> dict | None:
    """The first [[about.questions]] entry each of whose `asks` groups has a word in the message (lower-cased,
    or without spaces and punctuation) and none of whose `not` words it holds; an entry `after` a topic only
    when the member's last such answer was on it (`recent_topic`, read only when such an entry's words are there);
    in a complaint ([about] complaint_words), only an entry that hands over."""
    about = content.replies()["about"]
    (longest_from, within), questions, first_group = _about_index(about["questions"])
    held, starts_in = set(within.get("", ())), {}
    for said in {(text or "").lower(), _plain(text)}:
        starts = starts_in[said] = {}
        for at, char in enumerate(said):
            found = longest_from[char].match(said, at) if char in longest_from else None
            if found is not None:  # the longest word from here, and the words it begins with
                starts[at] = within[found.group()]
    anywhere = held.union(*(words for starts in starts_in.values() for words in starts.values()))
    if not any(all(not group.isdisjoint(anywhere) for group in asks)
               for _, asks, _ in map(questions.__getitem__, {at for word in anywhere for at in first_group.get(word, ())})):
        return None  # no question's words, wherever they stand: the message is not segmented
    for said, starts in starts_in.items():
        if starts:  # a word begins or ends where a token does: 学分 is not in 化学分析, 职称 is in 职称评审
            bounds = _token_bounds(said)
            held.update(word for at, words in starts.items() for word in words
                        if bounds is None or at in bounds or at + len(word) in bounds)
    complains = any(word in (text or "") for word in about.get("complaint_words", ()))  # "我要投诉…": the feedback takes it
    candidates = sorted({at for word in held for at in first_group.get(word, ())})  # those whose first group is met
    return next((question for question, asks, refused in map(questions.__getitem__, candidates)
                 if (question.get("hand_over") or not complains)
                 and all(not group.isdisjoint(held) for group in asks) and refused.isdisjoint(held)
                 and (not question.get("after") or recent_topic() == question["after"])), None)


def _token_bounds(said: str) -> set[int] | None:
    """Where the router's tokens of `said` begin and end (its segmenter, on the text as it is), or None
    when its tokens are not the text's own characters (a character the router's normalizing changes)."""
    bounds, at = {0, len(said)}, 0
    for token in tokenize(said):
        at = said.find(token, at)
        if at < 0:
            return None
        bounds.update((at, at + len(token)))
        at += len(token)
    return bounds


_about_indexes: dict[int, tuple] = {}


def _about_index(questions: list[dict]) -> tuple[tuple[dict[str, re.Pattern], dict[str, frozenset[str]]],
                                                 list[tuple[dict, list[frozenset], frozenset]], dict[str, list[int]]]:
    """The words of the questions by their first character, each character's as one pattern that matches the
    longest of them, with the words each word begins with (a message is read once, not once a word); each
    question with its `asks` groups and `not` words as sets, and for each word of a first group the questions
    (their places) it opens, so that only those are tried: made once for each list content/ loads (one a language)."""
    known = _about_indexes.get(id(questions))
    if known is None or known[0] is not questions:
        sets = [(question, [frozenset(group) for group in question["asks"]], frozenset(question.get("not", ())))
                for question in questions]
        words = {word for _, asks, refused in sets for word in (*(w for group in asks for w in group), *refused)}
        firsts: dict[str, list[str]] = {}
        for word in sorted(words, key=len, reverse=True):
            firsts.setdefault(word[:1], []).append(word)
        longest_from = {char: re.compile("|".join(map(re.escape, begun))) for char, begun in firsts.items() if char}
        within = {word: frozenset(shorter for shorter in firsts.get(word[:1], ()) if word.startswith(shorter))
                  for word in words}
        first_group: dict[str, list[int]] = {}
        for at, (_, asks, _) in enumerate(sets):
            for word in asks[0]:
                first_group.setdefault(word, []).append(at)
        known = _about_indexes[id(questions)] = (questions, (longest_from, within), sets, first_group)
    return known[1], known[2], known[3]
