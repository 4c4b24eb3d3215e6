"""Interleaved A/B of server setups (or code trees) on one database (see README.md).

    .venv/bin/python bench/compare.py --configs sync:1,gthread:2,gthread:4
    .venv/bin/python bench/compare.py --configs gthread:4:/tmp/before,gthread:4:/tmp/after

Each config is WORKER_CLASS:THREADS[:SOURCE_TREE], where THREADS may be WORKERSxTHREADS
(``sync:4x1``: four sync workers; a plain number keeps run.py's two workers). Every config
gets its own gunicorn (idle while another is measured); wrk alternates between them for every
scenario and concurrency, so a noisy neighbour hits all configs alike. Prints every run and
the medians.
"""

import argparse
import signal
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run as bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", default="sync:1,gthread:2,gthread:4")
    parser.add_argument("--scenarios", default="baseline,escalated,assistant")
    parser.add_argument("--connections", default="16,64")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--reps", type=int, default=2)
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, bench._on_signal)

    args = bench._parse([])
    env = bench._server_env(args, args.redis_url)
    bench.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    bench._recreate_database(args)
    files = bench._seed(args, env)
    servers = {}
    results: dict[tuple[str, str, int], list[tuple[float, float, float]]] = {}
    try:
        for n, config in enumerate(options.configs.split(",")):
            worker_class, threads, *tree = config.split(":")
            workers, _, threads = threads.rpartition("x")
            server_args = bench._parse(
                ["--worker-class", worker_class, "--threads", threads]
                + (["--workers", workers] if workers else [])
            )
            bench.ROOT = Path(tree[0]) if tree else Path(__file__).resolve().parent.parent
            log = bench.RESULTS_DIR / f"compare-{n}-server.log"
            servers[config] = bench._start_server(server_args, env, log)
        for _, port in servers.values():
            for scenario in options.scenarios.split(","):
                bench._wrk(port, scenario, 64, 3, files, args.wrk_threads)
        for rep in range(options.reps):
            for conc in (int(c) for c in options.connections.split(",")):
                for scenario in options.scenarios.split(","):
                    for config, (_, port) in servers.items():
                        bench._drain(port)
                        raw = bench._wrk(port, scenario, conc, options.duration, files, 2)
                        rps = raw["requests"] / (raw["duration_us"] / 1e6)
                        p50, p99 = raw["p50_us"] / 1000, raw["p99_us"] / 1000
                        bad = raw["bad_status"] + raw["wrong_body"]
                        results.setdefault((config, scenario, conc), []).append((rps, p50, p99))
                        print(
                            f"rep {rep} {config:24} {scenario:9} c={conc:3} {rps:7.1f} req/s "
                            f"p50 {p50:7.1f} p99 {p99:7.1f} bad {bad}",
                            flush=True,
                        )
    finally:
        for proc, _ in servers.values():
            bench._stop(proc)
        bench._stop_all()
    print("\nmedians:")
    for (config, scenario, conc), runs in sorted(results.items(), key=lambda i: i[0][::-1]):
        rps = statistics.median(r[0] for r in runs)
        p50 = statistics.median(r[1] for r in runs)
        p99 = statistics.median(r[2] for r in runs)
        print(
            f"{config:24} {scenario:9} c={conc:3} {rps:7.1f} req/s  p50 {p50:7.1f}  "
            f"p99 {p99:7.1f}  runs {[round(r[0]) for r in runs]}"
        )


if __name__ == "__main__":
    main()
