"""DataFrame: a lazy, immutable query over a session's data."""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING, Any, Iterable

import pyarrow as pa

from ferry import _core
from ferry.expr import Expr, SortExpr, col

if TYPE_CHECKING:
    from ferry.catalog import Table
    from ferry.context import SessionContext
    from ferry.plan import ExecutionPlan, LogicalPlan
    from ferry.record_batch import RecordBatchStream

__all__ = ["DataFrame"]


def _exprs(items: Iterable[Expr | str]) -> list[_core.Expr]:
    out = []
    for item in items:
        if isinstance(item, str):
            item = col(item)
        if not isinstance(item, Expr):
            raise TypeError(f"expected an Expr or a column name, got {type(item).__name__}")
        out.append(item._raw)
    return out


def _executor(df: DataFrame, executor: Any) -> Any:
    """The executor a result method runs on, or None for this process."""
    from ferry.distributed import query

    return query.resolve_executor(df, executor)


def _listify(items: Any) -> list[Any]:
    if items is None:
        return []
    if isinstance(items, (Expr, str)):
        return [items]
    return list(items)


class DataFrame:
    """A query plan bound to its session; nothing runs until collected.

    Every method returns a new DataFrame; mistakes (unknown columns, bad
    types) raise when the method is called.

    Examples:
        >>> from ferry import SessionContext, col, functions as f
        >>> ctx = SessionContext()
        >>> df = ctx.from_pydict({"k": ["a", "b", "a"], "v": [1, 2, 3]})
        >>> df.aggregate([col("k")], [f.sum(col("v")).alias("s")]).sort(col("k")).to_pydict()
        {'k': ['a', 'b'], 's': [4, 2]}
    """

    def __init__(self, raw: _core.DataFrame) -> None:
        self._raw = raw

    # ---- transformations ---------------------------------------------------

    def select(self, *exprs: Expr | str) -> DataFrame:
        """Computes the given expressions (or column names) as the columns."""
        return DataFrame(self._raw.select(_exprs(exprs)))

    def select_columns(self, *names: str) -> DataFrame:
        """Keeps only the named columns, in that order."""
        return self.select(*names)

    def filter(self, *predicates: Expr) -> DataFrame:
        """Keeps rows where every predicate is true (NULL counts as false)."""
        df = self
        for predicate in predicates:
            df = DataFrame(df._raw.filter(_exprs([predicate])[0]))
        return df

    def with_column(self, name: str, expr: Expr) -> DataFrame:
        """Adds column ``name`` (or replaces it in place)."""
        return DataFrame(self._raw.with_column(name, _exprs([expr])[0]))

    def with_columns(self, *exprs: Expr, **named_exprs: Expr) -> DataFrame:
        """Adds several columns: aliased expressions, or name=expr pairs."""
        df = self
        for expr in exprs:
            df = df.with_column(expr.schema_name(), expr)
        for name, expr in named_exprs.items():
            df = df.with_column(name, expr)
        return df

    def window(self, *exprs: Expr) -> DataFrame:
        """Appends window expressions as new columns (named by their alias
        or display); every existing column is kept.

        Examples:
            >>> from ferry import SessionContext, Window, col, functions as f
            >>> df = SessionContext().from_pydict({"k": ["a", "a", "b"], "t": [2, 1, 1]})
            >>> w = Window(partition_by=[col("k")], order_by=[col("t")])
            >>> df.window(f.row_number().over(w).alias("rn")).sort(col("k"), col("t")).to_pydict()
            {'k': ['a', 'a', 'b'], 't': [1, 2, 1], 'rn': [1, 2, 1]}
        """
        names = [field.name for field in self.schema()]
        return self.select(*names, *exprs)

    def with_column_renamed(self, old_name: str, new_name: str) -> DataFrame:
        """Renames one column."""
        return DataFrame(self._raw.with_column_renamed(old_name, new_name))

    def drop(self, *columns: str) -> DataFrame:
        """Removes the named columns."""
        return DataFrame(self._raw.drop(list(columns)))

    def aggregate(
        self, group_by: list[Expr | str] | Expr | str | None, aggs: list[Expr] | Expr
    ) -> DataFrame:
        """Groups by ``group_by`` and computes the aggregate expressions.

        The output has the group columns first, then one column per aggregate.
        """
        return DataFrame(self._raw.aggregate(_exprs(_listify(group_by)), _exprs(_listify(aggs))))

    def sort(self, *exprs: SortExpr | Expr | str) -> DataFrame:
        """Sorts by the keys; plain expressions sort ascending, nulls last."""
        keys = []
        for expr in exprs:
            if isinstance(expr, str):
                expr = col(expr)
            if not isinstance(expr, SortExpr):
                expr = expr.sort(ascending=True, nulls_first=False)
            keys.append(expr._raw)
        return DataFrame(self._raw.sort(keys))

    def limit(self, count: int, offset: int = 0) -> DataFrame:
        """At most ``count`` rows after skipping ``offset``."""
        return DataFrame(self._raw.limit(count, offset))

    def distinct(self) -> DataFrame:
        """Removes duplicate rows."""
        return DataFrame(self._raw.distinct())

    def join(
        self,
        right: DataFrame,
        on: str | list[str] | None = None,
        how: str = "inner",
        *,
        left_on: str | list[str] | None = None,
        right_on: str | list[str] | None = None,
        join_keys: tuple[list[str], list[str]] | None = None,
    ) -> DataFrame:
        """Equi-joins with ``right`` on key columns.

        ``how`` is inner, left, right, full, semi or anti. With ``on`` the key
        appears once in the output; other clashing right columns get a
        ``_right`` suffix.
        """
        if join_keys is not None:
            left_on, right_on = join_keys
        if on is not None:
            if left_on is not None or right_on is not None:
                raise ValueError("pass either on or left_on/right_on, not both")
            left_on = right_on = on
        if left_on is None or right_on is None:
            raise ValueError("join needs on=, or both left_on= and right_on=")
        left_keys = [left_on] if isinstance(left_on, str) else list(left_on)
        right_keys = [right_on] if isinstance(right_on, str) else list(right_on)
        return DataFrame(self._raw.join(right._raw, how, left_keys, right_keys))

    def join_on(self, right: DataFrame, *on_exprs: Expr, how: str = "inner") -> DataFrame:
        """Joins with ``right`` where every one of ``on_exprs`` holds.

        ``left_col == right_col`` conditions become hash keys; any other
        condition (``a.y != b.y``, ranges) filters the matching pairs. With no
        condition at all this is a cross join. The conditions see the left
        columns, then the right ones, a right name the left already has
        suffixed ``_right``; the result has all of them (semi/anti: the left
        only).

        Examples:
            >>> import ferry
            >>> from ferry import col
            >>> ctx = ferry.SessionContext()
            >>> l = ctx.from_pydict({"k": [1, 1, 2], "a": [1, 5, 3]})
            >>> r = ctx.from_pydict({"j": [1, 2], "b": [2, 2]})
            >>> l.join_on(r, col("k") == col("j"), col("a") > col("b")).sort(col("a")).to_pydict()
            {'k': [2, 1], 'a': [3, 5], 'j': [2, 1], 'b': [2, 2]}
        """
        return DataFrame(self._raw.join_on(right._raw, how, _exprs(on_exprs)))

    def union(self, other: DataFrame, distinct: bool = False) -> DataFrame:
        """Rows of both (UNION ALL; ``distinct=True`` for UNION)."""
        df = DataFrame(self._raw.union(other._raw))
        return df.distinct() if distinct else df

    # ---- shipping ----------------------------------------------------------

    def to_bytes(
        self, ctx: "SessionContext | None" = None, *,
        tables_by_name: "bool | Iterable[str]" = False,
    ) -> bytes:
        """Wire format v1 bytes of this DataFrame's plan (docs/wire-format.md).

        The encoding session is ``ctx``, else this thread's sender slot, else
        the process-wide default sender (``ipc.set_default_sender_ctx``), else
        the DataFrame's own session: Python UDFs travel inline (or by name
        from a strict session), Parquet and CSV tables by path, in-memory
        tables as Arrow IPC (a ``UserWarning``, once per table, for one over
        the session's ``inline_table_warn_bytes``), and tables chosen by
        ``tables_by_name`` or ``ship_table_by_name`` by name only (see
        ``LogicalPlan.to_bytes``). A plan over the session's
        ``max_encoded_plan_bytes`` raises, naming its largest parts.

        Examples:
            >>> from ferry import SessionContext, col
            >>> df = SessionContext().from_pydict({"a": [1, 2, 3]}).filter(col("a") > 1)
            >>> DataFrame.from_bytes(df.to_bytes()).to_pydict()
            {'a': [2, 3]}
        """
        return self.logical_plan().to_bytes(ctx, tables_by_name=tables_by_name)

    @classmethod
    def from_bytes(cls, buf: bytes, ctx: "SessionContext | None" = None) -> DataFrame:
        """The DataFrame ``buf`` encodes, bound to ``ctx``, else this thread's
        worker slot, else the process-global session. Its functions resolve
        there; its files are reopened by path (``FerryIOError`` naming a
        missing one)."""
        from ferry.plan import LogicalPlan

        plan = LogicalPlan.from_bytes(ctx, buf)
        return plan._ctx.create_dataframe_from_logical_plan(plan)

    def __reduce__(self) -> tuple:
        return (DataFrame.from_bytes, (self.to_bytes(),))

    def into_view(self, temporary: bool = False) -> Table:
        """This DataFrame as a view to register with
        ``SessionContext.register_table``; the plan is kept, not its rows.
        ``temporary`` is accepted for datafusion-python compatibility
        (ferry's catalog lives as long as its session either way).

        Examples:
            >>> from ferry import SessionContext
            >>> ctx = SessionContext()
            >>> ctx.register_table("v", ctx.sql("select 2 as x").into_view())
            >>> ctx.table("v").to_pydict()
            {'x': [2]}
        """
        from ferry.catalog import Table

        return Table(self)

    # ---- results -----------------------------------------------------------

    def schema(self) -> pa.Schema:
        """The output schema."""
        return self._raw.schema()

    def collect(self, executor: Any = None) -> list[pa.RecordBatch]:
        """Runs the query; the batches are handed over without copying.

        ``executor`` (a :mod:`ferry.distributed` executor, or ``"local"``
        for a process-wide pool of local workers) runs it as a distributed
        job instead of in this process, as does the session's executor
        (:meth:`SessionContext.set_executor`); the rows are the same. The
        other result methods take ``executor`` too.
        """
        runner = _executor(self, executor)
        if runner is not None:
            from ferry.distributed import query

            return query.collect(self, runner)
        return list(pa.RecordBatchReader._import_from_c_capsule(self._raw.collect_stream()))

    def collect_partitioned(self, executor: Any = None) -> list[list[pa.RecordBatch]]:
        """Runs the query and keeps its output partitions apart."""
        runner = _executor(self, executor)
        if runner is not None:
            from ferry.distributed import query

            return query.collect(self, runner, partitioned=True)
        return [
            list(pa.RecordBatchReader._import_from_c_capsule(capsule))
            for capsule in self._raw.collect_partitioned_streams()
        ]

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """Arrow PyCapsule export: ``pa.table(df)``, ``polars.from_arrow(df)``."""
        return self._raw.collect_stream()

    def to_arrow_table(self, executor: Any = None) -> pa.Table:
        """The result as a pyarrow Table."""
        runner = _executor(self, executor)
        if runner is not None:
            return pa.Table.from_batches(self.collect(runner), schema=self.schema())
        return pa.RecordBatchReader._import_from_c_capsule(self._raw.collect_stream()).read_all()

    def to_pydict(self, executor: Any = None) -> dict[str, list[Any]]:
        """The result as a dict of column lists."""
        return self.to_arrow_table(executor).to_pydict()

    def to_pylist(self, executor: Any = None) -> list[dict[str, Any]]:
        """The result as a list of row dicts."""
        return self.to_arrow_table(executor).to_pylist()

    def to_pandas(self, executor: Any = None) -> Any:
        """The result as a pandas DataFrame."""
        return self.to_arrow_table(executor).to_pandas()

    def to_polars(self, executor: Any = None) -> Any:
        """The result as a polars DataFrame (requires polars)."""
        try:
            import polars
        except ImportError as e:
            raise ImportError("to_polars needs polars: pip install polars") from e
        return polars.from_arrow(self.to_arrow_table(executor))

    def count(self, executor: Any = None) -> int:
        """Number of rows in the result."""
        runner = _executor(self, executor)
        if runner is not None:
            from ferry import functions

            table = self.aggregate([], [functions.count_star().alias("n")]).to_arrow_table(runner)
            return table["n"][0].as_py()
        return self._raw.count()

    # ---- sinks -------------------------------------------------------------

    def write_parquet(self, path: str | os.PathLike[str], compression: str = "zstd",
                      compression_level: int | None = None, executor: Any = None) -> None:
        """Writes the result to Parquet.

        In this process: one file at ``path``. With an ``executor`` (or the
        session's): a directory ``path`` of ``part-NNNNN.parquet`` files,
        one per output partition, each written by the worker that computed
        it, so the rows never pass through this process.

        Examples:
            >>> import os, tempfile, pyarrow.parquet as pq
            >>> from ferry import SessionContext
            >>> target = os.path.join(tempfile.mkdtemp(), "a.parquet")
            >>> SessionContext().from_pydict({"a": [1, 2]}).write_parquet(target)
            >>> pq.read_table(target).to_pydict()
            {'a': [1, 2]}
        """
        options = {"compression": compression, "compression_level": compression_level}
        self._write(path, "parquet", options, executor)

    def write_csv(self, path: str | os.PathLike[str], with_header: bool = False,
                  executor: Any = None) -> None:
        """Writes the result to CSV: one file at ``path``, or with an
        ``executor`` a directory of ``part-NNNNN.csv`` files written by the
        workers (see :meth:`write_parquet`)."""
        self._write(path, "csv", {"include_header": with_header}, executor)

    def _write(self, path: Any, file_format: str, options: dict, executor: Any) -> None:
        runner = _executor(self, executor)
        if runner is not None:
            from ferry.distributed import query

            query.write_files(self, path, runner, file_format, options)
            return
        table = self.to_arrow_table()
        if file_format == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, os.fspath(path), **options)
        else:
            import pyarrow.csv as pcsv

            pcsv.write_csv(table, os.fspath(path), pcsv.WriteOptions(**options))

    # ---- display -----------------------------------------------------------

    def explain(self, verbose: bool = False, analyze: bool = False, *,
                distributed: bool = False, executor: Any = None) -> None:
        """Prints the logical, optimized and physical plans; with
        ``distributed=True`` instead the stages the query runs as on an
        executor (the given one, the session's, else one task per core),
        each with its task count and the stages it reads."""
        if distributed:
            from ferry.distributed import query

            print(query.explain(self, _executor(self, executor)))
            return
        print(self._raw.explain())

    def logical_plan(self) -> "LogicalPlan":
        """The logical plan as built, before optimization.

        Examples:
            >>> from ferry import SessionContext, col
            >>> df = SessionContext().from_pydict({"a": [1]}, name="t").select(col("a") + 1)
            >>> print(df.logical_plan().display_indent(), end="")
            Projection: a + Int64(1)
              TableScan: t
        """
        from ferry.context import SessionContext
        from ferry.plan import LogicalPlan

        return LogicalPlan(_core.dataframe_plan(self._raw), SessionContext._wrap(self._raw.session()))

    def optimized_logical_plan(self) -> "LogicalPlan":
        """The logical plan after the optimizer's rules (pushdowns, join
        order, simplification): what ``execution_plan()`` is planned from.

        Examples:
            >>> from ferry import SessionContext, col
            >>> df = SessionContext().from_pydict({"a": [1], "b": [2]}, name="t").select("a")
            >>> print(df.optimized_logical_plan().display_indent(), end="")
            Projection: a
              TableScan: t projection=[a]
        """
        from ferry.context import SessionContext
        from ferry.plan import LogicalPlan

        raw = _core.dataframe_optimized_plan(self._raw)
        return LogicalPlan(raw, SessionContext._wrap(self._raw.session()))

    def execution_plan(self) -> "ExecutionPlan":
        """The physical plan that running this DataFrame executes."""
        from ferry.plan import ExecutionPlan

        return ExecutionPlan(self._raw.execution_plan())

    def execute_stream(self) -> "RecordBatchStream":
        """Runs the query, its output as one stream pulled batch by batch.

        Examples:
            >>> from ferry import SessionContext
            >>> df = SessionContext().from_pydict({"a": [1, 2]})
            >>> sum(b.to_pyarrow().num_rows for b in df.execute_stream())
            2
        """
        from ferry.record_batch import RecordBatchStream

        return RecordBatchStream(pa.RecordBatchReader._import_from_c_capsule(self._raw.collect_stream()))

    def show(self, num: int = 20) -> None:
        """Prints the first ``num`` rows as a table."""
        print(self._format(num))

    def _format(self, num: int) -> str:
        table = self.limit(num).to_arrow_table()
        names = table.column_names
        rows = [["NULL" if v is None else str(v) for v in row.values()] for row in table.to_pylist()]
        widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
        line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
        fmt = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
        return "\n".join([line, fmt(names), line, *(fmt(r) for r in rows), line])

    def __repr__(self) -> str:
        return f"DataFrame()\n{self._format(10)}"

    def _repr_html_(self) -> str:
        table = self.limit(10).to_arrow_table()
        head = "".join(f"<th>{html.escape(n)}</th>" for n in table.column_names)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row.values()) + "</tr>"
            for row in table.to_pylist()
        )
        return f"<table border='1'><tr>{head}</tr>{body}</table>"
