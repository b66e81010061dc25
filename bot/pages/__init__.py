"""Member pages inside WeChat, at /m/: opened from the menu's `view` buttons and from links in replies.

The same app and store as the chat, the CLI and the console: a page reads and
changes the member record through storage/ and the rules in bot/ and handlers/,
never a copy of them. Who the member is comes only from WeChat's web
authorisation (bot/pages/auth.py): a page never takes a member id from the URL,
and the few URLs that name a record (a ticket, an order) are looked up together
with the session's openid, so another member's id finds nothing.

    auth.py         the member session, WeChat web authorisation, the development stand-in
    centre.py       会员中心: card, application, contact details, registrations, tickets
    certificate.py  电子会员证 and the public verification page
    dues.py         会费 and WeChat Pay (orders, the payment prompt, the result, notifications)
    apply.py        入会申请 (the chat form's fields on one page, with a draft)
    events.py       活动: the coming events, registration, its fee paid with WeChat Pay
    province.py     the province's public annual activity guide (no sign-in) and its files
    news.py         电子会讯: the archive, by topic, the chat's own listing
    jobs.py         招聘信息: the job board searched with filters, the chat's own search
"""
from __future__ import annotations

from flask import Blueprint

pages = Blueprint("pages", __name__, url_prefix="/m", template_folder="templates",
                  static_folder="static", static_url_path="/static")

from bot.pages import apply, auth, centre, certificate, dues, events, jobs, news, province  # noqa: E402,F401  (routes register on `pages`)
from bot.pages.common import error_page  # noqa: E402

for _code in (400, 403, 404, 405, 413, 500):
    pages.register_error_handler(_code, error_page)
