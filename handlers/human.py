"""`human`: the secretariat's contact, and the member put on its follow-up queue."""
from bot.registry import handles
from storage.database import record_human_request


@handles("human", menu="MENU_HUMAN")
def ask_for_a_person(ctx):
    record_human_request(ctx.db, ctx.openid, ctx.text)
    return ctx.reply("human.text")
