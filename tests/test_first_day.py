"""The secretariat's first day, end to end, with files made the way secretariats make them.

An Excel roster of 300 (a merged title, headers not the README's, a paid-status
column, unit members, council roles in the category column, remarks in a far
column), a bank's standard statement export (摘要 always "转账", the member
number in 附言, payer names, a conference fee, a transfer already typed in by
hand), and next year's activity guide. Then: the roster arrives with paid
status, units and roles; the statement books what it should; members who owe
are reminded once; no payment counts twice; the governance report is filled.
"""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from handlers import governance
from handlers.fees import dues
from bot.admin import fees as admin_dues
from bot.cli import main
from storage import admin as admin_store
from storage import events as event_store
from storage.members import update_member
from storage.fees import list_dues_payers
from tests.notices import queued_notices

TODAY = date.today()
Y = TODAY.year
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"

ROSTER_HEADER = ["序号", "会员证号", "姓名", "性别", "会员级别", "出生年月", "工作单位", "单位性质",
                 "手机号码", "入会日期", "缴费情况", None, "备注"]
COUNCIL = ["理事长"] + ["副理事长"] * 4 + ["常务理事"] * 10 + ["理事"] * 30   # in the category column
SUPERVISORS = 3                                                                 # 监事, in the remarks
UNITS = 10
INDIVIDUALS = 290


def invoke(env, *args, ok=True):
    result = CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result.output


def as_json(env, *args, ok=True):
    return json.loads(invoke(env, *args, "--json", ok=ok))


def name_of(i: int) -> str:
    return SURNAMES[i % 20] + GIVEN[(i // 20) % 25]  # unique for i < 500


def paid_status(i: int) -> str | None:
    """The 缴费情况 a secretariat writes, in a fixed pattern across the roster."""
    if 100 <= i < 105:
        return "终身会员"
    if 105 <= i < 110:
        return f"已缴至{Y + 2}年"              # paid ahead
    return {0: "未缴", 1: f"{Y - 1}年已缴", 2: f"已缴至{Y}年", 3: f"{Y - 2}年已缴", 4: None}[i % 5]


def member_row(i: int) -> list:
    category = ["普通会员", "高级会员", "学生会员"][i % 3]
    remark = None
    if i < len(COUNCIL):
        category = COUNCIL[i] if i % 2 == 0 else f"高级会员/{COUNCIL[i]}"
    elif i < len(COUNCIL) + SUPERVISORS:
        remark = "第八届监事"
    elif i % 37 == 0:
        remark = "2019年由学生会员转为普通会员"
    name = " 张  伟 " if i == 60 else name_of(i)
    kind = ["高等院校", "科研院所", "企业或技术推广部门", "党政机关"][i % 4]
    return [i + 1, f"HNKX2018{i + 1:05d}", name, "男" if i % 2 else "女", category, f"{1960 + i % 40}.0{1 + i % 9}",
            ["郑州大学", "河南省科学院", "中原示范科技有限公司", "河南省科学技术厅"][i % 4], kind,
            f"139{i + 1:08d}", f"{2010 + i % 10}-0{1 + i % 9}-15", paid_status(i), None, remark]


def unit_row(j: int) -> list:
    status = [f"{Y}年已缴", "未缴", f"{Y - 1}年已缴", None, f"已缴至{Y + 1}年"][j % 5]
    return [INDIVIDUALS + j + 1, f"HNKXDW2018{j + 1:05d}", f"示范科技第{j + 1}有限公司", None, "单位会员", None,
            None, "企业或技术推广部门", f"137{j + 1:08d}", "2018-06-01", status, None, None]


def roster_xlsx(path):
    book = Workbook()
    sheet = book.active
    sheet.title = "会员名册"
    sheet.append([f"河南省示范科技学会会员名册（截至{Y}年11月）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(ROSTER_HEADER))
    sheet.append(ROSTER_HEADER)
    for i in range(INDIVIDUALS):
        sheet.append(member_row(i))
    for j in range(UNITS):
        sheet.append(unit_row(j))
    sheet.append([f"制表：秘书处    {Y}年11月"])
    book.save(path)
    return path


def statement_xlsx(path, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["中国银行 账户交易明细"])
    sheet.merge_cells("A1:J1")
    sheet.append(["账号：0000 0000 0000 0000", None, "户名：河南省示范科技学会"])
    sheet.append(["交易日期", "交易时间", "借方发生额", "贷方发生额", "余额", "对方户名", "对方账号", "摘要",
                  "附言", "交易流水号"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def day(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


def fee(i: int) -> int:
    return int(dues.yearly_fee(["regular", "senior", "student"][i % 3]))


PAYING_BY_NUMBER = [i for i in range(50, 150)                             # never paid or two years behind
                    if i % 5 in (0, 3) and not 100 <= i < 110][:20]
PAYING_BY_NAME = [i for i in range(130, 200) if i % 5 == 4][:5]           # 附言 just "会费"
DUPLICATE = 205                                                            # typed in by hand first
CONFERENCE = 210


def statement_rows() -> list[list]:
    rows = []
    for k, i in enumerate(PAYING_BY_NUMBER):
        rows.append([day(20 - k % 15), "09:12:30", None, fee(i), 100000, name_of(i), f"62170000{i:08d}", "转账",
                     f"HNKX2018{i + 1:05d} {name_of(i)} 会费", f"T{k:04d}"])
    for k, i in enumerate(PAYING_BY_NAME):
        rows.append([day(12), "10:00:00", None, fee(i), 100000, name_of(i), f"62170000{i:08d}", "转账", "会费",
                     f"N{k:04d}"])
    rows += [
        [day(8), "11:00:00", None, 800, 100000, name_of(CONFERENCE), "6217000000000210", "转账",
         f"HNKX2018{CONFERENCE + 1:05d} 学术年会注册费", "C0001"],
        [day(5), "15:30:00", None, fee(DUPLICATE), 100000, name_of(DUPLICATE), "6217000000000205", "转账",
         f"HNKX2018{DUPLICATE + 1:05d}会费", "D0001"],
        [day(4), "16:00:00", None, dues.yearly_fee("unit"), 100000, "示范科技第2有限公司", "6217000099990002",
         "转账", "HNKXDW201800002 单位会费", "U0001"],
        [day(3), "08:00:00", None, 100, 100000, "不认识的人", "6217000088887777", "转账", "会费", "X0001"],
        [day(2), "08:30:00", 1500, None, 98500, "某印刷厂", "6217000077776666", "转账", "会刊印刷费", "P0001"],
    ]
    return rows


def guide_xlsx(path):
    book = Workbook()
    sheet = book.active
    sheet.append([f"河南省示范科技学会{Y + 1}年度学术活动计划表"])
    sheet.merge_cells("A1:F1")
    sheet.append(["填报单位（盖章）：", None, f"填报日期：{Y}年11月"])
    sheet.append(["序号", "学会名称", "活动名称", "活动类型", "活动时间", "地点"])
    sheet.append([1, "示范科技学会", "青年学者论坛", "学术会议", "5月30日", "郑州"])
    sheet.append([2, "示范科技学会", "科普进校园", "科普", "9月1日-9月30日", "全省"])
    book.save(path)
    return path


@pytest.fixture
def roster(env, db, tmp_path):
    return as_json(env, "members", "import", roster_xlsx(tmp_path / "会员名册.xlsx"), "--by", "王秘书")


@pytest.fixture
def first_day(env, db, tmp_path, roster):
    """The roster imported, one payment typed in by hand, then the bank statement imported."""
    invoke(env, "fees", "record", f"HNKX2018{DUPLICATE + 1:05d}", fee(DUPLICATE), "--date", day(1))
    statement = as_json(env, "fees", "import", statement_xlsx(tmp_path / "账户明细.xlsx", statement_rows()))
    return roster, statement


def test_the_roster_arrives_with_paid_status_units_and_roles(roster, db):
    assert roster["problems"] == [] and roster["applied"]
    assert (len(roster["new"]), len(roster["new_units"])) == (INDIVIDUALS, UNITS)
    assert db["members"].count == INDIVIDUALS and db["units"].count == UNITS
    paid = dict(db.execute("select member_no, paid_through from members").fetchall())
    assert paid["HNKX201800001"] is None                         # 未缴
    assert paid["HNKX201800002"] == f"{Y - 1}-12-31"             # 2025年已缴
    assert paid["HNKX201800101"] == dues.LIFETIME_PAID_THROUGH   # 终身会员
    assert paid["HNKX201800106"] == f"{Y + 2}-12-31"             # paid ahead
    assert db.execute("select count(*) from members where paid_through is not null").fetchone()[0] == 178
    assert db["payments"].count == 0  # opening balances, not payments
    roles = dict(db.execute("select council_role, count(*) from members where council_role is not null "
                            "group by council_role").fetchall())
    assert roles == {"理事长": 1, "副理事长": 4, "常务理事": 10, "理事": 30, "监事": 3}
    notices = [n["notice"] for n in roster["notices"]]
    assert len(notices) == len(COUNCIL) + SUPERVISORS
    assert db.execute("select name from members where member_no = 'HNKX201800061'").fetchone()[0] == "张伟"
    units = {u["unit_no"]: u for u in db["units"].rows}
    assert units["HNKXDW201800001"]["paid_through"] == f"{Y}-12-31"


def test_the_statement_books_dues_once_and_nothing_else(first_day, db):
    _, statement = first_day
    rows = statement_rows()
    credits = [r for r in rows if r[3]]
    booked = {r["number"]: r for r in statement["recorded"]}
    # 20 by the number in 附言 (摘要 says only 转账), 5 by the payer's name, 1 unit: 26 of 29 credits
    assert len(booked) == 26 and len(credits) == 29
    assert {r["matched_by"] for r in statement["recorded"]} == {"附言里的会员编号", "对方户名里的户名"}
    assert [r["number"] for r in statement["recorded"] if r["matched_by"] == "对方户名里的户名"] == [
        f"HNKX2018{i + 1:05d}" for i in PAYING_BY_NAME]
    assert [r["row"] for r in statement["not_dues"]] == [4 + len(PAYING_BY_NUMBER) + len(PAYING_BY_NAME)]
    assert [r["number"] for r in statement["held"]] == [f"HNKX2018{DUPLICATE + 1:05d}"]
    assert [r["problem"] for r in statement["unmatched"]] == ["no_key"]
    assert statement["skipped"] == 1 and statement["invalid"] == [] and statement["ambiguous"] == []
    # no payment counted twice: 26 from the statement and the one typed in by hand
    assert db["payments"].count == 27
    typed_in = date.fromisoformat(day(1))  # the held bank row did not add a second year
    assert db.execute("select paid_through from members where member_no = ?", [
        f"HNKX2018{DUPLICATE + 1:05d}"]).fetchone()[0] == f"{dues.dues_year(None, typed_in)}-12-31"
    conference = db.execute("select paid_through from members where member_no = ?",
                            [f"HNKX2018{CONFERENCE + 1:05d}"]).fetchone()[0]
    assert conference is None  # 210 % 5 == 0: never paid, and a conference fee does not change that
    # a member who never paid, paying now, pays for the year the December rule says
    first = PAYING_BY_NUMBER[0]
    paid_on = date.fromisoformat(rows[0][0])
    assert booked[f"HNKX2018{first + 1:05d}"]["paid_through"] == f"{dues.dues_year(None, paid_on)}-12-31"


def test_members_who_owe_are_reminded_once(first_day, env, db, redis_client):
    for member in db["members"].rows_where("id % 2 = 0"):   # half of them have bound WeChat
        update_member(db, member["id"], {"openid": f"o_{member['member_no']}"}, actor="test")
    owing = {f"o_{m['member_no']}" for m in db["members"].rows_where("openid is not null")
             if dues.reminder_due(m["category"], m["paid_through"], TODAY)}
    never_paid = {f"o_{m['member_no']}" for m in db["members"].rows_where(
        "openid is not null and paid_through is null and category != 'fellow'")}
    assert never_paid and never_paid <= owing

    out = as_json(env, "remind", "--today", TODAY)
    reminded = {n["openid"] for n in queued_notices(redis_client)}
    assert reminded == owing and out["queued"] == len(owing)
    assert out["unpaid"] == len(never_paid)
    paid_ahead = {f"o_HNKX2018{i + 1:05d}" for i in range(100, 110)}
    assert not reminded & paid_ahead
    assert as_json(env, "remind", "--today", TODAY)["queued"] == 0
    assert as_json(env, "remind", "--today", TODAY + timedelta(days=1))["queued"] == 0

    report = as_json(env, "fees", "report", "--today", TODAY)
    payers = list_dues_payers(db)
    arrears = admin_dues._overdue(payers, TODAY)   # the console's arrears page: who owes today
    total = report["total"]
    assert len(arrears) == total["unpaid"] + total["grace"] + total["overdue"] > 0  # the list and the rate agree
    assert reminded <= {f"o_{p['number']}" for p in arrears} | {
        f"o_{m['member_no']}" for m in db["members"].rows if m["paid_through"] == f"{Y}-12-31"}  # expiring
    assert report["total"]["unpaid"] == db.execute(
        "select count(*) from members where paid_through is null").fetchone()[0] + db.execute(
        "select count(*) from units where paid_through is null").fetchone()[0]


def test_the_governance_report_is_filled(first_day, db):
    bodies, unknown = governance.council_bodies(admin_store.council_members(db), TODAY)
    sizes = {body.key: body.size for body in bodies}
    assert sizes["council"] == 45 and sizes["standing_council"] == 15 and sizes["president_group"] == 5
    assert sizes["supervisors"] == SUPERVISORS and unknown == []


def test_next_years_guide_lands_in_next_year(env, db, tmp_path):
    out = as_json(env, "events", "import", guide_xlsx(tmp_path / "活动指南.xlsx"))
    assert out["year"] == Y + 1 and out["problems"] == []
    forum, outreach = event_store.events_of_year(db, Y + 1)
    assert forum["starts_on"] == f"{Y + 1}-05-30" and outreach["ends_on"] == f"{Y + 1}-09-30"
