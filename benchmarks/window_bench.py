#!/usr/bin/env python
"""Window functions: ferry vs datafusion-python, polars and duckdb, each engine in its own process.

    python benchmarks/window_bench.py                          # 10M rows, best of 3
    python benchmarks/window_bench.py --rows 200_000 --repeat 1  # smoke run

Data (numpy, fixed seed): ``k`` int64 with --keys (1,000) distinct values,
``t`` int64 order key (a permutation of 0..n-1, so ORDER BY t is unique and
every engine's result is deterministic), ``v`` float64 in [0, 100). Queries,
each PARTITION BY k ORDER BY t, returning (t, w):

    row_number   row_number()
    lag          lag(v)                      (1 row back, NULL at the start)
    rolling_sum  sum(v) ROWS BETWEEN 10 PRECEDING AND CURRENT ROW

ferry / datafusion use the DataFrame API (Window / .over), duckdb SQL, polars
``.over("k", order_by="t")`` with int_range / shift / rolling_sum. Each engine
runs in a child process of its own (same data, same seed); ``ferry@1`` is
ferry again with target_partitions=1, so the table shows how ferry's
partitioned windows scale from one partition to --threads. Each timed run
materializes the full result (pyarrow Table or polars DataFrame); best of
--repeat after --warmup untimed runs. Results are checked outside the timing
by order-independent checksums (count, NULL count, sum(w), sum(w * (t %
1009))) against ferry's; exit status 1 on a mismatch or failure. Target
(reported, not asserted): ferry <= 1.5x the fastest peer.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

QUERIES = ("row_number", "lag", "rolling_sum")
ENGINES = ("ferry", "ferry@1", "datafusion", "polars", "duckdb")
SQL = {
    "row_number": "row_number() OVER (PARTITION BY k ORDER BY t)",
    "lag": "lag(v) OVER (PARTITION BY k ORDER BY t)",
    "rolling_sum": "sum(v) OVER (PARTITION BY k ORDER BY t ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)",
}


def make_table(rows: int, keys: int, chunk_rows: int, seed: int = 42) -> pa.Table:
    rng = np.random.default_rng(seed)
    table = pa.table({
        "k": pa.array(rng.integers(0, keys, rows), pa.int64()),
        "t": pa.array(rng.permutation(rows), pa.int64()),
        "v": pa.array(rng.random(rows) * 100.0, pa.float64()),
    })
    if chunk_rows > 0:
        table = pa.Table.from_batches(table.to_batches(max_chunksize=chunk_rows))
    return table


# ---- engines ----------------------------------------------------------------

def setup_ferry(table: pa.Table, threads: int) -> tuple[str, dict[str, Callable[[], Any]]]:
    import ferry
    from ferry import col
    from ferry import functions as f
    from ferry.expr import Window, WindowFrame

    ctx = ferry.SessionContext(ferry.SessionConfig(target_partitions=threads))
    ctx.register_table("t", table)
    w = Window(partition_by=[col("k")], order_by=[col("t")])
    w10 = Window(partition_by=[col("k")], order_by=[col("t")], window_frame=WindowFrame("rows", 10, 0))
    exprs = {
        "row_number": f.row_number().over(w),
        "lag": f.lag(col("v")).over(w),
        "rolling_sum": f.sum(col("v")).over(w10),
    }
    return ferry.__version__, {
        q: (lambda e=e: ctx.table("t").select(col("t"), e.alias("w")).to_arrow_table())
        for q, e in exprs.items()
    }


def setup_datafusion(table: pa.Table, threads: int) -> tuple[str, dict[str, Callable[[], Any]]]:
    import datafusion
    from datafusion import col
    from datafusion import functions as f
    from datafusion.expr import Window, WindowFrame

    ctx = datafusion.SessionContext(datafusion.SessionConfig().with_target_partitions(threads))
    batches = table.to_batches()
    per = -(-len(batches) // threads) if batches else 1
    ctx.register_record_batches("t", [batches[i:i + per] for i in range(0, len(batches), per)] or [[]])
    w = Window(partition_by=[col("k")], order_by=[col("t")])
    w10 = Window(partition_by=[col("k")], order_by=[col("t")], window_frame=WindowFrame("rows", 10, 0))
    exprs = {
        "row_number": f.row_number().over(w),
        "lag": f.lag(col("v")).over(w),
        "rolling_sum": f.sum(col("v")).over(w10),
    }
    return datafusion.__version__, {
        q: (lambda e=e: ctx.table("t").select(col("t"), e.alias("w")).to_arrow_table())
        for q, e in exprs.items()
    }


def setup_polars(table: pa.Table, threads: int) -> tuple[str, dict[str, Callable[[], Any]]]:
    import polars as pl

    lf = pl.from_arrow(table).lazy()  # conversion outside the timing
    over = {"partition_by": "k", "order_by": "t"}
    exprs = {
        "row_number": (pl.int_range(1, pl.len() + 1, dtype=pl.UInt64)).over(**over),
        "lag": pl.col("v").shift(1).over(**over),
        "rolling_sum": pl.col("v").rolling_sum(window_size=11, min_samples=1).over(**over),
    }
    return pl.__version__, {
        q: (lambda e=e: lf.select(pl.col("t"), e.alias("w")).collect()) for q, e in exprs.items()
    }


def setup_duckdb(table: pa.Table, threads: int) -> tuple[str, dict[str, Callable[[], Any]]]:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.register("t", table)
    return duckdb.__version__, {
        q: (lambda s=s: con.sql(f"SELECT t, {s} AS w FROM t").to_arrow_table()) for q, s in SQL.items()
    }


SETUP = {"ferry": setup_ferry, "ferry@1": lambda table, threads: setup_ferry(table, 1),
         "datafusion": setup_datafusion, "polars": setup_polars, "duckdb": setup_duckdb}


# ---- timing and checking ------------------------------------------------------

def to_arrow(result: Any) -> pa.Table:
    return result if isinstance(result, pa.Table) else result.to_arrow()


def checksum(result: Any) -> tuple[float, ...]:
    table = to_arrow(result)
    t = table.column("t")
    w = pc.cast(table.column("w"), pa.float64())
    weight = pc.cast(pc.add(pc.remainder(t, 1009), 1), pa.float64())
    return (
        float(table.num_rows),
        float(w.null_count),
        pc.sum(w).as_py() or 0.0,
        pc.sum(pc.multiply(w, weight)).as_py() or 0.0,
    )


def same(a: tuple[float, ...], b: tuple[float, ...], rtol: float = 1e-9) -> bool:
    return all(abs(x - y) <= rtol * max(abs(x), abs(y), 1.0) for x, y in zip(a, b))


def time_it(fn: Callable[[], Any], warmup: int, repeat: int) -> tuple[list[float], Any]:
    for _ in range(warmup):
        fn()
    times, result = [], None
    for _ in range(repeat):
        result = None
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return times, result


def run_engine(engine: str, args: argparse.Namespace, queries: list[str]) -> dict[str, Any]:
    """In this process: {"version": ..., "queries": {q: {"times": [...], "checksum": [...]} or
    {"error": ...}}}, or {"skipped": reason} when the engine is not installed."""
    table = make_table(args.rows, args.keys, args.chunk_rows)
    try:
        version, fns = SETUP[engine](table, args.threads)
    except ImportError as exc:
        return {"skipped": str(exc)}
    out: dict[str, Any] = {"version": version, "queries": {}}
    for q in queries:
        try:
            times, result = time_it(fns[q], args.warmup, args.repeat)
            out["queries"][q] = {"times": times, "checksum": checksum(result)}
            del result
        except Exception as exc:  # noqa: BLE001 - report and go on
            out["queries"][q] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def run_child(engine: str, args: argparse.Namespace, queries: list[str]) -> dict[str, Any]:
    """run_engine in a child process of its own (its own threads, memory and allocator)."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", engine, "--rows", str(args.rows),
           "--keys", str(args.keys), "--repeat", str(args.repeat), "--warmup", str(args.warmup),
           "--threads", str(args.threads), "--chunk-rows", str(args.chunk_rows),
           "--queries", ",".join(queries)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        return {"failed": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    p.add_argument("--keys", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--chunk-rows", type=int, default=65_536)
    p.add_argument("--engines", default=",".join(ENGINES))
    p.add_argument("--queries", default=",".join(QUERIES))
    p.add_argument("--child", help=argparse.SUPPRESS)  # internal: run one engine, print JSON
    args = p.parse_args(argv)
    os.environ.setdefault("POLARS_MAX_THREADS", str(args.threads))  # before polars is imported
    queries = [q for q in args.queries.split(",") if q]
    if args.child:
        print(json.dumps(run_engine(args.child, args, queries)))
        return 0

    engines = [e for e in args.engines.split(",") if e]
    print(f"{args.rows:,} rows, {args.keys:,} partitions, threads={args.threads}, "
          f"warmup={args.warmup}, best of {args.repeat}, each engine in its own process")
    best: dict[str, dict[str, float | None]] = {q: {} for q in queries}
    sums: dict[str, dict[str, tuple[float, ...]]] = {q: {} for q in queries}
    names, ok = [], True
    for engine in engines:
        result = run_child(engine, args, queries)
        if "skipped" in result or "failed" in result:
            ok = ok and "skipped" in result
            print(f"  {engine}: {'skipped' if 'skipped' in result else 'FAILED'} "
                  f"({result.get('skipped') or result.get('failed')})")
            continue
        names.append(engine)
        print(f"  {engine} {result['version']}")
        for q, r in result["queries"].items():
            if "error" in r:
                ok = False
                best[q][engine] = None
                print(f"  {q:<12} {engine:<10} FAILED: {r['error']}")
                continue
            best[q][engine] = min(r["times"])
            sums[q][engine] = tuple(r["checksum"])
            print(f"  {q:<12} {engine:<10} best {min(r['times']) * 1e3:9.1f} ms  "
                  f"median {statistics.median(r['times']) * 1e3:9.1f} ms")
    for q in queries:
        base = sums[q].get("ferry") or next(iter(sums[q].values()), None)
        for engine, s in sums[q].items():
            if base is not None and not same(s, base):
                ok = False
                best[q][engine] = None
                print(f"  {q:<12} {engine:<10} MISMATCH: checksum {s} vs {base}")

    rows_out = []
    for q in queries:
        cells = [q]
        for engine in names:
            t = best[q].get(engine)
            cells.append(f"{t * 1e3:.0f} ms" if t is not None else "-")
        peers = [t for e, t in best[q].items() if not e.startswith("ferry") and t is not None]
        mine, single = best[q].get("ferry"), best[q].get("ferry@1")
        cells.append(f"{mine / min(peers):.2f}x" if peers and mine else "-")
        cells.append(f"{single / mine:.2f}x" if single and mine else "-")
        rows_out.append(cells)
    head = ["query"] + names + ["ferry / fastest peer", f"ferry speed-up 1 -> {args.threads} partitions"]
    widths = [max(len(r[i]) for r in rows_out + [head]) for i in range(len(head))]
    print()
    print("| " + " | ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths))) + " |")
    print("|" + "|".join(("-" * (w + 1) + ":") if i else "-" * (w + 2) for i, w in enumerate(widths)) + "|")
    for r in rows_out:
        print("| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) + " |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
