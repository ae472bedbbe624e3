"""Window expressions survive to_bytes/from_bytes and pickle: equal, same
text, same results."""

from __future__ import annotations

import os
import pickle
import sys

import pytest

from ferry import Expr, col
from ferry import functions as f
from ferry.expr import Window, WindowFrame

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # --import-mode=importlib
from window_rows import RANKS, run  # noqa: E402


# ---- serialization -----------------------------------------------------------

def serde_cases():
    w = Window(partition_by=[col("k")], order_by=[col("t").sort(ascending=False, nulls_first=True), col("id")])
    return [
        f.row_number().over(w),
        f.rank().over(Window(partition_by=[col("k")], order_by=[col("t")])),
        f.ntile(3).over(w),
        f.lag(col("t"), 2, -1).over(w),
        f.lead(col("k"), 1, "zz").over(w),
        f.nth_value(col("t"), 2).over(w),
        f.sum(col("t")).over(Window(order_by=[col("t")], window_frame=WindowFrame("range", 1.5, 2))),
        f.count().over(Window(partition_by=[col("k")], order_by=[col("t")],
                              window_frame=WindowFrame("groups", 1, None))),
        f.var(col("t")).over(Window(order_by=[col("id")], window_frame=WindowFrame("rows", 3, 1))),
        # Ordered: without ORDER BY, the row first_value sees is the first
        # to arrive, which varies once rows are exchanged between threads.
        f.first_value(col("t")).over(Window(partition_by=[col("k")], order_by=[col("id")])),
        (col("t") - f.avg(col("t")).over(Window(partition_by=[col("k")]))).alias("dev"),
    ]


@pytest.mark.parametrize("index", range(len(serde_cases())))
def test_window_expr_round_trip(ctx, index):
    expr = serde_cases()[index]
    decoded = [Expr.from_bytes(expr.to_bytes()), pickle.loads(pickle.dumps(expr))]
    want = run(ctx, RANKS, col("id"), expr.alias("x"))
    for d in decoded:
        assert d.equals(expr), f"{d} != {expr}"
        assert str(d) == str(expr)
        assert run(ctx, RANKS, col("id"), d.alias("x")) == want


def test_round_trip_keeps_following_only_frame(ctx):
    frame = WindowFrame("rows", None, 3)
    frame._start = ("following", 1)
    expr = f.sum(col("t")).over(Window(order_by=[col("id")], window_frame=frame))
    d = pickle.loads(pickle.dumps(expr))
    assert d.equals(expr)
    assert "1 FOLLOWING AND 3 FOLLOWING" in str(d)
