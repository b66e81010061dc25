"""The secretariat's web console at /admin: server-rendered pages in Simplified Chinese.

    console.py   the `admin` blueprint: the page list, the menu, sign-in, roles and CSRF
                 checks before every view, security headers, error pages
    ui.py        what pages share: stores, the signed-in user, texts, `allow`, paging, downloads
    accounts.py  users, passwords, log-in and lock-out (also used by `python -m bot admin`)
    csrf.py      the per-session form token
    charts.py    inline SVG bar and line charts
    <page>.py    one blueprint per page group (dashboard, applications, members, roster_import,
                 governance, audit, users)

To add a page group: write `bot/admin/<name>.py` with `bp = Blueprint("<name>", __name__,
url_prefix="/<name>")` and its views (each view is open to the secretariat unless marked
`@allow(...)`), templates under `templates/admin/<name>*.html` extending `admin/base.html`
with the macros in `admin/macros.html`, texts under [admin.<name>] in
content/replies/admin.toml, then add the module to PAGES and its entry to MENU in console.py.
"""
