"""The reverse proxy's map of societies to hosts (`python -m bot shards nginx-map`, docs/platform.md
"Growing past one machine"): written from each host's registry, every AppID to the host that keeps
it, a society on two hosts refused, and nginx accepts it with deploy/nginx/xuehui-shards-routes.conf.
bench/bench_shards.py runs the whole of it (two hosts, nginx, one Redis) with traffic."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import PROJECT_ROOT
from storage import societies

HOST_A = ["wxa000000000000001", "wxa000000000000002", "wxa000000000000003"]
HOST_B = ["wxb000000000000001", "wxb000000000000002"]


def registered(data_dir, appids, revoked=()):
    registry = societies.open_registry(societies.registry_path(data_dir))
    for appid in appids:
        societies.register_society(registry, appid, f"学会{appid[-3:]}", status=societies.AUTHORIZED)
    for appid in revoked:
        societies.revoke_authorization(registry, appid)
    registry.close()
    return data_dir


def run(*args):
    return CliRunner().invoke(main, ["shards", "nginx-map", *args], catch_exceptions=False)


def test_every_society_goes_to_the_host_that_keeps_it(tmp_path):
    host_a = registered(tmp_path / "a", HOST_A, revoked=HOST_A[2:])  # revoked: its host still answers 410
    listed = tmp_path / "host_b.json"  # host B's `python -m bot societies list --json`, copied over
    listed.write_text(json.dumps([{"appid": appid, "name": "学会", "status": "authorized"} for appid in HOST_B]))
    out = tmp_path / "shards.map"
    result = run(f"host_a=10.0.0.11:8000={host_a}", f"host_b=10.0.0.12:8000={listed}", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert "2 台主机，5 个学会" in result.output
    text = out.read_text()
    routes = dict(re.findall(r"^\s+(wx\w{16}) (xh_\w+);$", text, re.M))
    assert routes == {**{a: "xh_host_a" for a in HOST_A}, **{b: "xh_host_b" for b in HOST_B}}
    assert "server 10.0.0.11:8000;" in re.search(r"upstream xh_host_a \{(.*?)\}", text, re.S).group(1)
    assert re.search(r"upstream xh_any \{\s+server 10.0.0.11:8000;\s+server 10.0.0.12:8000;", text)

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
                    f"http {{\n  include {out};\n  server {{\n    listen 127.0.0.1:18080;\n"
                    f"    include {PROJECT_ROOT}/deploy/nginx/xuehui-shards-routes.conf;\n  }}\n}}\n")
    checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_a_society_kept_on_two_hosts_is_refused(tmp_path):
    host_a = registered(tmp_path / "a", HOST_A)
    host_b = registered(tmp_path / "b", [*HOST_B, HOST_A[1]])
    out = tmp_path / "shards.map"
    result = run(f"host_a=10.0.0.11:8000={host_a}", f"host_b=10.0.0.12:8000={host_b}", "--output", str(out))
    assert result.exit_code != 0
    assert f"学会 {HOST_A[1]} 同时登记在 host_a 和 host_b 两台主机上" in result.output
    assert not out.exists()


def test_a_host_written_wrongly_is_explained(tmp_path):
    result = run("Host-A=10.0.0.11:8000")
    assert result.exit_code != 0 and "名称=地址=数据目录" in result.output
    assert "Traceback" not in result.output


def test_the_hosts_the_province_asks_are_listed_and_a_retired_one_forgotten(env, redis_client):
    from dataclasses import replace

    from bot.config import load_config
    from bot.platform.shards import HostsUnavailable, announce, ask_every_host
    from handlers.province.hosts import societies_here

    config = load_config(env)
    for name in ("host_a", "host_b"):  # what each host's worker does as it starts
        announce(replace(config, shard=name), redis_client)
    listed = CliRunner().invoke(main, ["shards", "hosts", "--json"], env=env)
    assert [row["host"] for row in json.loads(listed.output)] == ["host_a", "host_b"]
    quick = replace(config, shard="host_a", shard_answer_seconds=1)
    with pytest.raises(HostsUnavailable) as silent:  # host B was taken down: nothing answers for it
        ask_every_host(quick, redis_client, societies_here)
    assert silent.value.hosts == ["host_b"]
    forgotten = CliRunner().invoke(main, ["shards", "forget", "host_b"], env=env)
    assert forgotten.exit_code == 0 and "不再询问主机 host_b" in forgotten.output
    assert ask_every_host(quick, redis_client, societies_here) == [[]]
    again = CliRunner().invoke(main, ["shards", "forget", "host_b"], env=env)
    assert again.exit_code == 1 and "没有名为 host_b 的主机" in again.output
