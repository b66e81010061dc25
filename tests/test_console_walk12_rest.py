"""Console walk 12, what was left: one unit member (and a member with their own number) added by a form, invoice
requests issued or turned down from the console, a newsletter's picture and its whole preview, and reviewer 12-b's
lows (names sorted by pinyin, a poll that ate a flash message, a correction kept as a draft)."""
from __future__ import annotations

import io
import re
import struct
import zlib
from datetime import date, datetime, timedelta
from urllib.parse import unquote

import pytest

from bot.admin import accounts
from bot.config import load_config
from handlers.fees.payments import record_payment
from storage.fees import find_payer
from storage.members import insert_member
from storage.news import find_item, publish_item
from storage.tickets import create_ticket, find_ticket
from tests.admin_data import PASSWORD
from tests.notices import queued_notices
from tests.pages_data import sign_in
from tests.test_admin import log_in, page, post, staff, units, users  # noqa: F401  (fixtures)

pytest_plugins = ["tests.fake_wechat"]
Y = date.today().year
TODAY = date.today().isoformat()


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


def member(db, number: str, name: str, **more) -> dict:
    return insert_member(db, {"member_no": number, "name": name, "category": "regular", "joined_at": "2019-03-01",
                              "mobile": f"139037100{number[-2:]}", "paid_through": f"{Y}-12-31", **more},
                         actor="test")


def _token(client, url: str = "/admin/members/new") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page(client.get(url))).group(1)


def _sent(client, url: str, data: dict, **kwargs):
    return client.post(url, data=dict(data, csrf_token=_token(client, url)), **kwargs)


# --- #9: a unit member by a form; a member's own number checked as an import's ---------------------------

NEW_UNIT = "/admin/members/new-unit"


def test_a_unit_member_is_added_by_a_form_with_the_import_s_checks(staff, db, units):
    listed = page(staff.get("/admin/members/"))
    assert NEW_UNIT in listed and 'value="unit"' in listed  # 单位会员 among the list's categories
    blank = _sent(staff, NEW_UNIT, {"name": "", "contact_name": "马红梅", "contact_mobile": "1380371"})
    shown = page(blank)
    assert blank.status_code == 400 and 'value="马红梅"' in shown and shown.count("has-error") == 2
    for typed, said in (({"credit_code": "12410000MB0000001X"}, "HNKXDW202600001"),  # another unit's credit code
                        ({"name": "郑州示范大学"}, "HNKXDW202600001"),  # a unit of that name
                        ({"unit_no": "HNKXDW202600002"}, "中原示范研究院"),  # a number taken
                        ({"credit_code": "12345"}, "18 位")):
        refused = _sent(staff, NEW_UNIT, dict({"name": "河南省示范科技有限公司"}, **typed))
        assert refused.status_code == 400 and said in page(refused), typed
        assert 'value="河南省示范科技有限公司"' in page(refused) or typed.get("name")
    done = _sent(staff, NEW_UNIT, {"name": "河南省示范科技有限公司", "credit_code": "91410100MA00000034",
                                   "contact_name": "马红梅", "contact_mobile": "13803710088",
                                   "institution_type": "企业或技术推广部门", "joined_at": f"{Y}-03-01"},
                 follow_redirects=True)
    [unit] = db["units"].rows_where("name = ?", ["河南省示范科技有限公司"])
    assert unit["unit_no"].startswith(f"HNKXDW{Y}") and unit["contact_mobile"] == "13803710088"
    assert f"单位会员编号 {unit['unit_no']}" in page(done) and "马红梅" in page(done)
    audit = page(staff.get("/admin/audit/"))
    assert f"单位会员 {unit['unit_no']}" in audit and "staff1" in audit
    units_listed = page(staff.get("/admin/members/", query_string={"category": "unit"}))
    assert "河南省示范科技有限公司" in units_listed and "郑州示范大学" in units_listed


def test_a_member_added_by_a_form_may_bring_a_number_checked_for_shape_and_use(staff, db):
    member(db, "HNKX202000001", "赵敏")
    form = page(staff.get("/admin/members/new"))
    assert 'name="member_no"' in form
    for number, said in (("HNKX202000001", "赵敏"), ("HNKX 2020 01#", "格式不对")):
        refused = _sent(staff, "/admin/members/new", {"name": "田野", "category": "regular", "mobile": "13903710031",
                                                      "member_no": number})
        assert refused.status_code == 400 and said in page(refused) and 'value="田野"' in page(refused), number
    _sent(staff, "/admin/members/new", {"name": "田野", "category": "regular", "mobile": "13903710031",
                                        "member_no": "hnkx201800031"})
    assert db["members"].count_where("member_no = 'HNKX201800031' and name = '田野'") == 1



def test_a_member_added_by_a_form_keeps_an_all_digit_number_as_an_import_would(staff, db, tmp_path, env):
    """An old card's number of digits only (20150031) imports as written; the form refused it as 格式不对. A short
    serial (58) is completed against the store's numbers as the import completes it, or refused as it refuses it."""
    from tests.cli import roster_imported

    sheet = tmp_path / "名册.csv"
    sheet.write_text("会员编号,姓名,手机,会员类别\n20150032,林静,13903710032,普通会员\n", encoding="utf-8")
    roster_imported(env, sheet)
    assert db["members"].count_where("member_no = '20150032' and name = '林静'") == 1
    added = _sent(staff, "/admin/members/new", {"name": "田野", "category": "regular", "mobile": "13903710031",
                                                "member_no": "20150031"}, follow_redirects=True)
    assert db["members"].count_where("member_no = '20150031' and name = '田野'") == 1
    assert "20150031" in page(added) and "格式不对" not in page(added)
    taken = _sent(staff, "/admin/members/new", {"name": "方圆", "category": "regular", "mobile": "13903710033",
                                                "member_no": "20150032"})
    assert taken.status_code == 400 and "林静" in page(taken)


def test_a_read_only_user_cannot_open_the_forms_that_add_members(client, db, config, users):
    accounts.create_user(db, config, "理事长", PASSWORD, "viewer", None, actor="test")
    assert log_in(client, "理事长").status_code == 302
    assert client.get("/admin/members/new").status_code == 403
    assert client.get(NEW_UNIT).status_code == 403
    assert NEW_UNIT not in page(client.get("/admin/members/"))
    member(db, "HNKX202000007", "周晓彤", openid="o_zhou")
    create_ticket(db, "o_zhou", "开票申请", "会员申请开具会费发票，抬头：个人\n会员的原话：\n发票 电话13903710007")
    invoices = page(client.get("/admin/invoices/"))  # a read-only user reads the requests, sends nothing
    assert "139****0007" in invoices and "13903710007" not in invoices
    assert "data-issue" not in invoices and "/refuse" not in invoices


# --- #8: an invoice request issued against its payment, or turned down, from the console -------------------

def _paid(db, number: str, on: date) -> str:
    return record_payment(db, find_payer(db, number), 100, 1, on, "现金", "test")["receipt_no"]


def _invoice_request(db, openid: str, receipt_no: str | None = None) -> str:
    """A request as the chat files it (handlers.fees.chat._invoice_taken): the payment picked named by receipt."""
    payments = f"开票的缴费：\n· {Y}-01-10 缴费 100 元，收据号 {receipt_no}\n" if receipt_no else ""
    return create_ticket(db, openid, "开票申请", f"会员申请开具会费发票，抬头：河南科技大学\n{payments}会员的原话：\n我要开发票 "
                                               "税号 12410000415800000X zhou@haust.edu.cn")


def test_an_invoice_request_is_issued_against_its_payment_and_the_member_is_told(staff, db, redis_client, app,
                                                                                 fake_wechat):
    member(db, "HNKX202000007", "周晓彤", openid="o_zhou")
    first = _paid(db, "HNKX202000007", date(Y, 1, 10) if date(Y, 1, 10) <= date.today() else date.today())
    second = _paid(db, "HNKX202000007", date.today())
    named = _invoice_request(db, "o_zhou", first)
    listed = page(staff.get("/admin/invoices/"))
    assert "/admin/invoices/" in page(staff.get("/admin/dashboard/"))  # 开票 in the menu
    form = listed.split(f'data-issue="{named}"')[1].split("</form>")[0]
    assert re.search(rf'value="{first}"\s+checked', form) and "HNKX202000007 周晓彤" in listed
    refused = post(staff, f"/admin/invoices/{named}/issue", {"receipt_no": first, "invoice_no": "",
                                                             "issued_on": TODAY, "typed_receipts": "SJ-typed"})
    assert refused.status_code == 400 and "请填写发票号码" in page(refused) and 'value="SJ-typed"' in page(refused)
    late = post(staff, f"/admin/invoices/{named}/issue", {"receipt_no": first, "invoice_no": "26412000000012345678",
                                                          "issued_on": (date.today() + timedelta(days=1)).isoformat()})
    assert late.status_code == 400 and find_ticket(db, named)["status"] != "closed"
    done = post(staff, f"/admin/invoices/{named}/issue", {"receipt_no": first, "invoice_no": "26412000000012345678",
                                                          "issued_on": TODAY}, follow_redirects=True)
    assert "已标记为已开具" in page(done) and f'data-issue="{named}"' not in page(done)
    assert find_ticket(db, named)["status"] == "closed"
    [notice] = queued_notices(redis_client)
    assert notice["openid"] == "o_zhou" and "26412000000012345678" in notice["text"] and first in notice["text"]

    unnamed = _invoice_request(db, "o_zhou")  # no payment named: the member's to pick from, the invoiced one not
    form = page(staff.get("/admin/invoices/")).split(f'data-issue="{unnamed}"')[1].split("</form>")[0]
    assert re.search(rf'value="{first}"\s+disabled', form) and "已开发票 26412000000012345678" in form
    assert f'value="{second}"' in form and not re.search(rf'value="{second}"\s+checked', form)
    twice = post(staff, f"/admin/invoices/{unnamed}/issue", {"typed_receipts": first, "invoice_no": "26412000000099999999",
                                                             "issued_on": TODAY})
    assert twice.status_code == 400 and "已开过发票" in page(twice)
    turned_down = post(staff, f"/admin/invoices/{unnamed}/refuse", {"reason": "抬头与缴费人不符，请用本人或单位名义申请"},
                       follow_redirects=True)
    assert "不予开具" in page(turned_down) and find_ticket(db, unnamed)["status"] == "closed"
    assert "抬头与缴费人不符" in queued_notices(redis_client)[0]["text"]

    decided = page(staff.get("/admin/invoices/"))  # what was done, for the finance person to look back on
    assert f'data-decided="{named}"' in decided and "发票号码 26412000000012345678" in decided.split(f'data-decided="{named}"')[1]
    assert "不予开具：抬头与缴费人不符" in decided.split(f'data-decided="{unnamed}"')[1]
    on_member_page = page(staff.get("/admin/members/HNKX202000007"))
    assert f'data-invoice="{first}">已开发票 26412000000012345678' in on_member_page
    other = create_ticket(db, "o_zhou", "意见建议", "电子会员证打不开")  # not an invoice request: not decided here
    refused = post(staff, f"/admin/invoices/{other}/refuse", {"reason": "试试"})
    assert refused.status_code == 400 and "不是开票申请" in page(refused) and find_ticket(db, other)["status"] == "open"

    member_side = app.test_client()
    sign_in(member_side, fake_wechat, "o_zhou", "/m/dues")
    dues_page = page(member_side.get("/m/dues"))
    assert f'data-invoice="{first}">已开发票：26412000000012345678（{TODAY}）' in dues_page
    assert f'data-invoice="{second}"' not in dues_page


def test_two_secretaries_issuing_for_one_payment_at_once_record_one_invoice(staff, db, redis_client, monkeypatch):
    """The member asked twice for one payment; two secretaries each take a request at the same moment. The second
    one's check ran before the first one's invoice was written: the store still refuses a second invoice, and
    that secretary reads why (not a 500), the request left open."""
    from handlers.fees import invoices
    from storage import fees as fees_store

    member(db, "HNKX202000007", "周晓彤", openid="o_zhou")
    paid = _paid(db, "HNKX202000007", date.today())
    mine, colleagues = _invoice_request(db, "o_zhou", paid), _invoice_request(db, "o_zhou", paid)
    checked = fees_store.invoices_for

    def colleague_issues_meanwhile(store, numbers):
        seen = checked(store, numbers)  # nothing invoiced yet, as this secretary's check saw it
        monkeypatch.setattr(fees_store, "invoices_for", checked)
        invoices.issue(db, redis_client, colleagues, [paid], "26412000000011111111", TODAY, "staff2", date.today())
        return seen

    monkeypatch.setattr(fees_store, "invoices_for", colleague_issues_meanwhile)
    second = post(staff, f"/admin/invoices/{mine}/issue", {"receipt_no": paid, "invoice_no": "26412000000022222222",
                                                           "issued_on": TODAY})
    assert second.status_code == 400 and "已开过发票（26412000000011111111）" in page(second)
    assert [row["invoice_no"] for row in db["invoices"].rows_where("receipt_no = ?", [paid])] == ["26412000000011111111"]
    assert find_ticket(db, mine)["status"] != "closed" and find_ticket(db, colleagues)["status"] == "closed"


def test_a_request_made_in_chat_arrives_with_the_payment_the_member_picked(staff, db, app, config):
    """The whole path: the member asks in chat and picks the payment; the console shows that payment ticked."""
    from tests.member import Member

    member(db, "HNKX202000007", "周晓彤", openid="o_zhou")
    earlier = _paid(db, "HNKX202000007", date.today() - timedelta(days=400))
    later = _paid(db, "HNKX202000007", date.today())
    zhou = Member(app.test_client(), config, "o_zhou")
    zhou.says("我要开会费发票")
    assert "开哪一笔" in zhou.says("抬头 河南科技大学")
    assert "已记下您的开票申请" in zhou.says("1")  # the latest first: this year's
    listed = page(staff.get("/admin/invoices/"))
    assert "河南科技大学" in listed and "HNKX202000007 周晓彤" in listed
    assert re.search(rf'value="{later}"\s+checked', listed) and f'value="{earlier}"' not in listed


# --- #10: a newsletter's picture, and a preview of the whole item ------------------------------------------

def png(width: int = 4, height: int = 3, padding: int = 0) -> bytes:
    """A real PNG (a grey picture), `padding` bytes of a comment chunk making it as big as wanted."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + (chunk(b"tEXt", b"c\0" + b"x" * padding) if padding else b"")
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


POSTER = {"title": "2027年学术年会征文通知", "topics": "policy", "summary": "征文截止 12 月 20 日",
          "link": "https://www.hnast.org.cn/2027",
          "body": "# 征文要求\n**报名**截止 12 月 20 日，详见[会议网站](https://www.hnast.org.cn/2027)。\n\n"
                  "![年会海报](https://www.hnast.org.cn/poster.jpg)\n\n第二段：欢迎投稿。"}


def test_a_newsletter_carries_a_picture_and_its_preview_shows_the_whole_body(staff, db, app, fake_wechat):
    form = page(staff.get("/admin/news/new"))
    assert 'enctype="multipart/form-data"' in form and 'name="picture_file"' in form and "2 MB" in form
    wrong = post(staff, "/admin/news/new", dict(POSTER, picture_file=(io.BytesIO(b"not a picture"), "海报.jpg")),
                 content_type="multipart/form-data")
    assert wrong.status_code == 400 and "JPG 或 PNG" in page(wrong) and 'value="2027年学术年会征文通知"' in page(wrong)
    big = post(staff, "/admin/news/new", dict(POSTER, picture_file=(io.BytesIO(png(padding=3 * 1024 * 1024)), "大.png")),
               content_type="multipart/form-data")
    assert big.status_code == 400 and "有 3.0 MB，不能超过 2 MB" in page(big)
    saved = post(staff, "/admin/news/new", dict(POSTER, picture_file=(io.BytesIO(png()), "海报.png")),
                 content_type="multipart/form-data")
    assert saved.status_code == 302, page(saved)
    item_no = unquote(saved.location.rsplit("/", 1)[1])
    shown = page(staff.get(saved.location))
    preview = shown.split('aria-label="手机预览"')[1] if 'aria-label="手机预览"' in shown else shown
    for words in ("征文要求", "报名截止 12 月 20 日", "会议网站", "第二段：欢迎投稿。"):
        assert words in preview, words  # the body, as the member's article page shows it
    picture = re.search(r'<img[^>]+src="([^"]+/news/picture/[^"]+)"', preview).group(1)
    assert "写的图片不会显示" in preview and "配图" in preview  # ![年会海报](…) in the body is not shown: said, with what to do instead
    served = staff.get(picture)
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == png()
    edit = page(staff.get(f"{saved.location}/edit"))  # a save that changes the text keeps the picture
    version = re.search(r'name="version" value="([^"]+)"', edit).group(1)
    kept = re.search(r'name="picture" value="([^"]+)"', edit).group(1)
    post(staff, f"{saved.location}/edit", dict(POSTER, summary="征文截止 12 月 25 日", picture=kept, version=version))
    assert find_item(db, item_no)["picture"] == kept

    publish_item(db, find_item(db, item_no)["id"])
    member(db, "HNKX202000008", "孙浩", openid="o_sun")
    reader = app.test_client()
    sign_in(reader, fake_wechat, "o_sun", "/m/news")
    article = page(reader.get(f"/m/news/{item_no}"))
    assert re.search(r'<img[^>]+src="[^"]*/news/picture/' + re.escape(kept), article), article


def test_a_pushed_card_carries_the_picture_at_its_public_address(env, fake_wechat, db, redis_client, monkeypatch):
    """The customer-service news card (DOMAIN.md: a news message's picture URL) shows the item's picture, which
    WeChat fetches from the public address without signing in."""
    from bot import delivery
    from storage.news import keep_picture
    from tests.test_delivery import add_item, add_members, member_wrote, openids, run_jobs, settings

    config = settings(env, monkeypatch, PUBLIC_BASE_URL="https://bot.example.org")
    reader = openids("P", 1)
    recipients = add_members(db, reader)
    member_wrote(fake_wechat, redis_client, config, reader)
    keep_picture(db, "0123456789abcdef.png", "image/png", png())
    item = add_item(db)
    db["newsletters"].update(item, {"picture": "0123456789abcdef.png"})
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    [card] = fake_wechat.sent_to(reader[0])
    assert card["news"]["articles"][0]["picurl"] == "https://bot.example.org/m/news/picture/0123456789abcdef.png"


# --- #22: the fellow cap's note on a roster that adds no fellow -------------------------------------------

def test_a_roster_adding_no_fellow_says_the_fellows_over_the_cap_were_so_before(staff, db):
    """Walk 12, #22: after a roster of 12 new members and the society's one 会士 (stored already), the report said
    会士现有 1 人，已超过上限 … 个人会员 7 人时上限为 0 人, as if the file had added a fellow over the cap."""
    for i in range(6):
        member(db, f"HNKX20190{i:04d}", f"老会员{i}")
    member(db, "HNKX201900107", "韩院士", category="fellow")
    rows = ["姓名,会员编号,会员类别,手机号", "韩院士,HNKX201900107,会士,13903710007"]
    rows += [f"{s}{g}新,,普通会员,1390372{i:04d}" for i, (s, g) in enumerate(zip("赵钱孙李周吴郑冯陈褚卫蒋", "一二三四五六七八九十甲乙"))]
    sent = post(staff, "/admin/members/import/", {"file": (io.BytesIO("\n".join(rows).encode("utf-8")), "名册.csv")},
                content_type="multipart/form-data", follow_redirects=True)
    report = page(sent)
    assert "本表没有新增会士" in report and "个人会员 19 人" in report, report
    assert "会士现有" not in report



# --- reviewer 12-b's lows: names by pinyin, a poll that took a page's message ----------------------------------

def test_the_member_list_sorts_names_by_pinyin(staff, db):
    """Sorted by code point, 张伟 (U+5F20) came before 李娜 (U+674E) and 王芳 (U+738B): a list reads A to Z by pinyin."""
    for number, name in (("HNKX202000011", "张伟"), ("HNKX202000012", "李娜"), ("HNKX202000013", "王芳"),
                         ("HNKX202000014", "安然")):
        member(db, number, name)

    def order(sort: str) -> list[str]:
        shown = page(staff.get("/admin/members/", query_string={"sort": sort}))
        return [name for _, name in sorted((shown.index(f">{n}<"), n) for n in ("张伟", "李娜", "王芳", "安然"))]

    assert order("name") == ["安然", "李娜", "王芳", "张伟"]
    assert order("-name") == ["张伟", "王芳", "李娜", "安然"]


def test_a_progress_poll_leaves_the_message_for_the_page_being_opened(staff, db):
    """The item page polls its send's progress every few seconds; a poll landing between a save and the page it
    leads to took that page's message (已保存…) and the page showed none."""
    saved = post(staff, "/admin/news/new", dict(POSTER, title="轮询测试"))
    before_poll = staff.get_cookie("xh_admin", path="/admin").value
    polled = staff.get(f"{saved.location}/progress", headers={"Accept": "application/json"})
    assert polled.status_code == 200
    staff.set_cookie("xh_admin", before_poll, path="/admin")  # the page's own request, sent with the cookie it had
    assert "会讯“轮询测试”已保存为草稿" in page(staff.get(saved.location))



def test_the_chat_s_card_of_an_item_carries_its_picture(env, db, monkeypatch):
    """The card a member gets on opening the item in chat (a passive news reply) shows the picture too."""
    from bot.app import create_app
    from bot.simulator import build_message_xml, envelope, open_reply
    from storage.news import keep_picture, save_item

    config = load_config(dict(env, PUBLIC_BASE_URL="https://bot.example.org"))
    member(db, "HNKX202000008", "孙浩", openid="o_sun")
    keep_picture(db, "0123456789abcdef.png", "image/png", png())
    save_item(db, {"item_no": "poster", "kind": "newsletter", "title": "2027年学术年会征文通知", "topics": ["policy"],
                   "audience": None, "summary": "征文截止 12 月 20 日", "link": "https://www.hnast.org.cn/2027",
                   "body": "", "publish_at": None, "source": None, "picture": "0123456789abcdef.png"})
    query, body = envelope(config, build_message_xml("o_sun", "event", Event="CLICK", EventKey="MENU_NEWS"), False)
    answer = create_app(config).test_client().post("/wechat", query_string=query, data=body.encode("utf-8"))
    [card] = open_reply(config, answer.get_data(as_text=True), False)["articles"]
    assert card["image"] == "https://bot.example.org/m/news/picture/0123456789abcdef.png"


def test_the_unit_members_list_offers_no_export_of_people_it_would_leave_empty(staff, db):
    """类别 单位会员 lists the units, not people: its 导出 buttons exported the member list so filtered, a file of
    headers and no row (logged as an export of 0). The people's list still offers them."""
    units_listed = page(staff.get("/admin/members/", query_string={"category": "unit"}))
    assert "/admin/members/export" not in units_listed
    assert "/admin/members/export" in page(staff.get("/admin/members/", query_string={"category": "regular"}))


def test_a_payment_named_in_a_request_that_is_another_member_s_is_said_so_and_not_ticked(staff, db):
    """The receipt numbers in a request are read from its text, the member's words too: one of another member's
    (a typo, a colleague's) was ticked like the requester's own, with nothing saying whose it is."""
    member(db, "HNKX202000007", "周晓彤", openid="o_zhou")
    member(db, "HNKX202000008", "吴桐")
    theirs = _paid(db, "HNKX202000008", date.today())
    asked = _invoice_request(db, "o_zhou", theirs)
    form = page(staff.get("/admin/invoices/")).split(f'data-issue="{asked}"')[1].split("</form>")[0]
    assert not re.search(rf'value="{theirs}"\s+checked', form) and "HNKX202000008 吴桐" in form


def test_a_store_already_holding_two_invoices_for_one_payment_migrates_and_says_which_is_the_extra(staff, db, config):
    """Before the unique index two secretaries could record two invoices for one payment. Upgrading such a store
    does not fail: the first stays issued, the later one is listed as issued twice, for finance to void."""
    from storage.database import open_database

    member(db, "HNKX202000007", "周晓彤", openid="o_zhou")
    paid = _paid(db, "HNKX202000007", date.today())
    first, second = _invoice_request(db, "o_zhou", paid), _invoice_request(db, "o_zhou", paid)
    db.execute("drop index invoices_one_per_receipt")  # the store as the last release left it
    db.execute("delete from schema_migrations where name = 'one_invoice_per_payment'")
    for ticket_no, invoice_no in ((first, "26412000000011111111"), (second, "26412000000022222222")):
        db["invoices"].insert({"ticket_id": find_ticket(db, ticket_no)["id"], "receipt_no": paid, "status": "issued",
                               "invoice_no": invoice_no, "issued_on": TODAY, "decided_by": "staff1",
                               "decided_at": f"{TODAY}T10:00:00+08:00"})
    open_database(config.sqlite_path).close()  # the upgrade
    decided = page(staff.get("/admin/invoices/"))
    assert "已开具：发票号码 26412000000011111111" in decided.split(f'data-decided="{first}"')[1].split("</tr>")[0]
    assert "重复开具：发票号码 26412000000022222222" in decided.split(f'data-decided="{second}"')[1].split("</tr>")[0]
    on_member_page = page(staff.get("/admin/members/HNKX202000007"))
    assert f'data-invoice="{paid}">已开发票 26412000000011111111' in on_member_page


def test_the_unit_members_list_keeps_the_search_and_the_filters(staff, db, units):
    """类别 单位会员 with a name typed, or 状态 退会, or 会费 欠费: the list showed every unit whatever was chosen."""
    db["units"].update(units[1]["id"], {"status": "resigned"})
    db["units"].update(units[0]["id"], {"paid_through": f"{Y + 1}-12-31"})

    def listed(**chosen) -> list[str]:
        shown = page(staff.get("/admin/members/", query_string={"category": "unit", **chosen}))
        return re.findall(r'<tr data-unit-row><td class="nowrap"><a [^>]+>(\w+)</a>', shown)

    assert listed() == ["HNKXDW202600001", "HNKXDW202600002"]
    assert listed(q="中原") == ["HNKXDW202600002"]
    assert listed(q="HNKXDW202600001") == ["HNKXDW202600001"]
    assert listed(status="resigned") == ["HNKXDW202600002"]
    assert listed(status="active") == ["HNKXDW202600001"]
    assert listed(q="郑州", status="resigned") == []
    assert listed(dues="owing") == []  # the one not paid up has left: not owing
    db["units"].update(units[1]["id"], {"status": "active"})
    assert listed(dues="owing") == ["HNKXDW202600002"]


def test_a_picture_uploaded_in_a_form_never_saved_is_deleted_after_the_days_the_schedule_says(staff, db, redis_client,
                                                                                               config):
    """A secretary uploads a poster, the form comes back for a missing title, and she closes the tab: the picture
    stayed in the store for good. The news_pictures job deletes a picture no item names once it is older than
    keep_days (content/schedule.toml); an item's picture stays; a form sent back after that asks for it again."""
    from bot import scheduler
    from bot.content import load_toml

    keep_days = load_toml("schedule.toml")["jobs"]["news_pictures"]["keep_days"]
    left = post(staff, "/admin/news/new", dict(POSTER, title="", picture_file=(io.BytesIO(png(5)), "海报.png")),
                content_type="multipart/form-data")
    abandoned = re.search(r'name="picture" value="([^"]+)"', page(left)).group(1)
    saved = post(staff, "/admin/news/new", dict(POSTER, picture_file=(io.BytesIO(png(6)), "海报.png")),
                 content_type="multipart/form-data")
    kept = find_item(db, unquote(saved.location.rsplit("/", 1)[1]))["picture"]
    scheduler.run_now(db, redis_client, config, "news_pictures", day=date.today() + timedelta(days=keep_days - 1))
    assert staff.get(f"/m/news/picture/{abandoned}").status_code == 200  # not yet: the form may still be open
    summary = scheduler.run_now(db, redis_client, config, "news_pictures",
                                day=date.today() + timedelta(days=keep_days + 1))
    assert staff.get(f"/m/news/picture/{abandoned}").status_code == 404
    assert staff.get(f"/m/news/picture/{kept}").status_code == 200
    assert "删除 1 张" in scheduler.summary_text("news_pictures", summary)
    late = post(staff, "/admin/news/new", dict(POSTER, title="迟到的一条", picture=abandoned))
    assert late.status_code == 400 and "配图已过期" in page(late) and "重新上传" in page(late)


def test_a_picture_uploaded_again_counts_its_days_from_the_new_upload(staff, db, redis_client, config):
    """The same poster uploaded a week after a form left unsaved, in a form sent back for a missing title: the
    nightly job that follows keeps it (the days count from this upload), so saving the form the next morning works."""
    from bot import scheduler
    from bot.content import load_toml

    keep_days = load_toml("schedule.toml")["jobs"]["news_pictures"]["keep_days"]
    first = post(staff, "/admin/news/new", dict(POSTER, title="", picture_file=(io.BytesIO(png(7)), "海报.png")),
                 content_type="multipart/form-data")
    name = re.search(r'name="picture" value="([^"]+)"', page(first)).group(1)
    weeks_ago = (datetime.now().astimezone() - timedelta(days=keep_days + 3)).isoformat(timespec="seconds")
    db["news_pictures"].update(name, {"created_at": weeks_ago})  # that form was left a while ago
    post(staff, "/admin/news/new", dict(POSTER, title="", picture_file=(io.BytesIO(png(7)), "海报.png")),
         content_type="multipart/form-data")
    scheduler.run_now(db, redis_client, config, "news_pictures", day=date.today() + timedelta(days=1))
    saved = post(staff, "/admin/news/new", dict(POSTER, picture=name))
    assert saved.status_code == 302 and find_item(db, unquote(saved.location.rsplit("/", 1)[1]))["picture"] == name
