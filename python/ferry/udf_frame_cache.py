"""When a UDF's pickled payload may be reused (called by the native codec only).

Encoding a plan pickles each inline Python UDF (``ferry._inline``). The
codec keeps the payload on the UDF object and reuses it while
``payload_token(func)`` returns a tuple of the very same objects (compared
by identity) as when it pickled: everything cloudpickle reads from the
function (its code, defaults, closure cells, the globals its code uses,
names) is in the token, and each of those must be a value that cannot
change in place (None, bool, numbers, str, bytes, tuples and frozensets of
these) or a module, function or class cloudpickle pickles by reference
(its name, resolved on the receiver). Anything else (a list, dict or array
the function reads, a helper function pickled by value, a callable object)
makes the token None: such a UDF is pickled on every encode, as
datafusion-python does for every UDF, because an in-place change to it
could not be seen without pickling it again.

Rebinding a global, assigning a closure cell, replacing ``__code__`` or
``__defaults__``, or registering a module with
``ferry.ipc.ship_module_by_value`` all change the token, so the next
encode pickles again.
"""

from __future__ import annotations

import types
from typing import Any

from cloudpickle import cloudpickle as _cp

_FROZEN_SCALARS = frozenset((type(None), bool, int, float, complex, str, bytes))
# Private helpers of cloudpickle (present in 2.x and 3.x); without them no
# payload is reused.
_by_reference = getattr(_cp, "_should_pickle_by_reference", None)
_code_globals = getattr(_cp, "_extract_code_globals", None)
# The module globals cloudpickle carries with every function pickled by value.
_BASE_GLOBALS = ("__package__", "__name__", "__path__", "__file__")


class _NotFrozen(Exception):
    pass


def _frozen(value: Any, depth: int = 0) -> Any:
    """``value`` if pickling it twice must give the same bytes, else raises."""
    kind = type(value)
    if kind in _FROZEN_SCALARS:
        return value
    if kind in (tuple, frozenset) and depth < 8:
        for item in value:
            _frozen(item, depth + 1)
        return value
    if isinstance(value, (types.ModuleType, types.FunctionType, type, types.BuiltinFunctionType)):
        if _by_reference(value):
            return value
    raise _NotFrozen


def payload_token(func: Any) -> tuple | None:
    """What ``func``'s pickled payload depends on, or None when it cannot be
    reused (see the module docstring)."""
    if _by_reference is None or _code_globals is None:
        return None
    try:
        if not isinstance(func, types.FunctionType):
            return (func,) if _frozen(func) is func else None
        if _by_reference(func):
            # Pickled as its module and name: nothing of it travels.
            return (func, True)
        code = func.__code__
        token: list[Any] = [func, False, code, func.__name__, func.__qualname__, func.__module__,
                            _frozen(func.__defaults__), _frozen(func.__doc__)]
        for value in (func.__kwdefaults__ or {}).values():
            token.append(_frozen(value))
        for value in func.__annotations__.values():
            token.append(_frozen(value))
        if func.__dict__:
            return None
        for cell in func.__closure__ or ():
            token.append(_frozen(cell.cell_contents))
        func_globals = func.__globals__
        for name in _code_globals(code):  # the same order for the same code object
            token.append(name)
            token.append(_frozen(func_globals[name]) if name in func_globals else _NotFrozen)
        for name in _BASE_GLOBALS:
            token.append(_frozen(func_globals.get(name)))
        return tuple(token)
    except (_NotFrozen, ValueError, AttributeError):  # ValueError: an empty closure cell
        return None
