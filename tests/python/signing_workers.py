"""Worker-side helpers for the spawn-pool tests in test_payload_signing.py.

Spawned workers import this module by name: the pool initializer
:func:`initializer_source` builds puts this directory on ``sys.path`` first.
"""

from __future__ import annotations

import os

import pyarrow as pa

import ferry
from ferry import Expr, ipc

HERE = os.path.dirname(os.path.abspath(__file__))


def initializer_source(keys: dict[str, bytes], sign_with: str) -> str:
    """Source for ``Pool(initializer=exec, initargs=(source, {}))``: the
    worker decodes with a session holding ``keys``."""
    return (
        "import sys\n"
        f"sys.path.insert(0, {HERE!r})\n"
        "import signing_workers\n"
        f"signing_workers.init({keys!r}, {sign_with!r})\n"
    )


def init(keys: dict[str, bytes], sign_with: str) -> None:
    """Sets this worker's decoding session to one holding ``keys``."""
    ipc.set_worker_ctx(ferry.SessionContext().with_payload_keys(keys, sign_with=sign_with))


def evaluate(blob: bytes, values: list[int]) -> list:
    """Decodes ``blob`` with the worker session and evaluates it over ``x``."""
    ctx = ipc.get_worker_ctx()
    expr = Expr.from_bytes(blob)
    return ctx.from_arrow(pa.table({"x": values})).select(expr.alias("out")).to_pydict()["out"]
