"""The upload pages of the job, event and award sheets tell a secretary which columns the sheet needs,
in the column names they know, not as a pointer into the server's content/ files."""
from __future__ import annotations

import io

import pytest

from tests.admin_data import add_units, add_users
from tests.test_admin import log_in, post


@pytest.fixture
def staff(client, db, config):
    add_users(db, config, add_units(db)[0])
    assert log_in(client, "staff1").status_code == 302
    return client


@pytest.mark.parametrize("path, needed", [("/admin/jobs/import", "职位名称、招聘单位、工作地点"),
                                          ("/admin/events/import", "活动名称"),
                                          ("/admin/awards/import", "")])
def test_an_upload_page_names_the_columns_a_sheet_needs(staff, path, needed):
    page = staff.get(path).get_data(as_text=True)
    assert "表格必须有这几列：" in page and needed in page
    assert "[columns]" not in page and "content/" not in page


@pytest.mark.parametrize("path", ["/admin/dues/import", "/admin/jobs/import", "/admin/events/import"])
def test_a_statement_or_a_job_sheet_is_not_called_a_roster(staff, path):
    assert "名册文件" not in staff.get(path).get_data(as_text=True)


@pytest.mark.parametrize("path, sheet, missing", [
    ("/admin/jobs/import", "职位名称,招聘单位,联系邮箱\n讲师,中原示范研究院,hr@example.cn\n", "工作地点"),
    ("/admin/members/import/", "姓名,会员类别,工作单位\n陈静,普通会员,郑州大学\n", "手机"),
])
def test_a_sheet_missing_a_column_says_what_to_add_not_where_the_server_keeps_its_words(staff, path, sheet,
                                                                                        missing):
    sent = post(staff, path, {"file": (io.BytesIO(sheet.encode("utf-8")), "表格.csv")},
                content_type="multipart/form-data", follow_redirects=True)
    text = sent.get_data(as_text=True)
    assert "缺少必需的列" in text and missing in text and "表头加上这些列" in text, text
    assert "content/" not in text and "[columns]" not in text


@pytest.mark.parametrize("path", ["/admin/members/import/", "/admin/dues/import", "/admin/jobs/import",
                                  "/admin/events/import", "/admin/awards/import"])
@pytest.mark.parametrize("name, body", [("2026年会员名册.xlsx", b""),                   # saved while still empty
                                        ("旧名册.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)])  # damaged
def test_a_file_that_is_not_a_workbook_is_named_as_the_secretary_named_it_and_says_what_to_do(staff, path,
                                                                                             name, body):
    """It said "无法读取 IGmw8hBc9Or1….xls：Expected "little-endian" marker, found b'\\x00\\x00'": the
    server's random name for the upload and the library's English."""
    sent = post(staff, path, {"file": (io.BytesIO(body), name)}, content_type="multipart/form-data",
                follow_redirects=True)
    text = sent.get_data(as_text=True)
    flash = text[text.index('class="flash'):][:400]
    assert name in flash and "另存为 .xlsx" in flash, flash
    assert not any(word in flash for word in ("zip", "marker", "Expected", "Error", "file")), flash


def test_a_bank_statement_missing_a_column_says_what_to_add_not_where_the_server_keeps_its_words(staff):
    sheet = "交易日期,摘要\n2026-03-01,会费\n2026-03-02,会费\n"
    sent = post(staff, "/admin/dues/import", {"file": (io.BytesIO(sheet.encode("utf-8")), "流水.csv")},
                content_type="multipart/form-data", follow_redirects=True)
    text = sent.get_data(as_text=True)
    flash = text[text.index('class="flash'):][:400]
    assert "找不到" in flash and "金额" in flash and "content/" not in flash and "[fees" not in flash, flash
