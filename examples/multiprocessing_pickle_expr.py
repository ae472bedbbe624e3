"""Ship one expression, Python UDF included, to a multiprocessing Pool.

The driver builds an expression around a Python UDF whose closure captures
a value, sends it to worker processes (plain pickle: ``Expr`` pickles to its
wire bytes, the UDF travels inline), lets every worker evaluate it on its own
partition of generated data, and checks the gathered result against pyarrow.

Then it shows the guard rail: a worker whose session has Python UDF inlining
disabled refuses the same bytes without unpickling anything, and the error
it raises reaches the driver.

Run: python examples/multiprocessing_pickle_expr.py
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

import ferry
from ferry import col, functions as f, ipc, lit, udf

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


# ---- worker side (module level, so the spawn start method can find it) ----

def strict_worker_init() -> None:
    """Gives this worker a session that refuses inline Python UDFs."""
    ipc.set_worker_ctx(ferry.SessionContext().with_python_udf_inlining(enabled=False))


def evaluate(blob: bytes, seed: int) -> tuple[int, pa.Table]:
    """Unpickles the expression and evaluates it on partition ``seed``."""
    expr = pickle.loads(blob)  # decodes with this worker's session
    ctx = ipc.get_worker_ctx() or ferry.SessionContext()
    df = ctx.from_arrow(make_partition(seed))
    return os.getpid(), df.select(col("sensor"), expr.alias("fahrenheit")).to_arrow_table()


# ---- driver -----------------------------------------------------------------------

def main() -> None:
    start = time.perf_counter()
    # Captured by the UDF's closure: a per-run calibration, known only here.
    offset, scale = 32.0, 1.8
    calibrated = make_calibrated(offset, scale)
    expr = f.when(col("celsius").is_null(), lit(None)).otherwise(
        f.round(calibrated(col("celsius")), 3))

    blob = pickle.dumps(expr)
    print(f"expression: {expr}")
    print(f"pickled to {len(blob)} bytes (the UDF travels inline)")

    mp_ctx = mp.get_context("spawn")  # the strictest start method: nothing inherited
    with mp_ctx.Pool(2) as pool:
        results = pool.starmap_async(evaluate, [(blob, seed) for seed in range(N_PARTS)])
        parts = results.get(timeout=TIMEOUT)
    pids = {pid for pid, _ in parts}
    got = pa.concat_tables([table for _, table in parts])

    # The reference, computed by pyarrow in the driver.
    data = pa.concat_tables([make_partition(seed) for seed in range(N_PARTS)])
    want = pc.round(pc.add(pc.multiply(data["celsius"], scale), offset), 3,
                    round_mode="half_towards_infinity")
    assert got.num_rows == data.num_rows == N_PARTS * ROWS
    assert got["sensor"].equals(data["sensor"])
    assert got["fahrenheit"].null_count == data["celsius"].null_count
    diff = pc.max(pc.abs(pc.subtract(got["fahrenheit"], want))).as_py()
    assert diff is not None and diff < 1e-9, diff
    print(f"{len(parts)} partitions, {got.num_rows} rows evaluated by {len(pids)} worker "
          f"processes; matches pyarrow (max |diff| {diff:.1e})")

    # A strict worker refuses the inline UDF and says why; the driver sees it.
    with mp_ctx.Pool(1, initializer=strict_worker_init) as pool:
        try:
            pool.apply_async(evaluate, (blob, 0)).get(timeout=TIMEOUT)
        except RuntimeError as e:
            error = e
        else:
            raise AssertionError("a strict worker accepted an inline Python UDF")
    message = str(error)
    assert "inlining is disabled" in message and "calibrated" in message, message
    print(f"strict worker refused the inline UDF:\n  {type(error).__name__}: {message}")
    print(f"multiprocessing_pickle_expr: OK ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
