"""入会申请 on a page: the chat form's checks, the same application rows, numbers and approval, a draft."""
from __future__ import annotations

import re
from datetime import date

import pytest

from handlers.members import membership
from bot.config import load_config
from storage.members import find_application, find_member_by_openid, insert_unit
from storage.sqlite import transaction
from tests.pages_data import sign_in

pytest_plugins = ["tests.fake_wechat"]

ZHAO = {"name": "赵敏", "category": "普通会员", "birth_year": "1988", "work_unit": "郑州示范大学",
        "institution_type": "高等院校", "post_category": "科研", "discipline": "材料科学",
        "mobile": "138 0013 8000", "email": ""}


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


@pytest.fixture
def applicant(client, fake_wechat):
    sign_in(client, fake_wechat, "o_zhao", "/m/apply")
    return client


def _token(client, path="/m/apply?kind=individual") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def _post(client, kind="individual", **fields):
    return client.post("/m/apply", data={"csrf_token": _token(client), "kind": kind, "action": "submit", **fields})


def test_an_individual_applies_on_the_page_and_is_approved_like_a_chat_applicant(applicant, db, redis_client):
    response = _post(applicant, **ZHAO)
    assert response.status_code == 302
    app_no = re.search(r"applied=(SQ\d+)", response.headers["Location"]).group(1)
    application = find_application(db, app_no)
    assert application["kind"] == "individual" and application["openid"] == "o_zhao"
    assert application["data"] == {"name": "赵敏", "category": "regular", "birth_year": 1988,
                                   "work_unit": "郑州示范大学", "institution_type": "高等院校",
                                   "post_category": "科研", "discipline": "材料科学", "mobile": "13800138000",
                                   "email": None}
    assert re.fullmatch(rf"SQ{date.today().year}\d{{5}}", app_no)
    centre = applicant.get(f"/m/?applied={app_no}").get_data(as_text=True)
    assert app_no in centre and "审核中" in centre
    membership.approve(db, lambda: redis_client, [app_no], "console:admin1", date.today())
    member = find_member_by_openid(db, "o_zhao")
    assert member["name"] == "赵敏" and member["category"] == "regular"
    assert member["member_no"] in applicant.get("/m/").get_data(as_text=True)


def test_the_page_refuses_what_the_chat_refuses(applicant, db):
    response = _post(applicant, **dict(ZHAO, name="1", category="会士", birth_year="20", mobile="1380013",
                                       email="zhao@", institution_type=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for words in ("姓名格式不对", "会士由学会提名产生", "出生年份不对", "手机号格式不对", "邮箱格式不对",
                  "请填写单位类型"):
        assert words in page, words
    assert 'value="1380013"' in page  # what was typed stays in the form
    assert db["applications"].count == 0


def test_a_student_gives_the_school_once(applicant, db):
    student = dict(ZHAO, category="学生会员", work_unit="", school="河南示范大学", graduation_year=str(date.today().year + 2))
    response = _post(applicant, **student)
    assert response.status_code == 302, response.get_data(as_text=True)
    data = db["applications"].get(1)["data"]
    assert '"school": "河南示范大学"' in data and '"work_unit": "河南示范大学"' in data
    assert '"category": "student"' in data


def test_an_invite_code_links_the_unit_as_in_chat(applicant, db):
    with transaction(db):
        unit = insert_unit(db, {"unit_no": "HNKXDW202600001", "name": "中原示范研究院",
                                "credit_code": "12410000MB0000002X", "institution_type": "科研院所"}, actor="test")
    bad = _post(applicant, **dict(ZHAO, invite_code="ZZZZZZ", work_unit="", institution_type=""))
    assert bad.status_code == 400 and "ZZZZZZ" in bad.get_data(as_text=True)
    good = _post(applicant, **dict(ZHAO, invite_code=unit["invite_code"].lower(), work_unit="", institution_type=""))
    assert good.status_code == 302
    data = db["applications"].get(1)["data"]
    assert f'"unit_id": {unit["id"]}' in data and '"work_unit": "中原示范研究院"' in data
    assert '"institution_type": "科研院所"' in data


def test_a_unit_applies_with_a_checked_credit_code(applicant, db):
    unit = {"unit_name": "河南示范材料有限公司", "credit_code": "91410100MA0000001Y", "contact_name": "钱进",
            "contact_mobile": "13700137000", "institution_type": "企业或技术推广部门"}
    bad = _post(applicant, kind="unit", **unit)
    assert bad.status_code == 400 and "统一社会信用代码不对" in bad.get_data(as_text=True)
    good = _post(applicant, kind="unit", **dict(unit, credit_code="91410100ma0000001x"))
    assert good.status_code == 302
    application = db["applications"].get(1)
    assert application["kind"] == "unit"
    assert '"credit_code": "91410100MA0000001X"' in application["data"]
    assert '"name": "河南示范材料有限公司"' in application["data"]


def test_a_draft_is_kept_until_the_member_comes_back(app, applicant, fake_wechat, db):
    saved = applicant.post("/m/apply", data={"csrf_token": _token(applicant), "kind": "individual",
                                             "action": "save", "name": "赵敏", "discipline": "材料科学"})
    assert saved.status_code == 200 and "草稿已保存" in saved.get_data(as_text=True)
    assert db["applications"].count == 0
    later = app.test_client()  # another day: a new session, the same WeChat
    sign_in(later, fake_wechat, "o_zhao", "/m/apply")
    page = later.get("/m/apply").get_data(as_text=True)
    assert 'value="赵敏"' in page and 'value="材料科学"' in page
    assert later.post("/m/apply/draft", data={"csrf_token": _token(later), "kind": "individual",
                                              "name": "赵敏", "mobile": "13800138000"}).json == {"saved": True}
    assert 'value="13800138000"' in later.get("/m/apply").get_data(as_text=True)


def test_one_application_at_a_time_and_none_for_members(applicant, db):
    token = _token(applicant)
    form = {"csrf_token": token, "kind": "individual", "action": "submit", **ZHAO}
    assert applicant.post("/m/apply", data=form).status_code == 302
    assert applicant.get("/m/apply").status_code == 302  # pending: the centre shows it
    assert applicant.post("/m/apply", data=form).status_code == 302  # the same form sent again
    assert db["applications"].count == 1
