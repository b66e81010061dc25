"""Follows (also from a QR-code poster) get a welcome with the menu; rescans a short hello."""
from bot.messages import Reply
from bot.registry import handles


@handles(events=("subscribe", "subscribe_scan"))
def welcome(ctx):
    return ctx.reply("welcome.follow")


@handles(events=("scan",))
def welcome_back(ctx):
    return ctx.reply("welcome.scan")


@handles(events=("unsubscribe", "view", "location", "templatesendjobfinish", "masssendjobfinish"))
def acknowledge(ctx):
    """Reports and menu links need no answer; WeChat only wants `success`."""
    return Reply.nothing()
