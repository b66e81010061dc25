"""电子会员证: the member's certificate as a page and as a PNG to save; the public verification page.

The certificate is the session member's own (or their unit's, for a unit
contact); the verification page is public and shows only name, number,
category, validity and whether the membership is valid today
(handlers/members/certificates.py holds the rules and the image).
"""
from __future__ import annotations

from flask import Response, redirect, url_for

from handlers.members import certificates
from bot.pages import pages
from bot.pages.auth import public, root_url
from bot.pages.common import config, db, openid, render, today
from storage.fees import find_payer, find_payer_by_openid


def _verify_url(payer: dict) -> str:
    code = certificates.code_for(config().certificate_key, payer["number"])
    return root_url() + url_for("pages.verify", code=code).lstrip("/")


@pages.get("/certificate")
def certificate():
    payer = find_payer_by_openid(db(), openid())
    if payer is None:
        return redirect(url_for("pages.centre"))
    view = certificates.public_view(payer, today())
    renewable = view["verdict"] != "valid" and payer["status"] == "active"  # paying dues makes it valid (again)
    return render("certificate.html", view=view, renewable=renewable, verify_url=_verify_url(payer))


@pages.get("/certificate.png")
def certificate_image():
    payer = find_payer_by_openid(db(), openid())
    if payer is None:
        return redirect(url_for("pages.centre"))
    png = certificates.image_png(payer, _verify_url(payer), today())
    return Response(png, mimetype="image/png",
                    headers={"Content-Disposition": f'inline; filename="certificate-{payer["number"]}.png"'})


@pages.get("/verify/<code>")
@public
def verify(code: str):
    """What anyone who scans a certificate sees; a forged or altered code is refused."""
    number = certificates.number_in(config().certificate_key, code)
    payer = find_payer(db(), number) if number else None
    if payer is None:
        return render("verify.html", 404, view=None)
    return render("verify.html", view=certificates.public_view(payer, today()), checked=today().isoformat())
