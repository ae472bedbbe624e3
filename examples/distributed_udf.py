"""One UDF-heavy Parquet query on ferry's three executors.

Generates a small Parquet dataset of sensor readings (several files), then
runs the same query, a Python scalar UDF, a Python aggregate UDF and a join
before a group-by and a sort, in this process and on each executor: a
local process pool, a Dask LocalCluster this example starts, and a local
Ray. It prints the stage tree once and checks that every executor returns
the same rows as the in-process run.

Run: python examples/distributed_udf.py [--engines local,dask,ray]
(Dask needs ``ferry[dask]``, Ray ``ferry[ray]``.)
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import ferry
from ferry import Accumulator, col, functions as f, udaf, udf
from ferry.distributed import DaskExecutor, LocalExecutor, RayExecutor

ROWS = 200_000
SENSORS = 500


def make_data(root: str) -> tuple[str, str]:
    """Readings (one Parquet file, several row groups) and a sensor table."""
    rng = np.random.default_rng(3)
    readings = pa.table({
        "sensor": pa.array(rng.integers(0, SENSORS, ROWS), pa.int64()),
        "celsius": pa.array(rng.normal(20, 8, ROWS), pa.float64(), mask=rng.random(ROWS) < 0.05),
    })
    sensors = pa.table({
        "id": pa.array(np.arange(SENSORS), pa.int64()),
        "site": pa.array(rng.choice(["north", "south", "east", "west"], SENSORS)),
    })
    paths = os.path.join(root, "readings.parquet"), os.path.join(root, "sensors.parquet")
    pq.write_table(readings, paths[0], row_group_size=ROWS // 8)
    pq.write_table(sensors, paths[1])
    return paths


@udf([pa.float64()], pa.float64(), "immutable", name="to_fahrenheit")
def to_fahrenheit(celsius: pa.Array) -> pa.Array:
    """A Python UDF, row by row on purpose (CPU-bound Python)."""
    return pa.array([None if c is None else c * 9 / 5 + 32 for c in celsius.to_pylist()],
                    pa.float64())


class Spread(Accumulator):
    """max - min of the non-null values: a Python aggregate (two-phase)."""

    def __init__(self):
        self._lo = self._hi = None

    def _take(self, lo, hi):
        if lo is not None:
            self._lo = lo if self._lo is None else min(self._lo, lo)
            self._hi = hi if self._hi is None else max(self._hi, hi)

    def update(self, values):
        self._take(pc.min(values).as_py(), pc.max(values).as_py())

    def merge(self, states):
        self._take(pc.min(states[0]).as_py(), pc.max(states[1]).as_py())

    def state(self):
        return [pa.scalar(self._lo, pa.float64()), pa.scalar(self._hi, pa.float64())]

    def evaluate(self):
        return pa.scalar(None if self._lo is None else self._hi - self._lo, pa.float64())


spread = udaf(Spread, pa.float64(), pa.float64(), [pa.float64(), pa.float64()], "immutable",
              name="spread")


def query(ctx: ferry.SessionContext) -> ferry.DataFrame:
    readings = ctx.table("readings").with_column("f", to_fahrenheit(col("celsius")))
    joined = readings.join(ctx.table("sensors"), left_on="sensor", right_on="id")
    return joined.aggregate(
        [col("site")],
        [f.count(col("f")).alias("n"), f.avg(col("f")).alias("mean_f"),
         spread(col("f")).alias("spread_f")],
    ).sort(col("site"))


def same(a: pa.Table, b: pa.Table) -> bool:
    if a.column_names != b.column_names or a.num_rows != b.num_rows:
        return False
    for x, y in zip(a.to_pylist(), b.to_pylist()):
        for k in x:
            if isinstance(x[k], float):
                if abs(x[k] - y[k]) > 1e-9 * max(1.0, abs(x[k])):
                    return False
            elif x[k] != y[k]:
                return False
    return True


def run(name: str, df: ferry.DataFrame, want: pa.Table, executor) -> None:
    """Runs twice: cold (the workers start and decode the UDFs) and warm."""
    times = []
    for _ in range(2):
        started = time.perf_counter()
        got = df.to_arrow_table(executor=executor)
        times.append(time.perf_counter() - started)
        if not same(got, want):
            raise SystemExit(f"{name} returned different rows:\n{got}\nwanted:\n{want}")
    print(f"{name:>6}: {times[0]:6.2f} s cold, {times[1]:6.2f} s warm, {got.num_rows} rows, "
          "same rows as in-process")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="local,dask,ray")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    engines = args.engines.split(",")

    with tempfile.TemporaryDirectory() as root:
        readings, sensors = make_data(root)
        ctx = ferry.SessionContext(
            ferry.SessionConfig().with_target_partitions(2 * args.workers))
        ctx.register_parquet("readings", readings)
        ctx.register_parquet("sensors", sensors)
        df = query(ctx)
        print("stage tree:")
        df.explain(distributed=True)

        started = time.perf_counter()
        want = df.to_arrow_table()
        print(f"\n{'local process':>6}: {time.perf_counter() - started:6.2f} s (in-process)")

        if "local" in engines:
            with LocalExecutor(workers=args.workers, progress=False) as ex:
                run("pool", df, want, ex)
        if "dask" in engines:
            from dask.distributed import Client, LocalCluster

            with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                              dashboard_address=":0", silence_logs=logging.ERROR) as cluster, \
                    Client(cluster) as client:
                run("dask", df, want, DaskExecutor(client, progress=False))
        if "ray" in engines:
            with RayExecutor(init={"num_cpus": args.workers, "include_dashboard": False,
                                   "log_to_driver": False}, progress=False) as ex:
                run("ray", df, want, ex)
        print(want)
    print("distributed_udf: OK")


if __name__ == "__main__":
    main()
