"""招聘信息: the job board searched with filters, by the chat's own search.

The keywords and the city come from the typed words as the router reads a job question
("算法 郑州 硕士"), the filters picked from lists take the place of what the words say
of the same kind, and handlers.jobs.board.find climbs the same ladder as "招聘 算法 郑州" in
chat (spelling, word beginnings, any keyword, broader words, the filters alone); the list
is storage.jobs.search of the query that matched. Only open postings before their
deadline are listed or opened.
"""
from __future__ import annotations

from flask import abort, request

from bot import content
from bot.pages import pages
from bot.pages.common import db, render, t
from bot.router import analyse
from handlers.jobs import board as job_board
from handlers.jobs.filters import discipline_names, education_levels
from handlers.jobs.text import canonical_city
from storage import jobs as store

MAX_KEYWORDS_CHARS = 50
MAX_PAGE = 50


def _settings() -> dict:
    return content.load_toml("jobs.toml")["page"]


def _asked(day: str) -> dict | None:
    """The search as asked, every list value one of the list's own; None when one is not."""
    args = request.args
    asked = {"q": args.get("q", "").strip(), "city": args.get("city", ""), "discipline": args.get("discipline", ""),
             "education": args.get("education", ""), "salary": args.get("salary", ""),
             "page": args.get("page", 1, type=int)}
    salaries = {str(value) for value in _settings()["salary_choices"]}
    if (len(asked["q"]) > MAX_KEYWORDS_CHARS or not 1 <= asked["page"] <= MAX_PAGE
            or (asked["city"] and asked["city"] not in _cities(day)
                and asked["city"] not in store.open_posting_cities(db(), day))  # a place as written (成都双流区)
            or (asked["discipline"] and asked["discipline"] not in discipline_names())
            or (asked["education"] and asked["education"] not in education_levels())
            or (asked["salary"] and asked["salary"] not in salaries)):
        return None
    return asked


def _cities(day: str) -> list[str]:
    """The cities to choose from: those with postings (成都 for 成都双流区 and 成都武侯区), then every other city the
    chat knows."""
    known = content.load_toml("intents.toml")["jobs"]["cities"]
    return list(dict.fromkeys([*map(canonical_city, store.open_posting_cities(db(), day)), *known]))


def _posting_view(posting: dict) -> dict:
    return {"id": posting["id"], "title": posting["title"], "employer": posting["employer"], "city": posting["city"],
            "education": posting["education"] or "", "salary": posting["salary"] or "",
            "deadline": job_board.deadline(posting["expires_on"]) if posting["expires_on"] else ""}


@pages.get("/jobs")
def jobs():
    day = job_board.today()
    asked = _asked(day)
    if asked is None:
        return render("error.html", 400, message_key="jobs.bad_choice", message_fields={"limit": MAX_KEYWORDS_CHARS})
    slots = analyse(asked["q"]).slots_for("jobs") if asked["q"] else {"keywords": [], "city": None}
    found = job_board.find(db(), slots["keywords"], asked["city"] or slots["city"], day, asked["q"],
                           discipline=asked["discipline"] or None, education=asked["education"] or None,
                           min_salary=int(asked["salary"]) if asked["salary"] else None)
    size, rows, heading = _settings()["page_size"], [], ""
    if found.anything:
        rows = store.search(db(), found.query, day, (asked["page"] - 1) * size, size + 1)
        heading = job_board.heading(found)
    return render("jobs.html", asked=asked, heading=heading, more=len(rows) > size,
                  postings=[_posting_view(p) for p in rows[:size]],
                  nothing=None if found.anything else t("jobs.none", what=job_board.what_asked(found, asked["q"])),
                  elsewhere=found.elsewhere,
                  cities=_cities(day), disciplines=discipline_names(),
                  levels=education_levels(), salaries=_settings()["salary_choices"])


@pages.get("/jobs/<int:job_id>")
def job(job_id: int):
    posting = store.find_posting(db(), job_id)
    if posting is None or not store.is_visible(posting, job_board.today()):
        abort(404)
    return render("job.html", posting=dict(_posting_view(posting), discipline=posting["discipline"] or "",
                                           description=posting["description"] or "",
                                           how_to_apply=posting["how_to_apply"] or "",
                                           source=content.text(f"jobs.sources.{posting['source']}")))
