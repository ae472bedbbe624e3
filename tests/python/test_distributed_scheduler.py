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
from ferry.distributed import progress
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

# A hang catcher, not a speed check: replacing killed Dask workers took over
# 120 s on a 2-core machine at load 30 (a worker process imports ferry,
# pyarrow and distributed).
pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def local_pool(local_executor):
    return local_executor


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
            client = request.getfixturevalue("dask_client")
            dt.wait_for_dask_workers(client)
            return DaskExecutor(client, **settings)
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


def test_dead_local_worker_costs_only_its_own_task(tmp_path):
    # Task 0 kills its worker while task 1 runs on the other; task 1 ends
    # only after task 0 has started again, so it was in flight throughout.
    job = dt.tree_job({"kill": [0, 0], "beside_kill": [0, 1], "record": True,
                       "marker_dir": str(tmp_path)}, widths=(2, 1))
    with LocalExecutor(workers=2, progress=False, max_attempts=2) as ex:
        assert results(job, ex) == dt.tree_expected((2, 1))
        runs = os.listdir(tmp_path)
        assert len([r for r in runs if r.startswith("run-0-0-")]) == 2
        assert len([r for r in runs if r.startswith("run-0-1-")]) == 1  # never lost
        assert results(dt.tree_job(widths=(3, 1)), ex) == dt.tree_expected((3, 1))


def dask_tree_job(dask_client, tmp_path) -> tuple[DaskExecutor, JobSpec]:
    # Both workers up (one killed by an earlier test may be restarting), so
    # the payload is scattered to both.
    dt.wait_for_dask_workers(dask_client)
    job = dt.tree_job({"record": True, "marker_dir": str(tmp_path), "pad": 200_000},
                      widths=(2, 1))
    return DaskExecutor(dask_client, progress=False), job


def runs_of(tmp_path, stage: int, task: int) -> int:
    return len([r for r in os.listdir(tmp_path) if r.startswith(f"run-{stage}-{task}-")])


def test_lost_output_on_dask_is_computed_again(dask_client, tmp_path):
    # Before stage 1 starts, the worker holding stage 0 task 0's output
    # dies (its nanny starts a fresh one): Dask computes the output again.
    ex, job = dask_tree_job(dask_client, tmp_path)

    def lose(inputs):
        output = inputs[0][0]
        dt.kill_dask_workers(dask_client, dask_client.who_has([output])[output.key])

    dt.lose_before_first_reader(ex, lose)
    assert results(job, ex) == dt.tree_expected((2, 1))
    assert runs_of(tmp_path, 0, 0) == 2


def test_dask_job_outlives_every_worker_of_a_stage(dask_client, tmp_path):
    # Both workers die after stage 0, taking its outputs and every copy of
    # the scattered payload: the payload is scattered again and stage 0
    # runs again before stage 1.
    ex, job = dask_tree_job(dask_client, tmp_path)
    dt.lose_before_first_reader(ex, lambda inputs: dt.kill_dask_workers(dask_client))
    assert results(job, ex) == dt.tree_expected((2, 1))
    assert runs_of(tmp_path, 0, 0) == runs_of(tmp_path, 0, 1) == 2


def test_lost_output_on_ray_reruns_its_producer(run_isolated, tmp_path):
    # A Ray node holding stage 0's outputs leaves the cluster before stage 1
    # starts: Ray cannot rebuild them (its retries are off), so ferry's
    # scheduler runs their tasks again. Needs a cluster of its own (two
    # nodes), so it runs in a fresh interpreter.
    code = f"""
        import os, sys
        sys.path.insert(0, {HERE!r})
        import cloudpickle, ray
        from ray.cluster_utils import Cluster
        import distributed_tasks as dt
        from ferry.distributed import RayExecutor, run_job
        cloudpickle.register_pickle_by_value(dt)
        cluster = Cluster(initialize_head=True,
                          head_node_args={{"num_cpus": 0, "include_dashboard": False}})
        node = cluster.add_node(num_cpus=2)
        ray.init(address=cluster.address, log_to_driver=False)
        cluster.wait_for_nodes()
        ex = RayExecutor(progress=False, no_worker_timeout=60)

        def lose(inputs):
            cluster.remove_node(node)
            cluster.add_node(num_cpus=2)

        dt.lose_before_first_reader(ex, lose)
        job = dt.tree_job({{"record": True, "marker_dir": {str(tmp_path)!r}, "pad": 200_000}},
                          widths=(2, 1))
        print("result", [dt.value(b) for b in run_job(job, ex).outputs], flush=True)
        ray.shutdown()
        cluster.shutdown()
    """
    done = run_isolated(code)
    assert f"result {dt.tree_expected((2, 1))}" in done.stdout, done.stderr[-3000:]
    assert runs_of(tmp_path, 0, 0) == runs_of(tmp_path, 0, 1) == 2


def test_engine_task_names(make_executor, tmp_path):
    if make_executor.engine == "local":
        pytest.skip("the local pool's processes have no task names")
    job = dt.tree_job({"names": True, "marker_dir": str(tmp_path)}, widths=(2, 1))
    run_job(job, make_executor())
    for stage, task in [(0, 0), (0, 1), (1, 0)]:
        name = (tmp_path / f"name-{stage}-{task}").read_text()
        if make_executor.engine == "ray":
            assert name == f"ferry/{job.job_id}/{stage}/{task}"
        else:  # Dask keys add the attempt
            assert name == f"ferry/{job.job_id}/{stage}/{task}/0"


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
    dt.wait_for_dask_workers(dask_client)
    ex = DaskExecutor(dask_client, progress=False)
    job = dt.tree_job(widths=(2,))
    payload = ex.broadcast(job)
    sub = ex.submit(job, payload, 0, 1, 0, {})
    assert sub.handle.key == f"ferry/{job.job_id}/0/1/0"
    assert ex.outcome(ex.wait_any([sub], 30)[0]) == {"rows": 1, "bytes": 8, "input_bytes": 0}
    assert dt.value(ex.fetch(sub.handle)) == 2
    ex.release(job, payload, [sub.handle])


def test_progress_bars_with_tqdm_on_a_terminal(capsys, local_pool, monkeypatch):
    pytest.importorskip("tqdm")
    monkeypatch.setattr(progress, "_interactive", lambda: True)
    monkeypatch.setattr(local_pool, "progress", None)  # None: on, since "a terminal"
    job = dt.tree_job()
    run_job(job, local_pool)
    err = capsys.readouterr().err
    for stage, total in [(0, 4), (1, 3), (2, 1)]:
        assert f"ferry stage {stage}: 100%" in err and f"{total}/{total}" in err
    assert f"ferry {job.job_id} stage" not in err  # bars instead of the plain lines


def test_progress_plain_lines_without_tqdm(capsys, local_pool, monkeypatch):
    monkeypatch.setattr(progress, "_interactive", lambda: True)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # tqdm not installed
    monkeypatch.setattr(local_pool, "progress", None)
    job = dt.tree_job()
    run_job(job, local_pool)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("ferry")]
    assert [line.split(":")[0] for line in lines] == [
        f"ferry {job.job_id} stage {s}" for s in (0, 1, 2)]


@pytest.mark.parametrize("interactive, setting", [(True, False), (False, None), (False, False)])
def test_progress_off(capsys, local_pool, monkeypatch, interactive, setting):
    monkeypatch.setattr(progress, "_interactive", lambda: interactive)
    monkeypatch.setattr(local_pool, "progress", setting)
    result = run_job(dt.tree_job(), local_pool)
    assert "ferry" not in capsys.readouterr().err
    assert result.stages[0].done == 4  # the numbers are kept either way
