"""Worker side of test_physical_plan_shipping.py: a process that knows
nothing of the sender decodes a physical plan and runs its partitions.

A "spawn" pool imports this module by name: the tests run the initializer
:func:`initializer_source` builds, which puts this directory on ``sys.path``
first.
"""

from __future__ import annotations

import os

import pyarrow as pa

import ferry

HERE = os.path.dirname(os.path.abspath(__file__))


def initializer_source() -> str:
    """Source for ``Pool(initializer=exec, initargs=(source, {}))``."""
    return f"import sys\nsys.path.insert(0, {HERE!r})\nimport physical_workers\n"


def run_partitions(data: bytes, strict: bool) -> list[pa.Table] | str:
    """Every partition of the plan ``data`` encodes, each as a Table; or the
    error, as text."""
    ctx = ferry.SessionContext()
    if strict:
        ctx = ctx.with_python_udf_inlining(enabled=False)
    try:
        plan = ctx._raw.decode_physical_plan(data)
        schema = plan.schema()
        tables = [
            pa.Table.from_batches(ctx._raw.execute_physical(data, p), schema=schema)
            for p in range(plan.num_partitions)
        ]
    except ferry.FerryError as error:
        return f"{type(error).__name__}: {error}"
    return tables
