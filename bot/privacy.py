"""Personal data and secrets never leave in the clear: mobile numbers are masked in replies and logs,
ID card numbers (身份证号, kept in a member's remarks from a roster) wherever a mobile is and in logs,
secrets in an error's URL (an HTTP library's message quotes the URL it failed on) are hidden."""
from __future__ import annotations

import logging
import re

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_mobile(text: str) -> str:
    """13812345678 -> 138****5678, wherever it appears in the text."""
    return _MOBILE.sub(r"\1****\2", text)


# 18 digits (the last may be X) or the old 15, each with a birth date in place: 6 digits of region, then
# yyyymmdd (yymmdd), 3 of sequence and the check character. A receipt or order number is left alone.
_BIRTH_DAY = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_ID_NUMBER = re.compile(rf"(?<![0-9])(?:\d{{6}}(?:19|20)\d{{2}}{_BIRTH_DAY}\d{{3}}[0-9Xx]|\d{{8}}{_BIRTH_DAY}\d{{3}})"
                        r"(?![0-9A-Za-z])")


def mask_id_number(text: str) -> str:
    """410105198803123456 -> 4101**********3456 (first 4 and last 4 kept, as many * as hidden)."""
    return _ID_NUMBER.sub(lambda found: _masked(found.group(0)), text)


def holds_id_number(text: str) -> bool:
    """"41010520000305123x": an ID card number somewhere in the text."""
    return _ID_NUMBER.search(text or "") is not None


def _masked(number: str) -> str:
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_personal(text: str) -> str:
    """Mobiles and ID card numbers masked: what free text (remarks, a member's words, a log line) needs."""
    if _ELEVEN_DIGITS.search(text) is None:  # most texts: no run of digits either number needs
        return text
    return mask_mobile(mask_id_number(text))


_ELEVEN_DIGITS = re.compile(r"\d{11}")  # a mobile's length, the shortest of both


_MASKED = re.compile(r"(?<![0-9])([0-9]{3,4})(\*{4,})([0-9]{3}[0-9Xx])")


def unmasked(text: str, original: str | None) -> str:
    """Each number `text` shows masked (as this module masks them) back to the one of `original` it
    stands for: an export or an edit form sent back does not put 4101**********3456 in its place."""
    def back(found: re.Match) -> str:
        first, hidden, last = found.groups()
        whole = re.search(rf"(?<![0-9]){first}[0-9]{{{len(hidden)}}}{last}(?![0-9A-Za-z])", original or "",
                          re.IGNORECASE)
        return whole.group(0) if whole else found.group(0)
    return _MASKED.sub(back, text)


_SECRET_IN_URL = re.compile(r"((?:secret|appsecret|access_token|component_access_token|token|password)=)"
                            r"[^&\s'\")]+", re.IGNORECASE)


def hide_secrets(text: str) -> str:
    """...?appid=wx1&secret=abc123 -> ...?appid=wx1&secret=***"""
    return _SECRET_IN_URL.sub(r"\1***", text)


class MaskMobileFilter(logging.Filter):
    """Applied to every log record the bot writes: mobiles and ID card numbers masked and secrets hidden in the message,
    and in the traceback of a logged exception (requests quotes the URL it failed on, secret included)."""

    def __init__(self, secrets=()):
        super().__init__()
        self.secrets = _longest_first(secrets)

    def clean(self, text: str) -> str:
        text = hide_secrets(mask_personal(text))
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
