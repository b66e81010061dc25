"""`jobs`: the job board by chat, and members' job keyword alerts.

"招聘 算法 郑州", "有没有化学方向的博士后", "洛阳 工程师": the router gives the
keywords and the city; handlers.jobs.board finds the nearest question that has
answers (relaxing the one asked when it has none, and the heading says how),
and the list pages like every list in chat (bot/paging): "更多", or a number
for the posting in full with how to apply. The menu button lists the newest.

Keyword alerts arrive as `subscribe` / `unsubscribe` with the topic `jobs`
("订阅招聘 人工智能", "我的招聘订阅", "取消招聘订阅 人工智能"), so
handlers/news/subscriptions.py asks `answer_alert` first. Without keywords,
"订阅招聘" and "退订招聘" stay the `jobs` topic there (every new posting);
handlers/jobs/alerts.py sends the digests for both.
"""
from __future__ import annotations

import re

from bot import clarify, content, offers, paging
from handlers.jobs import board as job_board
from handlers.jobs.filters import asks_for_work, names_province
from handlers.jobs.text import alert_keywords
from bot.messages import Reply
from bot.page_links import with_page_link
from bot.registry import handles, step
from bot.router import analyse, normalize
from bot.validation import asks_something, has_landline, looks_like_a_question, mobile_in
from storage import jobs as store
from storage.members import find_member_by_openid
from storage.tickets import create_ticket
from storage.news import topics_of


def _fetch(db, query: dict, offset: int, limit: int) -> list[dict]:
    return store.search(db, store.JobQuery.from_dict(query), job_board.today(), offset, limit)


def _visible_posting(ctx, job_id: int) -> dict | None:
    """The posting, unless it was closed or expired since it was listed."""
    posting = store.find_posting(ctx.db, job_id)
    return posting if posting is not None and store.is_visible(posting, job_board.today()) else None


def _detail(ctx, job_id: int) -> Reply:
    posting = _visible_posting(ctx, job_id)
    if posting is None:
        return ctx.reply("jobs.gone")
    return Reply(text=job_board.posting_detail(posting))


LISTING = paging.Listing("jobs", _fetch, job_board.posting_line, _detail, texts="jobs.list")
_LIST_READINGS = ("jobs", "events", "event_signup")  # what the router may read a city asked after a list as


@handles("jobs", menu="MENU_JOBS", reads_only=True)
def find_jobs(ctx):
    slots = ctx.intent.slots if ctx.intent and ctx.intent.name == "jobs" else {}
    text = ctx.text if slots else ""  # a menu click lists the newest
    if text and any(word in text for word in job_board.settings()["chat"]["post_words"]):
        return to_post(ctx)  # an employer, not a seeker
    return _search(ctx, slots.get("keywords", []), slots.get("city"), text)


def search_named(ctx) -> Reply | None:
    """The job search a message asks for when it names what to look for (a field, a job, a city: "找个工作咋恁难，
    学机械的新乡有没"), whatever else it says; None when it names nothing to search by ("帮我找个工作")."""
    slots = analyse(ctx.text).slots_for("jobs")
    if not (slots["keywords"] or slots["city"]):
        return None
    return _search(ctx, slots["keywords"], slots["city"], ctx.text)


def to_post(ctx) -> Reply:
    """How to publish a posting; the posting itself, when it comes with the request or next, goes to the
    secretariat as a request (a ticket) to review and publish."""
    if _gives_posting(ctx.text):
        return _posting_taken(ctx)
    if ctx.flow is None:
        ctx.start_flow("jobs", "posting")
    return ctx.reply("jobs.how_to_post", **content.society()["secretariat"])


def _gives_posting(text: str, asked_for: bool = False) -> bool:
    """"岗位Java开发工程师，郑州，月薪10-15k，简历发hr@…": a posting's details (a way to apply and what the job is),
    not a question about publishing (a long one that gives the details too, "…电话0371-…，请问怎么发布", is).
    `asked_for`: right after how to publish was explained, when the details need no contact of their own
    ("公司叫郑州招才科技有限公司，招Java开发": the secretariat answers the sender here)."""
    words = job_board.settings()["chat"]
    plain = normalize(text)
    return len(plain) >= words["posting_min_chars"] and (not looks_like_a_question(text) or len(plain) >= 20) and (
        asked_for or mobile_in(text) is not None or "@" in text or has_landline(plain)) and \
        any(word in plain for word in words["posting_words"])


def _posting_taken(ctx) -> Reply:
    ticket_no = create_ticket(ctx.db, ctx.openid, content.text("jobs.posting_category"), ctx.text)
    if ctx.flow is not None and ctx.flow["name"] == "jobs":
        ctx.end_flow()
    if ctx.flow is None:
        ctx.start_flow("jobs", "posted", ticket_no=ticket_no)
    return ctx.reply("jobs.posting_taken", ticket_no=ticket_no, **content.society()["secretariat"])


@step("jobs", "posting", reads_only=True, prompt="jobs.posting_prompt", lapses=True)
def posting_details(ctx):
    """Right after how to publish: the posting's details are taken; anything else is answered as usual."""
    if _gives_posting(ctx.text, asked_for=True):
        return _posting_taken(ctx)
    ctx.end_flow()
    return ctx.answer_by_intent()


@step("jobs", "posted", reads_only=True, prompt="jobs.posting_prompt", lapses=True)
def after_posting(ctx):
    """Right after a posting was passed on: "多久能发出来" is about it; anything else is answered as usual."""
    ticket_no = ctx.flow_data["ticket_no"]
    ctx.end_flow()
    if any(word in ctx.text for word in job_board.settings()["chat"]["posting_when_words"]):
        return ctx.reply("jobs.posting_when", ticket_no=ticket_no, **content.society()["secretariat"])
    return ctx.answer_by_intent()


def _search(ctx, keywords: list[str], city: str | None, text: str) -> Reply:
    """The postings for the question, listed (the list remembers what was asked, for "那洛阳的呢"),
    or what to try when there are none (remembered too: "那全省的呢" widens it)."""
    found = job_board.find(ctx.db, keywords, city, job_board.today(), text)
    reply = found.anything and paging.show(ctx, LISTING, found.query.to_dict(), job_board.heading(found),
                                           open_single=not found.relaxed)
    if not reply and not store.has_match(ctx.db, store.JobQuery(), job_board.today()):
        return ctx.reply("jobs.board_empty")
    if not reply:
        ctx.start_flow("jobs", paging.STEP, query=found.query.to_dict(), heading="", offset=0, shown=[], current=None)
    ctx.goto(paging.STEP, asked={"keywords": keywords, "city": city})
    elsewhere = job_board.elsewhere_command(found)
    if not reply and elsewhere:  # "好" to 省内其他城市有 7 个: list them
        offers.make(ctx, elsewhere)
    elif not reply and job_board.alert_words(found):  # "要得 有新的提醒我": that alert
        offers.make(ctx, content.text("jobs.alert_offer", words=job_board.alert_words(found)))
    return with_page_link(reply or Reply(text=job_board.none_found(found, text)), ctx.config, "jobs", "/m/jobs",
                          q=" ".join(keywords), city=city)


@step("jobs", paging.STEP, reads_only=True, prompt="jobs.browse_prompt", lapses=True)
def browse(ctx):
    return _how_to_apply(ctx) or _side_asked(ctx) or _narrowed(ctx) or _unsaid_asked(ctx) or paging.browse(ctx, LISTING)


_CHOICE_ASKED = re.compile(r"还是[\u4e00-\u9fff]{1,4}[的里呢啊]?$")  # "在市里还是县里": one of two asked


def _unsaid_asked(ctx) -> Reply | None:
    """"在市里还是县里", "应届生收不收" right after a posting was opened, which the router places nowhere: the
    posting does not say it, how to ask its employer, and the posting stays the one talked about ("简历发哪"
    next is for it). None for any other message, or one the router places (a new search, another request)."""
    current = ctx.flow_data.get("current")
    intent = ctx.intent
    placed = intent is not None and intent.name != "unknown" and \
        intent.confidence >= content.load_toml("conversation.toml")["other_request_confidence"]
    asks = asks_something(ctx.text) or _CHOICE_ASKED.search(normalize(ctx.text)) is not None
    if current is None or placed or not asks or paging.chosen_number(ctx.text) is not None:
        return None
    posting = _visible_posting(ctx, current)
    if posting is None or _names_another(ctx.text, [posting]):  # "实验室那个呢 收应届生不": not this one
        return None
    how = posting["how_to_apply"] or content.text("jobs.how_to_apply_unknown")
    return ctx.reply("jobs.asked.unsaid", title=posting["title"], employer=posting["employer"], how=how,
                     **content.society()["secretariat"])


def _side_asked(ctx) -> Reply | None:
    """"待遇咋样", "那个数据分析师工资多少", "有没有不要博士的" under a posting or a list: what the posting
    says of it (content/jobs.toml [chat.asked]) for the posting named, else the one just opened, else each one
    listed; a side it does not give is said so, with how to ask the employer. None for any other message."""
    field = next((name for name, words in job_board.settings()["chat"]["asked"].items()
                  if any(word in ctx.text for word in words)), None)
    if field is None or not asks_something(ctx.text) or not paging.asked_here(ctx, ("jobs",)):
        return None
    shown = [p for p in (_visible_posting(ctx, job_id) for job_id in ctx.flow_data.get("shown") or []) if p]
    titled = [p for p in shown if p["title"] in ctx.text]  # "那个数据分析师工资多少"
    if not titled and _searches_anew(ctx):
        return None
    number = paging.chosen_number(ctx.text)  # "第一个工资多少"
    named = (number, "") if number else paging.named_entry(ctx, ("jobs",))
    picked = titled[0] if len(titled) == 1 else shown[named[0] - 1] if named and named[0] <= len(shown) else None
    if picked is None and _names_another(ctx.text, shown):
        return None  # "软件开发那个要求硕士吗" of a posting not shown here: not this one's
    if picked is not None:
        ctx.goto(paging.STEP, current=picked["id"])  # "咋投简历" next: this one
    current = ctx.flow_data.get("current")
    postings = [p for p in shown if p["id"] == current] or shown
    if not postings:
        return None
    label = content.text(f"jobs.asked.fields.{field}")
    stated = {p["id"]: p.get(field) or _described(p, field) for p in postings}
    lines = [content.text("jobs.asked.line", title=p["title"], employer=p["employer"], field=label,
                          value=stated[p["id"]] or content.text("jobs.asked.not_given")) for p in postings]
    unsaid = not all(stated.values())
    how = postings[0]["how_to_apply"] if len(postings) == 1 else ""
    footer = content.text("jobs.asked.ask_employer", how=how) if unsaid and how else \
        content.text("jobs.asked.ask_secretariat", **content.society()["secretariat"]) if unsaid else ""
    return Reply(text="\n".join(lines) + (f"\n{footer}" if footer else ""))


def _searches_anew(ctx) -> bool:
    """"南阳附近有没有医院招人 本科 临床", "郑州有没有水利的岗位 硕士" under a posting: a field of study with a city or a
    word of searching (content/jobs.toml [chat] search_words), so a search, whatever degree it also says."""
    slots = ctx.intent.slots if ctx.intent is not None and ctx.intent.name == "jobs" else {}
    return bool(slots.get("keywords")) and (
        bool(slots.get("city")) or any(word in ctx.text for word in job_board.settings()["chat"]["search_words"]))


def _described(posting: dict, field: str) -> str | None:
    """What a posting's description says of a side it has no column for (content/jobs.toml
    [chat.in_description]): the first clause naming it ("要求3年以上相关工作经验"), or None."""
    words = job_board.settings()["chat"]["in_description"].get(field, [])
    clauses = re.split(r"[。；;！!？?，,\n]+", posting.get("description") or "")
    return next((clause.strip() for clause in clauses if any(word in clause for word in words)), None)


def _names_another(text: str, shown: list[dict]) -> bool:
    """"软件开发那个…": the message names a posting by words before a reference word that no posting shown has."""
    marks = [mark for mark in content.load_toml("conversation.toml")["reference_marks"] if "那" in mark or "这" in mark]
    said = re.split("|".join(map(re.escape, sorted(marks, key=len, reverse=True))), normalize(text), maxsplit=1)
    naming = re.sub(r"[\W_]+", "", said[0]) if len(said) == 2 else ""
    return len(naming) >= 2 and not any(naming in p["title"] or naming in p["employer"] for p in shown)


def _narrowed(ctx) -> Reply | None:
    """"那洛阳的呢", "计算机方向的", "那全省的呢" after a search: the same search with the city or the
    field changed, the rest kept; None when the message is no such follow-up."""
    asked = ctx.flow_data.get("asked")
    if asked is None or not paging.is_follow_up(ctx.text) or not paging.asked_here(ctx, _LIST_READINGS):
        return None  # "那你们有人工吗": a person asked for, not postings for 人工
    slots = analyse(ctx.text).slots_for("jobs")
    everywhere = (any(word in ctx.text for word in content.load_toml("conversation.toml")["all_places_words"])
                  or names_province(ctx.text))  # 那省内的呢: the province, not the last city
    if not (slots.get("city") or slots.get("keywords") or everywhere):
        return None
    if not (slots.get("city") or everywhere) and not paging.asked_here(ctx, ("jobs",)):
        return None  # "那个培训要钱不": words of another capability, no field of work
    anew = slots.get("keywords") and not slots.get("city") and not paging.leans_on_before(ctx.text) \
        and asks_for_work(ctx.text)  # "做电力系统的有岗位吗": a question of its own, every city; "那计算机的呢" is not
    city = None if everywhere or anew else slots.get("city") or asked["city"]
    keywords = slots.get("keywords") or asked["keywords"]
    if slots.get("keywords") and paging.narrows(ctx.text):  # "要研发岗的" after 化工: both, not 研发 alone
        keywords = list(dict.fromkeys([*asked["keywords"], *slots["keywords"]]))
    return _search(ctx, keywords, city, ctx.text)


def _how_to_apply(ctx) -> Reply | None:
    """"怎么投简历" right after a posting was opened: how to apply for that one."""
    current = ctx.flow_data.get("current")
    if current is None or not any(word in ctx.text for word in job_board.settings()["chat"]["apply_words"]):
        return None
    posting = _visible_posting(ctx, current)
    if posting is None:
        return ctx.reply("jobs.gone")
    return ctx.reply("jobs.how_to_apply", title=posting["title"], employer=posting["employer"],
                     how=posting["how_to_apply"] or content.text("jobs.how_to_apply_unknown"))


# --- keyword alerts ---------------------------------------------------------------------

def answer_alert(ctx) -> Reply | None:
    """Job keyword alerts asked for as (un)subscribing to the `jobs` topic; None leaves the
    message to handlers/news/subscriptions.py (the topic itself: "订阅招聘", "退订招聘")."""
    if ctx.intent.slots.get("topic") != "jobs":
        return None
    if _asks_for_own(ctx.text):
        return show_alerts(ctx)
    keywords = alert_keywords(ctx.text)
    if ctx.intent.name == "subscribe":
        keywords = keywords or _searched_just_before(ctx)
        return _subscribe(ctx, keywords) if keywords else None
    return _unsubscribe(ctx, keywords)


def _searched_just_before(ctx) -> list[str]:
    """The words and city of the job search just before "有新的招聘通知我" ("周口附近有啥招聘": 周口), which
    the alert then watches; [] after anything else (the whole `jobs` topic is subscribed)."""
    searched = clarify.said_before(ctx, clarify.TOPIC_FOR_SECONDS, intent="jobs")
    slots = analyse(searched).slots_for("jobs") if searched else {}
    return list(dict.fromkeys([*slots.get("keywords", []), *filter(None, [slots.get("city")])]))


def _asks_for_own(text: str) -> bool:
    plain = re.sub(r"[\W_]+", "", normalize(text))
    return any(phrase in plain for phrase in job_board.settings()["words"]["mine"])


def _words(keywords) -> str:
    return content.text("jobs.alerts.words", words=" ".join(keywords))


def _how(keywords) -> str:
    """How an alert of several words matches: every word must appear (storage.jobs: all keywords)."""
    return content.text("jobs.alerts.all_words", count=len(keywords)) if len(keywords) > 1 else ""


def _alert_list(alerts: list[dict]) -> str:
    return content.text("jobs.alerts.joiner").join(_words(a["keywords"]) for a in alerts)


def show_alerts(ctx) -> Reply:
    alerts = store.alerts_of(ctx.db, ctx.openid)
    every = "jobs" in topics_of(ctx.db, ctx.openid)
    if not alerts and not every:
        return ctx.reply("jobs.alerts.mine_none")
    lines = "\n".join(content.text("jobs.alerts.mine_line", number=number, words=" ".join(a["keywords"]),
                                   how=_how(a["keywords"]))
                      for number, a in enumerate(alerts, 1))
    return ctx.reply("jobs.alerts.mine", alerts=lines or content.text("jobs.alerts.mine_no_keywords"),
                     every=content.text("jobs.alerts.mine_every") if every else "")


def _subscribe(ctx, keywords: list[str]) -> Reply:
    rules = job_board.settings()["alerts"]
    if len(keywords) > rules["max_keywords"]:
        return ctx.reply("jobs.alerts.too_many_words", limit=rules["max_keywords"])
    current = store.alerts_of(ctx.db, ctx.openid)
    if len(current) >= rules["max_per_member"] and keywords not in [a["keywords"] for a in current]:
        return ctx.reply("jobs.alerts.too_many", limit=rules["max_per_member"], current=_alert_list(current))
    if not store.add_alert(ctx.db, ctx.openid, keywords):
        return ctx.reply("jobs.alerts.already", words=_words(keywords))
    reply = ctx.reply("jobs.alerts.done", words=_words(keywords), first=keywords[0], how=_how(keywords))
    if store.has_match(ctx.db, job_board.alert_query(keywords), job_board.today()):
        reply = reply.with_note(content.text("jobs.alerts.matching_now", query=" ".join(keywords)))
    member = find_member_by_openid(ctx.db, ctx.openid)
    if member is None or member["status"] != "active":
        reply = reply.with_note(content.text("jobs.alerts.members_only"))
    return reply


def take_back_alerts(ctx, since: str) -> Reply | None:
    """"取消" right after "有新的岗位能通知我吗": the alerts added at `since` or later taken back, the member's others
    kept (named in the reply); None when none was added then."""
    removed = store.remove_alerts_since(ctx.db, ctx.openid, since)
    if not removed:
        return None
    left = store.alerts_of(ctx.db, ctx.openid)
    if not left:
        return ctx.reply("jobs.alerts.removed_last", alerts=_alert_list(removed))
    return ctx.reply("jobs.alerts.removed", alerts=_alert_list(removed), current=_alert_list(left))


def _unsubscribe(ctx, keywords: list[str]) -> Reply | None:
    """Named keywords end the alerts that have them; none end every alert, and the `jobs`
    topic too: that part is left to subscriptions.py, whose reply then covers both."""
    removed = store.remove_alerts(ctx.db, ctx.openid, keywords or None)
    if not keywords:
        if not removed or "jobs" in topics_of(ctx.db, ctx.openid):
            return None
        return ctx.reply("jobs.alerts.removed_all", alerts=_alert_list(removed))
    left = store.alerts_of(ctx.db, ctx.openid)
    if not removed:
        return ctx.reply("jobs.alerts.not_found", words=_words(keywords),
                         current=_alert_list(left) or content.text("jobs.alerts.none"))
    if not left:
        return ctx.reply("jobs.alerts.removed_last", alerts=_alert_list(removed))
    return ctx.reply("jobs.alerts.removed", alerts=_alert_list(removed), current=_alert_list(left))
