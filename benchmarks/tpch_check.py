"""Comparing TPC-H results across engines, order-insensitively.

Every engine's result becomes a list of row tuples: decimals turn into
floats (engines differ in decimal result types: DuckDB's avg and decimal
division return DOUBLE, ferry and DataFusion keep decimals), everything else
stays as Python gives it (dates, ints, strings, None). Both sides are sorted
and compared value by value; floats within a relative tolerance.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Iterable

# Decimal averages and divisions stop at a result scale that differs between
# engines: DataFusion's avg of decimal(15,2) is decimal(19,6) (0.050081) where
# DuckDB's is a double (0.05008133906964238). Hence a relative tolerance of
# 1e-6 and an absolute one of 1e-5 (above one unit in the 6th decimal place).
REL_TOL = 1e-6
ABS_TOL = 1e-5


def _value(v: Any) -> Any:
    if isinstance(v, Decimal):
        return float(v)
    return v


def rows_of(table: Any) -> list[tuple]:
    """Row tuples of a pyarrow Table (or anything with ``to_pylist``) or of
    an iterable of tuples (DuckDB's ``fetchall()``)."""
    if hasattr(table, "to_pylist"):
        table = [tuple(r.values()) for r in table.to_pylist()]
    return [tuple(_value(v) for v in r) for r in table]


def _sort_key(row: tuple) -> tuple:
    # NULLs after everything; values of one column share a type, so the
    # second element compares like with like.
    return tuple((v is None, 0 if v is None else v) for v in row)


def _same(a: Any, b: Any, rel_tol: float, abs_tol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)
        return False
    return a == b


def diff(expected: Iterable[tuple], actual: Iterable[tuple], rel_tol: float = REL_TOL,
         abs_tol: float = ABS_TOL) -> str | None:
    """None when the two row lists hold the same rows in any order, else a
    short description of the first difference."""
    want = sorted(expected, key=_sort_key)
    got = sorted(actual, key=_sort_key)
    if len(want) != len(got):
        return f"{len(got)} rows, expected {len(want)} (first: {got[:2]} vs {want[:2]})"
    for i, (w, g) in enumerate(zip(want, got)):
        if len(w) != len(g):
            return f"{len(g)} columns, expected {len(w)}"
        for j, (a, b) in enumerate(zip(w, g)):
            if not _same(a, b, rel_tol, abs_tol):
                return f"sorted row {i} column {j}: got {b!r}, expected {a!r} (row {g} vs {w})"
    return None


def duckdb_reference(folder: Any, threads: int = 2):
    """DuckDB's answer to each query's reference SQL (tpch_sql.py) over the
    Parquet files in ``folder``: a function from a query number to its
    (column names, rows as rows_of gives them), each computed once.

    The one reference the TPC-H tests share, so they cannot drift apart.
    """
    import duckdb

    import tpch_data
    from tpch_sql import SQL

    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    for table, path in tpch_data.paths(folder).items():
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    cache: dict[int, tuple[list[str], list[tuple]]] = {}

    def get(q: int) -> tuple[list[str], list[tuple]]:
        if q not in cache:
            cursor = con.execute(SQL[q])
            cache[q] = [d[0] for d in cursor.description], rows_of(cursor.fetchall())
        return cache[q]

    return get
