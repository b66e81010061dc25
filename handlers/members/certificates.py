"""The electronic member certificate (电子会员证): its signed code, its verdict today, its image.

The QR code on a certificate opens the public verification page at
/m/verify/<number>.<signature>: the member (or unit) number and an HMAC of it
under config.certificate_key, so a code cannot be made up or altered (another
number, another signature) without the key. The code says only whose
certificate it is; whether the membership is valid is read from the store at
the moment of the scan, so a certificate saved last year says "已失效" once
the dues lapse or the membership ends, and comes back to life with a renewal.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
from datetime import date
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from bot import content
from handlers.fees import dues

SIGNATURE_CHARS = 16  # base64url characters of the HMAC kept in the code (96 bits)
_CODE = re.compile(r"([A-Z0-9][A-Z0-9-]{2,31})\.([A-Za-z0-9_-]{%d})" % SIGNATURE_CHARS)
FONT_FILES = (  # Debian's fonts-noto-cjk first (CI installs it), then other common places
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
VALID_STANDINGS = ("active", "grace", "exempt", "lifetime")  # grace: still in force until it ends


def _signature(key: str, number: str) -> str:
    digest = hmac.new(key.encode(), f"certificate:v1:{number}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_CHARS]


def code_for(key: str, number: str) -> str:
    """What the certificate's QR code carries after /m/verify/: the number and its signature."""
    return f"{number}.{_signature(key, number)}"


def number_in(key: str, code: str) -> str | None:
    """The number a code vouches for, or None when it is malformed, forged or altered."""
    found = _CODE.fullmatch(code or "")
    if not found or not hmac.compare_digest(found.group(2), _signature(key, found.group(1))):
        return None
    return found.group(1)


# --- what a certificate says -----------------------------------------------------------

def _text(key: str, **fields) -> str:
    return content.text(f"pages.certificate.{key}", **fields)


def verdict(payer: dict, today: date) -> str:
    """`valid`, `pending` (approved, dues not paid yet), or `invalid` (lapsed, suspended, resigned)."""
    if payer["status"] != "active":
        return "invalid"
    standing = dues.dues_standing(payer["category"], payer["paid_through"], today)
    if standing in VALID_STANDINGS:
        return "valid"
    return "pending" if standing == "unpaid" else "invalid"


def validity_text(payer: dict) -> str:
    """How long the membership runs: the paid-through date, 终身有效, or 长期有效 for exempt categories."""
    if dues.is_lifetime(payer["paid_through"]):
        return _text("validity_lifetime")
    if dues.is_exempt(payer["category"]):
        return _text("validity_exempt")
    if not payer["paid_through"]:
        return _text("validity_unpaid")
    return _text("validity_until", date=payer["paid_through"])


def public_view(payer: dict, today: date) -> dict:
    """Everything the verification page shows, and nothing more."""
    return {"name": payer["name"], "number": payer["number"], "category": dues.category_name(payer["category"]),
            "validity": validity_text(payer), "verdict": verdict(payer, today),
            "verdict_text": _text(f"verdict.{verdict(payer, today)}")}


# --- the image ---------------------------------------------------------------------------

WIDTH, HEIGHT = 750, 1100
GREEN, DARK, GREY = (7, 193, 96), (31, 35, 41), (120, 126, 135)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_FILES:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)  # no CJK font installed: Latin only, but still an image


def qr_image(url: str, width: int) -> Image.Image:
    """The QR code (segno) with whole pixels per module, as close to `width` as that allows."""
    qr = segno.make(url, error="m")
    scale = max(1, width // qr.symbol_size(scale=1, border=2)[0])
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=2)
    out.seek(0)
    return Image.open(out).convert("RGB")


def image_png(payer: dict, verify_url: str, today: date) -> bytes:
    """The certificate as a PNG a member can long-press to save: society, member, validity, QR code."""
    view = public_view(payer, today)
    society = content.society()["name"]
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 190), fill=GREEN)
    draw.text((WIDTH // 2, 70), society, font=_font(40), fill="white", anchor="mm")
    draw.text((WIDTH // 2, 135), _text("image_title"), font=_font(34), fill="white", anchor="mm")
    draw.text((WIDTH // 2, 270), view["name"], font=_font(64), fill=DARK, anchor="mm")
    rows = ((_text("number"), view["number"]), (_text("category"), view["category"]),
            (_text("validity"), view["validity"]))
    for i, (label, value) in enumerate(rows):
        y = 360 + i * 62
        draw.text((90, y), label, font=_font(30), fill=GREY, anchor="lm")
        draw.text((270, y), value, font=_font(32), fill=DARK, anchor="lm")
    qr = qr_image(verify_url, 420)
    image.paste(qr, ((WIDTH - qr.width) // 2, 770 - qr.height // 2))
    draw.text((WIDTH // 2, 1000), _text("image_scan"), font=_font(26), fill=GREY, anchor="mm")
    draw.text((WIDTH // 2, 1045), _text("image_issued", day=today.isoformat()), font=_font(22), fill=GREY,
              anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
