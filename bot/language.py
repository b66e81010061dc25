"""Which language a reply is in: the member's, as the messages show it.

Chinese is the default. A message written in English (content/language.toml says what counts)
is answered in English wherever content/replies_en/ has the text; a message in Chinese switches
back; a message that is neither (a number picked from a list, an emoji, a mobile) keeps the
language of the conversation, remembered in the member's flow and, between flows, in Redis
for as long as a flow would be kept.
"""
from __future__ import annotations

import re

from bot import content
from storage import state

ENGLISH = "en"
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORDS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")  # "hi0i" is one token, not "hi" and "i"
_SPACES = re.compile(r"\s+")


def _words() -> dict:
    return content.load_toml("language.toml")


def said_in(text: str | None) -> str | None:
    """The language a message is written in, or None when it says too little to tell."""
    if not text:
        return None
    if _CJK.search(text):
        return content.DEFAULT_LANGUAGE
    lowered = text.lower()
    words = _WORDS.findall(lowered)
    if " ".join(words) in _words()["english_alone"]:
        return ENGLISH
    listed = set(words) & set(_words()["english_words"])
    if len(listed) >= 2 and max(map(len, listed)) >= 4:  # "hi there", not "HI:I"
        return ENGLISH
    return None


def of_turn(ctx) -> str:
    """The language to answer this message in (see the module's docstring); remembered for the
    next one when it is not the default. A message that says too little and comes with no flow
    takes the one remembered (read with the member's turn: Context.remembered_language)."""
    said = said_in(ctx.message.text) if ctx.message.kind != "event" else None
    if said is None:
        said = (ctx.flow or {}).get("language") if ctx.flow is not None else ctx.remembered_language
    return said or content.DEFAULT_LANGUAGE


def remember(ctx, language: str, seconds: int) -> None:
    """Keep the conversation's language with the flow (if any) and for the next message without one."""
    if ctx.flow is not None:
        if language == content.DEFAULT_LANGUAGE:
            ctx.flow.pop("language", None)
        else:
            ctx.flow["language"] = language
    if language != content.DEFAULT_LANGUAGE:
        state.remember_language(ctx.redis, ctx.openid, language, seconds)


def asks_about_english(text: str) -> bool:
    """"Do you have anyone who speaks English?", "有会说英语的吗": answered as it is (language.staff),
    before any guess at an intent."""
    lowered = _SPACES.sub(" ", (text or "").lower())
    return content.holds_any(lowered, _words()["asks_for_english"])
