"""The driver-side stage scheduler, the same over every executor.

A task is submitted as soon as every task of every stage it reads has an
output; tasks carry only (job, stage, task, attempt, input handles).
Outputs stay where the executor keeps them; only the root stage's are
fetched. The failure rules (docs/distributed.md):

* a task whose own code raised (:class:`TaskError`) fails the job at once;
  in-flight tasks are cancelled;
* a task whose worker died runs again, at most ``max_attempts`` times in
  all, then the job fails with :class:`WorkerLostError`;
* a task that finds an input gone makes its producer run again (that run
  counts towards the producer's attempts) and then runs itself;
* a job that sees no worker at all for ``no_worker_timeout`` seconds fails
  with :class:`WorkerLostError`; so no job waits forever.
"""

from __future__ import annotations

import array
import time
from dataclasses import dataclass
from typing import Any

from ferry.distributed.errors import InputLostError, RemoteTraceback, TaskError, WorkerLostError
from ferry.distributed.executor import Executor, Submitted
from ferry.distributed.job import JobSpec, StageSpec
from ferry.distributed.progress import Progress, StageProgress

__all__ = ["JobResult", "run_job"]

_POLL_SECONDS = 0.5


@dataclass
class JobResult:
    """The root stage's outputs on the driver, in task order, and what each
    stage did (tasks, rows, bytes written, elapsed seconds)."""

    outputs: list[Any]
    stages: dict[int, StageProgress]


def run_job(job: JobSpec, executor: Executor) -> JobResult:
    """Runs ``job`` on ``executor`` and fetches the root stage's outputs."""
    payload = executor.broadcast(job)
    run = _JobRun(job, executor, payload)
    try:
        run.drive()
        outputs = [executor.fetch(run.outputs[(job.root.id, t)])
                   for t in range(job.root.num_tasks)]
        return JobResult(outputs, run.progress.stages)
    finally:
        executor.cancel(run.in_flight)
        executor.release(job, payload, list(run.outputs.values()))


class _JobRun:
    """The state of one job on the driver: outputs, attempts, tasks in flight."""

    def __init__(self, job: JobSpec, executor: Executor, payload: Any) -> None:
        self.job = job
        self.executor = executor
        self.payload = payload
        self.outputs: dict[tuple[int, int], Any] = {}
        self.attempts: dict[tuple[int, int], int] = {}
        self.in_flight: list[Submitted] = []
        self.waiting: list[tuple[int, int]] = [
            (stage.id, t) for stage in job.stages for t in range(stage.num_tasks)]
        self.progress = Progress(job, executor.progress)

    def drive(self) -> None:
        no_workers_since: float | None = None
        with self.progress:
            while self.waiting or self.in_flight:
                self._submit_ready()
                if not self.in_flight:
                    raise RuntimeError(  # a job whose stages read no earlier stage cannot get here
                        f"job {self.job.job_id}: tasks {self.waiting} wait for inputs no task makes")
                finished = self.executor.wait_any(self.in_flight, _POLL_SECONDS)
                for sub in finished:
                    self.in_flight.remove(sub)
                    self._settle(sub)
                # Asking the engine costs a round trip: only when nothing finished.
                if finished or self.executor.num_workers() > 0:
                    no_workers_since = None
                elif no_workers_since is None:
                    no_workers_since = time.monotonic()
                elif time.monotonic() - no_workers_since > self.executor.no_worker_timeout:
                    raise WorkerLostError(
                        f"job {self.job.job_id}: the {type(self.executor).__name__} has had no "
                        f"worker for {self.executor.no_worker_timeout:g} s; "
                        f"{len(self.in_flight) + len(self.waiting)} tasks left undone")

    def _submit_ready(self) -> None:
        complete = {stage.id for stage in self.job.stages
                    if all((stage.id, t) in self.outputs for t in range(stage.num_tasks))}
        still_waiting = []
        for key in self.waiting:
            stage = self.job.stage(key[0])
            if not complete.issuperset(stage.inputs):
                still_waiting.append(key)
                continue
            attempt = self.attempts.get(key, 0)
            self.attempts[key] = attempt + 1
            inputs = {source: self._input_handles(stage, key[1], attempt, source)
                      for source in stage.inputs}
            self.in_flight.append(self.executor.submit(
                self.job, self.payload, key[0], key[1], attempt, inputs))
            self.progress.started(key[0])
        self.waiting = still_waiting

    def _input_handles(self, stage: StageSpec, task: int, attempt: int, source: int) -> list:
        """The outputs of stage ``source`` task ``task`` of ``stage`` reads:
        all of them, or for an input it reads by slice, the executor's
        slices of those whose slice ``task`` is not known to be empty."""
        producers = range(self.job.stage(source).num_tasks)
        if source not in stage.sliced:
            return [self.outputs[(source, t)] for t in producers]
        stats = self.progress.stages[source].tasks
        handles = [self.outputs[(source, t)] for t in producers
                   if _slice_rows(stats.get(t, {}), task) != 0]
        return self.executor.slice_inputs(self.job, stage.id, task, attempt, source, handles)

    def _settle(self, sub: Submitted) -> None:
        key = (sub.stage, sub.task)
        name = self.job.task_name(*key)
        try:
            stats = self.executor.outcome(sub)
        except TaskError as e:
            raise TaskError(e.message, e.remote_traceback, name) from RemoteTraceback(
                e.remote_traceback)
        except WorkerLostError as e:
            if self.attempts[key] >= self.executor.max_attempts:
                raise WorkerLostError(
                    f"{name}: its worker died on each of {self.attempts[key]} attempts "
                    f"(max_attempts={self.executor.max_attempts}); last: {e}") from e
            self.waiting.append(key)
            return
        except InputLostError as e:
            if self.attempts[key] >= self.executor.max_attempts:
                raise WorkerLostError(
                    f"{name}: its inputs were lost on each of {self.attempts[key]} attempts "
                    f"(max_attempts={self.executor.max_attempts}); last: {e}") from e
            self._rerun_producers(sub, e)
            self.waiting.append(key)
            return
        if "slice_rows" in stats:  # kept for the whole job: 8 bytes a slice, not a list
            stats["slice_rows"] = array.array("q", stats["slice_rows"])
        self.outputs[key] = sub.handle
        self.progress.finished(sub.stage, sub.task, stats)

    def _rerun_producers(self, sub: Submitted, lost: InputLostError) -> None:
        """Drops the lost outputs (all inputs of ``sub`` when the engine
        cannot say which) so their tasks wait to run again."""
        stage = self.job.stage(sub.stage)
        if lost.stage >= 0:
            keys = [(lost.stage, lost.task)]
        else:
            keys = [(s, t) for s in stage.inputs for t in range(self.job.stage(s).num_tasks)]
        for key in keys:
            if self.outputs.pop(key, None) is not None:
                if self.attempts[key] >= self.executor.max_attempts:
                    raise WorkerLostError(
                        f"{self.job.task_name(*key)}: its output was lost after "
                        f"{self.attempts[key]} attempts (max_attempts="
                        f"{self.executor.max_attempts}): {lost}") from lost
                self.waiting.append(key)
                self.progress.lost(*key)


def _slice_rows(stats: dict, index: int) -> int | None:
    """Rows of slice ``index`` of an output, from its task's stats (None: unknown)."""
    rows = stats.get("slice_rows")
    return rows[index] if rows is not None and 0 <= index < len(rows) else None
