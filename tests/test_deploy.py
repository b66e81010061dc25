"""The production files under deploy/ cannot rot: every command a unit runs exists, every setting
the environment file names is one bot/config.py reads, and the pieces agree with each other
(the port nginx proxies to is gunicorn's, Redis's socket is REDIS_URL's, logrotate covers the logs,
every unit the target, the timers and the operator's texts name exists)."""
from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import click
import pytest

from bot.cli import main
from bot.config import PROJECT_ROOT, Config

DEPLOY = PROJECT_ROOT / "deploy"
INSTALLED_AT = "/opt/xuehui"  # where deploy/ expects the project (README "Go live")
UNITS = sorted((DEPLOY / "systemd").iterdir())


def unit(path: Path) -> dict[str, list[str]]:
    """A systemd unit file as key -> values (keys may repeat, as ExecStart does in a oneshot)."""
    parsed: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            parsed.setdefault(key.strip(), []).append(value.strip())
    return parsed


def commands() -> list[tuple[str, list[str]]]:
    return [(path.name, shlex.split(value.lstrip("-@+!")))
            for path in UNITS for key in ("ExecStart", "ExecStartPre") for value in unit(path).get(key, [])]


def local(path: str) -> Path:
    assert path.startswith(INSTALLED_AT + "/"), path
    return PROJECT_ROOT / path.removeprefix(INSTALLED_AT + "/")


def env_example(commented: bool = False) -> dict[str, str]:
    """NAME=value lines of the environment file example (with `commented`, also the optional #NAME= ones)."""
    pattern = r"#?([A-Z][A-Z0-9_]*)=(.*)" if commented else r"([A-Z][A-Z0-9_]*)=(.*)"
    lines = (DEPLOY / "xuehui.env.example").read_text().splitlines()
    return {m.group(1): m.group(2).strip() for m in map(lambda line: re.fullmatch(pattern, line), lines) if m}


def settings_read_by_config() -> set[str]:
    source = (PROJECT_ROOT / "bot" / "config.py").read_text()
    return set(re.findall(r'"([A-Z][A-Z0-9_]+)"', source))


def test_every_command_a_unit_runs_is_a_real_command():
    seen = set()
    for name, argv in commands():
        program = Path(argv[0]).name
        seen.add(program)
        if program == "python":
            assert argv[0] == f"{INSTALLED_AT}/.venv/bin/python" and argv[1:3] == ["-m", "bot"], (name, argv)
            group, ctx = main, click.Context(main)
            for word in argv[3:]:
                if word.startswith("-"):
                    break
                found = group.get_command(ctx, word) if isinstance(group, click.Group) else None
                assert found is not None, f"{name}: python -m bot {' '.join(argv[3:])}: no command {word!r}"
                group = found
            assert not isinstance(group, click.Group), f"{name}: {argv} names a group, not a command"
        elif program == "gunicorn":
            module, _, attribute = argv[-1].partition(":")
            source = PROJECT_ROOT / (module.replace(".", "/") + ".py")
            tree = ast.parse(source.read_text())
            assigned = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
                        if isinstance(t, ast.Name)}
            assert attribute in assigned, f"{name}: {argv[-1]}"
        elif program == "redis-server":
            assert local(argv[1]).is_file(), argv[1]
        else:
            assert program == "kill", (name, argv)
    assert {"python", "gunicorn", "redis-server"} <= seen


def test_every_setting_the_environment_file_names_is_read_by_config():
    known = settings_read_by_config()
    named = set(env_example(commented=True))
    for path in UNITS:
        named |= {v.split("=", 1)[0] for v in unit(path).get("Environment", [])}
    assert named - known == set()
    for required in ("BOT_ENV", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_TOKEN", "WECHAT_ENCODING_AES_KEY",
                     "ADMIN_SECRET_KEY", "PUBLIC_BASE_URL", "REDIS_URL", "BOT_DATA_DIR", "BOT_REPLICA_DIR"):
        assert required in named, required
    for path in UNITS:
        for env_file in unit(path).get("EnvironmentFile", []):
            assert env_file == "/etc/xuehui/xuehui.env", (path.name, env_file)


def test_the_pieces_agree_with_each_other():
    web = " ".join(unit(DEPLOY / "systemd" / "xuehui-web.service")["ExecStart"])
    bind = re.search(r"--bind (\S+)", web).group(1)
    nginx = (DEPLOY / "nginx" / "xuehui.conf").read_text()
    assert nginx.count("{") == nginx.count("}")
    assert f"proxy_pass http://{bind};" in nginx and "listen 443 ssl;" in nginx
    body = re.search(r"client_max_body_size (\d+)m;", nginx).group(1)
    assert int(body) * 1024 * 1024 >= Config.admin_upload_max_bytes  # a roster upload is not cut off

    redis_conf = dict(line.split(None, 1) for line in (DEPLOY / "redis" / "xuehui-redis.conf").read_text().splitlines()
                      if line.strip() and not line.startswith("#"))
    assert env_example()["REDIS_URL"] == f"unix://{redis_conf['unixsocket']}"
    assert redis_conf["appendonly"] == "yes" and redis_conf["appendfsync"] == "everysec"
    state_dir = unit(DEPLOY / "systemd" / "xuehui-redis.service")["StateDirectory"][0]
    assert redis_conf["dir"] == f"/var/lib/{state_dir}"
    assert env_example()["BOT_DATA_DIR"].startswith("/var/lib/xuehui/")

    logs = re.findall(r"--(?:access|error)-logfile (\S+)", web)
    rotated = (DEPLOY / "logrotate" / "xuehui").read_text()
    assert logs and all(Path(log).parent.as_posix() + "/*.log" in rotated for log in logs)


def _unit_exists(name: str) -> bool:
    if "@" in name and not name.endswith("@.service"):
        name = re.sub(r"@[^.]*\.", "@.", name)
    return (DEPLOY / "systemd" / name).is_file()


def test_every_unit_named_anywhere_exists():
    named = set()
    for path in UNITS:
        for key in ("Wants", "Requires", "After", "Before", "PartOf"):
            for value in unit(path).get(key, []):
                named |= {n for n in value.split() if n.startswith("xuehui")}
        if path.suffix == ".timer":
            assert _unit_exists(path.stem + ".service"), path.name
    texts = "".join(p.read_text() for p in (PROJECT_ROOT / "content" / "replies").glob("*.toml"))
    texts += (PROJECT_ROOT / "docs" / "operations.md").read_text()
    named |= {n.strip("'\"") for n in re.findall(r"systemctl \w+ ((?:'?xuehui[\w@.*-]*'? ?)+)", texts)
              for n in n.split()}
    named = {n.strip("'\"").replace("*", "1") for n in named}
    missing = [n for n in named if not _unit_exists(n if "." in n else n + ".service")]
    assert not missing and len(named) > 8, (missing, named)


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_every_unit_has_its_sections(path):
    text = path.read_text()
    assert "[Unit]" in text and "Description=" in text
    if path.suffix == ".service":
        assert "[Service]" in text and "ExecStart=" in text
        if "ExecStart=/opt/xuehui/.venv" in text:
            assert "User=xuehui" in text and "WorkingDirectory=/opt/xuehui" in text
    if path.suffix == ".timer":
        assert "[Timer]" in text and "OnCalendar=" in text
