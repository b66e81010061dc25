"""A roster whose dues records stop at a day its title gives (会费记录截至2025年8月31日), and the bank
statement of the same months: a July transfer for a year the roster already marks paid is that very
payment (booked to that year, the paid-through left), not another year. The roster and the credit
union's export are built here as their secretary and bank make them."""
from __future__ import annotations

import json

from click.testing import CliRunner
from openpyxl import Workbook

from bot.cli import main
from handlers.fees import dues
from storage.fees import find_payer, payments_of
from storage.members import find_members_by_mobile

REGULAR = dues.yearly_fee("regular")


def run(env, *args):
    result = CliRunner().invoke(main, [*args, "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def roster(path, title_line, note_line=None):
    book = Workbook()
    sheet = book.active
    sheet.title = "个人会员"
    sheet.append(["某某学会个人会员花名册"])
    sheet.append([title_line])
    sheet.append(["序号", "会员号", "姓名", "会员类别", "手机", "2024年度会费", "2025年度会费", "备注"])
    sheet.append([1, "ABC15001", "唐一", "个人会员", "13700001001", "√", REGULAR, None])  # its July transfer
    sheet.append([2, "ABC15002", "田二", "个人会员", "13700001002", "√", None, None])     # July cash, never marked
    sheet.append([3, "ABC15003", "许三", "个人会员", "13700001003", "√", "√", None])      # paid again in September
    if note_line:
        sheet.append([])
        sheet.append([note_line])
    book.save(path)
    return path


def credit_union_statement(path):
    """农信社: yy/m/d dates, 借贷 + one 发生额 column, the payer's words in 备注."""
    book = Workbook()
    sheet = book.active
    sheet.append(["农村信用社账户明细"])
    sheet.append(["户名：某某学会"])
    sheet.append(["交易日期", "摘要", "借贷", "发生额", "余额", "对方户名", "备注"])
    sheet.append(["25/7/10", "转存", "贷", REGULAR, 1000, "唐一", "会费"])
    sheet.append(["25/7/15", "现存", "贷", REGULAR, 1150, None, "田二会费"])
    sheet.append(["25/9/12", "转存", "贷", REGULAR, 1300, "许三", "会费"])
    book.save(path)
    return path


def paid_through(db, mobile):
    [member] = find_members_by_mobile(db, mobile)
    return member["paid_through"]


def test_a_transfer_before_the_roster_s_records_end_is_the_payment_it_marks(env, db, tmp_path):
    report = run(env, "members", "import",
                 str(roster(tmp_path / "花名册.xlsx", "会费标准：个人会员150元/年。会费记录截至2025年8月31日。")))
    assert report["records_as_of"] == "2025-08-31"
    statement = credit_union_statement(tmp_path / "农信明细.xlsx")

    preview = run(env, "fees", "import", str(statement), "--dry-run")
    said = {r["row"]: r for r in preview["recorded"]}
    assert said[4]["shown_year"] == 2025 and said[4]["paid_through"] == "2025-12-31"
    assert paid_through(db, "13700001001") == "2025-12-31"             # the preview wrote nothing

    imported = run(env, "fees", "import", str(statement))
    assert {r["row"] for r in imported["recorded"]} == {4, 5, 6}
    assert paid_through(db, "13700001001") == "2025-12-31"             # the roster's 150 is this transfer
    [payment] = payments_of(db, find_payer(db, "ABC15001"))
    assert (payment["period_from"], payment["period_to"]) == ("2025-01-01", "2025-12-31")
    assert paid_through(db, "13700001002") == "2025-12-31"             # not marked: July's cash pays 2025
    assert paid_through(db, "13700001003") == "2026-12-31"             # after the records end: next year

    lines = CliRunner().invoke(main, ["members", "import", str(tmp_path / "花名册.xlsx"), "--dry-run"],
                               env=env).output
    assert "会费记录截至 2025-08-31" in lines


def test_a_statistics_date_under_the_table_or_a_month_alone_is_read(env, db, tmp_path):
    """统计日期：2025-08-31 in a note under the rows; 截至2025年8月 means to the month's last day."""
    report = run(env, "members", "import", str(roster(tmp_path / "a.xlsx", "会费标准：个人会员150元/年",
                                                      note_line="统计日期：2025-08-31")), "--dry-run")
    assert report["records_as_of"] == "2025-08-31"
    report = run(env, "members", "import", str(roster(tmp_path / "b.xlsx", "缴费情况截至2025年8月")))
    assert report["records_as_of"] == "2025-08-31"
    imported = run(env, "fees", "import", str(credit_union_statement(tmp_path / "农信明细.xlsx")))
    assert paid_through(db, "13700001001") == "2025-12-31"


def test_without_a_records_date_a_transfer_pays_the_next_year(env, db, tmp_path):
    report = run(env, "members", "import", str(roster(tmp_path / "花名册.xlsx", "会费标准：个人会员150元/年")))
    assert report["records_as_of"] is None
    run(env, "fees", "import", str(credit_union_statement(tmp_path / "农信明细.xlsx")))
    assert paid_through(db, "13700001001") == "2026-12-31"
