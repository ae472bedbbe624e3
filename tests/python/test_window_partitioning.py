"""Windows partitioned by their PARTITION BY keys: the same rows at every
target_partitions (1, 2, 7), equal to DuckDB's, for every built-in window
function, every frame unit, Python UDWFs, NULL keys, empty input and one
huge partition; the plan shape in explain(); stages on the local pool."""

from __future__ import annotations

import math
import random

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import Window, WindowFrame, col, udwf
from ferry import functions as f
from ferry.user_defined import WindowEvaluator

PARTITIONS = (1, 2, 7)


def make_table(n: int, keys: int, seed: int) -> pa.Table:
    rng = random.Random(seed)
    ids = list(range(n))
    rng.shuffle(ids)  # input order unrelated to the order keys
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "k": pa.array([None if rng.random() < 0.05 else rng.randrange(keys) for _ in range(n)], pa.int64()),
        "s": pa.array([rng.choice(["x", "y", "zz", None]) for _ in range(n)], pa.string()),
        # Order key with ties and NULLs.
        "o": pa.array([None if rng.random() < 0.1 else rng.randrange(20) for _ in range(n)], pa.int64()),
        # Exact in binary, so sums do not depend on the order they are added in.
        "v": pa.array([None if rng.random() < 0.1 else rng.randrange(-400, 400) / 4 for _ in range(n)],
                      pa.float64()),
    })


TABLE = make_table(3000, 40, seed=3)


def session(n: int) -> ferry.SessionContext:
    return ferry.SessionContext(ferry.SessionConfig().with_target_partitions(n))


def frame_of(table: pa.Table, n: int) -> ferry.DataFrame:
    """``table`` as a DataFrame of several input partitions (one empty)."""
    batches = table.to_batches(max_chunksize=max(1, table.num_rows // 5))
    parts = [batches[0::2], [], batches[1::2]]
    return session(n).create_dataframe(parts, schema=table.schema)


def norm(value):
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 9)
    return value


def rows(table: pa.Table) -> list[tuple]:
    out = [tuple(norm(v) for v in r.values()) for r in table.to_pylist()]
    return sorted(out, key=lambda r: tuple((v is None, v if v is not None else 0) for v in r))


def check(query, sql: str, table: pa.Table = TABLE) -> None:
    """query(df) at every partition count against DuckDB's ``sql`` over ``t``."""
    t = table  # noqa: F841 (DuckDB reads it by name)
    expected = rows(duckdb.sql(sql).to_arrow_table())
    for n in PARTITIONS:
        got = query(frame_of(table, n)).to_arrow_table()
        assert rows(got) == expected, f"target_partitions={n}"


UNIQUE = [col("o").sort(nulls_first=False), col("id").sort()]
UNIQUE_SQL = "ORDER BY o NULLS LAST, id"
TIED = [col("o").sort(nulls_first=False)]
TIED_SQL = "ORDER BY o NULLS LAST"


def test_ranking_and_offset_functions():
    w = Window(partition_by=[col("k")], order_by=UNIQUE)
    tied = Window(partition_by=[col("k")], order_by=TIED)
    check(lambda df: df.select(
        col("id"),
        f.row_number().over(w).alias("rn"),
        f.rank().over(tied).alias("rk"),
        f.dense_rank().over(tied).alias("drk"),
        f.percent_rank().over(tied).alias("pr"),
        f.cume_dist().over(tied).alias("cd"),
        f.ntile(3).over(w).alias("nt"),
        f.lag(col("v"), 2, -1.0).over(w).alias("lg"),
        f.lead(col("s")).over(w).alias("ld"),
    ), f"""SELECT id,
        row_number() OVER (PARTITION BY k {UNIQUE_SQL}) rn,
        rank() OVER (PARTITION BY k {TIED_SQL}) rk,
        dense_rank() OVER (PARTITION BY k {TIED_SQL}) drk,
        percent_rank() OVER (PARTITION BY k {TIED_SQL}) pr,
        cume_dist() OVER (PARTITION BY k {TIED_SQL}) cd,
        ntile(3) OVER (PARTITION BY k {UNIQUE_SQL}) nt,
        lag(v, 2, -1.0) OVER (PARTITION BY k {UNIQUE_SQL}) lg,
        lead(s) OVER (PARTITION BY k {UNIQUE_SQL}) ld
        FROM t""")


@pytest.mark.parametrize("units,start,end,sql", [
    ("rows", 2, 1, "ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING"),
    ("rows", None, 0, "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"),
    ("range", 3, 1, "RANGE BETWEEN 3 PRECEDING AND 1 FOLLOWING"),
    ("range", None, None, "RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"),
    ("groups", 1, 0, "GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW"),
    ("groups", 2, 1, "GROUPS BETWEEN 2 PRECEDING AND 1 FOLLOWING"),
], ids=["rows", "rows-running", "range", "range-all", "groups", "groups-both"])
def test_aggregates_over_every_frame_unit(units, start, end, sql):
    # RANGE offsets need the single order key; the order-sensitive ones a unique order.
    order, order_sql = (TIED, TIED_SQL) if units == "range" else (UNIQUE, UNIQUE_SQL)
    w = Window(partition_by=[col("k"), col("s")], order_by=order,
               window_frame=WindowFrame(units, start, end))
    exprs = [f.sum(col("v")).over(w).alias("sm"), f.count(col("v")).over(w).alias("c"),
             f.min(col("v")).over(w).alias("lo"), f.max(col("o")).over(w).alias("hi"),
             f.avg(col("v")).over(w).alias("av")]
    sqls = ["sum(v) OVER w sm", "count(v) OVER w c", "min(v) OVER w lo", "max(o) OVER w hi",
            "avg(v) OVER w av"]
    if units != "range":
        exprs += [f.first_value(col("v")).over(w).alias("fv"), f.last_value(col("v")).over(w).alias("lv"),
                  f.nth_value(col("v"), 2).over(w).alias("nv")]
        sqls += ["first_value(v) OVER w fv", "last_value(v) OVER w lv", "nth_value(v, 2) OVER w nv"]
    check(lambda df: df.select(col("id"), *exprs),
          f"SELECT id, {', '.join(sqls)} FROM t WINDOW w AS (PARTITION BY k, s {order_sql} {sql})")


def test_several_key_sets_and_a_whole_input_window_in_one_select():
    check(lambda df: df.select(
        col("id"),
        f.sum(col("v")).over(Window(partition_by=[col("k")])).alias("by_k"),
        f.row_number().over(Window(order_by=[col("id")])).alias("overall"),
        f.rank().over(Window(partition_by=[col("s")], order_by=TIED)).alias("by_s"),
        f.count(col("v")).over(Window(partition_by=[col("k"), col("s")])).alias("by_ks"),
        (col("v") - f.avg(col("v")).over(Window(partition_by=[col("s")]))).alias("dev"),
    ), f"""SELECT id, sum(v) OVER (PARTITION BY k) by_k, row_number() OVER (ORDER BY id) overall,
        rank() OVER (PARTITION BY s {TIED_SQL}) by_s, count(v) OVER (PARTITION BY k, s) by_ks,
        v - avg(v) OVER (PARTITION BY s) dev FROM t""")


def test_partition_by_an_expression():
    check(lambda df: df.select(col("id"), f.sum(col("v")).over(
        Window(partition_by=[col("o") % 3], order_by=[col("id")])).alias("x")),
        "SELECT id, sum(v) OVER (PARTITION BY o % 3 ORDER BY id) x FROM t")


class RunningSum(WindowEvaluator):
    def evaluate_all(self, values, num_rows):
        return pc.cumulative_sum(pc.fill_null(values[0], 0.0))


class NullsInFrame(WindowEvaluator):
    def uses_window_frame(self):
        return True

    def evaluate(self, values, eval_range):
        start, end = eval_range
        return pa.scalar(values[0].slice(start, end - start).null_count, pa.int64())


def test_python_udwfs():
    running = udwf(RunningSum, [pa.float64()], pa.float64(), "immutable", name="running_sum")
    nulls = udwf(NullsInFrame, [pa.float64()], pa.int64(), "immutable", name="nulls_in_frame")
    w = Window(partition_by=[col("k")], order_by=UNIQUE)
    framed = Window(partition_by=[col("k")], order_by=UNIQUE, window_frame=WindowFrame("rows", 2, 0))
    check(lambda df: df.select(col("id"), running(col("v")).over(w).alias("rs"),
                               nulls(col("v")).over(framed).alias("nn")),
          f"""SELECT id,
          sum(coalesce(v, 0)) OVER (PARTITION BY k {UNIQUE_SQL} ROWS UNBOUNDED PRECEDING) rs,
          count(*) FILTER (WHERE v IS NULL) OVER (PARTITION BY k {UNIQUE_SQL}
              ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) nn FROM t""")


def test_null_keys_empty_input_and_one_huge_partition():
    query = lambda df: df.select(  # noqa: E731
        col("id"), col("k"), f.row_number().over(Window(partition_by=[col("k")], order_by=UNIQUE)).alias("rn"),
        f.sum(col("v")).over(Window(partition_by=[col("k")], order_by=UNIQUE,
                                    window_frame=WindowFrame("rows", 5, 5))).alias("sm"))
    sql = (f"SELECT id, k, row_number() OVER (PARTITION BY k {UNIQUE_SQL}) rn, sum(v) OVER "
           f"(PARTITION BY k {UNIQUE_SQL} ROWS BETWEEN 5 PRECEDING AND 5 FOLLOWING) sm FROM t")
    all_null = TABLE.set_column(1, "k", pa.nulls(TABLE.num_rows, pa.int64()))
    check(query, sql, all_null)
    check(query, sql, TABLE.slice(0, 0))
    huge = make_table(50_000, 1, seed=4)
    huge = huge.set_column(1, "k", pa.array([7] * huge.num_rows, pa.int64()))
    check(query, sql, huge)


def explained(df: ferry.DataFrame) -> str:
    return df.execution_plan().display_indent()


def test_explain_shows_the_exchange_and_partition_counts():
    df = frame_of(TABLE, 4).select(col("k"), f.row_number().over(
        Window(partition_by=[col("k")], order_by=[col("v")])).alias("rn"))
    plan = explained(df)
    assert "WindowAggExec(per partition)" in plan
    assert "RepartitionExec: partitioning=Hash([k@0], 4), input_partitions=3" in plan
    assert df.execution_plan().partition_count == 4


def test_input_partitioned_on_the_keys_is_not_exchanged_again():
    df = frame_of(TABLE, 4).aggregate([col("k")], [f.sum(col("v")).alias("s")]).select(
        col("k"), f.rank().over(Window(partition_by=[col("k")], order_by=[col("s")])).alias("r"))
    assert explained(df).count("RepartitionExec") == 1


def test_whole_input_window_leaves_the_plan_above_parallel():
    df = (frame_of(TABLE, 4)
          .select(col("k"), f.row_number().over(Window(order_by=[col("id")])).alias("rn"))
          .aggregate([col("k")], [f.max(col("rn")).alias("m")]))
    plan = explained(df)
    assert "CoalescePartitionsExec: 3 -> 1, in partition order" in plan
    # The aggregate above goes back to 4 partitions through its own exchange.
    assert "Hash([k@0], 4), input_partitions=1" in plan
    assert df.execution_plan().partition_count == 4


def test_runs_as_its_own_stage_on_the_local_pool():
    from ferry.distributed import LocalExecutor
    from ferry.distributed import query as dq

    t = TABLE  # noqa: F841
    df = frame_of(TABLE, 2).select(col("id"), f.row_number().over(
        Window(partition_by=[col("k")], order_by=UNIQUE)).alias("rn"))
    with LocalExecutor(workers=2, progress=False) as ex:
        stages = dq.explain(df, ex)
        got = df.to_arrow_table(executor=ex)
    # The scan's stage shuffles by k; the window runs in the stage reading it, a task per partition.
    root, scan = stages.split("Stage 0")
    assert "Stage 1 (root): 2 tasks, reads stage 0" in root, stages
    assert "WindowAggExec(per partition)" in root and "mode=slice" in root, stages
    assert "RepartitionExec: partitioning=Hash([k@1], 2)" in scan, stages
    expected = duckdb.sql(f"SELECT id, row_number() OVER (PARTITION BY k {UNIQUE_SQL}) rn FROM t")
    assert rows(got) == rows(expected.to_arrow_table())
