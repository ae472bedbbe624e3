#!/usr/bin/env python
"""TPC-H: ferry's SQL plans against its DataFrame plans for the same queries.

    python benchmarks/tpch_sql_vs_dataframe.py                 # SF1, all 22
    python benchmarks/tpch_sql_vs_dataframe.py --queries 2,16,20 --repeat 7

One engine, so one process: per query, after a warm-up of each, the SQL
form (``ctx.sql(tpch_sql.SQL[q])``, planning included) and the DataFrame
form (``tpch_queries.QUERIES[q](ctx)``) run alternately ``--repeat`` times,
so load on a shared machine falls on both alike. Prints each median and
the ratio SQL / DataFrame per query and as a geometric mean; the results
of the two forms are checked to be equal. Data as for tpch.py.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _timed(run) -> tuple[float, object]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def _same(x, y) -> bool:
    """Equal columns; numbers (a decimal in one form, a float in the other)
    within a relative 1e-9."""
    import pyarrow as pa

    if x.type == y.type:
        return x.equals(y)
    numeric = (pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal)
    if any(k(x.type) for k in numeric) and any(k(y.type) for k in numeric):
        xs, ys = x.cast(pa.float64()).to_pylist(), y.cast(pa.float64()).to_pylist()
        return all((p is None and q is None) or (p is not None and q is not None and math.isclose(p, q, rel_tol=1e-9))
                   for p, q in zip(xs, ys))
    return x.equals(y.cast(x.type))


def _sorted(table):
    return table.sort_by([(name, "ascending") for name in table.column_names])


def main() -> int:
    import pyarrow as pa

    import ferry
    import tpch_data
    from tpch import parse_queries
    from tpch_queries import QUERIES
    from tpch_sql import SQL

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sf", type=float, default=1.0, help="scale factor (default 1)")
    p.add_argument("--queries", type=parse_queries, default=list(range(1, 23)))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=5, help="timed runs of each form (default 5)")
    args = p.parse_args()

    folder = tpch_data.generate(args.sf, "plain")
    pa.set_cpu_count(args.threads)
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(args.threads))
    for table, path in tpch_data.paths(folder).items():
        ctx.register_parquet(table, path)
    print(f"TPC-H SF{args.sf:g}, {args.threads} threads, median of {args.repeat}, SQL and DataFrame alternating")
    ratios = []
    for q in args.queries:
        forms = {"sql": lambda: ctx.sql(SQL[q]).to_arrow_table(),
                 "dataframe": lambda: QUERIES[q](ctx).to_arrow_table()}
        results = {name: run() for name, run in forms.items()}  # warm-up
        # Column names differ between the forms at times; compare values.
        a, b = (_sorted(r.rename_columns([f"c{i}" for i in range(r.num_columns)])) for r in results.values())
        same = a.num_rows == b.num_rows and all(_same(x, y) for x, y in zip(a.columns, b.columns))
        times = {name: [] for name in forms}
        for _ in range(args.repeat):
            for name, run in forms.items():
                times[name].append(_timed(run)[0])
        sql, df = (statistics.median(times[n]) for n in ("sql", "dataframe"))
        ratios.append(sql / df)
        print(f"  q{q:<2}  sql {sql:7.3f} s   dataframe {df:7.3f} s   sql/dataframe {sql / df:5.2f}"
              + ("" if same else "   RESULTS DIFFER"), flush=True)
    geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"geomean sql/dataframe {geomean:.2f}; worst {max(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
