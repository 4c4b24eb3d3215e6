"""The benchmark's baseline: one Django view that inserts one row (BENCH_BASELINE=1 only)."""
