"""The chat simulator page in headless Chromium, against the real app on a real port."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bot import content
from bot.messages import Article, Reply
from bot.registry import MENU_HANDLERS

REPLY_TIMEOUT_MS = 10_000


@pytest.fixture
def page(new_tab, live_url):
    tab = new_tab()
    tab.goto(live_url + "/")
    expect(tab.locator("#account-name")).to_have_text(content.society()["name"])
    return tab


def bot_bubbles(page):
    return page.locator(".msg.bot .bubble")


def wait_for_bot_reply(page, count_before: int) -> str:
    """The text of the next bot bubble, once it appears."""
    bubbles = bot_bubbles(page)
    expect(bubbles).to_have_count(count_before + 1, timeout=REPLY_TIMEOUT_MS)
    return bubbles.nth(count_before).inner_text()


def type_message(page, text: str) -> None:
    if page.locator("#text").is_hidden():
        page.click("#to-keyboard")
    page.fill("#text", text)
    page.press("#text", "Enter")


def click_menu(page, top: str, item: str) -> None:
    page.locator(".menu-top", has_text=top).click()
    submenu_item = page.locator(".submenu button", has_text=item)
    expect(submenu_item).to_be_visible()
    submenu_item.click()
    expect(submenu_item).to_be_hidden()


def help_menu_item() -> tuple[str, str]:
    for top in content.menu()["button"]:
        for sub in top.get("sub_button", []):
            if sub.get("key") == "MENU_HELP":
                return top["name"], sub["name"]
    raise AssertionError("content/menu.toml has no MENU_HELP item")


def test_typed_message_gets_a_reply_bubble(page):
    type_message(page, "帮助")
    expect(page.locator(".msg.me .bubble").last).to_have_text("帮助")
    reply = wait_for_bot_reply(page, 0)
    assert reply.strip() and reply != content.text("error.text")
    assert page.locator(".note").count() == 0  # no failure notes


def test_menu_click_gets_a_reply(page):
    top, item = help_menu_item()
    click_menu(page, top, item)
    reply = wait_for_bot_reply(page, 0)
    assert reply == content.text("help.text")  # newlines kept


def test_article_reply_is_a_card(page, monkeypatch):
    article = Article(title="2025 年学术年会通知", description="会议时间与地点", url="https://www.example.org/news/1")
    top, item = help_menu_item()
    monkeypatch.setitem(MENU_HANDLERS, "MENU_HELP", lambda ctx: Reply(articles=(article,)))
    click_menu(page, top, item)
    card = page.locator(".msg.bot .card")
    expect(card).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(card.locator(".card-title")).to_have_text(article.title)
    expect(card.locator(".card-desc")).to_have_text(article.description)
    assert card.get_attribute("href") == article.url


def test_safe_mode_still_gets_replies(page):
    page.locator(".switch").click()
    expect(page.locator("#safe-mode")).to_be_checked()
    type_message(page, "帮助")
    wait_for_bot_reply(page, 0)
    top, item = help_menu_item()
    page.click("#to-menu")
    click_menu(page, top, item)
    assert wait_for_bot_reply(page, 1) == content.text("help.text")
    # The webhook really was called in safe mode, and the choice is remembered.
    expect(page.locator("#last-exchange")).to_contain_text("encrypt_type=aes")
    page.reload()
    expect(page.locator("#safe-mode")).to_be_checked()


def test_follow_shows_the_welcome(page, screenshot):
    openid = page.input_value("#openid")
    assert openid.startswith("o_sim_")
    page.click("#follow")
    assert wait_for_bot_reply(page, 0) == content.text("welcome.follow")
    type_message(page, "你好")
    wait_for_bot_reply(page, 1)
    page.click("#to-menu")
    page.locator(".menu-top").last.click()  # leave a sub-menu open in the picture
    screenshot(page, "simulator")
    page.reload()
    assert page.input_value("#openid") == openid  # the member identity is remembered
