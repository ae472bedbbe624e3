"""RayExecutor: Ray tasks (not actors, so Ray's fault handling applies).

The payload goes to the object store once (``ray.put``); tasks receive its
ref wrapped in a list so Ray does not resolve it, and a worker process
fetches it only on its first task of the job. Each task has two returns:
its output (an object the next stage's tasks take as arguments, zero-copy
as a uint8 array) and its stats (all the driver fetches). Tasks are named
``ferry/<job>/<stage>/<task>`` for the dashboard. Ray itself does not retry
them: the scheduler decides, the same as on every engine.

A task that reads only its slice of a shuffle gets, per node holding map
outputs, a small slice task (``.../slice/<stage>/<i>``) with soft affinity
to that node that cuts the reducer's slice out of those outputs: only
slices travel to the reducer.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from ferry.distributed import worker
from ferry.distributed.errors import InputLostError, TaskError, WorkerLostError
from ferry.distributed.executor import Executor, Submitted
from ferry.distributed.job import JobSpec

__all__ = ["RayExecutor"]


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise ImportError("RayExecutor needs ray: pip install 'ferry[ray]'") from e
    return ray


_remote_functions: dict[str, Any] = {}


def _remote(ray: Any, name: str = "task") -> Any:
    """The Ray remote function of a task (two returns: output, stats) or a slice."""
    if name not in _remote_functions:
        _remote_functions["task"] = ray.remote(
            num_returns=2, max_retries=0, retry_exceptions=False)(_run_ray_task)
        _remote_functions["slice"] = ray.remote(
            max_retries=0, retry_exceptions=False)(_slice_ray)
    return _remote_functions[name]


class RayExecutor(Executor):
    """Runs tasks on the Ray cluster this process is connected to.

    Args:
        init: keyword arguments for ``ray.init()``, used only when Ray is
            not initialized yet (then ``close()`` shuts it down again).
        num_cpus: CPUs each task reserves (default 1).
        initializer: a callable each Ray worker process runs once before
            its first ferry task (pickled with cloudpickle), e.g. one that
            registers UDFs in a session and calls
            :func:`ferry.ipc.set_global_ctx` so strict jobs find them; the
            per-task counterpart of Ray's ``worker_process_setup_hook`` for
            a Ray that is already running.
        **settings: ``max_attempts``, ``progress``, ``no_worker_timeout``
            (see :class:`Executor`).
    """

    def __init__(self, *, init: dict | None = None, num_cpus: float = 1,
                 initializer: Callable[[], None] | None = None, **settings: Any) -> None:
        ray = _import_ray()
        super().__init__(**settings)
        self._ray = ray
        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            ray.init(**(init or {}))
        self._num_cpus = num_cpus
        self._initializer = initializer
        # The last object-location answer: (refs asked, ref -> locations).
        self._locations: tuple[tuple, dict] = ((), {})

    def close(self) -> None:
        if self._owns_ray and self._ray.is_initialized():
            self._ray.shutdown()

    def num_workers(self) -> int:
        cpus = sum(node["Resources"].get("CPU", 0) for node in self._ray.nodes() if node["Alive"])
        return int(cpus // self._num_cpus)

    def broadcast(self, job: JobSpec) -> Any:
        import cloudpickle
        import numpy as np

        initializer = None if self._initializer is None else cloudpickle.dumps(self._initializer)
        return self._ray.put((np.frombuffer(job.payload, dtype=np.uint8),
                              cloudpickle.dumps(job.runner), initializer))

    def submit(self, job: JobSpec, payload: Any, stage: int, task: int, attempt: int,
               inputs: dict[int, list[Any]]) -> Submitted:
        name = job.task_name(stage, task)
        layout = [(source, len(refs)) for source, refs in inputs.items()]
        flat = [ref for refs in inputs.values() for ref in refs]
        output, stats = _remote(self._ray).options(name=name, num_cpus=self._num_cpus).remote(
            job.job_id, [payload], name, stage, task, layout, *flat)
        return Submitted(stage, task, attempt, output, stats)

    def slice_inputs(self, job: JobSpec, stage: int, task: int, attempt: int, source: int,
                     handles: list[Any]) -> list[Any]:
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        name = f"{job.task_name(stage, task)}/slice/{source}"
        remote = _remote(self._ray, "slice")
        slices = []
        for i, (node, group) in enumerate(self._by_node(handles).items()):
            # Soft affinity: should the node be gone, Ray runs it elsewhere.
            where = "DEFAULT" if node is None else NodeAffinitySchedulingStrategy(node, soft=True)
            slices.append(remote.options(name=f"{name}/{i}", num_cpus=self._num_cpus,
                                         scheduling_strategy=where).remote(
                job.slicer, task, *group))
        return slices

    def _by_node(self, handles: list[Any]) -> dict[str | None, list[Any]]:
        """``handles`` grouped by a node holding them (one slice task per
        node and reducer, not per map output; small outputs live inline in
        the driver, under None); asked once per input stage."""
        from ray.experimental import get_object_locations

        keys = tuple(handles)
        if self._locations[0] != keys:
            self._locations = (keys, get_object_locations(handles))
        groups: dict[str | None, list[Any]] = {}
        for handle in handles:
            nodes = self._locations[1].get(handle, {}).get("node_ids") or [None]
            groups.setdefault(nodes[0], []).append(handle)
        return groups

    def wait_any(self, submitted: list[Submitted], timeout: float) -> list[Submitted]:
        by_ref = {s.future: s for s in submitted}
        ready, _ = self._ray.wait(list(by_ref), num_returns=1, timeout=timeout,
                                  fetch_local=False)
        if not ready:
            return []
        ready, _ = self._ray.wait(list(by_ref), num_returns=len(by_ref), timeout=0,
                                  fetch_local=False)
        return [by_ref[r] for r in ready]

    def outcome(self, sub: Submitted) -> dict:
        exceptions = self._ray.exceptions
        try:
            return self._ray.get(sub.future)
        except exceptions.RayTaskError as e:
            cause = getattr(e, "cause", None)
            if isinstance(cause, (TaskError, InputLostError)):
                raise cause from None
            if isinstance(cause, (exceptions.ObjectLostError, exceptions.OwnerDiedError)):
                raise InputLostError(-1, -1, str(cause)) from e
            raise TaskError(f"{type(cause or e).__name__}: {cause or e}") from e
        except (exceptions.WorkerCrashedError, exceptions.NodeDiedError) as e:
            raise WorkerLostError(f"Ray lost the task's worker: {e}") from e
        except exceptions.ObjectLostError as e:
            raise InputLostError(-1, -1, str(e)) from e
        except exceptions.TaskCancelledError as e:
            raise WorkerLostError(f"Ray cancelled the task: {e}") from e

    def fetch(self, handle: Any) -> Any:
        return memoryview(self._ray.get(handle))

    def cancel(self, submitted: Iterable[Submitted]) -> None:
        for sub in submitted:
            try:
                self._ray.cancel(sub.handle, force=False)
            except Exception:  # noqa: BLE001 - best effort: the task may be done already
                pass

    def release(self, job: JobSpec, payload: Any, handles: Iterable[Any]) -> None:
        """Nothing to do: Ray frees objects once the driver drops their refs."""


def _run_ray_task(job_id: str, payload_box: list, task_name: str, stage: int, task: int,
                  layout: list[tuple[int, int]], *flat: Any) -> tuple[Any, dict]:
    import numpy as np
    import ray

    def load() -> tuple[bytes, Any]:
        import cloudpickle

        array, runner, initializer = ray.get(payload_box[0])
        if initializer is not None:
            worker.initialize_once(initializer)
        return array.tobytes(), cloudpickle.loads(runner)

    data, runner = worker.cached_payload(job_id, load)
    inputs: dict[int, list[Any]] = {}
    position = 0
    for source, count in layout:
        inputs[source] = [memoryview(a) for a in flat[position:position + count]]
        position += count
    output, stats = worker.execute_task(runner, data, task_name, stage, task, inputs)
    return np.frombuffer(output, dtype=np.uint8), stats


def _slice_ray(slicer: Any, index: int, *outputs: Any) -> Any:
    import numpy as np

    return np.frombuffer(slicer([memoryview(output) for output in outputs], index),
                         dtype=np.uint8)
