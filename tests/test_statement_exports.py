"""More bank exports as banks make them: dates written as Excel serial numbers, a page break that
repeats the header, a rural credit union's one amount column with a 借/贷 flag and yy/m/d dates, a
bank that keeps one sheet per month, a reversal (冲正) in a signed amount column. Each file is made
here the way its bank makes it; the payers are members as a roster import leaves them."""
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
from tests.cli import roster_imported

REGULAR = dues.yearly_fee("regular")


def imported(env, path, *args):
    result = CliRunner().invoke(main, ["fees", "import", str(path), *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout if "--json" not in args else json.loads(result.stdout)


def people(db):
    with transaction(db):
        for number, name, mobile in (("HNKX201900021", "令狐冲", "13922220001"), ("HNKX201900022", "任盈盈", "13922220002"),
                                     ("HNKX201900023", "岳灵珊", "13922220003"), ("HNKX201900024", "林平之", "13922220004")):
            insert_member(db, {"member_no": number, "name": name, "category": "regular", "mobile": mobile,
                               "paid_through": "2025-12-31"}, actor="test")


def paid_on(db, number) -> list[str]:
    return [p["paid_at"][:10] for p in payments_of(db, find_payer(db, number))]


def every_row(report) -> list[int]:
    return sorted(r["row"] for k in ("recorded", "already", "held", "not_dues", "not_received", "unmatched",
                                     "ambiguous", "invalid") for r in report[k])


def test_serial_number_dates_a_page_break_and_a_refund_pair(env, db, tmp_path):
    """交通银行: 交易日期 saved as the bare serial (46267 in a General cell), a 本页小计 line, the title
    and header again on page 2, a member's payment sent back to him whole (退重复缴纳会费)."""
    people(db)
    book = Workbook()
    sheet = book.active
    header = ["序号", "交易日期", "交易时间", "摘要", "借方发生额", "贷方发生额", "余额", "对方户名", "附言"]
    sheet.append(["交通银行对公账户交易明细（第1页/共2页）"])
    sheet.append(["账号：4110 6010 0018 1700    户名：示范学会"])
    sheet.append(header)
    sheet.append([1, 46267, "09:14:05", "网银转账", None, REGULAR, 5000, "令狐冲", "2026年会费"])
    sheet.append([2, 46275, "10:00:00", "网银转账", None, REGULAR, 5100, "任盈盈", "会费"])
    sheet.append([3, 46276, "10:30:00", "网银转账", None, REGULAR, 5250, "某某", "会员费"])
    sheet.append(["本页小计", None, None, None, 0, 2 * REGULAR])
    sheet.append([])
    sheet.append(["交通银行对公账户交易明细（第2页/共2页）"])
    sheet.append(header)
    sheet.append([3, 46281, "11:00:00", "跨行转账", REGULAR, None, 5000, "任盈盈", "退重复缴纳会费"])
    sheet.append(["合计：借方1笔；贷方2笔"])
    book.save(tmp_path / "交行明细.xlsx")
    report = imported(env, tmp_path / "交行明细.xlsx", "--json")
    assert [(r["row"], r["number"], r["paid_at"]) for r in report["recorded"]] == [(4, "HNKX201900021", "2026-09-02")]
    assert [r["row"] for r in report["not_received"]] == [5]      # sent back whole: no dues
    assert paid_on(db, "HNKX201900022") == []
    assert [(r["row"], r["date"]) for r in report["unmatched"]] == [(6, "2026-09-11")]   # said as a date
    assert every_row(report) == [4, 5, 6]                         # the subtotal and page 2's header are no rows


def test_a_credit_union_s_one_amount_column_with_a_flag_and_month_totals(env, db, tmp_path):
    """农信社: 交易日期 as 26/7/3, 摘要 the bank's code (现存 cash, 转存 transfer), 借贷 + one 发生额
    column, the payer's words in 备注, a 本月合计 line after each month and 本年累计 at the end."""
    people(db)
    book = Workbook()
    sheet = book.active
    sheet.append(["河南省农村信用社账户明细"])
    sheet.append(["户名：示范学会"])
    sheet.append([])
    sheet.append(["交易日期", "摘要", "借贷", "发生额", "余额", "对方户名", "备注", "渠道"])
    sheet.append(["26/7/3", "现存", "贷", REGULAR, 4360, None, "岳灵珊会费", "柜面"])
    sheet.append(["26/7/22", "转存", "贷", REGULAR, 4510, "林平之", "会费", "手机银行"])
    sheet.append(["26/7/25", "取款", "借", 500, 4010, None, "取现备用金", "柜面"])
    sheet.append(["7月合计", "本月合计", None, "贷300.00 借500.00", None, None, None, None])
    sheet.append([None, "本年累计", None, "贷300.00 借500.00", None, None, None, None])
    book.save(tmp_path / "农信明细.xlsx")
    report = imported(env, tmp_path / "农信明细.xlsx", "--json")
    assert [(r["row"], r["number"], r["paid_at"]) for r in report["recorded"]] == [
        (5, "HNKX201900023", "2026-07-03"), (6, "HNKX201900024", "2026-07-22")]   # 转存 is no hand-over
    assert every_row(report) == [5, 6]


def test_a_statement_with_a_sheet_per_month_is_read_whole_and_says_the_sheet(env, db, tmp_path):
    people(db)
    book = Workbook()
    for month, rows in (("10月", [("2026-10-09 10:21:33", "令狐冲", "2026年会费")]),
                        ("11月", [("2026-11-03 09:00:00", "任盈盈", "会费"), ("2026-11-20 15:00:00", "某公司", "会费")])):
        sheet = book.active if month == "10月" else book.create_sheet()
        sheet.title = month
        sheet.append([f"兴业银行对公明细 2026年{month}"])
        sheet.append(["账号：1234"])
        sheet.append(["交易时间", "借方金额", "贷方金额", "余额", "对方户名", "摘要", "用途"])
        for when, payer, memo in rows:
            sheet.append([when, None, REGULAR, 1000, payer, "转账", memo])
        sheet.append(["本月合计", 0, REGULAR * len(rows)])
    book.save(tmp_path / "兴业明细.xlsx")
    report = imported(env, tmp_path / "兴业明细.xlsx", "--json")
    assert sorted((r["sheet"], r["row"], r["number"]) for r in report["recorded"]) == [
        ("10月", 4, "HNKX201900021"), ("11月", 4, "HNKX201900022")]
    assert [(r["sheet"], r["row"]) for r in report["unmatched"]] == [("11月", 5)]
    text = imported(env, tmp_path / "兴业明细.xlsx", "--dry-run")
    assert "“11月”表第 5 行" in text and "“10月”表第 4 行" in text


def test_a_reversal_in_a_signed_amount_column_and_a_colleague_paying(env, db, tmp_path):
    """中原银行-like CSV (GBK): one signed 交易金额 column; the bank reverses a credit the next day (冲正);
    a member pays for a colleague (帮同事…交)."""
    people(db)
    path = tmp_path / "中原流水.csv"
    path.write_bytes(("中原银行账户交易明细\r\n账号：6200\r\n"
                      "交易日期,交易时间,收支标志,交易金额,对方户名,摘要,附言\r\n"
                      f"2026.11.20,10:00:00,收,\"+{REGULAR:.2f}\",林平之,转账,会费\r\n"
                      f"2026.11.21,09:00:00,支,\"-{REGULAR:.2f}\",林平之,冲正,冲正11月20日交易\r\n"
                      f"2026.9.20,08:00:00,收,\"+{REGULAR:.2f}\",令狐冲,转账,帮同事任盈盈交2026年会费\r\n").encode("gbk"))
    report = imported(env, path, "--json")
    assert [r["row"] for r in report["not_received"]] == [4]
    assert paid_on(db, "HNKX201900024") == []
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(6, "HNKX201900022")]


def test_the_lifetime_fee_books_lifetime_unless_years_were_paid_ahead_or_it_is_unclear(env, db, tmp_path):
    """终身会员会费 with the lifetime fee makes a member paid up to this year a lifetime member; from one
    paid beyond it (the years paid ahead: refund or credit?), or a remark saying 终身 with a year's money,
    it is listed with its row and amount column and booked only once confirmed."""
    people(db)
    with transaction(db):
        insert_member(db, {"member_no": "HNKX201900025", "name": "东方不败", "category": "regular",
                           "mobile": "13922220005", "paid_through": "2027-12-31"}, actor="test")
    lifetime = dues.lifetime_fee("regular")
    book = Workbook()
    sheet = book.active
    sheet.append(["中原银行账户交易明细"])
    sheet.append(["交易日期", "收支标志", "交易金额", "对方户名", "附言"])
    sheet.append(["2026.7.22", "收", lifetime, "令狐冲", "终身会员会费"])
    sheet.append(["2026.11.8", "收", lifetime, "东方不败", "终身会员一次性缴费"])
    sheet.append(["2026.11.10", "收", REGULAR, "岳灵珊", "终身会费"])
    book.save(tmp_path / "中原明细.xlsx")
    report = imported(env, tmp_path / "中原明细.xlsx", "--json")
    assert [r["row"] for r in report["recorded"]] == [3]
    assert find_payer(db, "HNKX201900021")["paid_through"] == dues.LIFETIME_PAID_THROUGH
    assert [(r["row"], r["problem"], r["letter"]) for r in report["held"]] == [
        (4, "lifetime_paid_ahead", "C"), (5, "lifetime_said", "C")]
    assert paid_on(db, "HNKX201900025") == [] and paid_on(db, "HNKX201900023") == []
    text = imported(env, tmp_path / "中原明细.xlsx")
    assert "第 4 行" in text and "已缴至" in text
    imported(env, tmp_path / "中原明细.xlsx", "--confirm", "4")
    assert find_payer(db, "HNKX201900025")["paid_through"] == dues.LIFETIME_PAID_THROUGH
    assert find_payer(db, "HNKX201900023")["paid_through"] == "2025-12-31"


def test_a_debit_credit_flag_column_headed_jie_dai_biao_zhi(env, db, tmp_path):
    """广发银行: six account lines over the header, 借贷标志 借/贷 beside an always-positive 交易金额; a 借
    line (the bank's yearly fee) is money going out, not a payment to look at; a 汇总 sheet of balances."""
    people(db)
    book = Workbook()
    sheet = book.active
    sheet.title = "交易明细"
    for line in ("广发银行对公账户交易明细", "账户名称：示范学会", "账号：9550 8800 1234 5600 188",
                 "开户网点：广发银行郑州金水支行", "查询日期：2026-07-01 至 2026-11-30", "打印时间：2026-12-01 10:21:07"):
        sheet.append([line])
    sheet.append([])
    sheet.append(["交易时间", "交易类型", "借贷标志", "交易金额", "账户余额", "对方账号", "对方户名", "摘要", "附言"])
    sheet.append([datetime(2026, 7, 12, 14, 37), "跨行汇款", "贷", REGULAR, 65100, "0949206329232534", "令狐冲", "汇入", "会费"])
    sheet.append([datetime(2026, 8, 21, 9, 39), "收费", "借", 12, 65088, None, None, "支出", "网银年费"])
    sheet.append([])
    sheet.append(["借方合计", None, None, 12])
    summary = book.create_sheet("汇总")
    summary.append(["期初余额", 65000])
    summary.append(["借方发生额", 12])
    book.save(tmp_path / "广发明细.xlsx")
    report = imported(env, tmp_path / "广发明细.xlsx", "--json")
    assert [r["row"] for r in report["recorded"]] == [9]
    assert every_row(report) == [9]                                 # the 借 line is no payment to look at


def test_a_statement_headed_just_jie_fang_and_dai_fang(env, db, tmp_path):
    """洛阳银行-like 对账单: the money columns headed just 借方 / 贷方, dates as text 26/7/14, a credit
    reversed the same day (冲正) and booked again the next, a salary payout, totals and closing balance.
    The whole file used to be refused ("找不到金额列"): a secretary's ordinary export giving nothing."""
    people(db)
    book = Workbook()
    sheet = book.active
    sheet.title = "对账单"
    sheet.append(["城商行对公客户对账单"])
    sheet.merge_cells("A1:H1")
    sheet.append(["客户名称：示范学会"])
    sheet.append(["账号：0112 3450 0012\u3000\u3000对账期间：2026/07/01-2026/12/15"])
    sheet.append([])
    sheet.append(["日期", "凭证号", "摘要", "对方名称", "借方", "贷方", "余额", "备注"])
    sheet.append(["26/7/14", "00260000", "转账收入", "岳灵珊", None, REGULAR, 9000, "林平之会费（同事代交）"])
    sheet.append(["26/8/9", "00260074", "转账收入", "任盈盈", None, REGULAR, 9100, "会费"])
    sheet.append(["26/8/9", "00260111", "冲正", "任盈盈", REGULAR, None, 9000, "冲正8月9日误入账"])
    sheet.append(["26/8/10", "00260148", "转账收入", "任盈盈", None, REGULAR, 9100, "会费"])
    sheet.append(["26/9/3", "00260185", "代发", None, 2000, None, 7100, "专家评审劳务费"])
    sheet.append(["本期发生额合计", None, None, None, 2000 + REGULAR, 3 * REGULAR, None, None])
    sheet.append(["期末余额", None, None, None, None, None, 7100, None])
    book.save(tmp_path / "城商行对账单.xlsx")
    report = imported(env, tmp_path / "城商行对账单.xlsx", "--json")
    assert [(r["row"], r["number"], r["paid_at"]) for r in report["recorded"]] == [
        (6, "HNKX201900024", "2026-07-14"), (9, "HNKX201900022", "2026-08-10")]
    assert [r["row"] for r in report["not_received"]] == [7]      # reversed the same day
    assert every_row(report) == [6, 7, 9]                          # the 冲正 debit, payouts, totals: no rows
    assert paid_on(db, "HNKX201900022") == ["2026-08-10"]


def test_a_refund_of_a_payment_made_twice_sends_back_the_second(env, db, tmp_path):
    """A member pays the same dues twice months apart and the society refunds the duplicate: the first
    payment is his dues, the second and its refund are no money. In an Alipay bill the refund line
    carries an order number of its own, so it is paired by the masked account."""
    people(db)
    book = Workbook()
    sheet = book.active
    sheet.append(["账户明细"])
    sheet.append(["交易日期", "借方金额", "贷方金额", "余额", "对方户名", "摘要"])
    sheet.append([datetime(2026, 9, 10), None, REGULAR, 1000, "任盈盈", "会费"])
    sheet.append([datetime(2026, 11, 10), None, REGULAR, 1100, "任盈盈", "会费"])
    sheet.append([datetime(2026, 11, 12), REGULAR, None, 1000, "任盈盈", "退还重复缴纳会费"])
    book.save(tmp_path / "明细.xlsx")
    report = imported(env, tmp_path / "明细.xlsx", "--json")
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(3, "HNKX201900022")]
    assert [r["row"] for r in report["not_received"]] == [4]
    assert paid_on(db, "HNKX201900022") == ["2026-09-10"]

    path = tmp_path / "支付宝账务明细.csv"
    lines = ["#支付宝账务明细查询", "#账号：[2088000000000001]",
             "账务流水号,业务流水号,商户订单号,商品名称,发生时间,对方账号,收入金额（+元）,支出金额（-元）,账户余额（元）,交易渠道,业务类型,备注,",
             f"2026080611\t,3001\t,HY2026080601\t,个人会员会费,2026-08-06 12:30:45,139****0001,{REGULAR:.2f}\t,0.00\t,100.00\t,支付宝,在线支付,令狐冲2027,",
             f"2026081811\t,3002\t,HY2026081801\t,个人会员会费,2026-08-18 19:02:11,139****0001,{REGULAR:.2f}\t,0.00\t,200.00\t,支付宝,在线支付,令狐冲2027,",
             f"2026081911\t,3003\t,HY2026081902\t,个人会员会费,2026-08-19 09:15:40,139****0001,0.00\t,{REGULAR:.2f}\t,100.00\t,支付宝,交易退款,重复支付退款,",
             "#支付宝账务明细列表结束"]
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    report = imported(env, path, "--json")
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(4, "HNKX201900021")]
    assert [r["row"] for r in report["not_received"]] == [5]
    assert report["held"] == []


def test_an_employer_paying_a_joiner_s_fee_and_two_years_one_of_them_paid(env, db, tmp_path):
    """A workplace pays "X入会会费" for its new member: X's dues. A member already paid to 2025 sends two
    years' money for "2025、2026": half of it is paid twice, a person decides (it was booked as 2026
    and 2027)."""
    people(db)
    book = Workbook()
    sheet = book.active
    sheet.append(["交易日期", "对方户名", "贷方金额", "附言"])
    sheet.append(["2026-08-20", "某市林业工作总站", REGULAR, "任盈盈入会会费"])
    sheet.append(["2026-09-23", "令狐冲", 2 * REGULAR, "个人会员会费 令狐冲2025、2026"])
    book.save(tmp_path / "流水.xlsx")
    report = imported(env, tmp_path / "流水.xlsx", "--json")
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(2, "HNKX201900022")]
    [held] = report["held"]
    assert (held["row"], held["problem"], held["header"]) == (3, "paid_in_part", "附言")
    assert find_payer(db, "HNKX201900021")["paid_through"] == "2025-12-31"
    text = imported(env, tmp_path / "流水.xlsx", "--dry-run")
    assert "2025、2026 年" in text and "2025 年已缴" in text


def test_a_year_the_roster_marks_unpaid_between_paid_ones_holds_a_payment_naming_no_year(env, db, tmp_path):
    """The roster: 2024 √, 2025 blank, 2026 √. A transfer of one year's dues naming no year may be the
    2025 arrears or 2027: a person says (it was booked as 2027). One naming 2027 is 2027's."""
    book = Workbook()
    sheet = book.active
    sheet.append(["会员名册（截至2026年6月30日）"])
    sheet.append(["会员编号", "姓名", "会员类别", "手机", "2024年度会费", "2025年度会费", "2026年度会费"])
    sheet.append(["XYZ00044", "欧阳锋", "学生会员", "13800004401", "√", None, "√"])
    sheet.append(["XYZ00045", "洪七公", "个人会员", "13800004402", "√", "未缴", "√"])
    book.save(tmp_path / "名册.xlsx")
    roster_imported(env, tmp_path / "名册.xlsx")
    student = dues.yearly_fee("student")
    book = Workbook()
    statement = book.active
    statement.append(["交易日期", "对方户名", "贷方金额", "附言"])
    statement.append(["2026-07-01", "欧阳锋", student, "会费"])
    statement.append(["2026-09-18", "洪七公", REGULAR, "2027年会费"])
    book.save(tmp_path / "流水.xlsx")
    report = imported(env, tmp_path / "流水.xlsx", "--json")
    [held] = report["held"]
    assert (held["row"], held["problem"], held["header"]) == (2, "unpaid_gap", "贷方金额")
    assert find_payer(db, "XYZ00044")["paid_through"] == "2026-12-31"
    assert [(r["row"], r["paid_through"]) for r in report["recorded"]] == [(3, "2027-12-31")]
    assert "2025 年未缴" in imported(env, tmp_path / "流水.xlsx", "--dry-run")


def test_a_workplace_paying_for_its_one_member_with_the_remark_cut_is_proposed(env, db, tmp_path):
    """A county bureau pays "…代缴本局职工2027年会" and the bank cut the remark before the name: the one
    member who works there is proposed (not booked); a workplace of two members proposes nobody."""
    with transaction(db):
        for number, name, mobile, unit in (("HNKX201900031", "黄药师", "13922220031", "某县林业局"),
                                           ("HNKX201900032", "欧阳克", "13922220032", "某市园林处"),
                                           ("HNKX201900033", "陆乘风", "13922220033", "某市园林处")):
            insert_member(db, {"member_no": number, "name": name, "category": "regular", "mobile": mobile,
                               "work_unit": unit, "paid_through": "2026-12-31"}, actor="test")
    book = Workbook()
    sheet = book.active
    sheet.append(["日期", "摘要", "对方名称", "借方", "贷方", "备注"])
    sheet.append(["26/11/30", "转账收入", "某县林业局", None, REGULAR, "某县林业局代缴本局职工2027年会"])
    sheet.append(["26/12/01", "转账收入", "某市园林处", None, REGULAR, "某市园林处代缴本处职工2027年会"])
    book.save(tmp_path / "对账单.xlsx")
    report = imported(env, tmp_path / "对账单.xlsx", "--json")
    assert report["recorded"] == []
    assert [(r["row"], r["problem"], r["header"]) for r in report["unmatched"]] == [
        (2, "workplace_of", "对方名称"), (3, "no_key", "对方名称")]
    assert "黄药师" in imported(env, tmp_path / "对账单.xlsx", "--dry-run")


def test_a_unit_or_workplace_written_with_other_spaces_and_brackets_is_still_found(env, db, tmp_path):
    """Names compared as unit_name_key compares them, in SQL as in Python: a no-break space (copied from a
    web page) or a full-width one in the stored name or the bank's 户名, （） for (). The stored unit with
    a no-break space matched no transfer, and a workplace was compared by ASCII spaces only."""
    with transaction(db):
        insert_unit(db, {"unit_no": "HNKXDW201900003", "name": "洛阳\xa0智能装备有限公司"}, actor="test")
        insert_member(db, {"member_no": "HNKX201900031", "name": "黄药师", "category": "regular",
                           "mobile": "13922220031", "work_unit": "某县\u3000林业局（东区）",
                           "paid_through": "2026-12-31"}, actor="test")
    book = Workbook()
    sheet = book.active
    sheet.append(["日期", "摘要", "对方名称", "借方", "贷方", "备注"])
    sheet.append(["26/11/30", "转账收入", "某县林业局\xa0(东区)", None, REGULAR, "某县林业局代缴本局职工2027年会"])
    sheet.append(["26/12/01", "转账收入", "洛阳智能装备有限公司", None, dues.yearly_fee("unit"), "2027年度单位会费"])
    book.save(tmp_path / "对账单.xlsx")
    report = imported(env, tmp_path / "对账单.xlsx", "--json")
    assert [(r["row"], r["number"]) for r in report["recorded"]] == [(3, "HNKXDW201900003")]
    assert [(r["row"], r["problem"], r["number"]) for r in report["unmatched"]] == [
        (2, "workplace_of", "HNKX201900031")]

def test_a_remark_naming_a_member_who_withdrew_says_so(env, db, tmp_path):
    """An Alipay payment whose remark names a member who withdrew in August: held as "会籍状态是退会",
    not reported as matching nobody."""
    people(db)
    with transaction(db):
        insert_member(db, {"member_no": "HNKX201900041", "name": "东方不败", "category": "regular",
                           "mobile": "13922220041", "paid_through": "2025-12-31", "status": "resigned"}, actor="test")
    path = tmp_path / "支付宝账务明细.csv"
    lines = ["#支付宝账务明细查询",
             "账务流水号,商户订单号,商品名称,发生时间,对方账号,收入金额（+元）,支出金额（-元）,业务类型,备注,",
             f"2026101111\t,HY2026101101\t,个人会员会费,2026-10-11 16:47:30,139****2213,{REGULAR:.2f}\t,0.00\t,在线支付,东方不败,"]
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    report = imported(env, path, "--json")
    [held] = report["held"]
    assert (held["row"], held["problem"], held["number"], held["header"]) == (3, "inactive", "HNKX201900041", "备注")
    assert report["unmatched"] == []


def test_an_amount_off_the_member_s_fee_says_who_the_member_is(env, db, tmp_path):
    """A student member sends a regular member's fee that is no number of student years: left for a
    person, and the line says who the member is (it said only "学生会员没有 100 元的缴费标准")."""
    with transaction(db):
        insert_member(db, {"member_no": "HNKX202500051", "name": "曲非烟", "category": "student",
                           "mobile": "13922220051", "paid_through": "2026-12-31"}, actor="test")
    book = Workbook()
    book.active.append(["交易日期", "对方户名", "贷方金额", "附言"])
    book.active.append(["2026-11-09", "曲非烟", dues.yearly_fee("student") + 7, "2027年会费"])
    book.save(tmp_path / "流水.xlsx")
    [row] = imported(env, tmp_path / "流水.xlsx", "--json")["invalid"]
    assert (row["row"], row["problem"], row["number"], row["header"]) == (2, "wrong_amount", "HNKX202500051", "贷方金额")
    assert "HNKX202500051 曲非烟 是学生会员" in imported(env, tmp_path / "流水.xlsx", "--dry-run")
