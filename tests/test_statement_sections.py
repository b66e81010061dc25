"""Two banks' exports pasted one under the other on one sheet, each block under its own header with
the columns in another order: each block is read by its own header."""
from handlers.fees import dues
from storage.members import insert_member
from storage.sqlite import transaction
from tests.cli import booked, statement_imported

REGULAR = dues.yearly_fee("regular")


def test_a_second_header_under_the_first_block_reads_the_rows_under_it(env, db, tmp_path):
    with transaction(db):
        for number, name, mobile in (("HNKX202300012", "申雪", "17839961275"),
                                     ("HNKX201900042", "常红梅", "13939025681")):
            insert_member(db, {"member_no": number, "name": name, "category": "regular", "mobile": mobile,
                               "paid_through": "2025-12-31"}, actor="test")
    path = tmp_path / "流水.csv"
    path.write_text("\n".join([
        "交易时间,交易金额,对方户名,交易用途",
        f"2026-11-21 20:48:12,{REGULAR},申雪,HNKX202300012 2026会费",
        "本页合计,1",
        "",
        "对方户名,摘要,贷方金额,交易日期",
        f"常红梅,HNKX201900042 会费,{REGULAR},2026-11-25",
    ]) + "\n", encoding="utf-8-sig")
    report = statement_imported(env, path)
    assert sorted(r["number"] for r in report["recorded"]) == ["HNKX201900042", "HNKX202300012"]
    assert booked(db, "HNKX201900042") == [REGULAR]
