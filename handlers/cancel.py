"""`cancel` at any step of any flow; nothing entered so far is kept."""
from bot.conversation import flow_title
from bot.registry import handles


@handles("cancel")
def cancel(ctx):
    if ctx.flow is None:
        return ctx.reply("cancel.nothing")
    title = flow_title(ctx.flow)
    ctx.end_flow()
    return ctx.reply("cancel.done", flow=title)
