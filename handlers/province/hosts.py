"""The province's questions, answered by every host for its own societies, and put together.

On one host the province's work reads one registry. Past one machine (docs/platform.md, "Growing
past one machine") each host keeps its own societies: their registry rows, their stores, and
what the province keeps per society (its filings and their reviews, its discipline and preview
choice, which previews and notices went to it). So the province asks every host
(bot.platform.shards.ask_every_host) and puts the answers together: one list of societies, one
list of filings, one guide, one evaluation, one notice sent everywhere. A question about one
society (review its filing, set its discipline, file its plans) is answered by the host that
keeps it; the others answer None. With one host every question is answered here, as before.

The questions sit beside the work they answer (guide.py, filing.py, evaluation.py, sending.py);
here are the two ways of asking and the societies themselves. What stays with the province
itself, on the host its staff work from: its console users, its notices (their numbers) and its
saved evaluations.
"""
from __future__ import annotations

from bot.platform.shards import ask_every_host, host_question
from handlers.province.common import registry
from storage import province as store
from storage.societies import find_society_by_appid, list_societies

# What a society's row tells another host: never its authoriser refresh token.
SOCIETY_FIELDS = ("appid", "name", "status", "user_name", "authorized_at", "revoked_at", "created_at")


def everywhere(config, r, question, **arguments) -> list:
    """The answers of every host, each a list, as one list."""
    return [row for answer in ask_every_host(config, r, question, **arguments) for row in answer]


def where_kept(config, r, question, **arguments):
    """The answer of the host that keeps the society (None when no host does)."""
    return next((found for found in ask_every_host(config, r, question, **arguments) if found is not None), None)


@host_question
def societies_here(config, r) -> list[dict]:
    """This host's societies with the province's settings and their filings counted by state."""
    with registry(config) as opened:
        profiles = store.society_settings(opened)
        counts = store.filing_counts(opened)
        return [{**{key: s[key] for key in SOCIETY_FIELDS},
                 "discipline": profiles.get(s["appid"], {}).get("discipline") or "",
                 "preview_opt_in": bool(profiles.get(s["appid"], {}).get("preview_opt_in")),
                 "counts": counts.get(s["appid"], {})} for s in list_societies(opened)]


def every_society(config, r, status: str | None = None) -> list[dict]:
    """Every society of every host (or those in one state), by name."""
    found = everywhere(config, r, societies_here)
    return sorted((s for s in found if status is None or s["status"] == status),
                  key=lambda s: (s["name"], s["appid"]))


@host_question
def settings_here(config, r, appid: str, changes: dict, actor: str) -> dict | None:
    """Set the society's discipline and/or preview choice if this host keeps it; its settings after."""
    with registry(config) as opened:
        found = find_society_by_appid(opened, appid)
        if found is None:
            return None
        if changes:
            store.set_society_settings(opened, appid, changes, actor)
        return {"name": found["name"], **store.society_settings(opened).get(appid, {})}


def set_society(config, r, appid: str, changes: dict, actor: str) -> dict | None:
    """The society's settings after the changes; None when no host keeps it."""
    return where_kept(config, r, settings_here, appid=appid, changes=changes, actor=actor)


def society_named(config, r, appid: str) -> dict | None:
    """The society's name and settings, from the host that keeps it; None when none does."""
    return set_society(config, r, appid, {}, "")
