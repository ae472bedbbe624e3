"""A DataFrame's query as a distributed job: plan, run, read, write.

What :class:`ferry.DataFrame` calls when a method gets ``executor=``. The
engine plans the job (``ferry._core.plan_job``: stages cut at the
exchanges, one payload with every stage's fragment, the UDF table and the
sender's config); this module only turns it into a :class:`JobSpec`, runs
it with :func:`run_job` and reads the root's outputs.

The session that encodes the job is the one that would encode the
DataFrame's bytes (``ipc`` sender slot, default sender, else the
DataFrame's own): a strict one makes a strict job, whose workers resolve
Python UDFs by name in their process-global session
(:func:`ferry.ipc.set_global_ctx`) and never unpickle inline payloads.
"""

from __future__ import annotations

import functools
import os
import threading
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ferry import _core
from ferry.distributed.executor import Executor
from ferry.distributed.job import JobSpec, StageSpec
from ferry.distributed.local_executor import LocalExecutor
from ferry.distributed.scheduler import JobResult, run_job
from ferry.distributed.worker import run_ferry_task, slice_ferry_outputs

if TYPE_CHECKING:
    from ferry.context import SessionContext
    from ferry.dataframe import DataFrame

__all__ = ["collect", "explain", "job_spec", "plan", "resolve_executor",
           "set_session_executor", "write_files"]

_session_executors: dict[int, tuple[Any, Executor]] = {}
_local_default: LocalExecutor | None = None
_lock = threading.RLock()


def set_session_executor(ctx: SessionContext, executor: Executor | str | None) -> None:
    """Makes ``executor`` run every collect of ``ctx``'s DataFrames (None: in process)."""
    raw = ctx._raw
    checked = None if executor is None else _check_executor(executor)
    with _lock:
        if checked is None:
            _session_executors.pop(id(raw), None)
        else:
            _session_executors[id(raw)] = (raw, checked)


def resolve_executor(df: DataFrame, executor: Executor | str | None) -> Executor | None:
    """The executor to run ``df`` on: the one given, else its session's, else
    None (run in this process). ``"local"`` is a process-wide LocalExecutor."""
    if executor is None:
        raw = df._raw.session()
        with _lock:
            entry = _session_executors.get(id(raw))
        if entry is None or entry[0] is not raw:
            return None
        executor = entry[1]
    return _check_executor(executor)


def _check_executor(executor: Executor | str) -> Executor:
    global _local_default
    if executor == "local":
        with _lock:
            if _local_default is None:
                _local_default = LocalExecutor()
            return _local_default
    if not isinstance(executor, Executor):
        raise TypeError(f"executor must be a ferry.distributed Executor or 'local', got "
                        f"{type(executor).__name__}")
    return executor


def plan(df: DataFrame, executor: Executor | None = None, *,
         target_partitions: int | None = None) -> Any:
    """The engine's staged job for ``df``: tasks per stage are the session's
    ``target_partitions`` when set, else the executor's worker count. The
    root stage gathers only where the plan does (a sort's merge, a limit, a
    global aggregate); otherwise each of its tasks is one output partition."""
    from ferry import ipc
    from ferry.context import SessionContext

    ctx = ipc._encoding_ctx() or SessionContext._wrap(df._raw.session())
    if target_partitions is None:
        target_partitions = ctx._raw.target_partitions
        if target_partitions <= 0:
            target_partitions = executor.num_workers() if executor is not None else \
                (os.cpu_count() or 1)
    return _core.plan_job(ctx._raw, df._raw, max(1, target_partitions))


def job_spec(staged: Any, runner: Any = run_ferry_task) -> JobSpec:
    """The scheduler's view of an engine-planned job (``runner`` runs its tasks)."""
    stages = [StageSpec(s.id, s.num_tasks, tuple(s.inputs), sliced=tuple(s.sliced_inputs))
              for s in staged.stages]
    return JobSpec(staged.payload, stages, runner, job_id=staged.job_id,
                   slicer=slice_ferry_outputs)


def explain(df: DataFrame, executor: Executor | None = None) -> str:
    """The stage tree of ``df`` as a distributed job, with task counts."""
    return plan(df, executor).explain()


def collect(df: DataFrame, executor: Executor, *, partitioned: bool = False) -> Any:
    """Runs ``df`` on ``executor``: its batches, or with ``partitioned`` a
    list of batches per output partition."""
    staged = plan(df, executor)
    result: JobResult = run_job(job_spec(staged), executor)
    parts = [_core.read_task_output(output) for output in result.outputs]
    if partitioned:
        return parts
    return [batch for part in parts for batch in part]


def write_files(df: DataFrame, path: str | os.PathLike[str], executor: Executor,
                file_format: str, options: dict) -> list[str]:
    """Writes ``df`` as one file per output partition (per task of the root
    stage) into directory ``path``, each by the worker that computed it;
    the paths written."""
    directory = os.path.abspath(os.fspath(path))
    os.makedirs(directory, exist_ok=True)
    staged = plan(df, executor)
    root = staged.stages[-1].id
    runner = functools.partial(_write_root_task, root=root, directory=directory,
                               file_format=file_format, schema=staged.schema, options=options)
    result = run_job(job_spec(staged, runner), executor)
    return [bytes(output).decode() for output in result.outputs]


def _write_root_task(payload: Any, stage_id: int, task_index: int, inputs: dict, *,
                     root: int, directory: str, file_format: str, schema: pa.Schema,
                     options: dict) -> tuple[bytes, dict]:
    output, stats = run_ferry_task(payload, stage_id, task_index, inputs)
    if stage_id != root:
        return output, stats
    table = pa.Table.from_batches(_core.read_task_output(output), schema=schema)
    target = os.path.join(directory, f"part-{task_index:05d}.{file_format}")
    if file_format == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, target, **options)
    else:
        import pyarrow.csv as pcsv

        pcsv.write_csv(table, target, pcsv.WriteOptions(**options))
    return target.encode(), stats
