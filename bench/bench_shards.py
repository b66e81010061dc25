"""Past one machine, exercised (issue 19): two hosts behind nginx, sharded by AppID, one Redis.

Starts, under a temporary directory, everything docs/platform.md ("Growing past one machine")
describes, on this machine, each host in a working directory of its own:

  redis      one redis-server, shared by both hosts (tokens, tickets, conversation state, queues);
  wechat     the WeChat stand-in (tests/fake_wechat.py) as the platform and every account;
  host_a     gunicorn (bot.wsgi:app), `python -m bot worker` and `python -m bot db replicate` over
  host_b     its own data directory: its registry (the societies the province assigned to it) and
             their SQLite files, replicated by Litestream to its own replica directory;
  nginx      the proxy: deploy/nginx/xuehui-shards-routes.conf, with the map
             `python -m bot shards nginx-map` writes from the two hosts' registries.

Then checks what a member and the province would notice, printing each with its time:

  1. a member of every society (`--societies` on each host) asks 我的资料 through nginx at
     /wechat/<appid>: each is answered with the member number only that society's store holds
     (so from the right host), and an AppID neither host keeps gets 404 from nginx; a society's
     member page /m/<appid>/ reaches its host through nginx (not 404; 404 at the other host);
  2. a notice queued on host A for a society kept on host B (delivery.notify: only Redis is
     touched when queueing) is delivered by host B's worker: WeChat receives it from B's account,
     B's store records it, the RQ job names B's worker; and the reverse;
  3. every society's store and each registry has a Litestream replica on its host;
  4. `--messages` more messages through nginx, spread over all societies: messages/s and p99
     through the proxy (closed loop, 8 connections), with the load average;
  5. the province from host A (BOT_SHARD): the list of societies and the evaluation cover both
     hosts' societies, host B answering through its queue shard:host_b; the time of one question
     round trip against the same question answered by host A alone.

Needs nginx (`apt-get install -y nginx-light`). Run:
      .venv/bin/python bench/bench_shards.py                     # about a minute
      .venv/bin/python bench/bench_shards.py --societies 20 --seconds 20 --keep
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import requests
from rq.job import Job

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_delivery import machine  # noqa: E402
from bench.bench_platform import COMPONENT_ENV, PLATFORM  # noqa: E402
from bench.bench_province_notice import say  # noqa: E402
from bench.load import closed_loop, free_port, processes_of  # noqa: E402
from bot import delivery  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.platform.accounts import message_config  # noqa: E402
from bot.platform.shards import known_hosts  # noqa: E402
from handlers.province import evaluation  # noqa: E402
from handlers.province.hosts import every_society  # noqa: E402
from bot.simulator import build_message_xml, envelope, open_reply  # noqa: E402
from storage import replication, societies, state  # noqa: E402
from storage.accounts import serving_account  # noqa: E402
from storage.members import insert_member  # noqa: E402
from storage.redis_server import ensure_private_redis, stop_private_redis  # noqa: E402
from tests.fake_wechat import FakeProcess  # noqa: E402

MEMBER = "o_shard_member".ljust(28, "0")


def appid_of(host: str, i: int) -> str:
    return "wx" + hashlib.sha1(f"{host}-{i}".encode()).hexdigest()[:16]


def member_no_of(appid: str) -> str:
    return "M" + appid[-6:].upper()


class Host:
    """One machine: a working directory with its data directory and replica, and its processes."""

    def __init__(self, root: Path, name: str, env: dict):
        self.name, self.dir = name, root / name
        self.data, self.replica = self.dir / "data", self.dir / "replica"
        self.data.mkdir(parents=True)
        self.port = free_port()
        self.env = dict(env, BOT_DATA_DIR=str(self.data), BOT_REPLICA_DIR=str(self.replica), BOT_SHARD=name,
                        PYTHONPATH=str(ROOT), PLATFORM_WORKER_CHECK_SECONDS="2", PLATFORM_IDLE_STORES="64")
        self.procs: dict[str, subprocess.Popen] = {}
        self.appids: list[str] = []

    def register(self, appids: list[str], tokens: dict[str, str]) -> None:
        """The province assigns these societies to this host; each has a member of its own."""
        registry = societies.open_registry(societies.registry_path(self.data))
        for appid in appids:
            societies.record_authorization(registry, appid, tokens[appid], name=f"{self.name}学会{appid[-4:]}")
            store = societies.open_society_database(registry, appid)
            insert_member(store, {"member_no": member_no_of(appid), "openid": MEMBER, "name": "会员",
                                  "category": "regular"}, actor="bench")
            store.close()
        registry.close()
        self.appids += appids

    def start(self) -> None:
        python = sys.executable
        self._run("web", [str(Path(python).with_name("gunicorn")), "-w", "2", "--preload",
                          "-b", f"127.0.0.1:{self.port}", "bot.wsgi:app"])
        self._run("worker", [python, "-m", "bot", "worker"])
        self._run("replicate", [python, "-m", "bot", "db", "replicate"])

    def _run(self, role: str, command: list[str]) -> None:
        log = (self.dir / f"{role}.log").open("wb")
        self.procs[role] = subprocess.Popen(command, env=self.env, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    def worker_names(self, r) -> set[str]:
        """The RQ names of this host's workers (the worker's process and those it started again)."""
        pids = set(processes_of(self.procs["worker"].pid))
        return {name.decode().split(":", 2)[-1] for name in r.smembers("rq:workers")
                if int(r.hget(name, "pid") or 0) in pids}


def nginx_conf(root: Path, port: int, map_file: Path) -> Path:
    conf = root / "nginx" / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {root}/nginx/nginx.pid;\nerror_log {root}/nginx/error.log;\n"
        "events { worker_connections 512; }\n"
        f"http {{\n  access_log {root}/nginx/access.log;\n"
        + "".join(f"  {kind}_temp_path {root}/nginx/{kind};\n"
                  for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + f"  include {map_file};\n  server {{\n    listen 127.0.0.1:{port};\n"
        f"    include {ROOT}/deploy/nginx/xuehui-shards-routes.conf;\n  }}\n}}\n")
    return conf


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out: {what}")
        time.sleep(0.2)


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code in (200, 403, 404)
    except requests.RequestException:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--societies", type=int, default=5, help="societies on each host")
    parser.add_argument("--seconds", type=float, default=15, help="the closed-loop run through the proxy")
    parser.add_argument("--questions", type=int, default=30, help="province questions timed in step 5")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        sys.exit("nginx is not installed: apt-get install -y nginx-light")

    root = Path(tempfile.mkdtemp(prefix="xh-shards-"))
    print(machine(), flush=True)
    redis_url, _ = ensure_private_redis(root / "redis")
    fake = FakeProcess(PLATFORM.app_id, COMPONENT_ENV["WECHAT_COMPONENT_APP_SECRET"])
    env = dict(os.environ, REDIS_URL=redis_url, WECHAT_API_BASE=fake.api_base, BOT_ENV="production",
               ADMIN_SECRET_KEY="bench-admin-secret-key-0123456789abcdef", BOT_REPLICA_SYNC_MS="200",
               PYTHONUNBUFFERED="1", **COMPONENT_ENV)
    hosts = {name: Host(root, name, env) for name in ("host_a", "host_b")}
    proxy = None
    try:
        appids = {name: [appid_of(name, i) for i in range(args.societies)] for name in hosts}
        fake.call("enable_component", component_app_id=PLATFORM.app_id,
                  component_secret=COMPONENT_ENV["WECHAT_COMPONENT_APP_SECRET"])
        tokens = fake.call("authorize_accounts", names={a: a for ids in appids.values() for a in ids})
        for name, host in hosts.items():
            host.register(appids[name], tokens)
        config = load_config(hosts["host_a"].env)
        r = state.connect_redis(config)
        state.store_verify_ticket(r, PLATFORM.app_id, fake.call("issue_ticket"))  # as if posted to either host
        for host in hosts.values():
            host.start()
        for host in hosts.values():
            wait_until(lambda: answers(f"http://127.0.0.1:{host.port}/wechat"), 120, f"{host.name} web")

        map_file = root / "nginx" / "shards.map"
        map_file.parent.mkdir()
        subprocess.run([sys.executable, "-m", "bot", "shards", "nginx-map",
                        *(f"{name}=127.0.0.1:{host.port}={host.data}" for name, host in hosts.items()),
                        "--output", str(map_file)], env=hosts["host_a"].env, cwd=ROOT, check=True)
        proxy_port = free_port()
        conf = nginx_conf(root, proxy_port, map_file)
        subprocess.run([nginx, "-t", "-q", "-p", str(root / "nginx"), "-c", str(conf)], check=True)
        proxy = subprocess.Popen([nginx, "-p", str(root / "nginx"), "-c", str(conf)])
        proxy_url = f"http://127.0.0.1:{proxy_port}"
        wait_until(lambda: answers(proxy_url + "/wechat"), 30, "nginx")
        say(step="started", hosts={n: {"port": h.port, "societies": len(h.appids)} for n, h in hosts.items()},
            proxy_port=proxy_port, map_lines=len(map_file.read_text().splitlines()))

        # 1. every society's member through the proxy, answered from its own store
        wire = message_config(config)

        def say_to(appid: str, text: str, url: str = proxy_url) -> requests.Response:
            query, body = envelope(wire, build_message_xml(MEMBER, "text", Content=text), True)
            return requests.post(f"{url}/wechat/{appid}", params=query, data=body.encode(),
                                 headers={"Content-Type": "text/xml"}, timeout=30)

        wrong = []
        for name, host in hosts.items():
            for appid in host.appids:
                answer = say_to(appid, "我的资料")
                reply = open_reply(wire, answer.text, True)["content"] if answer.status_code == 200 else ""
                others = [member_no_of(a) for a in sum(appids.values(), []) if a != appid]
                if member_no_of(appid) not in reply or any(no in reply for no in others):
                    wrong.append((name, appid, answer.status_code, reply[:80]))
        stranger = say_to("wx" + "0" * 16, "你好").status_code
        direct = say_to(appids["host_b"][0], "你好", f"http://127.0.0.1:{hosts['host_a'].port}").status_code
        pages = {f"{name} society's /m/<appid>/": requests.get(
            f"{proxy_url}/m/{host.appids[0]}/", allow_redirects=False, timeout=30).status_code
            for name, host in hosts.items()}
        pages["host_b society's page straight at host_a"] = requests.get(
            f"http://127.0.0.1:{hosts['host_a'].port}/m/{appids['host_b'][0]}/", timeout=30).status_code
        say(step="1. 我的资料 through nginx", societies=sum(len(h.appids) for h in hosts.values()),
            answered_from_its_own_store=sum(len(h.appids) for h in hosts.values()) - len(wrong), wrong=wrong,
            unknown_appid_at_proxy=stranger, host_b_society_sent_straight_to_host_a=direct, member_pages=pages)
        assert not wrong and stranger == 404 and direct == 404
        assert all(status != 404 for what, status in pages.items() if "straight" not in what)

        # 2. a notice queued on one host, delivered by the other host's worker
        for queued_on, kept_on in (("host_a", "host_b"), ("host_b", "host_a")):
            appid, data_dir = hosts[kept_on].appids[0], hosts[queued_on].data
            openid = f"o_notice_from_{queued_on}".ljust(28, "0")
            started = time.perf_counter()
            with serving_account(appid, data_dir):  # host `queued_on`'s process: it has no file for `appid`
                job_id = delivery.notify(r, openid, "学会通知：年会报名明日截止。", kind="event")
            assert not (data_dir / "societies" / appid).exists()
            job = Job.fetch(job_id, connection=r)
            wait_until(lambda: job.refresh() or job.get_status() in ("finished", "failed"), 60, "the notice")
            received = [m for m in fake.call("sent_to", openid=openid)]
            say(step="2. notice queued on one host, delivered by the other's worker", queued_on=queued_on,
                society_kept_on=kept_on, outcome=job.return_value(), seconds=round(time.perf_counter() - started, 2),
                delivered_by=job.worker_name, by_a_worker_of=[n for n, h in hosts.items()
                                                               if job.worker_name in h.worker_names(r)],
                wechat_received_from=[m["account"] for m in received])
            assert [m["account"] for m in received] == [appid] and job.worker_name in hosts[kept_on].worker_names(r)

        # 3. Litestream: every store of each host has its replica there
        def replicated(host: Host) -> list[str]:
            missing = [a for a in host.appids
                       if not replication.has_replica(replication.replica_of(host.replica, a))]
            if not replication.has_replica(replication.registry_replica(host.replica)):
                missing.append("registry")
            return missing
        wait_until(lambda: not any(replicated(h) for h in hosts.values()), 60, "the replicas")
        say(step="3. Litestream", replicas={n: len(h.appids) + 1 for n, h in hosts.items()}, missing=[])

        # 4. traffic through the proxy, over every society of both hosts
        everyone = sum(appids.values(), [])
        counter = iter(range(10**9))

        def message():
            appid = everyone[next(counter) % len(everyone)]
            query, body = envelope(wire, build_message_xml(MEMBER, "text", Content="我的资料"), True)
            return f"/wechat/{appid}?" + "&".join(f"{k}={v}" for k, v in query.items()), body.encode()
        result = closed_loop(proxy_port, message, 8, args.seconds)
        say(step="4. traffic through nginx", per_s=round(result.rate, 1), p50_ms=round(result.quantile(0.5), 1),
            p99_ms=round(result.quantile(0.99), 1), replies=dict(result.kinds))

        # 5. the province's work from host A covers host B's societies
        province = load_config(hosts["host_a"].env)
        wait_until(lambda: set(known_hosts(r)) == set(hosts), 60, "both hosts announced")
        seen = every_society(province, r)
        assert sorted(s["appid"] for s in seen) == sorted(everyone)

        def median_ms(config) -> tuple[float, float]:
            times = []
            for _ in range(args.questions):
                started = time.perf_counter()
                every_society(config, r)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            return round(times[len(times) // 2], 1), round(times[int(len(times) * 0.9)], 1)
        asked, alone = median_ms(province), median_ms(replace(province, shard=None))
        started = time.perf_counter()
        graded = evaluation.evaluate(province, r, time.gmtime().tm_year)
        say(step="5. the province from host A", societies_seen=len(seen), of_which_on_host_b=len(hosts["host_b"].appids),
            question_both_hosts_ms_median_p90=asked, question_host_a_alone_ms_median_p90=alone,
            evaluation_of_both_hosts_s=round(time.perf_counter() - started, 2), evaluated=len(graded))
        assert len(graded) == len(everyone)
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=10)
        for host in hosts.values():
            host.stop()
        fake.stop()
        stop_private_redis(root / "redis")
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
