"""The chat simulator without a browser: envelopes, the /wechat round trip, the page, the terminal."""
from __future__ import annotations

import io
import socket

import pytest
from wechatpy import parse_message

from bot import content
from bot.config import load_config
from bot.messages import Article, Reply
from bot.registry import MENU_HANDLERS
from bot.simulator import ReplyError, build_message_xml, envelope, open_reply, run_terminal_chat
from tests.member import menu_click_keys

MODES = pytest.mark.parametrize("encrypted", [False, True], ids=["plaintext", "aes"])
ARTICLE = Article(title="2025 年学术年会通知", description="第一行\n第二行", url="https://www.example.org/news/1")


def exchange(client, openid, encrypted, msg_type, **fields) -> dict:
    """What the page does: envelope, POST to /wechat, open the reply."""
    built = client.post("/simulator/envelope", json={
        "openid": openid, "encrypted": encrypted, "msg_type": msg_type, "fields": fields})
    assert built.status_code == 200, built.get_json()
    query, body = built.get_json()["query"], built.get_json()["body"]
    answer = client.post("/wechat", query_string=query, data=body.encode("utf-8"), content_type="text/xml")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    opened = client.post("/simulator/open", json={"body": answer.get_data(as_text=True), "encrypted": encrypted})
    assert opened.status_code == 200, opened.get_json()
    return opened.get_json()


# --- the module API -----------------------------------------------------------

def test_text_message_looks_like_wechats():
    xml = build_message_xml("o_member", "text", Content="a ]]> b\n第二行")
    message = parse_message(xml)
    assert (message.type, message.source, message.content) == ("text", "o_member", "a ]]> b\n第二行")
    assert message.id and message.create_time
    assert parse_message(build_message_xml("o_member", "text", Content="x")).id != message.id


def test_events_have_no_msg_id_and_voice_keeps_its_recognition():
    click = build_message_xml("o_member", "event", Event="CLICK", EventKey="MENU_HELP")
    assert "<MsgId>" not in click
    assert parse_message(click).key == "MENU_HELP"
    voice = parse_message(build_message_xml("o_member", "voice", Recognition="会费"))
    assert (voice.type, voice.recognition, voice.format) == ("voice", "会费", "amr")


def test_unknown_types_and_fields_are_refused():
    with pytest.raises(ValueError):
        build_message_xml("o_member", "telegram", Content="x")
    with pytest.raises(ValueError):
        build_message_xml("o_member", "text", Event="CLICK")


def test_safe_mode_envelope_hides_the_message(config):
    query, body = envelope(config, build_message_xml("o_member", "text", Content="秘密内容"), encrypted=True)
    assert query["encrypt_type"] == "aes" and query["msg_signature"] and query["openid"] == "o_member"
    assert "<Encrypt>" in body and "秘密内容" not in body and "Content" not in body


def test_open_reply_refuses_what_wechat_would(config):
    assert open_reply(config, "success", encrypted=True)["type"] == "none"
    plain = "<xml><MsgType>text</MsgType><Content>hi</Content></xml>"
    with pytest.raises(ReplyError):
        open_reply(config, plain, encrypted=True)
    with pytest.raises(ReplyError):
        open_reply(config, "<xml><MsgType>text", encrypted=False)


# --- through the webhook --------------------------------------------------------

@MODES
def test_text_gets_a_reply(client, encrypted):
    reply = exchange(client, "o_sim_text", encrypted, "text", Content="帮助")
    assert reply["type"] == "text"
    assert reply["content"].strip() and reply["content"] != content.text("error.text")


@MODES
def test_every_menu_click_gets_a_reply(client, encrypted):
    keys = menu_click_keys()
    assert keys
    for number, key in enumerate(keys):
        reply = exchange(client, f"o_sim_click{number}", encrypted, "event", Event="CLICK", EventKey=key)
        assert reply["type"] in ("text", "news"), key
        assert reply["content"].strip() or reply["articles"], key
        assert reply["content"] != content.text("error.text"), key


@MODES
def test_follow_gets_the_welcome(client, encrypted):
    reply = exchange(client, "o_sim_follow", encrypted, "event", Event="subscribe")
    assert reply == {"type": "text", "content": content.text("welcome.follow"), "articles": []}


@MODES
def test_menu_link_gets_no_reply(client, encrypted):
    reply = exchange(client, "o_sim_view", encrypted, "event", Event="VIEW", EventKey="https://www.example.org/")
    assert reply["type"] == "none"


@MODES
def test_article_reply_is_opened(client, monkeypatch, encrypted):
    monkeypatch.setitem(MENU_HANDLERS, "MENU_NEWS", lambda ctx: Reply(articles=(ARTICLE,)))
    reply = exchange(client, "o_sim_news", encrypted, "event", Event="CLICK", EventKey="MENU_NEWS")
    assert reply["type"] == "news"
    assert reply["articles"] == [{"title": ARTICLE.title, "description": ARTICLE.description,
                                  "url": ARTICLE.url, "image": ""}]


def test_envelope_refuses_bad_input(client):
    assert client.post("/simulator/envelope", json={"openid": "a b", "msg_type": "text"}).status_code == 400
    bad_field = {"openid": "o1", "msg_type": "text", "fields": {"Event": "CLICK"}}
    assert client.post("/simulator/envelope", json=bad_field).status_code == 400
    assert client.post("/simulator/open", json={"body": "<xml><Encrypt>x", "encrypted": True}).status_code == 502


def test_page_shows_the_society_and_its_menu(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert content.society()["name"] in html
    for top in content.menu()["button"]:
        assert top["name"] in html
        for sub in top.get("sub_button", []):
            assert sub["name"] in html
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert client.get("/simulator/static/simulator.js").status_code == 200


def test_no_simulator_in_production(env):
    from bot.app import create_app

    production = create_app(load_config({**env, "BOT_ENV": "production"}))
    client = production.test_client()
    assert client.get("/").status_code == 404
    assert client.post("/simulator/envelope", json={"openid": "o1", "msg_type": "text"}).status_code == 404
    assert client.post("/simulator/open", json={"body": "success"}).status_code == 404
    assert client.get("/simulator/static/simulator.js").status_code == 404


# --- the terminal -----------------------------------------------------------------

@pytest.fixture
def server_url(live_url):
    return live_url + "/wechat"


def _help_menu_number() -> int:
    items = [button for top in content.menu()["button"] for button in top.get("sub_button", [top])]
    return next(n for n, button in enumerate(items, 1) if button.get("key") == "MENU_HELP")


@MODES
def test_terminal_chat(config, server_url, monkeypatch, capsys, encrypted):
    monkeypatch.setitem(MENU_HANDLERS, "MENU_NEWS", lambda ctx: Reply(articles=(ARTICLE,)))
    lines = f"/follow\n帮助\n/menu {_help_menu_number()}\n/click MENU_NEWS\n/nonsense\n/quit\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    run_terminal_chat(config, url=server_url, openid="o_terminal", encrypted=encrypted)
    out = capsys.readouterr().out
    for top in content.menu()["button"]:
        assert top["name"] in out
    welcome_first_line = content.text("welcome.follow").splitlines()[0]
    help_first_line = content.text("help.text").splitlines()[0]
    assert welcome_first_line in out
    assert help_first_line in out
    assert ARTICLE.title in out and ARTICLE.url in out
    assert "/nonsense" in out


def test_terminal_chat_without_a_server(config, capsys):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SystemExit) as exit_info:
        run_terminal_chat(config, url=f"http://127.0.0.1:{port}/wechat", openid="o1", encrypted=False)
    assert exit_info.value.code == 1
    assert "请先运行 make run" in capsys.readouterr().err


def test_terminal_chat_with_the_wrong_token(env, server_url, capsys):
    other = load_config({**env, "WECHAT_TOKEN": "someothertoken"})
    with pytest.raises(SystemExit):
        run_terminal_chat(other, url=server_url, openid="o1", encrypted=False)
    assert "WECHAT_TOKEN" in capsys.readouterr().err
