"""Realtime latency: a customer's message stored -> the agent's socket receives it.

One command (``make bench-realtime``): recreate the ``ks_bench_rt`` PostgreSQL database,
migrate it, create escalated conversations assigned to one agent with the lifecycle actions,
start the realtime server (uvicorn, as in docs/operations.md) on 127.0.0.1 with the Redis
channel layer, connect one customer socket per conversation and one agent socket that
watches them all, then post customer messages over HTTP at a steady rate. Each
``message.created`` event the agent's socket receives is timed against the message's stored
``created_at``. In the same run, at the same rate and with the same sockets connected, a bare
channel-layer round trip (group_send -> receive on the same Redis) is timed beside it.

Prints a markdown table and writes it, with the raw samples, to
bench/results/<stamp>-realtime.{md,json} (see bench/README.md, "Realtime latency").

Only 127.0.0.1 is contacted. The servers run in their own process groups and are killed on
every exit path; a watchdog ends the run if it takes far longer than planned.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shlex
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run as bench

BENCH_DIR = bench.BENCH_DIR
ROOT = bench.ROOT
RESULTS_DIR = bench.RESULTS_DIR
VENV_BIN = bench.VENV_BIN
HOST = bench.HOST

TAG = re.compile(r"\[rt-(\d+)\]")
PROBE_GROUP = "bench-probe"
# Variables of the caller's environment that would change what is measured.
CALLER_VARS = {
    "DATABASE_URL",
    "DATABASE_POOL",
    "DATABASE_POOL_MIN",
    "DATABASE_POOL_MAX",
    "CONN_MAX_AGE",
    "CACHE_URL",
    "LOG_LEVEL",
    "AI_PROVIDER",
    "DATA_DIR",
    "REDIS_URL",
    "CHANNEL_PREFIX",
    "BENCH_BASELINE",
    "ALLOWED_HOSTS",
}


@dataclass
class Target:
    index: int
    conversation_id: str
    token: str


@dataclass
class Seeded:
    agent_id: str
    agent_token: str
    targets: list[Target]
    spare: Target  # no socket on it: takes the HTTP warm-up before the sockets connect


@dataclass
class Post:
    seq: int
    target: int
    warmup: bool
    scheduled: float  # perf_counter
    started: float = 0.0
    answered_at: float = 0.0  # time.time() when the HTTP answer arrived
    seconds: float = 0.0
    status: int = 0
    message_id: int | None = None
    error: str = ""


@dataclass
class Received:
    at: float  # time.time() when the frame was handed to us
    socket: int  # -1: the agent, else the customer target's index
    event: dict[str, Any]


@dataclass
class Probe:
    seq: int
    warmup: bool
    scheduled: float
    sent: float = 0.0
    received: list[float] = field(default_factory=list)
    error: str = ""


@dataclass
class ClientRun:
    posts: list[Post]
    received: list[Received]
    probes: list[Probe]
    closed: list[tuple[float, int, str]]  # time.time(), socket (-1: the agent), reason
    connect_seconds: float
    watch_seconds: float
    watch_done_at: float  # time.time()
    measure_started: float  # time.time()
    measure_seconds: float
    load_at_start: tuple[float, ...]
    probe_receive_errors: list[str]


class BenchError(bench.BenchError):
    pass


# --- setup ---------------------------------------------------------------------------------


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in CALLER_VARS}


def _source(args: argparse.Namespace) -> Path:
    return args.tree or ROOT


def _revision(args: argparse.Namespace) -> str:
    if args.tree is None:
        return bench._git_revision()
    stamp = args.tree / ".revision"  # written by whoever exported the tree, if anyone
    named = stamp.read_text().strip() if stamp.exists() else "unknown"
    return f"{named} (source tree {args.tree})"


def _database_url(args: argparse.Namespace) -> str:
    return f"postgres://{args.db_user}@{HOST}:{args.db_port}/{args.db_name}"


def _realtime_env(args: argparse.Namespace, base: dict[str, str]) -> dict[str, str]:
    """The realtime process of docs/operations.md: uvicorn with the psycopg pool."""
    env = dict(base)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=_database_url(args),
        DATABASE_POOL="true",  # settings.py then forces CONN_MAX_AGE=0
        DATABASE_POOL_MAX=str(args.pool_max),
        REDIS_URL=args.redis_url,
        CHANNEL_PREFIX=args.prefix,
        DEBUG="false",
        ALLOWED_HOSTS=f"{HOST},localhost",
        PYTHONUNBUFFERED="1",
    )
    return env


def _http_env(args: argparse.Namespace, base: dict[str, str]) -> dict[str, str]:
    """The web process of docs/operations.md: gthread workers, persistent connections."""
    env = _realtime_env(args, base)
    del env["DATABASE_POOL"], env["DATABASE_POOL_MAX"]
    env["CONN_MAX_AGE"] = "60"
    return env


def _seed(args: argparse.Namespace, base: dict[str, str]) -> Seeded:
    """Migrate; create a supervisor, the agent and its API token, and the conversations,
    each escalated and assigned to the agent, with the lifecycle actions (the API's
    conversation creation is throttled). Runs in this process on the in-memory channel
    layer: nobody listens yet, and Redis stays clean."""
    env = dict(base)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=_database_url(args),
        CONN_MAX_AGE="0",
        DEBUG="false",
        LOG_LEVEL="WARNING",  # no log line per request from the client's httpx
    )
    os.environ.clear()
    os.environ.update(env)
    if args.tree:
        sys.path.insert(0, str(args.tree))  # before anything of the project is imported
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from support.agents.models import Role
    from support.agents.services import create_agent, issue_token
    from support.common.errors import Conflict
    from support.conversations.actions import (
        do_assign_conversation,
        do_create_conversation,
        do_escalate_conversation,
    )
    from support.conversations.actors import Actor

    call_command("migrate", interactive=False, verbosity=0)
    supervisor = Actor.for_agent(
        create_agent(agent_id="bench_rt_supervisor", role=Role.SUPERVISOR, display_name="Lead")
    )
    agent = create_agent(agent_id="bench_rt_agent", display_name="Anu", languages=["en"])
    agent_token = issue_token(user=agent.user, label="realtime benchmark")
    targets = []
    for i in range(args.conversations + 1):  # the last one is the spare
        conversation, token = do_create_conversation(user_id=f"bench-rt-{i}")
        do_escalate_conversation(
            actor=supervisor, conversation_id=conversation.conversation_id, reason="benchmark"
        )
        try:
            do_assign_conversation(
                actor=supervisor,
                conversation_id=conversation.conversation_id,
                agent_id=agent.agent_id,
            )
        except Conflict as error:  # automatic routing may have given it to the agent already
            if error.code != "already_assigned":
                raise
        targets.append(Target(i, str(conversation.conversation_id), token))
    connections.close_all()
    return Seeded(
        agent_id=agent.agent_id, agent_token=agent_token, targets=targets[:-1], spare=targets[-1]
    )


def _stored_user_messages() -> dict[str, int]:
    from django.db import connections
    from django.db.models import Count

    from support.conversations.models import SupportConversation, SupportMessage

    result = {
        "user_messages": SupportMessage.objects.filter(sender="user").count(),
        "tagged_user_messages": SupportMessage.objects.filter(
            sender="user", text__contains="[rt-"
        ).count(),
        **{
            f"conversations_{status}": n
            for status, n in SupportConversation.objects.values_list("status")
            .annotate(n=Count("pk"))
            .order_by()
        },
    }
    connections.close_all()
    return result


def _start(
    name: str, cmd: list[str], env: dict[str, str], log: Path, port: int, workers: int, cwd: Path
) -> subprocess.Popen[Any]:
    """Start a server and wait until it answers HTTP and, for uvicorn, until every worker
    has started (otherwise all sockets could land on the first worker)."""
    with log.open("ab") as out:
        proc = bench._spawn(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"{name} exited with {proc.returncode}; see {log}")
        answered = False
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}/api/v1/agents/", timeout=2)
            answered = True
        except urllib.error.HTTPError:
            answered = True  # 401 without credentials: the application answers
        except OSError:
            pass
        started = log.read_text(errors="replace").count("Application startup complete.")
        if answered and (name != "uvicorn" or started >= workers):
            return proc
        time.sleep(0.2)
    raise BenchError(f"{name} did not start within 60 s; see {log}")


def _start_servers(args: argparse.Namespace, base: dict[str, str], log: Path) -> tuple[int, int]:
    """Returns (socket port, HTTP port): the same with ``--http uvicorn``."""
    ws_port = args.port or bench._free_port()
    _start(
        "uvicorn",
        [
            str(VENV_BIN / "uvicorn"),
            "config.asgi:application",
            "--host",
            HOST,
            "--port",
            str(ws_port),
            "--workers",
            str(args.workers),
            "--no-access-log",
            "--log-level",
            "info",
        ],
        _realtime_env(args, base),
        log,
        ws_port,
        args.workers,
        _source(args),
    )
    if args.http == "uvicorn":
        return ws_port, ws_port
    http_port = bench._free_port()
    _start(
        "gunicorn",
        [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{http_port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        _http_env(args, base),
        log,
        http_port,
        args.workers,
        _source(args),
    )
    return ws_port, http_port


def _cleanup_redis(args: argparse.Namespace) -> int:
    """Delete what this run left under its own channel prefix (group keys live a day)."""
    import redis

    client = redis.Redis.from_url(args.redis_url, socket_timeout=5)
    deleted = 0
    try:
        keys = list(client.scan_iter(match=f"{args.prefix}*", count=500))
        for i in range(0, len(keys), 500):
            deleted += int(client.delete(*keys[i : i + 500]))
    finally:
        client.close()
    return deleted


# --- the client ----------------------------------------------------------------------------


async def _reader(
    ws: Any, socket_id: int, sink: list[Received], closed: list[tuple[float, int, str]]
) -> None:
    from websockets.exceptions import ConnectionClosed

    try:
        async for frame in ws:
            at = time.time()  # first thing: the receive time
            sink.append(Received(at, socket_id, json.loads(frame)))
    except ConnectionClosed as error:  # closed by the server (our own close ends the loop)
        closed.append((time.time(), socket_id, str(error)))
    except asyncio.CancelledError:
        raise
    except Exception as error:
        closed.append((time.time(), socket_id, f"{type(error).__name__}: {error}"))


async def _warm_http(spare: Target, http_port: int) -> None:
    import httpx

    url = f"http://{HOST}:{http_port}/api/v1/conversations/{spare.conversation_id}/messages/"
    headers = {"X-Conversation-Token": spare.token}
    async with httpx.AsyncClient(timeout=30.0) as client:

        async def one(n: int) -> None:
            response = await client.post(
                url, json={"message": f"Hello? (warm {n})"}, headers=headers
            )
            if response.status_code != 201:
                raise BenchError(f"warm-up post: {response.status_code} {response.text[:200]}")

        for batch in range(3):  # concurrent, so that every worker gets some
            await asyncio.gather(*(one(batch * 8 + k) for k in range(8)))


async def _client(
    args: argparse.Namespace, seeded: Seeded, ws_port: int, http_port: int
) -> ClientRun:
    from channels_redis.pubsub import RedisPubSubChannelLayer
    from websockets.asyncio.client import connect
    from websockets.typing import Origin, Subprotocol

    from support.realtime.auth import SUBPROTOCOL, TOKEN_PREFIX

    origin = Origin(f"http://{HOST}:{ws_port}")  # AllowedHostsOriginValidator wants one
    ws_base = f"ws://{HOST}:{ws_port}"
    received: list[Received] = []
    closed: list[tuple[float, int, str]] = []
    readers: list[asyncio.Task[None]] = []
    sockets: list[Any] = []

    async def open_socket(path: str, token: str, socket_id: int) -> Any:
        # The token goes as a subprotocol, as the chat page and the console send it.
        ws = await connect(
            f"{ws_base}{path}",
            origin=origin,
            open_timeout=30,
            max_queue=1024,
            subprotocols=[Subprotocol(SUBPROTOCOL), Subprotocol(TOKEN_PREFIX + token)],
        )
        sockets.append(ws)
        readers.append(asyncio.create_task(_reader(ws, socket_id, received, closed)))
        return ws

    layer = RedisPubSubChannelLayer(hosts=[args.redis_url], prefix=args.prefix)
    probe_channel = await layer.new_channel()
    await layer.group_add(PROBE_GROUP, probe_channel)
    try:
        # First requests are slow (imports, the intent model, pool connections). Make them
        # before any socket is open: an idle socket worker is what redis-py's read timeout
        # hits (bench/README.md), and the load should start at full speed.
        await _warm_http(seeded.spare, http_port)
        # The customers' sockets first; then the agent's, which watches every conversation
        # (the console does the same for the conversation it opens).
        t0 = time.perf_counter()
        gate = asyncio.Semaphore(50)

        async def open_customer(target: Target) -> None:
            async with gate:
                await open_socket(
                    f"/ws/conversations/{target.conversation_id}/", target.token, target.index
                )

        await asyncio.gather(*(open_customer(t) for t in seeded.targets))
        connect_seconds = time.perf_counter() - t0

        agent_ready = asyncio.Event()
        watch: dict[str, float] = {}

        async def agent_setup() -> None:
            t0 = time.perf_counter()
            agent = await open_socket("/ws/agent/", seeded.agent_token, -1)
            for target in seeded.targets:
                await agent.send(
                    json.dumps({"type": "watch", "conversation_id": target.conversation_id})
                )
            wanted = {t.conversation_id for t in seeded.targets}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                acked = {
                    r.event.get("conversation_id")
                    for r in received
                    if r.socket == -1 and r.event.get("type") == "watching"
                }
                if any(sid == -1 for _, sid, _ in closed):
                    raise BenchError(f"the server closed the agent's socket: {closed}")
                if acked >= wanted:
                    watch["seconds"] = time.perf_counter() - t0
                    watch["done_at"] = time.time()
                    agent_ready.set()
                    return
                await asyncio.sleep(0.02)
            errors = [r.event for r in received if r.event.get("type") == "error"][:3]
            raise BenchError(f"the agent watches {len(acked)} of {len(wanted)}; {errors}")

        if args.idle:
            # Production sockets sit idle most of the time; --idle shows what that does.
            await agent_setup()
            await asyncio.sleep(args.idle)
            setup = None
        else:
            # The agent opens the console while the customers' warm-up messages flow: from
            # the first socket on, no worker's channel layer sits idle for long (redis-py's
            # read timeout, bench/README.md). Measuring starts only once it watches.
            setup = asyncio.create_task(agent_setup())
        try:
            posts, probes, timing = await _load(
                args, seeded, http_port, layer, probe_channel, agent_ready
            )
        except BenchError:
            if setup is not None and setup.done() and not setup.cancelled():
                error = setup.exception()
                if error is not None:
                    raise error from None  # why the agent never got ready
            raise
        finally:
            if setup is not None:
                setup.cancel()
                await asyncio.gather(setup, return_exceptions=True)
        # Leave time for the last deliveries before the sockets close.
        await _settle(args, posts, received, closed, watch["done_at"])
    finally:
        # In batches, like the connects: 200 sockets closing at once make 200 concurrent
        # group_discard calls in the server, more than redis-py's pool of 100 connections
        # per worker allows (MaxConnectionsError in the server log; bench/README.md).
        for i in range(0, len(sockets), 20):
            await asyncio.gather(
                *(asyncio.wait_for(ws.close(), 5) for ws in sockets[i : i + 20]),
                return_exceptions=True,
            )
            await asyncio.sleep(0.2)  # the server's disconnect handlers run after the close
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        with contextlib.suppress(Exception):
            await layer.group_discard(PROBE_GROUP, probe_channel)
        with contextlib.suppress(Exception):
            await layer.flush()  # closes its connections
    return ClientRun(
        posts=posts,
        received=received,
        probes=probes,
        closed=closed,
        connect_seconds=connect_seconds,
        watch_seconds=watch["seconds"],
        watch_done_at=watch["done_at"],
        measure_started=timing[0],
        measure_seconds=timing[1],
        load_at_start=timing[2],
        probe_receive_errors=timing[3],
    )


async def _load(
    args: argparse.Namespace,
    seeded: Seeded,
    http_port: int,
    layer: Any,
    probe_channel: str,
    agent_ready: asyncio.Event,
) -> tuple[list[Post], list[Probe], tuple[float, float, tuple[float, ...], list[str]]]:
    """Open-loop load: posts start on schedule whether or not earlier ones have answered,
    spread round-robin over the conversations. Probes run on the same schedule, half a
    period later."""
    import httpx

    period = 1.0 / args.rate
    n_warm = int(args.warmup * args.rate)
    n_measured = int(args.duration * args.rate)
    n_wait = n_warm + int(60 * args.rate)  # how long the warm-up may wait for the agent
    targets = seeded.targets
    posts: list[Post] = []
    probes: list[Probe] = []
    by_seq: dict[int, Probe] = {}
    receive_errors: list[str] = []
    tasks: list[asyncio.Task[None]] = []

    async def probe_receiver() -> None:
        while True:
            try:
                message = await layer.receive(probe_channel)
            except Exception as error:  # e.g. redis' read timeout on an idle BZPOPMIN
                receive_errors.append(f"{type(error).__name__}: {error}")
                continue
            at = time.perf_counter()
            probe = by_seq.get(message.get("seq", -1))
            if probe is not None:
                probe.received.append(at)

    async def send_probe(probe: Probe) -> None:
        probe.sent = time.perf_counter()
        try:
            await layer.group_send(PROBE_GROUP, {"type": "bench.probe", "seq": probe.seq})
        except Exception as error:
            probe.error = f"{type(error).__name__}: {error}"

    # Idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them: a POST
    # sent on a connection the server is closing fails with a ReadError (not retried).
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256, keepalive_expiry=2.0)
    async with httpx.AsyncClient(
        base_url=f"http://{HOST}:{http_port}", limits=limits, timeout=30.0
    ) as client:

        async def send_post(post: Post) -> None:
            target = targets[post.target]
            post.started = time.perf_counter()
            try:
                response = await client.post(
                    f"/api/v1/conversations/{target.conversation_id}/messages/",
                    json={"message": f"Any news on my parcel? [rt-{post.seq}]"},
                    headers={"X-Conversation-Token": target.token},
                )
                post.seconds = time.perf_counter() - post.started
                post.answered_at = time.time()
                post.status = response.status_code
                if response.status_code == 201:
                    post.message_id = response.json().get("message_id")
                else:
                    post.error = response.text[:200]
            except Exception as error:
                post.seconds = time.perf_counter() - post.started
                post.error = f"{type(error).__name__}: {error}"

        receiver = asyncio.create_task(probe_receiver())
        start = time.perf_counter() + 0.2
        measure_from: int | None = None  # the first measured seq
        measure_start = measure_wall = 0.0
        load_at_start: tuple[float, ...] = ()
        try:
            seq = -1
            while measure_from is None or seq + 1 < measure_from + n_measured:
                seq += 1
                at = start + seq * period
                # At least --warmup seconds, and until the agent watches every conversation.
                if measure_from is None and seq >= n_warm and agent_ready.is_set():
                    measure_from = seq
                    measure_start = at
                    measure_wall = time.time() + (at - time.perf_counter())
                    load_at_start = os.getloadavg()
                if measure_from is None and seq >= n_wait:
                    raise BenchError("the agent was not watching after a minute of warm-up")
                warm = measure_from is None
                await asyncio.sleep(max(0.0, at - time.perf_counter()))
                post = Post(seq=seq, target=seq % len(targets), warmup=warm, scheduled=at)
                posts.append(post)
                tasks.append(asyncio.create_task(send_post(post)))
                at += period / 2
                await asyncio.sleep(max(0.0, at - time.perf_counter()))
                probe = Probe(seq=seq, warmup=warm, scheduled=at)
                probes.append(probe)
                by_seq[seq] = probe
                tasks.append(asyncio.create_task(send_probe(probe)))
            measure_seconds = time.perf_counter() - measure_start
            _, pending = await asyncio.wait(tasks, timeout=60)
            for task in pending:
                task.cancel()
            # Replies to the last probes.
            deadline = time.monotonic() + args.grace
            while time.monotonic() < deadline and any(
                not p.received and not p.error for p in probes
            ):
                await asyncio.sleep(0.05)
        finally:
            receiver.cancel()
            await asyncio.gather(receiver, return_exceptions=True)
    return (
        posts,
        probes,
        (measure_wall, measure_seconds, load_at_start, receive_errors),
    )


async def _settle(
    args: argparse.Namespace,
    posts: list[Post],
    received: list[Received],
    closed: list[tuple[float, int, str]],
    watch_done_at: float,
) -> None:
    """Wait until every stored message has reached the agent's and its customer's socket,
    or ``--grace`` seconds without progress. Messages that could not arrive (to a socket the
    server closed, or to the agent before it watched) are not waited for."""
    gone = {socket_id for _, socket_id, _ in closed}
    stored = [p for p in posts if p.status == 201]
    for_agent = (
        set()
        if -1 in gone
        else {p.seq for p in stored if not p.warmup or p.answered_at - p.seconds >= watch_done_at}
    )
    for_customers = {p.seq for p in stored if p.target not in gone}
    last, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < args.grace:
        seen_agent: set[int] = set()
        seen_customer: set[int] = set()
        for r in received:
            seq = _seq_of(r.event)
            if seq is not None:
                (seen_agent if r.socket == -1 else seen_customer).add(seq)
        if for_agent <= seen_agent and for_customers <= seen_customer:
            return
        if len(received) != last:
            last, last_change = len(received), time.monotonic()
        await asyncio.sleep(0.1)


# --- analysis ------------------------------------------------------------------------------


def _seq_of(event: dict[str, Any]) -> int | None:
    if event.get("type") != "message.created":
        return None
    data = event.get("data") or {}
    if data.get("sender") != "user":
        return None
    match = TAG.search(str(data.get("message", "")))
    return int(match.group(1)) if match else None


def _created_ts(event: dict[str, Any]) -> float:
    return dt.datetime.fromisoformat(event["data"]["created_at"]).timestamp()


def _occurred_ts(event: dict[str, Any]) -> float:
    return dt.datetime.fromisoformat(event["occurred_at"]).timestamp()


def _percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "samples": len(values),
        "p50_ms": _percentile(values, 0.50),
        "p90_ms": _percentile(values, 0.90),
        "p99_ms": _percentile(values, 0.99),
        "max_ms": max(values) if values else float("nan"),
        "mean_ms": statistics.fmean(values) if values else float("nan"),
    }


def _analyse(run: ClientRun, targets: list[Target]) -> dict[str, Any]:
    post_by_seq = {p.seq: p for p in run.posts}
    stored = {p.seq for p in run.posts if p.status == 201}
    measured = {p.seq for p in run.posts if not p.warmup}
    agent_hits: Counter[int] = Counter()
    customer_hits: Counter[int] = Counter()
    agent_ms: dict[int, float] = {}
    # created_at -> occurred_at: from the stored timestamp (taken just before the write) to
    # when the server built the event, right after the write; it is published after commit.
    in_transaction_ms: dict[int, float] = {}
    customer_ms: dict[int, float] = {}
    wrong_socket = 0
    unexpected = 0
    agent_types: Counter[str] = Counter()
    customer_types: Counter[str] = Counter()
    for r in run.received:
        kind = str(r.event.get("type"))
        (agent_types if r.socket == -1 else customer_types)[kind] += 1
        seq = _seq_of(r.event)
        if seq is None:
            continue
        post = post_by_seq.get(seq)
        if post is None:
            unexpected += 1
            continue
        latency = (r.at - _created_ts(r.event)) * 1000
        if r.socket == -1:
            agent_hits[seq] += 1
            agent_ms.setdefault(seq, latency)
            in_transaction_ms.setdefault(seq, (_occurred_ts(r.event) - _created_ts(r.event)) * 1000)
        else:
            if r.event.get("conversation_id") != targets[post.target].conversation_id:
                wrong_socket += 1
                continue
            customer_hits[seq] += 1
            customer_ms.setdefault(seq, latency)

    closed_at: dict[int, float] = {}
    for at, socket_id, _ in run.closed:
        closed_at.setdefault(socket_id, at)

    def delivery(hits: Counter[int], seqs: set[int], agent: bool) -> dict[str, int]:
        missing = [s for s in seqs & stored if hits[s] == 0]

        def socket_gone(seq: int) -> bool:  # closed by the server before the message was
            post = post_by_seq[seq]  # answered: nothing could have reached it
            gone = closed_at.get(-1 if agent else post.target)
            return gone is not None and gone <= post.answered_at

        return {
            "missing": len(missing),
            "missing_socket_closed": sum(1 for s in missing if socket_gone(s)),
            "duplicates": sum(hits[s] - 1 for s in seqs if hits[s] > 1),
            # Events for messages whose HTTP answer was not 201 (timeouts): stored anyway.
            "without_201": sum(1 for s in seqs - stored if hits[s]),
        }

    warm = {p.seq for p in run.posts if p.warmup}
    # Warm-up messages posted before the agent watched all conversations cannot reach it.
    warm_watched = {
        p.seq for p in run.posts if p.warmup and p.answered_at - p.seconds >= run.watch_done_at
    }
    posts = [p for p in run.posts if not p.warmup]
    probes = [p for p in run.probes if not p.warmup]
    probe_ms = [(p.received[0] - p.sent) * 1000 for p in probes if p.received]
    post_lag = [(p.started - p.scheduled) * 1000 for p in posts if p.started]
    probe_lag = [(p.sent - p.scheduled) * 1000 for p in probes if p.sent]
    return {
        "lag": {"posts": _stats(post_lag), "probes": _stats(probe_lag)},
        "agent": {
            **_stats([agent_ms[s] for s in sorted(measured) if s in agent_ms]),
            "created_to_event": _stats(
                [in_transaction_ms[s] for s in sorted(measured) if s in in_transaction_ms]
            ),
            **delivery(agent_hits, measured, True),
        },
        "customer": {
            **_stats([customer_ms[s] for s in sorted(measured) if s in customer_ms]),
            **delivery(customer_hits, measured, False),
        },
        "probe": {
            **_stats(probe_ms),
            "missing": sum(1 for p in probes if not p.received),
            "duplicates": sum(len(p.received) - 1 for p in probes if len(p.received) > 1),
            "errors": sum(1 for p in probes if p.error),
        },
        "http": {
            **_stats([p.seconds * 1000 for p in posts if p.status == 201]),
            "missing": sum(1 for p in posts if p.status != 201),
            "duplicates": 0,
            "statuses": dict(Counter(str(p.status or p.error.split(":")[0]) for p in posts)),
            "first_error": next((f"{p.status} {p.error}" for p in posts if p.error), ""),
        },
        "warmup": {
            "posts": len(warm),
            "stored": len(warm & stored),
            "posted_after_the_agent_watched": len(warm_watched),
            "agent": delivery(agent_hits, warm_watched, True),
            "customer": delivery(customer_hits, warm, False),
        },
        "wrong_socket": wrong_socket,
        "unexpected": unexpected,
        "agent_events": dict(agent_types),
        "customer_events": dict(customer_types),
        "samples": {
            "agent_ms": [round(agent_ms[s], 3) for s in sorted(measured) if s in agent_ms],
            "customer_ms": [round(customer_ms[s], 3) for s in sorted(measured) if s in customer_ms],
            "probe_ms": [round(v, 3) for v in probe_ms],
            "http_ms": [round(p.seconds * 1000, 3) for p in posts if p.status == 201],
        },
    }


# --- report --------------------------------------------------------------------------------


def _row(title: str, s: dict[str, Any], missing: Any, duplicates: Any) -> str:
    return (
        f"| {title} | {s['samples']} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | "
        f"{s['max_ms']:.1f} | {missing} | {duplicates} |"
    )


def _table(a: dict[str, Any]) -> str:
    return "\n".join(
        [
            "| measurement | samples | p50 ms | p99 ms | max ms | missing | duplicates |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            _row(
                "store → agent socket (`message.created`)",
                a["agent"],
                a["agent"]["missing"],
                a["agent"]["duplicates"],
            ),
            _row(
                "store → customer socket (own message)",
                a["customer"],
                a["customer"]["missing"],
                a["customer"]["duplicates"],
            ),
            _row(
                "bare channel-layer round trip (group_send → receive)",
                a["probe"],
                a["probe"]["missing"],
                a["probe"]["duplicates"],
            ),
            _row("HTTP POST response time (201)", a["http"], a["http"]["missing"], "-"),
        ]
    )


def _ratio(x: float, y: float) -> str:
    return f"{x / y:.1f}x" if y > 0 else "n/a"


EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception))(?::|$)")


def _server_log_summary(log: Path) -> dict[str, int]:
    """Tracebacks in the server log, by their final exception (not the chained causes),
    apart from those logged while the servers shut down."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    found: Counter[str] = Counter()
    stopping = False
    for i, line in enumerate(lines):
        stopping = stopping or "Shutting down" in line or "Received SIGTERM" in line
        match = EXCEPTION_LINE.match(line)
        if not match:
            continue
        following = next((x for x in lines[i + 1 :] if x.strip()), "")
        if not following.startswith(("The above exception", "During handling")):
            found[match.group(1) + (" (at shutdown)" if stopping else "")] += 1
    return dict(found)


def _closed_summary(run: ClientRun) -> str:
    if not run.closed:
        return "none"
    end = run.measure_started + run.measure_seconds
    when = Counter(
        "before the measurement"
        if at < run.measure_started
        else "during it"
        if at <= end
        else "after it"
        for at, _, _ in run.closed
    )
    agent = [f"{at - run.measure_started:+.1f} s" for at, sid, _ in run.closed if sid == -1]
    return (
        f"{len(run.closed)} ({dict(when)}; the agent's: {agent or 'no'}; first reason: "
        f"{run.closed[0][2]!r})"
    )


def _report(
    args: argparse.Namespace,
    started: dt.datetime,
    run: ClientRun,
    a: dict[str, Any],
    load_before: tuple[float, ...],
    load_after: tuple[float, ...],
    stored: dict[str, int],
    server_log: dict[str, int],
) -> str:
    python = Path(sys.executable)
    with contextlib.suppress(ValueError):
        python = python.relative_to(ROOT)
    command = shlex.join([str(python), "bench/realtime.py", *sys.argv[1:]])
    sockets = f"uvicorn config.asgi:application --workers {args.workers}"
    pool = f"DATABASE_POOL=true, DATABASE_POOL_MAX={args.pool_max}, CONN_MAX_AGE=0"
    if args.http == "uvicorn":
        serving = f"`{sockets}` serves both the sockets and the HTTP posts, {pool}"
    else:
        serving = (
            f"sockets: `{sockets}`, {pool}; HTTP posts: `gunicorn config.wsgi:application "
            f"--workers {args.workers} --worker-class gthread --threads 4` (CONN_MAX_AGE=60)"
        )
    posted = len([p for p in run.posts if not p.warmup])
    warm_posts = len(run.posts) - posted
    ag, pr, lag = a["agent"], a["probe"], a["lag"]
    measure_start = dt.datetime.fromtimestamp(run.measure_started, dt.UTC)

    def load(values: tuple[float, ...]) -> str:
        return " / ".join(f"{v:.2f}" for v in values) if values else "?"

    lines = [
        f"## Realtime latency {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- command: `{command}`",
        f"- revision: {_revision(args)}",
        f"- server: {serving}; DEBUG=false, PostgreSQL database `{args.db_name}` on "
        f"{HOST}:{args.db_port}",
        f"- channel layer: channels_redis RedisPubSubChannelLayer, {args.redis_url}, prefix "
        f"`{args.prefix}`",
        f"- sockets: {args.conversations} customer "
        f"sockets (one per escalated conversation, all assigned to the agent) + 1 agent socket "
        f"watching all of them; connected in {run.connect_seconds:.1f} s, watches acknowledged "
        f"in {run.watch_seconds:.1f} s",
        *([f"- idle before the load: {args.idle:g} s"] if args.idle else []),
        f"- load: {args.rate:g} customer messages/s round-robin over the conversations, "
        f"{warm_posts / args.rate:.1f} s warm-up (at least {args.warmup:g} s, and until the "
        f"agent watched) then {args.duration:g} s measured (from "
        f"{measure_start:%H:%M:%S} UTC, {posted} messages); channel-layer probes at the same "
        f"rate, interleaved. Start behind schedule: posts p99 {lag['posts']['p99_ms']:.1f} ms, "
        f"max {lag['posts']['max_ms']:.1f} ms; probes p99 {lag['probes']['p99_ms']:.1f} ms, "
        f"max {lag['probes']['max_ms']:.1f} ms",
        f"- machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; load average "
        f"(1/5/15 min) before {load(load_before)}, at the start of the measurement "
        f"{load(run.load_at_start)}, after {load(load_after)}",
        "",
        _table(a),
        "",
        f"store → agent socket vs the bare round trip: p50 {_ratio(ag['p50_ms'], pr['p50_ms'])}, "
        f"p99 {_ratio(ag['p99_ms'], pr['p99_ms'])}. Of store → agent socket, "
        f"`created_at` → the event's `occurred_at` (the server builds the event right after "
        f"the write) took p50 {ag['created_to_event']['p50_ms']:.1f} ms, p99 "
        f"{ag['created_to_event']['p99_ms']:.1f} ms.",
        "",
        "Latency to a socket = the time the benchmark's client read the event minus the message's "
        "stored `created_at` (same clock). `missing`: messages answered 201 whose event never "
        f"arrived within {args.grace:g} s after the load (HTTP: answers other than 201); "
        "`duplicates`: extra copies of an event. Of the missing events, to a socket the "
        f"server had already closed: agent {ag['missing_socket_closed']}, customers "
        f"{a['customer']['missing_socket_closed']}; the rest were lost on open sockets.",
        "",
        f"Checks: HTTP statuses {a['http']['statuses']}; events on the wrong customer socket "
        f"{a['wrong_socket']}; events for messages not posted {a['unexpected']}; events for "
        f"messages without a 201 answer: agent {ag['without_201']}, customer "
        f"{a['customer']['without_201']}; warm-up {a['warmup']}; stored after the run "
        f"{stored}.",
        "",
        f"Sockets closed by the server: {_closed_summary(run)}. Server log: {server_log}. "
        f"Failed receives of the probe's channel: {len(run.probe_receive_errors)}.",
        f"Events on the agent's socket: {a['agent_events']}; on the customer sockets: "
        f"{a['customer_events']}.",
    ]
    if a["http"]["first_error"]:
        lines.append(f"\nFirst HTTP failure: `{a['http']['first_error']}`")
    return "\n".join(lines) + "\n"


# --- main ----------------------------------------------------------------------------------


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=30.0, help="customer messages per second")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument(
        "--conversations", type=int, default=200, help="= connected customer sockets"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="uvicorn workers (docs/operations.md: 2)"
    )
    parser.add_argument(
        "--http",
        choices=["uvicorn", "gunicorn"],
        default="uvicorn",
        help="who serves the posts: the same uvicorn, or gunicorn gthread beside it (the "
        "production split of docs/operations.md)",
    )
    parser.add_argument("--pool-max", type=int, default=10, help="DATABASE_POOL_MAX")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds to wait for events")
    parser.add_argument(
        "--idle",
        type=float,
        default=0.0,
        help="seconds the connected sockets stay idle before the load (default: none)",
    )
    parser.add_argument("--redis-url", default=f"redis://{HOST}:6379/3")
    parser.add_argument("--prefix", default="", help="channel prefix; default unique per run")
    parser.add_argument("--db-name", default="ks_bench_rt")
    parser.add_argument("--db-user", default="postgres")
    parser.add_argument("--db-port", type=int, default=5432)
    parser.add_argument("--port", type=int, default=0, help="uvicorn port; 0 picks a free one")
    parser.add_argument("--label", default="", help="added to the result file names")
    parser.add_argument(
        "--tree",
        type=Path,
        default=None,
        help="serve and seed from this source tree (e.g. a `git archive` export) instead of "
        "the working tree",
    )
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.duration <= 0 or args.conversations < 1:
        parser.error("--rate, --duration and --conversations must be positive")
    if args.tree is not None:
        args.tree = args.tree.resolve()
        if not (args.tree / "config" / "asgi.py").exists():
            parser.error(f"{args.tree} is not a source tree of this project")
    if not args.prefix:
        args.prefix = f"ksrt{os.getpid()}"
    return args


def main(argv: list[str]) -> int:
    args = _parse(argv)
    os.chdir(ROOT)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    stamp = started.strftime("%Y%m%d-%H%M%S") + (f"-{args.label}" if args.label else "")
    base = _base_env()
    log = RESULTS_DIR / f"{stamp}-realtime-server.log"

    budget = int(
        args.warmup + 60 + args.duration + args.idle + 4 * args.grace + args.conversations + 300
    )
    signal.signal(signal.SIGTERM, bench._on_signal)
    signal.signal(signal.SIGALRM, bench._on_signal)
    signal.alarm(budget)  # watchdog: the finally below still stops everything

    if not bench._redis_reachable(args.redis_url):
        raise BenchError(f"Redis is not reachable at {args.redis_url}")
    print(f"bench: watchdog {budget} s; recreating database {args.db_name}", flush=True)
    bench._recreate_database(args)
    t0 = time.monotonic()
    seeded = _seed(args, base)
    print(
        f"bench: migrated and created {args.conversations} escalated conversations assigned "
        f"to {seeded.agent_id} in {time.monotonic() - t0:.1f} s",
        flush=True,
    )

    load_before = os.getloadavg()
    try:
        ws_port, http_port = _start_servers(args, base, log)
        print(
            f"bench: uvicorn ({args.workers} workers) on {HOST}:{ws_port}"
            + (f", gunicorn on {HOST}:{http_port}" if http_port != ws_port else "")
            + f" (log {log.relative_to(ROOT)})",
            flush=True,
        )
        run = asyncio.run(_client(args, seeded, ws_port, http_port))
    finally:
        bench._stop_all()
        with contextlib.suppress(Exception):
            _cleanup_redis(args)
    load_after = os.getloadavg()
    analysis = _analyse(run, seeded.targets)
    stored = _stored_user_messages()
    server_log = _server_log_summary(log)
    report = _report(args, started, run, analysis, load_before, load_after, stored, server_log)
    md = RESULTS_DIR / f"{stamp}-realtime.md"
    md.write_text(report)
    (RESULTS_DIR / f"{stamp}-realtime.json").write_text(
        json.dumps(
            {
                "started": started.isoformat(),
                "argv": sys.argv[1:],
                "options": vars(args),
                "load_before": load_before,
                "load_at_start": run.load_at_start,
                "load_after": load_after,
                "stored": stored,
                "closed": run.closed,
                "server_log": server_log,
                "probe_receive_errors": run.probe_receive_errors,
                **analysis,
            },
            indent=2,
            default=str,
        )
    )
    print()
    print(report)
    print(f"bench: written to {md.relative_to(ROOT)}")
    a = analysis
    failures = (
        a["agent"]["missing"]
        + a["agent"]["duplicates"]
        + a["customer"]["missing"]
        + a["customer"]["duplicates"]
        + a["probe"]["missing"]
        + a["http"]["missing"]
        + a["wrong_socket"]
        + len(run.closed)
    )
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except bench.BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        code = 2
    finally:
        signal.alarm(0)
        bench._stop_all()
    sys.exit(code)
