#!/usr/bin/env python
"""Times the same queries in ferry, datafusion-python, polars and duckdb, in one
process, over one shared pyarrow Table; prints times and ferry's ratios.

    python benchmarks/run.py                          # 10M rows, best of 5
    python benchmarks/run.py --rows 20000 --repeat 1  # smoke run (seconds)
    python benchmarks/run.py --json out.json          # also write the results as JSON

See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import Reference, check_column_result, check_groupby_result, make_table  # noqa: E402
from engines import ENGINES, QUERIES, configure_threads  # noqa: E402

TITLES = {
    "filter_project": "filter+project  v*2+1 WHERE k<500",
    "groupby": "group-by k: sum/avg/count",
    "udf": "Python UDF  v*2+1 (pyarrow.compute)",
}
# ferry's target per query: (peer set it is compared with, maximum ratio). Reported, not asserted.
TARGETS = {
    "filter_project": ("fastest peer", 1.5),
    "groupby": ("fastest peer", 2.0),
    "udf": ("datafusion", 1.2),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=10_000_000,
                   help="rows in the table (default 10_000_000)")
    p.add_argument("--repeat", type=int, default=5, help="timed runs per query, best kept (default 5)")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="threads / partitions for every engine (default: all cores)")
    p.add_argument("--chunk-rows", type=int, default=65_536,
                   help="rows per record batch of the shared table (0: one chunk)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--datafusion-batch-size", type=int, default=None, metavar="N",
                   help="datafusion SessionConfig batch_size (default: datafusion's own, 8192)")
    p.add_argument("--engines", default=",".join(ENGINES),
                   help=f"comma-separated subset of {','.join(ENGINES)}")
    p.add_argument("--queries", default=",".join(QUERIES),
                   help=f"comma-separated subset of {','.join(QUERIES)}")
    p.add_argument("--json", metavar="PATH", help="also write results and ratios as JSON")
    p.add_argument("--no-check", action="store_true", help="skip checking results against numpy")
    args = p.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    args.queries = [q.strip() for q in args.queries.split(",") if q.strip()]
    for e in args.engines:
        if e not in ENGINES:
            p.error(f"unknown engine {e!r}")
    for q in args.queries:
        if q not in QUERIES:
            p.error(f"unknown query {q!r}")
    if args.repeat < 1 or args.warmup < 0 or args.threads < 1:
        p.error("--repeat and --threads must be >= 1, --warmup >= 0")
    return args


def time_query(fn: Any, warmup: int, repeat: int) -> tuple[list[float], Any]:
    """Runs ``fn`` warmup times untimed, then ``repeat`` times timed; returns times and last result."""
    result = None
    for _ in range(warmup):
        result = fn()
        del result
        gc.collect()
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
        if len(times) < repeat:
            del result
            result = None
    return times, result


def check(query: str, table: Any, ref: Reference) -> tuple[bool, str]:
    if query == "groupby":
        return check_groupby_result(table, ref)
    return check_column_result(table, getattr(ref, query))


def compute_ratios(results: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    ratios = {}
    for query, by_engine in results.items():
        ok = {e: r["best_s"] for e, r in by_engine.items() if r.get("ok")}
        if "ferry" not in ok:
            continue
        ferry_s = ok["ferry"]
        peers = {e: s for e, s in ok.items() if e != "ferry"}
        entry: dict[str, Any] = {"ferry_s": ferry_s}
        if peers:
            fastest = min(peers, key=peers.get)
            entry["fastest_peer"] = fastest
            entry["vs_fastest_peer"] = ferry_s / peers[fastest]
        if "datafusion" in peers:
            entry["vs_datafusion"] = ferry_s / peers["datafusion"]
        against, limit = TARGETS[query]
        key = "vs_datafusion" if against == "datafusion" else "vs_fastest_peer"
        entry["target"] = f"<= {limit}x {against}"
        entry["target_ratio"] = entry.get(key)
        entry["target_met"] = None if key not in entry else entry[key] <= limit
        ratios[query] = entry
    return ratios


def fmt_ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:,.1f}"


def print_table(args: argparse.Namespace, engines: list[str], results: dict, ratios: dict) -> None:
    name_w = max(len(TITLES[q]) for q in args.queries)
    col_w = max(11, *(len(e) for e in engines))
    header = f"{'query (best ms)':<{name_w}} " + " ".join(f"{e:>{col_w}}" for e in engines)
    header += f"  {'ferry/fastest':>18}  {'ferry/datafusion':>16}  target"
    print(header)
    print("-" * len(header))
    for q in args.queries:
        cells = []
        for e in engines:
            r = results[q].get(e, {})
            cells.append(fmt_ms(r.get("best_s")) if r.get("ok") else ("FAIL" if r else "-"))
        ratio = ratios.get(q, {})
        fastest = ratio.get("vs_fastest_peer")
        fastest_s = f"{fastest:.2f}x ({ratio['fastest_peer']})" if fastest is not None else "-"
        vs_df = ratio.get("vs_datafusion")
        vs_df_s = f"{vs_df:.2f}x" if vs_df is not None else "-"
        met = ratio.get("target_met")
        mark = "" if met is None else (" met" if met else " MISSED")
        target = f"{ratio.get('target', TARGETS[q])}{mark}"
        print(f"{TITLES[q]:<{name_w}} " + " ".join(f"{c:>{col_w}}" for c in cells)
              + f"  {fastest_s:>18}  {vs_df_s:>16}  {target}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_threads(args.threads)

    t0 = time.perf_counter()
    table = make_table(args.rows, args.seed, args.chunk_rows)
    print(f"table: {args.rows:,} rows, {table.num_columns} columns, {table.column('v').num_chunks} chunks, "
          f"{table.nbytes / 2**20:,.0f} MiB (built in {time.perf_counter() - t0:.1f}s)")
    ref = None if args.no_check else Reference(table)
    print(f"threads={args.threads} (cpu_count={os.cpu_count()}), warm-up={args.warmup}, "
          f"best of {args.repeat}; python {platform.python_version()}")

    engines: dict[str, Any] = {}
    for name in args.engines:
        engine = ENGINES[name]()
        if name == "datafusion" and args.datafusion_batch_size:
            engine.batch_size = args.datafusion_batch_size
        try:
            engine.setup(table, args.threads)
        except ImportError as e:
            print(f"  skipping {name}: {e} (pip install -r requirements-bench.txt)")
            continue
        engines[name] = engine
    print("engines: " + ", ".join(f"{n} {e.version}" for n, e in engines.items()))
    print()

    results: dict[str, dict[str, dict[str, Any]]] = {q: {} for q in args.queries}
    failures = 0
    for q in args.queries:
        for name, engine in engines.items():
            entry: dict[str, Any] = {}
            try:
                times, result = time_query(engine.query(q), args.warmup, args.repeat)
                entry.update(best_s=min(times), median_s=statistics.median(times), runs_s=times, ok=True)
                if ref is not None:
                    ok, detail = check(q, engine.to_arrow(result), ref)
                    entry.update(ok=ok, check=detail)
                del result
            except Exception as e:  # one engine failing must not hide the others' numbers
                entry.update(ok=False, check=f"{type(e).__name__}: {e}")
                traceback.print_exc()
            if not entry["ok"]:
                failures += 1
            status = "ok" if entry["ok"] else "FAILED"
            print(f"  {q:<15} {name:<11} best {fmt_ms(entry.get('best_s')):>10} ms  "
                  f"median {fmt_ms(entry.get('median_s')):>10} ms  check {status}: {entry.get('check', '')}")
            results[q][name] = entry
            gc.collect()
    print()

    ratios = compute_ratios(results)
    print_table(args, list(engines), results, ratios)

    if args.json:
        out = {
            "rows": args.rows, "repeat": args.repeat, "warmup": args.warmup, "threads": args.threads,
            "chunk_rows": args.chunk_rows, "datafusion_batch_size": args.datafusion_batch_size,
            "cpu_count": os.cpu_count(), "seed": args.seed,
            "versions": {n: e.version for n, e in engines.items()},
            "results": results, "ratios": ratios,
        }
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    if failures:
        print(f"\n{failures} query run(s) failed or disagreed with the reference", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
