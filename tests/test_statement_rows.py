"""A statement's problem rows name their column as well as their row (which column was read as the
amount), and payers written in pinyin (a bank abroad, a card in an English name, "daijiao sun lina")
are matched when exactly one member's name reads so, and listed for a person otherwise."""
from __future__ import annotations

from click.testing import CliRunner
from openpyxl import Workbook

from bot.cli import main
from handlers.fees import dues
from storage.members import insert_member
from storage.sqlite import transaction
from tests.cli import booked, statement_imported

REGULAR = dues.yearly_fee("regular")


def printed(env, path):
    result = CliRunner().invoke(main, ["fees", "import", str(path), "--dry-run"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def members(db, rows):
    with transaction(db):
        for number, name, category in rows:
            insert_member(db, {"member_no": number, "name": name, "category": category,
                               "mobile": f"1390000{number[-4:]}"}, actor="test")


def cmb_book(path, rows):
    """A bank's export: account lines over the header, 借方/贷方 columns, the payer's name and the
    remark to the right of the amounts."""
    book = Workbook()
    sheet = book.active
    sheet.append(["招商银行账务明细"])
    sheet.append(["账号：3719 0000 0000 001", None, None, "币种：人民币"])
    sheet.append(["交易日", "交易时间", "借方金额", "贷方金额", "余额", "收/付方名称", "摘要"])
    for number, (day, credit, payer, remark) in enumerate(rows):
        sheet.append([day, "10:00:00", None, credit, 50000 + number, payer, remark])
    book.save(path)
    return path


def test_a_problem_row_names_the_column_it_read_as_well_as_the_row(env, db, tmp_path):
    members(db, [("HNKX201900101", "高雪梅", "regular"), ("HNKX201900102", "郑荣誉", "honorary")])
    path = cmb_book(tmp_path / "流水.xlsx", [
        ("2026-10-09", 180, "高雪梅", "会费"),
        ("2026年10月", REGULAR, "高雪梅", "会费"),
        ("2026-10-10", 500, "郑荣誉", "会费"),
    ])
    report = statement_imported(env, path)
    [wrong, date, honorary] = report["invalid"]
    assert (date["row"], date["header"], date["letter"]) == (5, "交易日", "A")
    assert (wrong["row"], wrong["header"], wrong["letter"]) == (4, "贷方金额", "D")
    assert (honorary["row"], honorary["header"], honorary["letter"], honorary["problem"]) == (6, "贷方金额", "D", "exempt")
    text = printed(env, path)
    assert "第 4 行 贷方金额（D 列）：2026-10-09 180 元 高雪梅" in text
    assert "第 5 行 交易日（A 列）：2026年10月" in text and "日期看不懂" in text
    assert "第 6 行 贷方金额（D 列）" in text and "荣誉会员不用缴会费" in text
    assert booked(db, "HNKX201900101") == [] and booked(db, "HNKX201900102") == []


def test_a_payer_written_in_pinyin_is_the_one_member_whose_name_reads_so(env, db, tmp_path):
    members(db, [("HNKX201900111", "刘洋", "regular"), ("HNKX201900112", "孙丽娜", "regular"),
                 ("HNKX201900113", "李娜", "regular"), ("HNKX201900114", "张伟", "regular"),
                 ("HNKX201900115", "章玮", "regular"), ("HNKX201900116", "戴娇", "regular")])
    path = cmb_book(tmp_path / "境外汇款.xlsx", [
        ("2026-10-15", REGULAR, "LIU YANG", "MEMBERSHIP FEE 2027 LIU YANG"),
        ("2026-10-16", REGULAR, "王建国", "daijiao sun lina 代缴会费"),
        ("2026-10-17", REGULAR, "ZHANG WEI", "FEE"),
        ("2026-10-18", REGULAR, "CHEN JING", "MEMBERSHIP FEE"),
    ])
    report = statement_imported(env, path)
    recorded = {r["row"]: r for r in report["recorded"]}
    assert recorded[4]["number"] == "HNKX201900111" and "拼音" in recorded[4]["matched_by"]
    assert recorded[5]["number"] == "HNKX201900112" and "摘要" in recorded[5]["matched_by"]  # not 李娜, not 戴娇
    [several] = report["ambiguous"]
    assert several["row"] == 6 and set(several["candidates"]) == {"HNKX201900114", "HNKX201900115"}
    [nobody] = report["unmatched"]
    assert nobody["row"] == 7
    assert booked(db, "HNKX201900111") == [REGULAR] and booked(db, "HNKX201900112") == [REGULAR]
    assert booked(db, "HNKX201900113") == booked(db, "HNKX201900114") == booked(db, "HNKX201900115") == []
    assert booked(db, "HNKX201900116") == []


def test_a_payment_app_row_naming_nobody_points_at_the_remark_column_that_is_empty(env, db, tmp_path):
    """微信支付's merchant bill has no payer column (an openid): the row is named with its 商户数据包."""
    members(db, [("HNKX201900121", "周晓彤", "regular")])
    path = tmp_path / "微信支付账单.csv"
    path.write_text("微信支付商户交易账单\n\n交易时间,用户标识,交易状态,商品名称,商户数据包,订单金额\n"
                    f"`2026-10-05 10:00:00,`o_abc,`支付成功,`学会会费,`会员编号:HNKX201900121,`{REGULAR:.2f}\n"
                    f"`2026-10-06 10:00:00,`o_def,`支付成功,`学会会费,`,`{REGULAR:.2f}\n", encoding="utf-8")
    report = statement_imported(env, path)
    assert [r["number"] for r in report["recorded"]] == ["HNKX201900121"]
    [nobody] = report["unmatched"]
    assert (nobody["row"], nobody["header"], nobody["letter"]) == (5, "商户数据包", "E")
