"""Plan shapes the SQL binder chooses so its plans match the DataFrame
API's (TPC-H's SQL and DataFrame forms), each with results checked against
DuckDB: outer-join ON filters on the padded side go below the join, and
NOT IN over columns that cannot be NULL is a plain anti join."""

from __future__ import annotations

import pyarrow as pa
import pytest

duckdb = pytest.importorskip("duckdb")

NOT_NULL = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("name", pa.utf8(), nullable=False)])
LEFT = pa.table({"id": [1, 2, 3, 4], "name": ["a", "b", "c", "d"]}, schema=NOT_NULL)
RIGHT = pa.table({"id": [2, 4, 4, 9], "name": ["x", "y", "special z", "w"]}, schema=NOT_NULL)
NULLABLE = pa.table({"id": pa.array([2, None], pa.int64()), "name": ["n", None]})


@pytest.fixture
def engines(ctx):
    con = duckdb.connect()
    for name, table in {"l": LEFT, "r": RIGHT, "n": NULLABLE}.items():
        ctx.register_table(name, table)
        con.register(name, table)
    return ctx, con


def _check(ctx, con, sql):
    got = sorted(ctx.sql(sql).to_arrow_table().to_pylist(), key=repr)
    want = sorted(con.sql(sql).to_arrow_table().to_pylist(), key=repr)
    assert got == want, sql
    return str(ctx.sql(sql).logical_plan())


def test_left_join_filter_on_the_padded_side_goes_below_the_join(engines):
    ctx, con = engines
    plan = _check(ctx, con, "SELECT l.id, r.name FROM l LEFT JOIN r ON l.id = r.id AND r.name NOT LIKE '%special%'")
    lines = plan.splitlines()
    at = next(i for i, line in enumerate(lines) if "Join:" in line)
    assert "NOT LIKE" not in lines[at] and "filter=" not in lines[at], plan
    assert any("Filter:" in line and "NOT LIKE" in line for line in lines[at + 1:]), plan
    # A condition on the kept side stays a join filter: it must not drop rows.
    plan = _check(ctx, con, "SELECT l.id, r.name FROM l LEFT JOIN r ON l.id = r.id AND l.name <> 'b'")
    assert "filter=" in plan


def test_not_in_over_non_null_columns_is_an_anti_join(engines):
    ctx, con = engines
    plan = _check(ctx, con, "SELECT id FROM l WHERE id NOT IN (SELECT id FROM r WHERE name <> 'w')")
    assert "type=anti" in plan and "count" not in plan, plan
    plan = _check(ctx, con, "SELECT id FROM l WHERE id NOT IN (SELECT r.id FROM r WHERE r.name = l.name)")
    assert "type=anti" in plan and "OR" not in plan, plan
    # A column that may hold NULL keeps NOT IN's NULL rules (no rows here).
    plan = _check(ctx, con, "SELECT id FROM l WHERE id NOT IN (SELECT id FROM n)")
    assert "count" in plan
    assert ctx.sql("SELECT id FROM l WHERE id NOT IN (SELECT id FROM n)").count() == 0
    # Through a left join the right side's columns may be NULL.
    plan = _check(ctx, con, "SELECT id FROM l WHERE id NOT IN (SELECT r.id FROM l AS x LEFT JOIN r ON x.id = r.id)")
    assert "count" in plan


def test_where_comparison_with_a_scalar_subquery_is_a_join_condition(engines):
    ctx, con = engines
    # TPC-H Q2's shape: the minimum per key, compared by equality.
    sql = ("SELECT l.id, r.name FROM l, r WHERE l.id = r.id "
           "AND r.name = (SELECT max(r2.name) FROM r AS r2 WHERE r2.id = l.id)")
    plan = _check(ctx, con, sql)
    assert "Filter" not in plan and "__sq" in plan, plan
    # Uncorrelated equality: a hash key, not a filter over a one-row join.
    plan = _check(ctx, con, "SELECT id FROM l WHERE id = (SELECT max(id) FROM r WHERE id < 5)")
    assert "Filter: id = " not in plan and "on=[id = __sq" in plan, plan
    # count() over no rows is 0, not a missing row: stays a left join.
    plan = _check(ctx, con, "SELECT id FROM l WHERE (SELECT count(*) FROM r WHERE r.id = l.id) = 0")
    assert "type=left" in plan, plan


def _optimized(ctx, sql):
    return str(ctx.sql(sql).optimized_logical_plan())


def test_less_than_a_correlated_average_drops_unmatched_rows_as_an_inner_join(engines):
    ctx, con = engines
    # TPC-H Q17's shape: avg() over no rows is NULL, so the subquery's CASE
    # for unmatched rows is NULL and the comparison drops them (ids 1, 3).
    sql = "SELECT id FROM l WHERE id < 2 * (SELECT avg(r.id) FROM r WHERE r.id = l.id)"
    _check(ctx, con, sql)
    plan = _optimized(ctx, sql)
    assert "type=inner" in plan and "type=left" not in plan, plan
    assert sorted(ctx.sql(sql).to_pydict()["id"]) == [2, 4]
    # Over a nullable column NULL keys match nothing either.
    _check(ctx, con, "SELECT name FROM n WHERE id <= (SELECT max(r.id) FROM r WHERE r.id = n.id)")
    # count() over no rows is 0: unmatched rows compare with 0 and stay.
    sql = "SELECT id FROM l WHERE id > (SELECT count(*) FROM r WHERE r.id = l.id)"
    _check(ctx, con, sql)
    assert "type=left" in _optimized(ctx, sql)
    assert sorted(ctx.sql(sql).to_pydict()["id"]) == [1, 2, 3, 4]


def test_key_equalities_chained_through_a_third_table_order_the_joins(engines):
    ctx, con = engines
    # TPC-H Q5's shape: l.id = r.id and r.id = n.id imply l.id = n.id.
    sql = "SELECT l.name, r.name AS rn FROM l, r, n WHERE l.id = r.id AND r.id = n.id"
    _check(ctx, con, sql)
    plan = _optimized(ctx, sql)
    # No join hashes a key the joins below it already imply.
    assert all(line.count(" = ") <= 1 for line in plan.splitlines() if "Join:" in line), plan


def test_not_exists_under_a_scalar_subquery_filter(engines):
    ctx, con = engines
    # TPC-H Q22's shape: an anti join whose right side covers the keys, then
    # the one-row subquery's join; the rows kept are checked against DuckDB.
    _check(ctx, con, "SELECT id FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.id = l.id) "
                     "AND id > (SELECT min(id) FROM r)")
    _check(ctx, con, "SELECT id FROM l WHERE NOT EXISTS (SELECT 1 FROM l AS x WHERE x.id = l.id) "
                     "AND id > (SELECT min(id) FROM r)")
