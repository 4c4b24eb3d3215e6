"""Load benchmark of POST /api/v1/conversations/{id}/messages/ (see bench/README.md).

One command (``make bench``): recreate the ``ks_bench`` PostgreSQL database, migrate it,
create conversations through the lifecycle actions, start gunicorn on 127.0.0.1, warm up,
run wrk for every scenario and concurrency, stop the server, print a markdown table and
write it (and the raw numbers) to bench/results/.

Scenarios, all served by the same gunicorn in the same run:
  baseline   POST /bench/insert/: a plain Django view that inserts one row (BENCH_BASELINE=1)
  escalated  the customer's message to an escalated conversation: stored, no AI reply
  assistant  the customer's message to an open conversation: the built-in assistant answers

Only 127.0.0.1 is contacted. The server and wrk are killed on every exit path, and a
watchdog ends the run if it takes far longer than planned.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
LUA_SCRIPT = BENCH_DIR / "post.lua"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

SCENARIOS = {
    # name: (wrk mode, targets kind, expectation on the body)
    "baseline": ("baseline", None, "-"),
    "escalated": ("api", "escalated", "no-ai"),
    "assistant": ("api", "open", "ai"),
}
TITLES = {
    "baseline": "(c) baseline: one-insert Django view",
    "escalated": "(a) message to an escalated conversation",
    "assistant": "(b) message answered by the assistant",
}
TARGETS = {"escalated": 0.7, "assistant": 0.5}


@dataclass
class Measurement:
    scenario: str
    connections: int
    round: int
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    ok: int
    bad_status: int
    wrong_body: int
    socket_errors: int
    timeouts: int
    first_bad: str = ""
    # CPU seconds per request spent by each kind of process during the measurement, in µs.
    cpu_us: dict[str, float] = field(default_factory=dict)
    cpu_ended: list[str] = field(default_factory=list)  # kinds of which a process ended


class BenchError(Exception):
    pass


# --- processes ---------------------------------------------------------------------------

_children: list[subprocess.Popen[Any]] = []


def _spawn(cmd: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
    # Own process group, so that killing it also ends gunicorn's workers.
    proc = subprocess.Popen(cmd, start_new_session=True, **kwargs)
    _children.append(proc)
    return proc


def _stop(proc: subprocess.Popen[Any], grace: float = 10.0) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # gunicorn: graceful shutdown
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    else:
        # The leader is gone; make sure nothing of its group is left.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    if proc in _children:
        _children.remove(proc)


def _stop_all() -> None:
    for proc in list(_children):
        with contextlib.suppress(Exception):
            _stop(proc, grace=5.0)


def _on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(f"bench: stopped by signal {signum}")


# --- setup ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _redis_reachable(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except Exception:
        return False


def _server_env(args: argparse.Namespace, redis_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing of the caller's configuration may change what is measured.
        if key
        not in {"DATABASE_POOL", "CACHE_URL", "LOG_LEVEL", "AI_PROVIDER", "DATA_DIR", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"postgres://{args.db_user}@{HOST}:{args.db_port}/{args.db_name}",
        CONN_MAX_AGE=str(args.conn_max_age),
        DEBUG="false",
        BENCH_BASELINE="1",
        CHANNEL_PREFIX="ksbench",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _recreate_database(args: argparse.Namespace) -> None:
    import psycopg

    with psycopg.connect(
        host=HOST, port=args.db_port, user=args.db_user, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.db_name}"')


def _seed(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Path]:
    """Migrate, then create conversations with the lifecycle actions (not the API: its
    conversation creation is throttled). Writes one targets file per kind."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from support.agents.models import Role
    from support.agents.services import create_agent
    from support.conversations.actions import do_create_conversation, do_escalate_conversation
    from support.conversations.actors import Actor
    from support.orders.services import upsert_order

    call_command("migrate", interactive=False, verbosity=0)
    supervisor = Actor.for_agent(
        create_agent(agent_id="bench_supervisor", role=Role.SUPERVISOR, display_name="Bench")
    )
    now = timezone.now()
    files = {}
    for k, kind in enumerate(("open", "escalated")):
        lines = []
        for i in range(args.conversations):
            user_id = f"bench-{kind}-{i}"
            # One shipped order per customer, so the assistant answers from real facts
            # (an order it cannot see is a fallback answer, and two in a row escalate).
            order_number = f"KS-{(k + 1) * 100000 + i}"
            upsert_order(
                order_number=order_number,
                fields={
                    "user_id": user_id,
                    "status": "shipped",
                    "items": [{"name": "Kasavu saree", "qty": 1}],
                    "total_rupees": "1499.00",
                    "payment_method": "upi",
                    "placed_at": now - dt.timedelta(days=2),
                    "expected_delivery": (now + dt.timedelta(days=3)).date(),
                    "delivery_city": "Kochi",
                },
            )
            conversation, token = do_create_conversation(user_id=user_id, customer_verified=True)
            if kind == "escalated":
                do_escalate_conversation(
                    actor=supervisor,
                    conversation_id=conversation.conversation_id,
                    reason="load benchmark",
                )
            lines.append(f"{conversation.conversation_id} {token} {order_number}\n")
        path = RESULTS_DIR / f"targets-{kind}.txt"
        path.write_text("".join(lines))
        files[kind] = path
    connections.close_all()
    return files


def _check_data(args: argparse.Namespace) -> dict[str, Any]:
    """After the run: the assistant conversations must all still be open, the escalated
    ones escalated (a message that asked for a human would have escalated an open one)."""
    from django.db import connections
    from django.db.models import Count

    from bench.baseline.models import BaselineRow
    from support.conversations.models import SupportConversation, SupportMessage

    by_kind: dict[str, dict[str, int]] = {}
    for user_id, status in SupportConversation.objects.values_list("user_id", "status"):
        kind = user_id.split("-")[1]  # bench-<kind>-<n>
        by_kind.setdefault(kind, {}).setdefault(status, 0)
        by_kind[kind][status] += 1
    senders = dict(SupportMessage.objects.values_list("sender").annotate(n=Count("pk")).order_by())
    fields = {f.name for f in SupportConversation._meta.get_fields()}
    if "assistant_fallbacks" in fields:  # answers that could not help, in a row
        by_kind["open_with_fallback_answers"] = {
            "count": SupportConversation.objects.filter(
                user_id__startswith="bench-open-", assistant_fallbacks__gt=0
            ).count()
        }
    result = {
        "conversations": by_kind,
        "messages_by_sender": senders,
        "baseline_rows": BaselineRow.objects.count(),
    }
    connections.close_all()
    return result


def _start_server(args: argparse.Namespace, env: dict[str, str], log: Path) -> tuple[Any, int]:
    port = args.port or _free_port()
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--error-logfile",
        "-",
        "--log-level",
        "warning",
    ]
    out = log.open("ab")
    proc = _spawn(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited with {proc.returncode}; see {log}")
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}/bench/ping/", timeout=2)
        except urllib.error.HTTPError as error:
            raise BenchError(f"unexpected {error.code} from /bench/ping/") from error
        except OSError:
            time.sleep(0.2)
        else:
            return proc, port
    raise BenchError(f"gunicorn did not answer within 30 s; see {log}")


def _drain(port: int, limit: float = 20.0) -> None:
    """Wait until the server has worked off what the last wrk run left queued (a sync
    worker still answers the requests in its listen backlog after wrk has gone), so that
    it does not count in the next measurement."""
    deadline = time.monotonic() + limit
    time.sleep(1.0)
    while time.monotonic() < deadline:
        started = time.monotonic()
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"http://{HOST}:{port}/bench/ping/", timeout=5)
        if time.monotonic() - started < 0.05:
            return
        time.sleep(0.5)


# --- wrk -----------------------------------------------------------------------------------


def _wrk(
    port: int,
    scenario: str,
    connections: int,
    duration: int,
    files: dict[str, Path],
    threads: int,
) -> dict[str, Any]:
    mode, kind, expect = SCENARIOS[scenario]
    threads = max(1, min(threads, connections))
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA_SCRIPT),
        f"http://{HOST}:{port}",
        "--",
        mode,
        str(files[kind]) if kind else "-",
        expect,
        str(threads),
    ]
    proc = _spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=duration + 30)
    finally:
        _stop(proc, grace=2)
    result: dict[str, Any] | None = None
    first_bad = ""
    for line in out.splitlines():
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line.removeprefix("BENCH_RESULT "))
        elif line.startswith("BENCH_FIRST_BAD "):
            first_bad = line.removeprefix("BENCH_FIRST_BAD ")
    if result is None:
        raise BenchError(f"wrk gave no result (exit {proc.returncode}):\n{out}")
    result["first_bad"] = first_bad
    return result


CPU_KINDS = ("server", "postgres", "redis", "wrk")
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_by_process(server_session: int) -> dict[int, tuple[str, float]]:
    """pid -> (kind, CPU seconds used so far, user + system) for the server's process group,
    PostgreSQL's processes and Redis, read from /proc (Linux)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        session, cpu = int(fields[3]), (int(fields[11]) + int(fields[12])) / _TICK
        if session == server_session:
            found[int(entry.name)] = ("server", cpu)
        elif name.startswith(("postgres", "postmaster")):
            found[int(entry.name)] = ("postgres", cpu)
        elif name.startswith("redis-server"):
            found[int(entry.name)] = ("redis", cpu)
    return found


def _cpu_used(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> tuple[dict[str, float], set[str]]:
    """CPU seconds by kind between two snapshots, and the kinds of which a process ended in
    between (its last CPU time is unknown, so that kind's figure is a little low)."""
    used = dict.fromkeys(CPU_KINDS, 0.0)
    for pid, (kind, cpu) in after.items():
        used[kind] += cpu - before.get(pid, (kind, 0.0))[1]
    ended = {kind for pid, (kind, _) in before.items() if pid not in after}
    return used, ended


def _measure(
    port: int,
    scenario: str,
    connections: int,
    rnd: int,
    args: argparse.Namespace,
    files: Any,
    server_session: int,
) -> Measurement:
    _drain(port)
    before, children = _cpu_by_process(server_session), resource.getrusage(resource.RUSAGE_CHILDREN)
    raw = _wrk(port, scenario, connections, args.duration, files, args.wrk_threads)
    after, waited = _cpu_by_process(server_session), resource.getrusage(resource.RUSAGE_CHILDREN)
    used, ended = _cpu_used(before, after)
    # wrk has ended and been waited for: it is the only child that adds to RUSAGE_CHILDREN.
    used["wrk"] = waited.ru_utime + waited.ru_stime - children.ru_utime - children.ru_stime
    seconds = raw["duration_us"] / 1e6
    requests = max(raw["requests"], 1)
    return Measurement(
        scenario=scenario,
        connections=connections,
        round=rnd,
        requests=raw["requests"],
        duration_s=round(seconds, 2),
        rps=raw["requests"] / seconds if seconds else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        ok=raw["ok"],
        bad_status=raw["bad_status"],
        wrong_body=raw["wrong_body"],
        socket_errors=raw["connect_errors"] + raw["read_errors"] + raw["write_errors"],
        timeouts=raw["timeouts"],
        first_bad=raw["first_bad"],
        cpu_us={k: used[k] / requests * 1e6 for k in CPU_KINDS},
        cpu_ended=sorted(ended),
    )


# --- report --------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _table(measurements: list[Measurement], connections: list[int]) -> str:
    rows = [
        "| scenario | clients | req/s | p50 ms | p99 ms | vs (c) | target | failed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for conc in connections:
        base = [m for m in measurements if m.scenario == "baseline" and m.connections == conc]
        base_rps = _median([m.rps for m in base])
        for scenario in ("escalated", "assistant", "baseline"):
            ms = [m for m in measurements if m.scenario == scenario and m.connections == conc]
            if not ms:
                continue
            rps = _median([m.rps for m in ms])
            failed = sum(m.bad_status + m.wrong_body + m.socket_errors + m.timeouts for m in ms)
            if scenario == "baseline":
                ratio, target = "1.00", ""
            else:
                value = rps / base_rps if base_rps else 0.0
                goal = TARGETS[scenario]
                ratio = f"{value:.2f}"
                target = f">= {goal} {'met' if value >= goal else '**missed**'}"
            rows.append(
                f"| {TITLES[scenario]} | {conc} | {rps:.0f} | "
                f"{_median([m.p50_ms for m in ms]):.1f} | {_median([m.p99_ms for m in ms]):.1f} | "
                f"{ratio} | {target} | {failed} |"
            )
    return "\n".join(rows)


def _cpu_table(measurements: list[Measurement], connections: list[int]) -> str:
    """CPU per request by process: where each scenario's cost goes, on the shared cores."""
    rows = [
        "| scenario | clients | server | PostgreSQL | Redis | wrk | total | total vs (c) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for conc in connections:
        totals: dict[str, float] = {}
        for scenario in ("baseline", "escalated", "assistant"):
            ms = [m for m in measurements if m.scenario == scenario and m.connections == conc]
            if ms:
                cpu = {k: _median([m.cpu_us.get(k, 0.0) for m in ms]) for k in CPU_KINDS}
                ended = {k for m in ms for k in m.cpu_ended}
                totals[scenario] = sum(cpu.values())
                ratio = totals[scenario] / totals["baseline"] if "baseline" in totals else 0.0
                cells = " | ".join(f"{cpu[k]:.0f}{'*' if k in ended else ''}" for k in CPU_KINDS)
                rows.append(
                    f"| {TITLES[scenario]} | {conc} | {cells} | {totals[scenario]:.0f} "
                    f"| {ratio:.2f} |"
                )
    return "\n".join(rows)


def _git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _report(
    args: argparse.Namespace,
    measurements: list[Measurement],
    started: dt.datetime,
    channel_layer: str,
    load_before: tuple[float, ...],
    check: dict[str, Any],
) -> str:
    python = Path(sys.executable)
    with contextlib.suppress(ValueError):
        python = python.relative_to(ROOT)
    command = shlex.join([str(python), "bench/run.py", *sys.argv[1:]])
    server = f"gunicorn --workers {args.workers} --worker-class {args.worker_class}"
    if args.worker_class == "gthread":
        server += f" --threads {args.threads}"
    lines = [
        f"## Benchmark {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- command: `{command}`",
        f"- revision: {_git_revision()}",
        f"- server: {server}, DEBUG=false, CONN_MAX_AGE={args.conn_max_age}, "
        f"PostgreSQL database `{args.db_name}` on {HOST}:{args.db_port}",
        f"- channel layer: {channel_layer}",
        f"- wrk: {args.wrk_threads} threads, {args.duration} s per measurement after "
        f"{args.warmup} s warm-up per scenario, {args.rounds} round(s) "
        f"(figures are medians over rounds); {args.conversations} conversations per kind",
        f"- machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}",
        "",
        _table(measurements, args.connections),
        "",
        "`vs (c)`: requests/s divided by the baseline's at the same number of clients. "
        "`failed`: answers other than 201, answers without (b) or with (a) `ai_response`, "
        "socket errors and timeouts.",
        "",
        f"After the run: conversations by kind and status {check['conversations']}, "
        f"messages by sender {check['messages_by_sender']}, "
        f"baseline rows {check['baseline_rows']}.",
        "",
        "CPU time per request by process, in µs (user + system, from /proc, medians over "
        "rounds): the server's workers, PostgreSQL's backends, Redis and wrk share the "
        "machine's cores, so the total is what one request costs the machine. `*`: a "
        "process of that kind ended during a measurement (a database connection past "
        "CONN_MAX_AGE, an autovacuum worker), and its last CPU time is not counted.",
        "",
        _cpu_table(measurements, args.connections),
    ]
    bad = [m for m in measurements if m.first_bad]
    for m in bad[:3]:
        lines.append(f"\nFirst failure in {m.scenario} at {m.connections}: `{m.first_bad}`")
    return "\n".join(lines) + "\n"


# --- main ------------------------------------------------------------------------------------


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per scenario")
    parser.add_argument(
        "--connections",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[16, 64],
        help="comma-separated concurrencies",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat every measurement, interleaved; figures are medians",
    )
    parser.add_argument(
        "--scenarios", type=lambda s: s.split(","), default=["baseline", "escalated", "assistant"]
    )
    parser.add_argument("--conversations", type=int, default=300, help="per kind")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--worker-class",
        default="gthread",
        choices=["sync", "gthread"],
        help="gthread beat sync here; see README.md",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="per worker: 4 for gthread, 1 for sync"
    )
    parser.add_argument("--conn-max-age", type=int, default=60)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--channel-layer",
        choices=["redis", "memory"],
        default="redis",
        help="redis (production; needs REDIS at --redis-url) or in-memory",
    )
    parser.add_argument("--redis-url", default=f"redis://{HOST}:6379/0")
    parser.add_argument("--db-name", default="ks_bench")
    parser.add_argument("--db-user", default="postgres")
    parser.add_argument("--db-port", type=int, default=5432)
    parser.add_argument("--port", type=int, default=0, help="server port; 0 picks a free one")
    parser.add_argument("--label", default="", help="added to the result file names")
    args = parser.parse_args(argv)
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}")
    if "baseline" not in args.scenarios:
        parser.error("the baseline scenario is needed for the ratios")
    if args.threads is None:
        args.threads = 4 if args.worker_class == "gthread" else 1
    if args.worker_class == "sync" and args.threads != 1:
        parser.error("--threads needs --worker-class gthread")
    return args


def main(argv: list[str]) -> int:
    args = _parse(argv)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    stamp = started.strftime("%Y%m%d-%H%M%S") + (f"-{args.label}" if args.label else "")
    log = RESULTS_DIR / f"{stamp}-server.log"

    planned = len(args.connections) * len(args.scenarios) * args.rounds * args.duration
    planned += len(args.scenarios) * args.warmup
    budget = planned + 240 + 2 * args.conversations // 10
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGALRM, _on_signal)
    signal.alarm(budget)  # watchdog: the finally below still stops everything

    if shutil.which("wrk") is None:
        raise BenchError("wrk is missing: apt-get install -y wrk")

    redis_url = ""
    channel_layer = "in-memory (InMemoryChannelLayer, REDIS_URL unset)"
    if args.channel_layer == "redis":
        if not _redis_reachable(args.redis_url):
            raise BenchError(
                f"Redis is not reachable at {args.redis_url}; start it or pass "
                "--channel-layer memory"
            )
        redis_url = args.redis_url
        channel_layer = f"Redis (channels_redis, REDIS_URL={redis_url})"
    env = _server_env(args, redis_url)

    print(f"bench: planned {planned} s of load, watchdog {budget} s", flush=True)
    print(f"bench: recreating database {args.db_name}", flush=True)
    _recreate_database(args)
    t0 = time.monotonic()
    files = _seed(args, env)
    print(
        f"bench: migrated and created {args.conversations} open + {args.conversations} "
        f"escalated conversations in {time.monotonic() - t0:.1f} s",
        flush=True,
    )

    load_before = os.getloadavg()
    measurements: list[Measurement] = []
    server, port = _start_server(args, env, log)
    try:
        print(f"bench: gunicorn on {HOST}:{port} (log {log.relative_to(ROOT)})", flush=True)
        warm_connections = max(args.connections)
        for scenario in args.scenarios:
            if args.warmup:
                _wrk(port, scenario, warm_connections, args.warmup, files, args.wrk_threads)
        for rnd in range(1, args.rounds + 1):
            for conc in args.connections:
                for scenario in args.scenarios:
                    m = _measure(port, scenario, conc, rnd, args, files, server.pid)
                    measurements.append(m)
                    failed = m.bad_status + m.wrong_body + m.socket_errors + m.timeouts
                    print(
                        f"bench: round {rnd} {scenario:9} c={conc:3}: {m.rps:7.1f} req/s, "
                        f"p50 {m.p50_ms:6.1f} ms, p99 {m.p99_ms:6.1f} ms, failed {failed}",
                        flush=True,
                    )
    finally:
        _stop(server)
    check = _check_data(args)
    report = _report(args, measurements, started, channel_layer, load_before, check)
    (RESULTS_DIR / f"{stamp}.md").write_text(report)
    (RESULTS_DIR / f"{stamp}.json").write_text(
        json.dumps(
            {
                "started": started.isoformat(),
                "argv": sys.argv[1:],
                "channel_layer": channel_layer,
                "check": check,
                "measurements": [asdict(m) for m in measurements],
            },
            indent=2,
        )
    )
    print()
    print(report)
    print(f"bench: written to {(RESULTS_DIR / f'{stamp}.md').relative_to(ROOT)}")
    failures = sum(m.bad_status + m.wrong_body + m.timeouts for m in measurements)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        code = 2
    finally:
        signal.alarm(0)
        _stop_all()
    sys.exit(code)
