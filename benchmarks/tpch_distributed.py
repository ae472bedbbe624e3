#!/usr/bin/env python
"""TPC-H on ferry's local process pool (or Dask, or Ray) against ferry in one process.

    python benchmarks/tpch_distributed.py                 # SF1, all 22 queries
    python benchmarks/tpch_distributed.py --sf 0.1 --queries 1,3,5
    python benchmarks/tpch_distributed.py --sf 0.1 --engine ray

One process with ``--workers`` threads (the parallel engine) against a
``LocalExecutor`` of ``--workers`` worker processes, each held to one
thread, every query's stages run as tasks on them. Both read the same
Parquet files. Each distributed result is checked row for row against the
in-process one (benchmarks/tpch_check.diff); times are medians of
``--repeat`` runs after one warm-up, with the bytes the job's stages wrote
(the shuffle volume), the bytes handed to its tasks (on Dask and Ray: moved;
each reducer gets only its slices) and its stage count. Expect a slowdown:
on one machine distribution only adds encoding, IPC and scheduling to the
same work. ``--engine dask`` / ``ray`` run the same jobs on a local Dask
cluster / a local Ray of ``--workers`` single-threaded workers.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _one_thread() -> None:
    import pyarrow as pa

    pa.set_cpu_count(1)


def open_executor(engine: str, workers: int, stack: ExitStack):
    """An executor of ``workers`` single-threaded workers on ``engine``."""
    from ferry.distributed import DaskExecutor, LocalExecutor, RayExecutor

    if engine == "local":
        return stack.enter_context(
            LocalExecutor(workers=workers, initializer=_one_thread, progress=False))
    if engine == "dask":
        from dask.distributed import Client, LocalCluster

        cluster = stack.enter_context(LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
            silence_logs=logging.ERROR))
        client = stack.enter_context(Client(cluster))
        client.run(_one_thread)
        return DaskExecutor(client, progress=False)
    return stack.enter_context(RayExecutor(
        init={"num_cpus": workers, "include_dashboard": False, "log_to_driver": False},
        initializer=_one_thread, progress=False))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sf", type=float, default=1.0)
    p.add_argument("--queries", default=",".join(str(q) for q in range(1, 23)))
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--engine", choices=["local", "dask", "ray"], default="local")
    args = p.parse_args(argv)

    import pyarrow as pa

    import ferry
    import tpch_data
    from ferry.distributed import run_job
    from ferry.distributed.query import job_spec, plan
    from tpch_check import diff, rows_of
    from tpch_queries import QUERIES

    queries = [int(q) for q in args.queries.split(",")]
    data = tpch_data.generate(args.sf)
    pa.set_cpu_count(args.workers)
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(args.workers))
    for table, path in tpch_data.paths(data).items():
        ctx.register_parquet(table, path)

    def timed(fn):
        fn()
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times), result

    rows = []
    with ExitStack() as stack:
        pool = open_executor(args.engine, args.workers, stack)
        for q in queries:
            df = QUERIES[q](ctx)
            local_s, local = timed(df.to_arrow_table)
            shuffled = {}

            def distributed():
                # Planning and encoding count, as they do in process.
                staged = plan(df, pool)
                result = run_job(job_spec(staged), pool)
                root = staged.stages[-1].id
                shuffled["stages"] = len(staged.stages)
                # Bytes the non-root stages wrote: what moved between tasks.
                shuffled["bytes"] = sum(stats.get("bytes", 0)
                                        for sid, stage in result.stages.items() if sid != root
                                        for stats in stage.tasks.values())
                shuffled["handed"] = sum(stats.get("input_bytes", 0)
                                         for stage in result.stages.values()
                                         for stats in stage.tasks.values())
                batches = [b for out in result.outputs for b in ferry._core.read_task_output(out)]
                return pa.Table.from_batches(batches, schema=staged.schema)

            dist_s, dist = timed(distributed)
            problem = diff(rows_of(local), rows_of(dist))
            rows.append((q, local_s, dist_s, shuffled["stages"], problem))
            print(f"Q{q:02d}: in-process {local_s:7.3f}s  {args.workers} workers {dist_s:7.3f}s  "
                  f"ratio {dist_s / local_s:5.2f}x  stages {shuffled['stages']:2d}  "
                  f"shuffle {shuffled['bytes'] / 1e6:8.1f} MB  "
                  f"to tasks {shuffled['handed'] / 1e6:8.1f} MB  "
                  f"{'OK' if problem is None else 'MISMATCH: ' + problem}", flush=True)

    ratios = [d / l for _, l, d, _, _ in rows]
    geo = statistics.geometric_mean(ratios)
    bad = [q for q, *_, problem in rows if problem is not None]
    print(f"\ngeomean distributed / in-process: {geo:.2f}x over {len(rows)} queries; "
          f"{len(rows) - len(bad)} identical, mismatches: {bad or 'none'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
