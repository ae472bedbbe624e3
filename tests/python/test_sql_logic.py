"""The SQL suite in tests/sql/*.slt, sqllogictest-style, run through ``ctx.sql``.

Each file is a list of records separated by blank lines:

* ``statement ok`` + SQL: run in ferry and in DuckDB (table set-up, DDL);
* ``statement ferry`` + SQL: run in ferry only (ferry's own statements);
* ``query rowsort`` / ``query ordered`` + SQL: ferry's rows must equal
  DuckDB's for the same text over the same tables, in any order or in
  order; with a ``----`` line and rows after it (``|``-separated, NULL for
  null), the rows written there instead (hand-computed expectations, for
  ferry-only syntax);
* ``error <text>`` + SQL: ferry must raise a FerryError whose message
  contains <text>.

Every session starts with the tables of ``TABLES`` registered in both
engines from the same Arrow data, NULLs included, plus an empty table.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

import ferry

duckdb = pytest.importorskip("duckdb")

SUITE = Path(__file__).resolve().parents[1] / "sql"

TABLES = {
    "t": pa.table({
        "id": pa.array([1, 2, 3, 4, 5, 6], pa.int64()),
        "k": pa.array(["a", "b", "a", None, "b", "c"], pa.utf8()),
        "v": pa.array([10, 20, None, 40, 50, 60], pa.int64()),
        "x": pa.array([1.5, -2.0, 3.25, None, 0.0, 7.5], pa.float64()),
        "d": pa.array([pa.scalar(v, pa.date32()).as_py() if v is not None else None
                       for v in [18262, 18300, None, 18500, 18262, 19000]], pa.date32()),
    }),
    "u": pa.table({
        "id": pa.array([1, 2, 2, 7, None], pa.int64()),
        "w": pa.array(["one", "two", "two again", "seven", "null id"], pa.utf8()),
        "v": pa.array([100, 200, 201, 700, None], pa.int64()),
    }),
    "s": pa.table({
        "id": pa.array([1, 3, 5], pa.int64()),
        "name": pa.array(["x", "y", "z"], pa.utf8()),
    }),
    "s32": pa.table({
        "id": pa.array([1, 2, 3, None], pa.int32()),
        "f": pa.array([1.0, 6.0, 2.0, 4.0], pa.float64()),
        "tag": pa.array(["p", "q", "r", "s"], pa.utf8()),
    }),
    "empty": pa.table({"id": pa.array([], pa.int64()), "v": pa.array([], pa.int64())}),
}


def _records(path: Path) -> list[tuple[int, str, str, str | None]]:
    """(line, header, sql, expected block or None) per record."""
    records, block, start = [], [], 0
    for number, line in enumerate(path.read_text().splitlines() + [""], 1):
        if line.startswith("#"):
            continue
        if line.strip():
            if not block:
                start = number
            block.append(line)
            continue
        if block:
            header, body = block[0], block[1:]
            expected = None
            if "----" in body:
                cut = body.index("----")
                body, expected = body[:cut], "\n".join(body[cut + 1:])
            records.append((start, header.strip(), "\n".join(body), expected))
            block = []
    return records


def _value(v):
    if isinstance(v, Decimal):
        return float(v)
    return v


def _rows(rows) -> list[tuple]:
    return [tuple(_value(v) for v in r) for r in rows]


def _parse_expected(text: str) -> list[tuple]:
    def cell(s: str):
        s = s.strip()
        if s == "NULL":
            return None
        for kind in (int, float):
            try:
                return kind(s)
            except ValueError:
                pass
        if s in ("true", "false"):
            return s == "true"
        return s

    return [tuple(cell(c) for c in line.split("|")) for line in text.splitlines() if line.strip()]


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
            return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        return False
    if hasattr(a, "isoformat") or hasattr(b, "isoformat"):
        # date - interval: a DATE in ferry (as in DataFusion), a TIMESTAMP
        # at midnight in DuckDB and PostgreSQL.
        return str(a).removesuffix(" 00:00:00") == str(b).removesuffix(" 00:00:00")
    return a == b


def _key(row):
    return tuple((v is None, str(type(v).__name__ if v is not None else ""), str(v)) for v in row)


def _check(got: list[tuple], want: list[tuple], ordered: bool, where: str) -> None:
    if not ordered:
        got, want = sorted(got, key=_key), sorted(want, key=_key)
    assert len(got) == len(want), f"{where}: {len(got)} rows, expected {len(want)}\n{got}\n{want}"
    for g, w in zip(got, want):
        assert len(g) == len(w) and all(_same(a, b) for a, b in zip(w, g)), \
            f"{where}: row {g}, expected {w}\ngot:  {got}\nwant: {want}"


def _files() -> list[Path]:
    return sorted(SUITE.glob("*.slt"))


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.stem)
def test_sql_logic(path: Path) -> None:
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(2))
    con = duckdb.connect()
    for name, table in TABLES.items():
        ctx.register_table(name, table)
        con.register(f"{name}_arrow", table)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")
    records = _records(path)
    assert records, f"{path} holds no records"
    for line, header, sql, expected in records:
        where = f"{path.name}:{line}"
        kind, _, arg = header.partition(" ")
        if kind == "statement":
            ctx.sql(sql).collect()
            if arg != "ferry":
                con.execute(sql)
        elif kind == "error":
            with pytest.raises(ferry.FerryError) as info:
                ctx.sql(sql).collect()
            assert arg in str(info.value), f"{where}: error {info.value!s} lacks {arg!r}"
        elif kind == "query":
            got = _rows(ferry_rows(ctx, sql))
            want = _parse_expected(expected) if expected is not None else _rows(con.execute(sql).fetchall())
            _check(got, want, ordered=arg == "ordered", where=f"{where}\n{sql}")
        else:
            raise AssertionError(f"{where}: unknown record {header!r}")


def ferry_rows(ctx: ferry.SessionContext, sql: str) -> list[tuple]:
    table = ctx.sql(sql).to_arrow_table()
    return [tuple(r.values()) for r in table.to_pylist()]


def test_suite_covers_every_file_kind() -> None:
    """The suite exists and every file has at least one DuckDB-checked query."""
    files = _files()
    assert len(files) >= 5
    for path in files:
        assert any(h.startswith("query") and e is None for _, h, _, e in _records(path)), path
