"""Everything a secretary reads from the command line: Chinese, local time, never "None"."""
from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from bot import content
from bot.cli import main
from storage.tickets import create_ticket
from tests.test_events_chat import add_event

GROUPS = ["members", "units", "fees", "pay", "remind", "news", "events", "awards", "jobs", "tickets", "admin", "db",
          "province", "schedule"]
ENGLISH = re.compile(r"[A-Za-z]{3,}[ ,][a-z]{2,} [a-z]{2,}")  # three English words in a row: a sentence


def invoke(env, *args):
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


def subcommands(group: str) -> list[str]:
    command = main.commands[group]
    return sorted(getattr(command, "commands", {}))


@pytest.mark.parametrize("group", GROUPS)
def test_every_secretariat_help_is_chinese(env, group):
    pages = [invoke(env, group, "--help").output]
    pages += [invoke(env, group, name, "--help").output for name in subcommands(group)]
    for page in pages:
        words = [line for line in page.splitlines()
                 if ENGLISH.search(line) and not line.startswith("用法：")]  # the usage line names the command
        assert words == [], page
        assert "用法：" in page and "显示本帮助并退出" in page


def test_create_user_without_a_role_says_what_to_give_in_chinese(env):
    result = invoke(env, "admin", "create-user", "王秘书")
    assert result.exit_code != 0
    assert "请用 --role 指定账号角色" in result.output and "Missing" not in result.output
    wrong = invoke(env, "admin", "create-user", "王秘书", "--role", "boss")
    assert "的值不对" in wrong.output and "Invalid" not in wrong.output


def test_events_list_never_prints_none(env, db):
    add_event(db, "青年学者论坛", in_days=10, place=None, society=None)
    out = invoke(env, "events", "list").output
    assert "青年学者论坛" in out and "None" not in out
    number = re.search(r"HD\d{7}", out).group()
    assert "None" not in invoke(env, "events", "show", number).output


def test_dates_read_in_local_time_without_an_offset(env, db):
    number = create_ticket(db, "o_member", "feedback", "希望多办线下培训")
    out = invoke(env, "tickets", "show", number).output
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", out)
    assert not re.search(r"T\d{2}:\d{2}|[+-]\d{2}:\d{2}\b", out), out


def test_serve_prints_the_consoles_address(env, monkeypatch):
    import werkzeug.serving

    from bot import workers

    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda *args, **kwargs: None)
    monkeypatch.setattr(workers, "start_background_worker", lambda config: None)
    out = invoke(env, "serve", "--port", "8123").output
    assert "http://127.0.0.1:8123/admin/" in out and "create-user" in out


def _texts(node) -> set[str]:
    if isinstance(node, dict):
        return set().union(*map(_texts, node.values())) if node else set()
    return {node} if isinstance(node, str) else set()


def _options(command):
    yield from (param for param in command.params if isinstance(param, click.Option) and param.help)
    for sub in getattr(command, "commands", {}).values():
        yield from _options(sub)


@pytest.mark.parametrize("group", [*GROUPS, "doctor", "menu", "templates", "worker", "chat"])
def test_every_option_is_explained_in_words_from_content(group):
    """A secretariat edits what --help says about an option in content/, not in code."""
    texts = set().union(*(_texts(content.load_toml(str(path.relative_to(content.CONTENT_DIR))))
                          for path in content.CONTENT_DIR.rglob("*.toml")))  # replies, and jobs.toml's column labels
    options = list(_options(main.commands[group]))
    assert options
    assert [(group, option.name, option.help) for option in options if option.help not in texts] == []
