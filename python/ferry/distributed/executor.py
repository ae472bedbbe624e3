"""The one interface every engine adapter implements.

An executor only moves things: it broadcasts a job's payload once, submits
tasks that name their inputs by handle, reports when they finish and
fetches the bytes of the few handles the driver reads. Deciding what runs
when, retries and progress belong to the scheduler
(:mod:`ferry.distributed.scheduler`), the same for every engine.

Handles are whatever the engine keeps outputs as (a file in /dev/shm, a
Dask future, a Ray object ref); the scheduler never looks inside them.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, Iterable

from ferry.distributed.job import JobSpec

__all__ = ["Executor", "Submitted"]


@dataclass(eq=False)
class Submitted:
    """One submitted attempt of a task.

    ``handle`` names its output for consumer tasks before it exists;
    ``future`` is what the engine completes.
    """

    stage: int
    task: int
    attempt: int
    handle: Any
    future: Any


class Executor(abc.ABC):
    """Runs a job's tasks on some engine's workers.

    Args:
        max_attempts: how many times one task may run when workers die
            under it (a task whose own code raises is never run again).
        progress: one line per stage on the driver: ``None`` shows it when
            stderr is a terminal or a notebook, ``True`` always, ``False``
            never.
        no_worker_timeout: seconds a job waits while the engine has no
            worker at all before it fails with :class:`WorkerLostError`.
    """

    def __init__(self, *, max_attempts: int = 4, progress: bool | None = None,
                 no_worker_timeout: float = 60.0) -> None:
        if not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValueError(f"max_attempts must be an int >= 1, got {max_attempts!r}")
        if progress not in (None, True, False):
            raise TypeError(f"progress must be None, True or False, got {progress!r}")
        if not no_worker_timeout > 0:
            raise ValueError(f"no_worker_timeout must be > 0, got {no_worker_timeout!r}")
        self.max_attempts = max_attempts
        self.progress = progress
        self.no_worker_timeout = float(no_worker_timeout)

    @abc.abstractmethod
    def broadcast(self, job: JobSpec) -> Any:
        """Sends ``job``'s payload (and runner) towards the workers once;
        returns the handle tasks receive instead of the payload."""

    @abc.abstractmethod
    def submit(self, job: JobSpec, payload: Any, stage: int, task: int, attempt: int,
               inputs: dict[int, list[Any]]) -> Submitted:
        """Starts one attempt of task ``task`` of stage ``stage`` over the
        input handles (stage id -> handles of all its tasks, in order)."""

    def slice_inputs(self, job: JobSpec, stage: int, task: int, attempt: int, source: int,
                     handles: list[Any]) -> list[Any]:
        """Handles to give attempt ``attempt`` of task ``task`` of ``stage``
        instead of ``handles``, the outputs of stage ``source`` of which it
        reads only slice ``task``. This default hands over the whole outputs,
        right where consumers share the producers' memory; engines that move
        outputs between machines cut the slice out where each output lives
        (``job.slicer``) and move only that."""
        return handles

    @abc.abstractmethod
    def wait_any(self, submitted: list[Submitted], timeout: float) -> list[Submitted]:
        """Those of ``submitted`` that finished (ok or not), waiting at most
        ``timeout`` seconds for the first."""

    @abc.abstractmethod
    def outcome(self, sub: Submitted) -> dict:
        """The stats of a finished attempt, or raises: :class:`TaskError`
        (its code failed), :class:`InputLostError`, or
        :class:`WorkerLostError` (its worker died)."""

    @abc.abstractmethod
    def fetch(self, handle: Any) -> Any:
        """The bytes (or a bytes-like view) of an output, on the driver."""

    @abc.abstractmethod
    def cancel(self, submitted: Iterable[Submitted]) -> None:
        """Stops attempts that are no longer needed, as far as the engine can."""

    @abc.abstractmethod
    def release(self, job: JobSpec, payload: Any, handles: Iterable[Any]) -> None:
        """Frees the job's payload and outputs wherever the engine keeps them."""

    @abc.abstractmethod
    def num_workers(self) -> int:
        """How many task slots the engine has now (0: none alive)."""

    def close(self) -> None:
        """Releases what this executor started itself (never the user's cluster)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
