"""`python -m bot jobs ...` as the secretariat runs it: add, import of messy sheets, list, close,
expire, and the alert digests (one per member, never repeated)."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from bot.cli import main
from storage.jobs import JobQuery, add_alert, find_posting, has_match, list_postings, search
from storage.news import subscribe
from tests.job_board import TODAY, add_member, day, post
from tests.notices import queued_notices

NOW = TODAY.isoformat()


def invoke(env, *args, input=None):
    return CliRunner().invoke(main, ["jobs", *map(str, args)], env=env, input=input, catch_exceptions=False)


def run(env, *args, ok=True, input=None) -> str:
    result = invoke(env, *args, input=input)
    assert (result.exit_code == 0) == ok, result.output
    return result.output


def run_json(env, *args):
    return json.loads(run(env, *args, "--json"))


# --- add -------------------------------------------------------------------------------------

def test_add_with_options_cleans_every_field(env, db):
    added = run_json(env, "add", "--title", " 算法工程师 ", "--employer", "河南省人工智能研究院", "--city", "河南省郑州市",
                     "--education", "硕士及以上，博士优先", "--salary", "15-25k/月", "--apply", "hr@example.org",
                     "--posted", "2026.11.1", "--expires", "2026年12月31日", "--source", "单位会员")
    assert (added["outcome"], added["title"], added["city"], added["education"]) == ("created", "算法工程师", "郑州", "硕士")
    assert (added["posted_on"], added["expires_on"], added["source"]) == ("2026-11-01", "2026-12-31", "unit")


def test_add_asks_for_what_is_missing_and_again_when_it_is_wrong(env, db):
    answers = "\n".join(["职" * 41, "化学博士后", "郑州大学", "郑州", "简历发送至 chem@example.org"]) + "\n"
    output = run(env, "add", "--discipline", "化学", input=answers)
    assert output.count("职位名称") == 2 and "太长了" in output and "已发布：职位 #1《化学博士后》" in output
    [posting] = list_postings(db, NOW)
    assert posting["expires_on"] == day(60) and posting["source"] == "secretariat"


def test_add_refuses_a_bad_value_or_an_expiry_before_the_posting(env, db):
    required = ["--title", "电气工程师", "--employer", "洛阳轴承", "--city", "洛阳", "--apply", "x@example.org"]
    assert "学历要求看不懂" in invoke(env, "add", *required, "--education", "初中").output
    refused = invoke(env, "add", *required, "--posted", "2026-11-30", "--expires", "2026-11-01")
    assert refused.exit_code == 1 and "截止日期早于发布日期" in refused.output
    assert list_postings(db, NOW, everything=True) == []


def test_adding_the_same_posting_again_updates_only_what_is_given(env, db):
    required = ["--title", "电气工程师", "--employer", "洛阳轴承", "--city", "洛阳", "--apply", "x@example.org"]
    first = run_json(env, "add", *required, "--salary", "8k", "--description", "设备维护")
    again = run_json(env, "add", *required, "--salary", "9k")
    assert (again["outcome"], again["id"], again["salary"], again["description"]) == ("updated", first["id"], "9k", "设备维护")


# --- import ----------------------------------------------------------------------------------

def messy_sheet(path, rows):
    """As units send them: a merged title, a remark, odd headers, blank rows, a notes line at the end."""
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年下半年会员单位招聘信息汇总表"])
    sheet.merge_cells("A1:J1")
    sheet.append(["填报单位：各会员单位"])
    sheet.append(["序号", "岗位名称*", "用人单位", "工作地点（城市）", "专业要求", "学历", "薪酬", "岗位职责",
                  "投递方式", "截止时间"])
    for number, row in enumerate(rows, 1):
        sheet.append([number, *row] if row else [])
    sheet.append(["备注：以上信息由各单位提供，以单位发布为准。"])
    sheet.merge_cells(f"A{sheet.max_row}:J{sheet.max_row}")
    book.save(path)
    return path


GOOD = [
    ["算法工程师", "河南省人工智能研究院", "河南省郑州市", "计算机", "硕士及以上", "15-25K", "深度学习模型研发",
     "hr@example.org", datetime.fromisoformat(day(40))],
    [" 化学博士后 ", "郑州大学", "郑州", "化学", "博士研究生", "面议", "有机合成", "chem@example.org",
     day(60).replace("-", ".")],
    None,
    ["电气工程师", "洛阳轴承集团", "洛阳市", "电气", "本科", None, "设备维护", "电话 0379-12345678",
     "{}年{}月{}日".format(*day(90).split("-"))],
]
BAD = [
    ["实验员", None, "新乡", "化学", "初中", None, None, "x@example.org", None],
    ["数据分析师", "中原数据公司", "郑州", None, None, None, None, "y@example.org", "明年"],
]


def test_a_sheet_with_problems_is_reported_by_row_and_column_and_nothing_is_imported(env, db, tmp_path):
    path = messy_sheet(tmp_path / "jobs.xlsx", GOOD + BAD)
    output = run(env, "import", path, ok=False)
    assert "表头在第 3 行" in output and "第 10 行是备注" in output
    assert "第 8 行 用人单位（C 列）：不能为空。" in output
    assert "第 8 行 学历（F 列）“初中”：学历要求看不懂" in output
    assert "第 9 行 截止时间（J 列）“明年”：日期看不懂" in output
    assert "表格有 2 行有问题，未导入任何职位" in output
    assert list_postings(db, NOW, everything=True) == []


def test_skip_bad_rows_imports_the_rest_and_a_second_import_changes_nothing(env, db, tmp_path):
    path = messy_sheet(tmp_path / "jobs.xlsx", GOOD + BAD)
    report = run_json(env, "import", path, "--skip-bad-rows")
    assert [r["title"] for r in report["new"]] == ["算法工程师", "化学博士后", "电气工程师"]
    assert report["bad_rows"] == [8, 9]
    postings = {p["title"]: p for p in list_postings(db, NOW)}
    assert postings["化学博士后"]["education"] == "博士" and postings["电气工程师"]["city"] == "洛阳"
    assert postings["算法工程师"]["expires_on"] == day(40) and postings["电气工程师"]["expires_on"] == day(90)
    again = run_json(env, "import", path, "--skip-bad-rows")
    assert (again["new"], again["updated"], again["unchanged"]) == ([], [], 3)


def test_an_edited_sheet_updates_its_postings(env, db, tmp_path):
    run(env, "import", messy_sheet(tmp_path / "v1.xlsx", GOOD))
    edited = [list(row) if row else None for row in GOOD]
    edited[0][5] = "20-30K"
    report = run_json(env, "import", messy_sheet(tmp_path / "v2.xlsx", edited))
    [updated] = report["updated"]
    assert updated["title"] == "算法工程师" and "15-25K → 20-30K" in updated["changes"]
    assert len(list_postings(db, NOW)) == 3


def test_a_gbk_csv_from_excel_imports(env, db, tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_bytes("职位,招聘单位,城市,应聘方式,截止日期\n研究员,河南省科学院,郑州,hr@example.org,{}\n"
                     .format(day(30)).encode("gb18030"))
    assert run_json(env, "import", path)["new"][0]["title"] == "研究员"


def test_a_sheet_without_the_required_columns_says_which(env, tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_text("职位,城市\n研究员,郑州\n", encoding="utf-8")
    assert "缺少必需的列：招聘单位、应聘方式" in run(env, "import", path, ok=False)


# --- list, show, close, expire -----------------------------------------------------------------

def test_list_show_close_and_expire(env, db):
    open_one = post(db, "研究员", "河南省科学院")
    old = post(db, "讲师", "郑州师范学院", posted_on=day(-70), expires_on=day(-1))
    assert [p["id"] for p in run_json(env, "list")] == [open_one["id"]]
    assert len(run_json(env, "list", "--all")) == 2
    assert "招聘中  研究员｜河南省科学院｜郑州" in run(env, "list")
    assert "招聘单位：河南省科学院" in run(env, "show", open_one["id"])
    assert "找不到职位 #99" in run(env, "show", 99, ok=False)

    assert "已关闭职位" in run(env, "close", open_one["id"])
    assert "此前已关闭" in run(env, "close", open_one["id"])
    assert [p["id"] for p in run_json(env, "expire")] == [old["id"]]
    assert run_json(env, "expire") == []
    statuses = {p["title"]: p["status"] for p in run_json(env, "list", "--all")}
    assert statuses == {"研究员": "closed", "讲师": "expired"}
    assert "已关闭" in run(env, "list", "--all") and "没有符合条件的职位" in run(env, "list")


# --- alert digests --------------------------------------------------------------------------------

@pytest.fixture
def readers(db):
    """alice and bob are members (alice: keyword alerts; bob: the jobs topic); a stranger has an alert too.
    Their alerts date from a second ago, so the postings stored next are new to them."""
    for number, openid in enumerate(["o_alice", "o_bob"], 1):
        add_member(db, openid, number)
    add_alert(db, "o_alice", ["人工智能"])
    add_alert(db, "o_alice", ["化学", "郑州"])
    add_alert(db, "o_stranger", ["人工智能"])
    subscribe(db, "o_bob", ["jobs"])
    db.execute("update job_alerts set created_at = '2000-01-01T00:00:00+00:00'")
    db.execute("update subscriptions set created_at = '2000-01-01T00:00:00+00:00'")
    return db


def digests(redis_client) -> dict[str, str]:
    notices = queued_notices(redis_client)
    assert all(n["kind"] == "jobs" for n in notices)
    return {n["openid"]: n["text"] for n in notices}


def test_one_digest_per_member_with_all_their_new_postings_never_repeated(env, readers, redis_client):
    post(readers, "人工智能算法工程师", "河南省人工智能研究院")
    post(readers, "化学博士后", "郑州大学化学学院")
    post(readers, "化学工程师", "洛阳石化", "洛阳")
    first = run_json(env, "alerts", "send")
    assert (first["members"], len(first["digests"]), first["postings"]) == (2, 2, 5)
    sent = digests(redis_client)
    assert set(sent) == {"o_alice", "o_bob"}  # the stranger is no member
    assert sent["o_alice"].startswith("招聘提醒：有 2 个新职位")
    assert "人工智能算法工程师" in sent["o_alice"] and "化学博士后" in sent["o_alice"]
    assert "化学工程师" not in sent["o_alice"] and "（您订阅的：人工智能、化学 郑州）" in sent["o_alice"]
    assert sent["o_bob"].startswith("招聘提醒：有 3 个新职位")

    assert run_json(env, "alerts", "send")["digests"] == []
    assert len(queued_notices(redis_client)) == 2

    post(readers, "人工智能产品经理", "郑州科技公司")
    third = run_json(env, "alerts", "send")
    assert sorted(d["openid"] for d in third["digests"]) == ["o_alice", "o_bob"]
    notices = queued_notices(redis_client)
    latest = [n for n in notices if "人工智能产品经理" in n["text"]]
    assert len(notices) == 4 and len(latest) == 2 and all("化学博士后" not in n["text"] for n in latest)


def test_an_alert_gets_the_postings_the_same_search_lists(env, readers, redis_client):
    add_member(readers, "o_carol", 3)
    add_alert(readers, "o_carol", ["医疗"])  # a broad field: its disciplines, not the word
    add_alert(readers, "o_carol", ["电力", "安阳"])  # a field and a city
    readers.execute("update job_alerts set created_at = '2000-01-01T00:00:00+00:00'")
    post(readers, "内科医师", "开封市人民医院", "开封", discipline="临床医学")
    post(readers, "兽医技术员", "洛阳某牧业公司", "洛阳", discipline="动物医学")
    post(readers, "变电检修工", "某供电公司", "安阳", discipline="电气工程及其自动化")
    post(readers, "配电运维工程师", "洛阳某电力公司", "洛阳", discipline="电气工程及其自动化")
    run(env, "alerts", "send")
    sent = digests(redis_client)["o_carol"]
    assert sent.startswith("招聘提醒：有 2 个新职位") and "内科医师" in sent and "变电检修工" in sent, sent


def test_closed_and_expired_postings_are_not_sent_and_expired_ones_are_taken_down(env, readers, redis_client):
    closed = post(readers, "人工智能研究员", "河南省科学院")
    post(readers, "人工智能讲师", "郑州师范学院", posted_on=day(-90), expires_on=day(-1))
    run(env, "close", closed["id"])
    result = run_json(env, "alerts", "send")
    assert result["expired"] == 1 and result["digests"] == []
    assert find_posting(readers, closed["id"])["status"] == "closed"


def test_a_long_digest_lists_the_first_and_counts_the_rest(env, readers, redis_client):
    for number in range(11):
        post(readers, f"人工智能工程师{number:02d}", f"公司{number:02d}")
    run(env, "alerts", "send")
    text = digests(redis_client)["o_alice"]
    assert text.count("｜") >= 8 and "8. " in text and "9. " not in text and "另有 3 个" in text
    assert run(env, "alerts", "send").startswith("已排队 0 条招聘提醒")


def test_reindex_indexes_the_open_postings_again(env, db):
    post(db, "土木工程师", "郑州一建集团", "郑州")
    post(db, "已截止的职位", "某单位", "郑州", posted_on=day(-90), expires_on=day(-1))
    db.execute("delete from jobs_fts")  # as an index written by an older segmentation would miss words
    assert not has_match(db, JobQuery(("工程师",)), NOW)
    assert run(env, "reindex").strip() == "已重建搜索索引：1 个在招职位。"
    assert [p["title"] for p in search(db, JobQuery(("工程师",), city="郑州"), NOW)] == ["土木工程师"]
