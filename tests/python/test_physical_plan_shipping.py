"""Physical plans on the wire (the raw ``ferry._core`` API a distributed
executor uses): every operator and the 22 TPC-H queries, encoded, decoded in
another session and run partition by partition, give the rows of the
original, partition for partition, and what DuckDB or pyarrow compute;
Python UDFs travel inline to a spawned process, and a strict session
refuses them unopened; damaged bytes give errors, never crashes."""

from __future__ import annotations

import importlib.util
import multiprocessing as mp
import os
import random
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import ferry
from ferry import Accumulator, WindowEvaluator, col, functions as f, lit, udaf, udf, udwf

HERE = os.path.dirname(os.path.abspath(__file__))
if "physical_workers" not in sys.modules:  # tests import with --import-mode=importlib
    _spec = importlib.util.spec_from_file_location(
        "physical_workers", os.path.join(HERE, "physical_workers.py"))
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["physical_workers"] = _module
    _spec.loader.exec_module(_module)
import physical_workers as pw  # noqa: E402

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import tpch_check  # noqa: E402
import tpch_data  # noqa: E402
from tpch_queries import QUERIES  # noqa: E402

duckdb = pytest.importorskip("duckdb")

pytestmark = pytest.mark.timeout(300)

SF = float(os.environ.get("FERRY_TPCH_SF", "0.01"))
# Floating-point sums depend on the order in which an exchange interleaves
# its producers' batches, in every run of any plan: partitions compare
# equal up to that, not bit for bit.
EXACT = 1e-12


def session(partitions: int = 3) -> ferry.SessionContext:
    return ferry.SessionContext(ferry.SessionConfig().with_target_partitions(partitions))


def rows(table: pa.Table) -> list[tuple]:
    return tpch_check.rows_of(table)


def shipped(df: ferry.DataFrame, receiver: ferry.SessionContext | None = None) -> tuple:
    """(original plan, decoded plan, bytes): ``df``'s physical plan through
    the wire into ``receiver`` (a fresh session by default)."""
    sender = df._raw.session()
    plan = df._raw.execution_plan()
    data = sender.encode_physical_plan(plan)
    receiver = receiver or session(2)
    decoded = receiver._raw.decode_physical_plan(data)
    assert decoded.explain() == plan.explain()
    assert receiver._raw.encode_physical_plan(decoded) == data
    return plan, decoded, data


def partition_tables(plan) -> list[pa.Table]:
    return [pa.Table.from_batches(plan.execute(p), schema=plan.schema())
            for p in range(plan.num_partitions)]


def check_shipped(df: ferry.DataFrame, expected: list[tuple] | None = None,
                  ordered: bool = False) -> pa.Table:
    """Ships ``df``'s plan and checks every partition against the
    original's, and all rows against ``expected`` (when given). Returns all
    rows of the decoded plan."""
    plan, decoded, data = shipped(df)
    receiver = session(2)
    original = partition_tables(plan)
    assert len(original) == decoded.num_partitions
    for p, table in enumerate(original):
        got = pa.Table.from_batches(receiver._raw.execute_physical(data, p), schema=plan.schema())
        if ordered:
            assert got.equals(table), f"partition {p}"
        else:
            problem = tpch_check.diff(rows(table), rows(got), rel_tol=EXACT, abs_tol=EXACT)
            assert problem is None, f"partition {p}: {problem}"
    result = pa.concat_tables(partition_tables(decoded))
    if expected is not None:
        if ordered:
            assert rows(result) == expected
        else:
            problem = tpch_check.diff(expected, rows(result))
            assert problem is None, problem
    return result


# ---- data -----------------------------------------------------------------------

def make_table(n: int = 2000, keys: int = 40, seed: int = 3) -> pa.Table:
    rng = np.random.default_rng(seed)
    v = rng.integers(-500, 500, n)
    return pa.table({
        "k": pa.array([f"k{i}" for i in rng.integers(0, keys, n)]),
        "g": pa.array(rng.integers(0, 5, n), pa.int64()),
        "v": pa.array(v, pa.int64(), mask=rng.random(n) < 0.05),
        "x": pa.array(rng.random(n) * 100, pa.float64()),
    })


T = make_table()
U = make_table(300, 60, seed=5).rename_columns(["k", "h", "w", "y"])


@pytest.fixture(scope="module")
def duck():
    con = duckdb.connect()
    con.register("t", T)
    con.register("u", U)
    return lambda sql: con.execute(sql).fetchall()


@pytest.fixture
def ctx() -> ferry.SessionContext:
    return session(3)


def df_t(ctx, parts: int = 4) -> ferry.DataFrame:
    batches = [b for b in T.to_batches(max_chunksize=250)]
    partitions = [batches[i::parts] for i in range(parts)]
    return ctx.create_dataframe(partitions, schema=T.schema)


def df_u(ctx) -> ferry.DataFrame:
    return ctx.from_arrow(U)


# ---- every operator -------------------------------------------------------------

def test_projection_and_filter(ctx):
    df = df_t(ctx).filter(col("v") > lit(100)).select(col("k"), (col("v") * lit(2)).alias("w"))
    mask = pc.greater(T["v"], 100)
    expected = list(zip(pc.filter(T["k"], mask).to_pylist(),
                        pc.multiply(pc.filter(T["v"], mask), 2).to_pylist()))
    check_shipped(df, expected)


def test_scans_with_pushed_filters_and_splits(ctx, tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(T, path, row_group_size=150)  # 14 row groups over 3 partitions
    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n1,x\n2,y\n3,z\n")
    df = ctx.read_parquet(path).filter(col("v") > lit(300)).select(col("k"), col("v"))
    mask = pc.greater(T["v"], 300)
    plan = check_shipped(df, list(zip(pc.filter(T["k"], mask).to_pylist(),
                                      pc.filter(T["v"], mask).to_pylist())))
    assert plan.num_rows == pc.sum(mask).as_py()
    original, decoded, _ = shipped(ctx.read_parquet(path))
    assert original.num_partitions == decoded.num_partitions == 3
    check_shipped(ctx.read_csv(csv), [(1, "x"), (2, "y"), (3, "z")])


def test_aggregates(ctx, duck):
    check_shipped(df_t(ctx).aggregate([col("k")], [f.sum(col("v")).alias("s"), f.count(col("v")).alias("n"),
                                                   f.avg(col("x")).alias("a")]),
                  duck("SELECT k, sum(v), count(v), avg(x) FROM t GROUP BY k"))
    check_shipped(df_t(ctx).aggregate([], [f.min(col("v")), f.max(col("x")), f.count_star()]),
                  duck("SELECT min(v), max(x), count(*) FROM t"))
    check_shipped(df_t(ctx).select(col("k"), col("g")).distinct(),
                  duck("SELECT DISTINCT k, g FROM t"))
    check_shipped(df_t(ctx).aggregate([col("g")], [f.count(col("k"), distinct=True).alias("d"),
                                                   f.max(col("v")).alias("m")]),
                  duck("SELECT g, count(DISTINCT k), max(v) FROM t GROUP BY g"))
    check_shipped(df_t(ctx).aggregate([], [f.count(col("k"), distinct=True)]),
                  duck("SELECT count(DISTINCT k) FROM t"))
    # Order-sensitive aggregates merge partial states in partition order.
    ordered = df_t(ctx).aggregate([col("g")], [f.first_value(col("v")).alias("first"),
                                               f.array_agg(col("v")).alias("all")])
    original = ordered.sort(col("g")).to_pydict()
    result = check_shipped(ordered).sort_by("g").to_pydict()
    assert result == original


def test_sorts_and_limits(ctx, duck):
    check_shipped(df_t(ctx).sort(col("v").sort(ascending=False, nulls_first=True), col("k"), col("x")),
                  duck("SELECT * FROM t ORDER BY v DESC NULLS FIRST, k, x"), ordered=True)
    check_shipped(df_t(ctx).sort(col("x")).limit(7, offset=3),
                  duck("SELECT * FROM t ORDER BY x LIMIT 7 OFFSET 3"), ordered=True)
    result = check_shipped(df_t(ctx).limit(5))
    assert result.num_rows == 5


@pytest.mark.parametrize("how", ["inner", "left", "right", "full", "semi", "anti"])
def test_joins(ctx, duck, how):
    sql_how = {"semi": "SEMI", "anti": "ANTI"}.get(how, how.upper())
    df = df_t(ctx).join(df_u(ctx), how=how, left_on="k", right_on="k")
    # The key is kept once: coalesced where the right side can survive alone.
    key = "coalesce(t.k, u.k)" if how in ("right", "full") else "t.k"
    select = ", ".join(key if name == "k" else f"t.{name}" if name in T.column_names else f"u.{name}"
                       for name in df.schema().names)
    check_shipped(df, duck(f"SELECT {select} FROM t {sql_how} JOIN u ON t.k = u.k"))
    # With a condition beyond the keys.
    df = df_t(ctx).join_on(df_u(ctx).select(col("k").alias("uk"), col("w")),
                           col("k") == col("uk"), col("v") > col("w"), how=how)
    right = "" if how in ("semi", "anti") else ", u.k AS uk, u.w"
    check_shipped(df, duck(f"SELECT t.*{right} FROM t {sql_how} JOIN u ON t.k = u.k AND t.v > u.w"))


def test_partitioned_join_of_large_inputs(duck):
    ctx = session(3)
    n = 140_000
    left = pa.table({"a": pa.array(np.arange(n) % 70_000, pa.int64()), "b": pa.array(np.arange(n), pa.int64())})
    right = pa.table({"a": pa.array(np.arange(n + 1000) % 90_000, pa.int64()),
                      "c": pa.array(np.arange(n + 1000) * 2, pa.int64())})
    df = ctx.from_arrow(left).join(ctx.from_arrow(right), how="inner", left_on="a", right_on="a")
    plan, _, _ = shipped(df)
    assert "mode=Partitioned" in plan.explain()
    con = duckdb.connect()
    con.register("l", left)
    con.register("r", right)
    check_shipped(df.aggregate([], [f.count_star(), f.sum(col("c"))]),
                  con.execute("SELECT count(*), sum(c) FROM l JOIN r USING (a)").fetchall())


def test_cross_join_window_and_union(ctx, duck):
    check_shipped(df_t(ctx).filter(col("g") == lit(0)).join_on(df_u(ctx).filter(col("h") == lit(1)),
                                                              how="inner"),
                  duck("SELECT * FROM t CROSS JOIN u WHERE g = 0 AND h = 1"))
    window = df_t(ctx).select(
        col("k"), col("v"), col("x"),
        f.row_number(partition_by=[col("k")], order_by=[col("x")]).alias("rn"),
        f.sum(col("v")).over(ferry.Window(partition_by=[col("g")], order_by=[col("x")])).alias("running"),
        f.lag(col("v"), 2, lit(0)).over(ferry.Window(order_by=[col("x")])).alias("lagged"))
    check_shipped(window, duck(
        "SELECT k, v, x, row_number() OVER (PARTITION BY k ORDER BY x), "
        "sum(v) OVER (PARTITION BY g ORDER BY x), lag(v, 2, 0) OVER (ORDER BY x) FROM t"))
    check_shipped(df_t(ctx).select(col("k"), col("v")).union(df_u(ctx).select(col("k"), col("w"))),
                  duck("SELECT k, v FROM t UNION ALL SELECT k, w FROM u"))


# ---- TPC-H ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def tpch_dir() -> Path:
    return tpch_data.generate(SF, "plain")


@pytest.fixture(scope="module")
def tpch_expected(tpch_dir):
    reference = tpch_check.duckdb_reference(tpch_dir)
    return lambda q: reference(q)[1]


@pytest.mark.parametrize("q", sorted(QUERIES), ids=[f"q{q}" for q in sorted(QUERIES)])
def test_tpch_physical_plans(q, tpch_dir, tpch_expected):
    sender = session(3)
    for table, path in tpch_data.paths(tpch_dir).items():
        sender.register_parquet(table, path)
    df = QUERIES[q](sender)
    plan = df._raw.execution_plan()
    data = sender._raw.encode_physical_plan(plan)
    receiver = session(2)  # no tables registered: the plan names its files
    decoded = receiver._raw.decode_physical_plan(data)
    assert decoded.explain() == plan.explain()
    got = []
    for p in range(plan.num_partitions):
        want = pa.Table.from_batches(plan.execute(p), schema=plan.schema())
        part = pa.Table.from_batches(receiver._raw.execute_physical(data, p), schema=plan.schema())
        problem = tpch_check.diff(rows(want), rows(part), rel_tol=EXACT, abs_tol=EXACT)
        assert problem is None, f"partition {p}: {problem}"
        got += rows(part)
    problem = tpch_check.diff(tpch_expected(q), got)
    assert problem is None, f"q{q}: {problem}"


# ---- Python UDFs in a fresh process ---------------------------------------------

def make_udfs(marker: str):
    """A scalar UDF, a UDAF and a UDWF, closures all (so they travel by
    value). Unpickling the scalar UDF creates the directory ``marker``."""

    class Tripwire:
        def __reduce__(self):
            return (os.makedirs, (marker,))

    tripwire = Tripwire()

    def shift(v):
        assert tripwire is None  # what unpickling a Tripwire leaves
        return pc.add(v, 1000)

    class Spread(Accumulator):
        def __init__(self):
            self.lo, self.hi = None, None

        def update(self, values):
            lo, hi = pc.min(values).as_py(), pc.max(values).as_py()
            self.lo = lo if self.lo is None or (lo is not None and lo < self.lo) else self.lo
            self.hi = hi if self.hi is None or (hi is not None and hi > self.hi) else self.hi

        def merge(self, states):
            self.update(states[0])
            self.update(states[1])

        def state(self):
            return [self.lo, self.hi]

        def evaluate(self):
            return None if self.lo is None else self.hi - self.lo

    class Running(WindowEvaluator):
        def evaluate_all(self, values, num_rows):
            return pc.cumulative_sum(pc.fill_null(values[0], 0))

    return (udf(shift, [pa.int64()], pa.int64(), "immutable", name="shift"),
            udaf(Spread, pa.int64(), pa.int64(), [pa.int64(), pa.int64()], "immutable", name="spread"),
            udwf(Running, [pa.int64()], pa.int64(), "immutable", name="running"))


def test_python_udfs_travel_to_a_spawned_process(ctx, duck, tmp_path):
    marker = str(tmp_path / "unpickled")
    shift, spread, running = make_udfs(marker)
    df = (df_t(ctx)
          .with_column("s", shift(col("v")))
          .select(col("g"), col("s"), col("x"),
                  running(col("s")).over(ferry.Window(partition_by=[col("g")], order_by=[col("x")]))
                  .alias("r"))
          .aggregate([col("g")], [spread(col("s")).alias("spread"), f.max(col("r")).alias("top")]))
    data = ctx._raw.encode_physical_plan(df._raw.execution_plan())
    assert b"FYPYUDF" in data and b"FYPYUDA" in data and b"FYPYUDW" in data
    assert not os.path.exists(marker)
    expected = duck("SELECT g, max(v) - min(v), max(r) FROM (SELECT g, v, sum(coalesce(v + 1000, 0)) "
                    "OVER (PARTITION BY g ORDER BY x ROWS UNBOUNDED PRECEDING) AS r FROM t) GROUP BY g")
    with mp.get_context("spawn").Pool(1, initializer=exec, initargs=(pw.initializer_source(), {})) as pool:
        refused = pool.apply(pw.run_partitions, (data, True), )
        assert not os.path.exists(marker), "a strict session unpickled a payload"
        assert refused.startswith("ExecutionError: Python UDF inlining is disabled in this session: "
                                  "refusing the inline"), refused
        tables = pool.apply(pw.run_partitions, (data, False))
    assert not isinstance(tables, str), tables
    assert os.path.exists(marker)  # the UDF really was unpickled over there
    problem = tpch_check.diff(expected, rows(pa.concat_tables(tables)))
    assert problem is None, problem


# ---- damaged bytes --------------------------------------------------------------

def test_damaged_bytes_give_errors(ctx):
    df = (df_t(ctx).filter(col("v") > lit(0))
          .join(df_u(ctx), how="left", left_on="k", right_on="k")
          .aggregate([col("g")], [f.sum(col("w")).alias("s"), f.count(col("k"), distinct=True)])
          .sort(col("g")))
    data = ctx._raw.encode_physical_plan(df._raw.execution_plan())
    receiver = session(2)
    with pytest.raises(ferry.FerryError, match="not a ferry physical plan: empty bytes"):
        receiver._raw.decode_physical_plan(b"")
    with pytest.raises(ferry.FerryError, match="these bytes hold a ferry plan, not a ferry physical plan"):
        receiver._raw.decode_physical_plan(df.to_bytes())
    for cut in range(0, len(data), max(1, len(data) // 150)):
        with pytest.raises(ferry.FerryError):
            receiver._raw.decode_physical_plan(data[:cut])
    rng = random.Random(5)
    for _ in range(400):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        try:
            plan = receiver._raw.decode_physical_plan(bytes(damaged))
        except ferry.FerryError:
            continue
        for p in range(plan.num_partitions):  # runs, to rows or an error
            try:
                plan.execute(p)
            except ferry.FerryError:
                pass
    for _ in range(200):
        noise = bytes(rng.randrange(256) for _ in range(rng.randrange(300)))
        with pytest.raises(ferry.FerryError):
            receiver._raw.decode_physical_plan(noise)
    with pytest.raises(IndexError, match="partition 9 out of range"):
        receiver._raw.execute_physical(data, 9)
