"""Personal data and secrets never leave in the clear: mobile numbers are masked in replies and logs,
secrets in an error's URL (an HTTP library's message quotes the URL it failed on) are hidden."""
from __future__ import annotations

import logging
import re

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_mobile(text: str) -> str:
    """13812345678 -> 138****5678, wherever it appears in the text."""
    return _MOBILE.sub(r"\1****\2", text)


_SECRET_IN_URL = re.compile(r"((?:secret|appsecret|access_token|component_access_token|token|password)=)"
                            r"[^&\s'\")]+", re.IGNORECASE)


def hide_secrets(text: str) -> str:
    """...?appid=wx1&secret=abc123 -> ...?appid=wx1&secret=***"""
    return _SECRET_IN_URL.sub(r"\1***", text)


class MaskMobileFilter(logging.Filter):
    """Applied to every log record the bot writes: mobiles masked and secrets hidden in the message,
    and in the traceback of a logged exception (requests quotes the URL it failed on, secret included)."""

    def __init__(self, secrets=()):
        super().__init__()
        self.secrets = _longest_first(secrets)

    def clean(self, text: str) -> str:
        text = hide_secrets(mask_mobile(text))
        for secret in self.secrets:  # the configured values themselves, wherever an error quotes them
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.clean(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self.clean(record.stack_info)
        return True


MIN_SECRET = 6  # shorter configured values (a test's "x") would blank ordinary words


def _longest_first(secrets) -> list[str]:
    """The values worth hiding, once each, longest first (a secret containing another is hidden whole)."""
    return sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True)


def configure_logging(level: int = logging.INFO, secrets=()) -> None:
    """Log to stderr through MaskMobileFilter; `secrets`: the configured secret values, hidden too."""
    root = logging.getLogger()
    present = [f for h in root.handlers for f in h.filters if isinstance(f, MaskMobileFilter)]
    if present:
        for found in present:
            found.secrets = _longest_first([*found.secrets, *secrets])
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(MaskMobileFilter(secrets))
        root.addHandler(handler)
    root.setLevel(level)
