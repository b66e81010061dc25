"""What the bot can do: the answer to `help`, and to anything it did not understand."""
from bot.registry import handles


@handles("help", menu="MENU_HELP")
def show_help(ctx):
    return ctx.reply("help.text")


@handles("unknown")
def not_understood(ctx):
    return ctx.reply("unknown.text")
