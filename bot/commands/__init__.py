"""The secretariat's commands, one module per area; each defines one click group.

`bot/cli.py` adds every group listed in COMMAND_GROUPS to `python -m bot`.
"""
from bot.commands import db

COMMAND_GROUPS = [db.db]
