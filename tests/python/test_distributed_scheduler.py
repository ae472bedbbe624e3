"""The stage scheduler and the three executors, over plain-Python jobs
whose results are computed by hand (distributed_tasks.py): ordering,
failures that fail fast, workers killed mid-stage, lost inputs, progress."""

import importlib.util
import os
import sys
import time

import cloudpickle
import pytest

from ferry.distributed import (
    DaskExecutor,
    JobSpec,
    LocalExecutor,
    RayExecutor,
    StageSpec,
    TaskError,
    WorkerLostError,
    run_job,
)
from ferry.distributed.errors import RemoteTraceback

HERE = os.path.dirname(os.path.abspath(__file__))
if "distributed_tasks" not in sys.modules:  # tests import with --import-mode=importlib
    _spec = importlib.util.spec_from_file_location(
        "distributed_tasks", os.path.join(HERE, "distributed_tasks.py"))
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["distributed_tasks"] = _module
    _spec.loader.exec_module(_module)
import distributed_tasks as dt  # noqa: E402

cloudpickle.register_pickle_by_value(dt)  # workers never import the tests

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def local_pool():
    with LocalExecutor(workers=2, progress=False) as ex:
        yield ex


@pytest.fixture(params=["local", "dask", "ray"])
def make_executor(request, local_pool):
    """make_executor(**settings) -> an executor on the parametrized engine."""

    def make(**settings):
        settings.setdefault("progress", False)
        if request.param == "local":
            if not settings or settings == {"progress": False}:
                return local_pool
            return LocalExecutor(workers=2, **settings)
        if request.param == "dask":
            return DaskExecutor(request.getfixturevalue("dask_client"), **settings)
        request.getfixturevalue("ray_cluster")
        return RayExecutor(**settings)

    make.engine = request.param
    return make


def results(job, executor):
    return [dt.value(b) for b in run_job(job, executor).outputs]


def test_stages_run_in_order(make_executor):
    ex = make_executor()
    assert results(dt.tree_job(), ex) == dt.tree_expected()
    widths = (5, 2, 3)
    assert results(dt.tree_job(widths=widths), ex) == dt.tree_expected(widths)


def test_stage_with_several_inputs(make_executor):
    stages = [StageSpec(0, 2), StageSpec(1, 3), StageSpec(2, 2, (0, 1))]
    # stage 0: 1, 2; stage 1: 1, 2, 3; stage 2 task t: t + 3 + 6
    assert results(dt.tree_job(stages=stages), make_executor()) == [9, 10]


def test_task_error_fails_fast_with_worker_traceback(make_executor, tmp_path):
    job = dt.tree_job({"fail": [1, 2], "marker_dir": str(tmp_path), "record": True})
    with pytest.raises(TaskError) as info:
        run_job(job, make_executor())
    err = info.value
    assert f"ferry/{job.job_id}/1/2" in str(err)
    assert "ValueError: injected failure in stage 1 task 2" in str(err)
    assert isinstance(err.__cause__, RemoteTraceback)
    assert "in tree_sum" in str(err.__cause__)
    # Never retried: the failing task ran once; stage 2 never started.
    runs = os.listdir(tmp_path)
    assert len([r for r in runs if r.startswith("run-1-2-")]) == 1
    assert not [r for r in runs if r.startswith("run-2-")]


def test_killed_worker_is_retried(make_executor, tmp_path):
    job = dt.tree_job({"kill": [1, 1], "marker_dir": str(tmp_path)})
    ex = make_executor(max_attempts=3)
    started = time.monotonic()
    assert results(job, ex) == dt.tree_expected()
    assert os.path.exists(tmp_path / "kill-1-1")  # the kill did happen
    assert time.monotonic() - started < 90


def test_worker_killed_every_attempt_fails_clearly(make_executor, tmp_path):
    job = dt.tree_job({"kill": [0, 0], "kill_always": True, "marker_dir": str(tmp_path)},
                      widths=(2, 1))
    ex = make_executor(max_attempts=2)
    with pytest.raises(WorkerLostError, match=r"died on each of 2 attempts \(max_attempts=2\)"):
        run_job(job, ex)
    # The executor still works afterwards.
    assert results(dt.tree_job(widths=(2, 1)), ex) == dt.tree_expected((2, 1))


def test_lost_input_reruns_its_producer(local_pool, tmp_path):
    # Stage 1 deletes stage 0 task 0's output file; stage 2 then finds it
    # gone, so the scheduler runs that producer again before stage 2.
    stages = [StageSpec(0, 2), StageSpec(1, 1, (0,)), StageSpec(2, 1, (0, 1))]
    job = dt.tree_job({"drop_when": [1, 0], "drop": [0, 0], "marker_dir": str(tmp_path),
                       "record": True}, stages=stages)
    # stage 0: 1, 2; stage 1: 0 + 3; stage 2: 0 + 3 + 3
    assert results(job, local_pool) == [6]
    runs = os.listdir(tmp_path)
    assert len([r for r in runs if r.startswith("run-0-0-")]) == 2
    assert len([r for r in runs if r.startswith("run-0-1-")]) == 1


def test_progress_lines_and_stats(capsys, local_pool):
    local_pool.progress = True
    try:
        result = run_job(dt.tree_job(), local_pool)
    finally:
        local_pool.progress = False
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("ferry")]
    assert len(lines) == 3
    assert "stage 0: 4/4 tasks, 4 rows, 32 B" in lines[0]
    assert result.stages[1].done == 3 and result.stages[1].rows == 3
    assert all(s.elapsed > 0 for s in result.stages.values())


def test_no_worker_fails_within_timeout(dask_client):
    # A client whose cluster has no worker at all.
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        ex = DaskExecutor(client, progress=False, no_worker_timeout=2)
        started = time.monotonic()
        with pytest.raises(WorkerLostError, match="no worker for 2 s"):
            run_job(dt.tree_job(widths=(1,)), ex)
        assert time.monotonic() - started < 30


def test_bad_settings_and_jobs():
    with pytest.raises(ValueError, match="max_attempts"):
        LocalExecutor(workers=1, max_attempts=0)
    with pytest.raises(ValueError, match="workers must be"):
        LocalExecutor(workers=0)
    with pytest.raises(TypeError, match="dask.distributed.Client"):
        DaskExecutor(object())
    with pytest.raises(ValueError, match="stage 1 reads stage 5"):
        JobSpec(b"", [StageSpec(0, 1), StageSpec(1, 1, (5,))], dt.tree_sum)
    with pytest.raises(ValueError, match="0 tasks"):
        JobSpec(b"", [StageSpec(0, 0)], dt.tree_sum)


def test_missing_engine_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r"pip install 'ferry\[ray\]'"):
        RayExecutor()
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"pip install 'ferry\[dask\]'"):
        DaskExecutor(None)


def test_dask_keys_name_the_task(dask_client):
    ex = DaskExecutor(dask_client, progress=False)
    job = dt.tree_job(widths=(2,))
    payload = ex.broadcast(job)
    sub = ex.submit(job, payload, 0, 1, 0, {})
    assert sub.handle.key == f"ferry/{job.job_id}/0/1/0"
    assert ex.outcome(ex.wait_any([sub], 30)[0]) == {"rows": 1, "bytes": 8, "input_bytes": 0}
    assert dt.value(ex.fetch(sub.handle)) == 2
    ex.release(job, payload, [sub.handle])
