"""Python scalar UDFs: vectorized functions over pyarrow arrays."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import pyarrow as pa

from ferry import _core
from ferry.expr import Expr, _to_raw

__all__ = ["ScalarUDF", "udf"]

_VOLATILITIES = ("immutable", "stable", "volatile")


class ScalarUDF:
    """A Python function usable in expressions; call it with Exprs.

    Examples:
        >>> import pyarrow as pa, pyarrow.compute as pc
        >>> from ferry import col, udf
        >>> double = udf(lambda a: pc.multiply(a, 2), [pa.int64()], pa.int64(),
        ...              "immutable", name="double")
        >>> double(col("x"))
        Expr(double(x))
    """

    def __init__(
        self,
        name: str,
        func: Callable[..., Any],
        input_types: Sequence[pa.DataType],
        return_type: pa.DataType,
        volatility: str,
    ) -> None:
        if isinstance(input_types, pa.DataType):
            input_types = [input_types]
        volatility = str(volatility).lower()
        if volatility not in _VOLATILITIES:
            raise ValueError(
                f"volatility must be one of {', '.join(_VOLATILITIES)}; got {volatility!r}"
            )
        self._raw = _core.python_scalar_udf(name, func, list(input_types), return_type, volatility)

    @property
    def name(self) -> str:
        """The name the UDF is called and registered by."""
        return self._raw.name

    def __call__(self, *args: Any) -> Expr:
        return Expr(self._raw([_to_raw(a) for a in args]))

    def __repr__(self) -> str:
        return f"ScalarUDF({self.name})"


def udf(*args: Any, **kwargs: Any) -> Any:
    """Creates a :class:`ScalarUDF`, directly or as a decorator.

    ``udf(func, input_types, return_type, volatility, name=None)`` wraps
    ``func``; ``@udf(input_types, return_type, volatility, name=None)``
    decorates it. ``func`` receives one pyarrow Array per argument and must
    return a pyarrow Array of ``return_type`` with the same length.

    Examples:
        >>> import pyarrow as pa, pyarrow.compute as pc
        >>> @udf([pa.float64()], pa.float64(), "immutable")
        ... def plus_one(v):
        ...     return pc.add(v, 1.0)
        >>> plus_one.name
        'plus_one'
    """
    if args and callable(args[0]):
        return _make(*args, **kwargs)

    def decorator(func: Callable[..., Any]) -> ScalarUDF:
        return _make(func, *args, **kwargs)

    return decorator


def _make(
    func: Callable[..., Any],
    input_types: Sequence[pa.DataType],
    return_type: pa.DataType,
    volatility: str,
    name: str | None = None,
) -> ScalarUDF:
    if name is None:
        name = getattr(func, "__name__", None) or type(func).__name__
        if name == "<lambda>":
            name = f"lambda_{id(func):x}"
    return ScalarUDF(name, func, input_types, return_type, volatility)
