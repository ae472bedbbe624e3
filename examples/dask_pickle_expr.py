"""Ship one expression, Python UDF included, to Dask distributed workers.

The same story as ``multiprocessing_pickle_expr.py`` on a Dask
``LocalCluster`` of two worker processes, which this example starts and
shuts down: Dask pickles the ``Expr`` arguments of each task (the Python UDF
travels inline), every worker evaluates the expression on its own partition
of generated data, and the driver checks the gathered result against
pyarrow. Then a task that decodes with a strict session (Python UDF inlining
disabled) refuses the same bytes, and Dask hands the error to the driver.

Run: python examples/dask_pickle_expr.py   (needs ``dask[distributed]``)
"""

from __future__ import annotations

import logging
import os
import pickle
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dask.distributed import Client, LocalCluster

import ferry
from ferry import Expr, col, functions as f, ipc, lit, udf

N_PARTS = 4
ROWS = 250_000
TIMEOUT = 120


def make_partition(seed: int) -> pa.Table:
    """One partition of sensor readings."""
    rng = np.random.default_rng(seed)
    raw = rng.normal(20.0, 8.0, ROWS)
    return pa.table({
        "sensor": pa.array(rng.integers(0, 100, ROWS), pa.int64()),
        "celsius": pa.array(raw, pa.float64(), mask=rng.random(ROWS) < 0.05),
    })


def make_calibrated(offset: float, scale: float) -> ferry.ScalarUDF:
    """A UDF whose closure captures the calibration of the current run."""

    def calibrated(celsius: pa.Array) -> pa.Array:
        return pc.add(pc.multiply(celsius, scale), offset)

    return udf(calibrated, [pa.float64()], pa.float64(), "immutable")


# ---- worker side ---------------------------------------------------------------

def evaluate(expr: Expr, seed: int) -> tuple[int, pa.Table]:
    """Dask already unpickled ``expr`` (with the process-global session)."""
    df = ferry.SessionContext().from_arrow(make_partition(seed))
    return os.getpid(), df.select(col("sensor"), expr.alias("fahrenheit")).to_arrow_table()


def evaluate_strict(blob: bytes, seed: int) -> tuple[int, pa.Table]:
    """Decodes ``blob`` with a session that refuses inline Python UDFs.

    Worker slots are thread-local and Dask runs tasks on a pool of threads,
    so the task sets the slot on its own thread for the duration."""
    strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    ipc.set_worker_ctx(strict)
    try:
        return evaluate(pickle.loads(blob), seed)
    finally:
        ipc.clear_worker_ctx()


# ---- driver -----------------------------------------------------------------------

def main() -> None:
    start = time.perf_counter()
    offset, scale = 32.0, 1.8
    calibrated = make_calibrated(offset, scale)
    expr = f.when(col("celsius").is_null(), lit(None)).otherwise(
        f.round(calibrated(col("celsius")), 3))
    print(f"expression: {expr}")

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster, timeout=TIMEOUT) as client:
        client.wait_for_workers(2, timeout=TIMEOUT)
        workers = list(client.scheduler_info()["workers"])
        # Spread the partitions over both workers.
        futures = [client.submit(evaluate, expr, seed, pure=False,
                                 workers=[workers[seed % len(workers)]])
                   for seed in range(N_PARTS)]
        parts = client.gather(futures, direct=False)
        pids = {pid for pid, _ in parts}
        got = pa.concat_tables([table for _, table in parts])

        data = pa.concat_tables([make_partition(seed) for seed in range(N_PARTS)])
        want = pc.round(pc.add(pc.multiply(data["celsius"], scale), offset), 3,
                        round_mode="half_towards_infinity")
        assert got.num_rows == data.num_rows == N_PARTS * ROWS
        assert got["sensor"].equals(data["sensor"])
        assert got["fahrenheit"].null_count == data["celsius"].null_count
        diff = pc.max(pc.abs(pc.subtract(got["fahrenheit"], want))).as_py()
        assert diff is not None and diff < 1e-9, diff
        assert os.getpid() not in pids
        print(f"{len(parts)} partitions, {got.num_rows} rows evaluated by {len(pids)} Dask "
              f"worker processes; matches pyarrow (max |diff| {diff:.1e})")

        # A strict decoder refuses the inline UDF; the error reaches the driver
        # (the worker also logs the failed task: that is expected).
        refused = client.submit(evaluate_strict, pickle.dumps(expr), 0, pure=False)
        try:
            refused.result(timeout=TIMEOUT)
        except RuntimeError as e:
            error = e
        else:
            raise AssertionError("a strict worker accepted an inline Python UDF")
        message = str(error)
        assert "inlining is disabled" in message and "calibrated" in message, message
        print(f"strict worker refused the inline UDF:\n  {type(error).__name__}: {message}")
    print(f"dask_pickle_expr: OK ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
