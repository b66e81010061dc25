"""Console walk 11, #17: a mobile written on a newcomer's row and on the row of the member the database gives
it to. The report blamed the genuine member's row (not imported) and called the newcomer's row, refused for
its email, 已导入."""
from __future__ import annotations

from openpyxl import Workbook

from storage.members import find_member_by_no, insert_member
from tests.test_roster_import import imported


def test_the_member_who_owns_the_mobile_keeps_it_and_the_newcomer_s_row_is_the_one_flagged(env, db, tmp_path):
    insert_member(db, {"member_no": "HNKX201900001", "name": "王芳", "category": "regular",
                       "mobile": "13903710002"}, actor="test")
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "会员编号", "手机号", "邮箱", "会员类别", "工作单位"])
    sheet.append(["田野", None, "13903710031", "tianye@example.com", "普通会员", "郑州大学"])
    sheet.append(["韩雪", None, "13903710002", "hanxue@", "普通会员", "河南大学"])
    sheet.append(["王芳", "HNKX201900001", "13903710002", "wangfang@example.com", "普通会员", "河南农业大学"])
    sheet.append(["韩梅", None, "13903710002", "hanmei@example.com", "普通会员", "河南大学"])
    path = tmp_path / "roster2.xlsx"
    book.save(path)
    report = imported(env, str(path), "--skip-bad-rows")
    assert 4 not in report["bad_rows"] and 3 in report["bad_rows"] and 5 not in report["bad_rows"]
    said = {(p["row"], p["problem"]) for p in report["problems"]} | {(c["row"], c["check"]) for c in report["checks"]}
    assert not [text for row, text in said if row == 4 and "姓名不同" in text], said
    assert not [text for row, text in said if "本行已导入" in text], said
    assert [text for row, text in said if row == 3 and "HNKX201900001（王芳）" in text and "第 4 行" in text], said
    assert find_member_by_no(db, "HNKX201900001")["email"] == "wangfang@example.com"
    assert [n["row"] for n in report["new"]] == [2, 5]   # 韩梅 too, without the mobile others gave (files5)
    assert find_member_by_no(db, "HNKX201900001")["mobile"] == "13903710002"
