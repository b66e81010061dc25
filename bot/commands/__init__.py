"""The secretariat's commands, one module per area; each defines one click group.

`bot/cli.py` adds every group listed in COMMAND_GROUPS to `python -m bot`.
"""
from bot.commands import db, fees, members, news, remind, units
from bot.commands import awards, events, tickets
from bot.commands import jobs
from bot.commands import admin

COMMAND_GROUPS = [db.db, fees.fees, remind.remind, members.members, units.units, news.news,
                  awards.awards, events.events, tickets.tickets, jobs.jobs, admin.admin]
