"""A province-wide notice to every member of every society (issue 19), through the real delivery path.

On the province bench/bench_province.py builds (`--data`: 150 societies, about 3,000,000 members,
all following their account and subscribed to the policy topic), with a private redis-server and
the WeChat stand-in (tests/fake_wechat.py) in a process of its own playing the third-party platform
and all 150 accounts, with WeChat's rules on: mass sends at most 60 calls a minute per account, 2
to 10,000 openids a call, 4 a member a month, customer-service messages only inside a member's
window. `--cs-share` of the members wrote in the last 48 hours (their window open in the stand-in
and in our Redis).

  queue     handlers.province.sending.send_notice, as `python -m bot province notice send` runs it:
            for each society, inside its namespace, the item stored in its own newsletter, one
            delivery row per member in its own file, its jobs on its own queue (outbound@<appid>),
            500 recipients a job;
  deliver   `--workers` `python -m bot worker` processes (one pool for all societies, round robin
            over the per-society queues), with the product's default pace (DELIVERY_RATE_PER_SECOND
            50 and MASS_SEND_PER_MINUTE 60, both per account), until every row of every society has
            its outcome (or `--deliver-seconds` have passed): recipients/s, API calls, the stand-in's
            count of accepted messages and of members who got it twice;
  fairness  from the first settled row on, every `--probe-seconds` while the broadcast goes out, the
            smallest society (a) sends a service notice (delivery.notify: a template message) to one
            of its followers; its latency is RQ's enqueued_at to ended_at of the job (the stand-in had
            accepted it by then), read as each one finishes (RQ drops a job's result after its
            result_ttl, 500 s); and (b) is asked something by one of its members, through
            /wechat/<appid> on `gunicorn -w 1` serving the province beside the workers: the time to
            the reply, and whether it was the answer or the "we will reply later" fallback;
  memory    peak RSS of the workers (and of the job processes RQ forks for each job), Redis's
            used_memory_peak, the stand-in's RSS, the web worker's RSS.

Every figure is printed with the 1-minute load average: the machine is shared.

Run:  .venv/bin/python bench/bench_province_notice.py --data /tmp/xh-province                # all 3,000,000
      .venv/bin/python bench/bench_province_notice.py --data /tmp/xh-province --deliver-seconds 600
      .venv/bin/python bench/bench_province_notice.py --data /tmp/xh-province-tenth --scale 0.1
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rq.exceptions import NoSuchJobError  # noqa: E402
from rq.job import Job  # noqa: E402

from bench.bench_delivery import machine  # noqa: E402
from bench.bench_platform import COMPONENT_ENV, PLATFORM  # noqa: E402
from bench.bench_province import built_province, ensure_province, member_openid  # noqa: E402
from bench.load import ACCOUNT_ID, free_port, post, processes_of, production_env, stop  # noqa: E402
from bot import content, delivery  # noqa: E402
from bot.config import load_config  # noqa: E402
from handlers.province.sending import create_notice, send_notice  # noqa: E402
from storage import news, societies, state  # noqa: E402
from storage.accounts import serving_account  # noqa: E402
from storage.redis_server import ensure_private_redis, stop_private_redis  # noqa: E402
from tests.fake_wechat import FakeProcess  # noqa: E402

FINAL = {"sent", "inbox", "unreachable", "failed", "uncertain"}


def load() -> float:
    return round(os.getloadavg()[0], 1)


def say(**figures) -> None:
    print(json.dumps(dict(figures, load=load()), ensure_ascii=False), flush=True)


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Sampler(threading.Thread):
    """Peak RSS of the workers and of the job processes they fork, every second."""

    def __init__(self, workers: list[subprocess.Popen]):
        super().__init__(daemon=True)
        self.workers, self.stopped = workers, threading.Event()
        self.worker_peak = self.job_peak = 0.0

    def run(self) -> None:
        while not self.stopped.wait(1):
            for proc in self.workers:
                tree = processes_of(proc.pid)
                if tree:
                    self.worker_peak = max(self.worker_peak, rss_mib(tree[0]))
                    self.job_peak = max([self.job_peak, *(rss_mib(pid) for pid in tree[1:])])


def open_windows(fake: FakeProcess, r, config, appids: list[str], sizes: list[int], share: float) -> int:
    """`share` of each society's members (spread evenly over its roster) wrote lately: their window
    is open on both sides."""
    opened, step = 0, max(1, round(1 / share)) if share else 0
    for appid, size in zip(appids, sizes):
        openids = [member_openid(appid, i) for i in range(0, size, step)] if step else []
        for first in range(0, len(openids), 5000):
            fake.call("record_user_messages", openids=openids[first:first + 5000])
        with serving_account(appid, config.data_dir), r.pipeline(transaction=False) as pipe:
            for openid in openids:
                state.open_service_window(pipe, openid, "message", *config.cs_message_window)
            pipe.execute()
        opened += len(openids)
    return opened


def settled(registry, data_dir: Path, appids: list[str], item_no: str) -> dict:
    """Every society's delivery counts of the item: {"total", "status": {...}, "channel": {...}}."""
    total = {"total": 0, "status": {}, "channel": {}}
    for appid in appids:
        with serving_account(appid, data_dir):
            db = societies.open_society_database(registry, appid)
            try:
                counts = delivery.delivery_counts(db, news.find_item(db, item_no)["id"])
            finally:
                db.close()
        total["total"] += counts["total"]
        for part in ("status", "channel"):
            for key, n in counts[part].items():
                total[part][key] = total[part].get(key, 0) + n
    return total


class NoticeProbes:
    """The smallest society's service notices during the fan-out, each timed as soon as its job ends:
    RQ keeps a finished job (and its times) only `result_ttl` (500 s), and a 3,000,000 run lasts hours."""

    def __init__(self, r):
        self.r, self.pending, self.waits, self.expired = r, [], [], 0

    def send(self, appid: str, data_dir: Path) -> None:
        with serving_account(appid, data_dir):
            self.pending.append(delivery.notify(self.r, f"oProbe{self.sent:022d}",
                                                "您报名的学术年会将于明天上午九时开幕。", kind="event"))

    @property
    def sent(self) -> int:
        return len(self.pending) + len(self.waits) + self.expired

    def collect(self) -> None:
        still = []
        for job_id in self.pending:
            try:
                job = Job.fetch(job_id, connection=self.r)
            except NoSuchJobError:  # gone before it was read (not expected: read every check)
                self.expired += 1
                continue
            if job.ended_at:
                self.waits.append(((job.ended_at - job.enqueued_at).total_seconds(), job.return_value()))
            else:
                still.append(job_id)
        self.pending = still

    def summary(self) -> dict:
        latencies = sorted(w for w, _ in self.waits)
        return dict(probes=self.sent, finished=len(self.waits), unfinished=len(self.pending),
                    expired_unread=self.expired, outcomes=sorted({str(o) for _, o in self.waits}),
                    **spread(latencies))


class ReplyProbes:
    """A member of the smallest society asks something through /wechat/<appid> while the notice goes
    out: the time to the reply, and whether it was the answer or the deadline's fallback."""

    TEXTS = ("我的会员信息", "会费交了没有", "最近有什么活动", "你好")

    def __init__(self, port: int, appid: str, size: int):
        self.port, self.appid, self.size = port, appid, size
        self.latencies, self.kinds = [], {}
        self.later = content.text("deadline.later")

    def send(self) -> None:
        n = len(self.latencies)
        xml = (f"<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName>"
               f"<FromUserName><![CDATA[{member_openid(self.appid, n % self.size)}]]></FromUserName>"
               f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
               f"<Content><![CDATA[{self.TEXTS[n % len(self.TEXTS)]}]]></Content>"
               f"<MsgId>{int(time.time() * 1000) * 1000 + n}</MsgId></xml>")
        query, body = PLATFORM.encrypted_request(xml, ACCOUNT_ID, nonce=str(1000 + n))
        target = f"/wechat/{self.appid}?" + "&".join(f"{k}={v}" for k, v in query.items())
        started = time.perf_counter()
        status, reply = post(self.port, target, body, timeout=30)
        self.latencies.append(time.perf_counter() - started)
        kind = f"http {status}"
        if status == 200:
            try:
                kind = "later" if self.later in PLATFORM.open_reply(reply.decode(), query["timestamp"],
                                                                     query["nonce"]) else "answer"
            except Exception:  # noqa: BLE001 (a reply WeChat would reject is counted as such)
                kind = "unopenable"
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def summary(self) -> dict:
        return dict(probes=len(self.latencies), replies=self.kinds, **spread(sorted(self.latencies)))


def spread(latencies: list[float]) -> dict:
    if not latencies:
        return {"median_s": None, "p90_s": None, "max_s": None}
    return {"median_s": round(latencies[len(latencies) // 2], 2),
            "p90_s": round(latencies[int(len(latencies) * 0.9)], 2), "max_s": round(latencies[-1], 2)}


def summarise(what: str, figures) -> None:
    """One line of the summary; a figure that cannot be had is said, never ends the run's report."""
    try:
        say(step=what, **figures())
    except Exception as error:  # noqa: BLE001
        say(step=what, error=f"{type(error).__name__}: {error}")


def serve(data: Path, redis_url: str, api_base: str, societies_count: int) -> tuple[subprocess.Popen, int]:
    """`gunicorn -w 1` serving the province (its members' messages) beside the workers, once it answers."""
    port = free_port()
    env = dict(production_env(data, redis_url, api_base), **COMPONENT_ENV, PLATFORM_IDLE_STORES=str(societies_count))
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "bot.wsgi:app"],
                           env=env, cwd=ROOT, stdout=(data / "notice-web.log").open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while post(port, "/", b"", timeout=5)[0] == 0:  # any HTTP answer: it is up
        assert web.poll() is None and time.monotonic() < deadline, "gunicorn did not start; see notice-web.log"
        time.sleep(0.5)
    return web, port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the province's directory (built if missing)")
    parser.add_argument("--societies", type=int, default=150)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cs-share", type=float, default=0.01, help="members with an open customer-service window")
    parser.add_argument("--probe-seconds", type=float, default=15)
    parser.add_argument("--check-seconds", type=float, default=10, help="how often every society's rows are counted")
    parser.add_argument("--deliver-seconds", type=float, default=None,
                        help="stop delivering after this long (a partial run: rates, fairness and memory so far)")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the workers and the stand-in too
    print(machine(), flush=True)
    ensure_province(args.data, args.societies, args.scale)[0].close()
    data = args.data.with_name(args.data.name + "-notice")  # a fresh copy each run: no earlier notice in it
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(args.data, data, ignore=shutil.ignore_patterns("redis*", "*.log", "*.sock", "*.pid"))
    registry = societies.open_registry(societies.registry_path(data))
    sizes, appids = built_province(data)["sizes"], built_province(data)["appids"]
    for appid in appids:  # the registry names each store by its absolute path: the copy's own
        registry["societies"].update(appid, {"database_path": str(societies.society_database_path(registry, appid))})
    redis_url, _ = ensure_private_redis(data)
    fake = FakeProcess(PLATFORM.app_id, COMPONENT_ENV["WECHAT_COMPONENT_APP_SECRET"], calls_per_second=None)
    env = dict(os.environ, BOT_DATA_DIR=str(data), REDIS_URL=redis_url, WECHAT_API_BASE=fake.api_base,
               **COMPONENT_ENV, PLATFORM_WORKER_CHECK_SECONDS="30", PYTHONUNBUFFERED="1")
    os.environ.update(env)  # send_notice reads its settings here, as the CLI would
    workers: list[subprocess.Popen] = []
    web = None
    try:
        config = load_config()
        r = state.connect_redis(config)
        r.flushdb()  # a rerun: nobody's mass-send quota spent by the last one
        fake.call("enable_component", component_app_id=PLATFORM.app_id,
                  component_secret=COMPONENT_ENV["WECHAT_COMPONENT_APP_SECRET"])
        tokens = fake.call("authorize_accounts", names={appid: f"河南省第{i + 1:03d}学会"
                                                        for i, appid in enumerate(appids)})
        for appid, token in tokens.items():
            societies.store_refresh_token(registry, appid, token)
        state.store_verify_ticket(r, PLATFORM.app_id, fake.call("issue_ticket"))
        windows = open_windows(fake, r, config, appids, sizes, args.cs_share)
        web, port = serve(data, redis_url, fake.api_base, len(appids))
        say(societies=len(appids), members=sum(sizes), largest=max(sizes), smallest=min(sizes), open_windows=windows)

        notice = create_notice(registry, "policy", "关于开展2027年度科技人才举荐工作的通知",
                               "请各学会会员登录省科协网站查看申报要求。", "https://www.example.org/notice/2027",
                               "bench")
        started = time.perf_counter()
        sent = send_notice(config, r, notice)
        queue_seconds = time.perf_counter() - started
        queued = sum(s["recipients"] for s in sent)
        jobs = sum(r.llen(f"rq:queue:outbound@{appid}") for appid in appids)
        say(step="queue", societies=len(sent), recipients=queued, jobs=jobs, seconds=round(queue_seconds, 1),
            per_s=round(queued / queue_seconds), redis_used_mib=round(r.info("memory")["used_memory"] / 2**20))

        smallest = appids[sizes.index(min(sizes))]
        notices, replies = NoticeProbes(r), ReplyProbes(port, smallest, min(sizes))
        started = time.perf_counter()
        workers = [subprocess.Popen([sys.executable, "-m", "bot", "worker"], env=env, cwd=ROOT,
                                    stdout=(data / f"notice-worker-{n}.log").open("wb"), stderr=subprocess.STDOUT)
                   for n in range(args.workers)]
        sampler = Sampler(workers)
        sampler.start()
        next_probe, next_check, counts, done = None, started, None, 0
        while True:
            now = time.perf_counter()
            if next_probe is not None and now >= next_probe:  # a notice to a follower, a member's question
                notices.send(smallest, data)
                replies.send()
                next_probe = now + args.probe_seconds
            if now >= next_check:
                notices.collect()
                counts = settled(registry, data, appids, notice["notice_no"])
                done = sum(n for status, n in counts["status"].items() if status in FINAL)
                say(at_s=round(now - started), settled=done, of=counts["total"])
                if done >= counts["total"] or (args.deliver_seconds and now - started >= args.deliver_seconds):
                    break
                if done and next_probe is None:  # the workers are up and the fan-out is under way
                    next_probe = now
                next_check = now + args.check_seconds
            assert all(proc.poll() is None for proc in workers), "a worker quit; see notice-worker-*.log"
            time.sleep(0.5)
        deliver_seconds = time.perf_counter() - started
        sampler.stopped.set()
        deadline = time.monotonic() + 30
        while notices.pending and time.monotonic() < deadline:  # the last probe's job, sent just before the end
            time.sleep(0.5)
            notices.collect()

        def delivered() -> dict:
            summary = fake.call("delivery_summary")
            calls = fake.call("stats")["calls"]
            return dict(seconds=round(deliver_seconds), settled=done, per_s=round(done / deliver_seconds),
                        status=counts["status"], channel=counts["channel"],
                        accepted_by_wechat=sum(summary["accounts"].values()), wechat_channels=summary["channels"],
                        duplicates=summary["duplicates"], accounts_reached=len(summary["accounts"]),
                        api_calls={k: v for k, v in calls.items() if v})

        summarise("deliver" if done >= counts["total"] else f"deliver (stopped after {args.deliver_seconds:.0f} s)",
                  delivered)
        summarise("small society's notices during the fan-out",
                  lambda: dict(society=smallest, size=min(sizes), **notices.summary()))
        summarise("small society's replies during the fan-out",
                  lambda: dict(society=smallest, size=min(sizes), **replies.summary()))
        summarise("memory", lambda: dict(
            worker_peak_rss_mib=round(sampler.worker_peak), job_process_peak_rss_mib=round(sampler.job_peak),
            redis_used_memory_peak_mib=round(r.info("memory")["used_memory_peak"] / 2**20),
            stand_in_rss_mib=round(rss_mib(fake.proc.pid)),
            web_worker_rss_mib=round(max((rss_mib(pid) for pid in processes_of(web.pid)[1:]), default=0))))
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        if web is not None:
            stop(web)
        fake.stop()
        registry.close()
        stop_private_redis(data)


if __name__ == "__main__":
    main()
