"""`cancel` at any step of any flow; nothing entered so far is kept.

Outside a flow, "取消报名" (the router hears 取消) cancels a registration: handlers/events.py.
"""
from bot.conversation import flow_title
from bot.registry import handles
from handlers import events


@handles("cancel")
def cancel(ctx):
    if ctx.flow is None:
        return events.cancel(ctx) if events.wants_to_cancel(ctx) else ctx.reply("cancel.nothing")
    title = flow_title(ctx.flow)
    ctx.end_flow()
    return ctx.reply("cancel.done", flow=title)
