"""A member's phone in tests: sends what WeChat would send and reads what the member sees."""
from __future__ import annotations

from bot import content
from bot.simulator import build_message_xml, envelope, open_reply


def menu_click_keys() -> list[str]:
    """The key of every CLICK button in content/menu.toml: what a member's taps send."""
    return [
        button["key"]
        for top in content.menu().get("button", [])
        for button in top.get("sub_button", [top])
        if button.get("type") == "click"
    ]


class Member:
    def __init__(self, client, config, openid: str, encrypted: bool = False):
        self.client, self.config, self.openid, self.encrypted = client, config, openid, encrypted

    def send(self, msg_type: str, **fields) -> str:
        """Post one message to /wechat; returns the reply text ('' when the bot shows nothing)."""
        xml = build_message_xml(self.openid, msg_type, **fields)
        query, body = envelope(self.config, xml, self.encrypted)
        response = self.client.post("/wechat", query_string=query, data=body.encode("utf-8"))
        assert response.status_code == 200, response.get_data(as_text=True)
        reply = open_reply(self.config, response.get_data(as_text=True), self.encrypted)
        if reply["type"] == "news":
            return "\n".join(a["title"] for a in reply["articles"])
        return reply.get("content") or ""

    def says(self, text: str) -> str:
        return self.send("text", Content=text)

    def clicks(self, key: str) -> str:
        return self.send("event", Event="CLICK", EventKey=key)

    def follows(self, scene: str | None = None) -> str:
        fields = {"EventKey": f"qrscene_{scene}"} if scene else {}
        return self.send("event", Event="subscribe", **fields)
