"""A query cut into stages and run task by task through ferry._core's
distributed entry points (plan_job, run_task, read_task_output), all in
this process: the rows must be those of the same query run whole, which
tests elsewhere check against DuckDB; and a task given bad bytes fails
with an error naming what is wrong."""

import pickle

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import ferry
from ferry import _core, col, functions as f, lit, udf
from ferry.errors import FerryError


def run_staged(ctx, df, partitions=3, worker_ctx=None):
    job = _core.plan_job(ctx._raw, df._raw, partitions)
    outputs = {}
    for stage in job.stages:
        inputs = {i: outputs[i] for i in stage.inputs}
        outputs[stage.id] = []
        for task in range(stage.num_tasks):
            # The payload travels as a memoryview, like a mapped file would.
            out, stats = _core.run_task(memoryview(job.payload), stage.id, task, inputs,
                                        None if worker_ctx is None else worker_ctx._raw)
            assert stats["rows"] == sum(stats["slice_rows"])
            assert len(stats["slice_rows"]) == stage.output_slices
            outputs[stage.id].append(out)
    batches = [b for out in outputs[job.stages[-1].id] for b in _core.read_task_output(out)]
    return job, pa.Table.from_batches(batches, schema=job.schema)


def sorted_rows(table):
    return sorted(table.to_pylist(), key=lambda r: [(v is None, str(v)) for v in r.values()])


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    root = tmp_path_factory.mktemp("stages")
    sales = pa.table({"k": ["a", "b", "a", None, "c", "b", "d", "a"] * 50,
                      "v": [1, 2, None, 10, 4, 5, 7, 3] * 50,
                      "id": list(range(400))})
    names = pa.table({"k": ["a", "b", "z", None], "name": ["Alice", "Bob", "Zed", "Nil"]})
    path = str(root / "sales.parquet")
    pq.write_table(sales, path, row_group_size=37)
    return path, sales, names


@pytest.fixture
def ctx(tables):
    path, _, names = tables
    ctx = ferry.SessionContext()
    ctx.register_parquet("sales", path)
    ctx.register_record_batches("names", [names.to_batches()])
    return ctx


def check(ctx, df, sql, tables, ordered=False):
    _, sales, names = tables
    job, got = run_staged(ctx, df)
    whole = df.to_arrow_table()
    assert got.schema == whole.schema
    expected = duckdb.sql(sql).to_arrow_table()
    if ordered:
        assert got.to_pylist() == whole.to_pylist()
        assert [list(r.values()) for r in got.to_pylist()] == \
               [list(r.values()) for r in expected.to_pylist()]
    else:
        assert sorted_rows(got) == sorted_rows(whole)
        assert sorted([[(v is None, str(v)) for v in r.values()] for r in got.to_pylist()]) == \
               sorted([[(v is None, str(v)) for v in r.values()] for r in expected.to_pylist()])
    return job


def test_grouped_aggregate_runs_as_two_stages(ctx, tables):
    sales = tables[1]  # noqa: F841 (duckdb reads it by name)
    df = ctx.table("sales").aggregate([col("k")], [f.sum(col("v")).alias("s"),
                                                   f.count(col("v")).alias("n")])
    job = check(ctx, df, "select k, sum(v) s, count(v) n from sales group by k", tables)
    assert len(job.stages) >= 2
    assert "StageInputExec" in job.explain()


def test_join_sort_limit(ctx, tables):
    sales, names = tables[1], tables[2]  # noqa: F841
    df = (ctx.table("sales").join(ctx.table("names"), left_on="k", right_on="k", how="left")
          .sort(col("id").sort(ascending=False)).limit(25, 3)
          .select("id", "k", "name"))
    check(ctx, df, "select id, sales.k, name from sales left join names on sales.k = names.k "
                   "order by id desc limit 25 offset 3", tables, ordered=True)


def test_distinct_union_and_global_aggregate(ctx, tables):
    sales = tables[1]  # noqa: F841
    keys = ctx.table("sales").select("k")
    check(ctx, keys.union(keys).distinct(), "select distinct k from sales", tables)
    check(ctx, ctx.table("sales").aggregate([], [f.count(col("v")).alias("n"),
                                                 f.max(col("id")).alias("m")]),
          "select count(v) n, max(id) m from sales", tables, ordered=True)


def test_window_and_python_udf(ctx, tables):
    sales = tables[1]  # noqa: F841
    triple = udf(lambda a: pc.multiply(a, 3), [pa.int64()], pa.int64(), "immutable", name="triple")
    df = (ctx.table("sales").filter(col("v") > lit(2))
          .select(col("id"), triple(col("v")).alias("t"),
                  f.row_number(partition_by=[col("k")], order_by=[col("id")]).alias("rn")))
    check(ctx, df, "select id, v * 3 t, row_number() over (partition by k order by id) rn "
                   "from sales where v > 2", tables)


def test_strict_sender_makes_workers_refuse_inline_udfs(ctx, tables):
    triple = udf(lambda a: pc.multiply(a, 3), [pa.int64()], pa.int64(), "immutable", name="triple")
    df = ctx.table("sales").select(triple(col("v")).alias("t"))
    # Inline payload, strict worker: refused without unpickling.
    strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    with pytest.raises(FerryError, match="inlining is disabled"):
        run_staged(ctx, df, worker_ctx=strict)
    # Strict sender: the UDF travels by name; a worker without it fails...
    strict_sender = ctx.with_python_udf_inlining(enabled=False)
    df = strict_sender.table("sales").select(triple(col("v")).alias("t"))
    with pytest.raises(FerryError, match="triple"):
        run_staged(strict_sender, df, worker_ctx=ferry.SessionContext())
    # ... and one that registered it by name runs it.
    worker = ferry.SessionContext()
    worker.register_udf(triple)
    _, got = run_staged(strict_sender, df, worker_ctx=worker)
    assert sorted(got.column("t").to_pylist(), key=lambda v: (v is None, v)) == \
        sorted(df.to_arrow_table().column("t").to_pylist(), key=lambda v: (v is None, v))


def test_bad_inputs_are_errors(ctx):
    df = ctx.table("sales").aggregate([col("k")], [f.count(col("v")).alias("n")])
    job = _core.plan_job(ctx._raw, df._raw, 2)
    root = job.stages[-1]
    with pytest.raises(FerryError, match="not a ferry|Invalid|envelope|magic"):
        _core.run_task(b"junk", 0, 0, {}, None)
    with pytest.raises(FerryError, match="no stage"):
        _core.run_task(job.payload, 99, 0, {}, None)
    with pytest.raises(FerryError, match="given no outputs"):
        _core.run_task(job.payload, root.id, 0, {}, None)
    with pytest.raises(FerryError, match="task output"):
        _core.run_task(job.payload, root.id, 0, {i: [b"garbage"] for i in root.inputs}, None)
    with pytest.raises(FerryError):
        _core.run_task(job.payload, 0, 10_000, {}, None)
    with pytest.raises(FerryError, match="task output"):
        _core.read_task_output(b"\x00" * 64)
    # Flipped bytes anywhere in a real payload: an error or a correct job, never a crash.
    payload = bytearray(job.payload)
    for i in range(0, len(payload), max(1, len(payload) // 200)):
        mutated = bytes(payload[:i]) + bytes([payload[i] ^ 0x5A]) + bytes(payload[i + 1:])
        try:
            _core.run_task(mutated, 0, 0, {}, None)
        except (FerryError, ValueError, TypeError, KeyError, IndexError, OSError):
            pass


def test_job_does_not_pickle_by_accident(ctx):
    job = _core.plan_job(ctx._raw, ctx.table("sales")._raw, 2)
    with pytest.raises(TypeError):
        pickle.dumps(job)
    assert len(job.job_id) == 32
