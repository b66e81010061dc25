"""content/menu.toml on the real account: the platform's rules, the live menu, the difference.

The rules are WeChat's (custom menu API, menu/create): at most 3 buttons, each with at most 5
sub-buttons; a button's name at most 16 bytes (a sub-button's 60); a key at most 128 bytes; a
URL at most 1024 bytes. The product adds its own: every click key is handled by a capability
(bot/registry.py, filled by importing handlers/), and every page link is on the configured
public host (PUBLIC_BASE_URL) or a host menu.toml lists under `other_hosts` (the society's site).
"""
from __future__ import annotations

import difflib
import json
from urllib.parse import urlsplit

from bot import content
from bot.platform.pages import society_page_path

MAX_BUTTONS, MAX_SUB_BUTTONS = 3, 5
MAX_NAME_BYTES, MAX_SUB_NAME_BYTES = 16, 60
MAX_KEY_BYTES, MAX_URL_BYTES = 128, 1024
TYPES = {"click", "view", "miniprogram", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
         "pic_photo_or_album", "pic_weixin", "location_select", "media_id", "article_id",
         "article_view_limited"}


def _bytes(text) -> int:
    return len(str(text or "").encode("utf-8"))


def build(menu: dict, public_base_url: str | None, account: str | None = None) -> dict:
    """The menu/create body: relative page links (/m/) put on the public host (a society's account
    on the platform: its own pages, /m/<appid>/...)."""
    def one(button: dict) -> dict:
        out = {k: v for k, v in button.items() if k in ("type", "name", "key", "url", "appid", "pagepath",
                                                       "media_id", "article_id")}
        if out.get("url", "").startswith("/m/") and account:
            out["url"] = society_page_path(account, out["url"])
        if out.get("url", "").startswith("/") and public_base_url:
            out["url"] = public_base_url + out["url"]
        return out

    buttons = []
    for top in menu.get("button", []):
        if top.get("sub_button"):
            buttons.append({"name": top.get("name", ""), "sub_button": [one(b) for b in top["sub_button"]]})
        else:
            buttons.append(one(top))
    return {"button": buttons}


def problems(menu: dict, public_base_url: str | None, click_keys: set[str]) -> list[str]:
    """Every rule the menu breaks, one line of Chinese each (empty: it can be published)."""
    found = []

    def say(problem: str, **fields) -> None:
        found.append(content.text(f"menu_cli.problem.{problem}", **fields))

    buttons = menu.get("button", [])
    if not buttons:
        say("no_buttons")
    if len(buttons) > MAX_BUTTONS:
        say("too_many_buttons", count=len(buttons), limit=MAX_BUTTONS)
    public_host = urlsplit(public_base_url).hostname if public_base_url else None
    other_hosts = set(menu.get("other_hosts", []))

    def check(button: dict, sub: bool) -> None:
        name = button.get("name", "")
        limit = MAX_SUB_NAME_BYTES if sub else MAX_NAME_BYTES
        if not name:
            say("no_name")
        elif _bytes(name) > limit:
            say("name_too_long", name=name, bytes=_bytes(name), limit=limit)
        kind = button.get("type")
        if kind not in TYPES:
            say("bad_type", name=name, type=kind)
        if kind == "click":
            key = button.get("key", "")
            if not key:
                say("no_key", name=name)
            elif _bytes(key) > MAX_KEY_BYTES:
                say("key_too_long", name=name, limit=MAX_KEY_BYTES)
            elif key not in click_keys:
                say("key_unhandled", name=name, click_key=key)
        if kind == "view":
            url = button.get("url", "")
            full = public_base_url + url if url.startswith("/") and public_base_url else url
            if not url:
                say("no_url", name=name)
            elif url.startswith("/") and not public_base_url:
                say("no_public_host", name=name, url=url)
            elif _bytes(full) > MAX_URL_BYTES:
                say("url_too_long", name=name, limit=MAX_URL_BYTES)
            elif urlsplit(full).scheme not in ("http", "https"):
                say("bad_url", name=name, url=url)
            elif urlsplit(full).hostname != public_host and urlsplit(full).hostname not in other_hosts:
                say("foreign_host", name=name, url=url, host=public_host or "（未设置）")

    for top in buttons:
        subs = top.get("sub_button") or []
        if len(subs) > MAX_SUB_BUTTONS:
            say("too_many_sub_buttons", name=top.get("name", ""), count=len(subs), limit=MAX_SUB_BUTTONS)
        if subs:
            if not top.get("name"):
                say("no_name")
            elif _bytes(top["name"]) > MAX_NAME_BYTES:
                say("name_too_long", name=top["name"], bytes=_bytes(top["name"]), limit=MAX_NAME_BYTES)
            for button in subs:
                check(button, sub=True)
        else:
            check(top, sub=False)
    return found


def handled_click_keys() -> set[str]:
    import handlers
    from bot.registry import MENU_HANDLERS

    handlers.register()
    return set(MENU_HANDLERS)


def live_menu(client) -> dict | None:
    """The menu on the account (menu/get), in menu/create's shape; None when there is none."""
    answer = client.menu.get()
    if not answer:
        return None
    menu = answer.get("menu", answer)
    return {"button": menu.get("button", [])}


def _lines(menu: dict | None) -> list[str]:
    if not menu:
        return []
    out = []
    for top in menu.get("button", []):
        subs = top.get("sub_button") or []
        if isinstance(subs, dict):  # get_current_selfmenu_info's shape
            subs = subs.get("list", [])
        out.append(_describe(top) if not subs else top.get("name", ""))
        out.extend("  " + _describe(b) for b in subs)
    return out


def _describe(button: dict) -> str:
    target = button.get("key") or button.get("url") or button.get("media_id") or ""
    return f"{button.get('name', '')}  [{button.get('type', '')}] {target}".rstrip()


def diff(live: dict | None, wanted: dict) -> list[str]:
    """Unified diff lines, live (on the account) against wanted (content/menu.toml)."""
    return list(difflib.unified_diff(_lines(live), _lines(wanted), "account", "content/menu.toml", lineterm="", n=1))


def same(live: dict | None, wanted: dict) -> bool:
    return _lines(live) == _lines(wanted)


def describe(menu: dict | None) -> list[str]:
    return _lines(menu)


def as_json(menu: dict) -> str:
    return json.dumps(menu, ensure_ascii=False)
