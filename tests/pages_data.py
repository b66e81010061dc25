"""Members and their records for the member-page tests, and signing in the way WeChat does it.

`li` is a fixture (import it): Li Ming, a regular member bound to o_li, paid through this year.
"""
from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from storage.members import create_application, insert_member
from storage.sqlite import transaction
from storage.tickets import create_ticket, reply_to_ticket

LI = {"member_no": "HNKX202400012", "name": "李明", "category": "regular", "openid": "o_li",
      "mobile": "13912346688", "email": "liming@example.org", "work_unit": "郑州示范大学",
      "paid_through": f"{date.today().year}-12-31", "joined_at": "2024-03-01"}
WANG = {"member_no": "HNKX202500077", "name": "王秀英", "category": "senior", "openid": "o_wang",
        "mobile": "13700001234", "email": "wxy@example.org", "work_unit": "中原示范研究院",
        "paid_through": f"{date.today().year - 2}-12-31", "joined_at": "2025-05-01"}


def add_member(db, fields: dict) -> dict:
    with transaction(db):
        return insert_member(db, dict(fields), actor="test")


@pytest.fixture
def li(db):
    return add_member(db, LI)


def add_ticket_with_reply(db, openid: str, body: str, answer: str) -> dict:
    ticket_no = create_ticket(db, openid, "建议", body)
    return reply_to_ticket(db, ticket_no, answer, actor="console:staff1")


def add_application(db, openid: str, name: str) -> dict:
    return create_application(db, openid, "individual", {"name": name, "category": "regular",
                                                         "mobile": "13600000000"})


def sign_in(client, fake, openid: str, path: str = "/m/") -> None:
    """Open `path` without a session and come back from WeChat's silent authorisation as `openid`."""
    response = client.get(path)
    assert response.status_code == 302, response.status_code
    asked = urlsplit(response.headers["Location"])
    query = parse_qs(asked.query)
    assert query["scope"] == ["snsapi_base"]
    callback = urlsplit(query["redirect_uri"][0])
    code = fake.authorize(openid)  # the member's WeChat passes the authorisation
    response = client.get(callback.path, query_string={"code": code, "state": query["state"][0]})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert urlsplit(response.headers["Location"]).path == urlsplit(path).path


def qr_in_image_is(png: bytes, text: str) -> bool:
    """Whether the QR code in a PNG (its pure-black modules) is exactly segno's code for `text`.

    No QR decoder is installed, so the code's modules are read from the picture and
    compared with the ones `text` makes: a code for anything else differs.
    """
    import io

    import segno
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    black = image.point(lambda v: 255 if v == 0 else 0).convert("L").point(lambda v: 255 if v == 255 else 0)
    box = black.getbbox()  # the QR code is the only pure black in the picture
    if box is None:
        return False
    expected = segno.make(text, error="m").matrix
    size = len(expected)
    module = (box[2] - box[0]) / size
    for row in range(size):
        for col in range(size):
            x, y = int(box[0] + (col + 0.5) * module), int(box[1] + (row + 0.5) * module)
            if (image.getpixel((x, y)) == (0, 0, 0)) != bool(expected[row][col]):
                return False
    return True


def others_order_ids(db, member: dict) -> dict:
    """A WeChat Pay order and a receipt of `member`'s, for the pages that name them."""
    from storage import pay_orders
    from handlers.fees.payments import record_payment
    from storage.fees import find_payer

    order = pay_orders.create_order(db, {
        "out_trade_no": "HF20261206120000ABCD1234", "openid": member["openid"], "payer_kind": "member",
        "payer_id": member["id"], "payer_number": member["member_no"], "purpose": "dues", "years": 1,
        "amount_fen": 20000, "description": "会费", "expires_at": "2999-01-01T00:00:00+08:00"})
    payment = record_payment(db, find_payer(db, member["member_no"]), 200, 1, date.today(), "微信支付", "test")
    return {"out_trade_no": order["out_trade_no"], "receipt_no": payment["receipt_no"]}
