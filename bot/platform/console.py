"""The secretariat's console when the platform serves many societies: each society's staff sign in
to their own society (its store holds their accounts), and every page then works on that store,
in that society's namespace, exactly as a single account's console does.

The society is chosen on the log-in form and kept in the console's session; bot.web.services()
answers with that society's services for the request.
"""
from __future__ import annotations

from flask import abort, current_app, g, request, session

from bot.platform.accounts import AccountRefused
from bot.platform.scope import enter_account, leave_account
from storage import societies

LOGIN_ENDPOINT = "admin.auth.login"


def enter_society() -> None:
    """Before a console request: the society of the session (or of the log-in form being sent)."""
    appid = request.form.get("society") if request.endpoint == LOGIN_ENDPOINT else session.get("society")
    if not appid:
        return
    try:
        enter_account(appid)
    except AccountRefused as refused:
        session.pop("society", None)
        abort(refused.status)


leave_society = leave_account


def remember_society() -> None:
    """After a successful log-in (which starts a new session): the session stays with the society."""
    account = g.get("account_services")
    if account is not None:
        session["society"] = account.config.account


def societies_to_sign_in_to() -> list[dict]:
    """The log-in form's choice, when the platform serves many."""
    if not current_app.extensions["services"].config.platform:
        return []
    return societies.list_societies(current_app.extensions["platform"].registry, societies.AUTHORIZED)
