"""The peer for bench/bench_webhook.py: the bot a society would otherwise write with WeRoBot.

WeRoBot 1.13.1 (bench/requirements.txt; not a runtime dependency) served by its Flask view
(werobot.contrib.flask.make_view), with its Redis session storage switched on
(werobot.session.redisstorage.RedisStorage) and a few keyword handlers. WeRoBot reads the
sender's session before the handlers and writes it back after each handler it calls, so the
handlers are one per message type (text, menu click, follow) that look the keyword up in a
table themselves: exactly one session read and one write per message, the cheapest way to
write it with WeRoBot (one `@robot.filter` per keyword would write the session once per
filter tried). No retry dedupe, no member store, no flows, no routing beyond keywords.

Run: WECHAT_TOKEN=... REDIS_URL=... gunicorn -w 2 -b 127.0.0.1:8003 bench.werobot_peer:app
"""
from __future__ import annotations

import os

import redis
from flask import Flask
from werobot import WeRoBot
from werobot.contrib.flask import make_view
from werobot.session.redisstorage import RedisStorage

# Keywords a member types, first match wins (a society's hand-written rules).
KEYWORDS = (
    (("报名", "入会", "加入", "申请"), "入会申请请回复：姓名 单位 手机号，我们会在三个工作日内审核。"),
    (("会费", "缴费", "交费", "交钱"), "会费标准：普通会员每年200元，学生会员每年50元。"),
    (("招聘", "工作", "实习", "岗位", "职位"), "最新招聘信息请查看菜单「招聘信息」。"),
    (("活动", "讲座", "会议", "比赛"), "近期活动请查看菜单「学会活动」。"),
    (("人工", "客服", "秘书"), "已为您转接秘书处，工作日9:00-17:00回复。"),
    (("取消", "退订", "不要"), "已取消。"),
    (("订阅", "推送"), "回复 订阅 学术 / 科普 / 招聘 选择推送内容。"),
    (("会员", "信息", "证书"), "会员信息请点击菜单「我的会员」。"),
    (("建议", "意见", "反馈", "投诉"), "感谢您的意见，请直接回复具体内容。"),
)
HELP = "您好，这里是学会服务号。回复 报名 / 会费 / 招聘 / 活动 / 人工，或点击下方菜单。"
CLICKS = {
    "MENU_SIGNUP": KEYWORDS[0][1], "MENU_PROFILE": KEYWORDS[7][1], "MENU_FEES": KEYWORDS[1][1],
    "MENU_NEWS": "最新学会动态请查看历史消息。", "MENU_SUBSCRIPTIONS": KEYWORDS[6][1],
    "MENU_EVENTS": KEYWORDS[3][1], "MENU_JOBS": KEYWORDS[2][1], "MENU_AWARDS": "奖项申报通知请查看历史消息。",
    "MENU_FEEDBACK": KEYWORDS[8][1], "MENU_HUMAN": KEYWORDS[4][1], "MENU_HELP": HELP,
}

robot = WeRoBot(token=os.environ["WECHAT_TOKEN"], enable_session=True,
                session_storage=RedisStorage(redis.Redis.from_url(os.environ["REDIS_URL"]), prefix="peer:"))


@robot.text
def keywords(message, session):
    session["messages"] = session.get("messages", 0) + 1
    for words, answer in KEYWORDS:
        if any(word in message.content for word in words):
            session["last"] = words[0]
            return answer
    return HELP


@robot.click
def menu(message, session):
    session["messages"] = session.get("messages", 0) + 1
    session["last"] = message.key
    return CLICKS.get(message.key, HELP)


@robot.subscribe
def follow(message, session):
    session["followed"] = True
    return "欢迎关注学会服务号！" + HELP


app = Flask(__name__)
app.add_url_rule(rule="/wechat", endpoint="werobot", view_func=make_view(robot), methods=["GET", "POST"])
