"""Python scalar UDFs: vectorized functions over pyarrow arrays."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import pyarrow as pa

from ferry import _core
from ferry.expr import Expr, _to_raw

__all__ = ["ScalarUDF", "udf"]



class _CallableFunction:
    """What every Python-defined function shares: a native function object
    under ``_raw``, its name, and calls on Exprs that build call
    expressions."""

    _raw: Any

    @property
    def name(self) -> str:
        """The name the function is called and registered by."""
        return self._raw.name

    def __call__(self, *args: Any) -> Expr:
        return Expr(self._raw([_to_raw(a) for a in args]))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"


class ScalarUDF(_CallableFunction):
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
        volatility = str(volatility).lower()  # validated by the core
        self._raw = _core.python_scalar_udf(name, func, list(input_types), return_type, volatility)


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
    return _direct_or_decorator(_make, args, kwargs)


def _factory_sample(factory: Callable[[], Any], base: type, argument: str, noun: str) -> Any:
    """Calls ``factory`` once to check it makes ``base`` instances."""
    if not callable(factory):
        raise TypeError(f"`{argument}` must be callable (it returns {base.__name__} instances)")
    sample = factory()
    if not isinstance(sample, base):
        raise TypeError(
            f"the {noun} factory must return an instance of "
            f"ferry.user_defined.{base.__name__}, got {type(sample).__name__}"
        )
    return sample


def _direct_or_decorator(make: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """``make(func, ...)`` when called with the function first, else a
    decorator that supplies it: the two forms udf/udaf/udwf accept."""
    if args and callable(args[0]) and not isinstance(args[0], pa.DataType):
        return make(*args, **kwargs)

    def decorator(func: Callable[..., Any]) -> Any:
        return make(func, *args, **kwargs)

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
