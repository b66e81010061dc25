"""`signup`: an individual or a unit applies for membership by chat, one question at a time.

The flow `signup` starts at `kind` (个人 / 单位, or straight away with a unit's
invite code), then asks each field of that kind's form in order, skipping
what is already known (the work unit an invite code fills in) and what does
not apply (school and graduation year are for students only). A summary lets
the member confirm or correct one field, which is asked again on its own;
confirming stores a pending application.

Another request half-way ("查会费", "你好") is answered and the form paused
with its answers, as when the member comes back after a while; "继续" asks the
same question again. A reply that tries to give the answer is still checked.

The application data uses the column names of `members` (kind `individual`,
plus `unit_id` when an invite code linked a unit) or `units` (kind `unit`),
so approval can copy it as it is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from bot import clock, content, language, offers
from bot.conversation import asks_elsewhere, is_one_of, says_skip, says_yes
from bot.messages import Reply
from bot.page_links import with_page_link
from bot.privacy import holds_id_number, mask_mobile
from bot.registry import INTENT_HANDLERS, handles, settled_by, step
from bot.router import names_a_discipline
from bot.validation import (Invalid, clean_birth_year, clean_choice, clean_credit_code, clean_gender, clean_title,
                            gender_in, clean_email, clean_graduation_year, clean_mobile, clean_phone, clean_text, email_and_rest,
                            asks_something, has_landline, looks_like_a_question, mobile_and_rest, name_in, normalise, tries_value,
                            unit_in)
from handlers.fees import dues
from storage import state
from storage.members import (INVITE_ALPHABET, create_application, find_latest_application, find_member_by_openid,
                             find_open_application, find_open_unit_application,
                             find_unit, find_unit_by_credit_code, find_unit_by_invite_code)

FLOW = "signup"
SELF_SIGNUP_CATEGORIES = ("student", "regular", "senior")  # 会士, 荣誉会员: conferred by the society
KINDS = ("individual", "unit")
_INVITE_CODE = re.compile(f"(?<![A-Za-z0-9])[{INVITE_ALPHABET}]{{6}}(?![A-Za-z0-9])", re.IGNORECASE)
_CORRECTION_VERB = re.compile(r"^(修改|更改|更正|改成|改)")


def _texts() -> dict:
    return content.replies()["signup"]


def _membership() -> dict:
    return content.load_toml("membership.toml")


def problem_text(reason: str) -> str:
    """The sentence for a refused answer: validation reasons, or this module's own keys."""
    return content.text(reason if "." in reason else f"validation.{reason}")


# --- the form ----------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """One question of the form: its step, where the answer goes, and how it is checked."""
    step: str                                         # step name; also its key in [signup.ask]
    column: str                                       # key in the application data
    clean: Callable                                   # (text, db) -> value, or raises Invalid
    tries: Callable[[str], bool]                      # whether a text tries to give this answer
    options: Callable[[], list[str]] | None = None    # numbered choices shown under the question
    students_only: bool = False
    not_for_students: bool = False                    # not asked of a student (岗位类别: a student has no post)
    student_asks: str | None = None                   # a student is asked this step's question instead
    asked: bool = True                                # False: kept when said (性别, 职称), not asked for
    optional: bool = False                            # may be left empty ("跳过")

    def applies(self, answers: dict) -> bool:
        student = answers.get("category") == "student"
        return (student or not self.students_only) and not (student and self.not_for_students)


def _plain(clean) -> Callable:
    return lambda text, db: clean(text)


def _tries_value(shape: str, text) -> bool:
    """validation.tries_value, and a discipline the job board knows said in a sentence that asks nothing
    ("搞计算机的", "电气", "computer science"), though the router alone would hear a job search in it."""
    if tries_value(shape, text):
        return True
    value = normalise(text)
    return shape == "discipline" and not looks_like_a_question(value) and names_a_discipline(value)


def _shaped(shape: str) -> Callable[[str], bool]:
    return lambda text: _tries_value(shape, text)


def _picked(options: Callable[[], list[str]], shape: str | None = None) -> Callable[[str], bool]:
    """A choice is tried by a number, by naming an option, or (shape) by a word that answers
    it another way, such as a title ("副教授") for the post category."""
    def tries(text: str) -> bool:
        value = normalise(text)
        return (tries_value("digits", value) or any(option in value for option in options())
                or (shape is not None and _tries_value(shape, value)))
    return tries


def _category_names() -> list[str]:
    return [_membership()["categories"][c] for c in SELF_SIGNUP_CATEGORIES]


def _any_category_name() -> list[str]:
    """Also those not offered: "我想申请会士", "名誉会员" is a try, refused with its own reason; and
    the everyday words for one ("我是学生")."""
    words = _texts()["words"]
    return list(_membership()["categories"].values()) + [
        w for c in SELF_SIGNUP_CATEGORIES for w in words["category_said"][c]] + [
        w for said in words["conferred_said"].values() for w in said]


def _conferred(text) -> str | None:
    """The category the society confers (会士, 荣誉会员) that the member asks for, if any."""
    value = normalise(text)
    return next((code for code, words in _texts()["words"]["conferred_said"].items()
                 if any(word in value for word in words)), None)


def _clean_category(text, db) -> str:
    conferred = _conferred(text)
    if conferred:
        raise Invalid(f"signup.{conferred}_refused")
    said = [c for c in SELF_SIGNUP_CATEGORIES
            if any(word in normalise(text) for word in _texts()["words"]["category_said"][c])]
    if len(said) == 1 and not tries_value("digits", text):  # "我是学生", "在读博士"
        return said[0]
    chosen = clean_choice(text, _category_names(), "category")
    return SELF_SIGNUP_CATEGORIES[_category_names().index(chosen)]


def _choice_list(name: str) -> Callable[[], list[str]]:
    return lambda: _membership()["choices"][name]


def _aliased(text: str, options: list[str]) -> str:
    """A choice's usual short name (高校 for 高等院校, content/replies/members_signup.toml) as the option."""
    value = normalise(text).rstrip("。.!！")
    for option, aliases in _texts()["choice_aliases"].items():
        if option in options and any(alias == value or alias in value for alias in aliases):
            return option
    return text


def _clean_choice_from(name: str, reason: str) -> Callable:
    return lambda text, db: clean_choice(_aliased(text, _choice_list(name)()), _choice_list(name)(), reason)


def _choice_alias_words(name: str) -> Callable[[], list[str]]:
    return lambda: _choice_list(name)() + [alias for option, aliases in _texts()["choice_aliases"].items()
                                           if option in _choice_list(name)() for alias in aliases]


def _clean_unit(reason: str) -> Callable:
    """A unit or school, also when said in a sentence ("郑州大学在读博士")."""
    def clean(text, db):
        value = clean_text(unit_in(text) or text, reason)
        if not re.search(r"[^\W\d_]", value):  # "2003" (a year meant for another question) names no school
            raise Invalid("signup.unit_is_a_number")
        return value
    return clean


_YEAR_OF_STUDY = re.compile(r"(?:研|博|大|高|初)[一二三四五]|在读|本科生|研究生|硕士生|博士生")


def _clean_person_name(text, db) -> str:
    """The applicant's name; a unit, a school or a year of study ("计算机学院 研二") is none, whatever its length."""
    value = name_in(text)
    endings = [ending for ending in content.replies()["answer_shapes"]["unit_endings"] if len(ending) > 1]
    if _YEAR_OF_STUDY.search(value) or any(ending in value for ending in endings) or unit_in(value):
        raise Invalid("signup.name_is_unit")
    return value


def _clean_optional_email(text, db) -> str | None:
    if _left_empty(text, "email"):
        return None
    said, _ = email_and_rest(text)  # "我的邮箱是 majianjun at 163 点 com"
    return said or clean_email(text)


def _left_empty(text: str, column: str) -> bool:
    """"跳过", "无", "不填", "这个先空着吧", "邮箱就不填", "没有邮箱": an optional item left empty, in words (the item's
    name, the words around it and punctuation aside)."""
    words = _texts()["words"]
    plain = re.sub(r"[\s\W_]+", "", normalise(text).lower())
    for name in sorted(_texts()["fields"].get(column, []), key=len, reverse=True):
        plain = plain.replace(name.lower(), "")
    plain = re.sub(f"^(?:{'|'.join(words['skip_leads'])})+", "", plain)
    plain = re.sub(f"(?:{'|'.join(words['skip_tails'])})+$", "", plain)
    return plain in words["skip"] or (says_skip(plain) and len(plain) <= _SKIP_CHARS)


_SKIP_CHARS = 4  # "不用填", "先空着": a longer sentence with 不填 in it says more than that


def _genders() -> list[str]:
    return list(content.replies()["answer_shapes"]["genders"])


def _chosen_option(text: str, options: list[str]) -> str:
    """"2" for the second option shown under the question; any other text as it is."""
    value = normalise(text)
    return options[int(value) - 1] if re.fullmatch(r"[1-9]", value) and int(value) <= len(options) else text


def _clean_optional_title(text, db) -> str | None:
    if _left_empty(text, "title"):
        return None  # "无": no title yet
    return clean_title(text)


def _clean_new_credit_code(text, db) -> str:
    """A valid code that is not already a unit member's nor in a pending unit application."""
    code = clean_credit_code(text)
    if find_unit_by_credit_code(db, code) or find_open_unit_application(db, code):
        raise Invalid("signup.unit_taken")
    return code


def _clean_mobile_said(text, db) -> str:
    """The mobile a message gives, with words around it too ("电话是137… 找我打这个就行", "159… 活动通知也发这个号");
    else the message refused as a mobile, with the reason (clean_mobile)."""
    return mobile_and_rest(text)[0] or clean_mobile(text)


def _clean_contact_name(text, db) -> str:
    try:
        return name_in(text)
    except Invalid:
        raise Invalid("contact_name") from None


_INSTITUTION_TYPE = Field("institution_type", "institution_type",
                          _clean_choice_from("institution_types", "institution_type"),
                          _picked(_choice_alias_words("institution_types")), _choice_list("institution_types"))

FORMS: dict[str, tuple[Field, ...]] = {
    "individual": (
        Field("name", "name", _clean_person_name, _shaped("name")),
        Field("gender", "gender", lambda text, db: clean_gender(_chosen_option(text, _genders())),
              lambda text: gender_in(text) is not None or tries_value("digits", text), _genders, asked=False),
        Field("category", "category", _clean_category, _picked(_any_category_name), _category_names),
        Field("birth_year", "birth_year", _plain(clean_birth_year), _shaped("digits")),
        Field("work_unit", "work_unit", _clean_unit("work_unit"), _shaped("unit"), student_asks="school"),
        _INSTITUTION_TYPE,
        Field("post_category", "post_category", _clean_choice_from("post_categories", "post_category"),
              _picked(_choice_alias_words("post_categories"), "title"), _choice_list("post_categories"),
              not_for_students=True),
        Field("title", "title", _clean_optional_title, _shaped("title"), asked=False, optional=True),
        Field("discipline", "discipline", _plain(lambda t: clean_text(t, "discipline", max_len=30)),
              _shaped("discipline")),
        Field("school", "school", _clean_unit("school"), _shaped("unit"),
              students_only=True),
        Field("graduation_year", "graduation_year", _plain(clean_graduation_year), _shaped("digits"),
              students_only=True),
        Field("mobile", "mobile", _clean_mobile_said, _shaped("mobile")),
        Field("email", "email", _clean_optional_email, _shaped("email"), optional=True),
    ),
    "unit": (
        Field("unit_name", "name", _clean_unit("unit_name"), _shaped("unit")),
        Field("credit_code", "credit_code", _clean_new_credit_code, _shaped("digits")),
        Field("contact_name", "contact_name", _clean_contact_name, _shaped("name")),
        Field("contact_mobile", "contact_mobile", _plain(clean_phone), _shaped("mobile")),
        _INSTITUTION_TYPE,
    ),
}
FIELDS = {field.step: field for form in FORMS.values() for field in form}


def _form(ctx) -> list[Field]:
    """The fields of this member's form that apply to the answers so far."""
    answers = ctx.flow_data["answers"]
    return [f for f in FORMS[ctx.flow_data["kind"]] if f.applies(answers)]


# --- asking ------------------------------------------------------------------

def _question(field: Field, answers: dict | None = None) -> str:
    asked = field.student_asks if field.student_asks and (answers or {}).get("category") == "student" \
        else field.step
    question = content.text(f"signup.ask.{asked}")
    if field.options:
        question += "\n" + "\n".join(f"{i}. {content.in_words(o)}" for i, o in enumerate(field.options(), 1))
    return question


def _ask(field: Field, problem: str | None = None, answers: dict | None = None) -> Reply:
    """The question; after a refused answer, first say what was wrong."""
    if problem:
        return Reply(text=problem_text(problem)).with_note(_question(field, answers))
    return Reply(text=_question(field, answers))


def _ask_next(ctx) -> Reply:
    """Go to the first unanswered question of the form, or to the summary when all are answered."""
    answers = ctx.flow_data["answers"]
    field = next((f for f in _form(ctx) if f.column not in answers and f.asked), None)
    if field is None:
        ctx.goto("summary")
        return _summary(ctx)
    ctx.goto(field.step)
    return _ask(field, answers=answers)


def _shown(field: Field, value) -> str:
    if value is None:
        return _texts()["not_given"]
    if field.column == "category":
        return content.in_words(_membership()["categories"][value])
    return mask_mobile(str(value))


def _summary_fields(ctx) -> list[Field]:
    """The summary's numbered items: every question asked, and 性别 / 职称 when the member said them."""
    answers = ctx.flow_data["answers"]
    return [f for f in _form(ctx) if f.asked or answers.get(f.column)]


def _summary(ctx) -> Reply:
    data = ctx.flow_data
    answers = data["answers"]
    shown = [f"{i}. {_texts()['fields'][f.step][0]}：{_shown(f, answers.get(f.column))}"
             for i, f in enumerate(_summary_fields(ctx), 1)]
    # two to a line, so that the whole summary fits one phone screen
    items = "\n".join(_texts()["pair_separator"].join(shown[i:i + 2]) for i in range(0, len(shown), 2))
    unit = find_unit(ctx.db, answers["unit_id"]) if answers.get("unit_id") else None
    linked = content.text("signup.linked", unit=unit["name"]) if unit else ""
    return ctx.reply("signup.summary", kind=_texts()["kind_names"][data["kind"]], items=items,
                     linked=linked)


def _current_question(ctx) -> Reply:
    current = ctx.flow["step"]
    if current == "kind":
        return ctx.reply("signup.ask_kind")
    if current == "summary":
        return _summary(ctx)
    return _ask(FIELDS[current], answers=ctx.flow_data.get("answers"))


# --- starting ----------------------------------------------------------------

def application_status(ctx, application: dict) -> Reply:
    """What an applicant sees while their application waits (also shown by `profile`)."""
    return ctx.reply("signup.open_application", app_no=application["app_no"],
                     submitted=clock.day_shown(application["created_at"]))


def rejected_application(ctx, key: str = "signup.rejected_application") -> Reply | None:
    """The applicant's latest application when it was turned down (asked about, or applying again): its number,
    when it was decided and why, as the rejection notice said (which may not have reached them); else None."""
    latest = find_latest_application(ctx.db, ctx.openid)
    if latest is None or latest["status"] != "rejected":
        return None
    return ctx.reply(key, app_no=latest["app_no"], submitted=clock.day_shown(latest["created_at"]),
                     decided=clock.day_shown(latest["decided_at"]), reason=latest["reason"] or "—",
                     phone=content.society()["secretariat"]["phone"])


@handles("signup", menu="MENU_SIGNUP", reads_only=True)
def start_signup(ctx):
    if ctx.flow and ctx.flow["name"] == FLOW:
        # Asked again half-way (menu, or "入会" while paused): carry on, do not start over.
        ctx.start_flow(FLOW, ctx.flow["step"], **ctx.flow_data)
        return ctx.reply("signup.carry_on").with_note(_current_question(ctx).text)
    conferred = _conferred(ctx.text)  # "我想申请会士", "申请荣誉会员": the society confers them
    if conferred:
        return ctx.reply(f"signup.{conferred}_conferred", **content.society()["secretariat"])
    answered = form_question(ctx.text, in_form=False) if ctx.message.in_words else None
    if answered and not content.holds_any(normalise(ctx.text), _texts()["words"]["join_said"]):
        # "入会有什么好处", "升级高级会员要什么条件": answered, member or not, no form started yet
        return ctx.reply("signup.form_question_then", answer=answered, question=content.text("signup.start_hint"))
    started = _start_application(ctx)  # "我想入会 我是县医院护士 能入吗": the answer, then the form as asked
    return Reply(text=answered).with_note(started.text) if answered and started.text else started


def _start_application(ctx):
    """The application asked for: a member told so, an open application's status, a kept draft offered, or the
    form started with what the message already said."""
    member = find_member_by_openid(ctx.db, ctx.openid)
    application = find_open_application(ctx.db, ctx.openid)
    if application:  # a member's may be his unit's
        return application_status(ctx, application)
    if member and _said_at_start(ctx.text)[0] != "unit":  # a member may apply for his unit ("给医院申请单位会员")
        return ctx.reply("signup.already_member", member_no=member["member_no"])
    if member and asks_something(ctx.text):  # "我们单位想成为单位会员 怎么办 要多少钱": how, and the unit fee
        return ctx.reply("signup.unit_by_member", fee=dues.schedule_line("unit").lstrip("· "), member_no=member["member_no"],
                         **content.society()["secretariat"])
    draft = state.take_draft(ctx.redis, ctx.openid, FLOW)
    if draft is not None:  # cancelled within the day: offer to go on from there
        ctx.start_flow(FLOW, draft["step"], **draft["data"])
        ctx.flow["paused"] = True
        ctx.flow["restored"] = True  # 取消 now gives it up for good
        return ctx.reply("signup.draft_offer")
    rejected = rejected_application(ctx, "signup.rejected_then_again")
    ctx.start_flow(FLOW, "kind", answers={})
    code = _invite_code(ctx.text)
    if code:
        return _use_invite_code(ctx, code)
    kind, answers = _said_at_start(ctx.text)
    if kind == "unit" and member:  # the member is the unit's contact unless he says otherwise
        answers = {"contact_name": member["name"], "contact_mobile": member["mobile"]} if member["mobile"] else {}
        ctx.goto("kind", kind=kind, answers=answers)
        return _with_form_page(ctx, ctx.reply("signup.unit_form_by_member", member_no=member["member_no"])
                               .with_note(_ask_next(ctx).text))
    if kind is None:  # after a rejection, its reason first (the notice may not have reached them)
        asked = ctx.reply("signup.ask_kind")
        return _with_form_page(ctx, rejected.with_note(asked.text) if rejected else asked)
    ctx.goto("kind", kind=kind, answers=answers)
    found = _details_said(ctx)
    if found:  # "申请入会：张伟，男，河南理工大学，副教授，手机…": kept, only what is left asked
        return _with_form_page(ctx, _noted_reply(ctx, found).with_note(_ask_next(ctx).text))
    charged = answers.get("category") or ("unit" if kind == "unit" else None)
    if charged and asks_something(ctx.text) and any(
            word in normalise(ctx.text) for word in content.replies()["fees"]["asked"]["how_much"]):
        # "我是研究生 想入会 学生要交多少钱啊", "我们单位想成为单位会员 要多少钱": the fee first, then the form
        return _with_form_page(ctx, ctx.reply("signup.fee_first", line=dues.schedule_line(charged).lstrip("· "))
                               .with_note(_ask_next(ctx).text))
    if answers.get("category") and any(word in normalise(ctx.text) for word in _texts()["words"]["can_i"]):
        # "我是研究生，能入会吗": yes, first
        category = _membership()["categories"][answers["category"]]
        return _with_form_page(ctx, ctx.reply("signup.yes_you_can", category=category).with_note(_ask_next(ctx).text))
    return _with_form_page(ctx, _ask_next(ctx))


def _with_form_page(ctx, reply):
    """The application as one page (bot/pages/apply.py): the same rows, numbers and approval."""
    return with_page_link(reply, ctx.config, "apply", "/m/apply")


def _said_at_start(text: str) -> tuple[str | None, dict]:
    """What "我要申请学生会员" or "我们公司想入会" already answers: the kind, maybe the category."""
    value = normalise(text)
    words = _texts()["words"]
    for category in SELF_SIGNUP_CATEGORIES:
        if any(word in value for word in words["category_said"][category]):
            return "individual", {"category": category}
    if any(word in value for word in words["unit_said"]):
        return "unit", {}
    if any(word in value for word in words["individual_said"]):
        return "individual", {}
    return None, {}


def keep_for_later(ctx) -> bool:
    """On 取消 of a half-filled application: keep its answers for a day (content/conversation.toml),
    offered back at the next 入会. False for any other flow, or nothing answered yet."""
    flow = ctx.flow
    if flow is None or flow["name"] != FLOW or not flow["data"].get("answers") or flow.get("restored"):
        return False
    kept = {key: value for key, value in flow.items() if key not in ("waiting", "held_answer")}
    state.keep_draft(ctx.redis, ctx.openid, kept, content.load_toml("conversation.toml")["draft_keep_seconds"])
    return True


def _invite_code(text: str) -> str | None:
    """A code said in the message. Letters only, in lower or mixed case and without Chinese around
    them, are a code only when they are the whole message ("abcdef"): in an English sentence or a
    name ("how do I become a member", "Priya Sharma") they are words."""
    match = _INVITE_CODE.search(normalise(text))
    if match is None:
        return None
    word = match.group()
    said = language.said_in(text)
    if word.isalpha() and not word.isupper() and said != content.DEFAULT_LANGUAGE and (  # "邀请码 abcdef" is one
            said == language.ENGLISH or normalise(text).strip(" .!?") != word):  # "Priya Sharma" is no code
        return None
    return word.upper()


def _use_invite_code(ctx, code: str) -> Reply:
    """Link the applicant to the unit of the code and fill in what the unit already says."""
    unit = find_unit_by_invite_code(ctx.db, code)
    if unit is None:
        return ctx.reply("signup.bad_invite_code", code=code).with_note(content.text("signup.ask_kind"))
    answers = {"unit_id": unit["id"], "work_unit": unit["name"]}
    if unit["institution_type"]:
        answers["institution_type"] = unit["institution_type"]
    ctx.goto("kind", kind="individual", answers=answers)
    return ctx.reply("signup.invite_linked", unit=unit["name"]).with_note(_ask_next(ctx).text)


def _tries_kind(ctx) -> bool:
    value = normalise(ctx.text)
    words = _texts()["words"]
    if asks_elsewhere(ctx, (FLOW,)):  # "麻烦帮我转个人工" holds 个人: a request, no kind chosen
        return form_question(ctx.text, in_form=False) is not None
    return (_invite_code(ctx.text) is not None or tries_value("digits", value)
            or any(name in value for name in _texts()["kind_names"].values())
            or any(word in value for word in words["unit_said"] + words["individual_said"])
            or is_one_of(value, "no_words") or normalise(value).rstrip("。.!！") in words["no_code"]
            or offers.accepts(value) or mobile_and_rest(value)[0] is not None
            or form_question(ctx.text, in_form=False) is not None or _bare_name(ctx.text) is not None
            or _said_at_start(ctx.text)[0] is not None)  # "申请普通会员", "普通的": the kind and the category


def _bare_name(text: str) -> str | None:
    """"孟庆华" alone at the type question: a person's name, so a personal application; None for anything else."""
    value = normalise(text).strip(" 。.!！")
    if not re.fullmatch(r"[\u4e00-\u9fff·]{2,4}", value) or not tries_value("name", value) or \
            any(name in value for name in _texts()["kind_names"].values()):
        return None
    return value


@step(FLOW, "kind", reads_only=True, prompt="signup.ask_kind", tries=_tries_kind,
      back=lambda ctx: go_back(ctx))
def choose_kind(ctx):
    code = _invite_code(ctx.text)
    if code:
        return _use_invite_code(ctx, code)
    if normalise(ctx.text).rstrip("。.!！") in _texts()["words"]["no_code"]:
        return ctx.reply("signup.no_code")  # "没有" (no invite code): on to the type, no complaint
    chosen = _picked_from_short_list(ctx, len(KINDS))
    if chosen is not None:
        return chosen
    answered = form_question(ctx.text, in_form=False)
    if answered is not None:  # "有哪几种", "我65了退休了 选哪种好": the categories, then the type asked again
        return Reply(text=answered).with_note(content.text("signup.ask_kind"))
    if offers.accepts(ctx.text):  # "要得", "好嘞" to how to join: a personal application, said so
        ctx.goto("kind", kind="individual", answers=ctx.flow_data.get("answers", {}), misses=0)
        return ctx.reply("signup.yes_individual").with_note(_ask_next(ctx).text)
    kind, answers = _said_at_start(ctx.text)
    if kind is None and re.match(r"(?:我叫|我的名字是|我是)", normalise(ctx.text)):
        try:  # "我叫郭亮" at the type question: a person applying for themselves
            name = name_in(ctx.text)
            if tries_value("name", name):
                kind, answers = "individual", {"name": name}
        except Invalid:
            pass
    if kind is None and _bare_name(ctx.text) is not None:
        kind, answers = "individual", {"name": _bare_name(ctx.text)}  # "孟庆华": a person applying for themselves
    if kind is None and mobile_and_rest(ctx.text)[0] is not None:
        kind = "individual"  # "赵文静 自由职业 科普写作 130…" at the type question: a person's own details
    if kind is None:
        names = [_texts()["kind_names"][k] for k in KINDS]
        try:
            kind = KINDS[names.index(clean_choice(ctx.text, names, "signup.bad_kind"))]
        except Invalid as refused:
            return _missed(ctx, refused.reason, content.text("signup.ask_kind"),
                           [_texts()["kind_names"][k] for k in KINDS])
    ctx.goto("kind", kind=kind, answers={**ctx.flow_data.get("answers", {}), **answers}, misses=0)
    found = _details_said(ctx)
    if found:  # "个人的。我叫杨帆，在河南农业大学当讲师": kept, only what is left asked
        return _noted_reply(ctx, found).with_note(_ask_next(ctx).text)
    if answers.get("category"):  # "I'm a PhD student at …": said which category, so say it is taken
        category = content.in_words(_membership()["categories"][answers["category"]])
        return ctx.reply("signup.category_taken", category=category).with_note(_ask_next(ctx).text)
    return _ask_next(ctx)


def _missed(ctx, reason: str, question: str, options: list[str]) -> Reply:
    """A refused choice; from the second miss on, the choices as a short numbered list with
    取消 and 人工 added, so that a member who cannot find the words still has a way on or out."""
    misses = ctx.flow_data.get("misses", 0) + 1
    ctx.goto(ctx.flow["step"], misses=misses)
    if misses < 2:
        return Reply(text=problem_text(reason)).with_note(question)
    extras = _texts()["way_out"]
    lines = [f"{i}. {o}" for i, o in enumerate(options + extras, 1)]
    ctx.goto(ctx.flow["step"], short_list=len(options))
    return ctx.reply("signup.short_list", choices="\n".join(lines))


def _picked_from_short_list(ctx, options: int) -> Reply | None:
    """取消 or 人工 picked by its number from the short list _missed offered; None otherwise."""
    shown = ctx.flow_data.get("short_list")
    value = normalise(ctx.text)
    if not shown or not re.fullmatch(r"[0-9]{1,2}", value):
        return None
    extra = int(value) - shown - 1
    way_out = ("cancel", "human")  # in the order of [signup] way_out
    return INTENT_HANDLERS[way_out[extra]](ctx) if 0 <= extra < len(way_out) else None


# --- answering ---------------------------------------------------------------

def answer_field(ctx):
    """Every question of both forms: check the answer, keep it, ask the next one.

    Another request instead is answered and the form paused with a reminder, not refused
    as a malformed answer (or, in a free-text field, kept as one): the member keeps what
    they have typed so far and "继续" comes back here.
    """
    field = FIELDS[ctx.flow["step"]]
    answers = ctx.flow_data["answers"]
    about_field = _field_question(ctx.text, field)
    if about_field:  # "这个必须填吗", "高级会员是什么意思": answered, never kept as the answer
        answers.update(_shaped_besides(ctx, field, ctx.text)[0])  # "邮箱没有 中不中": none, kept
        about = _field_asked_about(normalise(ctx.text))
        ctx.goto(ctx.flow["step"], asked_about=about.step if about is not None else None)
        return ctx.reply("signup.form_question_then", answer=about_field, question=_question(field, answers))
    said = _said_for_field_asked_about(ctx)
    if said:  # "那就写无" after asking how to fill in 职称: kept there, the question asked still waits
        answers.update(said)
        ctx.goto(ctx.flow["step"], asked_about=None)
        return _noted_reply(ctx, said).with_note(_ask_next(ctx).text)
    if holds_id_number(ctx.text):  # an ID card number: not asked for, not kept, not read as a bad mobile
        return ctx.reply("signup.no_id_number", question=_question(field, answers))
    switched = _switched_kind(ctx) or _switched_category(ctx)
    if switched is not None:
        return switched
    corrected = _corrected_earlier(ctx, field)  # "名字写错了，应该是李墙" at a later question
    if corrected is not None:
        return corrected
    if _says_submit(ctx.text):  # "就这些了 没问题 提交吧" before the form is complete: what is missing
        return _still_missing(ctx, field)
    answered = form_question(ctx.text)
    if answered:  # "导师要写吗？", "职称不知道怎么填": answered, then the same question again
        return ctx.reply("signup.form_question_then", answer=answered, question=_question(field, answers))
    if is_one_of(ctx.text, "yes_words") or _goes_ahead(ctx.text):  # "好" / "嗯 开始吧": asked again, not kept as a value
        return ctx.reply("signup.go_on", question=_question(field, answers))
    if field.options:
        chosen = _picked_from_short_list(ctx, len(field.options()))
        if chosen is not None:
            return chosen
    given, rest = _given_besides(ctx, field)
    if len(_clauses(rest)) > 1 and field.column == "name":  # "马丽，周口师范学院": the unit is no part of the name
        unit = _unit_besides(ctx, field, rest)
        if unit:
            given.update(unit)
            rest = " ".join(clause for clause in _clauses(rest) if unit["work_unit"] not in clause)
    try:
        if given and not rest:
            raise Invalid("nothing else")
        value = field.clean(rest if given else ctx.text, ctx.db)
    except Invalid as refused:
        given = {**_unit_besides(ctx, field, rest), **given}  # "郑州大学 计算机学院": the unit taken first stays
        if given:  # "手机是138 1234 5678" asked for the category: kept, and the category asked again
            answers.update(given)
            _drop_what_no_longer_fits(ctx, answers)
            return _noted_reply(ctx, given).with_note(_ask_next(ctx).text)
        if field.column not in ("mobile", "contact_mobile", "credit_code") and tries_value("mobile", ctx.text):
            return _ask(field, "mobile", answers)  # "手机号1381234567": a mobile one digit short, said so
        if field.options:
            return _missed(ctx, refused.reason, _question(field, answers), field.options())
        return _ask(field, refused.reason, answers)
    if len(_clauses(rest)) > 1:  # a self-introduction: "我叫李娜，…，郑州大学化学学院副教授"
        given.update(_unit_besides(ctx, field, rest))
    answers.update(given)
    _keep_answer(ctx, field, value)
    ctx.goto(ctx.flow["step"], misses=0, short_list=0)
    _drop_what_no_longer_fits(ctx, answers)
    if given:
        return _noted_reply(ctx, {field.column: value, **given}).with_note(
            _ask_next(ctx).text)
    return _ask_next(ctx)


def _keep_answer(ctx, field: Field, value) -> None:
    """The answer kept; for a student the school is the unit (asked once), and a school fixed later fixes the unit
    that was filled from it (and the other way round)."""
    answers = ctx.flow_data["answers"]
    before = answers.get(field.column, ctx.flow_data.pop("replaced", {}).get(field.column))  # picked at the summary
    answers[field.column] = value
    if answers.get("category") != "student":
        return
    for f in _form(ctx):
        linked = f.column if f.student_asks == field.column else f.student_asks if f.column == field.column else None
        if linked and (linked not in answers or answers[linked] == before or field.student_asks):
            answers[linked] = value


_CORRECTION_MARKS = re.compile(r"写错|填错|打错|输错|说错|弄错|搞错|错了|不对|应该是|应为|改成|改为|换成|更正|改一下|重新填")
_CORRECTED_VALUE = re.compile(r"(?:应该是|应当是|应为|改成|改为|换成|更正为|其实是|我叫|叫|是|为|:|：)\s*(?P<value>[^，,。；;]+?)[。.!！]*$")
# "电话是159…刚才打错了": the words after the new value saying the old one was wrong, no part of it
_CORRECTION_TAIL = re.compile(r"(?:刚才|刚刚|之前|前面|上面|上次)?(?:我)?(?:打|写|填|输|说|弄|搞)?错了(?:的|啊|哈)?$")


def _named_in_correction(ctx, fields: list[Field]) -> list[tuple[int, Field, str]]:
    """Where a correction ("名字填错了 我叫刘洋 单位是郑州大学") names each of `fields`: (position, field, the words
    from its name up to the next field named), in the order said; [] when the message corrects nothing."""
    text = re.sub(r"\s+", "", normalise(ctx.text))
    if not _CORRECTION_MARKS.search(text):
        return []
    found: dict[int, tuple[int, Field]] = {}
    for f in fields:
        for name in _texts()["fields"][f.step]:
            at = text.find(name)
            if at >= 0 and (at not in found or len(name) > found[at][0]):
                found[at] = (len(name), f)
    named, seen, taken_to = [], set(), -1
    for at in sorted(found):  # "工作单位" also holds "单位": the longer name said there wins, once a field
        length, f = found[at]
        if at < taken_to or f.column in seen:
            continue
        named.append((at, f))
        seen.add(f.column)
        taken_to = at + length
    return [(at, f, text[at:(named[i + 1][0] if i + 1 < len(named) else len(text))])
            for i, (at, f) in enumerate(named)]


def _corrected_values(ctx, fields: list[Field]) -> tuple[dict, Field | None]:
    """The new values a correction gives ({column: value}, each in its own item) and the first field it names
    without a usable value (to ask again), or ({}, None) when the message corrects nothing."""
    values, unsaid = {}, None
    for _, f, words in _named_in_correction(ctx, fields):
        said = _CORRECTED_VALUE.search(words)
        try:
            values[f.column] = f.clean(_CORRECTION_TAIL.sub("", said.group("value")), ctx.db) if said else None
        except Invalid:
            values[f.column] = None
        if values[f.column] is None:
            values.pop(f.column)
            unsaid = unsaid or f
    return values, unsaid


def _corrected_earlier(ctx, field: Field) -> Reply | None:
    """A correction of earlier answers: each new value the message gives kept in its own item, else the question
    of the item named asked again (the form then goes on where it was); None for anything else."""
    answers = ctx.flow_data["answers"]
    earlier = [f for f in _form(ctx) if f.column in answers and f.column != field.column]
    if not _named_in_correction(ctx, earlier):
        return None
    values, unsaid = _corrected_values(ctx, _form(ctx))  # each item named, asked yet or not, to its own value
    if not values:  # "名字写错了": that question again
        answers.pop(unsaid.column, None)
        ctx.goto(unsaid.step)
        return ctx.reply("signup.correct_which", field=_texts()["fields"][unsaid.step][0]).with_note(
            _question(unsaid, answers))
    fields = {f.column: f for f in _form(ctx)}
    for column, value in values.items():
        _keep_answer(ctx, fields[column], value)
    _drop_what_no_longer_fits(ctx, answers)
    return ctx.reply("signup.corrected", items=_noted(ctx, values)).with_note(_ask_next(ctx).text)


def _switched_kind(ctx) -> Reply | None:
    """"不对，我是替我们公司办，单位会员" in a personal form (or "还是给我个人办吧" in a unit's): the
    other kind's form, the person and mobile given so far kept as the contact (or the other way
    round), and its next question; None for anything else."""
    kind, value, words = ctx.flow_data.get("kind"), normalise(ctx.text), _texts()["words"]
    other = {"individual": "unit", "unit": "individual"}.get(kind)
    if other is None:
        return None
    said = words["unit_said"] if other == "unit" else words["individual_said"]
    named = _texts()["kind_names"][other] in value
    if not named and not (any(word in value for word in said)
                          and any(word in value for word in words["kind_switch_marks"])):
        return None
    carried = {"unit": {"name": "contact_name", "mobile": "contact_mobile"},
               "individual": {"contact_name": "name", "contact_mobile": "mobile"}}[other]
    answers = {carried[key]: value for key, value in ctx.flow_data["answers"].items() if key in carried}
    ctx.goto(ctx.flow["step"], kind=other, answers=answers, misses=0, short_list=0)
    switched = ctx.reply("signup.kind_switched", kind=_texts()["kind_names"][other])
    return switched.with_note(_ask_next(ctx).text)


def _says_submit(text: str) -> bool:
    value, words = normalise(text), _texts()["words"]
    return any(word in value for word in words["submit"]) and not any(word in value for word in words["submit_not"]) \
        and not looks_like_a_question(value)


def _still_missing(ctx, field: Field) -> Reply:
    """Submitting asked for before every question is answered: which are left, and the current one."""
    answers = ctx.flow_data["answers"]
    left = [_texts()["fields"][f.step][0] for f in _form(ctx) if f.column not in answers and f.asked]
    return ctx.reply("signup.still_missing", count=len(left), items="、".join(left)).with_note(
        _question(field, answers))


def _switched_category(ctx) -> Reply | None:
    """"还是申请个人会员吧" half-way through a student's form: the category changed, the answers
    kept (what no longer applies dropped), and the next question asked; None for anything else."""
    value, words = normalise(ctx.text), _texts()["words"]
    if ctx.flow_data.get("kind") != "individual" or not any(word in value for word in words["switch_words"]):
        return None
    said = next((category for category in SELF_SIGNUP_CATEGORIES
                 if any(word in value for word in words["category_said"][category])), None)
    if said is None and any(word in value for word in words["switch_regular"]):
        said = "regular"
    if said is None:
        return None
    answers = ctx.flow_data["answers"]
    answers["category"] = said
    _drop_what_no_longer_fits(ctx, answers)
    switched = ctx.reply("signup.switched", category=_membership()["categories"][said])
    return switched.with_note(_ask_next(ctx).text)


_LABELS = re.compile(r"(?:我的)?(?:手机号码|手机号|手机|联系电话|电话|号码|电子邮箱|邮箱地址|邮箱|e-?mail)(?:是|为|:|：)?",
                     re.IGNORECASE)


def _clauses(text: str) -> list[str]:
    return [clause for clause in re.split(r"[\s,，;；、。]+", text) if clause]


def _given_besides(ctx, field: Field) -> tuple[dict, str]:
    """What a message answers of the form besides the question asked, by the shapes that cannot be
    mistaken (a mobile, an e-mail address), and the message without them ("" when that was all)."""
    columns = {f.column for f in FORMS[ctx.flow_data["kind"]]}
    given, rest = {}, _CONTACT_IS_ME.sub(r"\1", normalise(ctx.text))  # "联系人写我 张招弟": 联系人张招弟
    for column, find in (("mobile", mobile_and_rest), ("contact_mobile", mobile_and_rest), ("email", email_and_rest)):
        if column in columns and column != field.column:
            value, without = find(rest)
            if value:
                given[column], rest = value, without
    if given:
        rest = " ".join(_clauses(_LABELS.sub(" ", rest)))
    shaped, used = _shaped_besides(ctx, field, rest)
    if shaped:
        given.update(shaped)
        rest = " ".join(clause for clause in _clauses(rest) if clause not in used)
    if given:  # "刚才手机号填错了 应该是139…", "好的 那就普通会员": what is left says nothing
        rest = " ".join(clause for clause in _clauses(rest) if not _only_filler(clause))
    return given, rest


_NOTHING_ASKED = Field("kind", "kind", _plain(str), lambda text: False)  # details said with the type of application
_NAME_LEAD = re.compile(r"^(?:申请入会|申请|入会)?[:：]?(?:我叫|我的名字是|名字是|姓名是?|叫)?")


def _details_said(ctx) -> dict:
    """Everything an individual's message says of the form together with the type of application ("申请入会：
    张伟，男，河南理工大学，副教授，手机…", "个人的。我叫杨帆，在河南农业大学当讲师"): kept in the answers and
    returned; {} for a unit's application or a message that says nothing more."""
    if ctx.flow_data.get("kind") != "individual" or not ctx.message.in_words:
        return {}
    answers = ctx.flow_data["answers"]
    given, rest = _given_besides(ctx, _NOTHING_ASKED)
    rest = " ".join(clause for clause in _clauses(rest) if not any(str(value) in clause for value in given.values()))
    unit = _unit_besides(ctx, _NOTHING_ASKED, rest)
    if unit:
        given.update(unit)
        rest = " ".join(clause for clause in _clauses(rest) if unit["work_unit"] not in clause)
    kind_words = [*_any_category_name(), *(w for key in ("unit_said", "individual_said", "can_i") for w in _texts()["words"][key])]
    for clause in re.split(r"[\s,，;；、。:：]+", normalise(rest)):
        candidate = _NAME_LEAD.sub("", clause)
        if "name" not in answers and "name" not in given and candidate and tries_value("name", candidate) and \
                re.fullmatch(r"[\u4e00-\u9fff·]{2,5}", candidate) and not any(word in clause for word in kind_words):
            try:
                given["name"] = name_in(candidate)
            except Invalid:
                pass
    given = {column: value for column, value in given.items() if column not in answers}
    answers.update(given)
    _drop_what_no_longer_fits(ctx, answers)
    return given


def _goes_ahead(text: str) -> bool:
    """"嗯 开始吧", "好的 来吧": a go-ahead made of words of assent and starting only (content go_ahead), no value."""
    said = rest = re.sub(r"[\s\W_]+", "", normalise(text))
    for word in sorted(_texts()["words"]["go_ahead"], key=len, reverse=True):
        rest = rest.replace(word, "")
    return bool(said) and not rest  # "。。" says nothing, no go-ahead


def _only_filler(clause: str) -> bool:
    """A clause made of assent and correction words only ("好的", "刚才 填错了 应该是")."""
    rest = clause
    for word in sorted(_texts()["words"]["filler"], key=len, reverse=True):
        rest = rest.replace(word, "")
    return not rest


_DISCIPLINE_SAID = re.compile(r"^(?:我是|我)?(?:搞|做|学|研究|从事|干)(.{2,15}?)(?:的|方向的?|专业的?|工作的?|研究的?)$"
                              r"|^(?:我的)?(?:所学专业|专业方向|研究方向|学科专业|专业|学科)(?:是|为|:|：)?(.{2,15})$")
_BORN_SAID = re.compile(r"^(?:我是|我)?((?:19[2-9]|20[01])\d)年?(?:出生的?|生的?|生人|的)$")
_CONTACT_IS_ME = re.compile(r"(联系人|对接人)(?:就)?(?:(?:写|填)(?:的是|成)?我?|是我(?:本人)?)[\s,，:：]*")
_NO_EMAIL_SAID = re.compile(r"^(?:我)?(?:没有|没|无|不用|不填|不留)(?:电子)?(?:邮箱|邮件|email)$"
                            r"|^(?:电子)?(?:邮箱|邮件|email)(?:就)?(?:没有|没|无|不填|不留)(?:了|的)?$", re.IGNORECASE)
_CONTACT_SAID = re.compile(r"^(?:联系人是|联系人|对接人是|对接人)[:：]?([\u4e00-\u9fff]{2,4})$")


def _shaped_besides(ctx, field: Field, text: str) -> tuple[dict, set[str]]:
    """Answers to later questions said in clauses of their own shape, whatever question was asked:
    the discipline "搞农业机械化的", the contact "联系人张建国", the category "那就普通会员" (a form
    that still wants them); and the clauses that said them."""
    columns = {f.column for f in _form(ctx)} - set(ctx.flow_data["answers"]) - {field.column}
    found, used = {}, set()
    for clause in _clauses(normalise(text)):
        before = len(found)
        if "category" in columns and _category_clause(clause):  # "好的 那就普通会员" at the name question
            found["category"] = _clean_category(clause, None)
        discipline = _DISCIPLINE_SAID.match(clause)
        if discipline and "discipline" in columns:
            found["discipline"] = discipline.group(1) or discipline.group(2)  # "搞农业机械化的", "专业作物学"
        elif "discipline" in columns and (clause == normalise(text).strip() or _a_bare_discipline(clause, text)) \
                and len(clause) <= 8 and not field.tries(clause) and _tries_value("discipline", clause):
            found["discipline"] = clause  # "化学" alone at the school question, "… 临床医学 手机…": his field
        if "email" in columns and _NO_EMAIL_SAID.match(clause):  # "没有邮箱" before it is asked: none, kept
            found["email"] = None
        contact = _CONTACT_SAID.match(clause)
        if contact and "contact_name" in columns:
            found["contact_name"] = contact.group(1)
        born = _BORN_SAID.match(clause)
        if born and "birth_year" in columns:  # "李强，1985年的": the name and the year
            found["birth_year"] = int(born.group(1))
        if "gender" in columns and gender_in(clause):  # "女", "我是女的"
            found["gender"] = gender_in(clause)
        # a title at the post-category question is a try at that choice (refused, as before), not a title
        title = _title_in(clause) if "title" in columns and field.column != "post_category" and \
            _title_said(text) else None
        if title:  # "副主任医师", "郑州大学化学学院副教授" (the unit kept as well)
            found["title"] = title
            unit = unit_in(clause)
            if unit and _AT_UNIT.sub("", clause).startswith(unit) and "work_unit" in columns:
                found["work_unit"] = unit
        if len(found) > before or any(str(value) in clause for value in found.values()):
            used.add(clause)
    return found, used


def _a_bare_discipline(clause: str, text: str) -> bool:
    """A clause among others that can only be a field of study ("临床医学", "机械" beside a name and a mobile):
    no name, unit, title, mobile or question of its own, in a message that looks for no job ("招聘 算法")."""
    return re.fullmatch(r"[\u4e00-\u9fff]{2,8}", clause) is not None and not tries_value("name", clause) and \
        not clause.endswith(tuple(_texts()["words"]["department_endings"])) and \
        not any(word in text for word in _texts()["words"]["not_in_titles"]) and \
        unit_in(clause) is None and _title_in(clause) is None and not asks_something(clause)


def _category_clause(clause: str) -> bool:
    """A clause that names a category to apply for ("那就普通会员", "申请学生会员"), not the fellow's."""
    try:
        return any(word in clause for word in _any_category_name()) and bool(_clean_category(clause, None))
    except Invalid:
        return False


def _field_question(text: str, field: Field) -> str | None:
    """The answer to a question about the question asked or an option: whether it may be left empty ("这个必须填
    吗", "可以跳过吗"), or what a member category means ("高级会员是什么意思"); None for anything else."""
    words, plain = _texts()["words"], normalise(text)
    if any(word in plain for word in words["required_asks"]):  # of the field it names ("职称也没有 可以空着吗"), else this one
        named = [(len(name), f) for f in FIELDS.values() for name in _texts()["fields"].get(f.step, ()) if name in plain]
        other = max(named, key=lambda found: found[0])[1] if named else field
        if other.step != field.step:
            return content.text(f"signup.other_field_{'optional' if other.optional else 'required'}",
                                field=_texts()["fields"][other.step][0])
        return content.text(f"signup.field_{'optional' if field.optional else 'required'}")
    if any(word in plain for word in words["meaning_asks"]) and any(name in plain for name in _category_names()):
        return form_question(words["meaning_answered_by"])
    about = _field_asked_about(plain) if form_question(plain) is None else None  # "需要填导师的名字吗": the tutor's
    if about is not None:  # "职称得填啥 俺没评过职称", "邮箱没有 中不中": that item's hint, or whether it may stay empty
        hint = _texts()["field_hints"].get(about.step)
        return hint or content.text(f"signup.other_field_{'optional' if about.optional else 'required'}",
                                    field=_texts()["fields"][about.step][0])
    return None


def _field_asked_about(plain: str) -> Field | None:
    """The item of the form a question is about, by its name (the longest said) with words of filling it in
    ([signup.words] field_asks): "职称得填啥", "邮箱没有 中不中"; None when it names none or asks nothing
    ("单位会员一年多少钱" names 单位 but asks about dues)."""
    words = _texts()["words"]
    if not asks_something(plain) or any(word in plain for word in words["field_not_words"]):
        return None  # "招聘岗位要填学历吗": a job search naming 岗位
    named = [(len(name), f) for f in FIELDS.values() for name in _texts()["fields"].get(f.step, ()) if name in plain and (
        any(word in plain for word in words["field_asks"])
        or any(f"{name}{lack}" in plain or f"{lack}{name}" in plain for lack in words["field_lacks"]))]
    return max(named, key=lambda found: found[0])[1] if named else None


def _said_for_field_asked_about(ctx) -> dict:
    """"那就写无", "就填乡村医生" right after a question about an item of the form: that item's value
    ({column: value}; "无" for an optional item is kept as none given); {} for anything else."""
    about = FIELDS.get(ctx.flow_data.get("asked_about") or "")
    plain = normalise(ctx.text).strip(" 。.!！吧")
    lead = next((lead for lead in _texts()["words"]["field_value_leads"] if plain.startswith(lead)), None)
    if about is None or lead is None or about.column in ("mobile", "contact_mobile"):
        return {}
    value = plain[len(lead):].strip(" ：:")
    if about.optional and _left_empty(value, about.column):
        return {about.column: None}
    try:
        return {about.column: about.clean(value, ctx.db)}
    except Invalid:
        return {}


def form_question(text: str, in_form: bool = True) -> str | None:
    """The answer to a question about the application form itself ([[signup.form_questions]]), or None;
    `in_form`: asked while filling it in (questions marked before_form are answered only before)."""
    asked = [question for question in _texts()["form_questions"] if not (in_form and question.get("before_form"))]
    questions = content.questions_asked(asked, normalise(text))  # "入会有啥好处 学生能入吗 要交多少钱": each answered
    if not questions:
        return None
    return "\n\n".join(question["answer"].format(categories=_category_lines(), **content.society()["secretariat"])
                       for question in questions)


def category_description(category: str) -> str | None:
    """Who a membership category is for (content/replies/members_signup.toml [signup.category_descriptions])."""
    return _texts()["category_descriptions"].get(category)


def _category_lines() -> str:
    described = _texts()["category_descriptions"]
    return "\n".join(content.text("signup.category_line", category=content.in_words(_membership()["categories"][c]),
                                   fee=dues.format_amount(dues.yearly_fee(c)) + content.text("signup.fee_unit"),
                                   description=described[c]) for c in SELF_SIGNUP_CATEGORIES)


def _title_said(text: str) -> str | None:
    """The first title a message's clauses give, unless the message looks for a job ("招聘 工程师")."""
    value = normalise(text)
    if any(word in value for word in _texts()["words"]["not_in_titles"]):
        return None
    return next(filter(None, map(_title_in, _clauses(value))), None)


_AT_UNIT = re.compile(r"^(?:我|我现在|现在|目前)?在")


def _title_in(clause: str) -> str | None:
    """The professional title a clause ends with, without the unit before it; None if it has none."""
    clause = re.sub(r"(?:吧|呢|啊|了|哈)+$", "", clause)
    if looks_like_a_question(clause) or not tries_value("title", clause) or \
            re.sub(r"[\W_]+$", "", clause).endswith(tuple(_texts()["words"]["not_titles"])):
        return None
    unit = unit_in(clause)
    at = _AT_UNIT.sub("", clause) if unit else clause  # "在河南农业大学当讲师"
    title = at[len(unit):] if unit and at.startswith(unit) else clause
    title = re.sub(r"^(?:那就|那先|就|先)?(?:我是|是|现在是|职称是?|填|写|在|当|任)", "", title).strip(" 的了")
    return title if re.fullmatch(r"[\u4e00-\u9fff]{2,12}", title) else None


def _unit_besides(ctx, field: Field, text: str) -> dict:
    """The work unit a message names when another question was asked ("在郑大一附院上班"), if the
    form still wants one; {} otherwise."""
    column = "work_unit"
    if ctx.flow_data["kind"] != "individual" or field.column in (column, "school") or \
            ctx.flow_data["answers"].get(column):
        return {}
    unit = unit_in(text)
    if unit is None:
        return {}
    if ctx.flow_data["answers"].get("category") == "student":
        return {column: unit, "school": unit}  # the school is the student's unit, as when asked
    return {column: unit}


def _noted_reply(ctx, given: dict) -> Reply:
    """What was kept; a landline given for the contact ("电话0371-66889900") is said to be no mobile."""
    noted = ctx.reply("signup.noted", items=_noted(ctx, given))
    wants_mobile = {"mobile", "contact_mobile"} & {f.column for f in _form(ctx)} - set(ctx.flow_data["answers"])
    if wants_mobile and has_landline(re.sub(r"\s", "", ctx.text)):
        return noted.with_note(content.text("signup.landline_note"))
    return noted


def _noted(ctx, given: dict) -> str:
    """"手机 138****5678、工作单位 郑大一附院": what was kept besides the question asked."""
    fields = {f.column: f for f in FORMS[ctx.flow_data["kind"]]}
    return _texts()["noted_separator"].join(
        f"{_texts()['fields'][fields[column].step][0]} {_shown(fields[column], value)}" for column, value in given.items())


def go_back(ctx):
    """"返回上一步": the question before the current one, its answer to be given again."""
    answers = ctx.flow_data.get("answers", {})
    if ctx.flow["step"] == "kind" or "kind" not in ctx.flow_data:
        return ctx.reply("signup.ask_kind")
    form = _form(ctx)
    current = ctx.flow["step"]
    asked = [f for f in form if f.column in answers and f.step != current]
    if current != "summary":
        position = next((i for i, f in enumerate(form) if f.step == current), len(form))
        asked = [f for f in asked if form.index(f) < position]
    if not asked:
        ctx.goto("kind", answers={key: value for key, value in answers.items() if key == "unit_id"})
        ctx.flow_data.pop("kind", None)
        return ctx.reply("signup.ask_kind")
    previous = asked[-1]
    answers.pop(previous.column, None)
    ctx.goto(previous.step)
    return _ask(previous, answers=answers)


def _tries_field(ctx) -> bool:
    """The field's own shape, or a mobile / e-mail address or title for a later question, a change of
    category, or a question about the form itself."""
    text = ctx.text
    if asks_elsewhere(ctx, (FLOW,)):  # "学生会员要交钱吗" at the name question: no category said, a question to answer
        return form_question(text) is not None or _field_question(text, FIELDS[ctx.flow["step"]]) is not None
    wants_title = "title" in {f.column for f in _form(ctx)} and "title" not in ctx.flow_data["answers"]
    field = FIELDS[ctx.flow["step"]]
    return field.tries(text) or (field.optional and _left_empty(text, field.column)) or form_question(text) is not None or bool(_said_for_field_asked_about(ctx)) or \
        _field_question(text, FIELDS[ctx.flow["step"]]) is not None or \
        (wants_title and _title_said(text) is not None) or mobile_and_rest(text)[0] is not None or \
        email_and_rest(text)[0] is not None or (
            any(word in text for word in _texts()["words"]["switch_words"]) and "会员" in text) or \
        _says_submit(text) or bool(_shaped_besides(ctx, FIELDS[ctx.flow["step"]], text)[0]) or \
        bool(_named_in_correction(ctx, [f for f in _form(ctx) if f.column in ctx.flow_data["answers"]
                                        and f.step != ctx.flow["step"]])) or \
        (any(name in text for name in _texts()["kind_names"].values()) and not looks_like_a_question(text)) or \
        _labelled_answer(ctx) or _unit_still_wanted(ctx, text)


def _unit_still_wanted(ctx, text: str) -> bool:
    """"平顶山示范化工集团" at another question: the unit the form still wants, said alone (kept by answer_field)."""
    plain = normalise(text).strip()
    return "work_unit" in {f.column for f in _form(ctx)} and "work_unit" not in ctx.flow_data["answers"] and \
        not looks_like_a_question(plain) and unit_in(plain) == plain


def _labelled_answer(ctx) -> bool:
    """A message that starts with the name of an item the form still wants and asks nothing ("单位就写南阳纺织厂
    退休", "邮箱 chen@163.com"): an answer, whatever the router hears in the words after the name."""
    plain = normalise(ctx.text).strip()
    wanted = [f for f in _form(ctx) if f.column not in ctx.flow_data["answers"]]
    return not asks_something(plain) and any(plain.startswith(name) and plain != name
                                             for f in wanted for name in _texts()["fields"].get(f.step, ()))


def _drop_what_no_longer_fits(ctx, answers: dict) -> None:
    """The school once no longer a student; the invite's unit once the work unit is another."""
    for field in FORMS[ctx.flow_data["kind"]]:
        if not field.applies(answers):
            answers.pop(field.column, None)
    unit = find_unit(ctx.db, answers["unit_id"]) if answers.get("unit_id") else None
    if unit and unit["name"] not in answers.get("work_unit", unit["name"]):
        del answers["unit_id"]


def _register_field_steps() -> None:
    for field in FIELDS.values():
        step(FLOW, field.step, reads_only=True, prompt=_current_question, tries=_tries_field,
             back=go_back)(answer_field)


_register_field_steps()


def _tries_summary(ctx) -> bool:
    if asks_elsewhere(ctx, (FLOW, "profile")):  # "郑州有数据分析的岗位吗" names 岗位 but picks no item to correct
        return False
    return (_field_to_correct(ctx) is not None or says_yes(ctx.text) or _says_submit(ctx.text)
            or _CORRECTION_VERB.match(normalise(ctx.text)) is not None)


@step(FLOW, "summary", reads_only=True, confirms=True, numbers=None, prompt=_current_question, tries=_tries_summary,
      back=go_back)
def confirm_or_correct(ctx):
    """A number or a field's name asks that field again; anything unclear shows the summary again."""
    answers = ctx.flow_data["answers"]
    values, _ = _corrected_values(ctx, _form(ctx))
    if values:  # "出生年份错了 是2003": taken, the summary again
        fields = {f.column: f for f in _form(ctx)}
        for column, value in values.items():
            _keep_answer(ctx, fields[column], value)
        _drop_what_no_longer_fits(ctx, answers)
        return _summary(ctx)
    if "gender" not in answers and gender_in(ctx.text) and len(normalise(ctx.text)) <= 4:  # "男" at the summary
        answers["gender"] = gender_in(ctx.text)
        return _summary(ctx)
    field = _field_to_correct(ctx)
    if field is not None:
        ctx.flow_data["replaced"] = {field.column: ctx.flow_data["answers"].pop(field.column, None)}
        if not field.asked:  # 性别, 职称: asked for only when the member picks it to correct
            ctx.goto(field.step)
            return _ask(field, answers=ctx.flow_data["answers"])
        return _ask_next(ctx)
    if says_yes(ctx.text) or _says_submit(ctx.text):  # also "就这些了 没问题 提交吧"
        return _submit(ctx)
    return _summary(ctx)


def _field_to_correct(ctx) -> Field | None:
    """"3", "修改3", "改 手机", "手机号填错了" -> that field of the summary (longest name wins)."""
    wanted = _CORRECTION_VERB.sub("", re.sub(r"\s+", "", normalise(ctx.text)))
    form = _summary_fields(ctx)
    if wanted.isdigit():
        number = int(wanted) if re.fullmatch(r"[0-9]{1,3}", wanted) else 0  # not "²", not 5,000 digits
        return form[number - 1] if 1 <= number <= len(form) else None
    named = [(len(name), f) for f in form for name in _texts()["fields"][f.step] if name in wanted]
    return max(named, key=lambda pair: pair[0])[1] if named else None


@settled_by(FLOW)
def _applied_meanwhile(ctx) -> bool:
    """Applied on the page, or a member already (approved): the chat form is not gone on with (a member's
    application for his unit is)."""
    return bool((ctx.flow_data.get("kind") != "unit" and find_member_by_openid(ctx.db, ctx.openid))
                or find_open_application(ctx.db, ctx.openid))


def _submit(ctx) -> Reply:
    kind, answers = ctx.flow_data["kind"], ctx.flow_data["answers"]
    ctx.end_flow()
    member = find_member_by_openid(ctx.db, ctx.openid)
    if member and kind != "unit":  # approved meanwhile: no second application for the secretariat
        return ctx.reply("signup.already_member", member_no=member["member_no"])
    existing = find_open_application(ctx.db, ctx.openid)
    if existing:  # submitted meanwhile, e.g. the same form confirmed twice
        return application_status(ctx, existing)
    application = create_application(ctx.db, ctx.openid, kind, answers)
    return ctx.reply("signup.submitted", app_no=application["app_no"])
