"""Parquet scans decode into a pool that reuses freed large blocks.

A reused block must never leak an earlier scan's bytes into a later result
(values, validity bitmaps, decimals, strings), results must outlive the
session that produced them, and pyarrow's own default pool stays what it was.
"""

import decimal

import pyarrow as pa
import pyarrow.parquet as pq

import ferry
from ferry import col, lit

N = 150_000  # 64 Ki-row batches: every int64/decimal buffer is large enough to be cached


def make_table(seed: int) -> pa.Table:
    return pa.table({
        "id": pa.array(range(N), pa.int64()),
        "value": pa.array([None if (i + seed) % 7 == 0 else (i * seed) % 1_000_003 for i in range(N)],
                          pa.int64()),
        "price": pa.array([decimal.Decimal((i * 37 + seed) % 100_000) / 100 for i in range(N)],
                          pa.decimal128(15, 2)),
        "note": pa.array([None if i % 5 == seed % 5 else f"n{seed}-{i % 1000}" for i in range(N)]),
    })


def scan(path, predicate=None):
    ctx = ferry.SessionContext()
    ctx.register_parquet("t", path)
    df = ctx.table("t")
    if predicate is not None:
        df = df.filter(predicate)
    return df.to_arrow_table().sort_by("id")


def test_reused_blocks_never_leak_an_earlier_scan(tmp_path):
    paths, tables = [], []
    for seed in (3, 11):
        table = make_table(seed)
        path = str(tmp_path / f"t{seed}.parquet")
        pq.write_table(table, path, row_group_size=70_000)
        paths.append(path)
        tables.append(table)
    for _ in range(3):
        for path, table in zip(paths, tables):
            assert scan(path).equals(table)
            assert scan(path, col("id") < lit(0)).num_rows == 0
            kept = scan(path, col("value").is_null())
            assert kept.equals(table.filter(table["value"].is_null()))


def test_results_outlive_their_session(tmp_path):
    table = make_table(5)
    path = str(tmp_path / "t.parquet")
    pq.write_table(table, path)
    result = scan(path)  # the session is gone once scan() returns
    other = scan(path)  # may reuse only blocks freed since
    assert result.equals(table)
    assert other.equals(table)


def test_pyarrow_default_pool_is_untouched(tmp_path):
    backend = pa.default_memory_pool().backend_name
    path = str(tmp_path / "t.parquet")
    pq.write_table(make_table(2), path)
    scan(path)
    assert pa.default_memory_pool().backend_name == backend
