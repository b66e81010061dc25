"""Numbers and redirect targets from a request, on every route (issue 14, "Errors a user can cause").

A property test walks every rule of the app's URL map (the console, the member pages) as a
signed-in admin and a signed-in member: each path parameter, and the numeric query and form
fields the pages read, get huge, negative, zero, non-numeric and non-ASCII-digit values; only
2xx, 3xx and 4xx are accepted. Redirect targets taken from a form or a query never leave the site.
"""
from __future__ import annotations

import os
import re
import tempfile
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from bot.config import load_config
from bot.web import NumberError, parse, same_site_path
from storage.members import find_member_by_openid
from tests.admin_data import add_units, add_users
from tests.pages_data import LI, add_member, sign_in
from tests.test_admin import csrf, log_in, post

pytest_plugins = ["tests.fake_wechat"]
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "xh-hypothesis"))
BOUNDED = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# What a secretary's fat finger, a crawler or an attacker puts where a number goes.
HOSTILE = ["9" * 30, str(2**63), str(2**64 + 1), "-1", "-9223372036854775809", "0", "00", "abc", "1e9", "0x10",
           "１２", "١٢", "१२", "½", "", " ", "1.5", "+1", "1_000", "\u0661", "9" * 5000]
NUMERIC_FIELDS = ("page", "year", "years", "amount", "id", "user_id", "job_id", "ticket_id", "limit", "offset",
                  "capacity", "starts_on", "ends_on", "expires_on", "posted_on", "signup_deadline", "deadline",
                  "birth_year", "graduation_year", "paid_on")
SKIP = {"static", "pages.static", "admin.static", "simulator.static", "admin.auth.logout"}


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


def hostile_numbers():
    return st.one_of(st.sampled_from(HOSTILE), st.integers(min_value=-(2**70), max_value=2**70).map(str),
                     st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=25))


def rules(app, prefix: str):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP or not rule.rule.startswith(prefix):
            continue
        yield rule


def fill(rule, value: str) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
    return path


def check_every_route(client, app, prefix: str, value: str, token: str | None) -> None:
    for rule in rules(app, prefix):
        path = fill(rule, value) if rule.arguments else rule.rule
        if "<" in path:
            continue
        query = {name: value for name in NUMERIC_FIELDS}
        for method in sorted(rule.methods & {"GET", "POST"}):
            if method == "GET":
                response = client.get(path, query_string=query)
            else:
                data = dict(query, **({"csrf_token": token} if token else {}))
                response = client.post(path, data=data, query_string=query)
            assert response.status_code < 500, (method, path, value, response.status_code)


@pytest.fixture
def admin(client, db, config):
    add_users(db, config, add_units(db)[0])
    assert log_in(client, "admin1").status_code == 302
    return client


# One of each kind, walked on every route; hypothesis adds a few more of its own choosing.
WALK = ["9" * 30, str(2**63), "-1", "0", "abc", "１２", "١٢", "9" * 5000]


def test_every_console_route_answers_each_kind_of_hostile_number_without_a_500(admin, app):
    for value in WALK:
        check_every_route(admin, app, "/admin", value, csrf(admin, "/admin/"))
    assert admin.get("/admin/members/").status_code == 200  # still signed in: the walk was not vacuous


@settings(max_examples=6, **BOUNDED)
@given(value=hostile_numbers())
def test_every_console_route_answers_hostile_numbers_without_a_500(admin, app, value):
    check_every_route(admin, app, "/admin", value, csrf(admin, "/admin/"))
    assert admin.get("/admin/members/").status_code == 200


@pytest.mark.parametrize("value", HOSTILE)
def test_the_reported_500s_are_4xx_now(admin, value):
    for url in ("/admin/members/", "/admin/audit/"):
        response = admin.get(url, query_string={"page": value})  # a page that is no number is the first (walk 12, #19)
        assert response.status_code == (400 if value.isascii() and value.isdigit() else 200), (url, value)
    for action in ("unlock", "password", "active"):
        response = post(admin, f"/admin/users/{value}/{action}")
        assert 400 <= response.status_code < 500, (action, value)


@settings(max_examples=len(WALK) + 4, **BOUNDED)
@given(value=st.one_of(st.sampled_from(WALK), hostile_numbers()))
def test_every_member_page_answers_hostile_numbers_without_a_500(client, app, fake_wechat, db, value):
    if find_member_by_openid(db, LI["openid"]) is None:
        add_member(db, LI)
        sign_in(client, fake_wechat, LI["openid"])
    check_every_route(client, app, "/m/", value, None)
    assert client.get("/m/").status_code == 200  # still signed in: the walk was not vacuous


def test_a_ticket_number_beyond_sqlite_is_not_found(client, fake_wechat, db):
    add_member(db, LI)
    sign_in(client, fake_wechat, LI["openid"])
    assert client.get(f"/m/tickets/{2**64}").status_code == 404
    assert client.get("/m/tickets/١٢").status_code == 404


# --- one parser -----------------------------------------------------------------------------

@given(value=st.text(max_size=30))
def test_parse_takes_ascii_digits_in_bounds_only(value):
    try:
        number = parse(value, low=1, high=1000)
    except NumberError:
        assert not (value.strip().isascii() and value.strip().isdigit() and 1 <= int(value.strip()) <= 1000)
    else:
        assert 1 <= number <= 1000 and value.strip() == str(number).zfill(len(value.strip()))


# --- redirects -------------------------------------------------------------------------------

OFFSITE = ["https://evil.example/", "//evil.example/admin", "/\\evil.example", "\\\\evil.example",
           "/admin\\..\\//evil.example", "javascript:alert(1)", "http:/evil.example", " //evil.example",
           "/admin/\t/evil", "\x00/admin", "https:evil.example"]


@pytest.mark.parametrize("back", OFFSITE)
def test_a_refused_decision_is_answered_in_place_never_sent_elsewhere(admin, back):
    """Every error path of the decision form (nothing ticked, a rejection without a reason, a refusal)
    answers with the page itself, whatever a forged form says about where to go."""
    for data in ({"decision": "approve"}, {"decision": "reject", "app_no": "A1"},
                 {"decision": "approve", "app_no": "NOPE"}):
        response = post(admin, "/admin/applications/decide", dict(data, back=back))
        assert response.status_code == 400 and "Location" not in response.headers, (data, back)


@given(target=st.text(max_size=40))
def test_same_site_path_never_names_another_host(target):
    chosen = same_site_path(target, "/admin/", prefix="/admin")
    parts = urlsplit(chosen)
    assert chosen == "/admin/" or (not parts.scheme and not parts.netloc and chosen.startswith("/admin")
                                   and not chosen.startswith(("//", "/\\")) and "\\" not in chosen)
