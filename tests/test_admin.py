"""The secretariat's web console through Flask's test client: access, decisions, imports, reports."""
from __future__ import annotations

import html
import io
import json
import re
from datetime import date, datetime, timedelta

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from bot.admin import accounts
from bot.cli import main
from storage import admin as admin_store
from storage import events as event_store
from storage.members import create_application, find_application, find_member_by_no, history_of, insert_member
from storage.news import save_item
from storage.tickets import create_ticket
from tests.admin_data import PASSWORD, add_council, add_units, add_users, individual
from tests.notices import queued_notices

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def units(db):
    return add_units(db)


@pytest.fixture
def users(db, config, units):
    return add_users(db, config, units[0])


def csrf(client, url="/admin/login") -> str:
    return TOKEN.search(client.get(url, follow_redirects=True).get_data(as_text=True)).group(1)


def log_in(client, username, password=PASSWORD):
    return client.post("/admin/login", data={"username": username, "password": password,
                                             "csrf_token": csrf(client)})


def post(client, url, data=None, **kwargs):
    """A form post as the browser sends it: with the session's CSRF token."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf(client, "/admin/")}, **kwargs)


@pytest.fixture
def staff(client, users):
    assert log_in(client, "staff1").status_code == 302
    return client


def page(response) -> str:
    return response.get_data(as_text=True)


# --- access -----------------------------------------------------------------------------

def test_sign_in_wrong_password_and_sign_out(client, users):
    anonymous = client.get("/admin/members/")
    assert anonymous.status_code == 302 and "/admin/login?next=/admin/members/" in anonymous.location

    wrong = log_in(client, "staff1", "not-it")
    assert wrong.status_code == 401 and "用户名或密码不对" in page(wrong)
    assert log_in(client, "nobody", PASSWORD).status_code == 401

    signed_in = client.post("/admin/login", data={"username": "staff1", "password": PASSWORD,
                                                  "next": "/admin/members/", "csrf_token": csrf(client)})
    assert signed_in.status_code == 302 and signed_in.location.endswith("/admin/members/")
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/admin" in cookie
    dashboard = client.get("/admin/dashboard/")
    assert dashboard.status_code == 200 and "staff1" in page(dashboard)
    assert "default-src 'none'" in dashboard.headers["Content-Security-Policy"]

    assert post(client, "/admin/logout").status_code == 302
    assert client.get("/admin/dashboard/").status_code == 302


def test_the_session_cookie_is_secure_in_production(env):
    from bot.app import create_app
    from bot.config import load_config

    app = create_app(load_config({**env, "BOT_ENV": "production"}))
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_five_wrong_passwords_lock_the_account_for_a_while(client, users, db):
    for _ in range(4):
        assert "用户名或密码不对" in page(log_in(client, "staff1", "wrong"))
    locked = log_in(client, "staff1", "wrong")
    assert "已锁定" in page(locked)
    assert "已锁定" in page(log_in(client, "staff1"))  # even the right password, while locked
    user = admin_store.find_user_by_name(db, "staff1")
    assert [h["action"] for h in history_of(db, "admin_user", user["id"])][-1] == "locked"

    now = datetime.now().astimezone()
    assert timedelta(minutes=14) < accounts.locked_until(user, now) - now <= timedelta(minutes=15)
    db["admin_users"].update(user["id"], {"locked_until": (now - timedelta(seconds=1)).isoformat()})
    assert log_in(client, "staff1").status_code == 302  # fifteen minutes later


def test_a_form_sent_after_signing_out_elsewhere_says_so_and_leads_back(staff, db, users):
    """Console walk 10, #16: it said 页面已过期或来源不明 with no way to sign in, the typed values gone."""
    token = csrf(staff, "/admin/dues/")
    staff.post("/admin/logout", data={"csrf_token": token})  # the other tab
    sent = staff.post("/admin/dues/record", data={"number": "HNKX202600002", "amount": "100", "csrf_token": token},
                      headers={"Referer": "http://localhost/admin/dues/"})
    assert sent.status_code == 302 and "/admin/login?next=/admin/dues/" in sent.location
    shown = page(staff.get(sent.location))
    assert "您已退出登录" in shown and "登录后会回到刚才的页面，刚才填写的内容会填回原处" in shown
    assert "HNKX202600002" not in shown  # whoever opens the log-in page does not read it
    back = staff.post("/admin/login", data={"username": "staff1", "password": PASSWORD, "next": "/admin/dues/",
                                            "csrf_token": csrf(staff)})
    assert back.location.endswith("/admin/dues/")
    again = page(staff.get(back.location))
    assert "刚才没有提交的内容已填回表单，请核对后再提交：HNKX202600002、100" in again
    assert _refill(again) == {"action": "/admin/dues/record", "fields": [["number", "HNKX202600002"], ["amount", "100"]]}
    assert "HNKX202600002" not in page(staff.get(back.location))  # once


def _refill(shown: str) -> dict:
    """What the page hands its script to fill back into the form sent while signed out."""
    found = re.search(r"data-refill='([^']*)'", shown)
    return found and {key: value for key, value in json.loads(html.unescape(found.group(1))).items()
                      if key in ("action", "fields")}


def _session(client) -> str:
    """The console's session cookie as the browser holds it, opened: signed, not encrypted."""
    app = client.application
    cookie = client.get_cookie("xh_admin", path="/admin")
    return json.dumps(app.session_interface.get_signing_serializer(app).loads(cookie.value), ensure_ascii=False)


def test_a_message_for_the_next_page_is_kept_off_the_cookie(staff, db, users):
    """'已登记 黄蓉 缴费 100 元…' waited for the page after the redirect in the session cookie, which the
    browser holds readable: it waits on the server, under an id the cookie carries, and is shown once."""
    insert_member(db, {"member_no": "HNKX202600002", "name": "黄蓉", "category": "regular"}, actor="test")
    sent = post(staff, "/admin/dues/record", {"number": "HNKX202600002", "amount": "100", "years": "1",
                                              "from_year": str(date.today().year)})
    assert sent.status_code == 302 and "黄蓉" not in _session(staff)
    shown = page(staff.get(sent.location))
    assert "已登记 黄蓉 缴费 100 元" in shown
    assert "已登记 黄蓉" not in page(staff.get(sent.location))  # once


def test_a_form_kept_in_the_cookie_before_the_update_signs_in_without_a_500(client, users):
    """A browser signed out before the update holds the typed form in its cookie (the old way): signing in
    works, and what it held is not echoed."""
    with client.session_transaction("/admin/") as held:
        held.update({"signed_out": ["user_id", users["staff"]["id"]],
                     "unsent": {"by": ["user_id", users["staff"]["id"]], "typed": "HNKX202600002、100"}})
    back = log_in(client, "staff1")
    assert back.status_code == 302 and "HNKX202600002" not in page(client.get(back.location))


def test_a_form_sent_after_signing_out_with_redis_away_says_it_was_not_kept(staff, users, monkeypatch):
    import redis

    def away(*args, **kwargs):
        raise redis.ConnectionError("Redis went away")

    monkeypatch.setattr("storage.state.keep_unsent_form", away)
    token = csrf(staff, "/admin/dues/")
    staff.post("/admin/logout", data={"csrf_token": token})
    sent = staff.post("/admin/dues/record", data={"number": "HNKX202600002", "amount": "100", "csrf_token": token})
    assert sent.status_code == 302 and "刚才的操作没有执行" in page(staff.get(sent.location))
    assert log_in(staff, "staff1").status_code == 302


def test_a_long_form_sent_after_signing_out_is_kept_off_the_cookie_and_refilled(staff, db, users):
    """A reply over the cookie's 4 KB, with a mobile in it: kept on the server, given back whole."""
    ticket_no = create_ticket(db, "o_zhang", "建议", "希望多办线上讲座")
    reply = "请致电13912345678联系张老师。" + "明年起每季度办一次线上讲座，届时在公众号通知。" * 200
    token = csrf(staff, f"/admin/tickets/{ticket_no}")
    staff.post("/admin/logout", data={"csrf_token": token})
    sent = staff.post(f"/admin/tickets/{ticket_no}/reply", data={"text": reply, "csrf_token": token},
                      headers={"Referer": f"http://localhost/admin/tickets/{ticket_no}"})
    assert "13912345678" not in _session(staff) and len(_session(staff)) < 1000
    staff.get(sent.location)
    back = staff.post("/admin/login", data={"username": "staff1", "password": PASSWORD,
                                            "next": f"/admin/tickets/{ticket_no}", "csrf_token": csrf(staff)})
    assert "13912345678" not in _session(staff)
    assert _refill(page(staff.get(back.location)))["fields"] == [["text", reply]]
    assert "13912345678" not in _session(staff)


def test_what_a_form_sent_after_signing_out_said_goes_to_the_same_user_only(staff, db, users):
    """Another colleague signing in at the same browser does not read what staff1 had typed."""
    token = csrf(staff, "/admin/dues/")
    staff.post("/admin/logout", data={"csrf_token": token})
    staff.post("/admin/dues/record", data={"number": "HNKX202600002", "amount": "100", "csrf_token": token})
    back = staff.post("/admin/login", data={"username": "admin1", "password": PASSWORD, "next": "/admin/dues/",
                                            "csrf_token": csrf(staff)})
    assert back.status_code == 302 and "HNKX202600002" not in page(staff.get(back.location))


def test_a_post_without_the_session_s_token_while_signed_out_is_not_echoed(client, users):
    """A session that timed out, or another site posting to the console: the CSRF check comes first, and
    what the post said is shown to nobody (it was shown on the log-in page, before any check)."""
    sent = client.post("/admin/tickets/FK202612070001/reply", data={"text": "<b>点此领取补贴</b>"},
                       headers={"Referer": "http://localhost/admin/tickets/"})
    assert sent.status_code == 302 and "/admin/login" in sent.location
    shown = page(client.get(sent.location))
    assert "刚才的操作没有执行" in shown and "点此领取补贴" not in shown
    log_in(client, "staff1")
    assert "点此领取补贴" not in page(client.get("/admin/tickets/"))


def test_the_cli_help_names_the_read_only_role(env):
    shown = CliRunner().invoke(main, ["admin", "create-user", "--help"], env=env).output
    assert "viewer：只读" in shown


def test_a_user_deactivated_while_signed_in_is_told_so(client, staff, db, users):
    admin_store.update_user(db, users["staff"]["id"], {"active": 0}, "test", "deactivated")
    shown = page(staff.get("/admin/members/", follow_redirects=True))
    assert "账号已停用" in shown


def test_a_post_without_the_csrf_token_is_refused(staff, db):
    app = create_application(db, "o_zhang", "individual", individual())
    refused = staff.post("/admin/applications/decide", data={"app_no": app["app_no"], "decision": "approve"})
    assert refused.status_code == 400 and "页面已过期" in page(refused)
    forged = staff.post("/admin/applications/decide",
                        data={"app_no": app["app_no"], "decision": "approve", "csrf_token": "forged"})
    assert forged.status_code == 400
    assert find_application(db, app["app_no"])["status"] == "pending"
    assert staff.post("/admin/login", data={"username": "staff1", "password": PASSWORD}).status_code == 400


def test_staff_cannot_manage_users_and_do_not_see_the_menu_entry(client, users):
    log_in(client, "staff1")
    assert client.get("/admin/users/").status_code == 403
    assert post(client, "/admin/users/", {"username": "x1", "role": "admin", "password": PASSWORD}).status_code == 403
    assert 'data-nav="users"' not in page(client.get("/admin/dashboard/"))
    post(client, "/admin/logout")
    log_in(client, "admin1")
    assert client.get("/admin/users/").status_code == 200


def test_a_unit_contact_sees_only_their_units_members(client, users, units, db):
    mine = insert_member(db, {"member_no": "HNKX202600001", "name": "王芳", "category": "regular",
                              "mobile": "13700137000", "unit_id": units[0]["id"]}, actor="test")
    theirs = insert_member(db, {"member_no": "HNKX202600002", "name": "赵强", "category": "regular",
                                "mobile": "13600136000", "unit_id": units[1]["id"]}, actor="test")
    log_in(client, "unit1")
    assert client.get("/admin/").location.endswith("/admin/members/")
    listing = page(client.get("/admin/members/?unit=HNKXDW202600002"))  # ?unit= cannot widen it
    assert mine["name"] in listing and theirs["name"] not in listing
    assert client.get(f"/admin/members/{mine['member_no']}").status_code == 200
    assert client.get(f"/admin/members/{theirs['member_no']}").status_code == 403
    assert client.get(f"/admin/members/{mine['member_no']}/edit").status_code == 403
    for url in ("/admin/dashboard/", "/admin/applications/", "/admin/governance/", "/admin/audit/",
                "/admin/members/import/"):
        assert client.get(url).status_code == 403, url
    exported = load_workbook(io.BytesIO(client.get("/admin/members/export?format=xlsx").data)).active
    assert [row[1] for row in exported.iter_rows(min_row=2, values_only=True)] == ["王芳"]


def test_a_unit_contact_sees_no_internal_remarks_or_change_log(client, users, units, db):
    insert_member(db, {"member_no": "HNKX202600001", "name": "马超", "category": "regular", "mobile": "13700137000",
                       "unit_id": units[0]["id"], "remarks": "欠款纠纷，勿让其担任理事"}, actor="staff:王秘书")
    log_in(client, "unit1")
    shown = page(client.get("/admin/members/HNKX202600001"))
    assert "马超" in shown and "欠款纠纷" not in shown and "变更记录" not in shown and "王秘书" not in shown
    exported = load_workbook(io.BytesIO(client.get("/admin/members/export?format=xlsx").data)).active
    assert "欠款纠纷" not in str(list(exported.iter_rows(values_only=True)))


def test_a_read_only_user_sees_what_staff_see_and_changes_nothing(client, users, db, config):
    """Console walk 10, #17: a 理事长 or an auditor had to be given staff rights to look."""
    accounts.create_user(db, config, "理事长", PASSWORD, "viewer", None, actor="test")
    insert_member(db, {"member_no": "HNKX202600002", "name": "黄蓉", "category": "regular"}, actor="test")
    assert log_in(client, "理事长").status_code == 302
    for url in ("/admin/dashboard/", "/admin/members/", "/admin/members/HNKX202600002", "/admin/dues/",
                "/admin/news/", "/admin/tickets/", "/admin/audit/"):
        assert client.get(url).status_code == 200, url
    assert "修改信息" not in page(client.get("/admin/members/HNKX202600002"))
    refused = post(client, "/admin/dues/record", {"number": "HNKX202600002", "amount": "100"})
    assert refused.status_code == 403 and "只读账号" in page(refused)
    assert client.get("/admin/users/").status_code == 403
    assert "账号管理" not in page(client.get("/admin/dashboard/"))
    assert post(client, "/admin/logout").status_code == 302


SENDS = re.compile(r'<form method="post"[^>]*action="([^"]+)"|<a class="button[^"]*" href="([^"]+/(?:new|upload|import/|write|edit))"')


def test_a_read_only_user_is_shown_no_button_that_would_be_refused(client, users, db, config):
    """Console walk 10, #17 again: 导入, 撰写会讯, 登记, 发送答复, 批准 ... were shown to a 理事长, and each led to
    the 403 page. Every form and form page on the pages they may read is one they may send; staff see them."""
    accounts.create_user(db, config, "理事长", PASSWORD, "viewer", None, actor="test")
    insert_member(db, {"member_no": "HNKX202600002", "name": "黄蓉", "category": "regular"}, actor="test")
    app_no = create_application(db, "o_zhang", "individual", individual())["app_no"]
    ticket_no = create_ticket(db, "o_zhang", "建议", "希望多办线上讲座")
    [event_no], _ = event_store.save_events(db, [({"society": "示范科技学会", "title": "实验室安全培训", "type": "培训",
                                                   "starts_on": "2099-05-06", "ends_on": "2099-05-06", "place": "郑州",
                                                   "capacity": 30}, "test")], [], actor="test")
    item, _ = save_item(db, {"item_no": "n1", "kind": "newsletter", "title": "标题", "topics": ["policy"], "audience": None,
                             "summary": "摘要", "link": None, "body": "正文。", "publish_at": "2026-10-01T09:00:00+08:00",
                             "source": None})
    urls = ["/admin/dashboard/", "/admin/applications/", f"/admin/applications/{app_no}", "/admin/members/",
            "/admin/members/HNKX202600002", "/admin/dues/", "/admin/news/", f"/admin/news/{item['item_no']}",
            "/admin/tickets/", f"/admin/tickets/{ticket_no}", "/admin/jobs/", "/admin/events/", f"/admin/events/{event_no}",
            "/admin/awards/", "/admin/governance/", "/admin/misunderstood/", "/admin/schedule/", "/admin/checkin/"]

    def sends(url):
        return [target for found in SENDS.findall(page(client.get(url))) for target in found
                if target and not target.endswith("/logout")]

    log_in(client, "staff1")
    offered = {url: sends(url) for url in urls}
    assert [url for url in urls if not offered[url]] == ["/admin/tickets/"], offered  # a list only
    post(client, "/admin/logout")
    log_in(client, "理事长")
    assert {url: sends(url) for url in urls} == dict.fromkeys(urls, [])
    assert "只读账号" in page(client.get("/admin/dues/"))


# --- applications -------------------------------------------------------------------------

def queued(redis_client):
    """(openid, kind, text) of the notices queued, oldest first."""
    return [(n["openid"], n["kind"], n["text"]) for n in reversed(queued_notices(redis_client))]


def test_bulk_approval_numbers_records_the_console_user_and_notifies(staff, db, redis_client):
    first = create_application(db, "o_zhang", "individual", individual())
    second = create_application(db, "o_li", "individual", individual(name="李娜", mobile="13900139000"))
    listing = page(staff.get("/admin/applications/"))
    assert first["app_no"] in listing and "138****8000" in listing

    done = post(staff, "/admin/applications/decide",
                {"app_no": [first["app_no"], second["app_no"]], "decision": "approve"}, follow_redirects=True)
    year = date.today().year
    assert f"会员编号 HNKX{year}00001（普通会员）" in page(done) and "审批结果会通过公众号发给申请人" in page(done)
    closed = find_application(db, first["app_no"])
    assert (closed["status"], closed["decided_by"]) == ("approved", "console:staff1")
    member = find_member_by_no(db, f"HNKX{year}00001")
    assert history_of(db, "member", member["id"])[0]["actor"] == "console:staff1"
    assert [(openid, kind) for openid, kind, _ in queued(redis_client)] == [("o_zhang", "approval"), ("o_li", "approval")]


def test_a_batch_with_a_refused_application_approves_none(staff, db, redis_client):
    good = create_application(db, "o_zhang", "individual", individual())
    fellow = create_application(db, "o_f", "individual", individual(name="周敏", mobile="13600136000",
                                                                      category="fellow"))
    done = post(staff, "/admin/applications/decide", {"app_no": [good["app_no"], fellow["app_no"]],
                                                      "decision": "approve"}, follow_redirects=True)
    assert "未执行" in page(done) and "会士由秘书处提名增补" in page(done)
    assert find_application(db, good["app_no"])["status"] == "pending"
    assert queued(redis_client) == []


def test_rejecting_needs_a_reason_and_tells_the_applicant(staff, db, redis_client):
    app = create_application(db, "o_zhang", "individual", individual())
    no_reason = post(staff, "/admin/applications/decide", {"app_no": app["app_no"], "decision": "reject"},
                     follow_redirects=True)
    assert "需要填写原因" in page(no_reason)
    rejected = post(staff, "/admin/applications/decide", {"app_no": app["app_no"], "decision": "reject",
                                                          "reason": "学科不符"}, follow_redirects=True)
    assert "原因：“学科不符”。审批结果" in page(rejected)  # was "原因：学科不符审批结果会通过…", one run-on line
    closed = find_application(db, app["app_no"])
    assert (closed["status"], closed["reason"]) == ("rejected", "学科不符")
    [(openid, _, text)] = queued(redis_client)
    assert openid == "o_zhang" and "学科不符" in text
    detail = page(staff.get(f"/admin/applications/{app['app_no']}"))
    assert "驳回" in detail and "staff1（后台）" in detail


# --- members ------------------------------------------------------------------------------

ROSTER_CSV = ("姓名,会员类别,手机号,工作单位,单位类型\n"
              "陈静,普通会员,13500135000,郑州大学,高等院校\n"
              "孙磊,普通会员,1380013,河南工业大学,高等院校\n")


def upload(client, text=ROSTER_CSV, name="roster.csv"):
    return post(client, "/admin/members/import/", {"file": (io.BytesIO(text.encode("utf-8")), name)},
                content_type="multipart/form-data")


def test_import_shows_the_clis_report_then_writes_on_confirmation(staff, env, db, tmp_path):
    uploaded = upload(staff)
    assert uploaded.status_code == 302
    token = uploaded.location.rsplit("/", 1)[1]
    report = page(staff.get(uploaded.location))
    (tmp_path / "roster.csv").write_text(ROSTER_CSV, encoding="utf-8")
    cli = CliRunner().invoke(main, ["members", "import", str(tmp_path / "roster.csv"), "--dry-run"], env=env)
    for line in cli.output.splitlines()[:-2]:  # the CLI's own last lines are about --dry-run
        assert line.strip() in report, line
    assert "第 3 行 手机号（C 列）“1380013”" in report
    assert find_member_by_no(db, "HNKX{}00001".format(date.today().year)) is None

    blocked = post(staff, f"/admin/members/import/{token}", follow_redirects=True)
    assert "未导入任何数据" in page(blocked) and db["members"].count == 0

    result = post(staff, f"/admin/members/import/{token}", {"skip_bad_rows": "1"})
    assert result.status_code == 200 and "导入结果" in page(result)
    [member] = db["members"].rows
    assert member["name"] == "陈静"
    [created] = history_of(db, "member", member["id"])
    assert (created["actor"], created["reason"]) == ("console:staff1", "名册导入 roster.csv 第 2 行")
    spent = staff.get(f"/admin/members/import/{token}", follow_redirects=True)  # not imported twice
    assert "已经导入过了" in page(spent)


def test_a_roster_larger_than_a_webhook_body_is_accepted(staff, config):
    padding = "x" * (config.max_body_bytes * 2)  # the webhook's limit does not apply to the console
    uploaded = upload(staff, text=ROSTER_CSV.replace("单位类型\n", "单位类型,附注\n").replace(
        "高等院校\n", f"高等院校,{padding}\n", 1))
    assert uploaded.status_code == 302
    assert "附注（F 列）" in page(staff.get(uploaded.location))


def test_an_upload_that_is_not_a_roster_goes_back_with_why(staff):
    refused = upload(staff, name="roster.pdf")
    assert refused.location.endswith("/admin/members/import/")
    assert "不支持的文件类型" in page(staff.get(refused.location))
    unreadable = upload(staff, text="a,b\n1,2\n")
    assert "没有找到表头" in page(staff.get(staff.get(unreadable.location).location))


def test_the_console_search_finds_a_name_written_with_a_space_as_the_cli_does(staff, db):
    """A roster may write 张 伟 and a secretary types 张伟, or the other way round: the same member."""
    insert_member(db, {"member_no": "HNKX201900003", "name": "张 伟", "category": "regular",
                       "mobile": "13800138003"}, actor="test")
    insert_member(db, {"member_no": "HNKX201900004", "name": "欧阳明", "category": "regular",
                       "mobile": "13800138004"}, actor="test")
    assert "HNKX201900003" in page(staff.get("/admin/members/?q=张伟"))
    assert "HNKX201900004" in page(staff.get("/admin/members/?q=欧阳 明"))
    assert "HNKX201900004" not in page(staff.get("/admin/members/?q=张伟"))


def test_search_filter_and_edit_with_validation(staff, db):
    insert_member(db, {"member_no": "HNKX201900001", "name": "张伟", "category": "regular",
                       "mobile": "13800138000", "work_unit": "郑州大学"}, actor="test")
    insert_member(db, {"member_no": "HNKX201900002", "name": "李娜", "category": "student",
                       "mobile": "13900139000"}, actor="test")
    assert "李娜" not in page(staff.get("/admin/members/?q=138 0013 8000"))
    assert "张伟" not in page(staff.get("/admin/members/?category=student"))

    form = {"name": "张伟", "category": "senior", "mobile": "139-0013-9000", "birth_year": "1985"}
    bad = post(staff, "/admin/members/HNKX201900001/edit", form)
    assert bad.status_code == 400 and "手机号已属于会员 HNKX201900002（李娜）" in page(bad)
    form.update(mobile="13800138001", birth_year="85")
    assert "出生年份不对" in page(post(staff, "/admin/members/HNKX201900001/edit", form))

    form.update(birth_year="1985", reason="晋升高级职称")
    assert post(staff, "/admin/members/HNKX201900001/edit", form).status_code == 302
    member = find_member_by_no(db, "HNKX201900001")
    assert (member["category"], member["mobile"], member["birth_year"]) == ("senior", "13800138001", 1985)
    history = history_of(db, "member", member["id"])
    assert [(h["action"], h["actor"], h["reason"]) for h in history[1:]] == [
        ("category_changed", "console:staff1", "晋升高级职称"), ("updated", "console:staff1", "晋升高级职称")]
    detail = page(staff.get("/admin/members/HNKX201900001"))
    assert "变更类别" in detail and "类别：普通会员 → 高级会员" in detail


def test_title_and_gender_are_shown_and_edited_and_a_taken_mobile_names_no_missing_field(staff, db):
    insert_member(db, {"member_no": "HNKX201900001", "name": "张伟", "category": "regular", "mobile": "13800138000"},
                  actor="test")
    insert_member(db, {"member_no": "HNKX201900003", "name": "陈静", "category": "senior", "mobile": "13700137000",
                       "title": "高工", "gender": "女"}, actor="test")
    shown = page(staff.get("/admin/members/HNKX201900003"))
    assert "职称" in shown and "高工" in shown and "性别" in shown
    form = {"name": "陈静", "category": "senior", "mobile": "13800138000", "title": "正高级工程师", "gender": "女"}
    taken = page(post(staff, "/admin/members/HNKX201900003/edit", form))
    assert "手机号已属于会员 HNKX201900001（张伟）" in taken and "请填写其会员编号" not in taken
    assert post(staff, "/admin/members/HNKX201900003/edit", dict(form, mobile="13700137000")).status_code == 302
    assert find_member_by_no(db, "HNKX201900003")["title"] == "正高级工程师"


def test_suspend_needs_a_reason_and_is_logged(staff, db):
    insert_member(db, {"member_no": "HNKX201900001", "name": "张伟", "category": "regular",
                       "mobile": "13800138000"}, actor="test")
    assert "请填写原因" in page(post(staff, "/admin/members/HNKX201900001/change", {"change": "suspend"},
                                      follow_redirects=True))
    post(staff, "/admin/members/HNKX201900001/change", {"change": "suspend", "reason": "违反章程"})
    assert find_member_by_no(db, "HNKX201900001")["status"] == "suspended"
    audit = page(staff.get("/admin/audit/?console=1"))
    assert "暂停会籍" in audit and "违反章程" in audit and "staff1（后台）" in audit


def test_a_resignation_and_a_death_are_recorded_with_a_reason_and_end_the_reminders(staff, db, redis_client):
    from handlers.fees.reminders import queue_reminders

    for number, name, openid in (("HNKX202400001", "吴昊", "o_wu"), ("HNKX202400002", "李明", "o_li"),
                                 ("HNKX202400003", "周强", "o_zhou")):
        insert_member(db, {"member_no": number, "name": name, "category": "regular", "openid": openid}, actor="test")
    detail = page(staff.get("/admin/members/HNKX202400001"))
    assert "办理退会" in detail and "登记已故" in detail
    assert "请填写原因" in page(post(staff, "/admin/members/HNKX202400001/change", {"change": "resign"},
                                      follow_redirects=True))
    post(staff, "/admin/members/HNKX202400001/change", {"change": "resign", "reason": "本人申请退会"})
    post(staff, "/admin/members/HNKX202400002/change", {"change": "deceased", "reason": "家属告知，11月去世"})
    assert [find_member_by_no(db, n)["status"] for n in ("HNKX202400001", "HNKX202400002")] == ["resigned", "deceased"]
    detail = page(staff.get("/admin/members/HNKX202400002"))
    assert "登记已故" in detail and "家属告知，11月去世" in detail and "当前状态：已故" in detail
    assert queue_reminders(db, redis_client, date.today())["queued"] == 1  # 周强's alone

    post(staff, "/admin/members/HNKX202400001/change", {"change": "resume", "reason": "重新入会"})
    assert find_member_by_no(db, "HNKX202400001")["status"] == "active"


# --- reports ------------------------------------------------------------------------------

def test_governance_names_the_gaps_sizes_and_term(staff, db):
    add_council(db)
    end = date.today() + timedelta(days=120)  # inside the 6 months before the term ends
    post(staff, "/admin/governance/term", {"term_start": "2021-06-01", "term_end": end.isoformat()})
    report = page(staff.get("/admin/governance/"))
    assert "常务理事会中党政机关人员偏少：应约 10%，现为 0%" in report
    assert "理事会（45 人）" in report and "常务理事会（15 人）" in report
    assert "监事会（监事）现有 0 人" in report
    assert f"距任期届满（{end.isoformat()}）已不足 6 个月" in report
    assert "会士 0 人，个人会员 45 人" in report
    assert "理事会中党政机关" not in report.replace("常务理事会中党政机关", "")

    sheet = load_workbook(io.BytesIO(staff.get("/admin/governance/export").data)).active
    notes = [row[6] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert any(note and note.startswith("常务理事会中党政机关人员偏少") for note in notes)
    assert admin_store.get_settings(db, ["term_end"]) == {"term_end": end.isoformat()}
    assert "修改设置" in page(staff.get("/admin/audit/"))


def test_dashboard_counts_and_draws(staff, db):
    add_council(db)
    create_application(db, "o_zhang", "individual", individual())
    dashboard = page(staff.get("/admin/dashboard/"))
    assert dashboard.count("<svg") == 5  # no deliveries yet: no newsletter chart
    assert "高级会员" in dashboard and ">45<" in dashboard
    assert "会讯送达情况" not in dashboard

    item = db["newsletters"].insert({"item_no": "HX1", "kind": "news", "title": "会讯", "status": "sent",
                                     "created_at": "2026-01-01"}).last_pk
    db["deliveries"].insert_all([{"item_id": item, "openid": f"o{i}", "status": status}
                                 for i, status in enumerate(["sent", "sent", "inbox"])])
    dashboard = page(staff.get("/admin/dashboard/"))
    assert "会讯送达情况" in dashboard and dashboard.count("<svg") == 6
    assert "已发出</text>" in dashboard and "待阅</text>" in dashboard  # mass sends: submitted, not known delivered


# --- users --------------------------------------------------------------------------------

def test_admin_creates_disables_and_resets_users(client, users, db):
    log_in(client, "admin1")
    short = post(client, "/admin/users/", {"username": "wang", "role": "staff", "password": "short"},
                 follow_redirects=True)
    assert "密码至少需要 8 个字符" in page(short)
    no_unit = post(client, "/admin/users/", {"username": "wang", "role": "unit", "password": PASSWORD},
                   follow_redirects=True)
    assert "必须选择所属单位会员" in page(no_unit)
    post(client, "/admin/users/", {"username": "王秘书", "role": "staff", "password": PASSWORD})
    wang = admin_store.find_user_by_name(db, "王秘书")
    assert wang["role"] == "staff"

    other = client.application.test_client()
    assert log_in(other, "王秘书").status_code == 302
    post(client, f"/admin/users/{wang['id']}/password", {"password": "another-pass-2"})
    assert other.get("/admin/dashboard/").status_code == 302  # the old session ended
    post(client, f"/admin/users/{wang['id']}/active", {"active": "0"})
    assert log_in(other, "王秘书", "another-pass-2").status_code == 401
    me = admin_store.find_user_by_name(db, "admin1")
    assert "不能停用自己" in page(post(client, f"/admin/users/{me['id']}/active", {"active": "0"},
                                        follow_redirects=True))
    audit = page(client.get("/admin/audit/?subject=admin_user"))
    assert "新建后台账号" in audit and "停用账号" in audit and "重设密码" in audit
    assert "pbkdf2" not in audit and "scrypt" not in audit


def test_create_user_from_the_command_line(env, db, units):
    result = CliRunner().invoke(main, ["admin", "create-user", "chen", "--role", "unit", "--unit",
                                       "HNKXDW202600001", "--password-stdin"], input=PASSWORD + "\n", env=env)
    assert result.exit_code == 0, result.output
    assert "已创建后台账号 chen（单位联系人）" in result.output
    assert admin_store.find_user_by_name(db, "chen")["unit_id"] == units[0]["id"]
    refused = CliRunner().invoke(main, ["admin", "create-user", "li", "--role", "unit", "--password-stdin"],
                                 input=PASSWORD + "\n", env=env)
    assert refused.exit_code == 1 and "必须选择所属单位会员" in refused.output


@pytest.mark.parametrize("address, sheet_name", [("/admin/members/export?format=xlsx", "会员名册"),
                                                 ("/admin/governance/export", "治理报告")])
def test_an_exported_workbook_s_sheet_is_named_for_what_it_holds(staff, address, sheet_name):
    """Excel showed one tab called "Sheet" (openpyxl's default) on the file sent to the province."""
    from openpyxl import load_workbook

    sent = staff.get(address)
    assert sent.status_code == 200
    [name] = load_workbook(io.BytesIO(sent.data)).sheetnames
    assert name.startswith(sheet_name), name


def test_a_member_s_unit_is_picked_from_the_unit_members_not_typed(staff, db, units):
    """The edit form had a text box for 单位会员编号: a secretary had to know HNKXDW202600001 by heart."""
    insert_member(db, {"member_no": "HNKX201900001", "name": "张伟", "category": "regular",
                       "mobile": "13800138000", "work_unit": units[0]["name"]}, actor="test")
    form = page(staff.get("/admin/members/HNKX201900001/edit"))
    picker = form[form.index('<select name="unit_no"'):]
    picker = picker[:picker.index("</select>")]
    assert re.search(rf'<option value="{units[0]["unit_no"]}"\s*>{units[0]["unit_no"]} {units[0]["name"]}</option>', picker)
    assert "不属于单位会员" in picker
    post(staff, "/admin/members/HNKX201900001/edit", {"name": "张伟", "category": "regular", "mobile": "13800138000",
                                                      "unit_no": units[0]["unit_no"]})
    assert find_member_by_no(db, "HNKX201900001")["unit_id"] == units[0]["id"]
    again = page(staff.get("/admin/members/HNKX201900001/edit"))
    assert re.search(rf'<option value="{units[0]["unit_no"]}"\s*selected>', again)
