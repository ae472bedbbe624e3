"""User-defined functions: scalar UDFs, aggregate UDFs (UDAFs) and window UDFs (UDWFs).

Names and signatures follow ``datafusion.user_defined``.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any, Callable, Sequence

import pyarrow as pa

from ferry import _core
from ferry.udf import (
    ScalarUDF,
    _CallableFunction,
    _direct_or_decorator,
    _factory_sample,
    udf,
)

__all__ = [
    "Accumulator",
    "AggregateUDF",
    "ScalarUDF",
    "WindowEvaluator",
    "WindowUDF",
    "udaf",
    "udf",
    "udwf",
]



class Accumulator(metaclass=ABCMeta):
    """Accumulates the values of one group for an :class:`AggregateUDF`.

    ferry aggregates in two phases: in each partition, one accumulator per
    group sees that group's rows (:meth:`update`) and reports its
    :meth:`state`; a final accumulator per group folds those states in
    (:meth:`merge`) and produces the result (:meth:`evaluate`). An
    accumulator may therefore get :meth:`state` or :meth:`evaluate` without
    ever seeing a row.

    Examples:
        >>> import pyarrow as pa, pyarrow.compute as pc
        >>> class Total(Accumulator):
        ...     def __init__(self):
        ...         self._sum = 0.0
        ...     def update(self, values):
        ...         self._sum += pc.sum(values).as_py() or 0.0
        ...     def merge(self, states):
        ...         self._sum += pc.sum(states[0]).as_py() or 0.0
        ...     def state(self):
        ...         return [pa.scalar(self._sum)]
        ...     def evaluate(self):
        ...         return pa.scalar(self._sum)
        >>> acc = Total()
        >>> acc.update(pa.array([1.0, 2.0, None]))
        >>> acc.evaluate()
        <pyarrow.DoubleScalar: 3.0>
    """

    @abstractmethod
    def state(self) -> list[pa.Scalar]:
        """The intermediate state: one value per state field (a
        ``pa.Scalar`` or a plain Python value convertible to the field's
        type)."""

    @abstractmethod
    def update(self, *values: pa.Array) -> None:
        """Folds in a slice of this group's rows, one array per argument."""

    @abstractmethod
    def merge(self, states: list[pa.Array]) -> None:
        """Folds in other accumulators' states, one array per state field."""

    @abstractmethod
    def evaluate(self) -> pa.Scalar:
        """The result (a ``pa.Scalar`` or a plain Python value) of the
        declared return type."""


class AggregateUDF(_CallableFunction):
    """A Python aggregate function usable in ``DataFrame.aggregate``; call
    it with Exprs.

    See :func:`udaf` for the arguments. State types may be ``pa.DataType``
    (fields named ``state0``, ``state1``, ...) or ``pa.Field`` (name,
    nullability and metadata kept).

    Examples:
        >>> import pyarrow as pa
        >>> from ferry import col
        >>> class Count(Accumulator):
        ...     def __init__(self):
        ...         self.n = 0
        ...     def update(self, values):
        ...         self.n += len(values) - values.null_count
        ...     def merge(self, states):
        ...         self.n += sum(states[0].to_pylist())
        ...     def state(self):
        ...         return [self.n]
        ...     def evaluate(self):
        ...         return self.n
        >>> count_valid = AggregateUDF("count_valid", Count, [pa.int64()], pa.int64(),
        ...                            [pa.int64()], "immutable")
        >>> count_valid(col("x"))
        Expr(count_valid(x))
    """

    def __init__(
        self,
        name: str,
        accumulator: Callable[[], Accumulator],
        input_types: Sequence[pa.DataType],
        return_type: pa.DataType,
        state_type: Sequence[pa.DataType | pa.Field],
        volatility: str,
    ) -> None:
        if not callable(accumulator):
            raise TypeError("`accumulator` must be callable (it returns an Accumulator)")
        if isinstance(input_types, pa.DataType):
            input_types = [input_types]
        if isinstance(state_type, (pa.DataType, pa.Field)):
            state_type = [state_type]
        volatility = str(volatility).lower()  # validated by the core
        state_fields = [
            t if isinstance(t, pa.Field) else pa.field(f"state{i}", t)
            for i, t in enumerate(state_type)
        ]
        self._raw = _core.python_aggregate_udf(
            name, accumulator, list(input_types), return_type, state_fields, volatility
        )

    @classmethod
    def _wrap(cls, raw: Any) -> AggregateUDF:
        wrapper = cls.__new__(cls)
        wrapper._raw = raw
        return wrapper

    @staticmethod
    def udaf(*args: Any, **kwargs: Any) -> Any:
        """Same as :func:`udaf`."""
        return udaf(*args, **kwargs)


def udaf(*args: Any, **kwargs: Any) -> Any:
    """Creates an :class:`AggregateUDF`, directly or as a decorator.

    ``udaf(accum, input_types, return_type, state_type, volatility,
    name=None)`` wraps ``accum``, a callable taking no arguments that
    returns a fresh :class:`Accumulator` (often the Accumulator class
    itself); ``@udaf(input_types, return_type, state_type, volatility,
    name=None)`` decorates such a factory. The name defaults to the
    accumulator class's name, lower-cased.

    Args:
        accum: The accumulator factory (omitted in the decorator form).
        input_types: The argument types (one ``pa.DataType`` or a list).
        return_type: The result type.
        state_type: The intermediate state's types, one per value
            :meth:`Accumulator.state` returns (``pa.DataType`` or
            ``pa.Field``).
        volatility: ``"immutable"``, ``"stable"`` or ``"volatile"``.
        name: The name it is called and registered by.

    Returns:
        An :class:`AggregateUDF` (or, as a decorator, a function making one).

    Examples:
        >>> import pyarrow as pa, pyarrow.compute as pc
        >>> import ferry
        >>> from ferry import col
        >>> class SumSquares(Accumulator):
        ...     def __init__(self):
        ...         self._sum = 0.0
        ...     def update(self, values):
        ...         self._sum += pc.sum(pc.multiply(values, values)).as_py() or 0.0
        ...     def merge(self, states):
        ...         self._sum += pc.sum(states[0]).as_py() or 0.0
        ...     def state(self):
        ...         return [pa.scalar(self._sum)]
        ...     def evaluate(self):
        ...         return pa.scalar(self._sum)
        >>> sum_squares = udaf(SumSquares, pa.float64(), pa.float64(), [pa.float64()],
        ...                    "immutable")
        >>> sum_squares.name
        'sumsquares'
        >>> ctx = ferry.SessionContext()
        >>> df = ctx.from_pydict({"k": ["a", "b", "a"], "v": [1.0, 2.0, 3.0]})
        >>> df.aggregate([col("k")], [sum_squares(col("v")).alias("ss")]).sort(
        ...     col("k")).to_pydict()
        {'k': ['a', 'b'], 'ss': [10.0, 4.0]}

        As a decorator:

        >>> @udaf(pa.float64(), pa.float64(), [pa.float64()], "immutable", name="ss")
        ... def ss():
        ...     return SumSquares()
        >>> df.aggregate([], [ss(col("v")).alias("ss")]).to_pydict()
        {'ss': [14.0]}
    """
    if not args and "accum" in kwargs:
        args = (kwargs.pop("accum"),)
    return _direct_or_decorator(_make, args, kwargs)


def _make(
    accum: Callable[[], Accumulator],
    input_types: pa.DataType | Sequence[pa.DataType],
    return_type: pa.DataType,
    state_type: Sequence[pa.DataType | pa.Field],
    volatility: str,
    name: str | None = None,
) -> AggregateUDF:
    sample = _factory_sample(accum, Accumulator, "accum", "accumulator")
    if name is None:
        name = type(sample).__qualname__.lower()
    return AggregateUDF(name, accum, input_types, return_type, state_type, volatility)


class WindowEvaluator:
    """Computes a window UDF over one partition at a time.

    Which method ferry calls depends on the flags, as in datafusion-python:

    * ``uses_window_frame()`` True: ``evaluate(values, (start, end))`` per
      row, ``values`` the arguments then the ORDER BY columns, the range the
      row's frame;
    * else ``include_rank()`` True: ``evaluate_all_with_rank(num_rows,
      ranks)`` with ``ranks`` the peer groups as inclusive ``(first, last)``;
    * else ``supports_bounded_execution()`` True: ``evaluate`` per row over
      ``get_range(idx, num_rows)``;
    * else ``evaluate_all(values, num_rows)`` once for the whole partition.

    Rows arrive sorted by the window's ORDER BY.
    """

    def memoize(self) -> None:
        """Kept for datafusion-python compatibility; ferry does not call it."""

    def get_range(self, idx: int, num_rows: int) -> tuple[int, int]:
        """The rows ``evaluate`` needs for row ``idx`` (bounded execution)."""
        return (idx, idx + 1)

    def is_causal(self) -> bool:
        """Whether results need no following rows."""
        return False

    def evaluate_all(self, values: list[pa.Array], num_rows: int) -> pa.Array:
        """One result per row of the partition."""
        raise NotImplementedError(f"{type(self).__name__} does not implement evaluate_all")

    def evaluate(self, values: list[pa.Array], eval_range: tuple[int, int]) -> pa.Scalar:
        """The result for one row, given the rows ``eval_range`` covers."""
        raise NotImplementedError(f"{type(self).__name__} does not implement evaluate")

    def evaluate_all_with_rank(self, num_rows: int,
                               ranks_in_partition: list[tuple[int, int]]) -> pa.Array:
        """One result per row from the partition's peer groups."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement evaluate_all_with_rank")

    def supports_bounded_execution(self) -> bool:
        """Whether ``evaluate`` over ``get_range`` computes each row."""
        return False

    def uses_window_frame(self) -> bool:
        """Whether results depend on the window frame."""
        return False

    def include_rank(self) -> bool:
        """Whether ``evaluate_all_with_rank`` computes the results."""
        return False


class WindowUDF(_CallableFunction):
    """A Python window function; call it with Exprs, then ``.over(Window)``.

    Examples:
        >>> import pyarrow as pa, pyarrow.compute as pc
        >>> from ferry import col, Window
        >>> class RunningSum(WindowEvaluator):
        ...     def evaluate_all(self, values, num_rows):
        ...         return pc.cumulative_sum(values[0])
        >>> running = udwf(RunningSum, [pa.float64()], pa.float64(), "immutable")
        >>> running(col("v")).over(Window(order_by=[col("t")]))
        Expr(runningsum(v) ORDER BY [t ASC NULLS LAST] RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    """

    def __init__(
        self,
        name: str,
        func: Callable[[], WindowEvaluator],
        input_types: Sequence[pa.DataType],
        return_type: pa.DataType,
        volatility: str,
    ) -> None:
        if isinstance(input_types, pa.DataType):
            input_types = [input_types]
        self._raw = _core.python_window_udf(name, func, list(input_types), return_type,
                                            str(volatility).lower())


def udwf(*args: Any, **kwargs: Any) -> Any:
    """Creates a :class:`WindowUDF`, directly or as a decorator.

    ``udwf(func, input_types, return_type, volatility, name=None)``, where
    ``func()`` returns a fresh :class:`WindowEvaluator` (often the evaluator
    class itself); ``@udwf(input_types, return_type, volatility, name=None)``
    decorates such a factory. The default name is the factory's name,
    lower-cased.
    """
    return _direct_or_decorator(_make_udwf, args, kwargs)


def _make_udwf(
    func: Callable[[], WindowEvaluator],
    input_types: pa.DataType | Sequence[pa.DataType],
    return_type: pa.DataType,
    volatility: str,
    name: str | None = None,
) -> WindowUDF:
    sample = _factory_sample(func, WindowEvaluator, "func", "evaluator")
    if name is None:
        name = getattr(func, "__qualname__", type(sample).__name__).lower()
    return WindowUDF(name, func, input_types, return_type, volatility)
