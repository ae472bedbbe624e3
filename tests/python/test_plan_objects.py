"""LogicalPlan and ExecutionPlan objects: walking and displaying plans,
round trips through bytes into other sessions, executing physical plans
partition by partition; results checked against pyarrow and DuckDB."""

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import ferry
from ferry import DataFrame, ExecutionPlan, LogicalPlan, col, functions as f, udf
from ferry.errors import FerryError, FerryValueError

SALES = {"k": ["a", "b", "a", None, "c", "b"], "v": [1, 2, None, 10, 4, 5]}


def sorted_rows(table: pa.Table) -> list:
    return sorted(table.to_pylist(), key=lambda row: [(v is None, v) for v in row.values()])


@pytest.fixture
def sales(ctx):
    return ctx.from_pydict(SALES, name="sales")


def test_logical_plan_tree_and_displays(sales):
    df = sales.filter(col("v") > 1).aggregate([col("k")], [f.sum(col("v")).alias("s")])
    plan = df.logical_plan()
    assert isinstance(plan, LogicalPlan)
    assert plan.display() == "Aggregate: groupBy=[k], aggr=[sum(v) AS s]"
    (filter_plan,) = plan.inputs()
    assert filter_plan.display() == "Filter: v > Int64(1)"
    (scan,) = filter_plan.inputs()
    assert scan.display() == "TableScan: sales" and scan.inputs() == []
    assert plan.display_indent() == (
        "Aggregate: groupBy=[k], aggr=[sum(v) AS s]\n  Filter: v > Int64(1)\n    TableScan: sales\n")
    assert repr(plan) == plan.display_indent()
    assert plan.display_indent_schema().splitlines() == [
        "Aggregate: groupBy=[k], aggr=[sum(v) AS s] [k:string;N, s:int64;N]",
        "  Filter: v > Int64(1) [k:string;N, v:int64;N]",
        "    TableScan: sales [k:string;N, v:int64;N]",
    ]
    assert plan.schema() == df.schema()
    dot = plan.display_graphviz()
    assert dot.startswith("digraph LogicalPlan {") and dot.rstrip().endswith("}")
    assert dot.count("[label=") == 3 and dot.count("->") == 2


def test_join_has_two_inputs_and_graphviz_escapes_quotes(ctx):
    left = ctx.from_pydict({"k": [1, 2], "s": ['say "hi"', "x"]}, name="l")
    right = ctx.from_pydict({"k": [2, 3]}, name="r")
    plan = left.filter(col("s") != 'say "hi"').join(right, on="k").logical_plan()
    assert [p.display().split(":")[0] for p in plan.inputs()] == ["Filter", "TableScan"]
    assert '\\"hi\\"' in plan.display_graphviz()


def test_equality(ctx, sales):
    build = lambda: sales.filter(col("v") > 1).select("k")  # noqa: E731
    assert build().logical_plan() == build().logical_plan()
    assert build().logical_plan() != sales.filter(col("v") > 2).select("k").logical_plan()
    assert build().logical_plan() != sales.select("k").logical_plan()
    assert build().logical_plan() != "not a plan"
    with pytest.raises(TypeError):
        hash(build().logical_plan())
    # A decoded plan equals the sender's, though its table was rebuilt.
    back = LogicalPlan.from_bytes(ferry.SessionContext(), build().logical_plan().to_bytes())
    assert back == build().logical_plan()


def test_optimized_plan_pushes_projection_into_the_scan(ctx):
    df = ctx.from_pydict({"a": [1, 2, 3], "b": [4, 5, 6]}, name="t").filter(col("a") > 1).select("b")
    optimized = df.optimized_logical_plan()
    assert optimized != df.logical_plan()
    assert "projection=[a, b]" in optimized.display_indent()
    assert ctx.create_dataframe_from_logical_plan(optimized).to_pydict() == {"b": [5, 6]}


def test_round_trip_matches_pyarrow(tmp_path, ctx):
    table = pa.table({"k": ["x", None, "y", "x", "y"], "v": [1.5, 2.0, None, -4.0, 8.0]})
    path = str(tmp_path / "t.parquet")
    pq.write_table(table, path)
    df = (ctx.read_parquet(path).filter(col("v").is_not_null())
          .aggregate([col("k")], [f.sum(col("v")).alias("s"), f.count(col("v")).alias("n")]))
    receiver = ferry.SessionContext()
    plan = LogicalPlan.from_bytes(receiver, df.logical_plan().to_bytes())
    got = receiver.create_dataframe_from_logical_plan(plan).to_arrow_table()
    want = (table.filter(pc.is_valid(table["v"])).group_by("k")
            .aggregate([("v", "sum"), ("v", "count")])
            .rename_columns(["k", "s", "n"]).select(["k", "s", "n"]))
    assert sorted_rows(got) == sorted_rows(want)
    # to_proto/from_proto are the same bytes under datafusion-python's older names.
    assert LogicalPlan.from_proto(receiver, df.logical_plan().to_proto()) == plan


def test_round_trip_matches_duckdb_on_a_join(ctx):
    orders = pa.table({"o": [1, 2, 3, 4], "c": [10, 20, 10, None], "amt": [5, 7, None, 1]})
    customers = pa.table({"c": [10, 20, 30], "name": ["ann", "bob", "cy"]})
    df = (ctx.from_arrow(orders, name="orders")
          .join(ctx.from_arrow(customers, name="customers"), on="c", how="left")
          .aggregate([col("name")], [f.sum(col("amt")).alias("total")]))
    receiver = ferry.SessionContext()
    back = DataFrame.from_bytes(df.to_bytes(), receiver).to_arrow_table()
    want = duckdb.sql(
        "SELECT name, sum(amt) AS total FROM orders LEFT JOIN customers USING (c) GROUP BY name"
    ).arrow()
    assert sorted_rows(back) == sorted_rows(pa.table(want))


def test_empty_and_all_null_inputs_round_trip(ctx):
    empty = ctx.from_arrow(pa.table({"a": pa.array([], pa.int64())}), name="e")
    nulls = ctx.from_arrow(pa.table({"a": pa.array([None, None], pa.int64())}), name="n")
    for df, want in ((empty, []), (nulls, [None, None])):
        plan = LogicalPlan.from_bytes(ferry.SessionContext(), df.logical_plan().to_bytes())
        assert ferry.SessionContext().create_dataframe_from_logical_plan(plan).to_pydict() == {"a": want}
    total = nulls.aggregate([], [f.sum(col("a")).alias("s")])
    assert DataFrame.from_bytes(total.to_bytes()).to_pydict() == {"s": [None]}


def test_from_bytes_rejects_bad_input_clearly():
    ctx = ferry.SessionContext()
    with pytest.raises(FerryValueError, match="not a ferry plan: empty bytes"):
        LogicalPlan.from_bytes(ctx, b"")
    with pytest.raises(FerryValueError, match="not a ferry plan"):
        LogicalPlan.from_bytes(ctx, b"hello, world")
    blob = ctx.from_pydict({"a": [1]}).logical_plan().to_bytes()
    with pytest.raises(FerryError):
        LogicalPlan.from_bytes(ctx, blob[:-5])
    with pytest.raises(TypeError, match="expected bytes, got str"):
        LogicalPlan.from_bytes(ctx, "text")
    with pytest.raises(TypeError, match="expected a SessionContext"):
        LogicalPlan.from_bytes("ctx", blob)
    with pytest.raises(TypeError, match="expected a LogicalPlan"):
        ctx.create_dataframe_from_logical_plan(blob)


def plus_one(a):
    return pc.add(a, 1)


PLUS_ONE = udf(plus_one, [pa.int64()], pa.int64(), "immutable", name="plus_one")


def test_udf_plan_inline_and_strict(ctx):
    df = ctx.from_pydict({"a": [1, None, 3]}).select(PLUS_ONE(col("a")).alias("b"))
    blob = df.logical_plan().to_bytes()
    plan = LogicalPlan.from_bytes(ferry.SessionContext(), blob)
    assert ferry.SessionContext().create_dataframe_from_logical_plan(plan).to_pydict() == {
        "b": [2, None, 4]}
    strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    with pytest.raises(FerryError, match="plus_one"):
        LogicalPlan.from_bytes(strict, blob)
    # A strict sender ships the UDF by name: a receiver with it registered runs it.
    by_name = df.logical_plan().to_bytes(ctx.with_python_udf_inlining(enabled=False))
    assert b"FYPYUDF" not in by_name
    strict.register_udf(PLUS_ONE)
    assert strict.create_dataframe_from_logical_plan(
        LogicalPlan.from_bytes(strict, by_name)).to_pydict() == {"b": [2, None, 4]}


# ---- ExecutionPlan --------------------------------------------------------------


def test_execution_plan_tree(ctx, sales):
    plan = sales.filter(col("v") > 1).aggregate([col("k")], [f.sum(col("v")).alias("s")]).execution_plan()
    assert isinstance(plan, ExecutionPlan)
    assert plan.partition_count >= 1
    lines = plan.display_indent().splitlines()
    assert lines[0] == plan.display()
    assert repr(plan) == plan.display_indent()

    def walk(node, depth):
        assert plan.display_indent().splitlines()[walk.line].strip() == node.display()
        walk.line += 1
        for child in node.children():
            walk(child, depth + 1)

    walk.line = 0
    walk(plan, 0)
    assert walk.line == len(lines)
    assert plan.schema() == pa.schema([("k", pa.string()), ("s", pa.int64())])


def test_execute_every_partition_gives_the_result(ctx, partitioned):
    table = pa.table({"k": [1, 2, None, 1, 3, 2] * 50, "v": list(range(300))})
    df = partitioned(table).filter(col("v") % 7 != 0).aggregate(
        [col("k")], [f.sum(col("v")).alias("s"), f.count(col("v")).alias("n")])
    plan = df.execution_plan()
    batches = []
    for partition in range(plan.partition_count):
        stream = ctx.execute(plan, partition)
        assert stream.schema == df.schema()
        batches.extend(batch.to_pyarrow() for batch in stream)
    got = pa.Table.from_batches(batches, schema=df.schema())
    kept = table.filter(pc.not_equal(pc.multiply(pc.divide(table["v"], 7), 7), table["v"]))
    want = kept.group_by("k").aggregate([("v", "sum"), ("v", "count")]).rename_columns(["k", "s", "n"])
    assert sorted_rows(got) == sorted_rows(want.select(["k", "s", "n"]))


def test_execute_streams_batches_lazily_and_ends(ctx1):
    batches = [pa.record_batch({"a": [i, i + 1]}) for i in range(0, 10, 2)]
    df = ctx1.create_dataframe([batches])
    plan = df.execution_plan()
    stream = ctx1.execute(plan, 0)
    first = stream.next()
    assert first.to_pyarrow().to_pydict() == {"a": [0, 1]}
    assert pa.record_batch(first).num_rows == 2
    rest = pa.table(stream)
    assert rest.column("a").to_pylist() == list(range(2, 10))
    with pytest.raises(StopIteration):
        ferry.SessionContext().execute(ctx1.from_arrow(pa.table({"a": pa.array([], pa.int64())}))
                                       .execution_plan(), 0).next()


def test_execute_with_a_python_udf_and_an_error(ctx):
    df = ctx.from_pydict({"a": [1, 2, 3]}).select(PLUS_ONE(col("a")).alias("b"))
    plan = df.execution_plan()
    got = [v for p in range(plan.partition_count) for v in pa.table(ctx.execute(plan, p))["b"].to_pylist()]
    assert sorted(got) == [2, 3, 4]

    def boom(a):
        raise RuntimeError("boom in the UDF")

    failing = udf(boom, [pa.int64()], pa.int64(), "immutable", name="boom")
    bad = ctx.from_pydict({"a": [1]}).select(failing(col("a"))).execution_plan()
    with pytest.raises(Exception, match="boom"):
        for p in range(bad.partition_count):
            list(ctx.execute(bad, p))


def test_execute_rejects_bad_partitions(ctx):
    plan = ctx.from_pydict({"a": [1]}).execution_plan()
    with pytest.raises(IndexError, match="partition 5 out of range"):
        ctx.execute(plan, 5)
    with pytest.raises(IndexError, match="partition -1 out of range"):
        ctx.execute(plan, -1)
    with pytest.raises(TypeError, match="partitions must be an int"):
        ctx.execute(plan, "0")
    with pytest.raises(TypeError, match="expected an ExecutionPlan"):
        ctx.execute(ctx.from_pydict({"a": [1]}).logical_plan(), 0)


def test_execute_stream_on_dataframe(ctx, sales):
    got = pa.Table.from_batches([b.to_pyarrow() for b in sales.execute_stream()])
    assert sorted_rows(got) == sorted_rows(pa.table(SALES))


# ---- ExecutionPlan through bytes ------------------------------------------------


def run_all_partitions(ctx, plan) -> pa.Table:
    batches = [b.to_pyarrow() for p in range(plan.partition_count) for b in ctx.execute(plan, p)]
    return pa.Table.from_batches(batches, schema=plan.schema())


def test_physical_round_trip_matches_pyarrow(tmp_path, ctx):
    table = pa.table({"k": ["x", None, "y", "x", "y", "z"] * 20, "v": list(range(119)) + [None]})
    path = str(tmp_path / "t.parquet")
    pq.write_table(table, path, row_group_size=17)
    df = (ctx.read_parquet(path).filter(col("v") > 3)
          .aggregate([col("k")], [f.sum(col("v")).alias("s"), f.count(col("v")).alias("n")]))
    plan = df.execution_plan()
    worker = ferry.SessionContext()
    back = ExecutionPlan.from_bytes(worker, plan.to_bytes())
    assert back.partition_count == plan.partition_count
    assert back.display_indent() == plan.display_indent()
    kept = table.filter(pc.greater(table["v"], 3))
    want = kept.group_by("k").aggregate([("v", "sum"), ("v", "count")]).rename_columns(["k", "s", "n"])
    assert sorted_rows(run_all_partitions(worker, back)) == sorted_rows(want.select(["k", "s", "n"]))
    # Each partition of the decoded plan yields what the sender's partition yields.
    for p in range(plan.partition_count):
        assert sorted_rows(pa.table(worker.execute(back, p))) == sorted_rows(pa.table(ctx.execute(plan, p)))
    assert ExecutionPlan.from_proto(worker, plan.to_proto()).display_indent() == plan.display_indent()


def test_physical_plan_with_a_udf_and_a_strict_receiver(ctx):
    df = ctx.from_pydict({"a": [1, None, 3]}).select(PLUS_ONE(col("a")).alias("b"))
    blob = df.execution_plan().to_bytes()
    worker = ferry.SessionContext()
    got = run_all_partitions(worker, ExecutionPlan.from_bytes(worker, blob))
    assert sorted(got["b"].to_pylist(), key=lambda v: (v is None, v)) == [2, 4, None]
    strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    with pytest.raises(FerryError, match="plus_one"):
        ExecutionPlan.from_bytes(strict, blob)


def test_physical_from_bytes_rejects_bad_input():
    ctx = ferry.SessionContext()
    with pytest.raises(FerryValueError, match="not a ferry physical plan: empty bytes"):
        ExecutionPlan.from_bytes(ctx, b"")
    logical = ctx.from_pydict({"a": [1]}).logical_plan().to_bytes()
    with pytest.raises(FerryValueError, match="hold a ferry plan, not a ferry physical plan"):
        ExecutionPlan.from_bytes(ctx, logical)
    physical = ctx.from_pydict({"a": [1]}).execution_plan().to_bytes()
    with pytest.raises(FerryError):
        ExecutionPlan.from_bytes(ctx, physical[:-4])
    with pytest.raises(FerryValueError, match="hold a ferry physical plan, not a ferry plan"):
        LogicalPlan.from_bytes(ctx, physical)


def test_physical_plan_size_limit_names_the_table():
    ctx = ferry.SessionContext(ferry.SessionConfig().with_max_encoded_plan_bytes(32 << 10))
    df = ctx.from_arrow(pa.table({"v": pa.array(range(50_000), pa.int64())}))
    with pytest.raises(FerryValueError) as error:
        df.execution_plan().to_bytes(ctx)
    message = str(error.value)
    assert "physical plan encodes to" in message and "over the limit of 32768" in message
    assert "largest parts: in-memory table (memory scan): " in message
