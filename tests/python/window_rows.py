"""Shared by the window tests (test_window*.py): a select's rows in its
input's row order, and a table with ties to rank."""

from __future__ import annotations

import pyarrow as pa
import pytest

from ferry import col


def run(ctx, table: pa.Table, *exprs) -> dict:
    """The select's rows in ``table``'s row order. A window's output is in no
    particular order (its rows are spread over partitions by PARTITION BY);
    each row's values are what the tests check."""
    indexed = table.append_column("__row", pa.array(range(table.num_rows), pa.int64()))
    out = ctx.from_arrow(indexed).select(col("__row"), *exprs).sort(col("__row")).to_pydict()
    del out["__row"]
    return out


def approx_list(values):
    return [None if v is None else pytest.approx(v) for v in values]


# Two partitions, ties on t within "a", input order shuffled.
RANKS = pa.table({
    "k": ["a", "b", "a", "a", "b", "a"],
    "t": [2, 5, 1, 3, 5, 2],
    "id": [2, 5, 1, 4, 6, 3],
})
