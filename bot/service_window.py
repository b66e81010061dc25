"""Whether a member's message opens their customer-service window, and for how long.

The message path asks this once per message (bot/webhook.py), and the delivery
counts the messages the window allows (bot/delivery/): 48 h and 5 messages after
a message, 1 minute and 3 after a click, follow or scan (config.cs_*_window).
"""
from __future__ import annotations

from bot.config import Config
from bot.messages import Inbound
from bot.wechat import FOLLOW_EVENTS, SCAN_EVENTS

MESSAGE_KINDS = {"text", "image", "voice", "video", "shortvideo", "location", "link"}
EVENTS_OPENING_A_WINDOW = {*FOLLOW_EVENTS, *SCAN_EVENTS, "click"}


def window_opened_by(message: Inbound, config: Config) -> tuple[str, int, int] | None:
    """The customer-service window a member's message opens: (kind, seconds, messages), or None.

    48 h and 5 messages after a message; 1 minute and 3 after a click, follow or scan.
    """
    if message.kind in MESSAGE_KINDS:
        return ("message", *config.cs_message_window)
    if message.kind == "event" and message.event in EVENTS_OPENING_A_WINDOW:
        return ("event", *config.cs_event_window)
    return None
