"""Money a secretary's own WeChat 收款码 took, as the app exports the bill (微信支付账单明细: a block of lines over the
table, the newest first, 交易对方 the payer's self-chosen nickname, "/" for an empty 备注), and a bank statement
where members type their numbers in their own ways: with a dash (HNKX2018-0233), with other Latin initials and
spaces (XH 2023 0577), or the year and serial alone (2022-0455 for the stored HNKX2022-455)."""
from __future__ import annotations

import csv

import openpyxl

from handlers.fees import dues
from handlers.fees.statements import problem_text
from storage.members import find_member_by_no
from tests.cli import booked, command, roster_imported, statement_imported
from tests.test_roster_dues_years import arrears_first  # noqa: F401 (a fixture)

REGULAR = dues.yearly_fee("regular")
MEMBERS = [  # number, name, work unit, mobile, joined, paid years
    ["HNKX2018-0233", "李梅", "某市规划院", "13919200001", "2018", "2024-2025"],
    ["HNKX2023-0577", "贺芳", "某理工大学", "13919200002", "2023", "2025"],
    ["HNKX2022-455", "付明", "某路桥公司", "13919200003", "2022", "25"],
    ["HNKX2016-0120", "杨静", "某设计院", "13919200004", "2016", "至2025"],
    ["HNKX2018-0228", "龚伟", "某工程局", "13919200005", "2018", "2024年"],
    ["HNKX2016-0175", "高山", "某规划院", "13919200006", "2016", "2024、2025"],
]


def members(env, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["会员编号", "姓名", "工作单位", "会员类别", "手机", "入会时间", "缴费年度"])
    for number, name, unit, mobile, joined, years in MEMBERS:
        sheet.append([number, name, unit, "普通会员", mobile, joined, years])
    book.save(tmp_path / "名册.xlsx")
    assert roster_imported(env, tmp_path / "名册.xlsx")["bad_rows"] == []


def bank(path, rows):
    """A bank's detail: (time, credit, payer, purpose) rows under a header block."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["账户明细"])
    sheet.append(["交易时间", "摘要", "用途", "借方发生额", "贷方发生额", "对方户名", "对方账号"])
    for at, (when, credit, payer, purpose) in enumerate(rows):
        sheet.append([when, "转账", purpose, None, credit, payer, f"62220000111122{at:04d}"])
    book.save(path)
    return path


def wechat_bill(path, rows):
    """微信支付账单明细 as the app sends it: UTF-8 with a BOM, 16 lines over the table, the newest row first; rows
    (time, type, nickname, in/out, amount, remark)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        for line in ["微信支付账单明细", "微信昵称：[秘书处小王]", "起始时间：[2026-09-01 00:00:00] 终止时间：[2026-11-30 23:59:59]",
                     "导出类型：[全部]", "导出时间：[2026-12-01 09:00:00]", "", "共6笔记录", "收入：4笔 685.00元",
                     "支出：2笔 400.00元", "中性交易：0笔 0.00元", "注：", "1. 充值/提现/理财通购买/零钱通存取/信用卡还款等交易，将计入中性交易",
                     "2. 本明细仅展示当前账单中的交易", "3. 如需核对，请联系微信支付客服", "",
                     "----------------------微信支付账单明细列表--------------------"]:
            out.write(line + "\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["交易时间", "交易类型", "交易对方", "商品", "收/支", "金额(元)", "支付方式", "当前状态", "交易单号",
                         "商户单号", "备注"])
        for at, (when, kind, nickname, way, amount, remark) in enumerate(rows):
            writer.writerow([when, kind, nickname, "/", way, f"¥{amount:.2f}", "/", "已收钱" if way == "收入" else "支付成功",
                             f"10000399261{at:017d}\t", "/", remark])
    return path


def test_numbers_typed_otherwise_find_their_member_and_their_year_is_no_year_paid(env, db, tmp_path, arrears_first):
    members(env, tmp_path)
    report = statement_imported(env, bank(tmp_path / "bank.xlsx", [
        ("2026-09-03 10:00:00", REGULAR, "李梅", "HNKX2018-0233 李梅 2026会费"),
        ("2026-09-04 10:00:00", REGULAR, "贺芳", "XH 2023 0577 会费"),
        ("2026-09-05 10:00:00", REGULAR, "张三", "2022-0455"),
    ]))
    assert sorted((r["number"], r["years"]) for r in report["recorded"]) == [
        ("HNKX2018-0233", 1), ("HNKX2022-455", 1), ("HNKX2023-0577", 1)]
    assert find_member_by_no(db, "HNKX2023-0577")["paid_through"] == "2026-12-31"


def test_making_up_the_first_year_owed_with_the_next_year_s_money_books_both(env, db, tmp_path, arrears_first):
    members(env, tmp_path)
    report = statement_imported(env, bank(tmp_path / "bank.xlsx", [
        ("2026-10-06 10:00:00", 2 * REGULAR, "龚伟", "补交2025年会费")]))
    [row] = report["recorded"]
    assert (row["number"], row["years"]) == ("HNKX2018-0228", 2)
    assert find_member_by_no(db, "HNKX2018-0228")["paid_through"] == "2026-12-31"


def test_a_personal_wechat_bill_books_only_what_its_remarks_name(env, db, tmp_path, arrears_first):
    members(env, tmp_path)
    bill = wechat_bill(tmp_path / "微信支付账单.csv", [
        ("2026-10-25 21:00:00", "转账", "老同学", "收入", 85, "聚餐AA"),
        ("2026-10-19 09:00:00", "转账", "山高水长", "支出", REGULAR, "重复付款退回"),
        ("2026-10-18 20:16:40", "二维码收款", "山高水长", "收入", REGULAR, "高山会费"),
        ("2026-10-18 20:15:02", "二维码收款", "山高水长", "收入", REGULAR, "高山会费"),
        ("2026-09-20 09:00:00", "二维码收款", "杨静", "收入", REGULAR, "/"),
        ("2026-09-15 10:00:00", "零钱提现", "中国工商银行(6688)", "/", 300, "服务费¥0.30"),
    ])
    report = statement_imported(env, bill)
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(21, "HNKX2016-0175")]  # the first scan
    assert booked(db, "HNKX2016-0175") == [REGULAR]
    assert [r["row"] for r in report["not_received"]] == [20]          # the second, sent back the next day
    [nickname] = report["held"]
    assert (nickname["row"], nickname["problem"]) == (22, "nickname_only")
    assert "昵称" in problem_text(nickname) and booked(db, "HNKX2016-0120") == []
    assert [r["row"] for r in report["not_dues"]] == [18]               # a dinner shared, not the society's money


def test_the_lifetime_fee_from_a_unit_s_contact_that_is_also_the_unit_s_fee_is_asked(env, db, tmp_path, monkeypatch):
    """高山 is the contact his institute's list names (with the office's mobile, not his); 1500 会费 from him is his
    lifetime fee or his institute's year: a person asks."""
    rules = dict(dues.fee_rules(), yearly=dict(dues.fee_rules()["yearly"], unit=1500))
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)
    members(env, tmp_path)
    book = openpyxl.Workbook()
    book.active.append(["编号", "单位名称", "联系人", "联系电话", "欠费情况"])
    book.active.append(["HNKXDW009", "某规划院", "高山", "13919200099", "2025年已交"])
    book.save(tmp_path / "单位会员.xlsx")
    command("units")[1](env, "import", tmp_path / "单位会员.xlsx")
    report = statement_imported(env, bank(tmp_path / "bank.xlsx", [
        ("2026-09-15 10:00:00", dues.lifetime_fee("regular"), "高山", "会费")]))
    [held] = report["held"]
    assert (held["problem"], held["number"]) == ("lifetime_or_unit", "HNKX2016-0175")
    assert booked(db, "HNKX2016-0175") == [] and booked(db, "HNKXDW009") == []


def test_money_from_a_unit_that_pays_no_dues_is_listed_not_booked(env, db, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["编号", "单位名称", "联系人", "联系电话", "欠费情况", "备注"])
    book.active.append(["HNKXDW001", "某省建筑科学研究院", "秘书处", "13919200098", "免", "学会挂靠单位"])
    book.save(tmp_path / "单位会员.xlsx")
    command("units")[1](env, "import", tmp_path / "单位会员.xlsx")
    report = statement_imported(env, bank(tmp_path / "bank.xlsx", [
        ("2026-09-16 10:00:00", dues.yearly_fee("unit"), "某省建筑科学研究院", "2026年会费")]))
    [row] = report["invalid"]
    assert row["problem"] == "exempt" and "免收会费" in problem_text(row)
    assert booked(db, "HNKXDW001") == []


def test_a_number_one_digit_off_the_payer_s_own_is_asked_about(env, db, tmp_path, arrears_first):
    """贺芳 (HNKX2023-0577) sends money naming HNKX2023-0571, 孔亮's, one digit off her own: her own number
    mistyped, or paying for him? A person asks."""
    members(env, tmp_path)
    roster_imported(env, _one_more(tmp_path, ["HNKX2023-0571", "孔亮", "某理工大学", "13919200011", "2023", "2025"]))
    report = statement_imported(env, bank(tmp_path / "bank.xlsx", [
        ("2026-09-03 10:00:00", REGULAR, "贺芳", "会费 HNKX2023-0571")]))
    [row] = report["ambiguous"]
    assert (row["problem"], row["candidates"]) == ("number_one_off", ["HNKX2023-0571", "HNKX2023-0577"])
    assert booked(db, "HNKX2023-0571") == [] == booked(db, "HNKX2023-0577")


def _one_more(tmp_path, member):
    book = openpyxl.Workbook()
    book.active.append(["会员编号", "姓名", "工作单位", "会员类别", "手机", "入会时间", "缴费年度"])
    number, name, unit, mobile, joined, years = member
    book.active.append([number, name, unit, "普通会员", mobile, joined, years])
    book.save(tmp_path / "新会员.xlsx")
    return tmp_path / "新会员.xlsx"
