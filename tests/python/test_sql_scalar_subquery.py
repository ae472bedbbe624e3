"""Scalar subqueries that return several rows fail, as in PostgreSQL and
DuckDB ("more than one row returned by a subquery used as an expression"),
uncorrelated or correlated, while staying decorrelated (a join, never run
per row). Results that do not fail are checked against DuckDB, and the
error is checked to be DuckDB's too."""

from __future__ import annotations

import pickle

import pyarrow as pa
import pytest

import ferry

duckdb = pytest.importorskip("duckdb")

OUTER = pa.table({"a": pa.array([1, 2, 3, None], pa.int64()), "tag": ["p", "q", "r", "s"]})
# b: key 1 has two rows, key 2 one, key 3 none; a NULL key has two rows.
INNER = pa.table({
    "a": pa.array([1, 1, 2, None, None, 4, 4], pa.int64()),
    "b": pa.array([10, 11, 20, 90, 91, 40, 41], pa.int64()),
})
ONE = pa.table({"b": pa.array([7], pa.int64())})
EMPTY = pa.table({"b": pa.array([], pa.int64())})

MANY = "more than one row returned by a subquery used as an expression"


@pytest.fixture
def engines(ctx):
    con = duckdb.connect()
    for name, table in {"o": OUTER, "i": INNER, "one": ONE, "nothing": EMPTY}.items():
        ctx.register_table(name, table)
        con.register(name, table)
    return ctx, con


def _same_rows(ctx, con, sql):
    got = sorted(ctx.sql(sql).to_arrow_table().to_pylist(), key=repr)
    want = sorted(con.sql(sql).to_arrow_table().to_pylist(), key=repr)
    assert got == want, sql
    return got


def _both_fail(ctx, con, sql):
    with pytest.raises(duckdb.Error, match="More than one row returned by a subquery"):
        con.sql(sql).fetchall()
    with pytest.raises(ferry.ExecutionError, match=MANY) as info:
        ctx.sql(sql).collect()
    return str(info.value)


def test_uncorrelated_several_rows_fail_naming_the_subquery(engines):
    ctx, con = engines
    message = _both_fail(ctx, con, "SELECT tag, (SELECT b FROM i) AS x FROM o")
    assert "the scalar subquery at line 1, column 13" in message
    _both_fail(ctx, con, "SELECT tag FROM o WHERE a < (SELECT b FROM i WHERE b > 40)")
    _both_fail(ctx, con, "SELECT (SELECT 1 UNION ALL SELECT 2)")


def test_uncorrelated_one_or_no_row(engines):
    ctx, con = engines
    assert _same_rows(ctx, con, "SELECT tag, (SELECT b FROM one) AS x FROM o")[0]["x"] == 7
    got = _same_rows(ctx, con, "SELECT tag, (SELECT b FROM nothing) AS x FROM o")
    assert [r["x"] for r in got] == [None] * 4
    _same_rows(ctx, con, "SELECT tag, (SELECT b FROM i WHERE b > 90) AS x FROM o")
    _same_rows(ctx, con, "SELECT tag, (SELECT b FROM i ORDER BY b LIMIT 1) AS x FROM o")
    _same_rows(ctx, con, "SELECT tag, (SELECT DISTINCT b FROM i WHERE b = 20) AS x FROM o")
    _same_rows(ctx, con, "SELECT tag FROM o WHERE a < (SELECT b FROM i WHERE a = 2)")


def test_correlated_several_rows_for_a_used_key_fail(engines):
    ctx, con = engines
    message = _both_fail(ctx, con, "SELECT tag, (SELECT b FROM i WHERE i.a = o.a) AS x FROM o")
    assert "line 1, column 13" in message
    # Grouped by more than the correlation key: several groups per key.
    _both_fail(ctx, con, "SELECT tag, (SELECT sum(b) FROM i WHERE i.a = o.a GROUP BY b) FROM o")
    _both_fail(ctx, con, "SELECT tag FROM o WHERE 15 < (SELECT b FROM i WHERE i.a = o.a)")


def test_correlated_keys_no_outer_row_uses_never_fail(engines):
    ctx, con = engines
    # Key 1 (two rows) is filtered out of the outer side; key 4 (two rows)
    # and the NULL key (two rows) never match: NULL = NULL is not true.
    got = _same_rows(ctx, con, "SELECT tag, (SELECT b FROM i WHERE i.a = o.a) AS x FROM o WHERE a <> 1")
    assert got == [{"tag": "q", "x": 20}, {"tag": "r", "x": None}]
    got = _same_rows(ctx, con, "SELECT tag, (SELECT b FROM i WHERE i.a = o.a) AS x FROM o WHERE a IS NULL")
    assert got == [{"tag": "s", "x": None}]
    # Only the first of two rows per key survives the subquery's own WHERE.
    _same_rows(ctx, con, "SELECT tag, (SELECT b FROM i WHERE i.a = o.a AND b <> 11 AND b <> 41) AS x FROM o")
    # Correlated on an expression of the inner side.
    _same_rows(ctx, con, "SELECT tag, (SELECT b FROM i WHERE i.a + 1 = o.a + 1 AND b % 2 = 0) AS x FROM o")


def test_correlated_aggregates_stay_one_join(engines):
    ctx, con = engines
    sql = "SELECT tag, (SELECT max(b) FROM i WHERE i.a = o.a) AS x FROM o"
    _same_rows(ctx, con, sql)
    # Proven one row per key: no check, no extra aggregate.
    assert "scalar_subquery_value" not in str(ctx.sql(sql).optimized_logical_plan())
    # Grouped by its correlation key: no rows for a key is no group, NULL.
    _same_rows(ctx, con, "SELECT tag, (SELECT count(*) FROM i WHERE i.a = o.a GROUP BY i.a) AS x FROM o")
    _same_rows(ctx, con, "SELECT tag, (SELECT count(*) FROM i WHERE i.a = o.a) AS x FROM o")


def test_the_check_shows_in_explain_and_travels(engines):
    ctx, _ = engines
    df = ctx.sql("SELECT tag, (SELECT b FROM i WHERE i.a = o.a) AS x FROM o WHERE a <> 1")
    plan = str(df.optimized_logical_plan())
    assert "scalar_subquery_value" in plan and "count" in plan
    want = df.to_arrow_table().sort_by("tag")
    again = pickle.loads(pickle.dumps(df))
    assert again.to_arrow_table().sort_by("tag") == want
    assert ferry.DataFrame.from_bytes(df.to_bytes(), ctx).to_arrow_table().sort_by("tag") == want
    failing = ctx.sql("SELECT tag, (SELECT b FROM i WHERE i.a = o.a) AS x FROM o")
    with pytest.raises(ferry.ExecutionError, match=MANY):
        pickle.loads(pickle.dumps(failing)).collect()


def test_non_equality_correlation_counts_per_distinct_outer_value(engines):
    ctx, con = engines
    # One row for a = 1 (b = 41), none for the others.
    got = _same_rows(ctx, con, "SELECT tag, (SELECT b FROM i WHERE i.b > o.a * 10 + 30 "
                               "AND i.b < o.a * 10 + 32) AS x FROM o")
    assert [r["x"] for r in sorted(got, key=lambda r: r["tag"])] == [41, None, None, None]
    _same_rows(ctx, con, "SELECT tag, (SELECT b FROM i WHERE i.a = o.a AND i.b >= o.a * 10 + 1) AS x FROM o")
    _same_rows(ctx, con, "SELECT tag FROM o WHERE (SELECT b FROM i WHERE i.a < o.a AND i.a >= o.a - 1 AND i.b > 10) > 10")
    _both_fail(ctx, con, "SELECT tag, (SELECT b FROM i WHERE i.b > o.a * 10) AS x FROM o")
    # a = 2 meets both rows of i.a = 1, but the outer WHERE drops it first.
    _both_fail(ctx, con, "SELECT tag, (SELECT b FROM i WHERE i.a < o.a) AS x FROM o")
    _same_rows(ctx, con, "SELECT tag, (SELECT b FROM i WHERE i.a < o.a) AS x FROM o WHERE a = 1")
    plan = str(ctx.sql("SELECT tag, (SELECT b FROM i WHERE i.a < o.a) AS x FROM o").logical_plan())
    assert "Distinct" in plan and "scalar_subquery_value" in plan, plan


def test_correlation_that_may_hold_for_null_outer_values_is_refused(engines):
    ctx, _ = engines
    with pytest.raises(NotImplementedError, match="may return several rows"):
        ctx.sql("SELECT tag, (SELECT b FROM i WHERE i.a > o.a OR o.a IS NULL) FROM o")
