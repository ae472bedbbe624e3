#!/usr/bin/env python
"""TPC-H on Parquet: ferry (DataFrame API, or SQL with --sql) vs DuckDB, datafusion-python and Polars (SQL).

    python benchmarks/tpch.py                          # SF1, all 22 queries, all engines
    python benchmarks/tpch.py --sf 0.1 --queries 1,3,5-7 --engines ferry,duckdb
    python benchmarks/tpch.py --sql                    # ferry runs the same SQL text as its peers

Each (engine, query) runs in its own subprocess with ``--threads`` threads
(default 2): one untimed warm-up, then ``--repeat`` timed runs (median
reported), each materializing the full result. Every result is checked
against DuckDB's. A query that fails, times out or disagrees is reported and
the run goes on. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

ENGINES = ("ferry", "duckdb", "datafusion", "polars")
PEERS = ("duckdb", "datafusion", "polars")


# ---- worker: one engine, one query, in its own process ----------------------------

def _ferry_runner(data: Path, threads: int, q: int, sql: bool = False):
    import pyarrow as pa

    import ferry
    import tpch_data
    from tpch_queries import QUERIES
    from tpch_sql import SQL

    pa.set_cpu_count(threads)  # Arrow's own pool (Parquet decoding) gets the same budget
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(threads))
    for table, path in tpch_data.paths(data).items():
        ctx.register_parquet(table, path)
    if sql:  # planning from the text is part of every timed run, as for the peers
        return ferry.__version__, lambda: ctx.sql(SQL[q]).to_arrow_table(), lambda r: r
    return ferry.__version__, lambda: QUERIES[q](ctx).to_arrow_table(), lambda r: r


def _duckdb_runner(data: Path, threads: int, q: int):
    import duckdb

    import tpch_data
    from tpch_sql import SQL

    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    for table, path in tpch_data.paths(data).items():
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    return duckdb.__version__, lambda: con.sql(SQL[q]).to_arrow_table(), lambda r: r


def _datafusion_runner(data: Path, threads: int, q: int):
    import datafusion

    import tpch_data
    from tpch_sql import SQL

    ctx = datafusion.SessionContext(datafusion.SessionConfig().with_target_partitions(threads))
    for table, path in tpch_data.paths(data).items():
        ctx.register_parquet(table, path)
    return datafusion.__version__, lambda: ctx.sql(SQL[q]).to_arrow_table(), lambda r: r


def _polars_runner(data: Path, threads: int, q: int):
    import polars as pl  # POLARS_MAX_THREADS is set in this process's environment

    import tpch_data
    from tpch_sql import SQL

    sql = pl.SQLContext({t: pl.scan_parquet(p) for t, p in tpch_data.paths(data).items()})
    return pl.__version__, lambda: sql.execute(SQL[q], eager=True), lambda r: r.to_arrow()


RUNNERS = {"ferry": _ferry_runner, "duckdb": _duckdb_runner, "datafusion": _datafusion_runner,
           "polars": _polars_runner}


def worker(args: argparse.Namespace) -> int:
    """Runs one query in one engine; writes {version, times | error} as JSON and
    the result as an Arrow IPC file."""
    import pyarrow as pa

    out: dict[str, Any] = {"engine": args.worker, "query": args.query}
    try:
        runner = RUNNERS[args.worker]
        if args.worker == "ferry" and args.sql:
            runner = lambda *a: _ferry_runner(*a, sql=True)  # noqa: E731
        version, run, to_arrow = runner(Path(args.data_dir), args.threads, args.query)
        out["version"] = version
        result = run()  # the warm-up runs first; its result is the one checked
        for _ in range(args.warmup - 1):
            run()
        times, cpu_times = [], []
        for _ in range(args.repeat):
            gc.collect()
            gc.disable()
            start, cpu_start = time.perf_counter(), time.process_time()
            run()
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu_start)
            gc.enable()
        out["times"] = times
        out["cpu_times"] = cpu_times
        table = to_arrow(result)
        with pa.OSFile(args.result, "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
            w.write_table(table)
    except Exception as e:  # reported by the parent, never fatal
        out["error"] = f"{type(e).__name__}: {e}".splitlines()[0][:300]
        out["traceback"] = traceback.format_exc()
    Path(args.status).write_text(json.dumps(out))
    return 0


# ---- driver --------------------------------------------------------------------------

def parse_queries(text: str) -> list[int]:
    queries: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        queries.extend(range(int(lo), int(hi or lo) + 1))
    if any(not 1 <= q <= 22 for q in queries):
        raise argparse.ArgumentTypeError("queries are 1..22")
    return queries


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sf", type=float, default=1.0, help="scale factor (default 1)")
    p.add_argument("--queries", type=parse_queries, default=list(range(1, 23)),
                   help="e.g. 1,3,5-7 (default: all 22)")
    p.add_argument("--engines", default=",".join(ENGINES),
                   help=f"comma-separated subset of {','.join(ENGINES)}")
    p.add_argument("--threads", type=int, default=2, help="threads per engine (default 2)")
    p.add_argument("--repeat", type=int, default=3, help="timed runs, median kept (default 3)")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1, min 1)")
    p.add_argument("--timeout", type=float, default=600.0,
                   help="seconds per engine and query, warm-up included (default 600)")
    p.add_argument("--data", choices=("plain", "raw"), default="plain",
                   help="plain: string columns as Utf8 (default); raw: tpchgen-cli's "
                        "string_view files")
    p.add_argument("--json", metavar="PATH", help="also write all results as JSON")
    p.add_argument("--sql", action="store_true",
                   help="ferry runs benchmarks/tpch_sql.py through ctx.sql instead of its DataFrame queries")
    # internal: the per-(engine, query) subprocess
    p.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    p.add_argument("--query", type=int, help=argparse.SUPPRESS)
    p.add_argument("--data-dir", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    p.add_argument("--status", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if not args.worker:
        args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
        for e in args.engines:
            if e not in ENGINES:
                p.error(f"unknown engine {e!r}")
    if args.repeat < 1 or args.warmup < 1 or args.threads < 1:
        p.error("--repeat, --warmup and --threads must be >= 1")
    return args


def run_one(args: argparse.Namespace, engine: str, q: int, data: Path, tmp: Path) -> dict:
    status, result = tmp / f"{engine}-{q}.json", tmp / f"{engine}-{q}.arrow"
    cmd = [sys.executable, __file__, "--worker", engine, "--query", str(q), "--data-dir", str(data),
           "--threads", str(args.threads), "--repeat", str(args.repeat),
           "--warmup", str(args.warmup), "--result", str(result), "--status", str(status)]
    if args.sql:
        cmd.append("--sql")
    env = dict(os.environ, POLARS_MAX_THREADS=str(args.threads))
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, timeout=args.timeout, capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {args.timeout:g} s"}
    if not status.exists():
        tail = (proc.stderr or "").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        return {"error": f"crashed: {tail[0][:200]}"}
    out = json.loads(status.read_text())
    out["wall_s"] = time.perf_counter() - start
    if "times" in out:
        out["median_s"] = statistics.median(out["times"])
        out["median_cpu_s"] = statistics.median(out["cpu_times"])
        out["result_path"] = str(result)
    return out


def check(reference_path: str, result_path: str) -> str | None:
    import pyarrow as pa

    import tpch_check

    want = pa.ipc.open_file(reference_path).read_all()
    got = pa.ipc.open_file(result_path).read_all()
    if want.num_columns != got.num_columns:
        return f"{got.num_columns} columns, expected {want.num_columns}"
    return tpch_check.diff(tpch_check.rows_of(want), tpch_check.rows_of(got))


def geomean(values: list[float]) -> float | None:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    import tpch_data

    t0 = time.perf_counter()
    data = tpch_data.generate(args.sf, args.data)
    print(f"TPC-H SF{args.sf:g} ({args.data} files: {data}, ready in "
          f"{time.perf_counter() - t0:.1f} s); {args.threads} threads per engine, "
          f"{args.warmup} warm-up, median of {args.repeat}", flush=True)
    engines = list(args.engines)
    runs = ["duckdb"] + [e for e in engines if e != "duckdb"]  # DuckDB first: the reference
    results: dict[int, dict[str, dict]] = {}
    versions: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="tpch-") as tmpdir:
        tmp = Path(tmpdir)
        for q in args.queries:
            results[q] = {}
            for engine in runs:
                r = run_one(args, engine, q, data, tmp)
                if "version" in r:
                    versions[engine] = r["version"]
                if engine == "duckdb":
                    reference = r.get("result_path")
                elif "median_s" in r:
                    if reference is None:
                        r["note"] = "unchecked (no DuckDB result)"
                    else:
                        problem = check(reference, r["result_path"])
                        if problem:
                            r["error"] = f"wrong result: {problem}"[:300]
                            del r["median_s"], r["median_cpu_s"]
                results[q][engine] = r
                shown = f"{r['median_s']:.3f} s" if "median_s" in r else f"FAILED {r['error']}"
                if engine in engines:
                    print(f"  q{q:<2} {engine:<10} {shown}", flush=True)
    report(args, engines, results, versions)
    failures_of(engines, results)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "sf": args.sf, "threads": args.threads, "repeat": args.repeat, "data": args.data,
            "versions": versions,
            "results": {q: {e: {k: v for k, v in r.items() if k not in ("result_path", "traceback")}
                            for e, r in rs.items() if e in engines} for q, rs in results.items()},
        }, indent=2))
    return 0


def report(args, engines, results, versions) -> None:
    print()
    print("versions: " + ", ".join(f"{e} {versions.get(e, '?')}" for e in engines))
    table(engines, results, "median_s")
    print("\nCPU seconds per run (user+sys over all threads, median): less sensitive to a "
          "loaded machine than wall time, blind to idle cores")
    table(engines, results, "median_cpu_s")


def table(engines, results, metric: str) -> None:
    """Per-query `metric`, ferry's ratios to the fastest peer and to datafusion, geomeans."""
    header = f"{'query':<6}" + "".join(f"{e:>12}" for e in engines)
    has_ferry = "ferry" in engines
    peers = [e for e in engines if e in PEERS]
    if has_ferry and peers:
        header += f"{'ferry/best':>12}"
    if has_ferry and "datafusion" in engines:
        header += f"{'ferry/df':>10}"
    print(header)
    ratios_best: list[float] = []
    ratios_df: list[float] = []
    for q, rs in results.items():
        line = f"q{q:<5}"
        for e in engines:
            r = rs.get(e, {})
            line += f"{r[metric]:>11.3f}s" if metric in r else f"{'FAIL':>12}"
        ferry_s = rs.get("ferry", {}).get(metric)
        if has_ferry and peers:
            done = [rs[e][metric] for e in peers if metric in rs.get(e, {})]
            if ferry_s and done:
                ratios_best.append(ferry_s / min(done))
                line += f"{ratios_best[-1]:>11.2f}x"
            else:
                line += f"{'-':>12}"
        if has_ferry and "datafusion" in engines:
            df_s = rs.get("datafusion", {}).get(metric)
            if ferry_s and df_s:
                ratios_df.append(ferry_s / df_s)
                line += f"{ratios_df[-1]:>9.2f}x"
            else:
                line += f"{'-':>10}"
        print(line)
    # Geometric means: each engine over the queries it completed (count shown),
    # and over the queries every listed engine completed (comparable).
    common = [q for q, rs in results.items() if all(metric in rs.get(e, {}) for e in engines)]
    line = f"{'geo':<6}"
    for e in engines:
        done = [rs[e][metric] for rs in results.values() if metric in rs.get(e, {})]
        g = geomean(done)
        line += f"{g:>8.3f}s/{len(done):<2}" if g else f"{'-':>12}"
    if has_ferry and peers:
        g = geomean(ratios_best)
        line += f"{g:>11.2f}x" if g else f"{'-':>12}"
    if has_ferry and "datafusion" in engines:
        g = geomean(ratios_df)
        line += f"{g:>9.2f}x" if g else f"{'-':>10}"
    print(line + "   (geo: geometric mean over the queries each engine completed / count)")
    if common and len(common) < len(results):
        line = f"{'geo=':<6}"
        for e in engines:
            line += f"{geomean([results[q][e][metric] for q in common]):>11.3f}s"
        print(line + f"   (geo=: over the {len(common)} queries every engine completed)")


def failures_of(engines, results) -> None:
    failures = [(q, e, r["error"]) for q, rs in results.items() for e, r in rs.items()
                if e in engines and "error" in r]
    if failures:
        print("\nfailed:")
        for q, e, error in failures:
            print(f"  q{q:<2} {e:<10} {error}")


if __name__ == "__main__":
    sys.exit(main())
