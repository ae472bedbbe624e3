"""Context slots that decide which session encodes and decodes expressions.

``pickle.dumps(expr)`` and ``pickle.loads(blob)`` take no session argument,
so ferry looks one up:

* encoding: an explicit ``ctx`` > this thread's *sender* slot > the
  process-wide default sender (:func:`set_default_sender_ctx`) > the default
  codec (Python UDFs inline, everything else by name);
* decoding: an explicit ``ctx`` > this thread's *worker* slot > the
  process-global session (:meth:`SessionContext.global_ctx`, replaceable
  with :func:`set_global_ctx`).

Slots are thread-local: a new thread starts with both empty. Clearing an
empty slot does nothing. ``multiprocessing.Pool``, ``concurrent.futures``
and Dask pickle tasks on helper threads, which never see a slot set on the
main thread: the process-wide defaults are for them.

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
    "clear_default_sender_ctx",
    "clear_sender_ctx",
    "clear_worker_ctx",
    "get_default_sender_ctx",
    "get_sender_ctx",
    "get_worker_ctx",
    "set_default_sender_ctx",
    "set_global_ctx",
    "set_sender_ctx",
    "set_worker_ctx",
    "ship_module_by_value",
]

class _Slots(threading.local):
    # Class-level defaults: reading an unset slot then finds None instead of
    # raising (and catching) an AttributeError on every encode and decode.
    sender: Optional[SessionContext] = None
    worker: Optional[SessionContext] = None


_slots = _Slots()
_default_sender: Optional[SessionContext] = None


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


def set_default_sender_ctx(ctx: SessionContext) -> None:
    """Makes ``ctx`` encode expressions and DataFrames in every thread of this
    process that has no sender slot of its own (e.g. a Pool's task thread).

    Examples:
        >>> import ferry
        >>> from ferry import ipc
        >>> strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
        >>> ipc.set_default_sender_ctx(strict)
        >>> ipc.get_default_sender_ctx() is strict
        True
        >>> ipc.clear_default_sender_ctx()
    """
    global _default_sender
    _check(ctx)
    _default_sender = ctx


def get_default_sender_ctx() -> Optional[SessionContext]:
    """The process-wide default sender session, or None."""
    return _default_sender


def clear_default_sender_ctx() -> None:
    """Removes the process-wide default sender session."""
    global _default_sender
    _default_sender = None


def set_global_ctx(ctx: SessionContext) -> None:
    """Makes ``ctx`` the process-global session that decodes where no worker
    slot is set (e.g. a strict session, so a worker process never unpickles
    inline payloads whatever thread decodes)."""
    from ferry.context import SessionContext

    _check(ctx)
    with SessionContext._global_lock:
        SessionContext._global = ctx


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


def _encoding_ctx() -> Optional[SessionContext]:
    """The session that encodes when none is given: this thread's sender slot,
    else the process-wide default sender."""
    return get_sender_ctx() or _default_sender


def _check(ctx: object) -> None:
    from ferry.context import SessionContext

    if not isinstance(ctx, SessionContext):
        raise TypeError(f"expected a SessionContext, got {type(ctx).__name__}")
