"""Every capability of the bot, one module each.

Importing this package registers each module's intents, menu keys, events
and flow steps (see `bot/registry.py`). To add a capability, add a module
and its name here.
"""
from handlers import (  # noqa: F401
    awards,         # 评奖与人才项目: open calls, deadline reminders
    cancel,         # 取消: leave any flow (or a registration)
    events,         # 活动: the annual guide, registration, waitlist, check-in codes
    feedback,       # 意见建议: a suggestion or complaint becomes a numbered ticket
    fees,           # 会费: paid-through date, amount due, how to pay, history
    help,           # 帮助 and anything not understood
    human,          # 人工: the secretariat's contact, a ticket in the same queue
    jobs,           # 招聘: search, detail, keyword alerts
    news,           # 电子会讯: latest items, per topic, resolutions, the inbox; 订阅 / 退订 / 我的订阅
    profile,        # 会员卡: binding, the card, contact updates
    signup,         # 入会: individual and unit applications
    tickets,        # 我的诉求
    welcome,        # follow, QR follow, unfollow
)
