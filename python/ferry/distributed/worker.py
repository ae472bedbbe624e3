"""Worker side: what every executor's task function calls.

Each executor turns its engine's handles into bytes-like buffers and calls
:func:`execute_task`, which runs the job's runner and turns any exception
into a picklable :class:`TaskError` carrying the worker's traceback.
Payloads are kept per process by job id (:func:`cached_payload`), so a
worker reads or fetches a job's payload once however many tasks it runs.
"""

from __future__ import annotations

import threading
import traceback
from collections import OrderedDict
from typing import Any, Callable

from ferry.distributed.errors import InputLostError, TaskError

__all__ = ["cached_payload", "execute_task", "initialize_once", "run_ferry_task",
           "slice_ferry_outputs"]

_PAYLOADS_KEPT = 4  # jobs whose payloads one worker process keeps
_payloads: OrderedDict[str, Any] = OrderedDict()
_payloads_lock = threading.Lock()


def cached_payload(job_id: str, load: Callable[[], Any]) -> Any:
    """This process's copy of job ``job_id``'s payload, ``load()``-ed on first use."""
    with _payloads_lock:
        if job_id in _payloads:
            _payloads.move_to_end(job_id)
            return _payloads[job_id]
    payload = load()
    with _payloads_lock:
        _payloads[job_id] = payload
        while len(_payloads) > _PAYLOADS_KEPT:
            _payloads.popitem(last=False)
    return payload


_initialized: set[str] = set()


def initialize_once(pickled: bytes) -> None:
    """Runs the cloudpickled set-up function ``pickled`` unless this process
    already ran the same one (an executor's ``initializer``)."""
    import hashlib

    import cloudpickle

    key = hashlib.sha256(pickled).hexdigest()
    with _payloads_lock:
        if key in _initialized:
            return
        cloudpickle.loads(pickled)()
        _initialized.add(key)


def execute_task(
    runner: Callable[..., tuple[Any, dict]],
    payload: Any,
    task_name: str,
    stage_id: int,
    task_index: int,
    inputs: dict[int, list[Any]],
) -> tuple[Any, dict]:
    """Runs one task; its own failures come back as :class:`TaskError`."""
    try:
        output, stats = runner(payload, stage_id, task_index, inputs)
    except InputLostError:
        raise
    except BaseException as e:  # noqa: BLE001 - a task's every failure is the job's
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        text = "".join(traceback.format_exception(e))
        raise TaskError(_message(e), text, task_name) from None
    stats = dict(stats)
    # What the engine handed this task: the shuffle volume a benchmark reports.
    stats.setdefault("input_bytes", sum(memoryview(buffer).nbytes
                                        for buffers in inputs.values() for buffer in buffers))
    return output, stats


def _message(e: BaseException) -> str:
    message = str(e)
    cause = e.__cause__
    if cause is not None and str(cause) not in message:
        message = f"{message} (caused by {type(cause).__name__}: {cause})"
    return f"{type(e).__name__}: {message}"


def run_ferry_task(payload: Any, stage_id: int, task_index: int,
                   inputs: dict[int, list[Any]]) -> tuple[bytes, dict]:
    """The runner of ferry's own jobs: one stage fragment over its inputs.

    The worker's session is the one set by :func:`ferry.ipc.set_global_ctx`
    when there is one (its registered UDFs resolve the ones a strict job
    names), else one built from the sender's config in the payload.
    """
    from ferry import _core
    from ferry.context import SessionContext

    ctx = SessionContext._global
    return _core.run_task(payload, stage_id, task_index, inputs,
                          ctx._raw if ctx is not None else None)


def slice_ferry_outputs(outputs: list[Any], index: int) -> bytes:
    """The slicer of ferry's own jobs: one task output holding slice
    ``index`` of each of ``outputs`` (ferry task outputs), nothing else."""
    from ferry import _core

    return _core.slice_task_outputs(outputs, index)
