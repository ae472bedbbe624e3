"""Driver-side progress: one line per stage, never from workers.

With tqdm installed and stderr a terminal or a notebook, each stage gets a
bar (tasks done/total, rows, bytes, elapsed); otherwise each stage prints
one plain line to stderr when it finishes. ``enabled=None`` shows progress
only on a terminal or in a notebook.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from ferry.distributed.job import JobSpec

__all__ = ["Progress", "StageProgress"]


@dataclass
class StageProgress:
    """What the driver knows of one stage."""

    stage: int
    total: int
    tasks: dict[int, dict] = field(default_factory=dict)  # finished task -> its stats
    first_start: float | None = None
    last_finish: float | None = None
    bar: object = field(default=None, repr=False)

    @property
    def done(self) -> int:
        return len(self.tasks)

    @property
    def rows(self) -> int:
        return sum(int(stats.get("rows", 0)) for stats in self.tasks.values())

    @property
    def bytes(self) -> int:
        return sum(int(stats.get("bytes", 0)) for stats in self.tasks.values())

    @property
    def elapsed(self) -> float:
        if self.first_start is None:
            return 0.0
        end = self.last_finish if self.done >= self.total else time.monotonic()
        return (end or time.monotonic()) - self.first_start

    def line(self, job_id: str) -> str:
        return (f"ferry {job_id} stage {self.stage}: {self.done}/{self.total} tasks, "
                f"{self.rows} rows, {_size(self.bytes)}, {self.elapsed:.2f} s")


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def _interactive() -> bool:
    if "ipykernel" in sys.modules:
        return True
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


class Progress:
    """Stage progress of one job; ``stages`` stays readable after the job."""

    def __init__(self, job: JobSpec, enabled: bool | None) -> None:
        self.job = job
        self.stages = {s.id: StageProgress(s.id, s.num_tasks) for s in job.stages}
        self.enabled = _interactive() if enabled is None else enabled
        self._tqdm = None
        if self.enabled and _interactive():
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            self._tqdm = tqdm

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        for stage in self.stages.values():
            if stage.bar is not None:
                stage.bar.close()

    def started(self, stage_id: int) -> None:
        stage = self.stages[stage_id]
        if stage.first_start is None:
            stage.first_start = time.monotonic()
            if self.enabled and self._tqdm is not None:
                stage.bar = self._tqdm(total=stage.total, desc=f"ferry stage {stage_id}",
                                       unit="task", leave=True)

    def finished(self, stage_id: int, task: int, stats: dict) -> None:
        stage = self.stages[stage_id]
        stage.tasks[task] = stats
        stage.last_finish = time.monotonic()
        if not self.enabled:
            return
        if stage.bar is not None:
            stage.bar.set_postfix_str(f"{stage.rows} rows, {_size(stage.bytes)}", refresh=False)
            stage.bar.update(1)
        elif stage.done == stage.total:
            print(stage.line(self.job.job_id), file=sys.stderr, flush=True)

    def lost(self, stage_id: int, task: int) -> None:
        """A finished task of the stage must run again."""
        stage = self.stages[stage_id]
        stage.tasks.pop(task, None)
        if stage.bar is not None:
            stage.bar.update(-1)
