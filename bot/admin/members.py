"""Members: search and filter, one member with their history, edits, status changes, export.

A unit contact sees the members linked to their unit and nothing else: the
list and the export are narrowed to it, and another member's page is 403.
Edits are checked cell by cell with the roster import's own cleaners
(handlers/members/roster.CLEANERS), so the console accepts exactly what an import would;
category, status and fellow changes go through the store's rule-keeping
functions, as the CLI's do.
"""
from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, abort, redirect, request, url_for
from markupsafe import Markup

from bot import clock, content
from handlers.fees import dues
from handlers.members import roster
from handlers.members import membership
from bot.admin import roster_import
from bot.admin.accounts import ADMIN, EVERYONE
from bot.admin.ui import (
    SECRET_FIELDS, actor, actor_text, allow, attempt, by_ending, current_page, db, or_404, past_the_end, render,
    say_done, say_not_done, searched, sees_mobiles, send_table, t, texts, unit_options, unit_scope, user,
)
from bot.privacy import mask_id_number, mask_mobile, mask_personal, unmasked
from bot.validation import Invalid
from storage import admin as admin_store
from handlers.fees.payments import years_passed_over
from storage.fees import find_payer, invoices_for, list_dues_payers, payments_of
from storage.tickets import list_tickets_of_member
from handlers.members import records
from handlers.members.rules import membership_rules
from storage import members as store
from storage.sqlite import transaction

bp = Blueprint("members", __name__, url_prefix="/members")
bp.register_blueprint(roster_import.bp)

LIST_COLUMNS = ("member_no", "name", "category", "status", "standing", "work_unit", "council_role", "mobile")
EDIT_FIELDS = ("name", "gender", "category", "birth_year", "title", "work_unit", "institution_type", "post_category",
               "discipline", "mobile", "email", "council_role", "joined_at", "unit_no", "remarks")
NEW_FIELDS = ("member_no", *EDIT_FIELDS)  # a member added by hand may bring the number on their old card
REQUIRED = ("name", "category", "mobile")
UNIT_NEW_FIELDS = ("name", "unit_no", "level", "credit_code", "institution_type", "contact_name", "contact_mobile",
                   "joined_at", "remarks")
UNIT_REQUIRED = ("name",)
UNIT_EDIT_FIELDS = ("name", "level", "credit_code", "institution_type", "contact_name", "contact_mobile", "joined_at",
                    "status", "dues_exempt", "remarks")
UNIT_STATUSES = ("active", "suspended", "resigned")  # 会籍 of a unit: no 已故
STATUS_CHOICES = ("active", "suspended", "resigned", "deceased")
EXPORT_FORMATS = ("xlsx", "csv")


# --- choosing members ---------------------------------------------------------------

def _filters() -> dict:
    """The list's filters from the query string; a unit contact's unit overrides ?unit=."""
    args = request.args
    category = args.get("category") or None
    status = args.get("status") or None
    unit = store.find_unit_by_no(db(), args.get("unit", "").strip().upper()) if args.get("unit") else None
    text = searched(args.get("q", ""))
    return {
        "text": membership.search_text(text) if text else None, "by_ending": by_ending(),
        "refused": text is None or category == "unit",  # the unit members: their own list (_unit_list), no people
        "names": membership.names_in_pinyin(db(), text or ""),
        "category": category if category in store.INDIVIDUAL_CATEGORIES else None,
        "status": status if status in STATUS_CHOICES else None,
        "unit_id": unit_scope() or (unit["id"] if unit else None),
        "wechat": args.get("wechat") if args.get("wechat") in admin_store.WECHAT_FILTERS else None,
        "ids": _owing_ids() if args.get("dues") == "owing" else None,
        "order": args.get("sort", "id") if args.get("sort", "").lstrip("-") in admin_store.MEMBER_ORDERS else "id",
    }


def _sort_headers() -> list:
    """The list's headers, a sortable one a link that sorts by it (again: the other way), the filters kept."""
    sort = request.args.get("sort", "")
    headers = []
    for column in LIST_COLUMNS:
        text = membership.label("fields", column)
        if column in admin_store.MEMBER_ORDERS:
            args = dict(request.args.items(), sort=f"-{column}" if sort == column else column)
            args.pop("page", None)
            mark = "↑" if sort == column else "↓" if sort == f"-{column}" else ""
            text = Markup('<a href="{}" data-sort="{}">{}{}</a>').format(url_for(".index", **args), column, text, mark)
        headers.append(text)
    return headers


def _owing_ids(kind: str = "member") -> list[int]:
    """The members (or units) on the 会费 page's arrears list (never paid, in grace or lapsed: dues.owes)."""
    return [p["id"] for p in dues.owing(list_dues_payers(db()), date.today()) if p["kind"] == kind]


def _members(filters: dict, **page) -> tuple[list[dict], int]:
    """The members the filters choose (none for a search refused), and how many."""
    filters = dict(filters)
    return ([], 0) if filters.pop("refused") else admin_store.member_page(db(), **filters, **page)


def _member_or_refuse(member_no: str) -> dict:
    member = or_404(store.find_member_by_no(db(), member_no.strip().upper()))
    if unit_scope() is not None and member["unit_id"] != unit_scope():
        abort(403)
    return member


@bp.get("/")
@allow(*EVERYONE)
def index():
    filters = _filters()
    pager = current_page()
    rows, pager.total = _members(filters, offset=pager.offset, limit=pager.per_page)
    if last := past_the_end(pager):
        return last
    scope = store.find_unit(db(), unit_scope()) if unit_scope() else None
    unit_dues = _unit_dues(scope) if scope else None
    options = {
        "category": [(c, membership.category_name(c)) for c in store.INDIVIDUAL_CATEGORIES],
        "status": [(s, membership.label("statuses", s)) for s in STATUS_CHOICES],
        "unit": unit_options(),
        "wechat": [(code, t(f"members.wechat_filter.{code}")) for code in admin_store.WECHAT_FILTERS],
        "dues": [("owing", t("members.dues_owing"))],
    }
    unit_list = _unit_list(filters) if not scope and request.args.get("category") == "unit" else None
    units = store.search_units(db(), filters["text"], by_ending=filters["by_ending"]) \
        if filters["text"] and not scope and unit_list is None else []
    if not scope:
        options["category"].append(("unit", membership.category_name("unit")))
    return render("members.html", members=membership.members_data(db(), rows), columns=LIST_COLUMNS,
                  headers=_sort_headers(), pager=pager, unit_list=unit_list,
                  args=request.args, scope=scope, options=options, unit_dues=unit_dues, units=units)


def _unit_list(filters: dict) -> list[dict]:
    """类别 单位会员 on the list: the unit members the search, 状态 and 会费 chosen keep, each with its level,
    contact, dues standing and how many individual members it has (the rows of the member list are people)."""
    if request.args.get("q", "").strip() and not filters["text"]:  # a search refused (searched): nothing listed
        return []
    units = store.search_units(db(), filters["text"], limit=None, by_ending=filters["by_ending"]) \
        if filters["text"] else store.list_units(db())
    owing = set(_owing_ids("unit")) if filters["ids"] is not None else None
    counted = store.count_members_by_unit(db())
    return [{"unit_no": unit["unit_no"], "name": unit["name"], "level": unit.get("level") or "",
             "contact_name": unit.get("contact_name") or "", "members": counted.get(unit["id"], 0),
             "status": membership.label("statuses", unit["status"] or "active"),
             "standing": membership.label("standings", dues.dues_standing(store.unit_category(unit),
                                                                          unit["paid_through"], date.today()))}
            for unit in units if filters["status"] in (None, unit["status"] or "active")
            and (owing is None or unit["id"] in owing)]


UNIT_PAYMENTS_SHOWN = 5


def _payments_view(payments: list[dict]) -> list[dict]:
    """A member's or unit's payments as the console shows them, each with the invoice issued for it (开票)."""
    invoiced = invoices_for(db(), [p["receipt_no"] for p in payments])
    return [dict(_payment_view(p), invoice=invoiced.get(p["receipt_no"])) for p in payments]


def _payment_view(p: dict) -> dict:
    """One payment as the console shows it: when, how much, for which years, by what way, from where
    (手工登记, the statement file, WeChat Pay), who recorded it, and its refund if any."""
    source = p["source"] or "manual"
    return {"paid_at": p["paid_at"][:10], "amount": dues.format_amount(p["amount"]),
            "years": dues.years_text(p["years"]), "receipt_no": p["receipt_no"],
            "period": dues.period_text(p["period_from"], p["period_to"]) if p["period_from"] else "",
            "method": p["method"] or "", "note": _as_seen(p["note"] or ""),
            "source": t("members.payments.from_file", file=source.split(":", 1)[1]) if ":" in source
            else texts("members.payments.sources").get(source, source),
            "recorded_by": p["recorded_by"] or "", "refunded_at": p["refunded_at"],
            "refunded_by": p["refunded_by"] or "", "refund_reason": _as_seen(p["refund_reason"] or ""),
            "refundable": not p["refunded_at"] and source != "wechatpay"}


def _as_seen(text: str) -> str:
    """A payment's note or refund reason (a transfer's remark may give a mobile): masked for a read-only user."""
    return text if sees_mobiles() else mask_personal(text)


def _unit_dues(unit: dict) -> dict:
    """What a unit contact needs to know of their unit's own dues: paid to when, and the last payments
    with their receipt numbers (the bursar asks for them)."""
    payer = find_payer(db(), unit["unit_no"])
    payments = [_payment_view(p) for p in payments_of(db(), payer, limit=UNIT_PAYMENTS_SHOWN)
                if not p.get("refunded_at")]
    standing = dues.dues_standing(payer["category"], payer["paid_through"], date.today())
    sentence = (t("members.unit_dues.never") if not payer["paid_through"] else
                t("members.unit_dues.standing", standing=membership.label("standings", standing),
                  paid_through=dues.date_text(payer["paid_through"])))
    return {"sentence": sentence, "payments": payments}


def sees_id_numbers() -> bool:
    """The whole ID card number (a 身份证号 column kept in the remarks) is for the society's admin alone:
    certificates and award forms need it; staff and unit contacts see 4101**********3456."""
    return user()["role"] == ADMIN


@bp.get("/export")
@allow(*EVERYONE)
def export():
    """The filtered members in the roster's own columns (imports back unchanged), full mobiles for the
    secretariat; a unit contact's and a read-only user's export has them masked, as every page shows them,
    and a unit contact's no remarks (the secretariat's internal notes). ID card numbers in the remarks are
    whole for the admin only."""
    fmt = request.args.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        abort(400)
    rows, _ = _members(_filters(), limit=None)
    if not sees_mobiles():
        rows = [dict(row, mobile=mask_mobile(row["mobile"] or "") or None,
                     remarks=None if unit_scope() is not None else mask_personal(row.get("remarks") or "") or None)
                for row in rows]
    elif not sees_id_numbers():
        rows = [dict(row, remarks=membership.without_id_numbers(row.get("remarks"))) for row in rows]
    headers, table = roster.export_table(db(), rows)
    store.record_history(db(), "roster", None, "exported", actor(),
                         detail={"count": [None, len(rows)]})
    return send_table(t("members.export_name", day=date.today().isoformat(), format=fmt), headers, table)


@bp.get("/<member_no>")
@allow(*EVERYONE)
def show(member_no: str):
    unit = unit_scope() is None and store.find_unit_by_no(db(), member_no.strip().upper())
    if unit:  # a unit member's number: its page, for the secretariat (a unit contact sees its own on the list)
        return _unit_page(unit)
    member = _member_or_refuse(member_no)
    full = sees_mobiles()  # a unit contact or a read-only user has no need of a member's full mobile: masked
    view = membership.member_view(member, date.today(), store.unit_numbers(db()), full=full)
    if unit_scope() is not None:  # the secretariat's own remarks, change log and payments: not for a unit contact
        view.pop("remarks", None)
        history = payments = tickets = None
    else:
        history = [membership.history_view(row, full=full, db=db())
                   for row in store.history_of(db(), "member", member["id"])]
        payments = _payments_view(payments_of(db(), find_payer(db(), member["member_no"])))
        tickets = [dict(ticket, body=_as_seen(ticket["body"] or "")) for ticket in
                   list_tickets_of_member(db(), member["openid"], limit=TICKETS_SHOWN)] if member["openid"] else []
    view = _with_years_unpaid(view, member)
    if not sees_id_numbers():
        view = membership.without_id_numbers(view)
        history = history and membership.without_id_numbers(history)
    return render("member.html", member=member, view=view, history=history, payments=payments, tickets=tickets,
                  fellow_cap=records.fellow_cap(db()))


TICKETS_SHOWN = 5  # the member's latest requests on their page (the rest in 诉求工单, found by their number)


def _with_years_unpaid(view: dict, member: dict) -> dict:
    """The view with 未缴年度 after 会费缴至 when the member left years unpaid before it: passed over by a payment
    after a lapse (the 会费 page counts them unpaid: a viewer on the phone must not say 已缴清), or marked unpaid
    between paid ones by a roster (dues_unpaid)."""
    payer = find_payer(db(), member["member_no"])
    said = []
    passed = years_passed_over(db(), payer, payments_of(db(), payer))
    if passed:
        payment = passed["payment"]
        said.append(t("members.years_passed_over", years=dues.period_text(f"{passed['years'][0]}",
                                                                          f"{passed['years'][-1]}"),
                      paid_at=payment["paid_at"][:10], amount=dues.format_amount(payment["amount"]),
                      booked=dues.period_text(payment["period_from"],
                                                                                 payment["period_to"])))
    if member.get("dues_unpaid"):
        said.append(t("members.years_gap", years=member["dues_unpaid"]))
    if not said:
        return view
    keys = list(view)
    at = keys.index("paid_through") + 1 if "paid_through" in keys else len(keys)
    return dict([*view.items()][:at] + [("years_unpaid", "；".join(said))] + [*view.items()][at:])


UNIT_FIELDS = ("unit_no", "name", "level", "status", "standing", "paid_through", "credit_code", "institution_type",
               "contact_name", "contact_mobile", "invite_code", "joined_at", "remarks")


def _unit_page(unit: dict):
    """A unit member: who it is and whom to ring, its dues and payments (退款/作废 as a member's), the
    individual members linked to it and its change log. A read-only user reads the contact's phone masked."""
    full = sees_mobiles()
    view = {key: unit.get(key) for key in UNIT_FIELDS if full or key not in SECRET_FIELDS}
    view["standing"] = dues.dues_standing(store.unit_category(unit), unit["paid_through"], date.today())
    if not full:
        view.update(contact_mobile=mask_mobile(unit["contact_mobile"] or "") or None,
                    remarks=mask_personal(unit.get("remarks") or "") or None)
    rows, _ = admin_store.member_page(db(), unit_id=unit["id"], limit=None)
    history = [membership.history_view(row, full=full, db=db()) for row in store.history_of(db(), "unit", unit["id"])]
    payments = _payments_view(payments_of(db(), find_payer(db(), unit["unit_no"])))
    return render("unit.html", unit=unit, view=view, members=membership.members_data(db(), rows),
                  columns=LIST_COLUMNS, headers=[membership.label("fields", c) for c in LIST_COLUMNS],
                  history=history, payments=payments)


# --- changing one member ---------------------------------------------------------------

def _cleaned(form, member: dict, today: date, fields: tuple = EDIT_FIELDS) -> tuple[dict, dict]:
    """(values, errors) for the edit form (or the new one's `fields`), each field checked as a roster cell would
    be."""
    values, errors = {}, {}
    for key in fields:
        raw = form.get(key, "").strip()
        if not raw:
            if key in REQUIRED:
                errors[key] = membership.problem_text("required")
            else:
                values[key] = None
            continue
        try:
            values[key] = roster.CLEANERS[key](raw, today)
        except Invalid as bad:
            errors[key] = membership.problem_text(bad.reason)
    unit_no = values.pop("unit_no", None)
    if unit_no:
        unit = store.find_unit_by_no(db(), unit_no)
        if unit is None:
            errors["unit_no"] = membership.problem_text("unit_no", value=unit_no)
        else:
            values["unit_id"] = unit["id"]
    else:
        values["unit_id"] = None
    for other in store.find_members_by_mobile(db(), values.get("mobile") or ""):
        if other["id"] != member["id"]:
            errors["mobile"] = t("members.mobile_taken", member_no=other["member_no"], name=other["name"])
    if values.get("category") == "fellow" and member["category"] != "fellow":
        errors["category"] = t("members.fellow_by_promotion")
    if values.get("member_no"):
        values["member_no"] = roster.number_as_written(db(), values["member_no"])  # as an import stores it
        if values["member_no"] is None:
            errors["member_no"] = membership.problem_text("member_no")
        elif taken := _number_taken(values["member_no"]):
            errors["member_no"] = taken
    else:
        values.pop("member_no", None)
    return values, errors


def _number_taken(number: str) -> str | None:
    """Why a number typed for a new member or unit cannot be theirs: it is another member's or unit's."""
    other = store.find_member_by_no(db(), number) or store.find_unit_by_no(db(), number)
    return other and t("members.number_taken", number=number, name=other["name"])


def _unit_cleaned(form, today: date, fields: tuple = UNIT_NEW_FIELDS, unit: dict | None = None) -> tuple[dict, dict]:
    """(values, errors) for a new unit member, or `unit` changed by its edit form (a field left blank is cleared,
    one left as stored is kept unchecked): each field as a unit list's cell is checked (roster.UNIT_CLEANERS;
    its contact's mobile as a mobile), its level one the fees name, its status one a unit may have, and a unit
    the store holds already (by its number, credit code or name, as an import matches one) refused naming it."""
    values, errors = {}, {}
    levels = list(membership_rules()["fees"].get("unit_levels") or {})
    for key in fields:
        raw = form.get(key, "").strip()
        if not raw:
            if key in UNIT_REQUIRED:
                errors[key] = membership.problem_text("required")
            elif unit is not None:
                values[key] = None
            continue
        if unit is not None and raw == str(unit.get(key) or ""):
            values[key] = unit[key]
            continue
        if key == "dues_exempt":  # 免缴会费 (the society's 挂靠单位), or not
            values[key] = 1 if raw == "1" else None
            continue
        if key in ("level", "status"):
            allowed = levels if key == "level" else UNIT_STATUSES
            if allowed and raw not in allowed:
                errors[key] = t("members.unit_level", levels="、".join(levels)) if key == "level" \
                    else membership.problem_text("status")
            values[key] = raw
            continue
        try:
            values[key] = roster.UNIT_CLEANERS["mobile" if key == "contact_mobile" else key](raw, today)
        except Invalid as bad:
            errors[key] = membership.problem_text(bad.reason)
    same = {"unit_no": values.get("unit_no") and _number_taken(values["unit_no"]),
            "credit_code": values.get("credit_code") and store.find_unit_by_credit_code(db(), values["credit_code"]),
            "name": values.get("name") and store.find_unit_by_name(db(), values["name"])}
    for key, found in same.items():
        if unit is not None and isinstance(found, dict) and found["id"] == unit["id"]:
            continue
        if isinstance(found, dict):
            errors[key] = t("members.unit_exists", unit_no=found["unit_no"], name=found["name"])
        elif found:
            errors[key] = found
    return values, errors


def _save(member: dict, values: dict, reason: str | None) -> None:
    """The category through change_category (its rules and history), the rest as one update."""
    category = values.pop("category")
    with transaction(db()):
        if category != member["category"]:
            records.change_category(db(), member["member_no"], category, actor(), reason)
        store.update_member(db(), member["id"], values, actor(), "updated", reason)


def _shown(member: dict) -> dict:
    """The edit form's values as it shows them: the unit by its number, ID card numbers masked but for the
    admin, mobiles masked for a read-only user (who may open the form, not send it)."""
    form = {key: member.get(key) for key in EDIT_FIELDS}
    form["unit_no"] = store.unit_numbers(db()).get(member["unit_id"])
    if not sees_id_numbers() and form["remarks"]:
        form["remarks"] = mask_id_number(form["remarks"])
    if not sees_mobiles():
        form = {key: mask_mobile(value) if isinstance(value, str) else value for key, value in form.items()}
    return form


def _typed(form: dict) -> dict:
    """Each field as a form sends it back: text, blank for nothing."""
    return {key: "" if form.get(key) is None else str(form[key]).strip() for key in EDIT_FIELDS}


def _merged(sent: dict, opened: dict | None, now: dict) -> tuple[dict, list[str]]:
    """Two secretaries saving the same member: what this one changed since opening the form (`opened`, the
    form's values then), every other field as it is now, a colleague's save meanwhile kept; and the fields
    both changed, differently, which are not saved without asking."""
    if opened is None:  # a form from before this check: as sent
        return sent, []
    merged, clashes = dict(sent), []
    for key, mine in _typed(sent).items():
        was, current = opened.get(key, ""), now[key]
        if mine == was:
            merged[key] = current
        elif current not in (was, mine):
            clashes.append(key)
    return merged, clashes


def _opened(form) -> dict | None:
    try:
        opened = json.loads(form.get("opened", ""))
    except ValueError:
        return None
    return opened if isinstance(opened, dict) else None


def _meanwhile(member: dict, clashes: list[str]) -> str:
    """Who changed the clashing fields meanwhile, and when, in the console's words."""
    changes = store.last_changes(db(), "member", member["id"])
    found = [changes[key] for key in ("unit_id" if key == "unit_no" else key for key in clashes) if key in changes]
    latest = max(found, key=lambda change: change["at"], default={"actor": "", "at": None})
    return t("members.edited_meanwhile", who=actor_text(latest["actor"]) if latest["actor"] else t("members.someone"),
             at=clock.shown(latest["at"]) if latest["at"] else t("members.just_now"),
             fields="、".join(membership.label("fields", key) for key in clashes))


@bp.route("/new", methods=["GET", "POST"])
def new():
    """新增会员: one member by a form, each field checked as a roster cell (the import's cleaners, _cleaned), numbered
    as an imported row without a number (records.import_members: prefix + joining year + serial)."""
    form, errors, status = {"category": "regular"}, {}, 200
    if request.method == "POST":
        form = request.form.to_dict()
        values, errors = _cleaned(form, {"id": None, "category": None}, date.today(), NEW_FIELDS)
        if not errors:
            reason = t("members.added_by_form")
            [created] = records.import_members(db(), new=[(values, reason)], changes=[], actor=actor(),
                                               today=date.today())["created"]
            say_done("members.added", name=created["name"], member_no=created["member_no"])
            return redirect(url_for(".show", member_no=created["member_no"]))
        status = 400
    return render("member_edit.html", member=None, form=form, errors=errors, fields=NEW_FIELDS, required=REQUIRED,
                  choices=_edit_choices(), hints=texts("members.hints"), opened=""), status


@bp.route("/new-unit", methods=["GET", "POST"])
def new_unit():
    """新增单位会员: one unit member by a form, checked as a row of a unit list (_unit_cleaned), numbered as an
    imported unit without a number (records.import_members: the unit prefix + joining year + serial)."""
    form, errors, status = {}, {}, 200
    if request.method == "POST":
        form = request.form.to_dict()
        values, errors = _unit_cleaned(form, date.today())
        if not errors:
            [created] = records.import_members(db(), new=[], changes=[], actor=actor(), today=date.today(),
                                               new_units=[(values, t("members.added_by_form"))])["units"]
            say_done("members.unit_added", name=created["name"], unit_no=created["unit_no"])
            return redirect(url_for(".show", member_no=created["unit_no"]))
        status = 400
    levels = list(membership_rules()["fees"].get("unit_levels") or {})
    return render("member_edit.html", member=None, unit=True, form=form, errors=errors, fields=UNIT_NEW_FIELDS,
                  required=UNIT_REQUIRED, hints=texts("members.unit_hints"), opened="",
                  choices={"institution_type": _edit_choices()["institution_type"],
                           **({"level": [(v, v) for v in levels]} if levels else {})}), status


def _edit_choices() -> dict:
    """The edit form's choices: categories (not 会士: by promotion), unit types, posts, genders, unit members."""
    rules = membership_rules()["choices"]
    return {
        "category": [(c, membership.category_name(c)) for c in store.INDIVIDUAL_CATEGORIES if c != "fellow"],
        "institution_type": [(v, v) for v in rules["institution_types"]],
        "post_category": [(v, v) for v in rules["post_categories"]],
        "gender": [(v, v) for v in content.replies()["answer_shapes"]["genders"]],
        "unit_no": unit_options(),  # picked from the unit members, not typed from memory
    }


@bp.route("/<member_no>/edit", methods=["GET", "POST"])
def edit(member_no: str):
    unit = unit_scope() is None and store.find_unit_by_no(db(), member_no.strip().upper())
    if unit:
        return _unit_edit(unit)
    member = _member_or_refuse(member_no)
    form = _shown(member)
    opened = _typed(form)
    errors: dict = {}
    status = 200
    if request.method == "POST":
        form = request.form.to_dict()
        sent, clashes = _merged(form, _opened(request.form), opened)
        if clashes:  # sent again as it is, it is saved: the secretary has seen what the colleague wrote
            say_not_done(_meanwhile(member, clashes))
            status = 409
        else:
            opened = _opened(request.form) or opened
            sent = dict(sent, remarks=unmasked(sent.get("remarks", ""), member["remarks"]))  # staff's masked numbers
            values, errors = _cleaned(sent, member, date.today())
            reason = request.form.get("reason", "").strip() or None
            if not errors and attempt(lambda: _save(member, values, reason), "members.saved", name=member["name"]):
                return redirect(url_for(".show", member_no=member["member_no"]))
            status = 400 if errors else 200
    return render("member_edit.html", member=member, form=form, errors=errors, fields=EDIT_FIELDS,
                  required=REQUIRED, choices=_edit_choices(), hints=texts("members.hints"),
                  opened=json.dumps(opened, ensure_ascii=False)), status


def _unit_edit(unit: dict):
    """修改信息 of a unit member: its fields as 新增单位会员 checks them (_unit_cleaned), 会籍 (暂停, 退会) among them;
    what changed saved with the reason in its change log. A read-only user opens it with the contact's mobile and
    the remarks masked (and cannot send it)."""
    form, errors, status = {key: unit.get(key) for key in UNIT_EDIT_FIELDS}, {}, 200
    form["status"] = form["status"] or "active"
    form["dues_exempt"] = "1" if form["dues_exempt"] else "0"
    if not sees_mobiles():
        form.update(contact_mobile=mask_mobile(form["contact_mobile"] or "") or None,
                    remarks=mask_personal(form["remarks"] or "") or None)
    if request.method == "POST":
        form = request.form.to_dict()
        values, errors = _unit_cleaned(form, date.today(), UNIT_EDIT_FIELDS, unit)
        if not errors:
            changed = {key: value for key, value in values.items() if unit.get(key) != value}
            if "name" in changed:  # renamed: its transfers under the old name are still its own
                changed.update(roster.renamed_to(unit, changed["name"]))
            reason = form.get("reason", "").strip() or None
            if attempt(lambda: changed and store.update_unit(db(), unit["id"], changed, actor(), "updated", reason),
                       "members.saved", name=unit["name"]):
                return redirect(url_for(".show", member_no=unit["unit_no"]))
        status = 400 if errors else 200
    levels = list(membership_rules()["fees"].get("unit_levels") or {})
    return render("member_edit.html", member={"member_no": unit["unit_no"], "name": unit["name"]}, unit=True,
                  form=form, errors=errors, fields=UNIT_EDIT_FIELDS, required=UNIT_REQUIRED,
                  hints=texts("members.unit_hints"), opened="",
                  choices={"institution_type": _edit_choices()["institution_type"],
                           "status": [(s, membership.label("statuses", s)) for s in UNIT_STATUSES],
                           "dues_exempt": [("0", t("members.dues_exempt_no")), ("1", t("members.dues_exempt_yes"))],
                           **({"level": [(v, v) for v in levels]} if levels else {})}), status


CHANGES = {  # the detail page's buttons -> the store's functions (member_no, actor, reason)
    "suspend": records.suspend_member,
    "resign": records.resign_member,
    "deceased": records.record_death,
    "resume": records.resume_member,
    "promote": records.promote_to_fellow,
}
REASON_NEEDED = ("suspend", "resign", "deceased", "promote")


@bp.post("/<member_no>/change")
def change(member_no: str):
    """Suspend, record a resignation or a death, resume, or promote to fellow, with the reason the history
    keeps."""
    member = _member_or_refuse(member_no)
    what = request.form.get("change")
    reason = request.form.get("reason", "").strip() or None
    if what not in CHANGES:
        abort(400)
    if what in REASON_NEEDED and not reason:
        say_not_done(t("members.reason_needed"))
    else:
        attempt(lambda: CHANGES[what](db(), member["member_no"], actor(), reason), f"members.changed.{what}",
                name=member["name"])
    return redirect(url_for(".show", member_no=member["member_no"]))
