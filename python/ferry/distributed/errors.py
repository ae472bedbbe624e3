"""How a distributed job fails, in three kinds the scheduler tells apart.

* :class:`TaskError`: the task's own code raised (a UDF, a missing file, a
  bad plan). Running it again gives the same error, so the job fails at
  once. Raised on a worker and pickled to the driver, it carries the
  worker's formatted traceback as text because exception pickling drops
  ``__cause__`` and tracebacks.
* :class:`InputLostError`: a task found an input it needs gone (its
  producer's output was deleted or its holder died); the scheduler re-runs
  the producing tasks, then the task.
* :class:`WorkerLostError`: a task's worker died under it too many times,
  or the cluster kept no worker for too long; raised on the driver.
"""

from __future__ import annotations

from ferry.errors import ExecutionError

__all__ = ["InputLostError", "RemoteTraceback", "TaskError", "WorkerLostError"]


class RemoteTraceback(Exception):
    """The worker-side traceback of a failed task, as text (the ``__cause__``
    of the error the driver raises)."""

    def __str__(self) -> str:
        return self.args[0] if self.args else ""


class TaskError(ExecutionError):
    """A task's own code raised on a worker; never retried.

    ``str()`` is the worker's message (for a UDF: ferry's message naming the
    UDF); ``remote_traceback`` the worker's whole traceback, causes included.
    """

    def __init__(self, message: str, remote_traceback: str = "", task: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.remote_traceback = remote_traceback
        self.task = task

    def __reduce__(self) -> tuple:
        return (type(self), (self.message, self.remote_traceback, self.task))

    def __str__(self) -> str:
        return f"{self.task}: {self.message}" if self.task else self.message


class InputLostError(ExecutionError):
    """A task's input, the output of task ``task`` of stage ``stage``, is gone."""

    def __init__(self, stage: int, task: int, detail: str = "") -> None:
        super().__init__(f"input lost: output of stage {stage} task {task} ({detail})")
        self.stage = stage
        self.task = task
        self.detail = detail

    def __reduce__(self) -> tuple:
        return (type(self), (self.stage, self.task, self.detail))


class WorkerLostError(ExecutionError):
    """Workers died under a task more often than the executor's
    ``max_attempts`` allows, or no worker was left to run the job."""
