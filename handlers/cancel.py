"""`cancel` at any step of any flow; nothing entered so far is kept.

Outside a flow, "取消报名" (the router hears 取消) cancels a registration: handlers/events/chat.py.
"""
from bot import content, offers
from bot.conversation import flow_title, is_one_of
from bot.registry import FLOW_STEPS, handles
from handlers.members import signup
from handlers.events import chat as events
from handlers.human import chat as human
from handlers.news import subscriptions
from storage import state


@handles("cancel", reads_only=True)
def cancel(ctx):
    if (ctx.flow is None or FLOW_STEPS[(ctx.flow["name"], ctx.flow["step"])].lapses) and not events.wants_to_cancel(ctx):
        # "算了" after "有新的通知我"; not "取消年会的报名", which names what it cancels
        if (undone := subscriptions.undo_just_subscribed(ctx)) is not None:
            return undone
    if ctx.flow is None:
        if (changed := events.put_forward_changed(ctx)) is not None:  # "刘洋不去了 把他去掉": off a request sent
            return changed
        if events.asks_to_sign_up_again(ctx):  # "取消了还能再报吗": a question, nothing to cancel
            return ctx.reply("events.signup.again")
        if events.cancelling_counts_asked(ctx):  # "取消了对以后报名有影响吗": nor is this
            return ctx.reply("events.signup.no_effect")
        if is_one_of(ctx.text, "stop_browsing_words"):  # "先不看了" with nothing open: fine
            return ctx.reply("paging.stopped")
        if events.wants_to_cancel(ctx):
            return events.cancel(ctx)
        return ctx.reply("human.withdrawn") if human.withdraw_tapped(ctx) else ctx.reply("cancel.nothing")
    if FLOW_STEPS[(ctx.flow["name"], ctx.flow["step"])].lapses:  # "就这样吧" under a list, "不用了" to an offer
        declined = ctx.flow["name"] == offers.FLOW
        ctx.end_flow()
        return ctx.reply("smalltalk.ok" if declined else "paging.stopped")
    title = flow_title(ctx.flow)
    kept = signup.keep_for_later(ctx)
    if not kept:  # "单位同意了，继续报" a while later: the form as it was (bot/conversation.py)
        state.keep_cancelled(ctx.redis, ctx.openid, {key: value for key, value in ctx.flow.items()
                                                     if key not in ("waiting", "held_answer")},
                             content.load_toml("conversation.toml")["cancelled_keep_seconds"])
    ctx.end_flow()
    return ctx.reply("cancel.kept" if kept else "cancel.done", flow=title)
