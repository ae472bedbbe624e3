"""Worker-side helpers for test_shipping_multiprocessing.py.

Pool workers import this module by name, so it must be importable in a
child started by "spawn" or "forkserver": the tests run the pool
initializer :func:`initializer_source` builds, which puts this directory on
``sys.path`` before anything from here is unpickled.
"""

from __future__ import annotations

import os
import pickle
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

import ferry
from ferry import Expr, ipc, udf

HERE = os.path.dirname(os.path.abspath(__file__))


def _triple(a: pa.Array) -> pa.Array:
    return pc.multiply(a, 3)


# Registered on strict workers by name; the sender encodes it by name too.
TRIPLE = udf(_triple, [pa.int64()], pa.int64(), "immutable", name="triple_registered")


def initializer_source(mode: str) -> str:
    """Source for ``Pool(initializer=exec, initargs=(source, {}))``."""
    return (
        "import sys\n"
        f"sys.path.insert(0, {HERE!r})\n"
        "import shipping_workers\n"
        f"shipping_workers.init({mode!r})\n"
    )


def init(mode: str) -> None:
    """Sets this worker process's decoding session.

    ``default``: none (the global session, Python UDF inlining on);
    ``strict``: a strict session with nothing registered;
    ``strict_registered``: a strict session with :data:`TRIPLE` registered;
    ``strict_global``: the same, installed as the process-global session
    (ipc.set_global_ctx) instead of this thread's worker slot.
    """
    if mode == "default":
        return
    ctx = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    if mode in ("strict_registered", "strict_global"):
        ctx.register_udf(TRIPLE)
    elif mode != "strict":
        raise ValueError(mode)
    if mode == "strict_global":
        ipc.set_global_ctx(ctx)
    else:
        ipc.set_worker_ctx(ctx)


def _run(expr: Expr, partition: pa.Table) -> tuple[int, list[Any]]:
    ctx = ipc.get_worker_ctx() or ferry.SessionContext()
    out = ctx.from_arrow(partition).select(expr.alias("r")).to_arrow_table()
    return os.getpid(), out["r"].to_pylist()


def evaluate_expr(expr: Expr, partition: pa.Table) -> tuple[int, list[Any]]:
    """The expression arrived already unpickled by multiprocessing."""
    assert isinstance(expr, Expr), type(expr)
    return _run(expr, partition)


def evaluate_bytes(blob: bytes, partition: pa.Table) -> tuple[int, list[Any]]:
    """Decodes ``blob`` (Expr.to_bytes) with this worker's session."""
    return _run(Expr.from_bytes(blob), partition)


def evaluate_pickle(blob: bytes, partition: pa.Table) -> tuple[int, list[Any]]:
    """Unpickles ``blob`` (pickle.dumps of an Expr) with this worker's session."""
    return _run(pickle.loads(blob), partition)


def worker_state(_: Any) -> tuple[int, bool, bool | None]:
    """(pid, whether a worker session is set, its inlining flag)."""
    ctx = ipc.get_worker_ctx()
    return os.getpid(), ctx is not None, None if ctx is None else ctx.python_udf_inlining


def aggregate_bytes(blob: bytes, partitions: list[pa.Table], pickled: bool) -> list[dict]:
    """Decodes an aggregate expression (Expr.to_bytes, or pickle.dumps when
    ``pickled``) with this worker's session and runs it grouped by ``k``
    over ``partitions`` (one engine partition each); rows sorted by key."""
    expr = pickle.loads(blob) if pickled else Expr.from_bytes(blob)
    ctx = ipc.get_worker_ctx() or ferry.SessionContext()
    parts = [t.combine_chunks().to_batches() for t in partitions]
    df = ctx.create_dataframe(parts, schema=partitions[0].schema)
    out = df.aggregate([ferry.col("k")], [expr.alias("r")]).to_pylist()
    return sorted(out, key=lambda row: row["k"])


def sorted_rows(table: pa.Table) -> list[dict]:
    """``table``'s rows in a canonical order, to compare results whatever
    the partitioning (rows differing in no column compare equal)."""
    return sorted(table.to_pylist(), key=repr)


def collect_dataframe(df: Any) -> tuple[int, list[dict]]:
    """Collects a DataFrame that arrived through pickle (the pool unpickled
    it with this worker's session): (pid, its rows, canonically ordered)."""
    assert isinstance(df, ferry.DataFrame), type(df)
    return os.getpid(), sorted_rows(df.to_arrow_table())
