"""Follows (plain, from a QR-code poster or a product page) get a welcome with the menu; a
follower's scan gets a hello; unfollows are remembered.

An unfollow marks the member unreachable so nothing is sent to them (WeChat
would refuse it); following again, however it comes, restores them, and so
does a scan (only followers can scan into the account). Nothing is deleted.
The event names are bot.wechat's FOLLOW_EVENTS and SCAN_EVENTS: every one
wechatpy produces for a follow or a scan.
"""
from bot.messages import Reply
from bot.registry import handles
from bot.wechat import FOLLOW_EVENTS, SCAN_EVENTS
from storage.members import find_member_by_openid, set_reachable_by_openid


@handles(events=FOLLOW_EVENTS, reads_only=True)
def welcome(ctx):
    set_reachable_by_openid(ctx.db, ctx.openid, True)
    member = find_member_by_openid(ctx.db, ctx.openid)
    if member is not None:  # a bound member following again: greeted by name, told nothing was lost
        return ctx.reply("welcome.follow_member", name=member["name"])
    return ctx.reply("welcome.follow")


@handles(events=SCAN_EVENTS, reads_only=True)
def welcome_back(ctx):
    set_reachable_by_openid(ctx.db, ctx.openid, True)
    return ctx.reply("welcome.scan")


@handles(events=("unsubscribe",))
def farewell(ctx):
    set_reachable_by_openid(ctx.db, ctx.openid, False)
    return Reply.nothing()


@handles(events=("view", "location", "templatesendjobfinish", "masssendjobfinish"), reads_only=True)
def acknowledge(ctx):
    """Reports and menu links need no answer; WeChat only wants `success`."""
    return Reply.nothing()
