"""Expressions: column references, literals, operators and calls.

Build them with :func:`col` and :func:`lit` and Python operators; they stay
symbolic until a DataFrame runs them.
"""

from __future__ import annotations

import datetime
import decimal
from typing import TYPE_CHECKING, Any, Iterable

import pyarrow as pa

from ferry import _core

if TYPE_CHECKING:
    from ferry.context import SessionContext

__all__ = [
    "CaseBuilder",
    "Expr",
    "ExprFuncBuilder",
    "SortExpr",
    "Window",
    "WindowFrame",
    "col",
    "column",
    "lit",
    "literal",
]


def _to_raw(value: Any) -> _core.Expr:
    """The native expression for an Expr, or a literal for a plain value."""
    if isinstance(value, Expr):
        return value._raw
    return lit(value)._raw


def _one_element_array(value: Any) -> pa.Array:
    if isinstance(value, pa.Scalar):
        return pa.array([value.as_py()], type=value.type)
    if value is None:
        return pa.nulls(1)
    if isinstance(value, decimal.Decimal):
        return pa.array([value])
    if isinstance(value, (bool, int, float, str, bytes, datetime.date, datetime.time,
                          datetime.timedelta, list, dict, tuple)):
        return pa.array([value])
    raise TypeError(f"cannot make a literal from {type(value).__name__}: {value!r}")


class Expr:
    """A symbolic expression over the columns of a DataFrame.

    Examples:
        >>> from ferry import col, lit
        >>> (col("a") + lit(1)).canonical_name()
        'a + Int64(1)'
        >>> (col("a") > 2).alias("big")
        Expr(a > Int64(2) AS big)
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: _core.Expr) -> None:
        self._raw = raw

    def __repr__(self) -> str:
        return f"Expr({self._raw.to_string()})"

    def __str__(self) -> str:
        return self._raw.to_string()

    def to_bytes(self, ctx: "SessionContext | None" = None) -> bytes:
        """Wire format v1 bytes of this expression (see docs/wire-format.md).

        The encoding session is ``ctx``, else this thread's sender slot, else
        the process-wide default sender (``ipc.set_default_sender_ctx``), else
        the default codec: Python UDFs travel inline, built-ins by name.

        Examples:
            >>> blob = (col("a") + 1).to_bytes()
            >>> Expr.from_bytes(blob)
            Expr(a + Int64(1))
        """
        from ferry import ipc

        ctx = ctx if ctx is not None else ipc._encoding_ctx()
        if ctx is None:
            return _core.encode_expr_default(self._raw)
        return ctx._raw.encode_expr(self._raw)

    @classmethod
    def from_bytes(cls, buf: bytes, ctx: "SessionContext | None" = None) -> Expr:
        """The expression ``buf`` encodes, resolved in ``ctx``, else this
        thread's worker slot, else the process-global session."""
        from ferry import ipc
        from ferry.context import SessionContext

        if ctx is None:
            ctx = ipc.get_worker_ctx() or SessionContext.global_ctx()
        if isinstance(buf, (bytearray, memoryview)):
            buf = bytes(buf)
        if not isinstance(buf, bytes):
            raise TypeError(f"from_bytes expects bytes, got {type(buf).__name__}")
        raw = ctx._raw.decode_expr(buf)
        return SortExpr(raw) if raw.kind() == "Sort" else Expr(raw)

    def __reduce__(self) -> tuple:
        return (Expr.from_bytes, (self.to_bytes(),))

    def canonical_name(self) -> str:
        """The expression's unambiguous display, as in plans and errors."""
        return self._raw.to_string()

    def schema_name(self) -> str:
        """The name of the column this expression produces."""
        return self._raw.schema_name()

    def variant_name(self) -> str:
        """The kind of node at the top: "Column", "BinaryExpr", ..."""
        return self._raw.kind()

    def equals(self, other: Expr) -> bool:
        """Structural equality (``==`` builds an expression instead)."""
        return self._raw.equals(other._raw)

    def column_name(self) -> str | None:
        """The referenced column's name for a column expression, else None."""
        return self._raw.column_name()

    def python_value(self) -> Any:
        """The value of a literal expression as a Python object."""
        value = self._raw.literal_value()
        return None if value is None else value.as_py()

    def _binary(self, op: str, other: Any) -> Expr:
        return Expr(self._raw.binary(op, _to_raw(other)))

    def _rbinary(self, op: str, other: Any) -> Expr:
        return Expr(_to_raw(other).binary(op, self._raw))

    def __add__(self, other: Any) -> Expr:
        return self._binary("+", other)

    def __radd__(self, other: Any) -> Expr:
        return self._rbinary("+", other)

    def __sub__(self, other: Any) -> Expr:
        return self._binary("-", other)

    def __rsub__(self, other: Any) -> Expr:
        return self._rbinary("-", other)

    def __mul__(self, other: Any) -> Expr:
        return self._binary("*", other)

    def __rmul__(self, other: Any) -> Expr:
        return self._rbinary("*", other)

    def __truediv__(self, other: Any) -> Expr:
        return self._binary("/", other)

    def __rtruediv__(self, other: Any) -> Expr:
        return self._rbinary("/", other)

    def __mod__(self, other: Any) -> Expr:
        return self._binary("%", other)

    def __rmod__(self, other: Any) -> Expr:
        return self._rbinary("%", other)

    def __eq__(self, other: Any) -> Expr:  # type: ignore[override]
        return self._binary("=", other)

    def __ne__(self, other: Any) -> Expr:  # type: ignore[override]
        return self._binary("!=", other)

    def __lt__(self, other: Any) -> Expr:
        return self._binary("<", other)

    def __le__(self, other: Any) -> Expr:
        return self._binary("<=", other)

    def __gt__(self, other: Any) -> Expr:
        return self._binary(">", other)

    def __ge__(self, other: Any) -> Expr:
        return self._binary(">=", other)

    def __and__(self, other: Any) -> Expr:
        return self._binary("and", other)

    def __rand__(self, other: Any) -> Expr:
        return self._rbinary("and", other)

    def __or__(self, other: Any) -> Expr:
        return self._binary("or", other)

    def __ror__(self, other: Any) -> Expr:
        return self._rbinary("or", other)

    def __invert__(self) -> Expr:
        return Expr(self._raw.not_())

    def __neg__(self) -> Expr:
        return Expr(self._raw.negative())

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        raise TypeError("an Expr has no truth value; use & | ~ instead of and/or/not")

    def alias(self, name: str) -> Expr:
        """The same expression producing a column called ``name``."""
        return Expr(self._raw.alias(name))

    def cast(self, to: pa.DataType) -> Expr:
        """Converts to the Arrow type ``to``; impossible casts fail when bound.

        Examples:
            >>> import pyarrow as pa
            >>> col("a").cast(pa.float64())
            Expr(CAST(a AS Float64))
        """
        return Expr(self._raw.cast(to))

    def is_null(self) -> Expr:
        """True where the value is null."""
        return Expr(self._raw.is_null(False))

    def is_not_null(self) -> Expr:
        """True where the value is not null."""
        return Expr(self._raw.is_null(True))

    def between(self, low: Any, high: Any, negated: bool = False) -> Expr:
        """``low <= self <= high`` (bounds included)."""
        return Expr(self._raw.between(_to_raw(low), _to_raw(high), negated))

    def like(self, pattern: str, negated: bool = False) -> Expr:
        """SQL LIKE with ``%`` and ``_`` wildcards."""
        return Expr(self._raw.like(_to_raw(pattern), negated, False))

    def ilike(self, pattern: str, negated: bool = False) -> Expr:
        """Case-insensitive LIKE."""
        return Expr(self._raw.like(_to_raw(pattern), negated, True))

    def in_list(self, values: Iterable[Any], negated: bool = False) -> Expr:
        """True where the value is one of ``values`` (SQL IN semantics)."""
        return Expr(self._raw.in_list([_to_raw(v) for v in values], negated))

    def over(self, window: Window) -> Expr:
        """This window or aggregate function computed over ``window``.

        Examples:
            >>> from ferry import functions as f
            >>> f.sum(col("v")).over(Window(partition_by=[col("k")], order_by=[col("t")]))
            Expr(sum(v) PARTITION BY [k] ORDER BY [t ASC NULLS LAST] RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        """
        base = self._raw.window_function() or self._raw
        frame = window.window_frame
        bounds = (None, "", None, "", None) if frame is None else frame._spec()
        return Expr(base.over(
            [_to_raw(e) if not isinstance(e, str) else col(e)._raw for e in window.partition_by],
            [_sort_key(e) for e in window.order_by], *bounds))

    def partition_by(self, *partition_by: Expr) -> ExprFuncBuilder:
        """Starts the builder form: ``.partition_by(..).order_by(..).build()``."""
        return ExprFuncBuilder(self).partition_by(*partition_by)

    def order_by(self, *exprs: Expr | SortExpr) -> ExprFuncBuilder:
        """Starts the builder form with the window's ORDER BY."""
        return ExprFuncBuilder(self).order_by(*exprs)

    def window_frame(self, window_frame: WindowFrame) -> ExprFuncBuilder:
        """Starts the builder form with the window's frame."""
        return ExprFuncBuilder(self).window_frame(window_frame)

    def sort(self, ascending: bool = True, nulls_first: bool = True) -> SortExpr:
        """A sort key for :meth:`DataFrame.sort`.

        Examples:
            >>> col("a").sort(ascending=False, nulls_first=False)
            SortExpr(a DESC NULLS LAST)
        """
        return SortExpr(self._raw.sort(ascending, nulls_first))


class SortExpr(Expr):
    """An expression with a sort direction and null placement."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"SortExpr({self._raw.to_string()})"


def col(name: str) -> Expr:
    """A reference to the column ``name``.

    Examples:
        >>> col("price")
        Expr(price)
    """
    return Expr(_core.col(name))


def lit(value: Any) -> Expr:
    """A literal of any Python or pyarrow scalar value (None is NULL).

    Examples:
        >>> lit(1), lit("x"), lit(None)
        (Expr(Int64(1)), Expr(Utf8("x")), Expr(NULL))
    """
    if isinstance(value, Expr):
        return value
    return Expr(_core.lit(_one_element_array(value)))


column = col
literal = lit


class CaseBuilder:
    """Builds ``CASE [base] WHEN .. THEN .. [ELSE ..] END``.

    Examples:
        >>> from ferry import functions as f
        >>> f.when(col("a") > 1, lit("big")).otherwise(lit("small"))
        Expr(CASE WHEN a > Int64(1) THEN Utf8("big") ELSE Utf8("small") END)
    """

    def __init__(self, base: Expr | None = None) -> None:
        self._base = base
        self._branches: list[tuple[Expr, Expr]] = []

    def when(self, when: Any, then: Any) -> CaseBuilder:
        """Adds a branch; returns a new builder."""
        builder = CaseBuilder(self._base)
        builder._branches = [*self._branches, (lit(when), lit(then))]
        return builder

    def otherwise(self, value: Any) -> Expr:
        """Finishes with an ELSE value."""
        return self._build(lit(value))

    def end(self) -> Expr:
        """Finishes without ELSE (unmatched rows are NULL)."""
        return self._build(None)

    def _build(self, otherwise: Expr | None) -> Expr:
        return Expr(
            _core.case(
                None if self._base is None else self._base._raw,
                [(w._raw, t._raw) for w, t in self._branches],
                None if otherwise is None else otherwise._raw,
            )
        )


def _sort_key(expr: Expr | str) -> _core.Expr:
    if isinstance(expr, str):
        expr = col(expr)
    if not isinstance(expr, SortExpr):
        expr = expr.sort(ascending=True, nulls_first=False)
    return expr._raw


def _as_list(items: Any) -> list[Any]:
    if items is None:
        return []
    if isinstance(items, (Expr, str)):
        return [items]
    return list(items)


class WindowFrame:
    """Which rows around the current one a window function sees.

    ``start_bound``: None is UNBOUNDED PRECEDING, 0 CURRENT ROW, N > 0 N
    PRECEDING. ``end_bound``: None is UNBOUNDED FOLLOWING, 0 CURRENT ROW,
    N > 0 N FOLLOWING. ``units`` is "rows", "range" (distances in the ORDER
    BY key; floats allowed) or "groups" (peer groups).

    Examples:
        >>> WindowFrame("rows", 2, 0)
        WindowFrame(rows, 2 preceding, current_row)
    """

    def __init__(self, units: str, start_bound: Any | None, end_bound: Any | None) -> None:
        units = str(units).lower()
        if units not in ("rows", "range", "groups"):
            raise ValueError(f"window frame units must be rows, range or groups, not {units!r}")
        self.units = units
        self._start = self._bound(start_bound, "preceding")
        self._end = self._bound(end_bound, "following")

    def _bound(self, value: Any, direction: str) -> tuple[str, Any]:
        if value is None:
            return ("unbounded_" + direction, None)
        if isinstance(value, pa.Scalar):
            value = value.as_py()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"a window frame bound must be a number or None, got {value!r}")
        if value < 0:
            raise ValueError(f"a window frame bound must be >= 0, got {value}")
        if self.units != "range" and not isinstance(value, int):
            raise TypeError(f"{self.units} frame bounds must be integers, got {value!r}")
        if value == 0:
            return ("current_row", None)
        return (direction, value)

    def _spec(self) -> tuple:
        def offset(value: Any) -> Any:
            return None if value is None else _one_element_array(value)

        return (self.units, self._start[0], offset(self._start[1]),
                self._end[0], offset(self._end[1]))

    def __repr__(self) -> str:
        def show(bound: tuple[str, Any]) -> str:
            return bound[0] if bound[1] is None else f"{bound[1]} {bound[0]}"

        return f"WindowFrame({self.units}, {show(self._start)}, {show(self._end)})"


class Window:
    """A reusable window: PARTITION BY, ORDER BY and frame.

    Without ``window_frame`` the SQL default applies: RANGE BETWEEN UNBOUNDED
    PRECEDING AND CURRENT ROW with an ORDER BY, the whole partition without.
    """

    def __init__(
        self,
        partition_by: list[Expr] | Expr | None = None,
        window_frame: WindowFrame | None = None,
        order_by: list[SortExpr | Expr | str] | Expr | SortExpr | str | None = None,
        null_treatment: Any = None,
    ) -> None:
        if null_treatment is not None:
            raise NotImplementedError("null_treatment is not supported yet")
        self.partition_by = _as_list(partition_by)
        self.order_by = _as_list(order_by)
        self.window_frame = window_frame


class ExprFuncBuilder:
    """Builder form of a window: ``expr.partition_by(..).order_by(..).build()``."""

    def __init__(self, expr: Expr) -> None:
        self._expr = expr
        self._partition_by: list[Any] = []
        self._order_by: list[Any] = []
        self._frame: WindowFrame | None = None

    def partition_by(self, *partition_by: Expr) -> ExprFuncBuilder:
        self._partition_by = list(partition_by)
        return self

    def order_by(self, *exprs: Expr | SortExpr) -> ExprFuncBuilder:
        self._order_by = list(exprs)
        return self

    def window_frame(self, window_frame: WindowFrame) -> ExprFuncBuilder:
        self._frame = window_frame
        return self

    def build(self) -> Expr:
        """The windowed expression."""
        return self._expr.over(Window(self._partition_by, self._frame, self._order_by))
