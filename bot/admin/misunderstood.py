"""没听懂的话: messages the router placed as unknown, or that the member cancelled right after,
with the bot's guess; one click labels one into content/intent_examples.jsonl, and "重新训练"
builds the router's model from the examples now (other processes pick it up when they restart,
each loading the same cached model).

The store keeps no openid (a keyed hash) and no mobile number (masked before it is kept).
"""
from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from bot import intent_model
from bot.admin.ui import actor, current_page, db, or_404, past_the_end, render, say_done, say_not_done, t, texts
from bot.router import INTENTS, analyse, feature_names_of, job_keyword_candidates
from storage import misunderstood as store

bp = Blueprint("misunderstood", __name__, url_prefix="/misunderstood")


@bp.get("/")
def index():
    pager = current_page()
    pager.total = store.count_waiting(db())
    if last := past_the_end(pager):
        return last
    rows = store.waiting(db(), pager.per_page, pager.offset)
    return render("misunderstood.html", rows=rows, pager=pager, intents=_choices(),
                  labelled=store.labelled(db(), 20), examples=len(intent_model.load_examples()))


def _choices() -> list[tuple[str, str]]:
    names = texts("misunderstood.intents")
    return [(name, names[name]) for name in INTENTS]


@bp.post("/<int:row_id>/label")
def label(row_id: int):
    """Label one message (and its repeats) and add it to the examples the model trains on."""
    row = or_404(store.find(db(), row_id))
    intent = request.form.get("intent", "")
    if intent not in INTENTS:
        say_not_done(t("misunderstood.pick_intent"))
        return redirect(url_for(".index"))
    intent_model.add_example(row["text"], intent, analyse(row["text"]).slots_for(intent))
    store.label(db(), row_id, intent, actor())
    say_done("misunderstood.labelled", text=row["text"][:30], intent=dict(_choices())[intent])
    return redirect(url_for(".index"))


@bp.post("/retrain")
def retrain():
    """Train on the examples as they are now and use the model in this process at once."""
    model, trained = intent_model.reload(feature_names_of, job_keyword_candidates)
    say_done("misunderstood.retrained" if trained else "misunderstood.up_to_date",
             examples=len(intent_model.load_examples()))
    return redirect(url_for(".index"))
