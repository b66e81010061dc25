"""The province's annual activity guide: societies file their plans, the province reviews them, and
the guide (web page, Excel, Word) shows the approved ones by month and discipline, nothing else."""
from __future__ import annotations

import re

from docx import Document
from openpyxl import load_workbook

from storage import events as events_store
from storage.database import open_database
from tests.province_data import build_province, file_all, filing_ids, run_events, run_province, run_province_json
from tests.test_events import guide_xlsx


def _review(env):
    ids = filing_ids(env)
    run_province(env, "approve", *[ids[t] for t in ("2026年学术年会", "人工智能青年论坛", "小麦病虫害防控培训班",
                                                     "植保科技下乡", "物理学术报告会", "中学生物理竞赛")],
                 "--by", "省科协学会部")
    run_province(env, "return", ids["程序设计竞赛"], "--reason", "请补充承办单位和安全预案", "--by", "省科协学会部")
    return ids


def test_filing_review_and_the_guide_by_month_and_discipline(env, tmp_path):
    built = build_province(env, tmp_path)
    file_all(env, built)
    assert len(filing_ids(env)) == 7
    _review(env)
    returned = run_province_json(env, "filings", "--status", "returned")
    assert [(r["title"], r["reason"]) for r in returned] == [("程序设计竞赛", "请补充承办单位和安全预案")]

    out = tmp_path / "guide.xlsx"
    assert "6 项活动，3 个学会" in run_province(env, "guide", "--year", "2026", "--out", out).output
    rows = [[c for c in row if c is not None] for row in load_workbook(out).active.iter_rows(values_only=True)]
    assert rows[0] == ["2026年河南省科协学会年度活动指南"]
    sections = [row[0] for row in rows[3:] if len(row) == 1]
    # months in order; within May the disciplines in the province's order (理学, 工学, 农学), 
    assert sections == ["2026年3月 · 工学", "2026年3月 · 农学", "2026年5月 · 理学", "2026年5月 · 工学",
                        "2026年5月 · 农学", "2026年9月 · 理学"]
    titles = [row[1] for row in rows[3:] if len(row) > 1]
    assert titles == ["人工智能青年论坛", "小麦病虫害防控培训班", "物理学术报告会", "2026年学术年会",
                      "植保科技下乡", "中学生物理竞赛"]
    assert "程序设计竞赛" not in str(rows)
    meeting = next(row for row in rows if len(row) > 1 and row[1] == "2026年学术年会")
    assert meeting[:3] == ["5月20日-22日", "2026年学术年会", "河南省计算机学会"]


def test_the_guide_as_a_word_document(env, tmp_path):
    built = build_province(env, tmp_path)
    file_all(env, built)
    _review(env)
    out = tmp_path / "guide.docx"
    run_province(env, "guide", "--year", "2026", "--out", out)
    document = Document(str(out))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[:4] == [("Title", "2026年河南省科协学会年度活动指南"), ("Heading 1", "2026年3月"),
                            ("Heading 2", "工学"), ("Heading 2", "农学")]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "中学生物理竞赛" in cells and "程序设计竞赛" not in cells
    assert "时间" in cells  # every table has its header row
    bad = run_province(env, "guide", "--out", tmp_path / "guide.pdf", ok=False).output
    assert ".xlsx（Excel）或 .docx（Word）" in bad


def test_a_plan_changed_after_approval_leaves_the_guide_until_reviewed_again(env, tmp_path):
    built = build_province(env, tmp_path)
    file_all(env, built)
    ids = _review(env)
    physics = built[2]
    moved = [[1, "河南省物理学会", "物理学术报告会", "报告会", "2026年6月18日", "新乡", "", "", "", "", ""],
             [2, "河南省物理学会", "中学生物理竞赛", "竞赛", "2026年9月20日", "郑州", "", "", "", "", ""]]
    run_events(physics.env, "import", guide_xlsx(tmp_path / "moved.xlsx", moved), "--year", "2026")
    outcome = run_province(env, "file", physics.appid, "--year", "2026").output
    assert "重新备案 1 项，未变 1 项" in outcome
    [waiting] = run_province_json(env, "filings", "--status", "filed")
    assert (waiting["id"], waiting["starts_on"]) == (ids["物理学术报告会"], "2026-06-18")
    out = tmp_path / "guide.xlsx"
    assert "5 项活动" in run_province(env, "guide", "--year", "2026", "--out", out).output
    again = run_province(env, "approve", ids["物理学术报告会"]).output
    assert "已通过" in again
    assert "已经审核通过" in run_province(env, "approve", ids["物理学术报告会"], ok=False).output
    assert "写明原因" in run_province(env, "return", ids["中学生物理竞赛"], "--reason", " ", ok=False).output
    assert "没有 AppID" in run_province(env, "file", "wx9999999999999999", ok=False).output
    with open_database(physics.sqlite_path) as db:  # the society's own store was never touched by the province
        assert [e["title"] for e in events_store.events_of_year(db, 2026)] == ["物理学术报告会", "中学生物理竞赛"]


def test_the_public_guide_page_needs_no_sign_in_and_reads_on_a_phone(env, tmp_path, client):
    built = build_province(env, tmp_path)
    file_all(env, built)
    _review(env)
    page = client.get("/m/province/guide/2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="viewport"' in html and "2026年河南省科协学会年度活动指南" in html
    order = [m.group(1) for m in re.finditer(r'<h4 class="item-title">([^<]+)</h4>', html)]
    assert order == ["人工智能青年论坛", "小麦病虫害防控培训班", "物理学术报告会", "2026年学术年会", "植保科技下乡",
                     "中学生物理竞赛"]
    assert "程序设计竞赛" not in html
    excel = client.get("/m/province/guide/2026.xlsx")
    assert excel.status_code == 200 and excel.data[:2] == b"PK"
    word = client.get("/m/province/guide/2026.docx")
    assert word.status_code == 200 and "attachment" in word.headers["Content-Disposition"]
    assert "暂无经审核的活动" in client.get("/m/province/guide/2027").get_data(as_text=True)
    assert client.get("/m/province/guide/1066").status_code == 404
    assert client.get("/m/province/guide/2026.pdf").status_code == 404
