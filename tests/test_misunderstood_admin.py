"""The secretariat teaches the router: what the bot did not understand is listed in the console with
its guess, one click labels it into the examples, and retraining makes the bot understand it."""
from __future__ import annotations

import json
import shutil

import pytest

from bot import intent_model
from bot.config import CONTENT_DIR
from bot.router import feature_names_of, route
from tests.admin_data import add_units, add_users
from tests.member import Member
from tests.test_admin import csrf, log_in, page, post

# A way of asking for the member card that no example and no rule knows (a member's own word for it).
NEW_SAYING = "蓝皮本本续一下"


@pytest.fixture
def examples(tmp_path, monkeypatch):
    """The examples and the model cache in a scratch copy, so labelling leaves content/ alone."""
    folder = tmp_path / "content"
    folder.mkdir()
    for path in CONTENT_DIR.glob(intent_model.EXAMPLES_GLOB):
        shutil.copy2(path, folder / path.name)
    intent_model.current(feature_names_of)  # the model of the real examples, cached, so the copy finds it
    if intent_model.CACHE_DIR.exists():
        shutil.copytree(intent_model.CACHE_DIR, tmp_path / "model")
    monkeypatch.setattr(intent_model, "MAIN_EXAMPLES", folder / "intent_examples.jsonl")
    monkeypatch.setattr(intent_model, "CACHE_DIR", tmp_path / "model")
    monkeypatch.setattr(intent_model, "_model", None)
    intent_model.current(feature_names_of)  # before any member writes: loading is not part of their reply
    return folder / "intent_examples.jsonl"


@pytest.fixture
def users(db, config):
    return add_users(db, config, add_units(db)[0])


def test_a_miss_is_listed_labelled_and_learnt(client, config, db, users, examples):
    assert route(NEW_SAYING).name != "profile"
    Member(client, config, "o_teacher").says(NEW_SAYING)
    Member(client, config, "o_other").says(NEW_SAYING)  # said twice: listed once, counted twice

    assert log_in(client, "staff1").status_code == 302
    listing = page(client.get("/admin/misunderstood/"))
    assert NEW_SAYING in listing and "没听懂" in listing and "o_teacher" not in listing
    [row] = list(db.query("select id from misunderstood where label is null group by text"))

    done = post(client, f"/admin/misunderstood/{row['id']}/label", {"intent": "profile"}, follow_redirects=True)
    assert "已加入训练样例" in page(done)
    assert NEW_SAYING not in page(client.get("/admin/misunderstood/")).split("最近标注")[0]
    last = json.loads(examples.read_text(encoding="utf-8").splitlines()[-1])
    assert last == {"text": NEW_SAYING, "intent": "profile", "slots": {}}
    assert db.execute("select count(*) from misunderstood where label = 'profile'").fetchone()[0] == 2

    retrained = post(client, "/admin/misunderstood/retrain", follow_redirects=True)
    assert "新的理解已生效" in page(retrained)
    assert route(NEW_SAYING).name == "profile"


def test_a_wrong_intent_is_refused_and_unit_contacts_cannot_open_the_page(client, config, db, users, examples):
    Member(client, config, "o_teacher").says(NEW_SAYING)
    [row] = list(db.query("select id from misunderstood"))
    log_in(client, "staff1")
    refused = post(client, f"/admin/misunderstood/{row['id']}/label", {"intent": "drop table"},
                   follow_redirects=True)
    assert "请选择会员的意思" in page(refused)
    assert examples.read_text(encoding="utf-8").count(NEW_SAYING) == 0
    no_token = client.post(f"/admin/misunderstood/{row['id']}/label", data={"intent": "profile"})
    assert no_token.status_code == 400  # CSRF
    client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")})
    log_in(client, "unit1")
    assert client.get("/admin/misunderstood/").status_code == 403


def test_after_retraining_the_next_job_question_waits_for_no_training(client, config, db, users, examples, monkeypatch):
    """Retraining in the console readies the job keyword model with the intent model: the next member's job
    question is answered with it, not after training it (a slow first answer after every retraining)."""
    monkeypatch.setattr(intent_model, "_keyword_model", None)
    with examples.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"text": "郑州有没有出纳的岗位 我媳妇是会计", "intent": "jobs", "slots": {"keywords": ["出纳"]}},
                           ensure_ascii=False) + "\n")
    log_in(client, "staff1")
    assert "新的理解已生效" in page(post(client, "/admin/misunderstood/retrain", follow_redirects=True))
    trained = []
    train = intent_model.train_keywords
    monkeypatch.setattr(intent_model, "train_keywords", lambda *args: trained.append(args) or train(*args))
    Member(client, config, "o_seeker").says("郑州 我老婆是小学老师 想找个会计的工作")
    assert trained == []
