"""评奖与人才项目: open calls for awards, competitions and youth-talent programmes.

chat.py   the calls still open, one call in detail (registered by handlers/__init__.py)
calls.py  the calls' sheet, how a deadline reads, and which deadline reminders are due
"""
