"""A provincial mechanical engineering society's statements: 工商银行's 历史明细 (.xlsx, every cell text, amounts
"2,000.00", a header block over the columns) and 郑州农商银行's export (GBK, signed amounts "+200.00", dates
20260903, account numbers behind a tab); unit members known by a short name, a renamed one, one whose
university pays; a member's dues and a registration fee in one transfer."""
from __future__ import annotations

from openpyxl import Workbook

from handlers.fees import dues
from storage.fees import find_payer
from storage.members import insert_member, insert_unit
from storage.sqlite import transaction
from tests.cli import booked, command, roster_imported, statement_imported
from tests.test_roster_files9 import roster_book, units_book

REGULAR = dues.yearly_fee("regular")
UNIT = dues.yearly_fee("unit")


def icbc_book(path, rows):
    """rows: (time, amount in (+) or out (-), payer, remark)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "历史明细"
    sheet["A1"] = "中国工商银行单位客户账户历史明细"
    sheet.merge_cells("A1:K1")
    sheet.append(["账号：1702021109024567891", None, None, None, "户名：河南省某某学会"])
    sheet.append(["开户行：中国工商银行郑州经三路支行", None, None, None, "币种：人民币"])
    sheet.append(["起止日期：2026-09-01 至 2026-11-30", None, None, None, "查询时间：2026-12-02 09:17:26"])
    sheet.append([])
    sheet.append(["交易时间", "凭证号", "对方账号", "对方户名", "对方开户行", "借方发生额", "贷方发生额", "余额", "摘要",
                  "附言", "交易渠道"])
    balance = 180000.0
    for number, (at, amount, payer, remark) in enumerate(rows, 1):
        balance += amount
        money = f"{abs(amount):,.2f}"
        sheet.append([at, f"00260900{number:02d}", f"62170024300{number:08d}", payer, "中国建设银行郑州分行",
                      money if amount < 0 else None, money if amount > 0 else None, f"{balance:,.2f}",
                      "跨行汇入", remark, "跨行支付"])
    sheet.append([])
    sheet.append(["贷方合计笔数", str(len(rows))])
    sheet.append(["本回单/明细仅供参考，请以银行对账单为准。打印网点：网上银行"])
    book.save(path)
    return path


def zrcb_csv(path, rows):
    """郑州农商银行's export as saved: GBK, CRLF, four lines over the header; rows (day, amount, payer, remark)."""
    lines = ["郑州农商银行对公账户交易明细查询", "账号：623151010000876543,户名：河南省某某学会",
             "起始日期：20260901,终止日期：20261130,币种：人民币", "导出时间：2026-12-01 09:12:45",
             "交易日期,交易时间,交易金额,账户余额,对方账号,对方名称,对方开户行,摘要,交易附言,交易流水号"]
    balance = 53000.0
    for number, (day, amount, payer, remark) in enumerate(rows, 1):
        balance += amount
        lines.append(f"{day},093344,{amount:+.2f},{balance:.2f},\t62220217050099{number:05d},{payer},"
                     f"中国工商银行洛阳分行,转账,{remark},\tZRCB{day}{number:06d}")
    lines += [f"合计,,收入{len(rows)}笔 +{sum(r[1] for r in rows):.2f},", "温馨提示：本明细仅供参考，不作为记账凭证。"]
    path.write_bytes("\r\n".join(lines).encode("gbk") + b"\r\n")
    return path


UNITS = [
    ["HNKXDW001", "中原重机集团", "单位会员", "张学民 13803716001", UNIT, "2026已交",
     "全称：中原重型矿山机械集团股份有限公司"],
    ["HNKXDW004", "河南科技大学机电工程学院", "单位会员", "蒋文斌 13525418006", UNIT, "欠2026",
     "学校财务处统一付款，户名“河南科技大学”"],
    ["HNKXDW007", "河南中原智能装备有限公司", "单位会员", "孟凡 15036007007", UNIT, "欠2026",
     "2025年由“河南中原重型装备有限公司”更名"],
]


def test_units_paying_in_their_full_name_their_old_name_or_their_university_s(env, db, tmp_path):
    command("units")[1](env, "import", units_book(tmp_path / "单位会员.xlsx", UNITS))
    report = statement_imported(env, icbc_book(tmp_path / "icbc.xlsx", [
        ("2026-10-21 10:33:10", UNIT, "河南科技大学", "机电学院2026年会费"),
        ("2026-10-26 10:33:48", UNIT, "中原重型矿山机械集团股份有限公司", "2027年会费"),
        ("2026-11-05 11:02:18", UNIT, "河南中原重型装备有限公司", "2026会费"),
    ]))
    assert sorted((r["row"], r["number"]) for r in report["recorded"]) == \
        [(7, "HNKXDW004"), (8, "HNKXDW001"), (9, "HNKXDW007")]
    assert [find_payer(db, no)["paid_through"] for no in ("HNKXDW001", "HNKXDW004", "HNKXDW007")] == \
        ["2027-12-31", "2026-12-31", "2026-12-31"]


def test_dues_and_a_registration_fee_in_one_transfer_are_left_for_a_person(env, db, tmp_path):
    with transaction(db):
        for number, name in (("HNKX201900009", "潘海涛"), ("HNKX202000015", "魏红军")):
            insert_member(db, {"member_no": number, "name": name, "category": "regular",
                               "mobile": f"1393881{number[-4:]}", "paid_through": "2025-12-31"}, actor="test")
    report = statement_imported(env, zrcb_csv(tmp_path / "zrcb.csv", [
        ("20260915", 5 * REGULAR, "潘海涛", "会费+年会注册费"),
        ("20261103", REGULAR, "魏红军", "2026会费（含会员证工本费）"),
    ]))
    assert [r["row"] for r in report["invalid"]] == [6]
    assert booked(db, "HNKX201900009") == []
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(7, "HNKX202000015")]


def test_two_members_of_one_name_told_apart_by_the_mobile_s_last_digits(env, db, tmp_path):
    with transaction(db):
        for number, mobile in (("HNKX200900011", "13700001111"), ("HNKX201700024", "15937102468")):
            insert_member(db, {"member_no": number, "name": "王磊", "category": "regular", "mobile": mobile,
                               "paid_through": "2025-12-31"}, actor="test")
    report = statement_imported(env, zrcb_csv(tmp_path / "zrcb.csv", [
        ("20260905", REGULAR, "王磊", "会费 尾号2468"),
        ("20260906", REGULAR, "某某公司", "代王磊交会费（1111）"),
        ("20260907", REGULAR, "王磊", "2026会费"),
    ]))
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(6, "HNKX201700024"), (7, "HNKX200900011")]
    assert "尾号" in report["recorded"][0]["matched_by"]
    assert [r["row"] for r in report["ambiguous"]] == [8]


def test_a_unit_paying_its_level_s_year_with_another_purpose_named_too_is_booked(env, db, tmp_path, monkeypatch):
    rules = dict(dues.fee_rules(), unit_levels={"常务理事单位": 8000, "理事单位": 5000, "会员单位": 2000})
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)
    with transaction(db):
        insert_unit(db, {"unit_no": "HNKXDW002", "name": "洛阳东方拖拉机集团有限公司", "level": "常务理事单位",
                         "paid_through": "2025-12-31"}, actor="test")
    report = statement_imported(env, icbc_book(tmp_path / "icbc.xlsx", [
        ("2026-09-18 10:05:55", 8000, "洛阳东方拖拉机集团有限公司", "2026年度会费（含会刊资料费）")]))
    assert [(r["row"], r["number"], r["years"]) for r in report["recorded"]] == [(7, "HNKXDW002", 1)]


def test_a_member_listed_with_a_title_is_found_by_his_name_in_pinyin_or_in_a_bill(env, db, tmp_path):
    roster_imported(env, roster_book(tmp_path / "名册.xlsx", [
        ["HNKX200800003", "张伟教授", "男", "某学院 院长", 13598001233, "高级", "2008.3", "25年已交", "常在德国访学"],
        ["HNKX199800045", "周振华教授", "男", "某大学 教授", "13700371045 / 0371-67781234", "高级会员", "1998年9月", "欠2026", None],
        ["HNKX201000016", "孙立新", "男", "某大学 副教授", 13525410016, "个人", "2010.9", "2025已交", None],
    ], []))
    report = statement_imported(env, icbc_book(tmp_path / "icbc.xlsx", [
        ("2026-09-04 10:15:32", dues.yearly_fee("senior"), "ZHANG WEI", "MEMBERSHIP FEE 2026"),
        ("2026-09-11 08:15:02", dues.yearly_fee("senior"), "财付通支付科技有限公司", "2026年度会费-周振华"),
    ]))
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(7, "HNKX200800003"), (8, "HNKX199800045")]


def test_dues_for_several_people_counted_but_not_named_are_left_for_a_person_to_ask(env, db, tmp_path):
    command("units")[1](env, "import", units_book(tmp_path / "单位会员.xlsx", UNITS))
    report = statement_imported(env, icbc_book(tmp_path / "icbc.xlsx", [
        ("2026-10-14 09:45:03", 5 * REGULAR, "中原重型矿山机械集团股份有限公司", "5人个人会费"),
        ("2026-10-15 09:45:03", 3 * REGULAR, "某某公司", "代缴三位同事会费"),
        ("2026-10-16 09:45:03", 25 * REGULAR, "某某大学", "代缴二十五位老师会费"),
    ]))
    assert report["recorded"] == []
    assert [(r["row"], r["problem"]) for r in report["ambiguous"]] == \
        [(7, "persons_unnamed"), (8, "persons_unnamed"), (9, "persons_unnamed")]
    printed = command("fees")[0](env, "import", tmp_path / "icbc.xlsx", "--dry-run").output
    assert "附言说是 5 人的会费" in printed and "没写是哪几位" in printed
