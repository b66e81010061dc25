"""`python -m bot admin ...`: the web console's accounts, for the first admin and for emergencies.

Everything else about users is done in the console by an admin; this is
how the first admin comes to exist, and how a locked-out society gets back in.
"""
from __future__ import annotations

import click

from bot.admin import accounts
from bot.commands.common import help_texts, load_settings, new_password, open_store
from bot.commands.members import NotDone, actor_option
from bot.content import text
from handlers.members.membership import explain
from storage.admin import ROLES
from storage.members import Refused

_help = help_texts("admin_cli")


@click.group()
def admin():
    """网页后台（/admin）的账号。"""


@admin.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES),
              help=_help("create_user.role"))
@click.option("--unit", "unit_no", help=_help("create_user.unit"))
@click.option("--password-stdin", is_flag=True, help=_help("create_user.password_stdin"))
@actor_option
def create_user(username, role, unit_no, password_stdin, actor):
    """新建网页后台账号（密码默认在提示时输入两遍，不显示）。"""
    if role is None:
        raise NotDone(text("admin.cli.role_missing"))
    password = new_password(password_stdin)
    try:
        user = accounts.create_user(open_store(), load_settings(), username, password, role, unit_no, actor)
    except accounts.AccountError as error:
        raise NotDone(text(f"admin.accounts.{error.reason}", **error.facts)) from None
    except Refused as refused:
        raise NotDone(explain(refused)) from None
    click.echo(text("admin.cli.created", username=user["username"], role=text(f"admin.roles.{role}")))
