"""Match the notices the product sends to the account's own message templates.

Each notice kind (a section of content/templates.toml: approval, dues, event, ticket, ...) fills
some template fields (`[kind.fields]`). `templates sync` reads the account's private templates
(template/get_all_private_template), picks for each kind the template whose fields are exactly
the ones it fills (a `title` in the section picks among several), checks that what it writes
fits each field's type, and writes the template ids into content/templates.toml. A kind that
no template fits gets an empty template_id: its notices go by customer-service message when the
member's window is open, else wait in the inbox (bot/delivery/), never a failed send.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import CONTENT_DIR

TEMPLATES_FILE = CONTENT_DIR / "templates.toml"
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\.DATA\s*\}\}")
DYNAMIC = re.compile(r"\{(first_line|rest|text|name|date)\}")
# The platform's field types (the letters of a field's name) and how many characters each takes.
FIELD_LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "phrase": 5,
                "car_number": 8, "phone_number": 17, "amount": 20, "name": 10, "const": 20}
FREE_TEXT = {"first", "remark", "keyword", "thing"}  # where a notice's own words may go


@dataclass
class Match:
    kind: str
    template_id: str = ""
    title: str = ""
    problems: list[str] = field(default_factory=list)


def fields_of(template: dict) -> set[str]:
    return set(PLACEHOLDER.findall(template.get("content", "")))


def _field_type(name: str) -> str:
    return re.sub(r"\d+$", "", name)


def fit_problems(fields: dict[str, str]) -> list[tuple[str, str]]:
    """(field, reason code) for every field a notice fills that its type cannot take."""
    bad = []
    for name, value in fields.items():
        kind = _field_type(name)
        dynamic = DYNAMIC.findall(value)
        if any(d in ("first_line", "rest", "text") for d in dynamic) and kind not in FREE_TEXT:
            bad.append((name, "free_text"))
        elif kind in FIELD_LIMITS and len(DYNAMIC.sub("", value)) > FIELD_LIMITS[kind]:
            bad.append((name, "too_long"))
        elif kind in ("time", "date") and dynamic != ["date"]:
            bad.append((name, "not_a_date"))
    return bad


def match(notices: dict, templates: list[dict]) -> list[Match]:
    out = []
    for kind, spec in notices.items():
        wanted = set(spec.get("fields", {}))
        candidates = [t for t in templates if fields_of(t) == wanted]
        title = spec.get("title")
        if title and len(candidates) > 1:
            candidates = [t for t in candidates if title in t.get("title", "")] or candidates
        result = Match(kind)
        if not candidates:
            result.problems.append("no_template")
        elif len(candidates) > 1 and len({t["template_id"] for t in candidates}) > 1:
            result.problems.append("ambiguous")
        else:
            bad = fit_problems(spec.get("fields", {}))
            if bad:
                result.problems.extend(f"{reason}:{name}" for name, reason in bad)
            else:
                result.template_id, result.title = candidates[0]["template_id"], candidates[0].get("title", "")
        out.append(result)
    return out


def load(path: Path = TEMPLATES_FILE) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def record(path: Path, ids: dict[str, str]) -> None:
    """Set `template_id = "..."` of each kind's section in place, keeping the file's comments."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    section = None
    for i, line in enumerate(lines):
        header = re.match(r"\s*\[([^\]]+)\]\s*$", line)
        if header:
            section = header.group(1).strip()
            continue
        if section in ids and re.match(r"\s*template_id\s*=", line):
            lines[i] = f'template_id = "{ids[section]}"\n'
    path.write_text("".join(lines), encoding="utf-8")


def account_templates(client) -> list[dict]:
    return client.template.get_all_private_template().get("template_list", [])


def in_sync(notices: dict, templates: list[dict]) -> tuple[list[str], list[str]]:
    """(kinds whose recorded id is not on the account, kinds without a template)."""
    on_account = {t["template_id"] for t in templates}
    gone = [k for k, s in notices.items() if s.get("template_id") and s["template_id"] not in on_account]
    without = [k for k, s in notices.items() if not s.get("template_id")]
    return gone, without
