"""`python -m bot admin ...`: the web console's accounts, for the first admin and for emergencies.

Everything else about users is done in the console by an admin; this is
how the first admin comes to exist, and how a locked-out society gets back in.
"""
from __future__ import annotations

import sys

import click

from bot.admin import accounts
from bot.commands.common import load_settings, open_store
from bot.commands.members import NotDone, actor_option
from bot.content import text
from handlers.members.membership import explain
from storage.admin import ROLES
from storage.members import Refused


@click.group()
def admin():
    """网页后台（/admin）的账号。"""


@admin.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES),
              help="admin：全部功能；staff：除账号管理外的全部功能；unit：单位联系人，只看本单位会员。")
@click.option("--unit", "unit_no", help="单位会员编号（--role unit 时必填）。")
@click.option("--password-stdin", is_flag=True, help="从标准输入读一行作为密码（供脚本使用）。")
@actor_option
def create_user(username, role, unit_no, password_stdin, actor):
    """新建网页后台账号（密码默认在提示时输入两遍，不显示）。"""
    if role is None:
        raise NotDone(text("admin.cli.role_missing"))
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(text("admin.cli.password"), hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(open_store(), load_settings(), username, password, role, unit_no, actor)
    except accounts.AccountError as error:
        raise NotDone(text(f"admin.accounts.{error.reason}", **error.facts)) from None
    except Refused as refused:
        raise NotDone(explain(refused)) from None
    click.echo(text("admin.cli.created", username=user["username"], role=text(f"admin.roles.{role}")))
