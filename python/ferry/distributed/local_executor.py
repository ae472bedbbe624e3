"""LocalExecutor: a pool of worker processes on this machine (the default).

Workers are started with ``spawn`` (safe under threads, the same on every
OS). A job's payload is written once to a file under /dev/shm (the temp
directory where there is none), which each worker process reads once; each
task writes its output to a file beside it, and consumers and the driver
map those files instead of copying them through pipes. A worker that dies
breaks a ``ProcessPoolExecutor`` as a whole: every attempt then in flight
reports a lost worker, a fresh pool starts, and the scheduler resubmits.
"""

from __future__ import annotations

import concurrent.futures as cf
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
        self._pool: cf.ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    # ---- the pool ------------------------------------------------------------

    def _live_pool(self, broken: cf.ProcessPoolExecutor | None = None) -> cf.ProcessPoolExecutor:
        with self._lock:
            if self._pool is None or self._pool is broken:
                if self._pool is not None:
                    self._pool.shutdown(wait=False, cancel_futures=True)
                import cloudpickle

                # Pickled by value, so a function from a script or a test
                # module (which workers cannot import) works too.
                initargs = () if self._initializer is None else (
                    cloudpickle.dumps(self._initializer),)
                self._pool = cf.ProcessPoolExecutor(
                    self.workers, mp_context=mp.get_context("spawn"),
                    initializer=None if self._initializer is None else _initialize,
                    initargs=initargs)
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

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
        pool = self._live_pool()
        try:
            future = pool.submit(*args)
        except BrokenProcessPool:
            future = self._live_pool(broken=pool).submit(*args)
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
