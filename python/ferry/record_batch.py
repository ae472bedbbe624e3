"""Record batches as a stream, pulled from the engine one batch at a time."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

__all__ = ["RecordBatch", "RecordBatchStream"]


class RecordBatch:
    """One batch of a ``RecordBatchStream``; ``to_pyarrow()`` gives the
    ``pyarrow.RecordBatch`` itself (no copy).

    Examples:
        >>> import pyarrow as pa
        >>> RecordBatch(pa.record_batch({"a": [1]})).to_pyarrow().num_rows
        1
    """

    def __init__(self, batch: pa.RecordBatch) -> None:
        """Not called by users: streams make these."""
        self._raw = batch

    def to_pyarrow(self) -> pa.RecordBatch:
        """The batch as a ``pyarrow.RecordBatch``."""
        return self._raw

    def __arrow_c_array__(self, requested_schema: Any = None) -> Any:
        """Arrow PyCapsule export of the batch."""
        return self._raw.__arrow_c_array__(requested_schema)


class RecordBatchStream:
    """The batches of one partition of a running plan, produced as they are
    pulled (``SessionContext.execute``). Iterate it, call ``next()``, or
    hand it to anything that reads ``__arrow_c_stream__`` (``pa.table``).

    Examples:
        >>> from ferry import SessionConfig, SessionContext
        >>> ctx = SessionContext(SessionConfig().with_target_partitions(1))
        >>> plan = ctx.from_pydict({"a": [1, 2]}).execution_plan()
        >>> [batch.to_pyarrow().num_rows for batch in ctx.execute(plan, 0)]
        [2]
    """

    def __init__(self, reader: Any) -> None:
        """Not called by users: ``SessionContext.execute`` makes these, over
        anything read as a ``pyarrow.RecordBatchReader`` is (the engine's
        live partition stream, or a reader of collected batches)."""
        self._reader = reader

    @property
    def schema(self) -> pa.Schema:
        """The schema of every batch."""
        return self._reader.schema

    def next(self) -> RecordBatch:
        """The next batch; StopIteration at the end."""
        return next(self)

    def __next__(self) -> RecordBatch:
        return RecordBatch(self._reader.read_next_batch())

    def __iter__(self) -> RecordBatchStream:
        return self

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """The rest of the stream, for Arrow consumers (``pa.table(stream)``)."""
        return self._reader.__arrow_c_stream__(requested_schema)
