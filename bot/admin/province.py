"""The province's pages (/admin/province/...) and a society's filing page.

Province staff sign in at /admin/province/login with an account in the registry, not in any
society's store: their session opens the province's pages (societies, filing review, evaluation,
notices) and no society's page (403), and a society's staff open no province page (403). A person
who also works for a society signs in there with that society's account.

A society's secretariat (admin, staff) files its year's events from `my_filings` and sees there
what the province decided about each, and why a filing came back; only its own society's.

Past one machine the province's pages show every host's societies (handlers/province/hosts.py);
a host that does not answer gives a page saying which (503), never a partial list.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for

from bot.admin.accounts import ADMIN, PROVINCE, STAFF
from bot.admin.auth import sign_in
from bot.admin.ui import (actor, allow, arg, config, db, or_404, public, redis_client, render, say_not_done,
                          send_written)
from bot.platform.shards import HostsUnavailable
from handlers.news.items import topic_names
from handlers.province import evaluation, filing, sending
from handlers.province.common import SettingsRefused, registry, say, settings
from handlers.province.guide import compile_province_guide
from handlers.province.hosts import every_society, set_society, society_named
from storage import province as store
from storage.province import USERS
from storage.societies import APPID_PATTERN, AUTHORIZED, find_society_by_appid

bp = Blueprint("province", __name__, url_prefix="/province")

STATUSES = (store.FILED, store.APPROVED, store.RETURNED)
YEARS = (2000, 2100)


def _year() -> int:
    return arg("year", low=YEARS[0], high=YEARS[1], default=date.today().year)


def _flash_done(key: str, **fields) -> None:
    flash(say(key, **fields), "ok")


@bp.errorhandler(SettingsRefused)
def settings_refused(error: SettingsRefused):
    return render("error.html", code=503, message=say(f"refused.{error.reason}", **error.facts)), 503


@bp.errorhandler(HostsUnavailable)
def hosts_unavailable(error: HostsUnavailable):
    return render("error.html", code=503, message=say("refused.hosts_unavailable", hosts="、".join(error.hosts))), 503


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    with registry(config()) as opened:
        return sign_in(opened, USERS, "province_user_id", heading=say("console.login_title"))


# --- the province's pages ---------------------------------------------------------------------

@bp.get("/")
@allow(PROVINCE)
def index():
    """Every registered society (of every host), its discipline and preview choice, and its filings by state."""
    return render("province.html", societies=every_society(config(), redis_client()), statuses=STATUSES, say=say,
                  disciplines=settings()["guide"]["disciplines"])


@bp.post("/societies/<appid>")
@allow(PROVINCE)
def society(appid: str):
    discipline = request.form.get("discipline", "").strip()[:40]
    found = or_404(set_society(config(), redis_client(), appid, {
        "discipline": discipline, "preview_opt_in": int(request.form.get("previews") == "1")}, actor()))
    _flash_done("console.society_saved", name=found["name"])
    return redirect(url_for(".index"))


def _year_or_all() -> int | None:
    """?year=: one year (this year by default), or `all`."""
    return None if request.args.get("year") == "all" else _year()


def _society_asked() -> str | None:
    """?society=<appid>: the one society a page is about (its link can be kept and shared)."""
    appid = request.args.get("society") or None
    if appid is not None and not APPID_PATTERN.fullmatch(appid):
        abort(404)
    return appid


@bp.get("/filings")
@allow(PROVINCE)
def filings():
    """Every society's filings of a year (or of every year) in one review state; with ?society= one
    society's (the societies page links each society's here)."""
    status = request.args.get("status", store.FILED)
    if status not in STATUSES:
        status = store.FILED
    year, appid = _year_or_all(), _society_asked()
    society = or_404(society_named(config(), redis_client(), appid)) if appid else None
    rows = filing.every_filing(config(), redis_client(), status=status, year=year, appid=appid)
    guide = compile_province_guide(config(), redis_client(), year) if year else None
    this_year = date.today().year
    years = sorted({this_year - 1, this_year, this_year + 1} | ({year} if year else set()))
    return render("province_filings.html", filings=rows, status=status, statuses=STATUSES, year=year, say=say,
                  guide=guide, appid=appid, society=society, years=years, year_arg=year or "all")


@bp.post("/filings/<int:filing_id>/approve")
@allow(PROVINCE)
def approve(filing_id: int):
    return _review(filing_id, store.APPROVED, None, "console.approved")


@bp.post("/filings/<int:filing_id>/return")
@allow(PROVINCE)
def return_filing(filing_id: int):
    return _review(filing_id, store.RETURNED, request.form.get("reason", ""), "console.returned")


def _review(filing_id: int, decision: str, reason: str | None, done: str):
    """The filing's society is in the link (?society=): past one machine a number is its host's. The
    reviewer comes back to the list they were on (?status=, ?year=, ?only= the society page's)."""
    try:
        decided = filing.review(config(), redis_client(), filing_id, decision, actor(), reason,
                                appid=request.args.get("society") or None)
    except store.FilingRefused as refused:
        if refused.reason == "no_filing":
            return or_404(None)
        say_not_done(say(f"refused.{refused.reason}", **refused.facts))
    else:
        _flash_done(done, **decided)
    back = {"status": request.args.get("status"), "year": request.args.get("year"),
            "society": request.args.get("only")}
    return redirect(url_for(".filings", **{key: value for key, value in back.items() if value}))


def _evaluated() -> tuple[int, list]:
    """The asked year (?year=, this year by default) and every society's evaluation for it, computed now."""
    year = _year()
    return year, evaluation.evaluate(config(), redis_client(), year)


@bp.get("/evaluation")
@allow(PROVINCE)
def evaluation_page():
    year, results = _evaluated()
    return render("province_evaluation.html", results=results, year=year, keys=evaluation.indicator_keys(),
                  say=say, weights=evaluation.rules()["weights"])


@bp.get("/evaluation.xlsx")
@allow(PROVINCE)
def evaluation_file():
    year, results = _evaluated()
    return send_written(f"{say('evaluation.title', year=year)}.xlsx",
                        lambda path: evaluation.export(results, year, path))


@bp.get("/notices")
@allow(PROVINCE)
def notices():
    everyone = every_society(config(), redis_client())
    names = {s["appid"]: s["name"] for s in everyone}
    with registry(config()) as opened:
        listed = store.list_notices(opened)
    sends = sending.notice_sends(config(), redis_client(), [n["id"] for n in listed])
    sent = [dict(n, sends=[dict(row, society=names.get(row["appid"], row["appid"])) for row in sends.get(n["id"], [])])
            for n in listed]
    choices = [(s["appid"], s["name"]) for s in everyone if s["status"] == AUTHORIZED]
    topics = topic_names()
    return render("province_notices.html", notices=sent, choices=choices, say=say, topic_names=topics,
                  topics=[(t, topics[t]) for t in settings()["notices"]["topics"]])


@bp.post("/notices")
@allow(PROVINCE)
def send_notice():
    form = request.form
    with registry(config()) as opened:
        try:
            created = sending.create_notice(opened, form.get("topic", ""), form.get("title", ""),
                                            form.get("summary", ""), form.get("link", ""), actor())
            sent = sending.send_notice(config(), redis_client(), created, form.getlist("society") or None)
        except sending.NoticeRefused as refused:
            say_not_done(say(f"refused.{refused.reason}", **refused.facts))
        else:
            _flash_done("cli.notice_done", notice_no=created["notice_no"], count=len(sent))
    return redirect(url_for(".notices"))


# --- a society's own filings ---------------------------------------------------------------------------

@bp.get("/filing")
@allow(ADMIN, STAFF)
def my_filings():
    """This society's filings and what the province decided; only this society's (its AppID)."""
    year = _year()
    appid = config().app_id
    with registry(config()) as opened:
        registered = find_society_by_appid(opened, appid) is not None
        rows = store.list_filings(opened, appid=appid, year=year) if registered else []
        history = store.reviews_of(opened, [row["id"] for row in rows])
    this_year = date.today().year
    return render("province_filing.html", filings=rows, year=year, registered=registered, say=say,
                  history=history, planned=len(store.society_events_of_year(db(), year)),
                  years=sorted({this_year, this_year + 1, year}))


@bp.post("/filing")
@allow(ADMIN, STAFF)
def file_plans():
    year = _year()
    with registry(config()) as opened:
        if find_society_by_appid(opened, config().app_id) is None:
            say_not_done(say("console.not_registered"))
        else:
            outcomes = filing.file_year(opened, config().app_id, year, actor(), db=db())
            _flash_done("cli.filed", **outcomes)
    return redirect(url_for(".my_filings", year=year))

