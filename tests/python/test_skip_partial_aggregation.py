"""Aggregations large enough that the partial phase may stop grouping (over
250,000 rows in a partition, many new groups per row) give pyarrow's
group_by results at target_partitions 1, 2 and 7: random and clustered
int64 keys, string keys, NULL keys and values."""

import numpy as np
import pyarrow as pa
import pytest

import ferry
from ferry import col
from ferry import functions as f

ROWS = 520_000


def table(keys: np.ndarray, strings: bool) -> pa.Table:
    rng = np.random.default_rng(3)
    key_mask = rng.random(len(keys)) < 0.01
    value_mask = rng.random(len(keys)) < 0.1
    k = pa.array(keys.astype(str) if strings else keys, mask=key_mask)
    v = pa.array(rng.integers(-1000, 1000, len(keys)), mask=value_mask)
    return pa.table({"k": k, "v": v})


COLUMNS = ["k", "s", "c", "lo", "hi", "a"]


def reference(t: pa.Table) -> pa.Table:
    got = t.group_by("k").aggregate([("v", "sum"), ("v", "count"), ("v", "min"), ("v", "max"),
                                     ("v", "mean")])
    got = got.select(["k", "v_sum", "v_count", "v_min", "v_max", "v_mean"]).rename_columns(COLUMNS)
    return got.sort_by("k")


def aggregated(t: pa.Table, partitions: int) -> pa.Table:
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(partitions))
    batches = t.to_batches(max_chunksize=50_000)
    ctx.register_record_batches("t", [batches[i::partitions] for i in range(partitions)])
    out = ctx.table("t").aggregate(
        [col("k")],
        [f.sum(col("v")).alias("s"), f.count(col("v")).alias("c"), f.min(col("v")).alias("lo"),
         f.max(col("v")).alias("hi"), f.avg(col("v")).alias("a")]).to_arrow_table()
    return out.select(COLUMNS).sort_by("k")


@pytest.mark.parametrize("kind", ["random", "clustered", "strings"])
def test_results_match_pyarrow_at_every_partition_count(kind):
    rng = np.random.default_rng(11)
    if kind == "clustered":
        keys = np.arange(ROWS) // 2  # two rows per key, in key order
    else:
        keys = rng.integers(0, ROWS, ROWS)
    t = table(keys, strings=kind == "strings")
    expected = reference(t)
    for partitions in (1, 2, 7):
        got = aggregated(t, partitions)
        assert got.num_rows == expected.num_rows, f"target_partitions={partitions}"
        for name in COLUMNS[:5]:
            assert got[name].equals(expected[name].cast(got[name].type)), (name, partitions)
        a, e = got["a"].to_numpy(zero_copy_only=False), expected["a"].to_numpy(zero_copy_only=False)
        assert np.array_equal(np.isnan(a), np.isnan(e)), partitions
        assert np.allclose(a[~np.isnan(a)], e[~np.isnan(e)]), partitions
