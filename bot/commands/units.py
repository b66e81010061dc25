"""`python -m bot units ...`: unit members, the staff linked to them, and their invite codes.

A unit member recruits its own staff: they give the unit's invite code when
they apply and are linked to the unit (members.unit_id). The wording and
helpers are the members commands' own, so both read alike.
"""
from __future__ import annotations

from datetime import date

import click

from handlers.fees import dues
from bot.commands.common import help_texts, json_option, open_store
from bot.commands.members import (actor_option, field_text, import_options, label, members_data, print_members,
                                  print_table, refusals, run_import, say)
from bot.privacy import mask_mobile, mask_personal
from storage import members as store

_help = help_texts("units_cli")

LIST_COLUMNS = ("unit_no", "name", "status", "standing", "contact_name", "contact_mobile",
                "members", "invite_code")
SHOW_FIELDS = ("unit_no", "name", "status", "standing", "paid_through", "credit_code",
               "institution_type", "contact_name", "contact_mobile", "invite_code", "joined_at", "remarks")
HEADERS = {"name": "unit_name"}  # a unit's name is headed 单位名称, not 姓名


def unit_view(unit: dict, today: date, members: int | None = None) -> dict:
    view = {key: unit.get(key) for key in SHOW_FIELDS}
    view.update(standing=dues.dues_standing(store.unit_category(unit), unit["paid_through"], today),
                contact_mobile=mask_mobile(unit["contact_mobile"] or "") or None,
                remarks=mask_personal(unit.get("remarks") or "") or None)
    if members is not None:
        view["members"] = members
    return view


@click.group()
def units():
    """单位会员：列表、详情（含本单位个人会员及会费状态）、邀请码。"""


@units.command("list")
@json_option
def list_():
    """全部单位会员及其关联的个人会员人数。"""
    db, today = open_store(), date.today()
    counts = store.count_members_by_unit(db)
    data = [unit_view(unit, today, counts.get(unit["id"], 0)) for unit in store.list_units(db)]

    def human(items):
        if not items:
            click.echo(say("cli_units.list_none"))
            return
        print_table(LIST_COLUMNS, items, HEADERS)
        click.echo(say("cli_units.list_total", count=len(items)))
    return data, human


@units.command("import")
@import_options
def import_(file, skip_bad_rows, dry_run, overwrite, actor):
    """导入单位会员表（.xlsx、.xls 或 .csv：单位名称、单位会员编号、联系人、联系电话、会费缴至……）。"""
    return run_import(file, skip_bad_rows, dry_run, overwrite, actor, units=True)


@units.command()
@click.argument("unit_no")
@json_option
@refusals
def show(unit_no):
    """一个单位会员的信息、邀请码，以及关联到它的个人会员和各自的会费状态。"""
    db = open_store()
    unit = store.require_unit(db, unit_no)
    data = {"unit": unit_view(unit, date.today()),
            "members": members_data(db, store.list_members(db, unit_id=unit["id"]))}

    def human(d):
        for key, value in d["unit"].items():
            click.echo(f"{label('fields', HEADERS.get(key, key))}：{field_text(key, value)}")
        click.echo(say("cli_units.invite_hint", invite_code=d["unit"]["invite_code"]))
        if d["members"]:
            click.echo(say("cli_units.members_title"))
        print_members(d["members"], "cli_units.members_none")
    return data, human


@units.command("invite-code")
@click.argument("unit_no")
@click.option("--new", "renew", is_flag=True, help=_help("invite_code.new"))
@actor_option
@json_option
@refusals
def invite_code(unit_no, renew, actor):
    """查看单位的邀请码；加 --new 更换。"""
    db = open_store()
    unit = store.require_unit(db, unit_no)
    data = {"unit_no": unit["unit_no"], "name": unit["name"], "invite_code": unit["invite_code"],
            "old": None}
    if renew:
        data.update(old=unit["invite_code"],
                    invite_code=store.replace_invite_code(db, unit_no, actor)["invite_code"])
    return data, lambda d: click.echo(
        say("cli_units.invite_code_new" if d["old"] else "cli_units.invite_code", **d))
