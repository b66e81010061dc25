"""Every capability of the bot, one package each (a one-file capability is one module).

`register()` imports each capability's chat side, whose `@handles` and `@step`
fill the tables of bot/registry.py; the app calls it once at start. Nothing is
imported on `import handlers` itself, so a capability's rules (handlers/fees/dues.py)
can be imported by the CLI, the console, storage callers or another capability
without pulling in every chat module (and the import cycles that would bring).
To add a capability, add its package and its line here; a capability with a
periodic job adds the module declaring it to `register_periodic_jobs()` too, one whose notices
can go stale (bot.delivery.goes_stale) to `register_notice_kinds()`.
"""


def register() -> None:
    """Register every capability's intents, menu keys, events and flow steps (idempotent)."""
    import handlers.awards.chat            # noqa: F401  评奖与人才项目: open calls, deadline reminders
    import handlers.cancel                 # noqa: F401  取消: leave any flow (or a registration)
    import handlers.events.chat            # noqa: F401  活动: the annual guide, registration, waitlist, check-in codes
    import handlers.fees.chat              # noqa: F401  会费: paid-through date, amount due, how to pay, history
    import handlers.help                   # noqa: F401  帮助 and anything not understood
    import handlers.human.chat             # noqa: F401  人工: the secretariat's contact, a ticket in the same queue
    import handlers.jobs.chat              # noqa: F401  招聘: search, detail, keyword alerts
    import handlers.members.profile        # noqa: F401  会员卡: binding, the card, contact updates
    import handlers.members.signup         # noqa: F401  入会: individual and unit applications
    import handlers.members.welcome        # noqa: F401  follow, QR follow, unfollow
    import handlers.news.chat              # noqa: F401  电子会讯: latest items, per topic, resolutions, the inbox
    import handlers.news.subscriptions     # noqa: F401  订阅 / 退订 / 我的订阅
    import handlers.tickets.chat           # noqa: F401  我的诉求
    import handlers.tickets.feedback       # noqa: F401  意见建议: a suggestion or complaint becomes a numbered ticket
    register_notice_kinds()


def register_notice_kinds() -> None:
    """Declare how each notice that can go stale reads when it goes out late (bot.delivery.goes_stale):
    whatever sends a kept or failed notice (the app, `notices retry`, the reminders) calls it first."""
    import handlers.fees.reminder_notices  # noqa: F401  dues: a reminder not sent to one who paid since


def register_periodic_jobs() -> None:
    """Declare every periodic job (`@periodic`, bot/periodic.py); content/schedule.toml says when each runs."""
    import bot.backups                     # noqa: F401  nightly_backup
    import handlers.awards.calls           # noqa: F401  award_deadlines
    import handlers.events.guide           # noqa: F401  event_reminders
    import handlers.fees.reminders         # noqa: F401  dues_reminders (which imports its notices' kind)
    import handlers.jobs.alerts            # noqa: F401  job_alerts, expire_postings
    import handlers.news.items             # noqa: F401  news_pictures
    import handlers.province.sending       # noqa: F401  province_previews
