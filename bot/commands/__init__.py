"""The secretariat's commands, one module per area; each defines one click group.

`bot/cli.py` adds every group listed in COMMAND_GROUPS to `python -m bot`.
"""
from bot.commands import db, fees, members, remind, units

COMMAND_GROUPS = [db.db, fees.fees, remind.remind, members.members, units.units]
