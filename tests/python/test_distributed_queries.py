"""One query suite on every executor (a local process pool, a Dask
LocalCluster, a local Ray), compared row for row with the same query in
this process and with DuckDB over the same Parquet files."""

import math
import sys

import cloudpickle
import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import ferry
from ferry import Accumulator, Window, col, functions as f, lit, udaf, udf, udwf
from ferry.user_defined import WindowEvaluator

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers never import the tests

pytestmark = pytest.mark.timeout(120)

ROWS = 3000


def make_tables() -> tuple[pa.Table, pa.Table]:
    rng = np.random.default_rng(7)
    t = pa.table({
        "k": pa.array(rng.integers(0, 400, ROWS), pa.int64(), mask=rng.random(ROWS) < 0.05),
        "g": pa.array(rng.choice(["a", "b", "c", "dd", "eee"], ROWS)),
        "v": pa.array(rng.normal(0, 10, ROWS), pa.float64(), mask=rng.random(ROWS) < 0.1),
        "n": pa.array(np.arange(ROWS), pa.int64()),
    })
    m = 500
    u = pa.table({
        "uk": pa.array(rng.integers(200, 600, m), pa.int64(), mask=rng.random(m) < 0.05),
        "w": pa.array(rng.integers(0, 100, m), pa.int64()),
    })
    return t, u


@udf([pa.float64()], pa.float64(), "immutable", name="affine")
def affine(v: pa.Array) -> pa.Array:
    return pc.add(pc.multiply(v, 2.0), 1.0)


class SumSquares(Accumulator):
    def __init__(self):
        self._sum = None

    def _add(self, value):
        if value is not None:
            self._sum = value if self._sum is None else self._sum + value

    def update(self, values):
        self._add(pc.sum(pc.multiply(values, values)).as_py())

    def merge(self, states):
        self._add(pc.sum(states[0]).as_py())

    def state(self):
        return [pa.scalar(self._sum, pa.float64())]

    def evaluate(self):
        return pa.scalar(self._sum, pa.float64())


sum_squares = udaf(SumSquares, pa.float64(), pa.float64(), [pa.float64()], "immutable",
                   name="sum_squares")


class RunningSum(WindowEvaluator):
    def evaluate_all(self, values, num_rows):
        return pc.cumulative_sum(pc.fill_null(values[0], 0.0))


running_sum = udwf(RunningSum, [pa.float64()], pa.float64(), "immutable", name="running_sum")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    t, u = make_tables()
    root = tmp_path_factory.mktemp("distq")
    paths = {"t": str(root / "t.parquet"), "u": str(root / "u.parquet")}
    pq.write_table(t, paths["t"], row_group_size=700)
    pq.write_table(u, paths["u"])
    return paths


@pytest.fixture(scope="module")
def ctx(data):
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(3))
    ctx.register_parquet("t", data["t"])
    ctx.register_parquet("u", data["u"])
    return ctx


def duck(sql: str, data: dict) -> pa.Table:
    con = duckdb.connect()
    for name, path in data.items():
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    return con.sql(sql).to_arrow_table()


def rows(table: pa.Table, ordered: bool = False) -> list[tuple]:
    def norm(x):
        return round(x, 6) if isinstance(x, float) and not math.isnan(x) else x

    out = [tuple(norm(x) for x in row.values()) for row in table.to_pylist()]
    if ordered:
        return out
    return sorted(out, key=lambda r: tuple((x is None, x if x is not None else 0) for x in r))


def check(df: ferry.DataFrame, executor, reference: pa.Table, ordered: bool = False) -> None:
    local = df.to_arrow_table()
    distributed = df.to_arrow_table(executor=executor)
    assert distributed.schema.names == local.schema.names
    assert rows(distributed, ordered) == rows(local, ordered)
    assert rows(local, ordered) == rows(reference, ordered)
    assert local.num_rows == reference.num_rows


def test_filter_and_udf(ctx, data, executor):
    df = ctx.table("t").filter(col("v") > 2.5, col("g") != "b").select(
        col("n"), col("g"), affine(col("v")).alias("a"))
    check(df, executor, duck(
        "SELECT n, g, v * 2 + 1 AS a FROM t WHERE v > 2.5 AND g <> 'b'", data))


def test_group_by_many_keys_with_udaf(ctx, data, executor):
    df = ctx.table("t").aggregate(
        [col("k"), col("g")],
        [f.count(col("v")).alias("c"), f.sum(col("v")).alias("s"), f.avg(col("v")).alias("m"),
         sum_squares(col("v")).alias("ss"), f.max(col("n")).alias("mx")])
    check(df, executor, duck(
        "SELECT k, g, count(v) AS c, sum(v) AS s, avg(v) AS m, sum(v * v) AS ss, max(n) AS mx "
        "FROM t GROUP BY k, g", data))


def test_global_aggregate(ctx, data, executor):
    df = ctx.table("t").aggregate([], [f.count_star().alias("c"), f.sum(col("v")).alias("s")])
    check(df, executor, duck("SELECT count(*) AS c, sum(v) AS s FROM t", data))


@pytest.mark.parametrize("how", ["inner", "left", "right", "full", "semi", "anti"])
def test_every_join_type(ctx, data, executor, how):
    df = ctx.table("t").join(ctx.table("u"), left_on="k", right_on="uk", how=how)
    if how in ("semi", "anti"):
        sql = f"SELECT * FROM t {how.upper()} JOIN u ON t.k = u.uk"
    else:
        sql = f"SELECT t.*, u.* FROM t {how.upper()} JOIN u ON t.k = u.uk"
    check(df, executor, duck(sql, data))


def test_sort_with_limit(ctx, data, executor):
    df = ctx.table("t").filter(col("v").is_not_null()).sort(
        col("v").sort(ascending=False), col("n")).limit(25, offset=5).select(col("n"), col("v"))
    check(df, executor, duck(
        "SELECT n, v FROM t WHERE v IS NOT NULL ORDER BY v DESC, n LIMIT 25 OFFSET 5", data),
        ordered=True)


def test_windows_builtin_and_udwf(ctx, data, executor):
    w = Window(partition_by=[col("g")], order_by=[col("n")])
    df = ctx.table("t").select(col("n"), col("g"), col("v")).window(
        f.row_number().over(w).alias("rn"), running_sum(col("v")).over(w).alias("rs"))
    check(df, executor, duck(
        "SELECT n, g, v, row_number() OVER (PARTITION BY g ORDER BY n) AS rn, "
        "sum(coalesce(v, 0)) OVER (PARTITION BY g ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING "
        "AND CURRENT ROW) AS rs FROM t", data))


def test_distinct_and_union(ctx, data, executor):
    keys = ctx.table("t").select(col("k"), col("g")).distinct()
    check(keys, executor, duck("SELECT DISTINCT k, g FROM t", data))
    both = ctx.table("t").select(col("k").alias("x")).union(
        ctx.table("u").select(col("uk").alias("x")), distinct=True)
    check(both, executor, duck("SELECT k AS x FROM t UNION SELECT uk AS x FROM u", data))
    all_rows = ctx.table("t").filter(col("n") < 10).select(col("n")).union(
        ctx.table("t").filter(col("n") < 5).select(col("n")))
    check(all_rows, executor, duck(
        "SELECT n FROM t WHERE n < 10 UNION ALL SELECT n FROM t WHERE n < 5", data))


def test_empty_result(ctx, data, executor):
    df = ctx.table("t").filter(col("n") < 0).aggregate([col("g")], [f.sum(col("v")).alias("s")])
    check(df, executor, duck("SELECT g, sum(v) AS s FROM t WHERE n < 0 GROUP BY g", data))


def test_in_memory_input_and_lit(executor):
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(2))
    df = ctx.from_pydict({"a": [1, 2, None, 4], "b": ["x", "y", "x", None]}).with_column(
        "c", col("a") + lit(10)).aggregate([col("b")], [f.sum(col("c")).alias("s")])
    got = df.sort(col("b")).to_pydict(executor=executor)
    assert got == {"b": ["x", "y", None], "s": [11, 12, 14]}


def test_reducers_get_only_their_slice(executor):
    # A shuffle into 3 partitions: on Dask and Ray each reducer receives
    # its slice of every map output (about a third), not the whole outputs;
    # the local pool maps whole files and reads its slice from them.
    from ferry.distributed import run_job
    from ferry.distributed import query as dquery

    rng = np.random.default_rng(3)
    table = pa.table({"k": rng.integers(0, 20_000, 60_000), "v": rng.random(60_000)})
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(3))
    df = ctx.from_arrow(table).aggregate([col("k")], [f.sum(col("v")).alias("s")])
    staged = dquery.plan(df, executor)
    consumer = next(s for s in staged.stages if s.sliced_inputs)
    (source,) = consumer.sliced_inputs
    result = run_job(dquery.job_spec(staged), executor)
    whole = consumer.num_tasks * result.stages[source].bytes
    handed = sum(stats["input_bytes"] for stats in result.stages[consumer.id].tasks.values())
    if executor.__class__.__name__ == "LocalExecutor":
        assert handed == whole
    else:
        assert whole / 4 < handed < whole / 2
    got = pa.Table.from_batches(
        [b for out in result.outputs for b in ferry._core.read_task_output(out)])
    want = table.group_by("k").aggregate([("v", "sum")])
    assert got.num_rows == want.num_rows == len(set(table.column("k").to_pylist()))
    assert math.isclose(pc.sum(got.column("s")).as_py(), pc.sum(want.column("v_sum")).as_py())
