"""The secretariat's commands, one module per area; each defines one click group.

`bot/cli.py` adds every group listed in COMMAND_GROUPS to `python -m bot`.
"""
from bot.commands import (admin, awards, db, events, fees, golive, jobs, members, news, notices, pay, province,
                          remind, schedule, shards, societies, tickets, units)

COMMAND_GROUPS = [
    members.members,  # applications, the roster, import/export, fellows
    units.units,      # unit members and their invite codes
    fees.fees,        # payments, statements, the collection report
    pay.pay,          # WeChat Pay orders from the member pages (cron)
    remind.remind,    # dues reminders (by hand; the workers run them on schedule)
    news.news,        # newsletter items and their delivery
    notices.notices,  # service notices that did not reach the member, and their retry
    events.events,    # the activity guide, registrants, reminders
    awards.awards,    # award calls and reminders
    jobs.jobs,        # the job board and alerts
    tickets.tickets,  # members' demands
    province.province,  # the provincial association: filings, the annual guide, evaluation, notices
    societies.societies,  # the platform's societies: register, authorisation link, revoke
    shards.shards,    # past one machine: the reverse proxy's map of societies to hosts
    admin.admin,      # web console users
    db.db,            # schema migrations and backups
    schedule.schedule,  # the periodic jobs the workers run: their runs, and one run now
    golive.doctor,    # is this deployment set up right
    golive.menu,      # the account's menu from content/menu.toml
    golive.templates,  # the account's notice templates
]
