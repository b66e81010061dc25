"""A society's basic account at 建设银行 and its conference account at a city bank, exported as the banks
export them (an account block over the header, amounts headed with their unit, totals and a footer under
the rows), and what members write in them: numbers of an older system, typed without their dashes."""
from __future__ import annotations

from openpyxl import Workbook

from handlers.fees import dues
from storage.members import insert_member, insert_unit
from storage.sqlite import transaction
from tests.cli import booked, command, statement_imported

REGULAR = dues.yearly_fee("regular")


def members(db, *rows):
    with transaction(db):
        for number, name, mobile in rows:
            insert_member(db, {"member_no": number, "name": name, "category": "regular", "mobile": mobile,
                               "paid_through": "2025-12-31"}, actor="test")


def ccb_book(path, rows):
    """建设银行's 单位账户交易明细: rows (time, debit, credit, payer, remark)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "交易明细"
    sheet.append(["中国建设银行单位账户交易明细"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=11)
    sheet.append(["账号：41001502010050881234", None, None, None, None, "户名：河南省示范学会"])
    sheet.append(["起始日期：2026-09-01", None, "终止日期：2026-11-30"])
    sheet.append([])
    sheet.append(["交易时间", "借方发生额/元(支取)", "贷方发生额/元(收入)", "余额/元", "币种", "对方户名", "对方账号",
                  "记账日期", "摘要", "备注", "账户明细编号-交易流水号"])
    balance = 100000.0
    for number, (at, debit, credit, payer, remark) in enumerate(rows, start=1):
        balance += (credit or 0) - (debit or 0)
        sheet.append([at, debit, credit, balance, "人民币", payer, f"62170024424280{number:05d}",
                      at[:10].replace("-", ""), "转账支取" if debit else "转账存入", remark,
                      f"41001502010050881234-{at[:10].replace('-', '')}{number:06d}"])
    sheet.append([])
    sheet.append(["借方发生总笔数", sum(1 for r in rows if r[1]), "借方发生总额", sum(r[1] or 0 for r in rows)])
    sheet.append(["贷方发生总笔数", sum(1 for r in rows if r[2]), "贷方发生总额", sum(r[2] or 0 for r in rows)])
    sheet.append(["温馨提示：本明细仅供参考，如需正式对账单请至柜面打印。"])
    book.save(path)
    return path


def statement_printed(env, path) -> str:
    return command("fees")[0](env, "import", path, "--dry-run").output


def test_a_ccb_export_whose_amount_headers_name_their_unit(env, db, tmp_path):
    members(db, ("HNKX202200041", "郭勇", "13579841930"))
    path = ccb_book(tmp_path / "ccb.xlsx", [
        ("2026-09-02 09:15:03", None, REGULAR, "郭勇", "HNKX202200041会费"),
        ("2026-09-05 11:20:00", 1200, None, "示范物业服务有限公司", "8月办公用房物业费"),
    ])
    report = statement_imported(env, path)
    assert [r["row"] for r in report["recorded"]] == [6]
    assert booked(db, "HNKX202200041") == [REGULAR]


def test_numbers_of_an_older_system_are_found_however_the_remark_types_them(env, db, tmp_path):
    members(db, ("HN-TJ-0330", "孟庆华", "13945480557"), ("豫土建会第0088号", "邹建平", "15222544658"),
            ("HN-TJ-0171", "阎振华", "13609682775"))
    path = ccb_book(tmp_path / "ccb.xlsx", [
        ("2026-10-22 09:09:09", None, REGULAR, "孟庆华", "HNTJ0330会费"),            # typed without the dashes
        ("2026-10-14 08:33:40", None, REGULAR, "邹小军", "豫土建会0088号会费"),      # his son pays, 第 left out
        ("2026-09-22 10:12:45", None, REGULAR, "YAN ZHENHUA", "HN-TJ-0171 huifei"),
    ])
    report = statement_imported(env, path)
    assert sorted((r["row"], r["number"]) for r in report["recorded"]) == [
        (6, "HN-TJ-0330"), (7, "豫土建会第0088号"), (8, "HN-TJ-0171")]
    assert "会员编号" in report["recorded"][1]["matched_by"]


def test_a_remark_naming_other_years_than_the_money_would_pay_is_held(env, db, tmp_path, monkeypatch):
    rules = dict(dues.fee_rules(), arrears_first=True)
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)   # as a secretary sets arrears_first
    members(db, ("HNKX202100047", "史玉洁", "15980135499"), ("HNKX201800052", "林峰", "18763465952"))
    with transaction(db):
        insert_member(db, {"member_no": "HNKX201500049", "name": "冯德胜", "category": "regular",
                           "mobile": "18864518351", "paid_through": "2023-12-31"}, actor="test")
    path = ccb_book(tmp_path / "ccb.xlsx", [
        ("2026-11-04 13:57:10", None, 3 * REGULAR, "史玉洁", "会费2026"),              # three years' money, one year named
        ("2026-10-10 15:22:04", None, 3 * REGULAR, "林峰", "2026-2028三年会费"),
        ("2026-11-20 10:38:02", None, REGULAR, "冯德胜", "2026年会费"),                # owes 2024 and 2025 first
    ])
    report = statement_imported(env, path)
    assert [r["row"] for r in report["recorded"]] == [7]
    held = {r["row"]: r for r in report["held"]}
    assert set(held) == {6, 8} and {r["problem"] for r in held.values()} == {"other_years"}
    assert (held[6]["named"], held[6]["booked"]) == ("2026 年", "2026—2028 年")
    assert (held[8]["named"], held[8]["booked"]) == ("2026 年", "2024 年")
    assert "2024 年" in statement_printed(env, path)
    assert booked(db, "HNKX202100047") == [] and booked(db, "HNKX201500049") == []


def test_a_mobile_a_member_shares_with_the_unit_he_is_contact_of_pays_his_own_dues(env, db, tmp_path):
    members(db, ("HNKX201300301", "马俊峰", "13839561207"))
    with transaction(db):
        insert_unit(db, {"unit_no": "DW008", "name": "示范规划建筑设计研究院有限公司", "contact_name": "马俊峰",
                         "contact_mobile": "13839561207"}, actor="test")
    path = ccb_book(tmp_path / "ccb.xlsx", [
        ("2026-09-09 08:57:12", None, REGULAR, "财付通支付科技有限公司", "13839561207 会费"),
    ])
    report = statement_imported(env, path)
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(6, "HNKX201300301")]


def test_a_number_of_one_member_beside_another_member_s_name_is_left_for_a_person(env, db, tmp_path):
    members(db, ("HNKX202300047", "余海波", "18867127887"), ("HNKX202300019", "康丽", "15177766275"),
            ("HNKX201800031", "蒋春华", "15000683467"), ("HNKX201800032", "蒋春生", "15000683468"))
    path = ccb_book(tmp_path / "ccb.xlsx", [
        ("2026-10-16 22:15:03", None, REGULAR, "康丽", "HNKX202300047 康丽 会费"),
        ("2026-10-17 09:00:00", None, REGULAR, "余海波", "HNKX202300047会费"),
        ("2026-10-18 09:00:00", None, REGULAR, "蒋春生", "HNKX201800031会费"),     # her husband, a member too
    ])
    report = statement_imported(env, path)
    assert [r["row"] for r in report["recorded"]] == [7, 8]
    [conflict] = report["ambiguous"]
    assert conflict["row"] == 6 and set(conflict["candidates"]) == {"HNKX202300047", "HNKX202300019"}
    assert "余海波" in statement_printed(env, path) and booked(db, "HNKX202300019") == []


def test_a_unit_the_units_list_says_was_renamed_is_paid_for_in_its_new_name(env, db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["序号", "单位名称", "联系人", "联系电话", "单位会员编号", "2026年会费", "备注"])
    sheet.append([1, "新乡市示范建筑设计研究院", "赵丽萍", "13703730001", "DW009", "欠2026",
                  "2026年4月改名为“新乡市示范规划建筑设计研究院有限公司”"])
    book.save(tmp_path / "单位会员.xlsx")
    report = command("units")[1](env, "import", tmp_path / "单位会员.xlsx")
    assert any("新乡市示范规划建筑设计研究院有限公司" in str(check) for check in report["checks"])
    path = ccb_book(tmp_path / "ccb.xlsx", [
        ("2026-09-22 10:45:13", None, dues.yearly_fee("unit"), "新乡市示范规划建筑设计研究院有限公司", "2026年会费"),
    ])
    report = statement_imported(env, path)
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(6, "DW009")]


def test_namesakes_told_apart_by_the_workplace_a_remark_names(env, db, tmp_path):
    with transaction(db):
        for number, work_unit, mobile in (("HNKX201900027", "河南五建建设集团有限公司", "15068678951"),
                                          ("HNKX202100011", "许昌市建筑设计院", "18073162475")):
            insert_member(db, {"member_no": number, "name": "李军", "category": "regular", "mobile": mobile,
                               "work_unit": work_unit, "paid_through": "2025-12-31"}, actor="test")
    path = ccb_book(tmp_path / "ccb.xlsx", [
        ("2026-11-20 10:03:17", None, REGULAR, "李军", "许昌院 李军 会费"),
        ("2026-11-21 10:03:17", None, REGULAR, "李军", "李军 会费"),
    ])
    report = statement_imported(env, path)
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(6, "HNKX202100011")]
    assert [r["row"] for r in report["ambiguous"]] == [7]


def test_where_arrears_come_first_a_year_s_money_from_someone_years_behind_is_left_for_a_person(
        env, db, tmp_path, monkeypatch):
    rules = dict(dues.fee_rules(), arrears_first=True)
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)
    with transaction(db):
        for number, name, paid_through in (("HNKX201400402", "彭立新", "2021-12-31"),
                                           ("HNKX200900088", "邹建平", "2024-12-31"),
                                           ("HNKX201800019", "姜涛", dues.LIFETIME_PAID_THROUGH)):
            insert_member(db, {"member_no": number, "name": name, "category": "regular",
                               "mobile": f"1500000{number[-4:]}", "paid_through": paid_through}, actor="test")
    path = ccb_book(tmp_path / "ccb.xlsx", [
        ("2026-10-28 10:27:44", None, REGULAR, "彭立新", "会费"),     # 2022 of five years owed, or rejoining?
        ("2026-10-14 08:33:40", None, REGULAR, "邹建平", "会费"),     # 2025: only this year is left owed
        ("2026-11-16 14:14:14", None, 3 * REGULAR, "姜涛", "会费"),   # a lifetime member owes nothing
    ])
    report = statement_imported(env, path)
    assert [(r["row"], r["paid_through"]) for r in report["recorded"]] == [(7, "2025-12-31")]
    [held] = report["held"]
    assert (held["row"], held["problem"], held["booked"]) == (6, "arrears_left", "2022 年")
    assert [(r["row"], r["problem"]) for r in report["invalid"]] == [(8, "lifetime")]
    assert "2022 年" in statement_printed(env, path)
