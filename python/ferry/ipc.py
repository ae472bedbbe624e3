"""Context slots that decide which session encodes and decodes expressions.

``pickle.dumps(expr)`` and ``pickle.loads(blob)`` take no session argument,
so ferry looks one up:

* encoding: an explicit ``ctx`` > this thread's *sender* slot > the default
  codec (Python UDFs inline, everything else by name);
* decoding: an explicit ``ctx`` > this thread's *worker* slot > the
  process-global session (:meth:`SessionContext.global_ctx`).

Slots are thread-local: a new thread starts with both empty. Clearing an
empty slot does nothing.

Examples:
    >>> import ferry
    >>> from ferry import ipc
    >>> strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    >>> ipc.set_worker_ctx(strict)
    >>> ipc.get_worker_ctx() is strict
    True
    >>> ipc.clear_worker_ctx()
    >>> ipc.get_worker_ctx() is None
    True
"""

from __future__ import annotations

import threading
import types
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from ferry.context import SessionContext

__all__ = [
    "clear_sender_ctx",
    "clear_worker_ctx",
    "get_sender_ctx",
    "get_worker_ctx",
    "set_sender_ctx",
    "set_worker_ctx",
    "ship_module_by_value",
]

_slots = threading.local()


def set_sender_ctx(ctx: SessionContext) -> None:
    """Makes ``ctx`` encode this thread's expressions (e.g. in pickle.dumps)."""
    _check(ctx)
    _slots.sender = ctx


def get_sender_ctx() -> Optional[SessionContext]:
    """This thread's sender session, or None."""
    return getattr(_slots, "sender", None)


def clear_sender_ctx() -> None:
    """Empties this thread's sender slot."""
    _slots.sender = None


def set_worker_ctx(ctx: SessionContext) -> None:
    """Makes ``ctx`` decode this thread's expressions (e.g. in pickle.loads)."""
    _check(ctx)
    _slots.worker = ctx


def get_worker_ctx() -> Optional[SessionContext]:
    """This thread's worker session, or None."""
    return getattr(_slots, "worker", None)


def clear_worker_ctx() -> None:
    """Empties this thread's worker slot."""
    _slots.worker = None


def ship_module_by_value(module: types.ModuleType) -> None:
    """Pickles ``module``'s functions by value inside inline UDFs, so workers
    need not have it installed (cloudpickle.register_pickle_by_value)."""
    import cloudpickle

    cloudpickle.register_pickle_by_value(module)


def _check(ctx: object) -> None:
    from ferry.context import SessionContext

    if not isinstance(ctx, SessionContext):
        raise TypeError(f"expected a SessionContext, got {type(ctx).__name__}")
