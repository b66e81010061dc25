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
    """Applied to every log record the bot writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_mobile(record.getMessage())
        record.args = ()
        return True


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskMobileFilter())
    root = logging.getLogger()
    if not any(isinstance(f, MaskMobileFilter) for h in root.handlers for f in h.filters):
        root.addHandler(handler)
    root.setLevel(level)
