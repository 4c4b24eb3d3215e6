"""CPU time per request, in process: where the HTTP benchmark's gap comes from.

Runs the three scenarios of bench/run.py through Django's WSGI handler in this process, one
request at a time, with no server and no wrk, and prints per request the wall time, the CPU
time of the whole process and that of the main thread. The difference between the last two
is other threads' work (before the events were published from the request thread, that was
the realtime publisher thread's).

It reuses what the last ``bench/run.py`` left: the database ``ks_bench`` and the targets in
``bench/results/targets-*.txt``. ``--no-publish`` drops the realtime events instead of sending
them, and ``--no-nlu`` skips intent detection, language detection and the escalation rules
(every message gets "unknown" and keeps its conversation's language), to measure what each
costs; both are for this measurement only. With ``--no-nlu`` only (c) and (a) run: the
assistant would answer every (b) question with a fallback and escalate the conversations.

    .venv/bin/python bench/cpu.py [--requests 1500] [--rounds 2] [--no-publish] [--no-nlu]
"""

import argparse
import io
import itertools
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
POST_LUA = ROOT / "bench" / "post.lua"


def _messages() -> list[str]:
    """The questions of bench/post.lua (its ``%s`` is the customer's order number), so that
    both benchmarks send the same messages."""
    block = re.search(r"local messages = \{(.*?)\n\}", POST_LUA.read_text(), re.DOTALL)
    if block is None:
        raise SystemExit(f"no messages table in {POST_LUA}")
    return re.findall(r'"((?:[^"\\]|\\.)*)"', block.group(1))


def _environ(path: str, text: str, token: str | None = None) -> dict[str, Any]:
    body = json.dumps({"message": text}).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
    }
    if token:
        environ["HTTP_X_CONVERSATION_TOKEN"] = token
    return environ


def _requests(scenario: str, count: int) -> Iterator[dict[str, Any]]:
    messages = _messages()
    if scenario == "c":  # post.lua's baseline body
        return (
            _environ("/bench/insert/", messages[i % len(messages)].replace("%s", "KS-100000"))
            for i in range(count)
        )
    kind = "escalated" if scenario == "a" else "open"
    targets = [line.split() for line in (RESULTS_DIR / f"targets-{kind}.txt").open()]
    return (
        _environ(
            f"/api/v1/conversations/{conversation}/messages/",
            messages[i % len(messages)].replace("%s", order),
            token,
        )
        for i, (conversation, token, order) in zip(range(count), itertools.cycle(targets))
    )


def _run(app: Any, scenario: str, count: int) -> tuple[float, float, float]:
    """(wall, process CPU, main-thread CPU) in µs per request; raises on a non-201."""
    statuses: list[str] = []
    wall, cpu, thread = time.perf_counter(), time.process_time(), time.thread_time()
    for environ in _requests(scenario, count):
        for _chunk in app(environ, lambda status, _headers: statuses.append(status)):
            pass
    wall, cpu, thread = (
        time.perf_counter() - wall,
        time.process_time() - cpu,
        time.thread_time() - thread,
    )
    refused = [s for s in statuses if not s.startswith("201")]
    if refused:
        raise SystemExit(f"scenario {scenario}: {len(refused)} answers were not 201: {refused[0]}")
    return wall / count * 1e6, cpu / count * 1e6, thread / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-publish", action="store_true", help="drop realtime events")
    parser.add_argument("--no-nlu", action="store_true", help="skip intent and language")
    parser.add_argument("--db-name", default="ks_bench")
    args = parser.parse_args()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{args.db_name}",
        CONN_MAX_AGE="60",
        DEBUG="false",
        BENCH_BASELINE="1",
        CHANNEL_PREFIX="ksbench",
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from support.common import bus

    if args.no_publish:
        bus._RedisGroups.send = lambda self, sends: None  # type: ignore[method-assign]
    if args.no_nlu:
        from support.assistant import intents, turns

        unknown = intents.IntentPrediction(intents.Intent.UNKNOWN, 0.0, "rule")
        turns.detect_intent = lambda text: unknown
        turns.clear_language = lambda text: None
        turns.match_rule = lambda text: None
    app = WSGIHandler()
    scenarios = ("c", "a") if args.no_nlu else ("c", "a", "b")
    for scenario in scenarios:  # warm up: imports, caches, prepared statements
        _run(app, scenario, 300)
    print("| round | scenario | wall µs | process CPU µs | main thread µs | other threads µs |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for round_ in range(1, args.rounds + 1):
        for scenario in scenarios:
            wall, cpu, thread = _run(app, scenario, args.requests)
            print(
                f"| {round_} | {scenario} | {wall:.0f} | {cpu:.0f} | {thread:.0f} "
                f"| {cpu - thread:.0f} |"
            )


if __name__ == "__main__":
    main()
