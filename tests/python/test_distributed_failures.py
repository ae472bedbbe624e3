"""Distributed ferry queries that go wrong, and strict jobs: a raising UDF
fails fast naming itself with the worker's traceback; a worker killed
mid-stage is replaced and the query completes (or fails clearly when
retries run out); a strict job resolves UDFs by name on the workers."""

import os
import signal
import sys

import cloudpickle
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import col, functions as f, ipc, udf
from ferry.distributed import (
    DaskExecutor,
    LocalExecutor,
    RayExecutor,
    TaskError,
    WorkerLostError,
)
from ferry.distributed.errors import RemoteTraceback

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers never import the tests

pytestmark = pytest.mark.timeout(150)

DATA = {"a": list(range(40)) + [None], "b": [i % 3 for i in range(41)]}


def make_ctx() -> ferry.SessionContext:
    return ferry.SessionContext(ferry.SessionConfig().with_target_partitions(2))


def triple(a: pa.Array) -> pa.Array:
    return pc.multiply(a, 3)


def triple_udf() -> ferry.ScalarUDF:
    return udf(triple, [pa.int64()], pa.int64(), "immutable", name="triple_by_name")


def register_triple() -> None:
    """Worker set-up for strict jobs: a global session knowing the UDF."""
    session = ferry.SessionContext()
    session.register_udf(triple_udf())
    ipc.set_global_ctx(session)


def expected_sums() -> dict:
    sums = {}
    for a, b in zip(DATA["a"], DATA["b"]):
        if a is not None:
            sums[b] = sums.get(b, 0) + 3 * a
    return {"b": sorted(sums), "s": [sums[k] for k in sorted(sums)]}


def tripled_sums(ctx, fn) -> ferry.DataFrame:
    return ctx.from_pydict(DATA).aggregate(
        [col("b")], [f.sum(fn(col("a"))).alias("s")]).sort(col("b"))


def test_raising_udf_fails_fast_naming_it(executor):
    @udf([pa.int64()], pa.int64(), "immutable", name="explodes")
    def explodes(a):
        raise ZeroDivisionError("boom in the UDF")

    df = make_ctx().from_pydict(DATA).select(explodes(col("a")).alias("x"))
    with pytest.raises(TaskError) as info:
        df.collect(executor=executor)
    message = str(info.value)
    assert "explodes" in message and "boom in the UDF" in message
    assert "ferry/" in message  # the task that failed
    assert isinstance(info.value.__cause__, RemoteTraceback)
    assert "ZeroDivisionError: boom in the UDF" in str(info.value.__cause__)
    assert isinstance(info.value, ferry.ExecutionError)


def test_worker_killed_mid_stage_is_retried(executor, tmp_path):
    marker = str(tmp_path / "killed")

    def dies_once(a):
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return pc.multiply(a, 3)
        os.kill(os.getpid(), signal.SIGKILL)

    df = tripled_sums(make_ctx(), udf(dies_once, [pa.int64()], pa.int64(), "volatile",
                                      name="dies_once"))
    assert df.to_pydict(executor=executor) == expected_sums()
    assert os.path.exists(marker)


def test_worker_killed_every_time_fails_clearly(tmp_path):
    def always_dies(a):
        os.kill(os.getpid(), signal.SIGKILL)

    df = make_ctx().from_pydict(DATA).select(
        udf(always_dies, [pa.int64()], pa.int64(), "volatile", name="always_dies")(col("a")))
    with LocalExecutor(workers=2, progress=False, max_attempts=2) as ex:
        with pytest.raises(WorkerLostError, match=r"max_attempts=2"):
            df.collect(executor=ex)


def test_strict_job_resolves_udfs_by_name_on_workers():
    strict = make_ctx().with_python_udf_inlining(enabled=False)
    strict.register_udf(triple_udf())
    df = tripled_sums(strict, triple_udf())
    with LocalExecutor(workers=2, progress=False, initializer=register_triple) as ex:
        assert df.to_pydict(executor=ex) == expected_sums()


def test_strict_job_on_dask_workers(dask_client):
    dask_client.wait_for_workers(2, timeout=240)  # every worker gets the registration
    dask_client.run(register_triple)
    strict = make_ctx().with_python_udf_inlining(enabled=False)
    df = tripled_sums(strict, triple_udf())
    assert df.to_pydict(executor=DaskExecutor(dask_client, progress=False)) == expected_sums()


def test_strict_job_on_ray_workers(ray_cluster):
    strict = make_ctx().with_python_udf_inlining(enabled=False)
    df = tripled_sums(strict, triple_udf())
    ex = RayExecutor(progress=False, initializer=register_triple)
    assert df.to_pydict(executor=ex) == expected_sums()


def test_strict_job_without_worker_registration_names_the_udf(executor):
    # The workers get names, never cloudpickle frames, and refuse to guess.
    strict = make_ctx().with_python_udf_inlining(enabled=False)
    df = tripled_sums(strict, udf(triple, [pa.int64()], pa.int64(), "immutable",
                                  name="unknown_on_workers"))
    with pytest.raises(TaskError, match="unknown_on_workers"):
        df.collect(executor=executor)


def test_session_default_executor(local_executor):
    ctx = make_ctx()
    df = tripled_sums(ctx, triple_udf())
    ctx.set_executor(local_executor)
    try:
        assert df.to_pydict() == expected_sums()
        assert df.count(executor="local") == 3  # a process-wide pool, one worker per core
        with pytest.raises(TypeError, match="executor must be"):
            df.collect(executor=42)
    finally:
        ctx.set_executor(None)
    assert df.to_pydict() == expected_sums()


def test_write_parquet_and_csv_on_workers(executor, tmp_path):
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    df = make_ctx().from_pydict(DATA).filter(col("a") > 3).select(
        col("a"), triple_udf()(col("a")).alias("t"))
    want = sorted(df.to_pylist(), key=lambda r: r["a"])
    df.write_parquet(tmp_path / "pq", executor=executor)
    files = sorted(os.listdir(tmp_path / "pq"))
    assert len(files) == 2  # one per partition: target_partitions=2, no gather
    assert all(name.startswith("part-") and name.endswith(".parquet") for name in files)
    got = pa.concat_tables([pq.read_table(tmp_path / "pq" / name) for name in files])
    assert sorted(got.to_pylist(), key=lambda r: r["a"]) == want
    df.write_csv(tmp_path / "csv", with_header=True, executor=executor)
    files = sorted(os.listdir(tmp_path / "csv"))
    got = pa.concat_tables([pcsv.read_csv(tmp_path / "csv" / name) for name in files])
    assert sorted(got.to_pylist(), key=lambda r: r["a"]) == want


def test_explain_distributed_prints_stages(capsys, local_executor):
    df = tripled_sums(make_ctx(), triple_udf())
    df.explain(distributed=True, executor=local_executor)
    out = capsys.readouterr().out
    assert "stage" in out.lower() and "task" in out.lower()


def test_collect_partitioned_keeps_root_tasks_apart(executor):
    df = make_ctx().from_pydict(DATA).filter(col("a") > 3)
    parts = df.collect_partitioned(executor=executor)
    assert len(parts) == 2
    rows = sorted(r["a"] for part in parts for batch in part for r in batch.to_pylist())
    assert rows == list(range(4, 40))
    assert df.count(executor=executor) == 36
