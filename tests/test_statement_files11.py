"""A fifth society's statements (a provincial mechanical engineering society): 招商银行's transaction details
with bilingual headers (`交易日期 Date`, `贷方金额 Credit Amount`, `用途 Purpose`), and a 支付宝 account bill (GBK,
`#` lines above and below, ids ending in a tab) whose 对方账户 is masked (139****4567) and names nobody. Members
type their numbers as they remember them: a dash or a leading zero left out (机械456 for 机械-0456, HBJX-2021-88
for HBJX-2021-0088), with the year they joined inside it (HBJX-2025-0512); two members share a name and the
remark names the workplace of one."""
from __future__ import annotations

from datetime import datetime

from openpyxl import Workbook

from handlers.fees import dues
from handlers.fees.statements import report_lines
from storage.members import find_member_by_no
from tests.cli import command, roster_imported, statement_imported
from tests.test_roster_files11 import arrears_first, grid_roster  # noqa: F401 (a fixture)

REGULAR = dues.yearly_fee("regular")
MEMBERS = [
    ["机械-0456", "邓志刚", "华中科技大学", "教授", "普通会员", 13251122775, 2008, "✓", "✓", "✓", None, None],
    ["HBJX-2021-0088", "彭涛", "武汉锅炉股份有限公司", "助理工程师", "普通会员", 15057680433, "2021.05", "✓", "✓", "✓", None, None],
    ["HBJX-2025-0512", "袁梦琪", "华中科技大学", None, "普通会员", 15146522054, "2025.08", None, None, "✓", None, None],
    ["HBJX-2022-0318", "刘洋", "武汉理工大学机电工程学院", "工程师", "普通会员", 15259323976, "2022.01", "✓", "✓", "✓", None, None],
    ["HBJX-2018-0150", "刘洋", "东风商用车有限公司", "工程师", "普通会员", 15545179878, "2018.02", "✓", "✓", "✓", None, None],
    ["HBJX-2020-0420", "夏永红", "武汉纺织大学", "工程师", "普通会员", 13971234567, "2020.04", "✓", "✓", "✓", None, None],
    ["HBJX-2021-0150", "蒋伟", "武汉船用机械有限责任公司", "工程师", "普通会员", 18627012233, "2021.11", "✓", "✓", "✓", None, None],
    ["HBJX-2019-0166", "石磊", "东风商用车有限公司", "工程师", "普通会员", 18671562233, "2019.06", "✓", "✓", "✓", None, None],
]


def cmb_book(path, rows):
    """招商银行's 账户交易明细 as exported: a bilingual header block, a blank row, bilingual column headers, dates as
    dates, debit and credit in two columns; rows (day, credit, payer, purpose)."""
    book = Workbook()
    sheet = book.active
    for line in ("招商银行 CHINA MERCHANTS BANK", "账户交易明细 Account Transaction Details",
                 "账号 Account No.: 127908765410601\u3000\u3000户名 Account Name: 某省机械工程学会",
                 "币种 Currency: 人民币 CNY\u3000\u3000查询期间 Period: 2026-09-01 ~ 2026-11-30", None):
        sheet.append([line])
    sheet.append(["交易日期 Date", "交易时间 Time", "起息日 Value Date", "交易类型 Type", "借方金额 Debit Amount",
                  "贷方金额 Credit Amount", "余额 Balance", "摘要 Summary", "流水号 Ref No.", "对方户名 Counterparty Name",
                  "对方账号 Counterparty Account", "用途 Purpose"])
    for number, (day, credit, payer, purpose) in enumerate(rows, 1):
        when = datetime.fromisoformat(day)
        sheet.append([when, "10:15:22", when, "转账", None, credit, 57310.4 + credit, "他行汇入", f"K3369342800{number:02d}",
                      payer, f"62226001100987{number:05d}", purpose])
    sheet.append(["合计 Total", None, None, None, 0, sum(r[1] for r in rows)])
    sheet.append([f"借方笔数 Debit Count: 0\u3000\u3000贷方笔数 Credit Count: {len(rows)}"])
    book.save(path)
    return path


def alipay_bill(path, rows):
    """支付宝's 账务明细 as downloaded: GBK, CRLF, `#` lines, ids ending in a tab, every line ending in a comma;
    rows (time, masked account, income, remark)."""
    lines = ["#支付宝账务明细查询", "#账号：[20887110286401560156]",
             "#起始日期：[2026年09月01日 00:00:00]    终止日期：[2026年12月01日 00:00:00]",
             "#-----------------------------------------账务明细列表----------------------------------------",
             "账务流水号,业务流水号,商户订单号,商品名称,发生时间,对方账户,收入（+元）,支出（-元）,账户余额（元）,交易渠道,业务类型,备注,"]
    for number, (when, account, income, remark) in enumerate(rows, 1):
        lines.append(f"2026090549738300{number:04d}\t,20260905220017713501496444{number:02d}\t,,转账,{when},{account},"
                     f"{income:.2f},,{2386.40 + income:.2f},,转账,{remark},")
    lines += ["#-----------------------------------------账务明细列表结束------------------------------------",
              f"#收入合计：{len(rows)}笔，共{sum(r[2] for r in rows):,.2f}元", "#导出时间：[2026年12月01日 09:40:12]"]
    path.write_bytes("\r\n".join(lines).encode("gbk") + b"\r\n")
    return path


def test_a_bank_s_bilingual_headers_are_its_columns(env, db, tmp_path):
    """The headers carry their English after the Chinese; the file was refused whole (找不到表头)."""
    roster_imported(env, grid_roster(tmp_path / "会员信息.xls", MEMBERS))
    report = statement_imported(env, cmb_book(tmp_path / "cmb.xlsx", [("2026-09-29", REGULAR, "夏永红", "HBJX-2020-0420会费")]))
    assert [(r["row"], r["number"], r["paid_through"]) for r in report["recorded"]] == \
        [(7, "HBJX-2020-0420", "2026-12-31")]


def test_a_number_typed_without_its_dash_or_a_leading_zero_is_that_member_s(env, db, tmp_path):
    """机械456 is 机械-0456 and HBJX-2021-88 is HBJX-2021-0088; a payer who is no member (邓丽, a daughter;
    a trade union) changes nothing. The year inside a number (HBJX-2025-0512) names no dues year: 袁梦琪, paid
    through 2025, pays 2026, not 2025 again (held as paid ahead)."""
    roster_imported(env, grid_roster(tmp_path / "会员信息.xls", MEMBERS))
    report = statement_imported(env, cmb_book(tmp_path / "cmb.xlsx", [
        ("2026-09-10", REGULAR, "邓丽", "机械456会费"),
        ("2026-09-11", REGULAR, "武汉锅炉股份有限公司工会", "HBJX-2021-88 彭涛会费"),
        ("2026-09-12", REGULAR, "袁梦琪", "会费HBJX-2025-0512")]))
    assert [(r["row"], r["number"]) for r in report["recorded"]] == \
        [(7, "机械-0456"), (8, "HBJX-2021-0088"), (9, "HBJX-2025-0512")]
    assert find_member_by_no(db, "HBJX-2025-0512")["paid_through"] == "2026-12-31"


def test_namesakes_are_told_apart_by_the_workplace_the_remark_names(env, db, tmp_path):
    roster_imported(env, grid_roster(tmp_path / "会员信息.xls", MEMBERS))
    report = statement_imported(env, cmb_book(tmp_path / "cmb.xlsx", [
        ("2026-09-12", REGULAR, "刘洋", "东风商用车 2026会费"),
        ("2026-09-13", REGULAR, "刘洋", "2026会费")]))
    [booked] = report["recorded"]
    assert (booked["row"], booked["number"]) == (7, "HBJX-2018-0150")
    assert "工作单位" in booked["matched_by"]
    assert [r["row"] for r in report["ambiguous"]] == [8]      # a name alone: which 刘洋, a person says


def test_a_payment_app_s_masked_account_with_no_name_is_the_one_member_it_fits(env, db, tmp_path):
    """139****4567 fits 夏永红's mobile only; 186****2233 fits two members' (listed for a person, both named);
    135****0000 fits nobody's (listed)."""
    roster_imported(env, grid_roster(tmp_path / "会员信息.xls", MEMBERS))
    report = statement_imported(env, alipay_bill(tmp_path / "alipay_bill.csv", [
        ("2026-09-05 21:33:05", "139****4567", REGULAR, "2026会费"),
        ("2026-09-12 22:40:18", "186****2233", REGULAR, "会费"),
        ("2026-11-03 07:58:31", "135****0000", REGULAR, "会费")]))
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(6, "HBJX-2020-0420")]
    [two] = report["ambiguous"]
    assert (two["row"], sorted(two["candidates"])) == (7, ["HBJX-2019-0166", "HBJX-2021-0150"])
    assert [r["row"] for r in report["unmatched"]] == [8]


def test_where_arrears_come_first_a_year_named_after_the_one_owed_pays_the_one_owed(env, db, tmp_path, arrears_first):
    """马俊's grid (✓ 未交 已缴) pays him through 2024; his '2026年会费' pays 2025, as the society's rule says, and
    the report says the remark named 2026. 侯俊 (paid through 2023) naming 2026 would still owe 2025 after it:
    arrears or rejoining, a person asks (held, as before)."""
    roster_imported(env, grid_roster(tmp_path / "会员信息.xls", [
        ["HBJX-2019-0245", "马俊", "中冶南方", "工程师", "普通会员", 15351430710, "2019.11", "✓", "未交", "已缴", None, None],
        ["HBJX-2021-0166", "侯俊", "湖北文理学院", "工程师", "普通会员", 13532867987, "2021.11", "✓", "未交", None, None, None]]))
    path = cmb_book(tmp_path / "cmb.xlsx", [("2026-10-22", REGULAR, "马俊", "2026年会费"),
                                           ("2026-10-23", REGULAR, "侯俊", "2026年会费")])
    report = statement_imported(env, path)
    assert [(r["row"], r["number"], r["paid_through"]) for r in report["recorded"]] == \
        [(7, "HBJX-2019-0245", "2025-12-31")]
    assert [(r["row"], r["problem"]) for r in report["held"]] == [(8, "other_years")]
    [said] = [line for kind, line in report_lines(dict(report, dry_run=False)) if kind == "recorded"]
    assert "附言写的是 2026 年，本会欠费先补" in said


def abc_xls(path, rows):
    """中国农业银行's 账户交易明细 (.xls): a header block, dates as text, 交易金额 always positive and 借贷标志 贷 (in)
    or 借 (out), 对方户名, 摘要 and 附言 in their own columns, the two totals under the table;
    rows (day, amount, 借/贷, payer, remark)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("账户明细")
    for at, line in enumerate(("中国农业银行账户交易明细", "账号：17050101040012345　　户名：某省机械工程学会",
                               "查询区间：2026-09-01 至 2026-11-30")):
        sheet.write(at, 0, line)
    header = ["交易日期", "交易时间", "交易金额", "借贷标志", "账户余额", "对方账号", "对方户名", "摘要", "附言", "交易流水号"]
    for column, text in enumerate(header):
        sheet.write(4, column, text)
    for at, (day, amount, flag, payer, remark) in enumerate(rows, 5):
        for column, value in enumerate([day, "09:12:44", amount, flag, 186582.58, f"62284800581234{at:05d}", payer,
                                        "网银转账", remark, f"ABC2026{at:08d}"]):
            sheet.write(at, column, value)
    sheet.write(len(rows) + 5, 0, "借方发生额合计：0.00　　笔数：0")
    book.save(str(path))
    return path


def test_a_mobile_s_tail_a_former_name_and_a_conference_registration(env, db, tmp_path):
    """李卫东 is no member, his remark gives 手机尾号4567: 夏永红's, the only mobile so ending; 李小芳 is the name
    刘洋 of 东风商用车 had before (备注 曾用名：李小芳); 年会注册 is a conference fee, not dues; 借 is money out."""
    roster_imported(env, grid_roster(tmp_path / "会员信息.xls", [
        *MEMBERS[:4], [*MEMBERS[4][:-1], "曾用名：李小芳（2021年改名）"], *MEMBERS[5:]]))
    report = statement_imported(env, abc_xls(tmp_path / "abc.xls", [
        ("2026-09-23", REGULAR, "贷", "李卫东", "会费 手机尾号4567"),
        ("2026-10-09", REGULAR, "贷", "李小芳", "会费"),
        ("2026-09-15", 800, "贷", "胡晓", "年会注册 三峡大学 胡晓"),
        ("2026-09-10", REGULAR, "借", "何晓东", "退8月重复缴纳会费")]))
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(6, "HBJX-2020-0420"), (7, "HBJX-2018-0150")]
    assert [r["row"] for r in report["not_dues"]] == [8]
    assert [r["row"] for outcome in ("held", "unmatched", "ambiguous", "invalid") for r in report[outcome]] == []


def test_a_company_paying_for_its_engineers_named_after_我公司(env, db, tmp_path):
    roster_imported(env, grid_roster(tmp_path / "会员信息.xls", [
        ["HBJX-2019-0301", "陈刚", "武汉重型机床集团有限公司", "高级工程师", "普通会员", 15081759150, "2019.01", "✓", "✓", "✓", None, None],
        ["机械-0388", "李建国", "武汉重型机床集团有限公司", "高级工程师", "普通会员", 15247051579, 2005, "已缴", "已缴", "已缴", None, None]]))
    report = statement_imported(env, cmb_book(tmp_path / "cmb.xlsx", [
        ("2026-09-06", 2 * REGULAR, "武汉重型机床集团有限公司", "代缴我公司陈刚、李建国2026年度会费")]))
    assert sorted(r["number"] for r in report["recorded"]) == ["HBJX-2019-0301", "机械-0388"]


def unit_list(path, rows):
    """单位会员名单: a title, a 经办/更新 line, the header; rows (name, number, level, contact, mobile, 缴费)."""
    book = Workbook()
    sheet = book.active
    sheet.append(["某省机械工程学会单位会员名单"])
    sheet.append(["经办：陈晓燕\u3000\u3000更新：2026.8.28"])
    sheet.append(["序号", "单位名称", "编号", "级别", "联系人", "联系人手机", "缴费", "备注"])
    for number, row in enumerate(rows, 1):
        sheet.append([number, *row])
    book.save(path)
    return path


def test_the_lifetime_fee_that_is_also_the_year_s_fee_of_the_unit_the_payer_is_contact_of_is_asked(
        env, db, tmp_path, monkeypatch):
    """谢宏伟 (高级会员) sends the lifetime fee and says only 会费: it is also a year's dues of the unit whose contact
    he is. 宋建华, no unit's contact, asking for 终身, is booked for life."""
    rules = dict(dues.fee_rules(), lifetime={"regular": 20 * REGULAR, "senior": 20 * REGULAR},
                 yearly=dict(dues.fee_rules()["yearly"], unit=20 * REGULAR))
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)
    roster_imported(env, grid_roster(tmp_path / "会员信息.xls", [
        ["HBJX-2015-0019", "谢宏伟", "武汉船用机械有限责任公司", "正高级工程师", "高级会员", 18399215533, "2015.12",
         "✓", "✓", "✓", None, "单位会员联系人"],
        ["HBJX-2016-0012", "宋建华", "华中科技大学", "教授", "高级会员", 18743406186, "2016.11", "✓", "✓", "✓", "✓", None]]))
    command("units")[1](env, "import", unit_list(tmp_path / "units.xlsx", [
        ["武汉船用机械有限责任公司", "HBJXDW-07", "单位会员", "谢宏伟", 18399215533, "26年还没交"]]))
    report = statement_imported(env, abc_xls(tmp_path / "abc.xls", [
        ("2026-10-15", 20 * REGULAR, "贷", "谢宏伟", "会费"),
        ("2026-11-12", 20 * REGULAR, "贷", "宋建华", "申请转终身会员 宋建华")]))
    assert [(r["row"], r["problem"]) for r in report["held"]] == [(6, "lifetime_or_unit")]
    assert [(r["row"], r["number"], r["paid_through"][:4]) for r in report["recorded"]] == \
        [(7, "HBJX-2016-0012", "9999")]


def test_a_unit_s_contact_who_is_no_member_pays_the_unit_s_dues(env, db, tmp_path):
    """陈思远 of the institute's 科技处 is on the unit list as its contact, not on the roster: his "719所单位会费2026"
    of a year's unit dues is the institute's."""
    command("units")[1](env, "import", unit_list(tmp_path / "units.xlsx", [
        ["中国船舶集团有限公司第七一九研究所", "HBJXDW-03", "单位会员", "陈思远", 17739184692, "25年已交"]]))
    fee = dues.yearly_fee("unit")
    report = statement_imported(env, abc_xls(tmp_path / "abc.xls", [("2026-09-14", fee, "贷", "陈思远", "719所单位会费2026")]))
    assert [(r["row"], r["number"], r["paid_through"]) for r in report["recorded"]] == \
        [(6, "HBJXDW-03", "2026-12-31")]


def test_where_arrears_come_first_a_unit_naming_a_later_year_is_asked(env, db, tmp_path, arrears_first):
    """A unit owing 2025 and 2026 sends one year's dues for '2026年会费': it pays against an invoice for 2026, so
    which year this is the secretariat agrees with it (held), unlike a member's money."""
    command("units")[1](env, "import", unit_list(tmp_path / "units.xlsx", [
        ["湖北三环锻造有限公司", "HBJXDW-06", "单位会员", "钟华", 15200228011, "欠25、26年"]]))
    report = statement_imported(env, cmb_book(tmp_path / "cmb.xlsx", [
        ("2026-10-23", dues.yearly_fee("unit"), "湖北三环锻造有限公司", "2026年单位会费")]))
    assert [(r["row"], r["problem"]) for r in report["held"]] == [(7, "other_years")]
