"""Logical and physical plans as objects: walk, display, ship, execute."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

import pyarrow as pa

from ferry import _core, ipc

if TYPE_CHECKING:
    from ferry.context import SessionContext

__all__ = ["ExecutionPlan", "LogicalPlan"]


def _decoding_ctx(ctx: SessionContext | None) -> SessionContext:
    if ctx is None:
        return ipc.get_worker_ctx() or _global_ctx()
    if not isinstance(ctx, _session_class()):
        ipc._check(ctx)  # raises the TypeError
    return ctx


def _encoding_ctx(ctx: SessionContext | None) -> SessionContext:
    """``ctx``, else this thread's sender slot, else the process-wide default
    sender, else the global session; checked to be a SessionContext."""
    if ctx is None:
        ctx = ipc._encoding_ctx() or _global_ctx()
    if not isinstance(ctx, _session_class()):
        ipc._check(ctx)  # raises the TypeError
    return ctx


_SessionContext: type | None = None


def _session_class() -> type:
    # Imported on first use (ferry.context imports this module), then kept:
    # an import statement per encode or decode costs more than the rest of
    # the Python side of it.
    global _SessionContext
    if _SessionContext is None:
        from ferry.context import SessionContext

        _SessionContext = SessionContext
    return _SessionContext


def _global_ctx() -> SessionContext:
    return _session_class().global_ctx()


def _as_bytes(data: bytes | bytearray | memoryview) -> bytes:
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    if not isinstance(data, bytes):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    return data


def _tables_by_name(tables_by_name: bool | Iterable[str]) -> tuple[bool, list[str]]:
    if isinstance(tables_by_name, bool):
        return tables_by_name, []
    if isinstance(tables_by_name, str):
        return False, [tables_by_name]
    names = list(tables_by_name)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"tables_by_name holds table names, got {type(name).__name__}")
    return False, names


class LogicalPlan:
    """A node of a logical plan (Projection, Filter, TableScan, ...) and,
    through ``inputs()``, the tree below it.

    Obtained from ``DataFrame.logical_plan()`` or
    ``optimized_logical_plan()``, or decoded with ``from_bytes``; turned back
    into a DataFrame by ``SessionContext.create_dataframe_from_logical_plan``.
    datafusion-python's ``to_variant()`` (one Python class per node kind) has
    no counterpart: ``display()``, ``inputs()`` and ``schema()`` describe a
    node.

    Examples:
        >>> from ferry import SessionContext, col
        >>> ctx = SessionContext()
        >>> df = ctx.from_pydict({"a": [1, 2, 3]}, name="t").filter(col("a") > 1)
        >>> plan = df.logical_plan()
        >>> print(plan.display_indent(), end="")
        Filter: a > Int64(1)
          TableScan: t
        >>> [p.display() for p in plan.inputs()]
        ['TableScan: t']
    """

    def __init__(self, raw: _core.LogicalPlan, ctx: SessionContext | None = None) -> None:
        """Not called by users: plans come from DataFrames or ``from_bytes``."""
        self._raw = raw
        self._ctx = ctx

    def inputs(self) -> list[LogicalPlan]:
        """The plans this node reads: none for a scan, two for a join."""
        return [LogicalPlan(p, self._ctx) for p in self._raw.inputs()]

    def display(self) -> str:
        """This node alone, one line."""
        return self._raw.display()

    def display_indent(self) -> str:
        """The tree, one node per line, inputs indented below their reader."""
        return self._raw.display_indent()

    def display_indent_schema(self) -> str:
        """The tree with each node's output schema (``;N``: nullable).

        Examples:
            >>> from ferry import SessionContext
            >>> df = SessionContext().from_pydict({"a": [1]}, name="t")
            >>> print(df.select("a").logical_plan().display_indent_schema(), end="")
            Projection: a [a:int64;N]
              TableScan: t [a:int64;N]
        """
        return self._raw.display_indent_schema()

    def display_graphviz(self) -> str:
        """The tree in Graphviz DOT (render with ``dot -Tsvg``)."""
        return self._raw.display_graphviz()

    def schema(self) -> pa.Schema:
        """This node's output schema."""
        return self._raw.schema()

    def to_bytes(
        self, ctx: SessionContext | None = None, *, tables_by_name: bool | Iterable[str] = False
    ) -> bytes:
        """Wire format v1 bytes of this plan (docs/wire-format.md).

        The encoding session is ``ctx``, else this thread's sender slot, else
        the process-wide default sender, else the session the plan came
        from. Its codec writes the functions (Python UDFs inline, or by name
        from a strict session); its ``max_encoded_plan_bytes`` bounds the
        result (an error names the largest parts). Parquet and CSV tables
        travel by path and in-memory tables inline, except the tables sent
        by name, which the receiver must have registered with the same
        schema: those the session marks with ``ship_table_by_name`` and
        those ``tables_by_name`` chooses (True: every table; or names).

        Examples:
            >>> from ferry import SessionContext, col
            >>> ctx = SessionContext()
            >>> df = ctx.from_pydict({"a": [1, 2, 3]}, name="t").filter(col("a") > 1)
            >>> blob = df.logical_plan().to_bytes(tables_by_name=["t"])
            >>> receiver = SessionContext()
            >>> _ = receiver.from_pydict({"a": [5, 0]}, name="t")
            >>> plan = LogicalPlan.from_bytes(receiver, blob)
            >>> receiver.create_dataframe_from_logical_plan(plan).to_pydict()
            {'a': [5]}
        """
        if ctx is None:
            ctx = ipc._encoding_ctx() or self._ctx
        ctx = _encoding_ctx(ctx)
        all_tables, names = _tables_by_name(tables_by_name)
        return ctx._raw.encode_plan(self._raw, all_tables, names)

    @staticmethod
    def from_bytes(ctx: SessionContext | None, data: bytes) -> LogicalPlan:
        """The plan ``data`` encodes, decoded in ``ctx`` (None: this thread's
        worker session, else the process-global one): functions resolve
        there, files reopen by path, tables sent by name are looked up among
        its tables."""
        ctx = _decoding_ctx(ctx)
        df = ctx._raw.decode_plan(_as_bytes(data))
        return LogicalPlan(_core.dataframe_plan(df), ctx)

    def to_proto(self) -> bytes:
        """``to_bytes()``, under datafusion-python's older name."""
        return self.to_bytes()

    @staticmethod
    def from_proto(ctx: SessionContext, data: bytes) -> LogicalPlan:
        """``from_bytes(ctx, data)``, under datafusion-python's older name."""
        return LogicalPlan.from_bytes(ctx, data)

    def __eq__(self, other: object) -> bool:
        """The same tree: nodes, expressions and schemas. Scans compare by
        table name, projection and filters; functions by identity, so a plan
        calling a Python UDF differs from its decoded copy."""
        if not isinstance(other, LogicalPlan):
            return NotImplemented
        return self._raw.equals(other._raw)

    __hash__ = None  # type: ignore[assignment]  # equal plans may be distinct objects

    def __repr__(self) -> str:
        return self.display_indent()


class ExecutionPlan:
    """A physical operator and, through ``children()``, the operators it
    pulls from; ``partition_count`` streams run in parallel. Run one with
    ``SessionContext.execute(plan, partition)``; ship one (a stage of a
    distributed query) with ``to_bytes`` / ``from_bytes``.

    Examples:
        >>> from ferry import SessionConfig, SessionContext, col
        >>> ctx = SessionContext(SessionConfig().with_target_partitions(2))
        >>> df = ctx.from_pydict({"a": [1, 2, 3]}).filter(col("a") > 1)
        >>> plan = df.execution_plan()
        >>> plan.display()
        'FilterExec: greater(a@0, Int64(1))'
        >>> [child.display() for child in plan.children()]
        ['MemoryScanExec: partitions=2']
        >>> plan.partition_count
        2
    """

    def __init__(self, raw: _core.ExecutionPlan) -> None:
        """Not called by users: plans come from ``DataFrame.execution_plan()``."""
        self._raw = raw

    def children(self) -> list[ExecutionPlan]:
        """The operators this one reads: none for a scan, two for a join."""
        return [ExecutionPlan(p) for p in self._raw.children()]

    def display(self) -> str:
        """This operator alone, one line."""
        return self._raw.describe()

    def display_indent(self) -> str:
        """The operator tree, one operator per line."""
        return self._raw.explain()

    @property
    def partition_count(self) -> int:
        """How many output partitions (streams) this operator has."""
        return self._raw.num_partitions

    def schema(self) -> pa.Schema:
        """The output schema."""
        return self._raw.schema()

    def to_bytes(
        self, ctx: SessionContext | None = None, *, tables_by_name: bool | Iterable[str] = False
    ) -> bytes:
        """Wire format v1 bytes of this physical plan (docs/wire-format.md):
        every operator with its partitioning, so a receiver runs exactly the
        partitions this plan has. The encoding session is ``ctx``, else this
        thread's sender slot, else the process-wide default sender, else the
        global session; its codec writes the functions (Python UDFs inline,
        or by name from a strict session). Tables travel as in
        ``LogicalPlan.to_bytes``: those the session marks with
        ``ship_table_by_name`` or ``tables_by_name`` chooses (True: every
        registered table; or names) by name, which the receiver must have
        registered with the same schema; the rest by path or inline.

        Examples:
            >>> import pyarrow as pa
            >>> from ferry import SessionConfig, SessionContext, col
            >>> ctx = SessionContext(SessionConfig().with_target_partitions(1))
            >>> plan = ctx.from_pydict({"a": [1, 2, 3]}).filter(col("a") > 1).execution_plan()
            >>> worker = SessionContext()
            >>> back = ExecutionPlan.from_bytes(worker, plan.to_bytes())
            >>> pa.table(worker.execute(back, 0)).to_pydict()
            {'a': [2, 3]}
        """
        ctx = _encoding_ctx(ctx)
        all_tables, names = _tables_by_name(tables_by_name)
        return ctx._raw.encode_physical_plan(self._raw, all_tables, names)

    @staticmethod
    def from_bytes(ctx: SessionContext | None, data: bytes) -> ExecutionPlan:
        """The physical plan ``data`` encodes, rebuilt in ``ctx`` (None: this
        thread's worker session, else the process-global one): functions
        resolve there, files reopen by path."""
        ctx = _decoding_ctx(ctx)
        return ExecutionPlan(ctx._raw.decode_physical_plan(_as_bytes(data)))

    def to_proto(self) -> bytes:
        """``to_bytes()``, under datafusion-python's older name."""
        return self.to_bytes()

    @staticmethod
    def from_proto(ctx: SessionContext, data: bytes) -> ExecutionPlan:
        """``from_bytes(ctx, data)``, under datafusion-python's older name."""
        return ExecutionPlan.from_bytes(ctx, data)

    def __repr__(self) -> str:
        return self.display_indent()
