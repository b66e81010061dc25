"""电子会员证: the member's page and image, and the public verification its QR code opens."""
from __future__ import annotations

from datetime import date

import pytest

from handlers.members import certificates
from bot.config import load_config
from handlers.members.records import suspend_member
from handlers.fees.payments import record_payment
from storage.fees import find_payer
from tests.pages_data import LI, WANG, add_member, li, qr_in_image_is, sign_in  # noqa: F401 (li: fixture)

pytest_plugins = ["tests.fake_wechat"]


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


def _verify_url(config, number: str) -> str:
    return f"http://localhost/m/verify/{certificates.code_for(config.certificate_key, number)}"


def test_the_certificate_shows_the_member_and_carries_a_code_that_verifies(app, client, fake_wechat, config, li):
    sign_in(client, fake_wechat, "o_li", "/m/certificate")
    page = client.get("/m/certificate").get_data(as_text=True)
    year = date.today().year
    assert "李明" in page and "HNKX202400012" in page and "普通会员" in page
    assert f"至 {year}-12-31" in page and "有效会员" in page
    image = client.get("/m/certificate.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    url = _verify_url(config, "HNKX202400012")
    assert qr_in_image_is(image.data, url)
    assert not qr_in_image_is(image.data, _verify_url(config, "HNKX202500077"))

    stranger = app.test_client()  # anyone who scans it: no WeChat session needed
    checked = stranger.get(url.removeprefix("http://localhost"))
    text = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "有效会员" in text and "李明" in text and "HNKX202400012" in text and "普通会员" in text
    assert f"至 {year}-12-31" in text
    for private in ("13912346688", "6688", "liming@example.org", "郑州示范大学"):
        assert private not in text


def test_verification_says_lapsed_or_ended_and_comes_back_with_a_renewal(app, db, config):
    add_member(db, WANG)  # paid through two years ago: past the grace period
    stranger = app.test_client()
    path = _verify_url(config, "HNKX202500077").removeprefix("http://localhost")
    assert "已失效" in stranger.get(path).get_data(as_text=True)
    record_payment(db, find_payer(db, "HNKX202500077"), 200, 1, date.today(), "银行转账", "test")
    assert "有效会员" in stranger.get(path).get_data(as_text=True)
    suspend_member(db, "HNKX202500077", "test", "违反章程")
    assert "已失效" in stranger.get(path).get_data(as_text=True)


def test_a_forged_or_altered_code_is_refused(app, db, config, li):
    add_member(db, WANG)
    stranger = app.test_client()
    genuine = certificates.code_for(config.certificate_key, "HNKX202400012")
    signature = genuine.split(".")[1]
    forged = [
        f"HNKX202500077.{signature}",  # another member's number under Li's signature
        f"HNKX202400012.{'A' * len(signature)}",  # a made-up signature
        certificates.code_for("another-society-key-0123456789abcdef", "HNKX202400012"),
        "HNKX202400012", "..", "HNKX202400012." + signature + "x",
    ]
    for code in forged:
        response = stranger.get(f"/m/verify/{code}")
        text = response.get_data(as_text=True)
        assert response.status_code == 404, code
        assert "无法识别" in text and "李明" not in text and "王秀英" not in text
    assert stranger.get(f"/m/verify/{genuine}").status_code == 200


def test_a_wechat_without_a_membership_has_no_certificate(client, fake_wechat):
    sign_in(client, fake_wechat, "o_newcomer", "/m/certificate")
    assert client.get("/m/certificate").status_code == 302
    assert client.get("/m/certificate.png").status_code == 302
