"""LocalExecutor: a pool of worker processes on this machine (the default).

Workers are started with ``spawn`` (safe under threads, the same on every
OS). A job's payload is written once to a file under /dev/shm (the temp
directory where there is none), which each worker process reads once; each
task writes its output to a file beside it, and consumers and the driver
map those files instead of copying them through pipes (a consumer touches
only the pages of its own slice of each file).

Each worker process is a one-process ``ProcessPoolExecutor`` of its own
that runs one task at a time, fed from one queue here: a worker that dies
breaks only its own pool, so only the task it was running reports a lost
worker; its slot starts a fresh process and the other workers carry on.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import functools
import mmap
import multiprocessing as mp
import os
import shutil
import tempfile
import threading
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable

from ferry.distributed import worker
from ferry.distributed.errors import InputLostError, TaskError, WorkerLostError
from ferry.distributed.executor import Executor, Submitted
from ferry.distributed.job import JobSpec

__all__ = ["LocalExecutor"]


def _shm_root() -> str:
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) \
        else tempfile.gettempdir()


class LocalExecutor(Executor):
    """Runs tasks on ``workers`` local processes.

    Args:
        workers: number of worker processes (default: one per core).
        initializer: a callable each worker runs once at start (pickled
            with cloudpickle, so a local function works),
            e.g. one that registers UDFs in a session and calls
            :func:`ferry.ipc.set_global_ctx` so strict jobs find them.
        **settings: ``max_attempts``, ``progress``, ``no_worker_timeout``
            (see :class:`Executor`).

    Examples:
        >>> from ferry.distributed import LocalExecutor
        >>> with LocalExecutor(workers=2, progress=False) as ex:
        ...     ex.num_workers()
        2
    """

    def __init__(self, workers: int | None = None, *,
                 initializer: Callable[[], None] | None = None, **settings: Any) -> None:
        super().__init__(**settings)
        if workers is None:
            workers = os.cpu_count() or 1
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be an int >= 1, got {workers!r}")
        self.workers = workers
        self._initializer = initializer
        # One single-process pool per worker (None: start one when needed).
        self._slots: list[_Slot] = [_Slot() for _ in range(workers)]
        self._queue: collections.deque[tuple[tuple, cf.Future]] = collections.deque()
        self._lock = threading.Lock()

    # ---- the workers -----------------------------------------------------------

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        import cloudpickle

        # Pickled by value, so a function from a script or a test module
        # (which workers cannot import) works too.
        initargs = () if self._initializer is None else (cloudpickle.dumps(self._initializer),)
        return cf.ProcessPoolExecutor(
            1, mp_context=mp.get_context("spawn"),
            initializer=None if self._initializer is None else _initialize, initargs=initargs)

    def _dispatch(self) -> None:
        """Hands queued tasks to idle workers, one task per worker."""
        started = []
        with self._lock:
            for slot in self._slots:
                while not slot.busy and self._queue:
                    args, future = self._queue.popleft()
                    if not future.set_running_or_notify_cancel():
                        continue  # cancelled while queued
                    if slot.pool is None:
                        slot.pool = self._new_pool()
                    slot.busy = True
                    pool = slot.pool
                    try:
                        running = pool.submit(*args)
                    except (BrokenProcessPool, RuntimeError) as e:  # broken or shut down
                        slot.pool, slot.busy = None, False
                        future.set_exception(e if isinstance(e, BrokenProcessPool)
                                             else cf.CancelledError(str(e)))
                        continue
                    started.append((running, functools.partial(self._done, slot, pool, future)))
        # Outside the lock: a callback of a task already done runs right here.
        for running, callback in started:
            running.add_done_callback(callback)

    def _done(self, slot: _Slot, pool: cf.ProcessPoolExecutor, future: cf.Future,
              running: cf.Future) -> None:
        """A worker finished a task (or died): pass the outcome on, free the slot."""
        error = (cf.CancelledError("the local pool was shut down") if running.cancelled()
                 else running.exception())
        if error is None:
            future.set_result(running.result())
        else:
            future.set_exception(error)
        with self._lock:
            if isinstance(error, BrokenProcessPool) and slot.pool is pool:
                slot.pool = None  # its process is gone; the broken pool cleans itself up
            slot.busy = False
        self._dispatch()

    def close(self) -> None:
        with self._lock:
            queued, self._queue = list(self._queue), collections.deque()
            pools = [slot.pool for slot in self._slots if slot.pool is not None]
            for slot in self._slots:
                slot.pool = None
        for _, future in queued:
            future.cancel()
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)

    def num_workers(self) -> int:
        return self.workers

    # ---- jobs --------------------------------------------------------------

    def broadcast(self, job: JobSpec) -> Any:
        import cloudpickle

        job_dir = os.path.join(_shm_root(), f"ferry-{os.getpid()}-{job.job_id}")
        os.makedirs(job_dir, mode=0o700)
        path = os.path.join(job_dir, "payload")
        with open(path, "wb") as f:
            f.write(job.payload)
        with open(os.path.join(job_dir, "runner"), "wb") as f:
            f.write(cloudpickle.dumps(job.runner))
        return job_dir

    def submit(self, job: JobSpec, payload: Any, stage: int, task: int, attempt: int,
               inputs: dict[int, list[Any]]) -> Submitted:
        out = os.path.join(payload, f"s{stage}-t{task}-a{attempt}.arrow")
        args = (_run_local_task, job.job_id, payload, job.task_name(stage, task),
                stage, task, out, inputs)
        future: cf.Future = cf.Future()
        with self._lock:
            self._queue.append((args, future))
        self._dispatch()
        return Submitted(stage, task, attempt, out, future)

    def wait_any(self, submitted: list[Submitted], timeout: float) -> list[Submitted]:
        by_future = {s.future: s for s in submitted}
        done, _ = cf.wait(by_future, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return [by_future[f] for f in done]

    def outcome(self, sub: Submitted) -> dict:
        try:
            return sub.future.result()
        except BrokenProcessPool as e:
            raise WorkerLostError(f"a local worker process died: {e}") from e
        except cf.CancelledError as e:
            raise WorkerLostError("the local pool was shut down under the task") from e
        except (TaskError, InputLostError):
            raise
        except Exception as e:  # the pool could not even hand the task over
            raise TaskError(f"{type(e).__name__}: {e}") from e

    def fetch(self, handle: Any) -> Any:
        with open(handle, "rb") as f:
            return f.read()

    def cancel(self, submitted: Iterable[Submitted]) -> None:
        for sub in submitted:
            sub.future.cancel()

    def release(self, job: JobSpec, payload: Any, handles: Iterable[Any]) -> None:
        shutil.rmtree(payload, ignore_errors=True)


class _Slot:
    """One worker: its one-process pool and whether it runs a task now."""

    def __init__(self) -> None:
        self.pool: cf.ProcessPoolExecutor | None = None
        self.busy = False


# ---- worker side -------------------------------------------------------------

def _initialize(pickled: bytes) -> None:
    import cloudpickle

    cloudpickle.loads(pickled)()


def _load_job(job_dir: str) -> tuple[Any, Callable]:
    import cloudpickle

    try:
        with open(os.path.join(job_dir, "runner"), "rb") as f:
            runner = cloudpickle.loads(f.read())
        with open(os.path.join(job_dir, "payload"), "rb") as f:
            return f.read(), runner
    except FileNotFoundError as e:
        raise TaskError(f"the job's payload is gone from {job_dir} (job cancelled?)") from e


def _map(path: str) -> Any:
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return b""
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _run_local_task(job_id: str, job_dir: str, task_name: str, stage: int, task: int,
                    out: str, inputs: dict[int, list[str]]) -> dict:
    payload, runner = worker.cached_payload(job_id, lambda: _load_job(job_dir))
    buffers: dict[int, list[Any]] = {}
    for source, paths in inputs.items():
        buffers[source] = []
        for index, path in enumerate(paths):
            try:
                buffers[source].append(_map(path))
            except FileNotFoundError:
                raise InputLostError(source, index, path) from None
    output, stats = worker.execute_task(runner, payload, task_name, stage, task, buffers)
    tmp = f"{out}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(output)
    os.replace(tmp, out)
    return stats
