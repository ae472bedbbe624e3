#!/usr/bin/env python
"""Single-column Parquet decode: ferry vs pyarrow vs Polars, one thread each.

    python benchmarks/parquet_decode_bench.py                   # TPC-H SF1 lineitem
    python benchmarks/parquet_decode_bench.py --columns l_comment,l_quantity --repeat 7

Each (engine, column) runs in its own subprocess: one untimed warm-up, then
``--repeat`` reads of the whole column into an Arrow table (Polars: its own
DataFrame); the minimum CPU time is reported with the ratio to the fastest
peer. ferry's scan reads through its Parquet scan operator
(``SessionContext.read_parquet(...).select(col)``) with one partition, so the
figure includes the query machinery a real scan pays. Data: the SF1 files
``tpch.py`` generates (benchmarks/data/tpch-sf1/plain/lineitem.parquet).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_FILE = HERE / "data" / "tpch-sf1" / "plain" / "lineitem.parquet"
DEFAULT_COLUMNS = ("l_orderkey,l_partkey,l_quantity,l_extendedprice,l_discount,l_shipdate,"
                   "l_returnflag,l_comment")
ENGINES = ("ferry", "pyarrow", "polars")


def _reader(engine: str, path: str, column: str):
    if engine == "ferry":
        import ferry

        ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(1))
        df = ctx.read_parquet(path).select(ferry.col(column))
        return lambda: df.to_arrow_table()
    if engine == "pyarrow":
        import pyarrow.parquet as pq

        return lambda: pq.read_table(path, columns=[column], use_threads=False)
    import polars as pl

    return lambda: pl.read_parquet(path, columns=[column], parallel="none")


def _worker(engine: str, path: str, column: str, repeat: int) -> None:
    import pyarrow as pa

    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    read = _reader(engine, path, column)
    rows = len(read())  # warm-up: page cache, imports, first allocations
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        read()
        best = min(best, time.process_time() - start)
    print(json.dumps({"cpu": best, "rows": rows}))


def _run(engine: str, path: str, column: str, repeat: int) -> dict:
    env = dict(os.environ, POLARS_MAX_THREADS="1", OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, __file__, "--worker", engine, path, column, str(repeat)],
                         capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", default=str(DEFAULT_FILE))
    parser.add_argument("--columns", default=DEFAULT_COLUMNS)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not Path(args.file).exists():
        sys.exit(f"{args.file} not found: generate it with benchmarks/tpch.py "
                 "(or point --file at a Parquet file)")
    engines = args.engines.split(",")
    print(f"{'column':<18}" + "".join(f"{e:>10}" for e in engines) + "   ferry/pyarrow  ferry/polars")
    for column in args.columns.split(","):
        results = {e: _run(e, args.file, column, args.repeat) for e in engines}
        cells = "".join(f"{results[e]['cpu']:>10.3f}" if "cpu" in results[e] else f"{'error':>10}"
                        for e in engines)
        ratios = ""
        for peer in ("pyarrow", "polars"):
            if "cpu" in results.get("ferry", {}) and "cpu" in results.get(peer, {}):
                ratios += f"{results['ferry']['cpu'] / results[peer]['cpu']:>14.2f}x"
        print(f"{column:<18}{cells}   {ratios}", flush=True)
        for e in engines:
            if "error" in results[e]:
                print(f"  {e}: {results[e]['error']}")


if __name__ == "__main__":
    main()
