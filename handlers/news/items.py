"""Newsletter items: the file the secretariat writes, and what a member reads of it in chat.

An item is a Markdown file that starts with TOML front matter between two
`+++` lines (the Hugo convention for TOML):

    +++
    title = "省科技厅发布 2026 年度科技计划项目申报指南"
    topics = ["policy"]
    summary = "重点支持人工智能、新材料等方向，5 月 31 日截止。"
    link = "https://www.example.org/news/2026-05-guide"
    publish_at = 2026-05-06T09:00:00+08:00
    [audience]
    category = ["regular", "senior"]
    +++
    正文（Markdown）……

TOML rather than YAML: the secretariat already edits TOML everywhere in
content/, and tomllib needs no third-party parser. The item number is the file
name without `.md`, so publishing the same file again updates that item
instead of adding a second one.

Every problem of a file is collected before anything is stored, so the
secretariat fixes a file in one go; each message names the field
(texts under [news_file] in content/replies/news_cli.toml).
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path

from bot import clock, content
from bot.config import PROJECT_ROOT
from bot.messages import Article, Reply
from bot.periodic import JobRun, periodic
from bot.router import normalize
from handlers.members.rules import category_code
from storage.members import Refused
from storage.news import forget_unused_pictures, subscribe_unless_subscribed

DELIMITER = "+++"
KINDS = ("newsletter", "resolution")
ITEM_TOPICS = ("policy", "discipline", "industry", "talent")  # the four of the reform plan, 四.6
FIELDS = ("title", "kind", "topics", "audience", "summary", "link", "publish_at", "picture")
AUDIENCE_KEYS = ("category", "discipline", "unit")
_URL = re.compile(r"https?://[^\s/]+\.[^\s]+")


# --- settings from content/ -------------------------------------------------------

def settings() -> dict:
    return content.load_toml("newsletter_settings.toml")


def give_default_subscriptions(db, openid: str) -> list[str]:
    """At registration: the default topics of content/newsletter_settings.toml, once.

    A member who already has subscriptions (or registers again) keeps their own choice.
    """
    return subscribe_unless_subscribed(db, openid, settings()["default_topics"])


def topic_names() -> dict[str, str]:
    """Every subscribable topic (the item topics and `jobs`) -> its Chinese name, in display order."""
    return settings()["topics"]


def joined(words) -> str:
    return content.text("news.separator").join(words)


def topic_list(topics) -> str:
    """Topic codes as the member reads them, in display order: 政策资讯、行业动态."""
    names = topic_names()
    return joined(names[t] for t in names if t in topics)


def said(text: str, words: str, whole: bool = True) -> bool:
    """Whether a message is (whole) or contains (not whole) one of the phrases under [words]."""
    plain = re.sub(r"[\W_]+", "", normalize(text))
    phrases = settings()["words"][words]
    return plain in phrases if whole else any(p in plain for p in phrases)


# --- reading a file ------------------------------------------------------------------

class ItemError(ValueError):
    """What is wrong with a newsletter file, one Chinese sentence per problem."""

    def __init__(self, source: str, problems: list[str]):
        super().__init__(content.text("news_file.header", file=source) + "".join(
            content.text("news_file.problem", problem=p) for p in problems))
        self.source, self.problems = source, problems


class _Bad(Exception):
    """One problem with a field: a key under [news_file] and the facts it names."""

    def __init__(self, reason: str, **facts):
        super().__init__(reason)
        self.reason, self.facts = reason, facts

    def sentence(self, wording: str = "news_file") -> str:
        """In `wording`'s words where it has this reason (the console names its form's fields),
        else a file's."""
        try:
            return content.text(f"{wording}.{self.reason}", **self.facts)
        except content.ContentError:
            return content.text(f"news_file.{self.reason}", **self.facts)


def read_item(path: Path) -> dict:
    """Parse and check one file; the item number is the file name without `.md`."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad on Windows writes a BOM
    except (OSError, UnicodeDecodeError) as error:
        raise ItemError(str(path), [content.text("news_file.unreadable", error=error)]) from None
    return parse_item(text, item_no=path.stem.strip(), source=_shown_path(path))


def _shown_path(path: Path) -> str:
    """A file under the project as `content/newsletters/x.md`, so it reads the same on every machine."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def parse_item(text: str, item_no: str, source: str, wording: str = "news_file") -> dict:
    """The stored form of an item: item_no, kind, title, topics, audience, summary, link,
    body, publish_at (ISO, local time; None = when it is stored) and source. Problems are told
    in `wording`'s texts where it has them (the console's form), else a file's."""
    problems = []

    def check(clean, *args):
        try:
            return clean(*args)
        except _Bad as bad:
            problems.append(bad.sentence(wording))
            return None

    try:
        meta, body = _split(text)
    except _Bad as bad:
        raise ItemError(source, [bad.sentence()]) from None
    for name in meta:
        if name not in FIELDS:
            problems.append(content.text("news_file.unknown_field", field=name, fields=", ".join(FIELDS)))
    kind = check(_kind, meta.get("kind"))
    limits = settings()["limits"]
    item = {
        "item_no": item_no,
        "kind": kind,
        "title": check(_text_field, "title", meta.get("title"), limits["title_chars"]),
        "topics": check(_topics, meta.get("topics"), kind),
        "audience": check(_audience, meta.get("audience"), kind),
        "summary": check(_text_field, "summary", meta.get("summary"), limits["summary_chars"]),
        "link": check(_link, meta.get("link")),
        "publish_at": check(_publish_at, meta.get("publish_at")),
        "picture": check(_picture, meta.get("picture")),
        "body": body.strip(),
        "source": source,
    }
    if not item["body"] and not meta.get("link"):
        problems.append(_Bad("empty").sentence(wording))
    if problems:
        raise ItemError(source, problems)
    return item


def _split(text: str) -> tuple[dict, str]:
    """Front matter (parsed) and body of a file."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or lines[first].strip() != DELIMITER:
        raise _Bad("yaml_start" if first is not None and lines[first].strip() == "---" else "no_start")
    end = next((i for i in range(first + 1, len(lines)) if lines[i].strip() == DELIMITER), None)
    if end is None:
        raise _Bad("no_end")
    try:
        meta = tomllib.loads("\n".join(lines[first + 1:end]))
    except tomllib.TOMLDecodeError as error:
        raise _Bad("toml", error=error) from None
    return meta, "\n".join(lines[end + 1:])


def _kind(value) -> str:
    if value is None:
        return "newsletter"
    if value not in KINDS:
        raise _Bad("kind", value=value)
    return value


def _text_field(name: str, value, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"{name}_missing")
    value = " ".join(value.split())
    if len(value) > limit:
        raise _Bad(f"{name}_long", limit=limit, length=len(value))
    return value


def _strings(value) -> list[str] | None:
    """A string or a list of strings, as a list; None if it is something else."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return [v.strip() for v in value]


def _topics(value, kind: str | None) -> list[str]:
    names = topic_names()
    # a file's writer is shown the codes to write (policy（政策资讯）), the form's user the names alone
    choices = joined(f"{code}（{names[code]}）" for code in ITEM_TOPICS)
    shown = topic_list(ITEM_TOPICS)
    if value is None and kind == "resolution":
        return []
    values = _strings(value)
    if not values:
        raise _Bad("topics_missing", choices=choices, names=shown)
    by_word = {word: code for code in ITEM_TOPICS for word in (code, names[code])}
    unknown = [v for v in values if v not in by_word]
    if unknown:
        raise _Bad("topics_unknown", value=joined(unknown), choices=choices, names=shown)
    return [code for code in ITEM_TOPICS if code in {by_word[v] for v in values}]


def _audience(value, kind: str | None) -> dict | None:
    """Who a newsletter goes to besides its topics; a resolution goes to everyone (三议一公布)."""
    if value is None:
        return None
    if kind == "resolution":
        raise _Bad("resolution_audience")
    if not isinstance(value, dict):
        raise _Bad("audience_table")
    unknown = [key for key in value if key not in AUDIENCE_KEYS]
    if unknown:
        raise _Bad("audience_key", name=joined(unknown))
    audience = {}
    for key, raw in value.items():
        values = _strings(raw)
        if not values:
            raise _Bad("audience_list", name=key)
        audience[key] = values
    if "category" in audience:
        audience["category"] = [_category(v) for v in audience["category"]]
    if "unit" in audience:
        audience["unit"] = [v.upper() for v in audience["unit"]]
    return audience or None


def _category(value: str) -> str:
    try:
        code = category_code(value)
    except Refused as refused:
        raise _Bad("audience_category", value=value, choices=refused.facts["choices"]) from None
    return code


PICTURE_NAME = re.compile(r"[0-9a-f]{16}\.(?:jpg|png)")  # a picture kept by the console (pictures.keep)


def _picture(value) -> str | None:
    """The name of a picture uploaded in the console (配图), as the console's form writes it."""
    if value is None:
        return None
    if not isinstance(value, str) or not PICTURE_NAME.fullmatch(value):
        raise _Bad("picture")
    return value


def _link(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _URL.fullmatch(value.strip()):
        raise _Bad("link", value=value)
    return value.strip()


def _publish_at(value) -> str | None:
    """ISO time with the offset of the process's zone (the society's); a bare date is 00:00. Stored times are
    compared as instants (storage.news), whatever offset an older row was written with."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise _Bad("publish_at", value=value) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise _Bad("publish_at", value=value)
    return value.astimezone().isoformat(timespec="seconds")


# --- what a member reads --------------------------------------------------------------

def item_line(number: int, item: dict) -> str:
    """One line of a numbered list: number, a mark for resolutions, title, date."""
    mark = content.text("news.resolution_mark") if item["kind"] == "resolution" else ""
    return content.text("news.item_line", number=number, mark=mark, title=item["title"],
                        date=clock.day_shown(item["publish_at"]))


def detail(item: dict, picture_url: str = "") -> Reply:
    """An item with a link is an article card (with its picture at `picture_url`, if any); one without is its
    text, shortened for chat."""
    if item["link"]:
        return Reply(articles=(Article(title=item["title"], description=item["summary"], url=item["link"],
                                       image=picture_url),))
    limit = settings()["chat"]["detail_body_chars"]
    body = plain_text(item["body"])
    if len(body) > limit:
        body = body[:limit] + content.text("news.cut")
    what = topic_list(item["topics"]) or content.text("news.resolution_label")
    return Reply(text=content.text("news.detail", title=item["title"], date=clock.day_shown(item["publish_at"]),
                                   topics=what, summary=item["summary"], body=body))


_MARKUP = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),            # pictures
    (re.compile(r"\[([^\]]+)\]\(([^)]+)\)"), r"\1（\2）"),  # links: text (url)
    (re.compile(r"^\s{0,3}#{1,6}\s*", re.M), ""),          # headings
    (re.compile(r"^\s{0,3}>\s?", re.M), ""),               # quotes
    (re.compile(r"(\*\*|__|\*|`)"), ""),                   # emphasis, code
    (re.compile(r"\n{3,}"), "\n\n"),
)


def paragraphs(markdown: str) -> list[str]:
    """The body as the member's article page shows it: paragraphs of plain text."""
    return [part.strip() for part in plain_text(markdown or "").split("\n\n") if part.strip()]


def pictures_in_body(markdown: str) -> bool:
    """Whether the body holds a picture written as Markdown (![海报](https://…)), which no page or chat shows:
    a picture goes with the item as its 配图."""
    return _MARKUP[0][0].search(markdown or "") is not None


PICTURE_KINDS = ((b"\xff\xd8\xff", "jpg", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "png", "image/png"))


class PictureRefused(ValueError):
    """A file that cannot be an item's picture: `reason` (not_picture, too_big) and its facts."""

    def __init__(self, reason: str, **facts):
        super().__init__(reason)
        self.reason, self.facts = reason, facts


def picture_bytes_limit() -> int:
    return int(settings()["limits"]["picture_mb"] * 1024 * 1024)


def checked_picture(data: bytes) -> tuple[str, str]:
    """(name, mimetype) of an uploaded picture: a JPEG or PNG by its first bytes (not its file name), at most
    [limits] picture_mb; named by its content (PICTURE_NAME)."""
    if len(data) > picture_bytes_limit():
        raise PictureRefused("too_big", limit=settings()["limits"]["picture_mb"],
                             size=f"{len(data) / 1024 / 1024:.1f}")
    for magic, extension, mimetype in PICTURE_KINDS:
        if data.startswith(magic):
            return f"{hashlib.sha256(data).hexdigest()[:16]}.{extension}", mimetype
    raise PictureRefused("not_picture")


def picture_keep_days() -> int:
    """How long a picture no item names is kept after its upload (content/schedule.toml [jobs.news_pictures])."""
    return content.load_toml("schedule.toml")["jobs"]["news_pictures"]["keep_days"]


@periodic("news_pictures")
def clear_unused_pictures(run: JobRun) -> dict:
    """Delete the pictures no item names (uploaded in a form never saved, or replaced) once they are older than
    [jobs.news_pictures] keep_days of content/schedule.toml: a form left open that long uploads it again."""
    before = run.at - timedelta(days=picture_keep_days())
    return {"removed": forget_unused_pictures(run.db, before.isoformat()), "uploaded_before": before.date().isoformat()}


def plain_text(markdown: str) -> str:
    """Markdown as a chat message shows it: the words without the markup."""
    for pattern, replacement in _MARKUP:
        markdown = pattern.sub(replacement, markdown)
    return markdown.strip()
