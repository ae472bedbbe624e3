"""Decoding a physical plan again reuses what the first decode worked out
(bound filters, schemas, output types) only while the inputs are the same:
a rewritten file is read and checked anew."""

import os
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import ferry
from ferry import ExecutionPlan, col, lit

pytestmark = pytest.mark.timeout(120)


def run(ctx: ferry.SessionContext, plan: ExecutionPlan) -> pa.Table:
    batches = [b.to_pyarrow() for p in range(plan.partition_count) for b in ctx.execute(plan, p)]
    return pa.Table.from_batches(batches, schema=plan.schema())


def rewrite(path: str, table: pa.Table) -> None:
    """Writes `table` over `path` with a later modification time."""
    before = os.stat(path).st_mtime_ns
    pq.write_table(table, path)
    os.utime(path, ns=(before + 10**9, before + 10**9))


def scan_plan(path: str) -> bytes:
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(1))
    df = ctx.read_parquet(path).filter(col("k") > lit(2))
    df = df.select(col("k"), (col("v") * lit(10)).alias("w"))
    return df.execution_plan().to_bytes(ctx)


def test_repeated_decode_gives_the_same_rows(tmp_path):
    path = str(tmp_path / "t.parquet")
    table = pa.table({"k": pa.array([1, 2, 3, 4, None], pa.int64()),
                      "v": pa.array([5, 6, None, 8, 9], pa.int64())})
    pq.write_table(table, path)
    blob = scan_plan(path)
    want = table.filter(pc.greater(table["k"], 2))
    want = {"k": want["k"].to_pylist(), "w": pc.multiply(want["v"], 10).to_pylist()}
    receiver = ferry.SessionContext()
    for _ in range(3):  # the first decode fills the caches, the others hit them
        got = run(receiver, ExecutionPlan.from_bytes(receiver, blob))
        assert got.to_pydict() == want


def test_rewritten_file_is_checked_again(tmp_path):
    path = str(tmp_path / "t.parquet")
    pq.write_table(pa.table({"k": pa.array([1, 3, 5], pa.int64()),
                             "v": pa.array([1, 2, 3], pa.int64())}), path)
    blob = scan_plan(path)
    receiver = ferry.SessionContext()
    decoded = ExecutionPlan.from_bytes(receiver, blob)
    assert run(receiver, decoded).to_pydict() == {"k": [3, 5], "w": [20, 30]}
    # Same columns, other types: the pushed filter k > 2 no longer binds the
    # same way and the scan no longer reads what the plan declares.
    rewrite(path, pa.table({"k": pa.array(["x", "y"]), "v": pa.array([1.5, 2.5])}))
    with pytest.raises(ferry.FerryError):
        ExecutionPlan.from_bytes(receiver, blob)
    # Back to the plan's schema with other rows: decoded anew, the new rows.
    rewrite(path, pa.table({"k": pa.array([7, 0], pa.int64()), "v": pa.array([4, 4], pa.int64())}))
    decoded = ExecutionPlan.from_bytes(receiver, blob)
    assert run(receiver, decoded).to_pydict() == {"k": [7], "w": [40]}
