"""TPC-H through SQL: the 22 queries' text (benchmarks/tpch_sql.py), run by
``ctx.sql`` and checked against DuckDB running the same text over the same
files (tpchgen-cli Parquet at FERRY_TPCH_SF, default 0.01; see test_tpch.py
for the data and the comparison rules).

Beyond results, a few plan shapes are asserted: the SQL binder must turn the
spec's comma joins into hash joins and its subqueries into joins, never a
cross product or a per-row evaluation.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

import pytest

import ferry

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import tpch_check  # noqa: E402
import tpch_data  # noqa: E402
from tpch_sql import SQL  # noqa: E402

duckdb = pytest.importorskip("duckdb")

SF = float(os.environ.get("FERRY_TPCH_SF", "0.01"))


@pytest.fixture(scope="module")
def plain_dir() -> Path:
    return tpch_data.generate(SF, "plain")


@pytest.fixture(scope="module")
def expected(plain_dir):
    return tpch_check.duckdb_reference(plain_dir)


def _session(folder: Path) -> ferry.SessionContext:
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(2))
    for table, path in tpch_data.paths(folder).items():
        ctx.register_parquet(table, path)
    return ctx


@pytest.fixture(scope="module")
def ctx(plain_dir) -> ferry.SessionContext:
    return _session(plain_dir)


@pytest.fixture(scope="module")
def raw_ctx() -> ferry.SessionContext:
    """tpchgen-cli's own files: string columns as string_view."""
    return _session(tpch_data.generate(SF, "raw"))


@pytest.mark.parametrize("q", sorted(SQL))
def test_tpch_sql_matches_duckdb(q, ctx, expected):
    names, want = expected(q)
    result = ctx.sql(SQL[q]).to_arrow_table()
    assert result.column_names == names
    problem = tpch_check.diff(want, tpch_check.rows_of(result))
    assert problem is None, f"q{q}: {problem}"


@pytest.mark.parametrize("q", sorted(SQL))
def test_tpch_sql_string_view_files(q, raw_ctx, expected):
    names, want = expected(q)
    result = raw_ctx.sql(SQL[q]).to_arrow_table()
    assert result.column_names == names
    problem = tpch_check.diff(want, tpch_check.rows_of(result))
    assert problem is None, f"q{q}: {problem}"


@pytest.mark.parametrize("q", [2, 4, 17, 20, 21, 22])
def test_tpch_sql_subqueries_become_joins(q, ctx):
    """Correlated subqueries are decorrelated: the optimized plan joins, and
    the query survives a pickle round trip (it is an ordinary plan)."""
    df = ctx.sql(SQL[q])
    text = df._raw.explain()
    assert "Join" in text
    again = pickle.loads(pickle.dumps(df))
    assert again.to_arrow_table() == df.to_arrow_table()


def test_tpch_sql_comma_joins_are_hash_joins(ctx):
    """Q5 names six tables in FROM and joins them in WHERE: every join has
    equi keys, none is a cross product filtered afterwards."""
    plan = ctx.sql(SQL[5])._raw.explain()
    optimized = plan.split("optimized_logical_plan")[1].split("physical_plan")[0]
    joins = [line for line in optimized.splitlines() if "Join" in line]
    assert len(joins) == 5
    assert all("=" in line for line in joins), joins
