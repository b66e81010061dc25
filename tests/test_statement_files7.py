"""A provincial water society's 农业银行 export (GBK, four lines over the header, signed amounts) and
what its payers write: a number followed by the year, a spouse paying, an employer paying for one of
two namesakes, a university paying for its school's unit membership, a surname in its variant form."""
from __future__ import annotations

import zlib

from handlers.fees import dues
from storage.fees import find_payer
from storage.members import insert_member, insert_unit
from storage.sqlite import transaction
from tests.cli import booked, command, statement_imported

REGULAR = dues.yearly_fee("regular")
UNIT = dues.yearly_fee("unit")


def members(db, *rows):
    """rows: (number, name, mobile, work_unit, remarks)."""
    with transaction(db):
        for number, name, mobile, work_unit, remarks in rows:
            insert_member(db, {"member_no": number, "name": name, "category": "regular", "mobile": mobile,
                               "work_unit": work_unit, "remarks": remarks, "paid_through": "2025-12-31"},
                          actor="test")


def abc_csv(path, rows):
    """农业银行's 账户明细查询结果 as saved: GBK, CRLF; rows (time, amount, payer, remark); each payer's own account."""
    lines = ["中国农业银行账户明细查询结果", "账号：16040101040012345,户名：河南省某某学会",
             "开户网点：中国农业银行郑州经三路支行,币种：人民币", "查询起止日期：2026-09-01至2026-11-30",
             "交易时间,交易金额,账户余额,对方账号,对方户名,对方开户行,交易用途,交易渠道,交易流水号"]
    balance = 50000.0
    for number, (at, amount, payer, remark) in enumerate(rows, start=1):
        balance += amount
        lines.append(f"{at},{amount:+.2f},{balance:.2f},62284800{zlib.crc32(payer.encode()):011d},{payer},中国农业银行郑州金水支行,"
                     f"{remark},网上银行,2026{number:013d}")
    lines += [f"收入合计：,{sum(r[1] for r in rows if r[1] > 0):.2f},笔数：{len(rows)}", "打印日期：2026-12-01"]
    path.write_bytes("\r\n".join(lines).encode("gbk") + b"\r\n")
    return path


def test_a_number_typed_in_lower_case_and_followed_by_the_year(env, db, tmp_path):
    members(db, ("HNKX202300012", "申雪", "17839961275", "某大学", None))
    report = statement_imported(env, abc_csv(tmp_path / "abc.csv", [
        ("2026-11-21 20:48:12", REGULAR, "申雪", "hnkx202300012 2026会费")]))
    assert [r["number"] for r in report["recorded"]] == ["HNKX202300012"]
    assert booked(db, "HNKX202300012") == [REGULAR]


def test_a_spouse_paying_names_the_member_after_old_partner(env, db, tmp_path):
    members(db, ("HNKX200600008", "耿长林", "13676937715", "原河南黄河河务局", None))
    report = statement_imported(env, abc_csv(tmp_path / "abc.csv", [
        ("2026-09-09 16:27:13", REGULAR, "周桂芝", "替老伴耿长林交会费")]))
    assert [r["number"] for r in report["recorded"]] == ["HNKX200600008"]


def test_a_payer_the_members_remarks_say_pays_for_them(env, db, tmp_path):
    members(db, ("HNKX201500019", "毛建设", "13903718816", "某设计公司", "会费一般由爱人张秀云代交；单位及职务：院长"),
            ("HNKX201900042", "常红梅", "13939025681", "某大学", "吕建峰爱人"))
    with transaction(db):
        insert_unit(db, {"unit_no": "HNKXDW004", "name": "华北水利水电大学水利学院",
                         "paid_through": "2025-12-31",
                         "remarks": "会费由学校财务处统一汇出，付款人显示“华北水利水电大学”"}, actor="test")
    report = statement_imported(env, abc_csv(tmp_path / "abc.csv", [
        ("2026-09-08 20:03:19", REGULAR, "张秀云", ""),
        ("2026-09-21 09:20:05", 2 * UNIT, "华北水利水电大学", "单位会费（2026-2027）"),
        ("2026-09-22 09:20:05", REGULAR, "吕建峰", "会费")]))
    assert sorted(r["number"] for r in report["recorded"]) == ["HNKX201500019", "HNKXDW004"]
    assert find_payer(db, "HNKXDW004")["paid_through"] == "2027-12-31"
    assert "备注" in next(r for r in report["recorded"] if r["number"] == "HNKX201500019")["matched_by"]
    assert booked(db, "HNKX201900042") == []   # her remark names her husband; it says nobody pays for her


def test_an_employer_paying_for_one_of_two_namesakes_tells_which(env, db, tmp_path):
    members(db, ("HNKX201900027", "李建华", "13673990148", "河南省水文水资源中心 水情科科长", None),
            ("豫水会04-030", "李建华", "13503719926", "原河南省水利厅水资源处", "与在职李建华（水文中心）同名"))
    report = statement_imported(env, abc_csv(tmp_path / "abc.csv", [
        ("2026-09-25 10:48:02", REGULAR, "河南省水文水资源中心", "李建华会费")]))
    assert [r["number"] for r in report["recorded"]] == ["HNKX201900027"]
    assert booked(db, "豫水会04-030") == []


def test_a_surname_in_its_other_written_form_is_proposed_not_booked(env, db, tmp_path):
    members(db, ("HNKX201600037", "闫海洋", "13607665128", "某投资集团", None))
    report = statement_imported(env, abc_csv(tmp_path / "abc.csv", [
        ("2026-10-26 16:11:29", REGULAR, "阎海洋", "会费")]))
    assert report["recorded"] == [] and booked(db, "HNKX201600037") == []
    [row] = report["unmatched"]
    assert row["problem"] == "variant_surname" and row["candidates"] == ["HNKX201600037"]
    printed = command("fees")[0](env, "import", abc_csv(tmp_path / "abc2.csv", [
        ("2026-10-26 16:11:29", REGULAR, "阎海洋", "会费")]), "--dry-run").output
    assert "阎海洋" in printed and "HNKX201600037 闫海洋" in printed and "请核对后登记" in printed


def test_in_november_a_unit_two_years_behind_paying_one_pays_the_older_and_someone_years_behind_waits(
        env, db, tmp_path, monkeypatch):
    rules = dict(dues.fee_rules(), arrears_first=True)
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)   # as the society sets arrears_first
    with transaction(db):
        insert_unit(db, {"unit_no": "HNKXDW011", "name": "濮阳市水利局", "paid_through": "2024-12-31"}, actor="test")
        insert_member(db, {"member_no": "HNKX201600018", "name": "谢宏伟", "category": "regular",
                           "mobile": "13783560177", "paid_through": "2020-12-31"}, actor="test")
    report = statement_imported(env, abc_csv(tmp_path / "abc.csv", [
        ("2026-11-06 15:33:08", REGULAR, "谢宏伟", "会费"),
        ("2026-11-10 09:27:41", UNIT, "濮阳市水利局", "会费")]))
    assert [r["number"] for r in report["recorded"]] == ["HNKXDW011"]
    assert find_payer(db, "HNKXDW011")["paid_through"] == "2025-12-31"   # arrears first; 2026 still owed
    assert [(r["number"], r["problem"]) for r in report["held"]] == [("HNKX201600018", "arrears_left")]


def wechat_bill(path, orders):
    """WeChat Pay's trade bill as the real one: UTF-8 with a BOM, CRLF, every value behind a backtick, a
    REFUND line of its own for an order sent back; orders (time, order, state, paid, refunded, product)."""
    head = "交易时间,微信订单号,商户订单号,交易状态,应结订单金额,退款金额,商品名称,商户数据包,订单金额"
    lines = [head]
    for at, order, state, paid, refunded, product in orders:
        cells = [at, f"4200{order}", order, state, f"{paid:.2f}", f"{refunded:.2f}", product, "", f"{REGULAR:.2f}"]
        lines.append(",".join("`" + c for c in cells))
    lines += ["总交易单数,应结订单总金额,退款总金额", f"`{len(orders)},`0.00,`0.00"]
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def test_an_order_paid_twice_and_refunded_on_its_own_line_is_not_dues_received(env, db, tmp_path):
    members(db, ("HNKX202100030", "雷鸣", "15093390721", "某监理公司", None))
    report = statement_imported(env, wechat_bill(tmp_path / "微信支付账单.csv", [
        ("2026-09-25 10:01:27", "HF006", "SUCCESS", REGULAR, 0, "2026年度会费-雷鸣"),
        ("2026-09-25 10:03:09", "HF007", "SUCCESS", REGULAR, 0, "2026年度会费-雷鸣"),
        ("2026-09-26 11:20:35", "HF007", "REFUND", 0, REGULAR, "2026年度会费-雷鸣")]))
    assert [r["row"] for r in report["recorded"]] == [2]
    assert report["already"] == []   # the second order is no copy of the first
    assert {(r["row"], r["problem"]) for r in report["not_received"]} == {(3, "refunded_row"), (4, "refunded")}
    assert booked(db, "HNKX202100030") == [REGULAR]


def test_a_member_paying_himself_weeks_after_his_employer_paid_his_year_is_asked_about(env, db, tmp_path):
    members(db, ("HNKX201800014", "贾国栋", "15890162234", "水利一局 总工办", "单位统一代缴"),
            ("HNKX201700008", "苏晓峰", "13938527716", "水利一局 项目经理", "单位统一代缴"))
    statement_imported(env, abc_csv(tmp_path / "单位.csv", [
        ("2026-09-05 10:00:00", 2 * REGULAR, "河南省水利第一工程局集团有限公司", "代缴贾国栋、苏晓峰2026年会费")]))
    assert find_payer(db, "HNKX201800014")["paid_through"] == "2026-12-31"
    report = statement_imported(env, abc_csv(tmp_path / "本人.csv", [
        ("2026-10-10 19:26:50", REGULAR, "贾国栋", "会费"),
        ("2026-10-12 09:00:00", REGULAR, "苏晓峰", "2027年会费")]))
    assert [(r["number"], r["problem"]) for r in report["held"]] == [("HNKX201800014", "paid_by_another")]
    assert find_payer(db, "HNKX201800014")["paid_through"] == "2026-12-31"
    assert [r["number"] for r in report["recorded"]] == ["HNKX201700008"]   # he says the year: 2027 in advance
