"""DaskExecutor: tasks on a dask.distributed cluster the user runs.

The payload is scattered once to every worker (``broadcast=True``); each
task is one Dask task keyed ``ferry/<job>/<stage>/<task>/<attempt>`` whose
arguments are the payload's future and its inputs' futures, so Dask moves
outputs between workers itself and keeps them in worker memory. A second,
tiny task per task (``.../stats``) brings only the task's stats to the
driver. Dask reschedules a task whose worker died a few times on its own
(``distributed.scheduler.allowed-failures``) before reporting
``KilledWorker``, which the scheduler then counts as one lost attempt.

A task that reads only its slice of a shuffle gets, per worker holding map
outputs, a small slice task (``.../slice/<stage>/<i>``) pinned to that
worker (``allow_other_workers`` should it die) that cuts the reducer's
slice out of those outputs: only slices travel to the reducer.
"""

from __future__ import annotations

import queue
from typing import Any, Iterable

from ferry.distributed import worker
from ferry.distributed.errors import InputLostError, TaskError, WorkerLostError
from ferry.distributed.executor import Executor, Submitted
from ferry.distributed.job import JobSpec

__all__ = ["DaskExecutor"]


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as e:
        raise ImportError(
            "DaskExecutor needs dask.distributed: pip install 'ferry[dask]'") from e
    return distributed


class DaskExecutor(Executor):
    """Runs tasks on the workers of a ``dask.distributed.Client``.

    Args:
        client: the Client of a running cluster (the user's; never closed here).
        **settings: ``max_attempts``, ``progress``, ``no_worker_timeout``
            (see :class:`Executor`).
    """

    def __init__(self, client: Any, **settings: Any) -> None:
        distributed = _import_distributed()
        super().__init__(**settings)
        if not isinstance(client, distributed.Client):
            raise TypeError(f"DaskExecutor needs a dask.distributed.Client, got "
                            f"{type(client).__name__}")
        self.client = client
        self._distributed = distributed
        # Completion callbacks (run on the client's event loop) wake wait_any.
        self._finished: queue.SimpleQueue = queue.SimpleQueue()
        # The last who_has answer: (keys asked, key -> worker addresses).
        self._holders: tuple[tuple, dict] = ((), {})

    def num_workers(self) -> int:
        return sum(self.client.nthreads().values())

    def broadcast(self, job: JobSpec) -> Any:
        try:  # scattering needs a worker to scatter to
            self.client.wait_for_workers(1, timeout=self.no_worker_timeout)
        except TimeoutError:
            raise WorkerLostError(
                f"job {job.job_id}: the DaskExecutor has had no worker for "
                f"{self.no_worker_timeout:g} s") from None
        # A box, so a payload lost with every worker holding it (scattered
        # data cannot be recomputed) is scattered again for later tasks.
        return [self._scatter(job)]

    def _scatter(self, job: JobSpec) -> tuple:
        import cloudpickle

        return self.client.scatter((job.job_id, job.payload, cloudpickle.dumps(job.runner)),
                                   broadcast=True, hash=False)

    def submit(self, job: JobSpec, payload: Any, stage: int, task: int, attempt: int,
               inputs: dict[int, list[Any]]) -> Submitted:
        name = job.task_name(stage, task)
        if any(future.status != "finished" for future in payload[0]):
            payload[0] = self._scatter(job)
        output = self.client.submit(_run_dask_task, payload[0], name, stage, task, inputs,
                                    key=f"{name}/{attempt}", pure=False, retries=0)
        stats = self.client.submit(_stats_of, output, key=f"{name}/{attempt}/stats",
                                   pure=False, retries=0)
        stats.add_done_callback(self._finished.put)
        return Submitted(stage, task, attempt, output, stats)

    def slice_inputs(self, job: JobSpec, stage: int, task: int, attempt: int, source: int,
                     handles: list[Any]) -> list[Any]:
        name = f"{job.task_name(stage, task)}/{attempt}/slice/{source}"
        return [self.client.submit(_slice_dask, job.slicer, task, *group, key=f"{name}/{i}",
                                   workers=None if holder is None else [holder],
                                   allow_other_workers=True, pure=False, retries=0)
                for i, (holder, group) in enumerate(self._by_holder(handles).items())]

    def _by_holder(self, handles: list[Any]) -> dict[str | None, list[Any]]:
        """``handles`` grouped by a worker holding them (one slice task per
        worker and reducer, not per map output); asked once per input stage."""
        keys = tuple(handle.key for handle in handles)
        if self._holders[0] != keys:
            self._holders = (keys, self.client.who_has(handles))
        groups: dict[str | None, list[Any]] = {}
        for handle in handles:
            holders = self._holders[1].get(handle.key) or [None]
            groups.setdefault(holders[0], []).append(handle)
        return groups

    def wait_any(self, submitted: list[Submitted], timeout: float) -> list[Submitted]:
        done = [s for s in submitted if s.future.done()]
        if done or not submitted:
            return done
        try:
            self._finished.get(timeout=timeout)
        except queue.Empty:
            return []
        return [s for s in submitted if s.future.done()]

    def outcome(self, sub: Submitted) -> dict:
        from distributed.scheduler import KilledWorker

        try:
            return sub.future.result()
        except (TaskError, InputLostError):
            raise
        except KilledWorker as e:
            raise WorkerLostError(f"Dask lost the task's workers: {e}") from e
        except self._distributed.client.FutureCancelledError as e:
            if e.reason == "lost dependencies":  # an input (or the payload) died with its workers
                raise InputLostError(-1, -1, str(e)) from e
            raise WorkerLostError(f"Dask cancelled the task: {e}") from e
        except Exception as e:
            raise TaskError(f"{type(e).__name__}: {e}") from e

    def fetch(self, handle: Any) -> Any:
        return handle.result()[0]

    def cancel(self, submitted: Iterable[Submitted]) -> None:
        futures = [f for s in submitted for f in (s.handle, s.future)]
        if futures:
            self.client.cancel(futures)

    def release(self, job: JobSpec, payload: Any, handles: Iterable[Any]) -> None:
        # Released, not cancelled: cancelling an output cascades to the
        # slice tasks that read it, which no client holds any more (Dask's
        # scheduler asserts on that).
        for future in (*payload[0], *handles):  # scattering a tuple gives a tuple of futures
            future.release()


def _run_dask_task(payload: tuple, task_name: str, stage: int, task: int,
                   inputs: dict[int, list[tuple]]) -> tuple[Any, dict]:
    import cloudpickle

    job_id, data, pickled_runner = payload
    runner = worker.cached_payload(job_id, lambda: cloudpickle.loads(pickled_runner))
    buffers = {source: [out[0] for out in outs] for source, outs in inputs.items()}
    return worker.execute_task(runner, data, task_name, stage, task, buffers)


def _stats_of(output: tuple[Any, dict]) -> dict:
    return output[1]


def _slice_dask(slicer: Any, index: int, *outputs: tuple[Any, dict]) -> tuple[bytes, dict]:
    return slicer([output[0] for output in outputs], index), {}
