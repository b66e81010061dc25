"""Statements as banks and payment apps export them, and what payers write in them: one transfer for
several members named in its remark, someone paying for someone else, a payment app's closed and
refunded lines, money the secretary collected and hands over, a member paying twice. Each file is
made here the way its bank or app makes it."""
from __future__ import annotations

import json
from datetime import datetime

from click.testing import CliRunner
from openpyxl import Workbook

from bot.cli import main
from handlers.fees import dues
from storage.fees import find_payer, payments_of
from storage.members import insert_member, insert_unit
from storage.sqlite import transaction
from tests.cli import booked, roster_imported, statement_imported

REGULAR = dues.yearly_fee("regular")
STUDENT = dues.yearly_fee("student")


def people(db):
    """Members as a roster import leaves them (numbers, names, mobiles); two share a name."""
    rows = [("HNKX201900011", "欧阳锋", "regular", "13911110001", None),
            ("HNKX201900012", "黄药师", "regular", "13911110002", None),
            ("HNKX201900013", "洪七公", "student", "13911110003", None),
            ("HNKX201900014", "段智兴", "regular", "13911110004", "2027-12-31"),   # paid ahead
            ("HNKX201900015", "周伯通", "regular", "13911110005", None),
            ("HNKX201900016", "郭靖", "regular", "13911110006", None),
            ("HNKX201900017", "郭靖", "regular", "13911110007", None),
            ("HNKX201900018", "黄蓉", "regular", "13911110008", "2026-12-31")]    # covered by her unit
    with transaction(db):
        for number, name, category, mobile, paid_through in rows:
            insert_member(db, {"member_no": number, "name": name, "category": category, "mobile": mobile,
                               "paid_through": paid_through}, actor="test")
        insert_unit(db, {"unit_no": "HNKXDW201900001", "name": "桃花岛研究院"}, actor="test")


def bank_book(path, rows):
    """A bank's statement: an account block over the header, debit and credit columns, totals."""
    book = Workbook()
    sheet = book.active
    sheet.append(["某某银行对公账户交易明细"])
    sheet.append(["账号：4100 0000 0000 0000", None, "户名：示范学会"])
    sheet.append([])
    sheet.append(["记账日期", "对方户名", "支出", "收入金额", "余额", "交易附言", "流水号"])
    for number, (day, payer, credit, remark) in enumerate(rows, start=1):
        sheet.append([day, payer, None, credit, 10000 + number, remark, f"T{number:04d}"])
    sheet.append(["本月合计", None, 0, sum(r[2] for r in rows), None, None, None])
    book.save(path)
    return path


def test_one_transfer_for_members_named_in_its_remark_is_booked_to_each(env, db, tmp_path):
    people(db)
    path = bank_book(tmp_path / "明细.xlsx", [
        ("2026-02-03", "桃花岛研究院", 2 * REGULAR, "代缴2人会费：欧阳锋 黄药师"),
        ("2026-02-04", "周伯通", REGULAR + STUDENT, "周伯通洪七公会费"),   # two names, no separator
    ])
    report = statement_imported(env, path)
    assert sorted((r["row"], r["number"], r["amount"]) for r in report["recorded"]) == [
        (5, "HNKX201900011", REGULAR), (5, "HNKX201900012", REGULAR),
        (6, "HNKX201900013", STUDENT), (6, "HNKX201900015", REGULAR)]
    assert booked(db, "HNKXDW201900001") == []     # the unit paid for its people, not its own dues
    assert report["invalid"] == []                  # the totals row is no transaction
    again = statement_imported(env, path)
    assert len(again["already"]) == 4 and again["recorded"] == []


def test_a_list_of_names_cut_short_or_a_name_two_members_share_is_left_for_a_person(env, db, tmp_path):
    people(db)
    report = statement_imported(env, bank_book(tmp_path / "明细.xlsx", [
        ("2026-02-03", "桃花岛研究院", 5 * REGULAR, "代缴5人会费:欧阳锋、黄药师、周伯"),
        ("2026-02-05", "郭靖", REGULAR, "会费"),
        ("2026-02-06", "黄药师", REGULAR, "郭靖会费 139 1111 0007"),   # the mobile tells them apart
    ]))
    assert [(r["row"], r["problem"]) for r in report["ambiguous"]] == [(5, "names_in_memo"), (6, "ambiguous")]
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(7, "HNKX201900017")]
    assert booked(db, "HNKX201900011") == [] and booked(db, "HNKX201900016") == []


def test_paying_for_someone_else_credits_the_member_named_and_conflicting_evidence_is_asked(env, db, tmp_path):
    people(db)
    report = statement_imported(env, bank_book(tmp_path / "明细.xlsx", [
        ("2026-03-01", "李莫愁", REGULAR, "代周伯通交2026年会费"),            # payer not a member
        ("2026-03-02", "黄药师", REGULAR, "会费 13911110002"),
        ("2026-03-03", "欧阳锋", REGULAR, "会费 13911110005"),               # member's name, another's mobile
    ]))
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(5, "HNKX201900015"), (6, "HNKX201900012")]
    [conflict] = report["ambiguous"]
    assert conflict["row"] == 7 and conflict["problem"] == "names_conflict"
    text = CliRunner().invoke(main, ["fees", "import", str(tmp_path / "明细.xlsx")], env=env).output
    assert "付款人 欧阳锋 是会员，附言里的手机号却是 周伯通 的" in text


def test_a_member_already_paid_for_the_year_is_held_not_booked_twice(env, db, tmp_path):
    people(db)
    path = bank_book(tmp_path / "明细.xlsx", [
        ("2026-02-03", "段智兴", REGULAR, "会费"),          # paid up to 2027 already
        ("2026-02-04", "黄蓉", REGULAR, "2026年会费"),      # her 2026 is covered (单位统缴 on the roster)
    ])
    report = statement_imported(env, path)
    assert [(r["row"], r["problem"]) for r in report["held"]] == [(5, "paid_ahead"), (6, "paid_ahead")]
    assert booked(db, "HNKX201900014") == [] and booked(db, "HNKX201900018") == []
    confirmed = statement_imported(env, path, "--confirm", "5")
    assert [r["row"] for r in confirmed["recorded"]] == [5]


def payment_app_csv(path):
    """A payment app's bill: '#' lines around the table, padded fields, a tab after long numbers,
    amounts always positive with the direction in 收/支, a status and a refunded column; GBK."""
    header = ["交易号", "交易创建时间", "交易对方", "商品名称", "金额（元）", "收/支", "交易状态", "成功退款（元）", "备注"]
    rows = [
        ["2026011022001\t", "2026-01-10 09:00:01", "欧阳锋", "会费", "200.00", "收入", "交易成功", "0.00", ""],
        ["2026011022002\t", "2026-01-10 09:05:00", "欧阳锋", "会费", "200.00", "收入", "交易成功", "200.00", ""],
        ["2026011222003\t", "2026-01-12 10:00:00", "周伯通", "会费", "200.00", "收入", "等待付款", "0.00", ""],
        ["2026011322004\t", "2026-01-13 11:00:00", "某某文具店", "打印纸", "86.50", "支出", "交易成功", "0.00", ""],
        ["2026011422005\t", "2026-01-14 12:00:00", "*锋", "会费", "200.00", "收入", "交易成功", "0.00",
         "139 1111 0002"],
        ["2026011522006\t", "2026-01-15 12:00:00", "学会秘书", "代收会费转入", "1200.00", "收入", "交易成功", "0.00", ""],
    ]
    padded = lambda cells: ",".join(f"{c:<20}" for c in cells) + ","
    lines = ["#支付宝交易记录明细查询", "#账号:[demo@example.com]", "#" + "-" * 30, padded(header),
             *[padded([c.replace("200.00", f"{REGULAR:.2f}") for c in r]) for r in rows],
             "#" + "-" * 30, "#共6笔记录"]
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    return path


def test_a_payment_app_s_bill_counts_only_money_received(env, db, tmp_path):
    people(db)
    report = statement_imported(env, payment_app_csv(tmp_path / "账单.csv"))
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(5, "HNKX201900011"), (9, "HNKX201900012")]
    assert sorted((r["row"], r["problem"]) for r in report["not_received"]) == [(6, "refunded"), (7, "not_received")]
    assert [(r["row"], r["problem"]) for r in report["not_dues"]] == [(10, "transfer")]
    assert report["skipped"] == 1      # the 支出 line
    assert booked(db, "HNKX201900015") == []


def test_a_remark_with_dues_and_something_else_is_split_by_a_person_not_called_not_dues(env, db, tmp_path):
    people(db)
    report = statement_imported(env, bank_book(tmp_path / "明细.xlsx", [
        ("2026-03-05", "黄药师", REGULAR + 30, "会费及证书工本费")]))
    [row] = report["invalid"]
    assert row["problem"] == "mixed_purpose" and report["not_dues"] == []


def test_arrears_the_remark_names_are_paid_for_those_years(env, db, tmp_path):
    people(db)
    with transaction(db):
        db["members"].update(find_payer(db, "HNKX201900011")["id"], {"paid_through": "2024-12-31"})
        db["members"].update(find_payer(db, "HNKX201900012")["id"], {"paid_through": "2024-12-31"})
    report = statement_imported(env, bank_book(tmp_path / "明细.xlsx", [
        ("2026-02-05", "欧阳锋", REGULAR, "补交2025年会费"),
        ("2026-02-06", "黄药师", 2 * REGULAR, "2025、2026两年会费"),
        ("2026-02-07", "周伯通", REGULAR, "2023年会费"),   # never paid: no back-dues beyond what he names
    ]))
    through = {r["number"]: r["paid_through"] for r in report["recorded"]}
    assert through == {"HNKX201900011": "2025-12-31", "HNKX201900012": "2026-12-31",
                       "HNKX201900015": "2023-12-31"}


def test_an_old_excel_xls_statement_as_banks_still_export_them(env, db, tmp_path):
    import xlwt

    people(db)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("交易明细")
    sheet.write_merge(0, 0, 0, 5, "某某银行账户交易明细")
    for column, text in enumerate(["交易日期", "对方户名", "借方发生额", "贷方发生额", "余额", "摘要"]):
        sheet.write(2, column, text)
    when = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    sheet.write(3, 0, datetime(2026, 3, 2), when)
    for column, value in enumerate(["欧阳锋", "", REGULAR, 9000.5, "会费"], start=1):
        sheet.write(3, column, value)
    sheet.write(4, 0, datetime(2026, 3, 3), when)
    for column, value in enumerate(["某印刷厂", 300, "", 8700.5, "印刷费"], start=1):
        sheet.write(4, column, value)
    book.save(str(tmp_path / "明细.xls"))
    report = statement_imported(env, tmp_path / "明细.xls")
    assert [(r["row"], r["number"], r["paid_at"]) for r in report["recorded"]] == [(4, "HNKX201900011", "2026-03-02")]
    assert report["skipped"] == 1


def test_a_member_s_name_inside_a_longer_name_or_word_is_not_that_member(env, db, tmp_path):
    people(db)
    with transaction(db):
        insert_member(db, {"member_no": "HNKX201900031", "name": "李明", "category": "regular",
                           "mobile": "13911110031"}, actor="test")
        insert_member(db, {"member_no": "HNKX201900032", "name": "黄河", "category": "regular",
                           "mobile": "13911110032"}, actor="test")
    report = statement_imported(env, bank_book(tmp_path / "明细.xlsx", [
        ("2026-03-01", "李明亮", REGULAR, "李明亮会费"),
        ("2026-03-02", "黄河水利委员会", REGULAR, "黄河水利委员会会费"),
        ("2026-03-03", "王五", REGULAR, "代李明交会费"),
    ]))
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(7, "HNKX201900031")]
    assert sorted(r["row"] for r in report["unmatched"]) == [5, 6]


def test_a_name_in_one_remark_column_next_to_the_bank_s_words_in_another(env, db, tmp_path):
    people(db)
    book = Workbook()
    book.active.append(["交易日期", "摘要", "对方户名", "贷方发生额", "附言"])
    book.active.append(["2026-03-04", "跨行汇入", "某某公司", REGULAR, "黄药师 会费"])
    book.save(tmp_path / "流水.xlsx")
    report = statement_imported(env, tmp_path / "流水.xlsx")
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(2, "HNKX201900012")]


def test_units_paying_by_level_where_the_society_charges_by_level(env, db, tmp_path, monkeypatch):
    people(db)
    levels = {"会员单位": 2000, "理事单位": 3000, "常务理事单位": 5000}
    rules = dict(dues.fee_rules(), unit_levels=levels)
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)   # as a secretary writes [fees.unit_levels]
    path = bank_book(tmp_path / "明细.xlsx", [
        ("2026-01-15", "桃花岛研究院", 3000, "理事单位会费"),
        ("2026-01-16", "桃花岛研究院", 6000, "会费"),           # 2 x 3000 or 3 x 2000: a person says
    ])
    report = CliRunner().invoke(main, ["fees", "import", str(path), "--json"], env=env, catch_exceptions=False)
    report = json.loads(report.stdout)
    assert [(r["row"], r["number"], r["years"]) for r in report["recorded"]] == [(5, "HNKXDW201900001", 1)]
    assert [r["row"] for r in report["invalid"]] == [6]


def test_a_unit_sending_another_level_s_dues_is_asked_about(env, db, tmp_path, monkeypatch):
    """A 常务理事单位 whose transfer says 理事单位会费 with that level's amount: changed level or a mistake,
    a person decides; its own level's amount with only the year is booked."""
    people(db)
    with transaction(db):
        insert_unit(db, {"unit_no": "HNKXDW201900002", "name": "终南山研究所", "level": "常务理事单位"}, actor="test")
    levels = {"会员单位": 2000, "理事单位": 3000, "常务理事单位": 5000}
    rules = dict(dues.fee_rules(), unit_levels=levels)
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)
    path = bank_book(tmp_path / "明细.xlsx", [("2026-08-03", "终南山研究所", 3000, "理事单位会费"),
                                              ("2026-11-03", "终南山研究所", 5000, "2027年会费")])
    report = statement_imported(env, path)
    assert [(r["row"], r["problem"], r["letter"]) for r in report["held"]] == [(5, "level_differs", "D")]
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(6, "HNKXDW201900002")]


def test_part_of_a_unit_s_yearly_fee_says_the_unit_and_its_level(env, db, tmp_path, monkeypatch):
    """A 理事单位 (3000 a year) sends 1500 补交会费差额: no whole year, left for a person, and the row
    says which unit and what its fee is (it said only that 1500 fits no level)."""
    people(db)
    with transaction(db):
        insert_unit(db, {"unit_no": "HNKXDW201900003", "name": "桃源林业研究所", "level": "理事单位"}, actor="test")
    levels = {"会员单位": 1200, "理事单位": 3000, "常务理事单位": 6000}
    rules = dict(dues.fee_rules(), unit_levels=levels)
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)
    report = statement_imported(env, bank_book(tmp_path / "明细.xlsx", [("2026-11-06", "桃源林业研究所", 1500, "补交会费差额")]))
    [row] = report["invalid"]
    assert (row["row"], row["problem"], row["number"], row["level"]) == (5, "unit_level_own", "HNKXDW201900003", "理事单位")
    assert db["payments"].count == 0


def merchant_bill_csv(path):
    """WeChat Pay's merchant bill as downloaded: a summary block, every value behind a backtick, the
    member's details in 商户数据包, paid, refunded and unpaid orders, totals under the table."""
    head = ("交易时间,公众账号ID,商户号,微信订单号,商户订单号,用户标识,交易类型,交易状态,应结订单金额,"
            "退款金额,商品名称,商户数据包,手续费,订单金额")
    lines = ["微信支付商户交易账单", "商户名称：[示范学会],商户号：[`1600000001]",
             "起始时间：[2026-10-01 00:00:00],终止时间：[2026-11-30 23:59:59]", "", head]
    orders = [("2026-10-03 09:12:45", "支付成功", REGULAR, 0, "2027年度会费", "姓名:欧阳锋;手机:13911110001"),
              ("2026-10-05 10:00:00", "支付成功", REGULAR, 0, "会费", "会员编号:HNKX201900012"),
              ("2026-10-06 11:00:00", "已退款", REGULAR, REGULAR, "会费", "姓名:洪七公"),
              ("2026-10-08 12:00:00", "未支付", 0, 0, "会费", "姓名:周伯通;手机:13911110005")]
    for number, (at, state, settled, refunded, product, data) in enumerate(orders):
        ordered = REGULAR
        cells = [at, "wx00000000", "1600000001", f"42000{number}", f"HY{number}", "oU3x0000", "JSAPI", state,
                 f"{settled:.2f}", f"{refunded:.2f}", product, data, "0.60000", f"{ordered:.2f}"]
        lines.append(",".join("`" + c for c in cells))
    lines += ["总交易单数,应结订单总金额,退款总金额,手续费总金额,订单总金额", "`4,`300.00,`100.00,`1.80,`400.00"]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def test_a_wechat_pay_merchant_bill_with_backticks_and_summary_lines(env, db, tmp_path):
    people(db)
    report = statement_imported(env, merchant_bill_csv(tmp_path / "微信支付账单.csv"))
    assert {(r["row"], r["number"]) for r in report["recorded"]} == {(6, "HNKX201900011"), (7, "HNKX201900012")}
    assert {r["row"] for r in report["not_received"]} == {8, 9}
    assert not report["invalid"] and not report["unmatched"]   # the summary lines are no payments
    assert booked(db, "HNKX201900013") == [] and booked(db, "HNKX201900015") == []


def test_a_bank_writing_dates_as_20261009_and_its_payer_as_收付方名称(env, db, tmp_path):
    people(db)
    book = Workbook()
    sheet = book.active
    sheet.append(["招商银行交易流水"])
    sheet.append(["户名：示范学会", None, None, "账号：3719 0000 0000"])
    sheet.append(["币种：人民币", None, "起始日期：20261001", None, "终止日期：20261130"])
    sheet.append([])
    sheet.append(["交易日", "交易时间", "交易类型", "借方金额", "贷方金额", "余额", "摘要", "附言", "收/付方名称",
                  "收/付方帐号", "流水号"])
    sheet.append(["20261009", "10:11:52", "汇入汇款", None, REGULAR, 99077.4, "跨行转入", "黄药师会费", "冯蘅",
                  "6222000000000001", "K0001"])
    sheet.append([])
    sheet.append(["借方笔数：0", None, "借方金额：0.00", None, "贷方笔数：1", None, f"贷方金额：{REGULAR:.2f}"])
    book.save(tmp_path / "招行.xlsx")
    report = statement_imported(env, tmp_path / "招行.xlsx")
    assert [(r["row"], r["number"], r["paid_at"]) for r in report["recorded"]] == [(6, "HNKX201900012", "2026-10-09")]
    assert not report["invalid"]


def test_the_member_named_beside_family_employer_and_category_words_is_credited(env, db, tmp_path):
    people(db)
    report = statement_imported(env, bank_book(tmp_path / "流水.xlsx", [
        ("2026-10-09", "冯蘅", REGULAR, "老公黄药师会费"),
        ("2026-10-10", "某某科技有限公司", REGULAR, "员工周伯通会费"),
        ("2026-10-11", "洪小七", STUDENT, "孩子洪七公学生会费"),
        ("2026-10-12", "大理段氏", REGULAR, "欧阳锋普通会员会费"),
        ("2026-11-10", "河南省科学技术协会", 20000, "学会能力提升专项补助")]))
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [
        (5, "HNKX201900012"), (6, "HNKX201900015"), (7, "HNKX201900013"), (8, "HNKX201900011")]
    assert [r["row"] for r in report["not_dues"]] == [9]


def test_money_from_a_withdrawn_member_is_held_and_namesakes_are_told_apart_by_amount(env, db, tmp_path):
    people(db)
    with transaction(db):
        insert_member(db, {"member_no": "HNKX201900019", "name": "裘千仞", "category": "regular",
                           "mobile": "13911110009", "status": "resigned"}, actor="test")
        insert_member(db, {"member_no": "HNKX201900020", "name": "郭靖", "category": "student",
                           "mobile": "13911110010"}, actor="test")
    report = statement_imported(env, bank_book(tmp_path / "流水.xlsx", [
        ("2026-10-09", "裘千仞", REGULAR, "会费"),
        ("2026-10-10", "郭靖", STUDENT, "学生会费"),
        ("2026-10-11", "郭靖", 70, "会费")]))
    assert not report["recorded"] and booked(db, "HNKX201900019") == []
    [held] = report["held"]
    assert held["row"] == 5 and held["problem"] == "inactive" and held["status"] == "退会"
    by_amount, unknown = report["ambiguous"]
    assert by_amount["row"] == 6 and by_amount["likely"] == "HNKX201900020"
    assert unknown["row"] == 7 and "likely" not in unknown


def test_a_unit_list_s_levels_and_old_names_decide_its_transfers(env, db, tmp_path, monkeypatch):
    """A society charging units by level: its unit list writes the level its own way (常务理事, 会员,
    理事单位（待定）), a renamed unit's old name in the remarks, a contact cell with two people and an
    office line, a deregistered unit; then transfers come under the old name and without a level."""
    from handlers.members import roster
    levels = {"会员单位": 2000, "理事单位": 3000, "常务理事单位": 5000}
    membership = roster._membership()
    membership = dict(membership, fees=dict(membership["fees"], unit_levels=levels))
    monkeypatch.setattr(roster, "_membership", lambda: membership)
    rules = dict(dues.fee_rules(), unit_levels=levels)
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)
    units = tmp_path / "单位会员.csv"
    units.write_text("单位名称,级别,联系人,联系电话,2025年会费,备注\n"
                     "甲数据科技有限公司,常务理事,赵一,13911120001,5000,\n"
                     "乙智能科技有限公司,会员,钱二,13911120002,2000,原名：乙软件有限公司（2024年更名）\n"
                     "丙大学信息学院,理事单位（待定）,张老师、李老师,0371-1234567 转办公室,3000,\n"
                     "丁通信有限公司,会员单位,孙四,13911120004,2000,2025年12月已注销\n", encoding="utf-8-sig")
    result = CliRunner().invoke(main, ["units", "import", str(units), "--json"], env=env, catch_exceptions=False)
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["bad_rows"] == [] and len(report["new_units"]) == 4
    stored = {u["name"]: u for u in db["units"].rows}
    assert [stored[n]["level"] for n in ("甲数据科技有限公司", "乙智能科技有限公司", "丙大学信息学院")] == [
        "常务理事单位", "会员单位", "理事单位"]
    assert stored["乙智能科技有限公司"]["former_names"] == "乙软件有限公司"
    assert stored["丁通信有限公司"]["status"] != "active"
    assert {c["row"] for c in report["checks"] if "张老师" in c["value"] or "待定" in c["check"]} == {4}
    statement = statement_imported(env, bank_book(tmp_path / "明细.xlsx", [
        ("2026-10-09", "乙软件有限公司", 2000, "会员单位会费"),
        ("2026-10-10", "甲数据科技有限公司", 5000, "会费"),
        ("2026-10-11", "丁通信有限公司", 2000, "会费")]))
    assert [(r["row"], r["name"], r["years"]) for r in statement["recorded"]] == [
        (5, "乙智能科技有限公司", 1), (6, "甲数据科技有限公司", 1)]
    assert [(r["row"], r["problem"]) for r in statement["held"]] == [(7, "inactive")]


def test_a_unit_list_grouped_under_level_headings_gives_each_unit_its_level(env, db, tmp_path, monkeypatch):
    """A unit list with no level column: the units sit under heading rows (一、常务理事单位 / 二、理事单位
    / 三、会员单位（3家）). Each unit has the level of its heading, so a transfer of that level's fee is
    its dues; the levels were dropped and a 5000 could be one year or 2.5, so a person had to decide."""
    from handlers.members import roster
    levels = {"会员单位": 2000, "理事单位": 3000, "常务理事单位": 5000}
    membership = roster._membership()
    membership = dict(membership, fees=dict(membership["fees"], unit_levels=levels))
    monkeypatch.setattr(roster, "_membership", lambda: membership)
    rules = dict(dues.fee_rules(), unit_levels=levels)
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)
    book = Workbook()
    sheet = book.active
    sheet.append(["某学会单位会员名录（截至2026年9月）"])
    sheet.merge_cells("A1:F1")
    sheet.append(["会费标准：常务理事单位5000元/年，理事单位3000元/年，会员单位2000元/年"])
    sheet.append(["序号", "单位名称", "联系人", "联系电话", "2025年度", "备注"])
    sheet.append(["一、常务理事单位"])
    sheet.merge_cells("A4:F4")                                 # a heading merged across the table
    sheet.append([1, "甲林业研究院", "赵一", "13911130001", "已缴", None])
    sheet.append([2, "乙规划院", "钱二", "13911130002", 5000, None])
    sheet.append(["二、理事单位"])
    sheet.append([3, "丙园林有限公司", "孙三", "13911130003", 3000, None])
    sheet.append(["三、会员单位（1家）"])
    sheet.append([4, "丁推广站", "李四", "0371-23456789", 2000, None])
    sheet.append(["共4家"])
    book.save(tmp_path / "单位会员名录.xlsx")
    result = CliRunner().invoke(main, ["units", "import", str(tmp_path / "单位会员名录.xlsx"), "--json"],
                                env=env, catch_exceptions=False)
    assert result.exit_code == 0 and json.loads(result.stdout)["bad_rows"] == []
    stored = {u["name"]: u["level"] for u in db["units"].rows}
    assert stored == {"甲林业研究院": "常务理事单位", "乙规划院": "常务理事单位", "丙园林有限公司": "理事单位",
                      "丁推广站": "会员单位"}
    statement = statement_imported(env, bank_book(tmp_path / "明细.xlsx", [
        ("2026-07-08", "乙规划院", 5000, "2026年度单位会费")]))
    assert [(r["row"], r["name"], r["years"]) for r in statement["recorded"]] == [(5, "乙规划院", 1)]


def test_a_unit_row_holding_only_its_name_is_a_unit_under_its_heading(env, db, tmp_path, monkeypatch):
    """A unit whose contact and phone nobody filled in, its row typed without a 序号: the row was taken for
    a heading (like 二、理事单位), so it and every unit under it lost the level, and their fees no longer
    told one year from two."""
    from handlers.members import roster
    levels = {"会员单位": 2000, "理事单位": 3000, "常务理事单位": 5000}
    membership = roster._membership()
    membership = dict(membership, fees=dict(membership["fees"], unit_levels=levels))
    monkeypatch.setattr(roster, "_membership", lambda: membership)
    book = Workbook()
    sheet = book.active
    sheet.append(["某学会单位会员名录"])
    sheet.merge_cells("A1:E1")
    sheet.append(["序号", "单位名称", "联系人", "联系电话", "备注"])
    sheet.append(["一、常务理事单位"])
    sheet.merge_cells("A3:E3")
    sheet.append([1, "甲林业研究院", "赵一", "13911130001", None])
    sheet.append(["二、理事单位"])
    sheet.append([None, "戊测绘研究所", None, None, None])
    sheet.append([None, "己勘察设计院", "周六", "13911130006", "新入会"])
    sheet.append([None] * 5)
    sheet.append(["合计：3家"])
    book.save(tmp_path / "单位会员名录.xlsx")
    result = CliRunner().invoke(main, ["units", "import", str(tmp_path / "单位会员名录.xlsx"), "--json"],
                                env=env, catch_exceptions=False)
    assert result.exit_code == 0 and json.loads(result.stdout)["bad_rows"] == []
    assert {u["name"]: u["level"] for u in db["units"].rows} == {
        "甲林业研究院": "常务理事单位", "戊测绘研究所": "理事单位", "己勘察设计院": "理事单位"}


def test_a_unit_is_the_same_unit_across_files_however_its_brackets_and_spaces_are_typed(env, db, tmp_path):
    """A unit member entered as 郑州中原种业（河南）有限公司 (full-width, as typed in the console or a form):
    the units' list writes it 郑州中原种业 (河南) 有限公司, the members' roster (河南) half-width, the bank
    户名 with a space. The list created a second unit (or renamed the first to its spelling), the member
    was not linked to it, the transfer matched nobody. 有限责任公司 is another company than a 有限公司 of
    the same words, and stays apart."""
    with transaction(db):
        insert_unit(db, {"unit_no": "HNKXDW201900002", "name": "郑州中原种业（河南）有限公司"}, actor="test")
        insert_unit(db, {"unit_no": "HNKXDW201900003", "name": "洛阳智能装备有限公司"}, actor="test")
    units = tmp_path / "单位会员.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["单位会员名单（2026年）"])
    sheet.merge_cells("A1:E1")
    sheet.append(["序号", "单位名称", "联系人", "联系电话", "备注"])
    sheet.append([1, "郑州中原种业 (河南) 有限公司", "赵一", "13911140001", "续会"])
    sheet.append([2, "洛阳智能装备有限责任公司", "钱二", "13911140002", None])
    sheet.append(["合计：2家"])
    book.save(units)
    CliRunner().invoke(main, ["units", "import", str(units)], env=env, catch_exceptions=False)
    stored = {u["unit_no"]: (u["name"], u["contact_name"]) for u in db["units"].rows}
    assert stored["HNKXDW201900002"] == ("郑州中原种业（河南）有限公司", "赵一")
    assert stored["HNKXDW201900003"] == ("洛阳智能装备有限公司", None) and len(stored) == 3
    members = tmp_path / "会员名册.xlsx"
    book = Workbook()
    book.active.append(["姓名", "会员类别", "手机号", "工作单位"])
    book.active.append(["孙三", "普通会员", "13911140003", "郑州中原种业(河南)有限公司"])
    book.save(members)
    CliRunner().invoke(main, ["members", "import", str(members)], env=env, catch_exceptions=False)
    [sun] = db["members"].rows
    assert sun["unit_id"] == next(u["id"] for u in db["units"].rows if u["unit_no"] == "HNKXDW201900002")
    statement = statement_imported(env, bank_book(tmp_path / "明细.xlsx", [
        ("2026-07-08", "郑州中原种业 (河南)有限公司", dues.yearly_fee("unit"), "2026年度单位会费")]))
    assert [(r["row"], r["name"]) for r in statement["recorded"]] == [(5, "郑州中原种业（河南）有限公司")]


def test_money_sent_back_whole_and_arrears_first_where_the_society_charges_them(env, db, tmp_path, monkeypatch):
    people(db)
    with transaction(db):
        insert_member(db, {"member_no": "HNKX201900021", "name": "柯镇恶", "category": "regular",
                           "mobile": "13911110021", "paid_through": "2024-12-31"}, actor="test")
    rules = dict(dues.fee_rules(), arrears_first=True)
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)
    book = Workbook()
    sheet = book.active
    sheet.append(["交易日期", "摘要", "借方发生额", "贷方发生额", "对方户名", "附言"])
    sheet.append(["2026-10-23", "网银转账", None, REGULAR * 2.5, "欧阳锋", "会费"])
    sheet.append(["2026-10-24", "网银转账", REGULAR * 2.5, None, "欧阳锋", "多缴会费退回"])
    sheet.append(["2026-10-24", "网银转账", None, REGULAR, "欧阳锋", "会费"])
    sheet.append(["2026-11-05", "网银转账", None, REGULAR * 2, "冯默风", "代柯镇恶交两年会费"])
    book.save(tmp_path / "农行.xlsx")
    report = statement_imported(env, tmp_path / "农行.xlsx")
    assert [r["row"] for r in report["not_received"]] == [2] and not report["invalid"]
    assert [(r["row"], r["number"], r["paid_through"]) for r in report["recorded"]] == [
        (4, "HNKX201900011", "2026-12-31"), (5, "HNKX201900021", "2026-12-31")]   # 2025 and 2026 owed


def test_a_payer_nobody_matches_gets_the_likely_member_or_unit_proposed(env, db, tmp_path):
    people(db)
    with transaction(db):
        insert_unit(db, {"unit_no": "HNKXDW201900002", "name": "终南大学计算机学院"}, actor="test")
        insert_member(db, {"member_no": "HNKX201900022", "name": "王重阳", "category": "regular",
                           "mobile": "13911110022"}, actor="test")
    report = statement_imported(env, bank_book(tmp_path / "流水.xlsx", [
        ("2026-10-09", "终南大学", 2000, "单位会费"),
        ("2026-10-10", "", REGULAR, "王重杨会费"),
        ("2026-10-11", "", REGULAR, "王五会费")]))
    assert not report["recorded"]
    proposed = {r["row"]: r.get("number") for r in report["unmatched"]}
    assert proposed == {5: "HNKXDW201900002", 6: "HNKX201900022", 7: None}
    printed = CliRunner().invoke(main, ["fees", "import", str(tmp_path / "流水.xlsx"), "--dry-run"], env=env).output
    assert "终南大学计算机学院" in printed and "王重阳" in printed


ALIPAY_HEADER = ["账务流水号", "商户订单号", "商品名称", "发生时间", "对方账号", "对方名称", "收入金额（+元）",
                 "支出金额（-元）", "业务类型", "备注"]


def alipay_account_bill(path, rows):
    """支付宝 账务明细 as downloaded: # lines around the table, GBK, every value followed by a tab."""
    lines = ["#支付宝账务明细查询", "#账号：[20889213456789010156]", "#-----账务明细列表-----",
             ",".join(f"{c}\t" for c in ALIPAY_HEADER), *[",".join(f"{c}\t" for c in row) for row in rows],
             "#-----账务明细列表结束-----"]
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    return path


def test_a_refund_in_a_payment_app_s_account_bill_goes_back_to_its_own_order(env, db, tmp_path):
    """Payers only as a masked phone or an e-mail in 对方账号, a member paying twice within a minute and
    the second order (商户订单号 …B) refunded the next day; another payer's earlier payment of the same
    amount is not the one refunded."""
    people(db)
    fee = f"{REGULAR:.2f}"
    report = statement_imported(env, alipay_account_bill(tmp_path / "支付宝账务明细.csv", [
        ["1001", "HL0801", "学会会费", "2026-08-01 11:02:45", "ouy***@163.com", "", fee, "", "在线支付", "欧阳锋"],
        ["1002", "HL0909A", "学会会费", "2026-09-09 10:11:40", "139****0002", "", fee, "", "在线支付", "黄药师 会费"],
        ["1003", "HL0909B", "学会会费", "2026-09-09 10:12:26", "139****0002", "", fee, "", "在线支付", "黄药师 会费"],
        ["1004", "HL0909B", "学会会费", "2026-09-10 14:30:00", "139****0002", "", "", fee, "交易退款", "重复支付退款"]]))
    assert sorted((r["row"], r["number"]) for r in report["recorded"]) == [(5, "HNKX201900011"), (6, "HNKX201900012")]
    assert [(r["row"], r["problem"], r["debit_row"]) for r in report["not_received"]] == [(7, "refunded_row", 8)]
    assert booked(db, "HNKX201900012") == [REGULAR]


def test_a_masked_payer_is_the_one_member_whose_name_and_any_mobile_fit(env, db, tmp_path):
    """*锋 paying from 139****0001 is 欧阳锋; *婆 from a second mobile kept in her remarks is 孙婆婆; *靖
    fits two 郭靖 by name but neither mobile: left for a person."""
    people(db)
    with transaction(db):
        insert_member(db, {"member_no": "HNKX201900019", "name": "孙婆婆", "category": "regular",
                           "mobile": "13911110009", "remarks": "另一手机号：18838012345（支付宝用这个）"}, actor="test")
    fee = f"{REGULAR:.2f}"
    report = statement_imported(env, alipay_account_bill(tmp_path / "支付宝账务明细.csv", [
        ["1001", "HL01", "学会会费", "2026-09-03 09:41:26", "139****0001", "*锋", fee, "", "在线支付", ""],
        ["1002", "HL02", "学会会费", "2026-09-04 09:41:26", "188****2345", "*婆", fee, "", "在线支付", ""],
        ["1003", "HL03", "学会会费", "2026-09-05 09:41:26", "135****7788", "*靖", fee, "", "在线支付", ""]]))
    assert sorted((r["row"], r["number"]) for r in report["recorded"]) == [(5, "HNKX201900011"), (6, "HNKX201900019")]
    assert [r["row"] for r in report["ambiguous"] + report["unmatched"]] == [7]


def test_a_unit_paying_for_its_staff_written_after_their_department(env, db, tmp_path):
    """A hospital's transfer for its nurses: 代缴护理部 then the names run together and the year, the
    first name touching the department's 部."""
    people(db)
    path = bank_book(tmp_path / "民生.xlsx", [("2026-10-15", "某某人民医院", 3 * REGULAR, "代缴护理部欧阳锋黄药师周伯通2027")])
    report = statement_imported(env, path)
    assert sorted(r["number"] for r in report["recorded"]) == ["HNKX201900011", "HNKX201900012", "HNKX201900015"]
    assert report["ambiguous"] == []


def test_years_of_dues_that_are_also_a_year_of_another_category_are_asked_about(env, db, tmp_path):
    """洪七公 is a student: the 个人会员 yearly fee from him is several student years or a changed
    category, and 欧阳锋's two years of 个人会员 dues naming one year is 高级会员's fee: a person says;
    the same money with 两年 written is booked."""
    people(db)
    student_years = dues.years_for_amount("student", REGULAR)
    senior = dues.yearly_fee("senior")
    rows = [("2026-10-05", "洪七公", REGULAR, "会费"), ("2026-10-06", "欧阳锋", senior, "2027年会费"),
            ("2026-10-07", "黄药师", senior, "会费两年")]
    report = statement_imported(env, bank_book(tmp_path / "明细.xlsx", rows))
    held = [(r["row"], r["problem"], r["letter"]) for r in report["held"]]
    assert held == ([(5, "another_category_fee", "D")] if student_years else []) + [(6, "another_category_fee", "D")]
    assert [(r["row"], r["years"]) for r in report["recorded"]] == [(7, 2)]


def test_two_years_owed_paid_at_once_are_the_arrears_not_another_category(env, db, tmp_path, monkeypatch):
    """Where arrears are paid first, a 个人会员 two years behind sending 补交会费 of two years (also 高级会员's
    one year) pays the arrears."""
    people(db)
    rules = dict(dues.fee_rules(), arrears_first=True)
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)   # as a secretary sets arrears_first
    with transaction(db):
        insert_member(db, {"member_no": "HNKX201900019", "name": "孙婆婆", "category": "regular",
                           "mobile": "13911110009", "paid_through": "2024-12-31"}, actor="test")
    report = statement_imported(env, bank_book(tmp_path / "明细.xlsx", [("2026-07-18", "孙婆婆", 2 * REGULAR, "补交会费")]))
    assert [(r["row"], r["years"]) for r in report["recorded"]] == [(5, 2)]
    assert find_payer(db, "HNKX201900019")["paid_through"] == "2026-12-31"


def test_new_members_paid_for_by_their_unit_for_next_year_pay_that_year(env, db, tmp_path):
    """A hospital's October transfer "2027年会费" for two nurses who joined this year and never paid:
    their 2027, as the remark says (one of them, paid up, gets her next year, 2027 too)."""
    people(db)
    path = bank_book(tmp_path / "明细.xlsx", [("2026-10-15", "某某人民医院", 2 * REGULAR, "代缴周伯通黄蓉2027年会费")])
    report = statement_imported(env, path)
    assert sorted(r["number"] for r in report["recorded"]) == ["HNKX201900015", "HNKX201900018"]
    assert find_payer(db, "HNKX201900015")["paid_through"] == "2027-12-31"     # never paid: the year named
    assert find_payer(db, "HNKX201900018")["paid_through"] == "2027-12-31"


def test_a_university_paying_with_its_college_s_name_in_the_remark(env, db, tmp_path):
    """The payer is the university; the unit member is its college, named (or its old name) at the start
    of the remark: 华山大学 + "剑宗学院2026年会费" is the unit 华山大学剑宗学院."""
    people(db)
    with transaction(db):
        insert_unit(db, {"unit_no": "HNKXDW201900003", "name": "华山大学剑宗学院"}, actor="test")
        insert_unit(db, {"unit_no": "HNKXDW201900004", "name": "华山大学气宗学院", "former_names": "华山大学紫霞学院"},
                    actor="test")
    unit_fee = dues.yearly_fee("unit")
    path = bank_book(tmp_path / "明细.xlsx", [("2026-09-12", "华山大学", unit_fee, "剑宗学院2026年会费"),
                                              ("2026-11-03", "华山大学", unit_fee, "紫霞学院会费")])
    report = statement_imported(env, path)
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(5, "HNKXDW201900003"), (6, "HNKXDW201900004")]


def test_the_last_name_of_a_list_cut_by_the_bank_is_the_one_member_it_starts(env, db, tmp_path):
    """交通银行 keeps 20 characters of a remark: 桃花岛代缴：欧阳锋、黄药师、周伯 is three members' dues, the
    third being the one member whose name starts 周伯; cut to one character (郭), a person splits it."""
    people(db)
    path = bank_book(tmp_path / "交行.xlsx", [("2026-09-05", "桃花岛研究院", 3 * REGULAR, "桃花岛代缴：欧阳锋、黄药师、周伯"),
                                              ("2026-09-06", "桃花岛研究院", 3 * REGULAR, "桃花岛代缴：欧阳锋、黄药师、郭")])
    report = statement_imported(env, path)
    assert sorted(r["number"] for r in report["recorded"] if r["row"] == 5) == [
        "HNKX201900011", "HNKX201900012", "HNKX201900015"]
    assert [r["row"] for r in report["ambiguous"]] == [6]


def dues_register(path):
    """A dues register as a secretary keeps it: a merged title, 会费缴纳情况 merged over the years, 免 for
    a year a member was let off (入会当年, 出国), an honorary member let off every year, remarks far
    right, a blank row and a totals row."""
    book = Workbook()
    sheet = book.active
    sheet.append(["某某学会会员会费缴纳登记表"])
    sheet.merge_cells("A1:H1")
    sheet.append(["序号", "姓名", "会员类别", "手机号", "会费缴纳情况", None, None, "备注"])
    sheet.append([None, None, None, None, "2024年", "2025年", "2026年", None])
    sheet.merge_cells("E2:G2")
    for letter in "ABCDH":
        sheet.merge_cells(f"{letter}2:{letter}3")
    sheet.append([1, "甲一", "普通会员", "13911150001", "✓", "免", "✓", "2025年出国，免缴"])
    sheet.append([2, "乙二", "荣誉会员", "13911150002", "免", "免", "免", None])
    sheet.append([3, "丙三", "普通会员", "13911150003", "✓", None, "✓", None])
    sheet.append([4, "丁四", "普通会员", "13911150004", "✓", "免", None, None])
    sheet.append([None] * 8)
    sheet.append(["合计", None, None, None, 3, 0, 2, None])
    book.save(path)
    return path


def test_a_year_let_off_is_that_member_s_year_and_a_gap_paid_later_is_that_year(env, db, tmp_path):
    """免 counts for the year and the member it is written for: 甲一's 2025 breaks no run of paid years,
    丁四 is paid through the year let off; 乙二, honorary, owes nothing, so her 免 is no check and no
    arrears (she was listed as 2024–2026 年都没有缴费记录 and each 免 as 已算作缴过). 丙三's unpaid 2025
    then arrives as 补交2025年会费: it is that year's money, booked to 2025 and no longer unpaid, the
    paid-through date left at 2026 (it was held as 补缴还是缴下一年 and, confirmed, booked as 2027)."""
    report = roster_imported(env, dues_register(tmp_path / "会费登记.xlsx"))
    members = {m["name"]: m for m in db["members"].rows}
    assert {name: (m["paid_through"], m["dues_unpaid"]) for name, m in members.items()} == {
        "甲一": ("2026-12-31", None), "乙二": (None, None), "丙三": ("2026-12-31", "2025"), "丁四": ("2025-12-31", None)}
    assert [c for c in report["checks"] if c["row"] == 5] == []
    path = bank_book(tmp_path / "明细.xlsx", [("2026-10-08", "丙三", REGULAR, "补交2025年会费"),
                                             ("2026-10-09", "丁四", REGULAR, "2026年会费")])
    printed = CliRunner().invoke(main, ["fees", "import", str(path), "--dry-run"], env=env).output
    assert "补缴名册记为未缴的 2025 年会费，会费缴至 2026-12-31 不变" in printed
    statement = statement_imported(env, path)
    assert statement["held"] == []
    assert [(r["name"], r["paid_through"]) for r in statement["recorded"]] == [
        ("丙三", "2026-12-31"), ("丁四", "2026-12-31")]
    bing = find_payer(db, members["丙三"]["member_no"])
    assert (bing["paid_through"], bing["dues_unpaid"]) == ("2026-12-31", None)
    [payment] = payments_of(db, bing)
    assert (payment["period_from"], payment["period_to"]) == ("2025-01-01", "2025-12-31")
