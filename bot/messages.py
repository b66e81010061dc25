"""A member's message and the bot's reply, free of any WeChat wire format.

The adapter in `bot/wechat.py` turns XML into an `Inbound` and a `Reply`
back into XML; everything between sees only these two classes.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Inbound:
    openid: str
    account: str            # the official account's id (ToUserName)
    kind: str               # text, voice, image, video, shortvideo, location, link, event, unknown
    create_time: int
    text: str | None = None         # typed text, or the voice recognition result
    event: str | None = None        # subscribe, subscribe_scan, unsubscribe, scan, click, view, ...
    event_key: str | None = None
    msg_id: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def in_words(self) -> bool:
        """Said in words: typed, or spoken and recognised by WeChat (a voice message's text is read as typed)."""
        return self.kind in ("text", "voice") and bool(self.text)

    @property
    def retry_key(self) -> str:
        """What WeChat repeats on a retry: MsgId, or sender + time + event + key for events."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"evt:{self.openid}:{self.create_time}:{self.event}:{self.event_key or ''}"


@dataclass(frozen=True)
class Article:
    title: str
    description: str = ""
    url: str = ""
    image: str = ""


@dataclass(frozen=True)
class Reply:
    """Text, or one article card, or nothing (WeChat then shows nothing and stops retrying)."""
    text: str | None = None
    articles: tuple[Article, ...] = ()

    @classmethod
    def nothing(cls) -> "Reply":
        return cls()

    @property
    def is_empty(self) -> bool:
        return self.text is None and not self.articles

    def with_note(self, note: str) -> "Reply":
        """The same reply with a line appended (e.g. a reminder of an unfinished flow)."""
        if self.text is None:
            return self
        return Reply(text=f"{self.text}\n\n{note}")
