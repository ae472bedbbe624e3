"""ferry: a columnar query engine whose expressions travel, Python UDFs included.

Examples:
    >>> import ferry
    >>> from ferry import col, functions as f
    >>> ctx = ferry.SessionContext()
    >>> df = ctx.from_pydict({"x": [1, 2, 3, None]})
    >>> df.aggregate([], [f.sum(col("x")).alias("total")]).to_pydict()
    {'total': [6]}
"""

import pyarrow as _pyarrow  # noqa: F401  (loads the Arrow C++ libraries ferry links)

from ferry import functions, ipc, user_defined
from ferry.catalog import Table
from ferry.context import SessionConfig, SessionContext, SQLOptions
from ferry.dataframe import DataFrame
from ferry.errors import ExecutionError, FerryError
from ferry.plan import ExecutionPlan, LogicalPlan
from ferry.record_batch import RecordBatch, RecordBatchStream
from ferry.expr import (
    CaseBuilder,
    Expr,
    SortExpr,
    Window,
    WindowFrame,
    col,
    column,
    lit,
    literal,
)
from ferry.udf import ScalarUDF, udf
from ferry.user_defined import Accumulator, AggregateUDF, WindowEvaluator, WindowUDF, udaf, udwf

__all__ = [
    "Accumulator",
    "AggregateUDF",
    "CaseBuilder",
    "DataFrame",
    "ExecutionError",
    "ExecutionPlan",
    "Expr",
    "FerryError",
    "LogicalPlan",
    "RecordBatch",
    "RecordBatchStream",
    "SQLOptions",
    "ScalarUDF",
    "SessionConfig",
    "SessionContext",
    "SortExpr",
    "Table",
    "Window",
    "WindowEvaluator",
    "WindowFrame",
    "WindowUDF",
    "col",
    "column",
    "functions",
    "ipc",
    "lit",
    "literal",
    "udaf",
    "udf",
    "udwf",
    "user_defined",
]

__version__ = "0.1.0"
