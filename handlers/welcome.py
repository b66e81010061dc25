"""Follows (also from a QR-code poster) get a welcome with the menu; unfollows are remembered.

An unfollow marks the member unreachable so nothing is sent to them (WeChat
would refuse it); following again restores them. Nothing is deleted.
"""
from bot.messages import Reply
from bot.registry import handles
from storage.members import set_reachable_by_openid


@handles(events=("subscribe", "subscribe_scan"))
def welcome(ctx):
    set_reachable_by_openid(ctx.db, ctx.openid, True)
    return ctx.reply("welcome.follow")


@handles(events=("scan",))
def welcome_back(ctx):
    return ctx.reply("welcome.scan")


@handles(events=("unsubscribe",))
def farewell(ctx):
    set_reachable_by_openid(ctx.db, ctx.openid, False)
    return Reply.nothing()


@handles(events=("view", "location", "templatesendjobfinish", "masssendjobfinish"))
def acknowledge(ctx):
    """Reports and menu links need no answer; WeChat only wants `success`."""
    return Reply.nothing()
