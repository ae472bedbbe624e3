"""Grouping by one integer-like key: few groups (Arrow's grouper) and more than
65,536 (moved mid-stream to ferry's integer hash table, same group ids), NULL
keys, negative and 4-byte keys and dates, checked against pyarrow's group_by."""

import datetime

import numpy as np
import pyarrow as pa
import pytest

import ferry
from ferry import col
from ferry import functions as f


def reference(table, key):
    got = table.group_by(key).aggregate([("v", "sum"), ("v", "count")])
    return {k: (s, c) for k, s, c in zip(got[key].to_pylist(), got["v_sum"].to_pylist(),
                                         got["v_count"].to_pylist())}


def grouped(table, key, partitions):
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(partitions))
    ctx.register_record_batches("t", [table.to_batches(max_chunksize=3000)
                                      or [pa.RecordBatch.from_pylist([], schema=table.schema)]])
    out = ctx.table("t").aggregate([col(key)], [f.sum(col("v")).alias("s"),
                                                f.count(col("v")).alias("c")]).to_pydict()
    return {k: (s, c) for k, s, c in zip(out[key], out["s"], out["c"])}


@pytest.mark.parametrize("partitions", [1, 2, 7])
@pytest.mark.parametrize("key_type", [pa.int64(), pa.int32(), pa.uint32(), pa.date32()])
@pytest.mark.parametrize("spread", [5_000, 100_000])
def test_groups_with_nulls_match_pyarrow(partitions, key_type, spread):
    rng = np.random.default_rng(7)
    n = 20_000 if spread < 10_000 else 400_000
    raw = rng.integers(-spread, spread, n)
    if key_type == pa.uint32():
        raw = np.abs(raw)
    keys = [None if i % 13 == 0 else int(k) for i, k in enumerate(raw)]
    if key_type == pa.date32():
        keys = [None if k is None else datetime.date(2000, 1, 1) + datetime.timedelta(days=k)
                for k in keys]
    values = [None if i % 17 == 0 else i for i in range(n)]
    table = pa.table({"k": pa.array(keys, key_type), "v": pa.array(values, pa.int64())})
    assert grouped(table, "k", partitions) == reference(table, "k")


def test_empty_input_has_no_groups():
    table = pa.table({"k": pa.array([], pa.int64()), "v": pa.array([], pa.int64())})
    assert grouped(table, "k", 2) == {}
