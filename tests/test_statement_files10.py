"""A provincial nursing society's statements: 建设银行's 账户交易明细 (.xlsx, an 8-row header block, dates 20260903
and amounts "3,000.00" as text, 收入合计 / 支出合计 lines and a footer under the table) and 中原银行's export (GBK,
CRLF, a header block, dates 2026/9/3, signed amounts "+100.00" / "-1,800.00", accounts behind a tab, a 合计 line
and a print footer). Nurses pay by a member number of the society's older shape (prefix + 5 digits, no year)
followed by the year, by the second mobile of their phone cell, or a colleague pays by her own number with two
digits swapped."""
from __future__ import annotations

from openpyxl import Workbook

from handlers.fees import dues
from handlers.fees.statements import problem_line
from storage.fees import find_payer
from tests.cli import booked, command, roster_imported, statement_imported
from tests.test_roster_files10 import nurse, roster_book

REGULAR = dues.yearly_fee("regular")


def ccb_book(path, rows):
    """rows: (day 20260903, amount in (+) or out (-), payer, remark)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "交易明细"
    sheet["A1"] = "中国建设银行单位客户账户交易明细"
    sheet.merge_cells("A1:L1")
    for line in ("账号：41050110360800001234", "户名：河南省某某学会", "开户机构：中国建设银行股份有限公司郑州金水支行",
                 "币种：人民币\u3000\u3000钞汇标志：钞", "查询起止日期：20260901 - 20261130",
                 "打印日期：20261201 10:23:45\u3000\u3000打印柜员：网银"):
        sheet.append([line])
    sheet.append([])
    sheet.append(["序号", "交易日期", "交易时间", "收入金额", "支出金额", "账户余额", "对方户名", "对方账号", "对方开户机构",
                  "摘要", "备注", "交易流水号"])
    balance, money_in, money_out = 186420.35, 0.0, 0.0
    for number, (day, amount, payer, remark) in enumerate(rows, 1):
        balance += amount
        money_in, money_out = money_in + max(amount, 0), money_out - min(amount, 0)
        money = f"{abs(amount):,.2f}"
        sheet.append([number, day, "10:03:11", money if amount > 0 else None, money if amount < 0 else None,
                      f"{balance:,.2f}", payer, f"62170024300{number:08d}", "中国建设银行郑州分行",
                      "转账存入" if amount > 0 else "转账支取", remark, f"4105011036080260{number:08d}"])
    sheet.append([])
    sheet.append(["收入合计", None, None, f"{money_in:,.2f}", None, None, f"收入笔数：{sum(r[1] > 0 for r in rows)}"])
    sheet.append(["支出合计", None, None, None, f"{money_out:,.2f}", None, f"支出笔数：{sum(r[1] < 0 for r in rows)}"])
    sheet.append(["温馨提示：本明细仅供参考，不作为记账凭证，以银行账务记录为准。"])
    book.save(path)
    return path


def zybank_csv(path, rows):
    """中原银行's export as saved: GBK, CRLF; rows (day 2026/9/3, amount, payer, remark)."""
    lines = ["中原银行账户交易明细", "账号：,\t411001200000088123,户名：,河南省某某学会", "查询期间：,2026/9/1,至,2026/11/30",
             "", "序号,日期,时间,摘要,金额,余额,对方名称,对方账号,对方开户行,用途,流水号"]
    balance = 55318.40
    for number, (day, amount, payer, remark) in enumerate(rows, 1):
        balance += amount
        lines.append(f'{number},{day},09:31:20,{"转账收入" if amount > 0 else "转账支出"},"{amount:+,.2f}","{balance:,.2f}",'
                     f"{payer},\t62305800001211{number:05d},中原银行郑州金水支行,{remark},ZY2026090{number:05d}")
    lines += [f'合计,,,,"收入{sum(r[1] for r in rows if r[1] > 0):,.2f}","{balance:,.2f}"',
              "打印机构：中原银行郑州分行营业部,,打印时间：2026/12/1 9:30"]
    path.write_bytes("\r\n".join(lines).encode("gbk") + b"\r\n")
    return path


def test_a_number_of_prefix_and_serial_followed_by_the_year_paid_is_the_member_s(env, db, tmp_path):
    roster_imported(env, roster_book(tmp_path / "名册.xlsx", [
        nurse("HNKX02345", "王晓红", "1988.03", 13939676345, paid="已缴至2025"),
        nurse("HNKX01688", "范文静", "1988.05", 15515731688, paid="已缴至2025")]))
    report = statement_imported(env, ccb_book(tmp_path / "ccb.xlsx", [
        ("20260909", REGULAR, "WANG XIAOHONG", "HNKX02345 2026会费"),
        ("20261023", 2 * REGULAR, "范文静", "HNKX01688 2026 2027会费")]))
    assert [(r["row"], r["number"], r["years"]) for r in report["recorded"]] == \
        [(10, "HNKX02345", 1), (11, "HNKX01688", 2)]
    assert [find_payer(db, no)["paid_through"] for no in ("HNKX02345", "HNKX01688")] == ["2026-12-31", "2027-12-31"]
    listed = [r["row"] for outcome in ("invalid", "unmatched", "ambiguous", "held") for r in report[outcome]]
    assert listed == []   # the 收入合计 line (收入笔数：2 where the payer's name is) is the bank's, no payment


def test_a_payment_from_the_second_mobile_of_a_nurse_s_phone_cell_is_hers(env, db, tmp_path):
    roster_imported(env, roster_book(tmp_path / "名册.xlsx", [
        nurse("HNKX02876", "韩梅", "1991.05", "13838825101/15237962218"),
        nurse("HNKX02877", "付婷婷", "1996.01", 18736620877)]))
    report = statement_imported(env, zybank_csv(tmp_path / "zy.csv", [
        ("2026/9/4", REGULAR, "郭志刚", "15237962218会费"),
        ("2026/9/5", REGULAR, "付建军", "13800000000会费")]))
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(6, "HNKX02876")]
    assert "另一手机号" in report["recorded"][0]["matched_by"]
    assert [r["row"] for r in report["unmatched"]] == [7]


def test_a_member_paying_by_her_own_number_with_two_digits_swapped_is_asked_about(env, db, tmp_path):
    roster_imported(env, roster_book(tmp_path / "名册.xlsx", [
        nurse("HNKX02520", "贾玉洁", "1990.06", 15036371520), nurse("HNKX02502", "牛丽", "1992.11", 18537910502),
        nurse("HNKX00388", "刘春梅", "1972.11", 13903716688, paid="已缴至2026"),
        nurse("HNKX02114", "孙倩", "1991.07", 15838116024), nurse("HNKX03120", "葛慧", "1993.04", 18625439120)]))
    report = statement_imported(env, zybank_csv(tmp_path / "zy.csv", [
        ("2026/9/23", REGULAR, "贾玉洁", "HNKX02502会费"),       # her own is HNKX02520: digits swapped?
        ("2026/9/24", REGULAR, "刘春梅", "HNKX02114会费"),       # a head nurse paying for her nurse
        ("2026/11/18", REGULAR, "葛建国", "HNKX03120")]))        # family
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(7, "HNKX02114"), (8, "HNKX03120")]
    asked = [problem_line(r) for r in report["ambiguous"] if r["row"] == 6]
    assert asked == ["  第 6 行 对方名称（G 列）：2026-09-23 +100.00 元 贾玉洁 转账收入 HNKX02502会费 — 会员编号 HNKX02502 是牛丽的，"
                     "付款人却是会员贾玉洁，她（他）自己的编号 HNKX02520 与之只是两位数字颠倒：是编号写错还是代牛丽缴费，"
                     "请确认为谁登记"]
    assert booked(db, "HNKX02502") == [] and booked(db, "HNKX02520") == []


def units_book(path, rows):
    """单位会员名单: a merged title and a 截至 line over the header, 合计 and 说明 under the table."""
    book = Workbook()
    sheet = book.active
    sheet.title = "单位会员"
    sheet["A1"] = "河南省某某学会单位会员名单"
    sheet.merge_cells("A1:H1")
    sheet["A2"] = "（缴费情况截至2026年8月底）"
    sheet.merge_cells("A2:H2")
    sheet.append(["序号", "单位名称", "会员编号", "类别", "联系人", "联系电话", "缴费情况", "备注"])
    for number, row in enumerate(rows, 1):
        sheet.append([number, *row])
    sheet.append([])
    sheet.append([f"合计：{len(rows)}家"])
    sheet.append(["说明：理事单位3000元/年，会员单位1500元/年，按自然年度缴纳，欠费先补缴。"])
    book.save(path)
    return path


def test_a_hospital_paid_for_by_its_short_name_through_its_contact_nurse_is_the_unit(env, db, tmp_path, monkeypatch):
    rules = dict(dues.fee_rules(), unit_levels={"理事单位": 3000, "会员单位": 1500})
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)
    command("units")[1](env, "import", units_book(tmp_path / "单位会员.xlsx", [
        ["郑州大学第一附属医院", "HNKXDW01", "理事单位", "马红梅（护理部）", "0371-66862011", "2026年未缴", None],
        ["郑州大学第二附属医院", "HNKXDW02", "会员单位", "李静", "0371-66862999", "2026年未缴", None],
        ["新乡医学院第一附属医院", "HNKXDW07", "会员单位", "吴佳", "0373-4402233", "2026年未缴", None]]))
    roster_imported(env, roster_book(tmp_path / "名册.xlsx", [
        nurse("HNKX00301", "马红梅", "1969.12", 13703710301, paid="已缴至2026", category="高级会员"),
        nurse("HNKX01120", "吴佳", "1983.05", 13837311120, paid="已缴至2026")]))
    report = statement_imported(env, zybank_csv(tmp_path / "zy.csv", [
        ("2026/9/2", 3000, "马红梅", "郑大一附院2026年理事会费"),
        ("2026/9/3", 1500, "吴佳", "新医一附院会费"),
        ("2026/9/4", 1500, "马红梅", "郑大附院会费")]))       # 一附院 or 二附院: nobody can tell
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(6, "HNKXDW01"), (7, "HNKXDW07")]
    assert "郑大一附院" in report["recorded"][0]["matched_by"]
    assert [find_payer(db, no)["paid_through"] for no in ("HNKXDW01", "HNKXDW07", "HNKXDW02", "HNKX00301")] == \
        ["2026-12-31", "2026-12-31", "2025-12-31", "2026-12-31"]
    assert [r["row"] for r in report["invalid"] + report["held"] + report["ambiguous"]] == [8]


def test_a_payment_naming_a_ward_s_shared_landline_names_those_who_share_it(env, db, tmp_path):
    roster_imported(env, roster_book(tmp_path / "名册.xlsx", [
        nurse("HNKX01811", "冯丹", "1986.06", "0371-65587112"), nurse("HNKX01812", "潘雪", "1990.01", "0371-65587112"),
        nurse("HNKX00301", "马红梅", "1969.12", "0371-66862011")]))
    report = statement_imported(env, zybank_csv(tmp_path / "zy.csv", [
        ("2026/9/6", REGULAR, "张建伟", "0371-65587112会费"),
        ("2026/9/7", REGULAR, "马建国", "037166862011 会费")]))
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(7, "HNKX00301")]
    assert "座机" in report["recorded"][0]["matched_by"]
    [asked] = report["ambiguous"]
    assert asked["row"] == 6 and set(asked["candidates"]) == {"HNKX01811", "HNKX01812"}
    assert "冯丹" in problem_line(asked) and "潘雪" in problem_line(asked) and "0371-65587112" in problem_line(asked)
    assert booked(db, "HNKX01811") == [] and booked(db, "HNKX01812") == []


def test_a_unit_s_contact_with_her_department_and_its_landline_are_kept(env, db, tmp_path):
    report = command("units")[1](env, "import", units_book(tmp_path / "单位会员.xlsx", [
        ["郑州大学第一附属医院", "HNKXDW01", "理事单位", "马红梅（护理部）", "0371-66862011", "2026年未缴", None],
        ["河南省人民医院", "HNKXDW02", "理事单位", "刘春梅", 13903716688, "2026年未缴", None]]))
    assert report["bad_rows"] == []
    first, second = find_payer(db, "HNKXDW01"), find_payer(db, "HNKXDW02")
    unit = db["units"].get(first["id"])
    assert (unit["contact_name"], unit["contact_mobile"]) == ("马红梅", None)
    assert "座机：0371-66862011" in unit["remarks"] and "护理部" in unit["remarks"]
    assert db["units"].get(second["id"])["contact_mobile"] == "13903716688"
    said = [c["check"] for c in report["checks"] if c["row"] == 4 and c["letter"] == "F"]
    assert said and "座机" in said[0], report["checks"]


def test_a_nurse_named_after_her_title_and_a_hospital_paying_under_its_short_name_are_found(env, db, tmp_path):
    command("units")[1](env, "import", units_book(tmp_path / "单位会员.xlsx", [
        ["郑州大学第一附属医院", "HNKXDW01", "会员单位", "马红梅（护理部）", "0371-66862011", "2026年未缴", None]]))
    roster_imported(env, roster_book(tmp_path / "名册.xlsx", [
        nurse("HNKX00530", "郑红", "1970.02", 13838090530), nurse("HNKX01077", "李红霞", "1971.03", 13937745077)]))
    report = statement_imported(env, zybank_csv(tmp_path / "zy.csv", [
        ("2026/9/7", REGULAR, "张建国", "替护士长郑红交会费"),
        ("2026/9/8", REGULAR, "王敏", "代缴护理部主任李红霞会费"),
        ("2026/9/9", dues.yearly_fee("unit"), "郑大一附院", "2026年会费")]))
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(6, "HNKX00530"), (7, "HNKX01077"),
                                                                      (8, "HNKXDW01")]
