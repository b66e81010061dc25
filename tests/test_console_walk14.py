"""Console walk 14 (a secretary, an editor and a viewer on their first day): what blocked their work first. A payment
date typed the way people write it (a browser's date box read 2026.3.5 as the year 635), the bank import's rows left
to settle after 确认登记, a unit member put right after it was added, the import's preview promising what confirm does."""
from __future__ import annotations

import re
from datetime import date, timedelta

from tests.test_console_walk12 import member, paid
from tests.test_admin import log_in, page, post, staff, units, users  # noqa: F401  (fixtures)

Y = date.today().year


def flashed(response) -> str:
    """The flash messages alone (the page's own labels say 缴费日期 too)."""
    return "\n".join(re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page(response), re.S))


# --- #3: a payment date as people type it ------------------------------------------------------------

def _pay(staff, number: str, paid_on: str):
    return post(staff, "/admin/dues/record", {"number": number, "amount": "100元", "years": "1", "method": "现金",
                                              "paid_on": paid_on}, follow_redirects=True)


def test_a_payment_date_from_long_ago_is_refused_naming_the_date(staff, db):
    """The date box turned 2026.3.5 into 0635-02-02, and a receipt was issued for it."""
    member(db, "HNKX201900021", "卢静", f"{Y - 1}-12-31")
    said = flashed(_pay(staff, "HNKX201900021", "0635-02-02"))
    assert "缴费日期" in said and "0635-02-02" in said and "已登记" not in said, said
    assert paid(db, "HNKX201900021") == []


def test_a_payment_date_typed_with_dots_slashes_or_as_month_and_day_is_read(staff, db):
    member(db, "HNKX201900022", "葛云", f"{Y}-12-31")
    member(db, "HNKX201900023", "秦岭", f"{Y}-12-31")
    member(db, "HNKX201900024", "蒋涛", f"{Y}-12-31")
    day = date.today() - timedelta(days=3)
    for number, typed in (("HNKX201900022", f"{day.year}.{day.month}.{day.day}"),
                          ("HNKX201900023", f"{day.year}/{day.month}/{day.day}"),
                          ("HNKX201900024", f"{day.month}月{day.day}日")):
        said = flashed(_pay(staff, number, typed))
        assert "已登记" in said, (typed, said)
        assert [p["paid_at"][:10] for p in paid(db, number)] == [day.isoformat()], typed


def test_the_payment_date_box_takes_typed_text(staff):
    """A browser's date box reads 2026.3.5 its own way: the box is a text box with the ways it can be written."""
    shown = page(staff.get("/admin/dues/"))
    box = shown.split('name="paid_on"')[0].rsplit("<input", 1)[1] + shown.split('name="paid_on"')[1].split(">")[0]
    assert 'type="date"' not in box, box
