"""A distributed job's bytes (job.proto): one function table for every
stage, and scan stages cut into one task per Parquet row-group range, each
task selecting its range by its index from the one encoded fragment. Rows
are checked against DuckDB over the same files."""

import json
import os
import subprocess

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import ferry
from ferry import _core, col, functions as f, lit, udf
from ferry.errors import FerryError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "build", "cpp", "tools", "ferry-inspect")


def run_job(job, worker_ctx=None, task_order=None):
    """Runs every task of every stage in this process; the root's rows."""
    outputs = {}
    for stage in job.stages:
        inputs = {i: outputs[i] for i in stage.inputs}
        tasks = list(range(stage.num_tasks))
        if task_order is not None:
            tasks = task_order(tasks)
        results = {}
        for task in tasks:
            out, _ = _core.run_task(job.payload, stage.id, task, inputs,
                                    None if worker_ctx is None else worker_ctx._raw)
            results[task] = out
        outputs[stage.id] = [results[t] for t in range(stage.num_tasks)]
    batches = [b for out in outputs[job.stages[-1].id] for b in _core.read_task_output(out)]
    return pa.Table.from_batches(batches, schema=job.schema)


def rows(table):
    return sorted(tuple((v is None, str(v)) for v in r.values()) for r in table.to_pylist())


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("job_payload")
    a = pa.table({"k": ["x", "y", None, "z", "x"] * 40, "v": [1, None, 3, 4, 5] * 40,
                  "id": list(range(200))})
    b = pa.table({"k": ["y", "w", "x", None] * 25, "v": [7, 8, None, 2] * 25,
                  "id": list(range(200, 300))})
    paths = str(root / "a.parquet"), str(root / "b.parquet")
    pq.write_table(a, paths[0], row_group_size=30)  # 7 row groups
    pq.write_table(b, paths[1], row_group_size=20)  # 5 row groups
    return paths


@pytest.fixture
def ctx(files):
    ctx = ferry.SessionContext()
    ctx.register_parquet("a", files[0])
    ctx.register_parquet("b", files[1])
    return ctx


def duck(sql, files):
    con = duckdb.connect()
    con.execute(f"create view a as select * from read_parquet('{files[0]}')")
    con.execute(f"create view b as select * from read_parquet('{files[1]}')")
    return con.sql(sql).to_arrow_table()


def triple_udf():
    return udf(lambda a: pc.multiply(a, 3), [pa.int64()], pa.int64(), "immutable", name="triple")


def udf_in_two_stages(ctx):
    triple = triple_udf()
    return (ctx.table("a").filter(triple(col("v")) > lit(5))
            .aggregate([col("k")], [f.sum(col("v")).alias("s")])
            .select(col("k"), triple(col("s")).alias("t")))


SQL_TWO_STAGES = "select k, sum(v) * 3 t from a where v * 3 > 5 group by k"


def test_a_udf_used_in_several_stages_travels_once(ctx, files):
    df = udf_in_two_stages(ctx)
    job = _core.plan_job(ctx._raw, df._raw, 2)
    calling = [s for s in job.stages if "triple" in s.describe]
    assert len(calling) == 2
    assert job.payload.count(b"FYPYUDF") == 1
    assert rows(run_job(job)) == rows(df.to_arrow_table()) == rows(duck(SQL_TWO_STAGES, files))


def test_a_worker_unpickles_the_shared_udf_once_per_job(ctx, files, monkeypatch):
    import ferry._inline as inline

    calls = []
    load = inline.load_udf
    monkeypatch.setattr(inline, "load_udf", lambda *a: calls.append(1) or load(*a))
    # A closure no other test pickled: its payload is new to the process cache.
    factor = 17
    times = udf(lambda a: pc.multiply(a, factor), [pa.int64()], pa.int64(), "immutable", name="times")
    df = (ctx.table("a").filter(times(col("v")) > lit(20))
          .aggregate([col("k")], [f.sum(col("v")).alias("s")])
          .select(col("k"), times(col("s")).alias("t")))
    job = _core.plan_job(ctx._raw, df._raw, 2)
    got = run_job(job, worker_ctx=ferry.SessionContext())
    assert len(calls) == 1
    assert rows(got) == rows(duck("select k, sum(v) * 17 t from a where v * 17 > 20 group by k", files))


def test_strict_workers_still_refuse_the_shared_inline_udf(ctx):
    job = _core.plan_job(ctx._raw, udf_in_two_stages(ctx)._raw, 2)
    strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    with pytest.raises(FerryError, match="inlining is disabled.*'triple' without unpickling"):
        run_job(job, worker_ctx=strict)


def test_ferry_inspect_reads_a_job_and_reencodes_it(ctx):
    job = _core.plan_job(ctx._raw, udf_in_two_stages(ctx)._raw, 2)
    proc = subprocess.run([TOOL, "--json"], input=job.payload, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["kind"] == "job" and report["reencoded"] == "identical"
    assert [fn["name"] for fn in report["functions"]].count("triple") == 1
    stage_lines = [n["node"] for n in report["nodes"] if n["depth"] == 0]
    assert stage_lines == [f"Stage {s.id}: " + ("1 task" if s.num_tasks == 1 else f"{s.num_tasks} tasks")
                           + (f" x {s.output_slices} slices" if s.output_slices > 1 else "")
                           + (f", reads stage {s.inputs[0]}" if s.inputs else "")
                           for s in job.stages]
    assert [t["source"] for t in report["tables"]] == ["parquet"]


def scan_stage(job):
    return next(s for s in job.stages if "ParquetScanExec" in s.describe)


def test_scan_stage_runs_one_task_per_row_group(ctx, files):
    df = ctx.table("a").aggregate([col("k")], [f.sum(col("v")).alias("s"), f.count(col("id")).alias("n")])
    job = _core.plan_job(ctx._raw, df._raw, 2)
    assert scan_stage(job).num_tasks == pq.ParquetFile(files[0]).num_row_groups == 7
    expected = duck("select k, sum(v) s, count(id) n from a group by k", files)
    assert rows(run_job(job)) == rows(expected) == rows(df.to_arrow_table())
    # Tasks are independent: any order gives the same rows.
    assert rows(run_job(job, task_order=lambda t: t[::-1])) == rows(expected)


def test_ranges_over_several_files_with_a_pushed_filter(ctx, files):
    # The filter prunes row groups by statistics: only the ranges left run.
    a = ctx.table("a").filter(col("id") < lit(70))
    b = ctx.table("b").filter(col("id") >= lit(260))
    df = a.union(b).aggregate([col("k")], [f.sum(col("v")).alias("s"), f.count(col("id")).alias("n")])
    job = _core.plan_job(ctx._raw, df._raw, 2)
    assert scan_stage(job).num_tasks == 3 + 2  # a: ids 0..89 in 3 groups; b: 260..299 in 2
    sql = ("select k, sum(v) s, count(id) n from (select * from a where id < 70 "
           "union all select * from b where id >= 260) group by k")
    assert rows(run_job(job)) == rows(duck(sql, files)) == rows(df.to_arrow_table())


def test_a_filter_leaving_no_row_group_gives_no_rows(ctx, files):
    df = ctx.table("a").filter(col("id") > lit(10_000)).aggregate([col("k")], [f.count(col("v")).alias("n")])
    job = _core.plan_job(ctx._raw, df._raw, 2)
    assert run_job(job).num_rows == 0 == duck("select k from a where id > 10000", files).num_rows


def test_a_task_past_the_last_range_is_a_clear_error(ctx):
    df = ctx.table("a").aggregate([col("k")], [f.count(col("v")).alias("n")])
    job = _core.plan_job(ctx._raw, df._raw, 2)
    stage = scan_stage(job)
    with pytest.raises(FerryError, match=f"task {stage.num_tasks} of a stage with {stage.num_tasks} tasks"):
        _core.run_task(job.payload, stage.id, stage.num_tasks, {}, None)


def large_table_session():
    ctx = ferry.SessionContext(ferry.SessionConfig().with_inline_table_warn_bytes(1000)
                               .with_target_partitions(2))
    ctx.register_record_batches("big", [pa.table({"x": list(range(1000))}).to_batches()])
    ctx.register_record_batches("small", [pa.table({"x": [1, 2, 3]}).to_batches()])
    return ctx


def test_a_physical_plan_warns_once_per_large_inline_table():
    ctx = large_table_session()
    big = ctx.table("big")
    with pytest.warns(UserWarning, match=r"in-memory table 'big' travels inline in the physical plan: "
                                         r"\d+ bytes \(warning threshold 1000\)") as caught:
        blob = big.filter(col("x") > lit(5)).execution_plan().to_bytes(ctx)
    assert len([w for w in caught if "travels inline" in str(w.message)]) == 1
    assert pa.table(ctx.execute(ferry.ExecutionPlan.from_bytes(ctx, blob), 0)).num_rows == 994
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big.select(col("x")).execution_plan().to_bytes(ctx)  # the same table: warned already
        ctx.table("small").execution_plan().to_bytes(ctx)  # under the threshold
        default = ferry.SessionContext()
        default.from_pydict({"x": list(range(1000))}).execution_plan().to_bytes(default)  # 64 MiB


def test_a_job_warns_once_for_a_table_read_by_several_stages():
    ctx = large_table_session()
    big = ctx.table("big")
    df = big.join(big.select(col("x").alias("y")), left_on="x", right_on="y", how="inner") \
        .aggregate([], [f.count(col("x")).alias("n")])
    with pytest.warns(UserWarning, match="in-memory table 'big' travels inline") as caught:
        job = _core.plan_job(ctx._raw, df._raw, 2)
    assert len([w for w in caught if "travels inline" in str(w.message)]) == 1
    assert run_job(job).to_pydict() == {"n": [1000]}


def test_physical_plans_send_tables_by_name():
    sender = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(3))
    sender.register_record_batches("t", [pa.table({"k": [1, 2, 3, 4], "v": [10, None, 30, 40]}).to_batches()])
    plan = sender.table("t").filter(col("k") > lit(1)).execution_plan()
    blob = plan.to_bytes(sender, tables_by_name=["t"])
    assert len(blob) < len(plan.to_bytes(sender))
    receiver = ferry.SessionContext()
    receiver_rows = pa.table({"k": [5, 0, 7, None, 2], "v": [1, 2, 3, 4, None]})
    receiver.register_record_batches("t", [receiver_rows.to_batches()])
    back = ferry.ExecutionPlan.from_bytes(receiver, blob)
    assert back.partition_count == plan.partition_count
    got = pa.concat_tables([pa.table(receiver.execute(back, p), schema=receiver_rows.schema)
                            for p in range(back.partition_count)])
    expected = receiver_rows.filter(pc.greater(receiver_rows["k"], 1))
    assert rows(got) == rows(expected)
    with pytest.raises(KeyError, match="refers to table 't' by name.*no table named 't'"):
        ferry.ExecutionPlan.from_bytes(ferry.SessionContext(), blob)
    other = ferry.SessionContext()
    other.from_pydict({"k": ["a"], "v": [1]}, name="t")
    with pytest.raises(FerryError, match="table 't' in the receiving session has schema"):
        ferry.ExecutionPlan.from_bytes(other, blob)
    sender.register_record_batches("u", [receiver_rows.to_batches()])
    with pytest.raises(FerryError, match="tables_by_name names 'u', which the physical plan does not scan"):
        plan.to_bytes(sender, tables_by_name=["u"])
    with pytest.raises(KeyError, match="nope"):
        plan.to_bytes(sender, tables_by_name=["nope"])


def test_a_parquet_scan_by_name_reads_the_receivers_table(files):
    sender = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(2))
    sender.register_parquet("a", files[0])
    plan = sender.table("a").filter(col("v") > lit(2)).execution_plan()
    blob = plan.to_bytes(sender, tables_by_name=True)
    assert files[0].encode() not in blob
    receiver = ferry.SessionContext()
    receiver.register_parquet("a", files[0])
    back = ferry.ExecutionPlan.from_bytes(receiver, blob)
    got = pa.concat_tables([pa.table(receiver.execute(back, p)) for p in range(back.partition_count)])
    assert rows(got) == rows(duck("select * from a where v > 2", files))


def test_a_job_ships_marked_tables_by_name():
    ctx = large_table_session()
    ctx.ship_table_by_name("big")
    df = ctx.table("big").aggregate([], [f.sum(col("x")).alias("s")])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing travels inline, so nothing to warn about
        job = _core.plan_job(ctx._raw, df._raw, 2)
    worker = ferry.SessionContext()
    worker.register_record_batches("big", [pa.table({"x": [1, 2, None, 4]}).to_batches()])
    assert run_job(job, worker_ctx=worker).to_pydict() == {"s": [7]}
    with pytest.raises(KeyError, match="table 'big' by name"):
        run_job(job, worker_ctx=ferry.SessionContext())
