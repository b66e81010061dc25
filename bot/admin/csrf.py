"""CSRF protection for the console's forms: one random token per session, checked on every POST.

Twenty lines instead of Flask-WTF: the console has no other use for WTForms,
and the rule is simple. Every form carries the session's token in a hidden
field (the `csrf_field()` macro); a POST whose token is missing or differs
is refused with 400 before any view runs. Another site can make a browser
post to us, but cannot read our pages to learn the token. SameSite=Lax on
the session cookie is a second line of defence, not the only one.
"""
from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def token() -> str:
    """The session's token, made on first use (the log-in form already carries one)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check() -> None:
    """Abort with 400 unless an unsafe request carries the session's token."""
    if request.method in UNSAFE_METHODS and not carries_token():
        abort(400, description="csrf")


def carries_token() -> bool:
    """Whether the request carries the session's token: it was sent from one of our pages in this browser."""
    expected = session.get("csrf")
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())
