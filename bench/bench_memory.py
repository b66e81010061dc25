"""Memory of each gunicorn web worker, and the cold start to the first answered message.

For each way of starting (`--modes`: `preload`, gunicorn --preload as deploy/systemd runs it:
the master loads jieba, the dictionaries, the router's lexicon and model and content/ once and
forks; `no-preload`: every worker loads its own, as before issue 18), in a temporary Stack
(bench/load.py: private redis-server, SQLite with 10,000 members and 2,000 postings):

- cold start: from starting `gunicorn -w N bot.wsgi:app` to the first answered message (a
  member's 你好, posted every 20 ms until one is answered);
- each worker's memory from /proc/PID/smaps_rollup: private (Private_Clean + Private_Dirty:
  pages no other process shares, what each additional worker costs), PSS and RSS; right after
  start, and after `--minutes` of mixed member traffic at `--rate` messages/s (texts of every
  intent, 15% menu clicks, 5% follows; Python open-loop generator).

Target (issue 18): <= 60 MiB private per web worker after ten minutes of mixed traffic; cold
start < 2 s.

Run:  .venv/bin/python bench/bench_memory.py                              # 10 minutes each way
      .venv/bin/python bench/bench_memory.py --minutes 1 --modes preload --workers 4
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_delivery import machine  # noqa: E402
from bench.load import Stack, Traffic, free_port, open_loop, post, processes_of, senders, stop  # noqa: E402

MODES = {"preload": ("--preload",), "no-preload": ()}


def smaps(pid: int) -> dict:
    """MiB figures of /proc/PID/smaps_rollup."""
    figures = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        figures[name] = int(value.split()[0]) / 1024
    return {"private": figures["Private_Clean"] + figures["Private_Dirty"],
            "private_dirty": figures["Private_Dirty"], "pss": figures["Pss"], "rss": figures["Rss"]}


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used (from /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(stack: Stack, workers: int, options: tuple[str, ...]) -> tuple[subprocess.Popen, int, float, float]:
    """gunicorn started cold; (process, port, seconds to the first answered message, CPU seconds
    the master and the busiest worker had used by then: the wall time on an idle machine)."""
    port = free_port()
    log = (stack.dir / f"memory-{port}.log").open("wb")
    hello = Traffic(senders(stack.members)).message(text="你好")
    # As an installed deployment starts: the project's bytecode compiled (pip compiles the
    # libraries'), even where the environment says not to write it (PYTHONDONTWRITEBYTECODE), and
    # `make model` run (the router's model and var/lexicon built for this code and content/: a
    # checkout whose router changed since would otherwise train at start, ~6 s).
    subprocess.run([sys.executable, "-m", "compileall", "-q", "bot", "handlers", "storage"], cwd=ROOT, check=True)
    subprocess.run([sys.executable, "-m", "bot", "intent", "train"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    env = {name: value for name, value in stack.env().items() if name != "PYTHONDONTWRITEBYTECODE"}
    began = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             *options, "bot.wsgi:app"], env=env, cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)
    while True:
        status, body = post(port, *hello, timeout=10)
        if status == 200 and body:
            wall = time.perf_counter() - began
            cpu = cpu_seconds(proc.pid) + max(cpu_seconds(pid) for pid in worker_pids(proc.pid))
            return proc, port, wall, cpu
        if proc.poll() is not None or time.perf_counter() - began > 60:
            raise RuntimeError(f"gunicorn did not start; see {log.name}")
        time.sleep(0.02)


def worker_pids(master: int) -> list[int]:
    return sorted(pid for pid in processes_of(master) if pid != master)


def table(title: str, master: int, workers: list[int]) -> list[dict]:
    print(f"\n{title}")
    print("| process | private (MiB) | of which dirty | PSS (MiB) | RSS (MiB) |")
    print("|---|---:|---:|---:|---:|")
    rows = []
    for name, pid in [("master", master)] + [(f"worker {i + 1}", pid) for i, pid in enumerate(workers)]:
        m = smaps(pid)
        rows.append(m)
        print(f"| {name} | {m['private']:.1f} | {m['private_dirty']:.1f} | {m['pss']:.1f} | {m['rss']:.1f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=100, help="messages a second during the traffic")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    args = parser.parse_args()
    print(f"# {machine()}; load average {os.getloadavg()[0]:.1f} at start")
    summary = []
    with Stack() as stack:
        traffic = Traffic(senders(stack.members), clicks=0.15, follows=0.05)
        for mode in args.modes:
            proc, port, cold, cold_cpu = start(stack, args.workers, MODES[mode])
            try:
                workers = worker_pids(proc.pid)
                print(f"\n## {mode}: gunicorn -w {args.workers} {' '.join(MODES[mode])} bot.wsgi:app; "
                      f"cold start to the first answered message {cold:.2f} s, of which CPU "
                      f"{cold_cpu:.2f} s (master + busiest worker; load average {os.getloadavg()[0]:.1f})")
                at_start = table("right after start (one message answered)", proc.pid, workers)
                result = open_loop(port, traffic.message, args.rate, args.minutes * 60)
                after = table(f"after {args.minutes:g} minutes at {args.rate:.0f} messages/s "
                              f"({len(result.latencies_ms):,} messages, replies {dict(result.kinds.most_common())},"
                              f" p99 {result.quantile(0.99):.1f} ms; load average {os.getloadavg()[0]:.1f})",
                              proc.pid, worker_pids(proc.pid))
                summary.append((mode, cold, cold_cpu, at_start, after))
            finally:
                stop(proc)
    print("\n| mode | cold start (CPU) | private per worker at start | after traffic | PSS per worker after |")
    print("|---|---:|---:|---:|---:|")
    for mode, cold, cold_cpu, at_start, after in summary:
        def span(rows):
            values = [r["private"] for r in rows[1:]]
            return f"{min(values):.1f}-{max(values):.1f} MiB"
        print(f"| {mode} | {cold:.2f} s ({cold_cpu:.2f} s) | {span(at_start)} | {span(after)} | "
              f"{max(r['pss'] for r in after[1:]):.1f} MiB |")


if __name__ == "__main__":
    main()
