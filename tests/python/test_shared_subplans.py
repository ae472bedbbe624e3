"""Shared subplans: a join or aggregation a query reads twice (TPC-H Q15's
revenue view, once joined and once for its maximum) is computed once, and
the results are DuckDB's at 1, 2 and 7 partitions, NULLs and empty inputs
included, from the DataFrame API and from SQL."""

import random

import pyarrow as pa
import pytest

import ferry
from ferry import col, functions as f

duckdb = pytest.importorskip("duckdb")

rng = random.Random(15)
N = 3000
LINES = pa.table(
    {
        "supp": [rng.choice([None, *range(60)]) for _ in range(N)],
        "price": [rng.choice([None, *range(1, 400)]) for _ in range(N)],
        "day": [rng.randrange(100) for _ in range(N)],
    }
)
SUPPLIERS = pa.table({"s_key": list(range(0, 70, 2)) + [None], "s_name": [f"s{i}" for i in range(36)]})

TOP_SQL = """
    WITH revenue AS (
        SELECT supp, sum(price) AS total FROM lines WHERE day < 60 GROUP BY supp
    )
    SELECT s_key, s_name, total FROM suppliers JOIN revenue ON s_key = supp
    WHERE total = (SELECT max(total) FROM revenue)
"""


def session(partitions: int, lines: pa.Table = LINES) -> ferry.SessionContext:
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(partitions))
    batches = lines.to_batches(max_chunksize=400) or [pa.RecordBatch.from_pylist([], schema=lines.schema)]
    ctx.register_record_batches("lines", [batches])
    ctx.register_record_batches("suppliers", [SUPPLIERS.to_batches()])
    return ctx


def top_suppliers(ctx: ferry.SessionContext) -> ferry.DataFrame:
    def revenue():
        return (ctx.table("lines").filter(col("day") < 60)
                .aggregate([col("supp")], [f.sum(col("price")).alias("total")]))

    top = revenue().aggregate([], [f.max(col("total")).alias("top")])
    return (ctx.table("suppliers")
            .join(revenue(), left_on="s_key", right_on="supp")
            .join(top, left_on="total", right_on="top")
            .select(col("s_key"), col("s_name"), col("total")))


def expected(lines: pa.Table = LINES) -> list[tuple]:
    con = duckdb.connect()
    con.register("lines", lines)
    con.register("suppliers", SUPPLIERS)
    return sorted(con.execute(TOP_SQL).fetchall())


def rows(df: ferry.DataFrame) -> list[tuple]:
    table = df.to_arrow_table()
    return sorted(zip(*(table.column(i).to_pylist() for i in range(table.num_columns))))


@pytest.mark.parametrize("partitions", [1, 2, 7])
def test_the_repeated_view_is_computed_once_with_duckdbs_result(partitions):
    ctx = session(partitions)
    want = expected()
    assert want  # the query selects something
    for df in (top_suppliers(ctx), ctx.sql(TOP_SQL)):
        plan = df.execution_plan().display_indent()
        assert "SharedSubplanExec: reader 2 of 2" in plan, plan
        assert rows(df) == want
        assert rows(df) == want  # a plan runs again from scratch


def test_an_empty_view_is_shared_empty():
    lines = LINES.filter(pa.compute.greater(LINES["day"], 1000))
    ctx = session(2, lines)
    assert expected(lines) == []
    assert rows(top_suppliers(ctx)) == []
    assert rows(ctx.sql(TOP_SQL)) == []


# TPC-H Q11's shape: one join read per supplier and in total; only the
# per-supplier copy needs `supp`, so pushdown must widen both to share it.
SHARE_SQL = """
    WITH joined AS (SELECT * FROM lines JOIN suppliers ON supp = s_key WHERE day < 60),
         per_supp AS (SELECT supp, sum(price) AS value FROM joined GROUP BY supp),
         total AS (SELECT sum(price) * 0.03 AS threshold FROM joined)
    SELECT supp, value FROM per_supp, total WHERE value > threshold
"""


def share_of_total(ctx: ferry.SessionContext) -> ferry.DataFrame:
    def joined():
        return (ctx.table("lines").filter(col("day") < 60)
                .join(ctx.table("suppliers"), left_on="supp", right_on="s_key"))

    total = (joined().aggregate([], [f.sum(col("price")).alias("total")])
             .select((col("total") * ferry.lit(0.03)).alias("threshold"))
             .with_column("one", ferry.lit(1)))
    return (joined().aggregate([col("supp")], [f.sum(col("price")).alias("value")])
            .with_column("one", ferry.lit(1))
            .join(total, on="one")
            .filter(col("value") > col("threshold"))
            .select(col("supp"), col("value")))


@pytest.mark.parametrize("partitions", [1, 2, 7])
def test_copies_needing_other_columns_are_shared_with_duckdbs_result(partitions):
    ctx = session(partitions)
    con = duckdb.connect()
    con.register("lines", LINES)
    con.register("suppliers", SUPPLIERS)
    want = sorted(con.execute(SHARE_SQL).fetchall())
    assert want
    df = share_of_total(ctx)
    plan = df.execution_plan().display_indent()
    assert "SharedSubplanExec: reader 2 of 2" in plan, plan
    assert rows(df) == want
    assert rows(ctx.sql(SHARE_SQL)) == want
