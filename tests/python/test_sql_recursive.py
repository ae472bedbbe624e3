"""WITH RECURSIVE through the Python API: the plan pickles and runs the same
after the trip, shows in explain(), composes with the DataFrame API, and an
endless recursion stops with an error. Rows checked against DuckDB."""

from __future__ import annotations

import pickle

import pyarrow as pa
import pytest

import ferry
from ferry import col, lit

duckdb = pytest.importorskip("duckdb")

EDGES = pa.table({"parent": pa.array([1, 1, 3, None, 4], pa.int64()),
                  "child": pa.array([2, 3, 4, 5, 1], pa.int64())})

# 4 -> 1 closes a cycle: UNION ends it, as in PostgreSQL.
REACHABLE = """
WITH RECURSIVE reach(node) AS (
  SELECT 1
  UNION
  SELECT e.child FROM edges e JOIN reach ON e.parent = reach.node
)
SELECT node FROM reach
"""


@pytest.fixture
def rctx(ctx):
    ctx.register_table("edges", EDGES)
    return ctx


def _duckdb_rows(sql: str) -> list[tuple]:
    con = duckdb.connect()
    con.register("edges", EDGES)
    return sorted(con.sql(sql).fetchall())


def _rows(df: ferry.DataFrame) -> list[tuple]:
    table = df.to_arrow_table()
    return sorted(zip(*[c.to_pylist() for c in table.columns]))


def test_recursive_query_matches_duckdb_and_ends_a_cycle(rctx):
    assert _rows(rctx.sql(REACHABLE)) == _duckdb_rows(REACHABLE) == [(1,), (2,), (3,), (4,)]


def test_recursive_query_pickles_and_runs_the_same(rctx):
    df = rctx.sql(REACHABLE)
    again = pickle.loads(pickle.dumps(df))
    assert _rows(again) == _rows(df)
    plan = ferry.LogicalPlan.from_bytes(rctx, df.logical_plan().to_bytes(rctx))
    assert _rows(rctx.create_dataframe_from_logical_plan(plan)) == _rows(df)

def test_recursive_query_composes_and_shows_in_explain(rctx, capsys):
    df = rctx.sql(REACHABLE).filter(col("node") > lit(2))
    assert _rows(df) == [(3,), (4,)]
    df.explain()
    out = capsys.readouterr().out
    assert "RecursiveQueryExec: name=reach, UNION," in out
    assert "recursive:" in out and "anchor:" in out


def test_endless_recursion_is_an_error_not_a_hang(rctx):
    df = rctx.sql("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r")
    with pytest.raises(ferry.FerryError, match="did not reach a fixpoint within 10000 iterations"):
        df.collect()
    # The same query under a LIMIT stops early, as in PostgreSQL.
    limited = rctx.sql("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r LIMIT 3")
    assert _rows(limited) == [(1,), (2,), (3,)]


COUNT_TO = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < {}) SELECT n FROM r"


def test_recursion_limits_are_session_settings():
    config = ferry.SessionConfig().with_max_recursive_iterations(5).with_max_recursive_rows(100)
    ctx = ferry.SessionContext(config)
    # 1..5 takes 4 iterations after the anchor, plus one that finds no rows.
    assert _rows(ctx.sql(COUNT_TO.format(5))) == [(n,) for n in range(1, 6)]
    with pytest.raises(ferry.FerryError, match="within 5 iterations.*max_recursive_iterations"):
        ctx.sql(COUNT_TO.format(50)).collect()
    rows = ferry.SessionContext(ferry.SessionConfig().with_max_recursive_rows(10))
    with pytest.raises(ferry.FerryError, match="max_recursive_rows"):
        rows.sql(COUNT_TO.format(50)).collect()
    # The defaults are unchanged for every other session.
    assert len(_rows(ferry.SessionContext().sql(COUNT_TO.format(50)))) == 50


def test_recursion_limit_settings_refuse_negative_values():
    with pytest.raises(ValueError, match="max_recursive_iterations must be >= 0"):
        ferry.SessionConfig().with_max_recursive_iterations(-1)
    with pytest.raises(ValueError, match="max_recursive_rows must be >= 0"):
        ferry.SessionConfig().with_max_recursive_rows(-1)
