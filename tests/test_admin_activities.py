"""The console's jobs, events and award-call pages through Flask's test client.

Each change is the CLI's own function (tested with the commands), so these
check what the pages add: who may open them, the CSRF token on every form,
that a refused form says why and keeps what was typed, and that the import's
report comes before anything is written.
"""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from handlers.events.registration import register
from storage import events as event_store
from storage import jobs as job_store
from storage.awards import find_award, list_awards
from tests.admin_data import add_units, add_users
from tests.test_admin import log_in, page, post

YEAR = date.today().year + 1  # events and deadlines still to come
GUIDE = ["活动名称", "活动类型", "活动时间", "地点", "名额"]
JOB = {"title": "博士后研究人员", "employer": "郑州示范大学", "city": "郑州", "discipline": "材料科学",
       "education": "博士", "how_to_apply": "hr@example.edu.cn"}


def sheet(header: list, rows: list[list]) -> io.BytesIO:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def upload(client, url: str, header: list, rows: list[list]):
    return post(client, url, {"file": (sheet(header, rows), "表格.xlsx")}, content_type="multipart/form-data")


@pytest.fixture
def staff(client, db, config):
    add_users(db, config, add_units(db)[0])
    assert log_in(client, "staff1").status_code == 302
    return client


@pytest.fixture
def event(staff, db):
    """A year-ahead meeting with one seat: one registrant, one on the waitlist."""
    sent = upload(staff, "/admin/events/import", GUIDE, [["学术年会", "学术会议", f"{YEAR}年5月20日-22日", "郑州", 1]])
    post(staff, sent.location)
    [found] = event_store.events_of_year(db, YEAR)
    today = date.today().isoformat()
    register(db, found["id"], "o_a", {"name": "张丽", "mobile": "13800000001", "work_unit": "郑州大学"},
                         today)
    register(db, found["id"], "o_b", {"name": "李强", "mobile": "13800000002"}, today)
    return found


PAGES = ("/admin/jobs/", "/admin/jobs/new", "/admin/jobs/import", "/admin/events/", "/admin/events/import",
         "/admin/awards/", "/admin/awards/new", "/admin/awards/import")


@pytest.mark.parametrize("url", PAGES)
def test_a_unit_contact_is_refused_and_staff_see_the_page(staff, url):
    assert staff.get(url).status_code == 200
    log_in(staff, "unit1")
    assert staff.get(url).status_code == 403


def test_a_unit_contact_cannot_open_an_event(staff, event):
    log_in(staff, "unit1")
    assert staff.get(f"/admin/events/{event['event_no']}").status_code == 403


@pytest.mark.parametrize("url", ["/admin/jobs/new", "/admin/jobs/1/close", "/admin/jobs/import",
                                 "/admin/jobs/import/x", "/admin/events/import", "/admin/events/import/x",
                                 "/admin/awards/new", "/admin/awards/import", "/admin/awards/import/x"])
def test_every_form_needs_the_csrf_token(staff, url):
    assert staff.post(url, data={}).status_code == 400


# --- jobs ---------------------------------------------------------------------------------------

def test_a_bad_posting_is_explained_and_the_form_kept(staff, db):
    refused = post(staff, "/admin/jobs/new", dict(JOB, employer="", education="小学"))
    text = page(refused)
    assert "不能为空" in text and "学历要求看不懂" in text
    assert 'value="博士后研究人员"' in text and 'value="小学"' in text
    assert job_store.list_postings(db, date.today().isoformat(), everything=True) == []


def test_add_filter_and_close_a_posting(staff, db):
    added = post(staff, "/admin/jobs/new", JOB, follow_redirects=True)
    [posting] = job_store.list_postings(db, date.today().isoformat())
    assert f"职位 #{posting['id']}《博士后研究人员》" in page(added)
    post(staff, "/admin/jobs/new", dict(JOB, title="实验员", city="洛阳"), follow_redirects=True)
    listing = page(staff.get("/admin/jobs/", query_string={"city": "郑州"}))
    assert "博士后研究人员" in listing and "实验员" not in listing
    closed = post(staff, f"/admin/jobs/{posting['id']}/close", follow_redirects=True)
    assert "已关闭职位" in page(closed)
    assert job_store.find_posting(db, posting["id"])["status"] == job_store.CLOSED
    assert "博士后研究人员" not in page(staff.get("/admin/jobs/"))
    assert post(staff, "/admin/jobs/9999/close").status_code == 404


def test_a_posting_or_call_closed_before_today_is_not_added(staff, db):
    """Console walk 10, #11: 截止 2025-01-01 was "已发布", then the list said 没有符合条件的职位."""
    refused = post(staff, "/admin/jobs/new", dict(JOB, expires_on="2025-01-01"))
    assert refused.status_code == 200 and "截止日期 2025-01-01 早于今天" in page(refused)
    assert job_store.list_postings(db, date.today().isoformat(), everything=True) == []
    refused = post(staff, "/admin/awards/new", {"name": "青年科技奖", "kind": "奖项", "deadline": "2020-01-01"})
    assert "截止日期 2020-01-01 早于今天" in page(refused) and list_awards(db, {"from": None}) == []


def test_import_postings_report_then_confirm(staff, db):
    header = ["职位名称", "招聘单位", "工作地点", "应聘方式", "学历要求"]
    sent = upload(staff, "/admin/jobs/import", header, [["讲师", "中原示范研究院", "郑州", "hr@example.cn", "硕士"],
                                                        ["助教", "", "郑州", "hr@example.cn", "本科"]])
    assert sent.status_code == 302
    report = page(staff.get(sent.location))
    assert "第 3 行" in report and "只导入没有问题的行（1 项）" in report
    assert job_store.list_postings(db, date.today().isoformat()) == []  # nothing written yet
    blocked = post(staff, sent.location, follow_redirects=True)
    assert "未导入任何职位" in page(blocked)
    done = post(staff, sent.location, {"skip_bad_rows": "1"})
    assert "导入结果" in page(done)
    assert [p["title"] for p in job_store.list_postings(db, date.today().isoformat())] == ["讲师"]
    spent = staff.get(sent.location, follow_redirects=True)  # reached again: said, not imported twice
    assert "已经导入过了" in page(spent)
    post(staff, sent.location, {"skip_bad_rows": "1"})
    assert [p["title"] for p in job_store.list_postings(db, date.today().isoformat())] == ["讲师"]


# --- events -------------------------------------------------------------------------------------

def test_the_imported_event_is_listed_with_its_seats(staff, event):
    listing = page(staff.get("/admin/events/"))
    assert event["event_no"] in listing and "学术年会" in listing


def test_an_event_shows_registrants_and_waitlist_with_masked_mobiles(staff, event):
    shown = page(staff.get(f"/admin/events/{event['event_no']}"))
    assert "报名名单（1 人）" in shown and "候补名单（1 人）" in shown
    assert shown.index("张丽") < shown.index("候补名单") < shown.index("李强")
    assert "13800000001" not in shown
    assert staff.get("/admin/events/HD0000000").status_code == 404


def test_registrants_export_has_full_mobiles(staff, event):
    got = staff.get(f"/admin/events/{event['event_no']}/registrants.xlsx")
    assert got.status_code == 200 and got.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(got.data)).active.iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == ["张丽", "李强"] and rows[1][3] == "13800000001"


def test_the_guide_exports_and_imports_back_unchanged(staff, event):
    got = staff.get("/admin/events/guide.xlsx", query_string={"year": YEAR})
    assert got.status_code == 200
    sent = post(staff, "/admin/events/import", {"file": (io.BytesIO(got.data), "指南.xlsx")},
                content_type="multipart/form-data")
    assert "无变化 1 个" in page(staff.get(sent.location))


def test_a_file_that_is_not_a_guide_goes_back_with_why(staff):
    sent = upload(staff, "/admin/events/import", ["姓名", "手机"], [["张丽", "13800000001"]])
    back = staff.get(sent.location, follow_redirects=True)
    assert "没有找到表头" in page(back)


# --- award calls ----------------------------------------------------------------------------------

def test_a_bad_call_is_explained_and_the_form_kept(staff, db):
    refused = page(post(staff, "/admin/awards/new", {"name": "青年科技奖", "deadline": "明年"}))
    assert "日期看不懂" in refused and 'value="青年科技奖"' in refused
    assert list_awards(db, {"from": None}) == []


def test_add_a_call_then_again_updates_it(staff, db):
    added = post(staff, "/admin/awards/new", {"name": "青年科技奖", "deadline": f"{YEAR}-03-31", "kind": "奖项"},
                 follow_redirects=True)
    [call] = list_awards(db, {"from": None})
    assert f"已新增 {call['award_no']}《青年科技奖》" in page(added)
    assert "青年科技奖" in page(staff.get("/admin/awards/"))
    again = post(staff, "/admin/awards/new", {"name": "青年科技奖", "deadline": f"{YEAR}-04-30",
                                             "organiser": "省科协"}, follow_redirects=True)
    assert "已更新" in page(again)
    assert find_award(db, call["award_no"])["organiser"] == "省科协"


def test_import_calls(staff, db):
    sent = upload(staff, "/admin/awards/import", ["项目名称", "截止日期", "类别"],
                  [["创新创业大赛", f"{YEAR}-06-30", "竞赛"]])
    assert "新增评奖项目 1 个" in page(staff.get(sent.location))
    assert list_awards(db, {"from": None}) == []
    post(staff, sent.location)
    [call] = list_awards(db, {"from": None})
    assert call["name"] == "创新创业大赛" and call["kind"] == "competition"
