"""/wechat/<appid> on the webhook's WSGI fast path (bot.webhook.WebhookFastPath, the platform's hook
bot.platform.routes.fast_account): every society's messages are answered without Flask's request
machinery, with the same refusals in the same order (unknown AppID 404, revoked 410, not authorised
403) before the body is read; what the fast path does not take still goes to Flask."""
from __future__ import annotations

import io

import pytest
from werkzeug.test import EnvironBuilder

from bot.platform.accounts import message_config
from bot.simulator import build_message_xml, envelope, open_reply
from storage import societies
from tests.test_platform import AGRI, CHEM, config, registry, say, two_societies  # noqa: F401

pytest_plugins = ["tests.fake_wechat"]


@pytest.fixture
def flask_calls(app):
    """How many requests reached the Flask app behind the fast path."""
    fast = app.wsgi_app
    calls = []
    flask_wsgi = fast.flask_wsgi

    def counted(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return flask_wsgi(environ, start_response)

    fast.flask_wsgi = counted
    yield calls
    fast.flask_wsgi = flask_wsgi


class Unreadable:
    """A request body that must not be read."""

    def read(self, *_args):
        raise AssertionError("the body was read")

    readline = readlines = read


def call(app, appid: str, config, unreadable: bool = False) -> tuple[str, bytes]:
    query, body = envelope(message_config(config), build_message_xml("o_member", "text", Content="你好"), True)
    environ = EnvironBuilder(path=f"/wechat/{appid}", method="POST", query_string=query, data=body,
                             content_type="text/xml").get_environ()
    if unreadable:
        environ["wsgi.input"] = Unreadable()
    status = []
    payload = b"".join(app.wsgi_app(environ, lambda s, headers: status.append(s)))
    return status[0], payload


def test_every_societys_messages_are_answered_on_the_fast_path(app, client, config, two_societies, flask_calls):
    chem = say(client, config, CHEM, "o_member", "帮助")
    agri = say(client, config, AGRI, "o_member", "帮助")
    assert "河南省化学会" in chem and "河南省农学会" in agri
    assert flask_calls == []  # neither reached Flask
    client.get(f"/wechat/{CHEM}", query_string={"echostr": "x"})  # the URL check (GET) is Flask's
    assert flask_calls == [f"/wechat/{CHEM}"]


def test_a_chunked_message_goes_to_flask_and_is_answered_the_same(app, client, config, two_societies,
                                                                  flask_calls):
    platform = message_config(config)
    query, body = envelope(platform, build_message_xml("o_member", "text", Content="帮助"), True)
    response = client.post(f"/wechat/{CHEM}", query_string=query, input_stream=io.BytesIO(body.encode()),
                           headers={"Content-Type": "text/xml", "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""})
    assert response.status_code == 200
    assert "河南省化学会" in open_reply(platform, response.data.decode(), True)["content"]
    assert flask_calls == [f"/wechat/{CHEM}"]


def test_accounts_not_served_are_refused_before_the_body_is_read(app, config, two_societies, flask_calls,
                                                                  redis_client):
    societies.register_society(two_societies, "wx0000111122223333", "未授权的学会")
    societies.revoke_authorization(two_societies, AGRI)
    before = set(redis_client.keys("*"))
    assert call(app, "wx9999888877776666", config, unreadable=True)[0] == "404 Not Found"  # unknown
    assert call(app, "not-an-appid", config, unreadable=True)[0] == "404 Not Found"
    assert call(app, AGRI, config, unreadable=True)[0] == "410 Gone"  # revoked
    assert call(app, "wx0000111122223333", config, unreadable=True)[0] == "403 Forbidden"  # pending
    assert flask_calls == []
    assert set(redis_client.keys("*")) == before  # nothing claimed or stored
    status, payload = call(app, CHEM, config)  # the served one still answers
    assert status == "200 OK" and b"<Encrypt>" in payload
