"""What the round-12 black-box walk of the member side found (/work/qa/members12.md: the retired engineer, the
rural doctor, the student applying, the member who paid by bank transfer), asserted as the member sees it, in our
own words."""
from __future__ import annotations

from datetime import date

import pytest

from bot.config import load_config
from tests.member import Member
from tests.test_member_walk10 import add_member

pytest_plugins = ["tests.fake_wechat"]

TODAY = date.today()


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


@pytest.fixture
def member(client, config):
    return Member(client, config, "o_walk12")


# --- privacy: a colleague's mobile, wherever the member sees it again ------------------------------------

def test_colleagues_put_forward_for_an_event_show_with_masked_mobiles_on_the_member_centre_and_in_chat(
        member, client, fake_wechat, db):
    from tests.pages_data import sign_in
    from tests.test_events_chat import add_event
    add_member(db, "HNKX202000001", "赵丽", "13637710001", f"{TODAY.year}-12-31", openid="o_walk12")
    add_event(db, "学术年会", 40)
    member.says("我帮单位同事报名学术年会")
    assert "转给秘书处" in member.says("陈晨 13607710011、刘芳 13837710012")
    sign_in(client, fake_wechat, "o_walk12")
    page = client.get("/m/").get_data(as_text=True)
    assert "陈晨" in page and "136****0011" in page and "13607710011" not in page, page
    listed = member.says("我的诉求")
    shown = listed + member.says("1")
    assert "13837710012" not in shown and "138****0012" in shown, shown
