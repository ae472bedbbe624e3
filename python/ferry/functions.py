"""Built-in functions, named as in datafusion-python (``import ... as f``).

Examples:
    >>> from ferry import col, functions as f
    >>> f.abs(col("x"))
    Expr(abs(x))
    >>> f.count(col("x"), distinct=True)
    Expr(count(DISTINCT x))
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ferry import _core
from ferry.expr import CaseBuilder, Expr, Window, _to_raw, col, lit

__all__ = [
    "abs", "array_agg", "cume_dist", "dense_rank", "lag", "lead", "nth_value", "ntile",
    "percent_rank", "rank", "row_number", "avg", "btrim", "case", "ceil", "char_length", "coalesce", "col",
    "concat", "cos", "count", "count_star", "date_part", "date_trunc", "ends_with", "exp",
    "first_value", "floor", "in_list", "interval", "last_value", "length", "lit", "ln", "log10",
    "log2",
    "lower", "ltrim", "max", "mean", "min", "nullif", "power", "replace", "reverse", "round",
    "rtrim", "signum", "sin", "sqrt", "starts_with", "stddev", "stddev_pop", "stddev_samp",
    "substr", "sum", "tan", "trim", "trunc", "upper", "var", "var_pop", "var_samp", "when",
]


def _call(name: str, *args: Any, distinct: bool = False) -> Expr:
    return Expr(_core.call_builtin(name, [_to_raw(a) for a in args], distinct))


# ---- scalar functions ------------------------------------------------------

def abs(arg: Expr) -> Expr:  # noqa: A001
    """Absolute value."""
    return _call("abs", arg)


def round(arg: Expr, decimal_places: int = 0) -> Expr:  # noqa: A001
    """Rounds half away from zero to ``decimal_places`` digits."""
    return _call("round", arg, decimal_places)


def floor(arg: Expr) -> Expr:
    """Largest integer value not above ``arg``."""
    return _call("floor", arg)


def ceil(arg: Expr) -> Expr:
    """Smallest integer value not below ``arg``."""
    return _call("ceil", arg)


def trunc(arg: Expr) -> Expr:
    """Rounds toward zero."""
    return _call("trunc", arg)


def sqrt(arg: Expr) -> Expr:
    """Square root."""
    return _call("sqrt", arg)


def exp(arg: Expr) -> Expr:
    """e raised to ``arg``."""
    return _call("exp", arg)


def ln(arg: Expr) -> Expr:
    """Natural logarithm."""
    return _call("ln", arg)


def log10(arg: Expr) -> Expr:
    """Base-10 logarithm."""
    return _call("log10", arg)


def log2(arg: Expr) -> Expr:
    """Base-2 logarithm."""
    return _call("log2", arg)


def power(base: Expr, exponent: Any) -> Expr:
    """``base`` raised to ``exponent``."""
    return _call("power", base, exponent)


def signum(arg: Expr) -> Expr:
    """-1, 0 or 1 by the sign of ``arg``."""
    return _call("signum", arg)


def sin(arg: Expr) -> Expr:
    """Sine (radians)."""
    return _call("sin", arg)


def cos(arg: Expr) -> Expr:
    """Cosine (radians)."""
    return _call("cos", arg)


def tan(arg: Expr) -> Expr:
    """Tangent (radians)."""
    return _call("tan", arg)


def lower(arg: Expr) -> Expr:
    """Lower-cases a string."""
    return _call("lower", arg)


def upper(arg: Expr) -> Expr:
    """Upper-cases a string."""
    return _call("upper", arg)


def length(string: Expr) -> Expr:
    """Number of characters in a string."""
    return _call("length", string)


def char_length(string: Expr) -> Expr:
    """Number of characters in a string."""
    return _call("char_length", string)


def trim(arg: Expr) -> Expr:
    """Removes leading and trailing whitespace."""
    return _call("trim", arg)


def btrim(arg: Expr) -> Expr:
    """Removes leading and trailing whitespace."""
    return _call("btrim", arg)


def ltrim(arg: Expr) -> Expr:
    """Removes leading whitespace."""
    return _call("ltrim", arg)


def rtrim(arg: Expr) -> Expr:
    """Removes trailing whitespace."""
    return _call("rtrim", arg)


def reverse(arg: Expr) -> Expr:
    """Reverses a string."""
    return _call("reverse", arg)


def concat(*args: Any) -> Expr:
    """Concatenates strings, skipping NULLs.

    Examples:
        >>> concat(col("first"), " ", col("last"))
        Expr(concat(first, Utf8(" "), last))
    """
    return _call("concat", *args)


def substr(string: Expr, position: int, length: int | None = None) -> Expr:
    """Substring from 1-based ``position``, ``length`` characters long."""
    if length is None:
        return _call("substr", string, position)
    return _call("substr", string, position, length)


def replace(string: Expr, from_val: str, to_val: str) -> Expr:
    """Replaces every occurrence of ``from_val`` with ``to_val``."""
    return _call("replace", string, from_val, to_val)


def starts_with(string: Expr, prefix: str) -> Expr:
    """True where ``string`` starts with ``prefix``."""
    return _call("starts_with", string, prefix)


def ends_with(string: Expr, suffix: str) -> Expr:
    """True where ``string`` ends with ``suffix``."""
    return _call("ends_with", string, suffix)


def coalesce(*args: Any) -> Expr:
    """The first non-NULL argument."""
    return _call("coalesce", *args)


def nullif(expr1: Expr, expr2: Any) -> Expr:
    """NULL where ``expr1 = expr2``, else ``expr1``."""
    return _call("nullif", expr1, expr2)


def date_trunc(part: str, date: Expr) -> Expr:
    """Truncates a date or timestamp to ``part`` ("year", "month", "day", ...)."""
    return _call("date_trunc", part, date)


def date_part(part: str, date: Expr) -> Expr:
    """A field of a date or timestamp ("year", "month", "dow", ...) as Int32."""
    return _call("date_part", part, date)


def interval(*, years: int = 0, months: int = 0, weeks: int = 0, days: int = 0,
             hours: int = 0, minutes: int = 0, seconds: int = 0, milliseconds: int = 0,
             microseconds: int = 0, nanoseconds: int = 0) -> Expr:
    """A calendar interval literal (``month_day_nano_interval``), a ferry extension.

    datafusion-python has no helper for this; there one writes
    ``lit(pa.scalar((months, days, nanos), type=pa.month_day_nano_interval()))``,
    which ferry accepts too. Add it to or subtract it from a date or
    timestamp: months (and years) move the calendar month, keeping the day
    or clamping it to the month's last day, then days, then the time part.

    Examples:
        >>> import datetime
        >>> from ferry import lit, functions as f
        >>> f.interval(years=1, months=2, days=3)
        Expr(month_day_nano_interval(14M3d0ns))
        >>> from ferry import SessionContext, col
        >>> df = SessionContext().from_pydict({"d": [datetime.date(1995, 1, 31)]})
        >>> df.select((col("d") + f.interval(months=1)).alias("r")).to_pydict()
        {'r': [datetime.date(1995, 2, 28)]}
    """
    nanos = ((((hours * 60 + minutes) * 60 + seconds) * 1000 + milliseconds) * 1000
             + microseconds) * 1000 + nanoseconds
    value = pa.MonthDayNano([years * 12 + months, weeks * 7 + days, nanos])
    return lit(pa.scalar(value, type=pa.month_day_nano_interval()))


def in_list(arg: Expr, values: list[Any], negated: bool = False) -> Expr:
    """True where ``arg`` is one of ``values``."""
    return arg.in_list(values, negated)


def case(expr: Expr) -> CaseBuilder:
    """``CASE expr WHEN value THEN ...``: compares ``expr`` with each value."""
    return CaseBuilder(expr)


def when(when: Expr, then: Any) -> CaseBuilder:
    """``CASE WHEN condition THEN ...``: the first true condition wins."""
    return CaseBuilder().when(when, then)


# ---- aggregate functions ---------------------------------------------------

def count(expressions: Expr | None = None, distinct: bool = False) -> Expr:
    """Counts non-NULL values, or rows when called without an argument.

    Examples:
        >>> count()
        Expr(count(*))
    """
    if expressions is None:
        return Expr(_core.call_builtin("count", [], distinct))
    return _call("count", expressions, distinct=distinct)


def count_star() -> Expr:
    """Counts rows."""
    return count()


def sum(arg: Expr, distinct: bool = False) -> Expr:  # noqa: A001
    """Sum of non-NULL values (NULL when there are none)."""
    return _call("sum", arg, distinct=distinct)


def avg(arg: Expr) -> Expr:
    """Mean of non-NULL values, as Float64."""
    return _call("avg", arg)


def mean(arg: Expr) -> Expr:
    """Mean of non-NULL values, as Float64."""
    return _call("mean", arg)


def min(arg: Expr) -> Expr:  # noqa: A001
    """Smallest non-NULL value."""
    return _call("min", arg)


def max(arg: Expr) -> Expr:  # noqa: A001
    """Largest non-NULL value."""
    return _call("max", arg)


def stddev(arg: Expr) -> Expr:
    """Sample standard deviation."""
    return _call("stddev", arg)


def stddev_samp(arg: Expr) -> Expr:
    """Sample standard deviation."""
    return _call("stddev_samp", arg)


def stddev_pop(arg: Expr) -> Expr:
    """Population standard deviation."""
    return _call("stddev_pop", arg)


def var(arg: Expr) -> Expr:
    """Sample variance."""
    return _call("var", arg)


def var_samp(arg: Expr) -> Expr:
    """Sample variance."""
    return _call("var_samp", arg)


def var_pop(arg: Expr) -> Expr:
    """Population variance."""
    return _call("var_pop", arg)


def first_value(arg: Expr) -> Expr:
    """The group's first value in input order (NULLs respected)."""
    return _call("first_value", arg)


def last_value(arg: Expr) -> Expr:
    """The group's last value in input order (NULLs respected)."""
    return _call("last_value", arg)


def array_agg(arg: Expr) -> Expr:
    """Every value of the group, in input order, as a list."""
    return _call("array_agg", arg)


# ---- window functions --------------------------------------------------------

def _window(name: str, args: list[Any], partition_by: Any, order_by: Any) -> Expr:
    call = Expr(_core.call_window(name, [_to_raw(a) for a in args]))
    return call.over(Window(partition_by=partition_by, order_by=order_by))


def row_number(partition_by: Any = None, order_by: Any = None) -> Expr:
    """1, 2, 3, ... within each partition, in ORDER BY order.

    Examples:
        >>> row_number(partition_by=[col("k")], order_by=[col("t")])
        Expr(row_number() PARTITION BY [k] ORDER BY [t ASC NULLS LAST] RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    """
    return _window("row_number", [], partition_by, order_by)


def rank(partition_by: Any = None, order_by: Any = None) -> Expr:
    """Rank with gaps: peers share a rank, the next rank skips."""
    return _window("rank", [], partition_by, order_by)


def dense_rank(partition_by: Any = None, order_by: Any = None) -> Expr:
    """Rank without gaps."""
    return _window("dense_rank", [], partition_by, order_by)


def percent_rank(partition_by: Any = None, order_by: Any = None) -> Expr:
    """(rank - 1) / (rows in partition - 1), 0 for a single row."""
    return _window("percent_rank", [], partition_by, order_by)


def cume_dist(partition_by: Any = None, order_by: Any = None) -> Expr:
    """Fraction of the partition's rows at or before this row's peers."""
    return _window("cume_dist", [], partition_by, order_by)


def ntile(groups: int, partition_by: Any = None, order_by: Any = None) -> Expr:
    """Bucket 1..groups of as equal size as possible."""
    return _window("ntile", [groups], partition_by, order_by)


def lag(arg: Expr, shift_offset: int = 1, default_value: Any = None,
        partition_by: Any = None, order_by: Any = None) -> Expr:
    """The value ``shift_offset`` rows before, else ``default_value``."""
    return _window("lag", [arg, shift_offset, default_value], partition_by, order_by)


def lead(arg: Expr, shift_offset: int = 1, default_value: Any = None,
         partition_by: Any = None, order_by: Any = None) -> Expr:
    """The value ``shift_offset`` rows after, else ``default_value``."""
    return _window("lead", [arg, shift_offset, default_value], partition_by, order_by)


def nth_value(arg: Expr, n: int, partition_by: Any = None, order_by: Any = None) -> Expr:
    """The value of the frame's n-th row (1-based), NULL when shorter."""
    return _window("nth_value", [arg, n], partition_by, order_by)
