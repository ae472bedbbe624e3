"""What the scheduler runs: a job of stages, each a number of tasks.

A job is engine-neutral: its ``payload`` (bytes every worker gets once) and
a ``runner``, a module-level function that workers import by name and call
as ``runner(payload, stage_id, task_index, inputs) -> (output, stats)``,
where ``inputs`` maps each input stage id to the outputs of all its tasks
in task order, ``output`` is bytes-like and ``stats`` a dict (``rows`` and
``bytes`` are shown in progress lines; ``slice_rows``, the rows of each
slice of the output, lets the scheduler skip empty slices). A stage that
reads an input only by slice (task t needs slice t of every output of that
input) lists it in ``sliced``; the job's ``slicer(outputs, t)`` then cuts
that slice out where the outputs live, so an engine moves only the slice
(executors that share memory hand over whole outputs instead). ferry's own
jobs use :func:`ferry.distributed.worker.run_ferry_task` and
:func:`~ferry.distributed.worker.slice_ferry_outputs` over a payload the
engine planned; any other runner of that shape runs the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["JobSpec", "StageSpec"]


@dataclass(frozen=True)
class StageSpec:
    """One stage: ``num_tasks`` tasks, each reading the outputs of the
    stages in ``inputs``."""

    id: int
    num_tasks: int
    inputs: tuple[int, ...] = ()
    describe: str = ""
    sliced: tuple[int, ...] = ()  # inputs whose task t reads only slice t of each output


@dataclass
class JobSpec:
    """A job: stages listed producers before consumers, the root last."""

    payload: bytes
    stages: list[StageSpec]
    runner: Callable[..., tuple[Any, dict]]
    job_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    slicer: Callable[[list[Any], int], Any] | None = None

    def __post_init__(self) -> None:
        if not self.stages:
            raise ValueError("a job needs at least one stage")
        seen: set[int] = set()
        for stage in self.stages:
            if stage.num_tasks < 1:
                raise ValueError(f"stage {stage.id} has {stage.num_tasks} tasks; it needs >= 1")
            for source in stage.inputs:
                if source not in seen:
                    raise ValueError(
                        f"stage {stage.id} reads stage {source}, which is not listed before it")
            if not set(stage.sliced) <= set(stage.inputs):
                raise ValueError(f"stage {stage.id} slices stages {stage.sliced} it does not read")
            if stage.sliced and self.slicer is None:
                raise ValueError(f"stage {stage.id} reads by slice but the job has no slicer")
            if stage.id in seen:
                raise ValueError(f"stage id {stage.id} appears twice")
            seen.add(stage.id)
        self._by_id = {stage.id: stage for stage in self.stages}

    @property
    def root(self) -> StageSpec:
        """The last stage, whose outputs are the job's result."""
        return self.stages[-1]

    def stage(self, stage_id: int) -> StageSpec:
        """The stage with id ``stage_id``."""
        if stage_id not in self._by_id:
            raise KeyError(f"job {self.job_id} has no stage {stage_id}")
        return self._by_id[stage_id]

    def task_name(self, stage_id: int, task: int) -> str:
        """``ferry/<job>/<stage>/<task>``: the name dashboards group by."""
        return f"ferry/{self.job_id}/{stage_id}/{task}"
