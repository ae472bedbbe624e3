"""Plain-Python job runners for the scheduler tests, on every executor.

Each runner has the shape ``runner(payload, stage, task, inputs) ->
(output, stats)``. Outputs are little-endian int64 values, so a job's
result is computable by hand. The tests register this module to pickle by
value, so spawn-started, Dask and Ray workers need not import it.

The payload is a small JSON object: ``marker_dir`` for runners that act
only on a task's first run (a marker file records that run), ``fail``,
``kill`` and ``drop_when`` name a ``[stage, task]``; ``beside_kill`` a task
that runs while ``kill``'s worker dies and ends only once that task runs
again; ``record`` leaves a file per run in ``marker_dir``, ``names`` a file
with the engine's name of each task; ``pad`` appends that many zero bytes to
each output (big outputs go to an engine's object store, small ones
travel inline).
"""

from __future__ import annotations

import glob
import json
import os
import signal
import time

from ferry.distributed import JobSpec, StageSpec


def value(buffer) -> int:
    return int.from_bytes(bytes(memoryview(buffer)[:8]), "little", signed=True)


def encode(n: int) -> bytes:
    return n.to_bytes(8, "little", signed=True)


def _first_run(settings: dict, stage: int, task: int, what: str) -> bool:
    """True exactly once per (stage, task, what): a marker file remembers."""
    marker = os.path.join(settings["marker_dir"], f"{what}-{stage}-{task}")
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def _touch(settings: dict, name: str) -> None:
    open(os.path.join(settings["marker_dir"], name), "w").close()


def _runs(settings: dict, stage: int, task: int) -> list[str]:
    return glob.glob(os.path.join(settings["marker_dir"], f"run-{stage}-{task}-*"))


RENDEZVOUS_TIMEOUT = 240.0


def _wait_until(condition, timeout: float = RENDEZVOUS_TIMEOUT) -> None:
    """Polls ``condition`` (a fault test's rendezvous); fails after ``timeout`` s.

    Generous because a rendezvous can wait for fresh worker processes
    (Dask's nannies restarting killed workers), which took over 60 s to
    import ferry, pyarrow and distributed on a 2-core machine at load 30."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("a fault test's rendezvous never came")
        time.sleep(0.01)


def engine_task_name() -> str:
    """The name the engine running this task gave it (Dask key, Ray task name)."""
    try:
        import distributed

        return str(distributed.get_worker().get_current_task())
    except (ImportError, ValueError):
        pass
    import ray

    return ray.get_runtime_context().get_task_name()


def tree_sum(payload, stage: int, task: int, inputs: dict) -> tuple[bytes, dict]:
    """Task t of a stage without inputs yields t + 1; other tasks yield task index + the sum
    of all their inputs; ``fail``/``kill``/``drop`` inject faults."""
    settings = json.loads(bytes(payload) or b"{}")
    here = [stage, task]
    if settings.get("record"):
        open(os.path.join(settings["marker_dir"],
                          f"run-{stage}-{task}-{os.getpid()}-{time.time_ns()}"), "w").close()
    if settings.get("fail") == here:
        raise ValueError(f"injected failure in stage {stage} task {task}")
    if settings.get("names"):
        with open(os.path.join(settings["marker_dir"], f"name-{stage}-{task}"), "w") as f:
            f.write(engine_task_name())
    if settings.get("beside_kill") == here:
        # Runs while the killed task's worker dies, and ends only once that
        # task has started again elsewhere.
        _touch(settings, f"beside-{stage}-{task}")
        _wait_until(lambda: len(_runs(settings, *settings["kill"])) >= 2)
    if settings.get("kill") == here and (
            settings.get("kill_always") or _first_run(settings, stage, task, "kill")):
        if settings.get("beside_kill"):
            _wait_until(lambda: os.path.exists(os.path.join(
                settings["marker_dir"], "beside-{}-{}".format(*settings["beside_kill"]))))
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(30)  # never reached: the signal ends the process
    if settings.get("drop_when") == here and _first_run(settings, stage, task, "drop"):
        lost_stage, lost_task = settings["drop"]
        for path in glob.glob(os.path.join(
                "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp",
                f"ferry-*-{settings['job']}", f"s{lost_stage}-t{lost_task}-a*.arrow")):
            os.remove(path)
    if not inputs:
        total = task + 1
    else:
        total = task + sum(value(b) for outs in inputs.values() for b in outs)
    if settings.get("sleep"):
        time.sleep(settings["sleep"])
    output = encode(total) + bytes(settings.get("pad", 0))  # pad: big outputs live in an object store
    return output, {"rows": 1, "bytes": len(output)}


def tree_job(settings: dict | None = None, widths: tuple[int, ...] = (4, 3, 1),
             stages: list[StageSpec] | None = None) -> JobSpec:
    """A chain of stages, each reading the one before (widths: tasks per
    stage), unless ``stages`` are given."""
    if stages is None:
        stages = [StageSpec(i, n, (i - 1,) if i else ()) for i, n in enumerate(widths)]
    job = JobSpec(b"", stages, tree_sum)
    job.payload = json.dumps(dict(settings or {}, job=job.job_id)).encode()
    return job


def tree_expected(widths: tuple[int, ...] = (4, 3, 1)) -> list[int]:
    """The root outputs tree_job computes, by hand."""
    outputs = [t + 1 for t in range(widths[0])]
    for n in widths[1:]:
        total = sum(outputs)
        outputs = [t + total for t in range(n)]
    return outputs


def lose_before_first_reader(executor, lose) -> None:
    """Makes ``executor`` call ``lose(inputs)`` once, just before it submits
    the first task that reads other stages' outputs (``inputs``)."""
    submit = executor.submit
    lost = []

    def submit_after_loss(job, payload, stage, task, attempt, inputs):
        if inputs and not lost:
            lost.append(True)
            lose(inputs)
        return submit(job, payload, stage, task, attempt, inputs)

    executor.submit = submit_after_loss


def wait_for_dask_workers(client, count: int = 2) -> None:
    """Waits until ``client``'s cluster has ``count`` workers again (an
    earlier test may have killed some; their nannies are restarting them)."""
    client.wait_for_workers(count, timeout=RENDEZVOUS_TIMEOUT)


def kill_dask_workers(client, workers: list[str] | None = None) -> None:
    """Kills these workers of ``client``'s cluster (default: all) and waits
    until their nannies have started as many fresh ones."""
    import os

    before = set(client.scheduler_info()["workers"])
    try:
        client.run(os._exit, 1, workers=workers)
    except Exception:  # noqa: BLE001 - the workers die before they can answer
        pass
    count = len(workers) if workers is not None else len(before)
    _wait_until(lambda: len(set(client.scheduler_info()["workers"]) - before) >= count)
