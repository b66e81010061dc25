"""`human`: the secretariat's contact, and the member put on its queue (a ticket of category 人工)."""
from bot import content
from bot.registry import handles
from storage.tickets import open_human_ticket


@handles("human", menu="MENU_HUMAN")
def ask_for_a_person(ctx):
    open_human_ticket(ctx.db, ctx.openid, ctx.text or content.text("tickets.human_by_menu"))
    return ctx.reply("human.text")
