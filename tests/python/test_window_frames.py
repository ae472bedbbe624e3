"""Window aggregates over ROWS, RANGE and GROUPS frames, hand-computed, and
frames that cannot be built."""

from __future__ import annotations

import math
import os
import sys

import pyarrow as pa
import pytest

from ferry import col
from ferry import functions as f
from ferry.expr import Window, WindowFrame

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # --import-mode=importlib
from window_rows import approx_list, run  # noqa: E402


# ---- aggregates over frames --------------------------------------------------

SEQ = pa.table({"t": [3, 1, 5, 2, 4], "v": [3.0, 1.0, 5.0, 2.0, 4.0], "i": [3, 1, 5, 2, 4]})


def test_rows_frames(ctx):
    w = lambda s, e: Window(order_by=[col("t")], window_frame=WindowFrame("rows", s, e))  # noqa: E731
    got = run(ctx, SEQ,
              f.sum(col("v")).over(w(1, 1)).alias("centered"),
              f.sum(col("i")).over(w(None, 0)).alias("running"),
              f.sum(col("v")).over(w(0, None)).alias("rest"),
              f.sum(col("v")).over(w(None, None)).alias("all"),
              f.avg(col("v")).over(w(0, 2)).alias("ahead"),
              f.min(col("v")).over(w(2, 0)).alias("min"),
              f.max(col("i")).over(w(1, 1)).alias("max"),
              f.count(col("v")).over(w(2, 0)).alias("cnt"),
              f.count().over(w(2, 0)).alias("star"))
    # sorted v: 1 2 3 4 5; rows in input order t = 3 1 5 2 4
    assert got["centered"] == [9.0, 3.0, 9.0, 6.0, 12.0]
    assert got["running"] == [6, 1, 15, 3, 10]
    assert got["rest"] == [12.0, 15.0, 5.0, 14.0, 9.0]
    assert got["all"] == [15.0] * 5
    assert got["ahead"] == [4.0, 2.0, 5.0, 3.0, 4.5]
    assert got["min"] == [1.0, 1.0, 3.0, 1.0, 2.0]
    assert got["max"] == [4, 2, 5, 3, 5]
    assert got["cnt"] == [3, 1, 3, 2, 3]
    assert got["star"] == [3, 1, 3, 2, 3]


def test_rows_frame_empty_at_start(ctx):
    # ROWS BETWEEN 3 PRECEDING AND 2 PRECEDING, via the raw bound spelling.
    frame = WindowFrame("rows", 3, None)
    frame._end = ("preceding", 2)
    w = Window(order_by=[col("t")], window_frame=frame)
    got = run(ctx, SEQ, f.sum(col("v")).over(w).alias("s"), f.count(col("v")).over(w).alias("c"),
              f.count().over(w).alias("star"), f.max(col("v")).over(w).alias("m"),
              f.first_value(col("v")).over(w).alias("fv"), f.var(col("v")).over(w).alias("var"))
    # sorted rows 0..4: frames {}, {}, {0}, {0,1}, {1,2}
    assert got["s"] == [1.0, None, 5.0, None, 3.0]
    assert got["c"] == [1, 0, 2, 0, 2]
    assert got["star"] == [1, 0, 2, 0, 2]
    assert got["m"] == [1.0, None, 3.0, None, 2.0]
    assert got["fv"] == [1.0, None, 2.0, None, 1.0]
    assert got["var"] == approx_list([None, None, 0.5, None, 0.5])


def test_rows_frame_following_only(ctx):
    frame = WindowFrame("rows", None, 3)
    frame._start = ("following", 1)
    w = Window(order_by=[col("t")], window_frame=frame)
    got = run(ctx, SEQ, f.sum(col("i")).over(w).alias("s"), f.count().over(w).alias("c"))
    # sorted: frames {1,2,3}, {2,3,4}, {3,4}, {4}, {}
    assert got["s"] == [9, 9, None, 12, 5]
    assert got["c"] == [2, 3, 0, 3, 1]


def test_slow_path_aggregates_over_rows(ctx):
    w = Window(order_by=[col("t")], window_frame=WindowFrame("rows", 1, 0))
    got = run(ctx, SEQ, f.var(col("v")).over(w).alias("var"), f.stddev(col("v")).over(w).alias("sd"),
              f.var_pop(col("v")).over(w).alias("vp"))
    assert got["var"] == approx_list([0.5, None, 0.5, 0.5, 0.5])
    assert got["sd"] == approx_list([math.sqrt(0.5), None] + [math.sqrt(0.5)] * 3)
    assert got["vp"] == approx_list([0.25, 0.0, 0.25, 0.25, 0.25])


def test_min_max_strings_over_rows(ctx):
    t = pa.table({"t": [1, 2, 3, 4], "s": ["d", "a", "c", "b"]})
    w = Window(order_by=[col("t")], window_frame=WindowFrame("rows", 1, 0))
    got = run(ctx, t, f.min(col("s")).over(w).alias("lo"), f.max(col("s")).over(w).alias("hi"))
    assert got["lo"] == ["d", "a", "a", "b"]
    assert got["hi"] == ["d", "d", "c", "c"]


def test_sum_types(ctx):
    w = Window(order_by=[col("t")], window_frame=WindowFrame("rows", 1, 0))
    out = ctx.from_arrow(SEQ).select(f.sum(col("i")).over(w).alias("si"), f.sum(col("v")).over(w).alias("sv"),
                                     f.avg(col("i")).over(w).alias("ai"), f.count().over(w).alias("c"),
                                     f.min(col("i")).over(w).alias("m")).to_arrow_table()
    assert [fld.type for fld in out.schema] == [pa.int64(), pa.float64(), pa.float64(), pa.int64(), pa.int64()]


def test_default_frame_with_ties_and_without_order_by(ctx):
    t = pa.table({"t": [1, 2, 2, 3], "v": [1, 2, 3, 4]})
    got = run(ctx, t, f.sum(col("v")).over(Window(order_by=[col("t")])).alias("run"),
              f.sum(col("v")).over(Window()).alias("all"))
    assert got["run"] == [1, 6, 6, 10]
    assert got["all"] == [10] * 4


RANGE_T = pa.table({"t": [1, 2, 4, 7, 8], "v": [1.0, 10.0, 100.0, 1000.0, 10000.0]})


def test_range_integer_offsets(ctx):
    w = Window(order_by=[col("t")], window_frame=WindowFrame("range", 2, 0))
    w2 = Window(order_by=[col("t")], window_frame=WindowFrame("range", 1, 1))
    got = run(ctx, RANGE_T, f.sum(col("v")).over(w).alias("a"), f.count().over(w2).alias("b"))
    assert got["a"] == [1.0, 11.0, 110.0, 1000.0, 11000.0]
    assert got["b"] == [2, 2, 1, 2, 2]


def test_range_float_offsets(ctx):
    w = Window(order_by=[col("t")], window_frame=WindowFrame("range", 1.5, 1.5))
    got = run(ctx, RANGE_T, f.sum(col("v")).over(w).alias("s"))
    assert got["s"] == [11.0, 11.0, 100.0, 11000.0, 11000.0]
    tf = pa.table({"t": [0.1, 0.35, 0.5, 0.9], "v": [1, 2, 4, 8]})
    w = Window(order_by=[col("t")], window_frame=WindowFrame("range", 0.25, 0))
    assert run(ctx, tf, f.sum(col("v")).over(w).alias("s"))["s"] == [1, 3, 6, 8]


def test_range_descending(ctx):
    w = Window(order_by=[col("t").sort(ascending=False)], window_frame=WindowFrame("range", 2, 0))
    got = run(ctx, RANGE_T, f.sum(col("v")).over(w).alias("s"), f.count().over(w).alias("c"))
    # PRECEDING in a descending window: keys in [t, t + 2].
    assert got["s"] == [11.0, 110.0, 100.0, 11000.0, 10000.0]
    assert got["c"] == [2, 2, 1, 2, 1]


def test_range_offset_following_unbounded(ctx):
    w = Window(order_by=[col("t")], window_frame=WindowFrame("range", None, 1))
    w2 = Window(order_by=[col("t")], window_frame=WindowFrame("range", 3, None))
    got = run(ctx, RANGE_T, f.sum(col("v")).over(w).alias("a"), f.sum(col("v")).over(w2).alias("b"))
    assert got["a"] == [11.0, 11.0, 111.0, 11111.0, 11111.0]
    assert got["b"] == [11111.0, 11111.0, 11111.0, 11100.0, 11000.0]


def test_range_null_order_keys_nulls_last(ctx):
    t = pa.table({"t": [1, None, 2, None, 5], "v": [1, 2, 4, 8, 16]})
    w = Window(order_by=[col("t").sort(ascending=True, nulls_first=False)],
               window_frame=WindowFrame("range", 1, 1))
    got = run(ctx, t, f.sum(col("v")).over(w).alias("s"))
    # NULLs are peers of each other and reach nothing else.
    assert got["s"] == [5, 10, 5, 10, 16]


def test_range_null_order_keys_nulls_first(ctx):
    t = pa.table({"t": [1, None, 2, None, 5], "v": [1, 2, 4, 8, 16]})
    w = Window(order_by=[col("t").sort(ascending=True, nulls_first=True)],
               window_frame=WindowFrame("range", 1, 1))
    assert run(ctx, t, f.sum(col("v")).over(w).alias("s"))["s"] == [5, 10, 5, 10, 16]


def test_range_null_keys_peer_frame(ctx):
    # Default frame: NULLs are one peer group.
    t = pa.table({"t": [1, None, 2, None], "v": [1, 2, 4, 8]})
    got = run(ctx, t, f.sum(col("v")).over(Window(order_by=[col("t")])).alias("s"),
              f.rank().over(Window(order_by=[col("t")])).alias("r"))
    assert got["s"] == [1, 15, 5, 15]
    assert got["r"] == [1, 3, 2, 3]


def test_groups_frames(ctx):
    t = pa.table({"t": [1, 1, 2, 3, 3], "v": [1, 2, 4, 8, 16]})
    w1 = Window(order_by=[col("t")], window_frame=WindowFrame("groups", 1, 0))
    w2 = Window(order_by=[col("t")], window_frame=WindowFrame("groups", 0, 1))
    w3 = Window(order_by=[col("t")], window_frame=WindowFrame("groups", None, None))
    got = run(ctx, t, f.sum(col("v")).over(w1).alias("a"), f.sum(col("v")).over(w2).alias("b"),
              f.sum(col("v")).over(w3).alias("c"), f.count().over(w1).alias("n"))
    assert got["a"] == [3, 3, 7, 28, 28]
    assert got["b"] == [7, 7, 28, 24, 24]
    assert got["c"] == [31] * 5
    assert got["n"] == [2, 2, 3, 3, 3]


def test_groups_frame_preceding_only(ctx):
    t = pa.table({"t": [1, 1, 2, 3, 3], "v": [1, 2, 4, 8, 16]})
    frame = WindowFrame("groups", 2, None)
    frame._end = ("preceding", 1)
    got = run(ctx, t, f.sum(col("v")).over(Window(order_by=[col("t")], window_frame=frame)).alias("s"))
    assert got["s"] == [None, None, 3, 7, 7]


def test_invalid_frames_fail_when_the_dataframe_is_built(ctx):
    from ferry.expr import WindowFrame as Frame

    df = ctx.from_pydict({"k": [1, 1], "t": [1, 2], "u": [3, 4], "v": [1.0, 2.0]})
    groups = Window(partition_by=[col("k")], window_frame=Frame("groups", 1, 0))
    with pytest.raises(ValueError, match="GROUPS frames need an ORDER BY"):
        df.select(f.sum(col("v")).over(groups))
    two_keys = Window(order_by=[col("t"), col("u")], window_frame=Frame("range", 1, 0))
    with pytest.raises(ValueError, match="exactly one ORDER BY key, got 2"):
        df.select(f.sum(col("v")).over(two_keys))
    backwards = Frame("rows", 0, 0)
    backwards._start, backwards._end = ("unbounded_following", None), ("current_row", None)
    with pytest.raises(ValueError, match="cannot start at UNBOUNDED FOLLOWING"):
        df.select(f.sum(col("v")).over(Window(order_by=[col("t")], window_frame=backwards)))
