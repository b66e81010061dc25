"""Member pages as the round-11 black-box walk found them (/work/qa/members11.md), in our own words."""
from __future__ import annotations

import pytest

from bot.config import load_config
from tests.test_member_walk10 import add_member
from tests.test_member_walk11 import TODAY

pytest_plugins = ["tests.fake_wechat"]


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


def test_the_dues_page_says_before_paying_which_year_a_late_renewal_pays_for(client, fake_wechat, db):
    from handlers.fees import dues
    from tests.pages_data import sign_in
    add_member(db, "HNKX201900001", "周慧", "13607720001", f"{TODAY.year - 1}-12-31", openid="o_nurse")
    sign_in(client, fake_wechat, "o_nurse", "/m/dues")
    page = client.get("/m/dues").get_data(as_text=True)
    if dues.late_in_year(TODAY):  # a lapsed member renewing after 1 November pays from next year
        assert f"{TODAY.year + 1} 年起" in page and f"{TODAY.year} 年的不用再补" in page, page
    else:
        assert "不用再补" not in page
