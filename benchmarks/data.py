"""The benchmark table and the numpy reference results the engines are checked against."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NUM_KEYS = 1_000      # distinct values of k
FILTER_BOUND = 500    # query 1 keeps k < FILTER_BOUND


def make_table(rows: int, seed: int = 42, chunk_rows: int = 65_536) -> pa.Table:
    """id int64 (0..n-1), k int64 (NUM_KEYS distinct), v float64 in [0, 100), s utf8 ("s0".."s99").

    The table is split into ``chunk_rows``-row record batches (zero-copy
    slices) so every engine can scan it in parallel; 0 keeps one chunk.
    """
    rng = np.random.default_rng(seed)
    ids = np.arange(rows, dtype=np.int64)
    k = rng.integers(0, NUM_KEYS, size=rows, dtype=np.int64)
    v = rng.random(rows) * 100.0
    # "s" + str(k % 100), built through a 100-entry dictionary rather than 10M Python strings.
    s = pc.take(pa.array([f"s{i}" for i in range(100)], pa.utf8()), pa.array(k % 100))
    table = pa.table({"id": ids, "k": k, "v": v, "s": s})
    if chunk_rows > 0:
        table = pa.Table.from_batches(table.to_batches(max_chunksize=chunk_rows), table.schema)
    return table


class Reference:
    """Expected results of the three queries, computed with numpy."""

    def __init__(self, table: pa.Table) -> None:
        k = table.column("k").to_numpy()
        v = table.column("v").to_numpy()
        r = v[k < FILTER_BOUND] * 2.0 + 1.0
        self.filter_project = summarize_values(r)
        counts = np.bincount(k, minlength=NUM_KEYS)
        sums = np.bincount(k, weights=v, minlength=NUM_KEYS)
        present = counts > 0
        self.group_keys = np.nonzero(present)[0]
        self.group_sums = sums[present]
        self.group_counts = counts[present]
        self.group_avgs = self.group_sums / self.group_counts
        self.udf = summarize_values(v * 2.0 + 1.0)


def summarize_values(values: np.ndarray) -> dict[str, float]:
    """Order-independent checksum of one float column."""
    if len(values) == 0:
        return {"rows": 0, "sum": 0.0, "min": 0.0, "max": 0.0}
    return {
        "rows": int(len(values)),
        "sum": float(np.sum(values)),
        "min": float(np.min(values)),
        "max": float(np.max(values)),
    }


def _close(a: float, b: float, rtol: float = 1e-9, atol: float = 1e-6) -> bool:
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def check_column_result(table: pa.Table, expected: dict[str, float]) -> tuple[bool, str]:
    """``table`` has one float column; compares its row count and checksum."""
    if table.num_columns != 1:
        return False, f"expected 1 column, got {table.num_columns}"
    column = table.column(0)
    if column.null_count:
        return False, f"{column.null_count} unexpected nulls"
    got = summarize_values(column.to_numpy())
    if got["rows"] != expected["rows"]:
        return False, f"rows {got['rows']} != {expected['rows']}"
    for key in ("sum", "min", "max"):
        if not _close(got[key], expected[key]):
            return False, f"{key} {got[key]!r} != {expected[key]!r}"
    return True, f"rows={got['rows']} sum={got['sum']:.6g}"


def check_groupby_result(table: pa.Table, ref: Reference) -> tuple[bool, str]:
    """``table`` is (k, sum(v), avg(v), count(*)) in any row order; compared group by group."""
    if table.num_columns != 4:
        return False, f"expected 4 columns, got {table.num_columns}"
    if table.num_rows != len(ref.group_keys):
        return False, f"groups {table.num_rows} != {len(ref.group_keys)}"
    cols = [table.column(i).to_numpy() for i in range(4)]
    order = np.argsort(cols[0], kind="stable")
    keys, sums, avgs, counts = (c[order] for c in cols)
    if not np.array_equal(keys.astype(np.int64), ref.group_keys):
        return False, "group keys differ"
    if not np.array_equal(counts.astype(np.int64), ref.group_counts):
        return False, "count(*) differs"
    if not np.allclose(sums, ref.group_sums, rtol=1e-9, atol=1e-6):
        return False, f"sum(v) differs (max abs err {np.max(np.abs(sums - ref.group_sums)):.3g})"
    if not np.allclose(avgs, ref.group_avgs, rtol=1e-9, atol=1e-9):
        return False, f"avg(v) differs (max abs err {np.max(np.abs(avgs - ref.group_avgs)):.3g})"
    return True, f"groups={table.num_rows} sum={float(np.sum(sums)):.6g} count={int(np.sum(counts))}"
