"""The governance report: council bodies, their 3:3:3:1 make-up, size rules, the fellow cap, the term.

handlers/governance.py works out the figures from members' council roles; this
page words them (gaps named as sentences, e.g. "常务理事会中党政机关人员偏少：
应约 10%，现为 0%") and offers the same sentences as an .xlsx. The term's
dates are console settings (storage/admin.py), set here by the secretariat
and recorded in the audit log like any other change.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, request, url_for

from handlers import governance
from bot.admin.ui import actor, db, render, say_done, say_not_done, send_table, t, texts
from handlers.members.membership import percent
from storage import admin as admin_store
from handlers.members import records

bp = Blueprint("governance", __name__, url_prefix="/governance")

TERM_KEYS = ("term_start", "term_end")


def _pct(share: float) -> str:
    return percent(round(share, 2))


def value_name(dimension: str, value: str) -> str:
    if dimension == "age_band":
        return t(f"governance.age_bands.{value}")
    return value


def gap_sentence(body: governance.Body, dimension: str, share: governance.Share) -> str:
    return t(f"governance.gap_{share.gap}", body=body.name, value=value_name(dimension, share.value),
             target=_pct(share.target), actual=_pct(share.share), count=share.count)


def size_sentence(body: governance.Body, problem: dict) -> str:
    return t(f"governance.size_{problem['rule']}", body=body.name, **problem)


def _term() -> dict:
    saved = admin_store.get_settings(db(), TERM_KEYS)
    start, end = (date.fromisoformat(saved[k]) if saved[k] else None for k in TERM_KEYS)
    return governance.term_status(start, end, date.today())


def term_sentence(term: dict) -> str:
    return t(f"governance.term.{term['stage']}", **term)


def _report() -> dict:
    bodies, unknown = governance.council_bodies(admin_store.council_members(db()), date.today())
    cap = records.fellow_cap(db())
    term = _term()
    findings = [size_sentence(b, p) for b in bodies for p in b.size_problems]
    findings += [gap_sentence(b, c.dimension, s) for b in bodies for c in b.compositions for s in c.gaps]
    return {"bodies": bodies, "unknown": unknown, "cap": cap, "cap_over": cap["fellows"] > cap["limit"],
            "term": term, "term_text": term_sentence(term), "findings": findings}


@bp.get("/")
def index():
    return render("governance.html", report=_report(), dimensions=texts("governance.dimensions"),
                  value_name=value_name, pct=_pct)


@bp.post("/term")
def set_term():
    """The term's first and last day, as <input type=date> sends them."""
    try:
        start, end = (date.fromisoformat(request.form.get(k, "")) for k in TERM_KEYS)
    except ValueError:
        say_not_done(t("governance.term_bad_date"))
        return redirect(url_for(".index"))
    if end <= start:
        say_not_done(t("governance.term_order"))
        return redirect(url_for(".index"))
    admin_store.set_settings(db(), {"term_start": start.isoformat(), "term_end": end.isoformat()}, actor())
    say_done("governance.term_saved", start=start, end=end)
    return redirect(url_for(".index"))


@bp.get("/export")
def export():
    """One sheet: the findings first, then every body's make-up, the fellow cap and the term."""
    report = _report()
    columns = texts("governance.export_columns")
    rows = [[t("governance.export_finding"), "", "", "", "", "", text] for text in report["findings"]]
    for body in report["bodies"]:
        rows.append([body.name, t("governance.export_size"), "", "", body.size, "", ""])
        for comp in body.compositions:
            for share in comp.shares:
                rows.append([body.name, t(f"governance.dimensions.{comp.dimension}"),
                             value_name(comp.dimension, share.value),
                             _pct(share.target) if share.target is not None else "", share.count,
                             _pct(share.share), gap_sentence(body, comp.dimension, share) if share.gap else ""])
    cap = report["cap"]
    rows.append([t("governance.export_fellows"), "", "", cap["limit"], cap["fellows"], "",
                 t("governance.fellow_cap", share=percent(cap["max_share"]), **cap)])
    rows.append([t("governance.export_term"), "", "", "", "", "", report["term_text"]])
    return send_table(t("governance.export_name", day=date.today().isoformat()), list(columns.values()), rows)
