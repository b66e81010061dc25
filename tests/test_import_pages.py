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
