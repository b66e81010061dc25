"""Console walk 11, #13: a read-only user opening a form's own page by its address (a bookmark, a colleague's
link) got the whole form, and lost what was typed to the 403 that followed its send."""
from __future__ import annotations

from bot.admin import accounts
from storage.members import insert_member
from tests.admin_data import PASSWORD
from tests.test_admin import log_in, page, post, units, users  # noqa: F401  (fixtures)

FORM_PAGES = ("/admin/members/HNKX202600012/edit", "/admin/news/new", "/admin/members/import/", "/admin/dues/import")


def test_a_read_only_user_is_refused_a_form_s_page_before_typing_and_staff_are_not(client, users, db, config):
    insert_member(db, {"member_no": "HNKX202600012", "name": "黄蓉", "category": "regular"}, actor="test")
    accounts.create_user(db, config, "理事长", PASSWORD, "viewer", None, actor="test")
    assert log_in(client, "理事长").status_code == 302
    for url in FORM_PAGES:
        refused = client.get(url)
        assert refused.status_code == 403 and "只读账号" in page(refused) and "<textarea" not in page(refused), url
    assert client.get("/admin/members/HNKX202600012").status_code == 200  # pages to read still open
    post(client, "/admin/logout")
    assert log_in(client, "staff1").status_code == 302
    for url in FORM_PAGES:
        assert client.get(url).status_code == 200, url
