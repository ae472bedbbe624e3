#!/usr/bin/env python
"""ferry.distributed: what running on workers costs and gains.

    python benchmarks/distributed_bench.py                       # both parts, all engines
    python benchmarks/distributed_bench.py --part udf --repeat 3
    python benchmarks/distributed_bench.py --part join --rows 2_000_000 --engines local,dask

(0) ``overhead``: a no-op job of 33 tasks in 3 stages: what scheduling and
moving handles cost per task on each executor.

(1) ``udf``: a CPU-bound pure-Python scalar UDF (a per-row loop) over
``--partitions`` (default 8) partitions of an in-memory table: in process
(one partition at a time, i.e. one core, as one worker has), then 1 and 2
workers on each executor. Targets (reported, not asserted): 2 workers /
1 worker >= 1.8x on each executor, and 1 worker within 10% of in-process.

(2) ``join``: a join + group-by + sort over generated Parquet: in process
vs 2 local workers vs Dask (2 workers) vs Ray (2 CPUs), with the bytes each
stage wrote, the bytes handed to consumer tasks (on Dask and Ray: moved;
only each reducer's slice of a shuffle) against what whole map outputs
would be (how ferry shuffled before slice fetches), and each stage's
elapsed time.

Every distributed result is checked against the in-process one. Times are
the best of ``--repeat`` runs after one warm-up (which also starts the
workers and imports ferry in them).
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from contextlib import ExitStack

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import ferry
from ferry import col, functions as f, udf
from ferry.distributed import DaskExecutor, LocalExecutor, RayExecutor, run_job
from ferry.distributed import query as dquery


@udf([pa.int64()], pa.int64(), "immutable", name="collatz_steps")
def collatz_steps(values: pa.Array) -> pa.Array:
    """Steps of the Collatz sequence of each value: pure-Python CPU work."""
    out = []
    for v in values.to_pylist():
        steps, n = 0, v
        while n > 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            steps += 1
        out.append(steps)
    return pa.array(out, pa.int64())


def best(fn, repeat: int) -> tuple[float, object]:
    fn()  # warm-up
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def executors(engine: str, workers: int, stack: ExitStack):
    if engine == "local":
        return stack.enter_context(LocalExecutor(workers=workers, progress=False))
    if engine == "dask":
        from dask.distributed import Client, LocalCluster

        cluster = stack.enter_context(LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
            silence_logs=logging.ERROR))
        return DaskExecutor(stack.enter_context(Client(cluster)), progress=False)
    import ray

    if ray.is_initialized():
        ray.shutdown()
    return stack.enter_context(RayExecutor(
        init={"num_cpus": workers, "include_dashboard": False, "log_to_driver": False},
        progress=False))


def part_udf(args) -> None:
    rng = np.random.default_rng(1)
    values = pa.array(rng.integers(1, 100_000, args.udf_rows), pa.int64())
    n = args.partitions
    bounds = [round(i * len(values) / n) for i in range(n + 1)]
    parts = [[pa.record_batch({"x": values.slice(lo, hi - lo)})]
             for lo, hi in zip(bounds, bounds[1:])]
    # One partition at a time in process: the one core a single worker has.
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(1))
    df = ctx.create_dataframe(parts).select(collatz_steps(col("x")).alias("s")).aggregate(
        [], [f.sum(col("s")).alias("total")])
    dist_ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(n))
    dist_df = dist_ctx.create_dataframe(parts).select(
        collatz_steps(col("x")).alias("s")).aggregate([], [f.sum(col("s")).alias("total")])
    inproc, want = best(lambda: df.to_pydict(), args.repeat)
    print(f"\n(1) CPU-bound Python UDF, {args.udf_rows} rows in {n} partitions")
    print(f"  in process (1 core)     {inproc:7.3f} s")
    for engine in args.engines:
        times = {}
        for workers in (1, 2):
            with ExitStack() as stack:
                ex = executors(engine, workers, stack)
                times[workers], got = best(lambda: dist_df.to_pydict(executor=ex), args.repeat)
                assert got == want, f"{engine}: {got} != {want}"
            print(f"  {engine:>5} {workers} worker{'s' if workers > 1 else ' '}        "
                  f"{times[workers]:7.3f} s")
        print(f"  {engine:>5} speed-up 2 vs 1 worker: {times[1] / times[2]:.2f}x (target >= 1.8); "
              f"1 worker / in process: {times[1] / inproc:.2f} (target <= 1.10)")


def _trivial(payload, stage, task, inputs):
    """A runner that does nothing but read its inputs: scheduling cost only."""
    return b"x" * 8, {"rows": 1, "bytes": 8}


def part_overhead(args) -> None:
    from ferry.distributed import JobSpec, StageSpec

    widths = (16, 16, 1)
    stages = [StageSpec(i, n, (i - 1,) if i else ()) for i, n in enumerate(widths)]
    tasks = sum(widths)
    print(f"\n(0) scheduling overhead: a no-op job of {tasks} tasks in {len(widths)} stages")
    for engine in args.engines:
        with ExitStack() as stack:
            ex = executors(engine, 2, stack)
            elapsed, _ = best(lambda: run_job(JobSpec(b"", stages, _trivial), ex), args.repeat)
        print(f"  {engine:>5} 2 workers         {elapsed:7.3f} s  "
              f"({elapsed / tasks * 1000:.1f} ms per task)")


def part_join(args) -> None:
    rng = np.random.default_rng(2)
    # Keys a quarter of the rows: the dimension table is too big to
    # broadcast, so both sides are hash-shuffled and so are the groups.
    rows, keys = args.rows, max(10, args.rows // 4)
    with tempfile.TemporaryDirectory() as root:
        facts = pa.table({"k": pa.array(rng.integers(0, keys, rows), pa.int64()),
                          "v": pa.array(rng.random(rows), pa.float64())})
        dims = pa.table({"id": pa.array(np.arange(keys), pa.int64()),
                         "grp": pa.array(rng.integers(0, max(1, keys // 10), keys), pa.int64())})
        pq.write_table(facts, os.path.join(root, "facts.parquet"), row_group_size=rows // 16)
        pq.write_table(dims, os.path.join(root, "dims.parquet"))
        ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(4))
        ctx.register_parquet("facts", os.path.join(root, "facts.parquet"))
        ctx.register_parquet("dims", os.path.join(root, "dims.parquet"))
        df = ctx.table("facts").join(ctx.table("dims"), left_on="k", right_on="id").aggregate(
            [col("grp")], [f.sum(col("v")).alias("s"), f.count_star().alias("c")]).sort(
            col("s").sort(ascending=False)).limit(100)
        single, want = best(lambda: df.to_arrow_table(), args.repeat)
        print(f"\n(2) join + group-by + sort over Parquet, {rows} rows, {keys} join keys")
        print(f"  in process              {single:7.3f} s")
        for engine in args.engines:
            with ExitStack() as stack:
                ex = executors(engine, 2, stack)
                elapsed, got = best(lambda: df.to_arrow_table(executor=ex), args.repeat)
                assert got.column("grp").to_pylist() == want.column("grp").to_pylist(), engine
                staged = dquery.plan(df, ex)
                result = run_job(dquery.job_spec(staged), ex)
            written, whole, moved = shuffle_bytes(staged, result)
            stage_times = ", ".join(f"s{sid} {s.elapsed:.2f}s/{s.bytes / 1e6:.1f}MB"
                                    for sid, s in result.stages.items())
            print(f"  {engine:>5} 2 workers         {elapsed:7.3f} s  ({elapsed / single:.2f}x "
                  f"in-process); {stage_times}")
            print(f"        stage outputs written {written / 1e6:.1f} MB; handed to consumer "
                  f"tasks {moved / 1e6:.1f} MB ({'mapped files, not copied' if engine == 'local' else 'moved'}); "
                  f"whole outputs would be {whole / 1e6:.1f} MB ({whole / max(moved, 1):.1f}x)")


def shuffle_bytes(staged, result) -> tuple[int, int, int]:
    """Bytes the non-root stages wrote; bytes consumer tasks would get if
    each received the whole output of every producer it reads (ferry before
    slice fetches); bytes the executor actually handed them."""
    stages = {s.id: s for s in staged.stages}
    written = sum(p.bytes for sid, p in result.stages.items() if sid != staged.stages[-1].id)
    whole = sum(stages[sid].num_tasks * result.stages[source].bytes
                for sid in stages for source in stages[sid].inputs)
    moved = sum(int(stats.get("input_bytes", 0))
                for p in result.stages.values() for stats in p.tasks.values())
    return written, whole, moved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["overhead", "udf", "join", "all"], default="all")
    parser.add_argument("--engines", default="local,dask,ray")
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--udf-rows", type=lambda s: int(s.replace("_", "")), default=400_000)
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    args.engines = args.engines.split(",")
    if args.part in ("overhead", "all"):
        part_overhead(args)
    if args.part in ("udf", "all"):
        part_udf(args)
    if args.part in ("join", "all"):
        part_join(args)


if __name__ == "__main__":
    main()
