"""Dues arithmetic: standing across year ends and grace periods, multi-year and lifetime, lapsed then paid.

The schedule is pinned here, so the rules are tested whatever a secretariat
puts in content/membership.toml.
"""
from __future__ import annotations

from datetime import date

import pytest

from handlers.fees import dues

RULES = {
    "grace_days": 90,
    "remind_days_before": 30,
    "lapsed_notice_days": 30,
    "multi_year_options": [1, 2, 3, 5],
    "yearly": {"student": 20, "regular": 100, "senior": 200, "fellow": 0, "unit": 2000},
    "lifetime": {"regular": 1500, "senior": 3000},
    "next_year_from": "11-01",
}


@pytest.fixture(autouse=True)
def pinned_schedule(monkeypatch):
    monkeypatch.setattr(dues, "fee_rules", lambda: RULES)


D = date.fromisoformat


@pytest.mark.parametrize("today,expected", [
    ("2025-06-30", "active"),
    ("2025-12-31", "active"),      # the last day of the membership year is still paid
    ("2026-01-01", "grace"),       # the next day grace begins, across the year boundary
    ("2026-03-31", "grace"),       # the 90th day of grace
    ("2026-04-01", "lapsed"),
    ("2030-01-01", "lapsed"),
])
def test_standing_across_the_year_end_and_grace(today, expected):
    assert dues.standing("2025-12-31", D(today)) == expected


def test_never_paid_is_unpaid():
    assert dues.standing(None, D("2026-01-01")) == "unpaid"
    assert dues.dues_standing("regular", None, D("2026-01-01")) == "unpaid"


def test_fellows_are_exempt_and_lifetime_members_never_lapse():
    assert dues.dues_standing("fellow", None, D("2026-05-01")) == "exempt"
    assert dues.dues_standing("regular", dues.LIFETIME_PAID_THROUGH, D("2090-01-01")) == "lifetime"
    assert dues.days_to_expiry(dues.LIFETIME_PAID_THROUGH, D("2026-01-01")) is None


@pytest.mark.parametrize("today,days", [("2025-12-01", 30), ("2025-12-31", 0), ("2026-01-05", -5)])
def test_days_to_expiry(today, days):
    assert dues.days_to_expiry("2025-12-31", D(today)) == days


def test_amounts_per_category_and_term():
    assert dues.amount_due("regular", 1) == 100
    assert dues.amount_due("regular", 3) == 300
    assert dues.amount_due("student", 5) == 100
    assert dues.amount_due("regular", 4) is None            # not an option on the schedule
    assert dues.amount_due("regular", dues.LIFETIME) == 1500
    assert dues.amount_due("student", dues.LIFETIME) is None  # no lifetime for students


@pytest.mark.parametrize("category,amount,years", [
    ("regular", 100, 1), ("regular", 200.0, 2), ("student", 60, 3), ("regular", 1500, dues.LIFETIME),
    ("regular", 150, None), ("regular", 400, None), ("fellow", 0, None), ("unit", 10000, 5),
])
def test_what_an_amount_pays_for(category, amount, years):
    assert dues.years_for_amount(category, amount) == years


@pytest.mark.parametrize("paid_through,years,paid_on,period", [
    # active: continue from the current paid-through year, nothing lost
    ("2025-12-31", 1, "2025-12-10", ("2026-01-01", "2026-12-31")),
    ("2025-12-31", 3, "2025-06-01", ("2026-01-01", "2028-12-31")),
    ("2027-12-31", 2, "2026-03-01", ("2028-01-01", "2029-12-31")),   # paid ahead, pays further
    # grace, across the year boundary: no gap
    ("2025-12-31", 1, "2026-01-01", ("2026-01-01", "2026-12-31")),
    ("2025-12-31", 2, "2026-03-31", ("2026-01-01", "2027-12-31")),
    # lapsed: the year of payment onward, no back-dues
    ("2025-12-31", 1, "2026-04-01", ("2026-01-01", "2026-12-31")),
    ("2021-12-31", 1, "2026-07-15", ("2026-01-01", "2026-12-31")),
    # never paid: the year of payment onward
    (None, 2, "2026-10-20", ("2026-01-01", "2027-12-31")),
    # ... but from 1 November (next_year_from) the next year onward, not weeks of this one
    (None, 2, "2026-11-20", ("2027-01-01", "2028-12-31")),
    # a legacy mid-year date counts as its whole year
    ("2026-06-30", 1, "2026-05-01", ("2027-01-01", "2027-12-31")),
])
def test_what_a_payment_covers(paid_through, years, paid_on, period):
    assert dues.coverage(paid_through, years, D(paid_on)) == period


def test_lifetime_payment_covers_for_ever():
    assert dues.coverage("2025-12-31", dues.LIFETIME, D("2026-02-01")) == ("2026-01-01", "9999-12-31")


def test_lapsed_then_paid_is_active_again_through_the_year_end():
    today = D("2026-08-01")
    assert dues.standing("2024-12-31", today) == "lapsed"
    paid_through = dues.paid_through_after("2024-12-31", 1, today)
    assert paid_through == "2026-12-31"
    assert dues.standing(paid_through, today) == "active"
    assert dues.standing(paid_through, D("2027-01-01")) == "grace"


def test_renewal_options_show_each_term_and_its_end():
    options = dues.renewal_options("regular", "2025-12-31", D("2026-02-01"))
    assert [(o["years"], o["amount"], o["paid_through"]) for o in options] == [
        (1, 100, "2026-12-31"), (2, 200, "2027-12-31"), (3, 300, "2028-12-31"), (5, 500, "2030-12-31"),
        (dues.LIFETIME, 1500, dues.LIFETIME_PAID_THROUGH)]
    assert [o["years"] for o in dues.renewal_options("student", None, D("2026-02-01"))] == [1, 2, 3, 5]
    assert dues.renewal_options("fellow", None, D("2026-02-01")) == []
    assert dues.renewal_options("regular", dues.LIFETIME_PAID_THROUGH, D("2026-02-01")) == []


@pytest.mark.parametrize("today,expected", [
    ("2025-11-30", None),                          # 31 days before: not yet
    ("2025-12-01", ("expiring", "2025-12-31")),    # remind_days_before
    ("2025-12-31", ("expiring", "2025-12-31")),
    ("2026-01-01", None),                          # in grace: nothing new
    ("2026-03-31", None),                          # last day of grace
    ("2026-04-01", ("lapsed", "2025-12-31")),      # grace over
    ("2026-04-30", ("lapsed", "2025-12-31")),      # lapsed_notice_days
    ("2026-05-01", None),                          # too old to announce
])
def test_which_reminder_is_due(today, expected):
    assert dues.reminder_due("regular", "2025-12-31", D(today)) == expected


def test_no_reminders_for_exempt_lifetime_or_paid_ahead():
    day = D("2025-12-15")
    assert dues.reminder_due("fellow", "2025-12-31", day) is None
    assert dues.reminder_due("fellow", None, day) is None
    assert dues.reminder_due("regular", dues.LIFETIME_PAID_THROUGH, day) is None
    assert dues.reminder_due("regular", "2027-12-31", day) is None


@pytest.mark.parametrize("paid_through,today,expected", [
    (None, "2026-06-01", ("unpaid", "2026")),          # never paid: once for this dues year
    (None, "2026-12-06", ("unpaid", "2027")),          # late in the year the dues year is the next
    (None, "2027-03-01", ("unpaid", "2027")),          # ... so January does not remind again
    ("2024-12-31", "2026-06-01", ("overdue", "2026")),  # nothing paid for 2025 nor 2026
    ("2025-12-31", "2026-06-01", None),                 # lapsed in April, told then; not a year yet
    ("2025-12-31", "2026-11-15", ("overdue", "2027")),  # a year gone: asked for 2027
])
def test_members_who_owe_are_reminded_once_a_dues_year(paid_through, today, expected):
    assert dues.reminder_due("regular", paid_through, D(today)) == expected


def test_year_summary_counts_paid_grace_overdue_and_never_paid():
    payers = [
        {"category": "regular", "paid_through": "2026-12-31"},   # paid for 2026
        {"category": "regular", "paid_through": "2030-12-31"},   # paid ahead
        {"category": "regular", "paid_through": "2025-12-31"},   # in grace on 2026-02-01
        {"category": "regular", "paid_through": "2024-12-31"},   # overdue
        {"category": "student", "paid_through": None},           # never paid
        {"category": "regular", "paid_through": dues.LIFETIME_PAID_THROUGH},
        {"category": "fellow", "paid_through": None},            # exempt: not counted
    ]
    summary = dues.year_summary(payers, 2026, D("2026-02-01"))
    assert summary["regular"] == {"due": 5, "paid": 3, "grace": 1, "overdue": 1, "unpaid": 0, "moved": 0,
                                  "expected": 500, "rate": 0.6}
    assert summary["student"]["unpaid"] == 1 and summary["student"]["rate"] == 0.0
    assert "fellow" not in summary


def test_the_years_collection_counts_as_owing_exactly_those_the_arrears_list_names():
    """Console walk 10, #7: 马超 joined and paid in December (for 2027) and 周强 joined in December and has
    not paid: neither owes 2026. Console walk 11, #5: 张伟 and 王芳 lapsed and paid in November (for 2027,
    back-dues not asked): 2026's dues never came, so they are due and unpaid in 2026's rate (`moved`), and
    off the arrears list; 李明 owes, and is the one the list names."""
    today = D("2026-12-07")
    payers = [
        {"category": "regular", "paid_through": "2027-12-31", "covered_from": "2027-01-01", "joined_at": "2026-12-07"},
        {"category": "regular", "paid_through": "2027-12-31", "covered_from": "2027-01-01", "joined_at": "2019-03-01"},
        {"category": "regular", "paid_through": "2027-12-31", "covered_from": "2027-01-01", "joined_at": "2020-05-01"},
        {"category": "regular", "paid_through": None, "joined_at": "2026-12-05"},
        {"category": "regular", "paid_through": None, "joined_at": "2026-03-01"},
        {"category": "regular", "paid_through": "2026-12-31", "joined_at": "2021-01-01"},
    ]
    owing = [p for p in payers if dues.owes(p["category"], p["paid_through"], today, p["joined_at"])]
    summary = dues.year_summary(payers, 2026, today)["regular"]
    assert (summary["due"], summary["paid"], summary["moved"]) == (4, 1, 2)
    assert summary["due"] - summary["paid"] - summary["moved"] == len(owing) == 1
    assert owing == [payers[4]]


def test_a_past_year_is_judged_at_its_end():
    payers = [{"category": "regular", "paid_through": "2024-12-31"}]
    # For 2025, seen from 2026-11: grace ended on 2025-03-31, so overdue, not "grace".
    assert dues.year_summary(payers, 2025, D("2026-11-01"))["regular"]["overdue"] == 1
    # For 2027, seen early: members paid through 2026 are not due yet, neither paid nor overdue.
    ahead = dues.year_summary([{"category": "regular", "paid_through": "2026-12-31"}], 2027, D("2026-06-01"))
    assert ahead["regular"] == {"due": 1, "paid": 0, "grace": 0, "overdue": 0, "unpaid": 0, "moved": 0,
                                "expected": 100, "rate": 0.0}


def test_amounts_read_as_written():
    assert dues.format_amount(100.0) == "100"
    assert dues.format_amount(99.5) == "99.50"


def test_a_lapsed_member_paying_late_in_the_year_pays_for_the_next_year():
    # a November transfer from a member lapsed since 2024 buys 2027, not five weeks of 2026
    assert dues.coverage("2024-12-31", 1, D("2026-11-20")) == ("2027-01-01", "2027-12-31")
    assert dues.coverage(None, 1, D("2026-12-06")) == ("2027-01-01", "2027-12-31")
    assert dues.coverage(None, 1, D("2026-10-31")) == ("2026-01-01", "2026-12-31")
    # paid through this year: the next year, as always
    assert dues.coverage("2026-12-31", 1, D("2026-12-06")) == ("2027-01-01", "2027-12-31")
    [one, *_] = dues.renewal_options("regular", "2024-12-31", D("2026-12-06"))
    assert (one["period_from"], one["paid_through"]) == ("2027-01-01", "2027-12-31")
