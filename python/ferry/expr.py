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

__all__ = ["CaseBuilder", "Expr", "SortExpr", "col", "column", "lit", "literal"]


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
        the default codec: Python UDFs travel inline, built-ins by name.

        Examples:
            >>> blob = (col("a") + 1).to_bytes()
            >>> Expr.from_bytes(blob)
            Expr(a + Int64(1))
        """
        from ferry import ipc

        ctx = ctx if ctx is not None else ipc.get_sender_ctx()
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
