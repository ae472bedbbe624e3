#!/usr/bin/env python
"""Python aggregate UDF: ferry vs datafusion-python, in one process.

    python benchmarks/udaf_bench.py                     # 10M rows, best of 3
    python benchmarks/udaf_bench.py --rows 1000000 --repeat 5

The same "sum of squares" accumulator (pyarrow.compute inside update) runs
grouped by 1,000 int64 keys (--keys) over float64 values with 1% nulls,
through ferry.udaf and datafusion.udaf, each engine with its default
parallelism over the same in-memory pyarrow Table (batches of
--batch-rows). Times are the best of --repeat runs of
aggregate(...).to_arrow_table(); results are checked against each other and
against pyarrow's group_by. Target (reported, not asserted): ferry /
datafusion <= 1.2.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class _SumSquares:
    """The accumulator logic both engines run."""

    def __init__(self) -> None:
        self._sum = 0.0

    def update(self, values: pa.Array) -> None:
        self._sum += pc.sum(pc.multiply(values, values)).as_py() or 0.0

    def merge(self, states: list[pa.Array]) -> None:
        self._sum += pc.sum(states[0]).as_py() or 0.0

    def state(self) -> list[pa.Scalar]:
        return [pa.scalar(self._sum)]

    def evaluate(self) -> pa.Scalar:
        return pa.scalar(self._sum)


def make_table(rows: int, keys: int, batch_rows: int, seed: int = 42) -> pa.Table:
    rng = np.random.default_rng(seed)
    k = pa.array(rng.integers(0, keys, rows), pa.int64())
    v = pa.array(rng.normal(size=rows), pa.float64(), mask=rng.random(rows) < 0.01)
    table = pa.table({"k": k, "v": v})
    return pa.Table.from_batches(table.to_batches(max_chunksize=batch_rows))


def ferry_query(table: pa.Table) -> Callable[[], pa.Table]:
    import ferry
    from ferry import col

    class SumSquares(_SumSquares, ferry.Accumulator):
        pass

    ss = ferry.udaf(SumSquares, pa.float64(), pa.float64(), [pa.float64()], "immutable",
                    name="sum_squares")
    df = ferry.SessionContext().from_arrow(table)
    return lambda: df.aggregate([col("k")], [ss(col("v")).alias("ss")]).to_arrow_table()


def datafusion_query(table: pa.Table) -> Callable[[], pa.Table]:
    import datafusion
    from datafusion import col
    from datafusion.user_defined import Accumulator

    class SumSquares(_SumSquares, Accumulator):
        pass

    ss = datafusion.udaf(SumSquares, pa.float64(), pa.float64(), [pa.float64()], "immutable",
                         name="sum_squares")
    df = datafusion.SessionContext().from_arrow(table)
    return lambda: df.aggregate([col("k")], [ss(col("v")).alias("ss")]).to_arrow_table()


def best_of(run: Callable[[], pa.Table], repeat: int) -> tuple[float, pa.Table]:
    best, out = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - start)
    return best, out


def as_dict(table: pa.Table, value: str) -> dict:
    return dict(zip(table["k"].to_pylist(), table[value].to_pylist()))


def check(name: str, got: dict, want: dict) -> None:
    assert got.keys() == want.keys(), f"{name}: different groups"
    for key, w in want.items():
        assert math.isclose(got[key], w, rel_tol=1e-9), f"{name}: group {key}: {got[key]} != {w}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--batch-rows", type=int, default=65_536)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    table = make_table(args.rows, args.keys, args.batch_rows)
    squared = table.append_column("sq", pc.multiply(table["v"], table["v"]))
    reference = as_dict(squared.group_by("k").aggregate([("sq", "sum")]), "sq_sum")

    import datafusion

    import ferry

    print(f"udaf sum of squares: {args.rows:,} rows, {args.keys:,} keys, "
          f"batches of {args.batch_rows:,}, {os.cpu_count()} cores, best of {args.repeat}")
    print(f"ferry {ferry.__version__}, datafusion {datafusion.__version__}, "
          f"pyarrow {pa.__version__}")
    times = {}
    for name, make in (("ferry", ferry_query), ("datafusion", datafusion_query)):
        seconds, out = best_of(make(table), args.repeat)
        check(name, as_dict(out, "ss"), reference)
        times[name] = seconds
        print(f"  {name:<11} {seconds:8.3f} s   ({args.rows / seconds / 1e6:6.1f} M rows/s)")
    ratio = times["ferry"] / times["datafusion"]
    verdict = "meets" if ratio <= 1.2 else "misses"
    print(f"  ferry/datafusion = {ratio:.2f}x  ({verdict} the <= 1.2x target)")


if __name__ == "__main__":
    main()
