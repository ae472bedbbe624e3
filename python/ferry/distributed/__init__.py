"""ferry.distributed: run a query's stages on worker processes and clusters.

A job is cut into stages at its exchanges; a driver-side scheduler runs
each stage's tasks on an executor once its inputs exist. Three executors
adapt engines that already exist (docs/distributed.md):

* :class:`LocalExecutor`: a spawn-started process pool on this machine,
  the default;
* :class:`DaskExecutor`: a ``dask.distributed.Client`` (``ferry[dask]``);
* :class:`RayExecutor`: Ray tasks (``ferry[ray]``).

Examples:
    >>> from ferry.distributed import JobSpec, LocalExecutor, StageSpec, run_job
    >>> def add_inputs(payload, stage, task, inputs):  # a runner: task index + inputs
    ...     total = task + sum(int.from_bytes(b, "little") for bs in inputs.values() for b in bs)
    ...     return total.to_bytes(8, "little"), {"rows": 1}
    >>> job = JobSpec(b"", [StageSpec(0, 3), StageSpec(1, 1, (0,))], add_inputs)
    >>> with LocalExecutor(workers=2, progress=False) as ex:
    ...     result = run_job(job, ex)
    >>> int.from_bytes(result.outputs[0], "little")  # 0 + (0 + 1 + 2)
    3
"""

from ferry.distributed.dask_executor import DaskExecutor
from ferry.distributed.errors import InputLostError, TaskError, WorkerLostError
from ferry.distributed.executor import Executor, Submitted
from ferry.distributed.job import JobSpec, StageSpec
from ferry.distributed.local_executor import LocalExecutor
from ferry.distributed.ray_executor import RayExecutor
from ferry.distributed.scheduler import JobResult, run_job

__all__ = [
    "DaskExecutor",
    "Executor",
    "InputLostError",
    "JobResult",
    "JobSpec",
    "LocalExecutor",
    "RayExecutor",
    "StageSpec",
    "Submitted",
    "TaskError",
    "WorkerLostError",
    "run_job",
]
