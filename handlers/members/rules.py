"""The society's membership rules from content/membership.toml: categories, member numbers, the fellows' share."""
from __future__ import annotations

from bot import content
from storage.members import INDIVIDUAL_CATEGORIES, Refused


def membership_rules() -> dict:
    return content.load_toml("membership.toml")


def category_code(value: str | None) -> str:
    """An individual category from its code (`regular`) or its Chinese name (`普通会员`)."""
    names = {code: name for code, name in membership_rules()["categories"].items()
             if code in INDIVIDUAL_CATEGORIES}
    for code, name in names.items():
        if value in (code, name):
            return code
    raise Refused("category", value=value, choices="、".join(names.values()))
