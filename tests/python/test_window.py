"""Window functions: hand-computed results, API forms and errors. (Frames
are in test_window_frames.py, serialization in test_window_serde.py,
randomized comparisons against a reference in test_window_reference.py.)"""

from __future__ import annotations

import os
import sys
import pyarrow as pa
import pytest

from ferry import col, lit
from ferry import functions as f
from ferry.expr import Window, WindowFrame

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # --import-mode=importlib
from window_rows import RANKS, approx_list, run  # noqa: E402


# ---- ranking ----------------------------------------------------------------

def test_ranking_with_ties(ctx):
    w = Window(partition_by=[col("k")], order_by=[col("t")])
    got = run(ctx, RANKS, col("id"),
              f.rank().over(w).alias("rank"),
              f.dense_rank().over(w).alias("dense"),
              f.percent_rank().over(w).alias("pct"),
              f.cume_dist().over(w).alias("cume"))
    # a: t=1 (id 1), t=2 (ids 2, 3), t=3 (id 4); b: t=5 twice.
    assert got["id"] == [2, 5, 1, 4, 6, 3]
    assert got["rank"] == [2, 1, 1, 4, 1, 2]
    assert got["dense"] == [2, 1, 1, 3, 1, 2]
    assert got["pct"] == approx_list([1 / 3, 0, 0, 1, 0, 1 / 3])
    assert got["cume"] == approx_list([0.75, 1, 0.25, 1, 1, 0.75])


def test_row_number(ctx):
    w = Window(partition_by=[col("k")], order_by=[col("t"), col("id")])
    got = run(ctx, RANKS, col("id"), f.row_number().over(w).alias("rn"))
    assert got["rn"] == [2, 1, 1, 4, 2, 3]


def test_ranking_types(ctx):
    w = Window(partition_by=[col("k")], order_by=[col("t")])
    out = ctx.from_arrow(RANKS).select(
        f.row_number().over(w).alias("a"), f.rank().over(w).alias("b"), f.dense_rank().over(w).alias("c"),
        f.ntile(2).over(w).alias("d"), f.percent_rank().over(w).alias("e"), f.cume_dist().over(w).alias("f"),
    ).to_arrow_table()
    assert [fld.type for fld in out.schema] == [pa.uint64()] * 4 + [pa.float64()] * 2


def test_ranking_functions_keyword_form(ctx):
    got = run(ctx, RANKS, col("id"),
              f.rank(partition_by=[col("k")], order_by=[col("t")]).alias("r"),
              f.row_number(partition_by=col("k"), order_by=[col("t"), col("id")]).alias("rn"))
    assert got["r"] == [2, 1, 1, 4, 1, 2]
    assert got["rn"] == [2, 1, 1, 4, 2, 3]


def test_rank_without_order_by_is_one(ctx):
    got = run(ctx, RANKS, f.rank().over(Window(partition_by=[col("k")])).alias("r"),
              f.cume_dist().over(Window(partition_by=[col("k")])).alias("c"))
    assert got["r"] == [1] * 6
    assert got["c"] == [1.0] * 6


def test_ranking_descending_nulls(ctx):
    t = pa.table({"t": [3, None, 1, 3, None, 2]})
    w = Window(order_by=[col("t").sort(ascending=False, nulls_first=True)])
    got = run(ctx, t, f.rank().over(w).alias("r"), f.dense_rank().over(w).alias("d"))
    # NULL, NULL, 3, 3, 2, 1: NULLs are peers.
    assert got["r"] == [3, 1, 6, 3, 1, 5]
    assert got["d"] == [2, 1, 4, 2, 1, 3]
    w_last = Window(order_by=[col("t").sort(ascending=True, nulls_first=False)])
    got = run(ctx, t, f.rank().over(w_last).alias("r"))
    assert got["r"] == [3, 5, 1, 3, 5, 2]


def test_ntile(ctx):
    t = pa.table({"x": list(range(7))})
    w = Window(order_by=[col("x")])
    got = run(ctx, t, f.ntile(3).over(w).alias("n3"), f.ntile(1).over(w).alias("n1"),
              f.ntile(7).over(w).alias("n7"))
    assert got["n3"] == [1, 1, 1, 2, 2, 3, 3]
    assert got["n1"] == [1] * 7
    assert got["n7"] == [1, 2, 3, 4, 5, 6, 7]


def test_ntile_more_buckets_than_rows(ctx):
    t = pa.table({"k": [1, 1, 1, 2], "x": [3, 1, 2, 9]})
    w = Window(partition_by=[col("k")], order_by=[col("x")])
    assert run(ctx, t, f.ntile(10).over(w).alias("n"))["n"] == [3, 1, 2, 1]


# ---- lag / lead -------------------------------------------------------------

LAGS = pa.table({
    "k": [1, 1, 1, 1, 2, 2],
    "t": [4, 1, 3, 2, 1, 2],
    "v": [40.0, 10.0, None, 20.0, 50.0, 60.0],
})


def test_lag_lead_defaults(ctx):
    w = Window(partition_by=[col("k")], order_by=[col("t")])
    got = run(ctx, LAGS,
              f.lag(col("v")).over(w).alias("lag"),
              f.lead(col("v")).over(w).alias("lead"),
              f.lag(col("v"), 2).over(w).alias("lag2"))
    # sorted k=1: 10, 20, NULL, 40; k=2: 50, 60
    assert got["lag"] == [None, None, 20.0, 10.0, None, 50.0]
    assert got["lead"] == [None, 20.0, 40.0, None, 60.0, None]
    assert got["lag2"] == [20.0, None, 10.0, None, None, None]


def test_lag_lead_default_value_only_outside_partition(ctx):
    w = Window(partition_by=[col("k")], order_by=[col("t")])
    got = run(ctx, LAGS,
              f.lag(col("v"), 1, -1.0).over(w).alias("lag"),
              f.lead(col("v"), 1, 0).over(w).alias("lead"),
              f.lead(col("v"), 3, 99.0).over(w).alias("lead3"))
    # The NULL at t=3 stays NULL where it is the shifted value.
    assert got["lag"] == [None, -1.0, 20.0, 10.0, -1.0, 50.0]
    assert got["lead"] == [0.0, 20.0, 40.0, None, 60.0, 0.0]
    assert got["lead3"] == [99.0, 40.0, 99.0, 99.0, 99.0, 99.0]


def test_lag_offset_zero_and_beyond(ctx):
    w = Window(partition_by=[col("k")], order_by=[col("t")])
    got = run(ctx, LAGS, f.lag(col("v"), 0).over(w).alias("z"),
              f.lag(col("v"), 10, 7.5).over(w).alias("far"))
    assert got["z"] == LAGS.column("v").to_pylist()
    assert got["far"] == [7.5] * 6


def test_lag_strings_and_builder_form(ctx):
    t = pa.table({"t": [2, 1, 3], "s": ["b", "a", "c"]})
    e = f.lag(col("s"), 1, "none").order_by(col("t")).build()
    assert run(ctx, t, e.alias("x"))["x"] == ["a", "none", "b"]


# ---- nth / first / last -------------------------------------------------------

def test_first_last_nth_value_default_frame(ctx):
    t = pa.table({"t": [1, 2, 2, 3], "v": [10, 20, 30, 40]})
    w = Window(order_by=[col("t"), col("v")])
    got = run(ctx, t, f.first_value(col("v")).over(w).alias("first"),
              f.last_value(col("v")).over(w).alias("last"),
              f.nth_value(col("v"), 2).over(w).alias("nth"))
    assert got["first"] == [10, 10, 10, 10]
    assert got["last"] == [10, 20, 30, 40]
    assert got["nth"] == [None, 20, 20, 20]


def test_last_value_default_frame_includes_peers(ctx):
    t = pa.table({"t": [1, 2, 2, 3], "v": [10, 20, 30, 40]})
    w = Window(order_by=[col("t")])
    got = run(ctx, t, f.last_value(col("v")).over(w).alias("last"))
    assert got["last"] == [10, 30, 30, 40]


def test_first_last_value_rows_frame_respects_nulls(ctx):
    t = pa.table({"t": [1, 2, 3, 4], "v": [None, 2.0, 3.0, None]})
    w = Window(order_by=[col("t")], window_frame=WindowFrame("rows", 1, 1))
    got = run(ctx, t, f.first_value(col("v")).over(w).alias("a"), f.last_value(col("v")).over(w).alias("b"),
              f.nth_value(col("v"), 3).over(w).alias("c"))
    assert got["a"] == [None, None, 2.0, 3.0]
    assert got["b"] == [2.0, 3.0, None, None]
    assert got["c"] == [None, 3.0, None, None]


# ---- partitions ---------------------------------------------------------------

def test_null_partition_keys_form_one_partition(ctx):
    t = pa.table({"k": [None, 1, None, 1, 2], "v": [1, 2, 3, 4, 5]})
    got = run(ctx, t, f.sum(col("v")).over(Window(partition_by=[col("k")])).alias("s"),
              f.row_number().over(Window(partition_by=[col("k")], order_by=[col("v")])).alias("rn"))
    assert got["s"] == [4, 6, 4, 6, 5]
    assert got["rn"] == [1, 1, 2, 2, 1]


def test_multiple_partition_and_order_keys(ctx):
    t = pa.table({
        "a": ["x", "x", "x", "y", "x", "y"],
        "b": [1, 1, 2, 1, 1, 1],
        "c": [5, 5, 1, 2, 7, 2],
        "d": [1, 2, 3, 4, 0, 5],
    })
    w = Window(partition_by=[col("a"), col("b")], order_by=[col("c").sort(ascending=False), col("d")])
    got = run(ctx, t, f.row_number().over(w).alias("rn"), f.rank().over(w).alias("r"),
              f.sum(col("d")).over(w).alias("s"))
    # (x,1): c desc, d asc: (7,0), (5,1), (5,2); (x,2): (1,3); (y,1): (2,4), (2,5)
    assert got["rn"] == [2, 3, 1, 1, 1, 2]
    assert got["r"] == [2, 3, 1, 1, 1, 2]
    assert got["s"] == [1, 3, 3, 4, 0, 9]
    w_peer = Window(partition_by=[col("a"), col("b")], order_by=[col("c").sort(ascending=False)])
    got = run(ctx, t, f.rank().over(w_peer).alias("r"), f.sum(col("d")).over(w_peer).alias("s"))
    assert got["r"] == [2, 2, 1, 1, 1, 1]
    assert got["s"] == [3, 3, 3, 9, 0, 9]


def test_partition_by_expression(ctx):
    t = pa.table({"x": [1, 2, 3, 4, 5, 6]})
    got = run(ctx, t, f.sum(col("x")).over(Window(partition_by=[col("x") % 2])).alias("s"))
    assert got["s"] == [9, 12, 9, 12, 9, 12]


def test_several_windows_in_one_select(ctx):
    w1 = Window(partition_by=[col("k")], order_by=[col("t")])
    w2 = Window(order_by=[col("t").sort(ascending=False), col("id")])
    w3 = Window(partition_by=[col("k")])
    got = run(ctx, RANKS, col("id"), f.rank().over(w1).alias("a"), f.row_number().over(w2).alias("b"),
              f.count().over(w3).alias("c"), (col("t") * 10).alias("d"),
              f.max(col("t")).over(w1).alias("e"))
    assert got["a"] == [2, 1, 1, 4, 1, 2]
    # t desc, id asc: 5(5) 5(6) 3(4) 2(2) 2(3) 1(1)
    assert got["b"] == [4, 1, 6, 3, 2, 5]
    assert got["c"] == [4, 2, 4, 4, 2, 4]
    assert got["d"] == [20, 50, 10, 30, 50, 20]
    assert got["e"] == [2, 5, 1, 3, 5, 2]


def test_window_inside_larger_expression(ctx):
    t = pa.table({"k": [1, 1, 2, 2, 2], "v": [1.0, 3.0, 2.0, 4.0, 9.0]})
    w = Window(partition_by=[col("k")])
    got = run(ctx, t, (col("v") - f.avg(col("v")).over(w)).alias("dev"),
              (f.max(col("v")).over(w) - f.min(col("v")).over(w)).alias("spread"),
              (f.row_number().over(Window(partition_by=[col("k")], order_by=[col("v")])) * 10 + lit(1)).alias("x"),
              f.sum(col("v")).over(w).cast(pa.int32()).alias("c"))
    assert got["dev"] == [-1.0, 1.0, -3.0, -1.0, 4.0]
    assert got["spread"] == [2.0, 2.0, 7.0, 7.0, 7.0]
    assert got["x"] == [11, 21, 11, 21, 31]
    assert got["c"] == [4, 4, 15, 15, 15]


def test_with_column_and_then_filter(ctx):
    t = pa.table({"k": [1, 1, 2, 2, 2], "v": [5, 3, 2, 4, 9]})
    df = ctx.from_arrow(t).with_column(
        "rn", f.row_number().over(Window(partition_by=[col("k")], order_by=[col("v").sort(ascending=False)])))
    assert df.schema().names == ["k", "v", "rn"]
    top = df.filter(col("rn") == 1).sort(col("k")).to_pydict()
    assert top == {"k": [1, 2], "v": [5, 9], "rn": [1, 1]}


def test_window_over_filtered_input(ctx):
    t = pa.table({"v": [1, 2, 3, 4, 5, 6]})
    got = ctx.from_arrow(t).filter(col("v") % 2 == 0).select(
        col("v"), f.sum(col("v")).over(Window(order_by=[col("v")])).alias("s")).to_pydict()
    assert got == {"v": [2, 4, 6], "s": [2, 6, 12]}


def test_empty_input(ctx):
    t = pa.table({"k": pa.array([], pa.int64()), "v": pa.array([], pa.float64())})
    w = Window(partition_by=[col("k")], order_by=[col("v")])
    out = ctx.from_arrow(t).select(
        f.row_number().over(w).alias("rn"), f.sum(col("v")).over(w).alias("s"),
        f.lag(col("v"), 1, 0.0).over(w).alias("l"), f.var(col("v")).over(w).alias("var"),
    ).to_arrow_table()
    assert out.num_rows == 0
    assert [fld.type for fld in out.schema] == [pa.uint64(), pa.float64(), pa.float64(), pa.float64()]


def test_empty_after_filter(ctx):
    t = pa.table({"v": [1, 2, 3]})
    out = ctx.from_arrow(t).filter(col("v") > 10).select(f.rank().over(Window(order_by=[col("v")])).alias("r"))
    assert out.to_pydict() == {"r": []}


def test_multi_partition_input_matches_single(ctx1, partitioned):
    n = 500
    t = pa.table({
        "k": [i % 7 if i % 11 else None for i in range(n)],
        "t": [(i * 37) % 50 for i in range(n)],
        "v": [float((i * 13) % 29) for i in range(n)],
        "id": list(range(n)),
    })
    w = Window(partition_by=[col("k")], order_by=[col("t"), col("id")])
    wr = Window(partition_by=[col("k")], order_by=[col("t")], window_frame=WindowFrame("range", 5, 5))
    exprs = [col("id"), f.row_number().over(w).alias("rn"), f.lag(col("v"), 2, -1.0).over(w).alias("lag"),
             f.sum(col("v")).over(wr).alias("rs"), f.rank().over(wr).alias("r"),
             f.avg(col("v")).over(Window(partition_by=[col("k")], order_by=[col("t"), col("id")],
                                         window_frame=WindowFrame("rows", 3, 1))).alias("ra")]
    single = ctx1.from_arrow(t).select(*exprs).to_pydict()
    multi = partitioned(t, parts=4).select(*exprs).to_arrow_table().sort_by("id").to_pydict()
    assert multi == single


# ---- API forms --------------------------------------------------------------

def test_builder_form_equals_window_form():
    frame = WindowFrame("rows", 2, 0)
    a = f.sum(col("v")).partition_by(col("k")).order_by(col("t")).window_frame(frame).build()
    b = f.sum(col("v")).over(Window(partition_by=[col("k")], order_by=[col("t")], window_frame=frame))
    assert a.equals(b)
    c = f.row_number().partition_by(col("k")).order_by(col("t")).build()
    assert c.equals(f.row_number(partition_by=[col("k")], order_by=[col("t")]))


def test_window_frame_repr_and_display():
    assert "rows" in repr(WindowFrame("rows", 2, 0))
    e = f.sum(col("v")).over(Window(order_by=[col("t")], window_frame=WindowFrame("range", 1.5, None)))
    assert "RANGE BETWEEN 1.5 PRECEDING AND UNBOUNDED FOLLOWING" in str(e)
    e = f.count().over(Window(order_by=[col("t")], window_frame=WindowFrame("groups", None, 3)))
    assert "GROUPS BETWEEN UNBOUNDED PRECEDING AND 3 FOLLOWING" in str(e)


def test_schema_name_of_window_column(ctx):
    t = pa.table({"t": [1, 2]})
    e = f.row_number().over(Window(order_by=[col("t")]))
    out = ctx.from_arrow(t).select(e)
    assert out.schema().names == [e.schema_name()]


# ---- errors -----------------------------------------------------------------

def error_text(excinfo) -> str:
    return str(excinfo.value)


def test_window_in_filter_is_rejected(ctx):
    df = ctx.from_arrow(RANKS)
    with pytest.raises(Exception) as e:
        df.filter(f.row_number().over(Window(order_by=[col("t")])) > 1).collect()
    assert "only allowed in select" in error_text(e)
    with pytest.raises(Exception) as e:
        df.filter(f.sum(col("t")).over(Window()) > 1).collect()
    assert "only allowed in select" in error_text(e)


def test_window_in_aggregate_and_sort_is_rejected(ctx):
    df = ctx.from_arrow(RANKS)
    with pytest.raises(Exception, match="aggregate"):
        df.aggregate([col("k")], [f.rank().over(Window(order_by=[col("t")]))]).collect()
    with pytest.raises(Exception, match="only allowed in select"):
        df.sort(f.row_number().over(Window()).sort()).collect()


def test_aggregate_without_over_in_select(ctx):
    with pytest.raises(Exception, match="aggregate"):
        ctx.from_arrow(RANKS).select(col("t") - f.sum(col("t"))).collect()


def test_range_offset_with_two_order_keys(ctx):
    w = Window(order_by=[col("t"), col("id")], window_frame=WindowFrame("range", 1, 0))
    with pytest.raises(Exception, match="exactly one ORDER BY key"):
        ctx.from_arrow(RANKS).select(f.sum(col("t")).over(w)).collect()


def test_range_offset_without_order_by(ctx):
    w = Window(window_frame=WindowFrame("range", 1, 1))
    with pytest.raises(Exception, match="ORDER BY"):
        ctx.from_arrow(RANKS).select(f.sum(col("t")).over(w)).collect()


def test_range_offset_with_string_key(ctx):
    w = Window(order_by=[col("k")], window_frame=WindowFrame("range", 1, 0))
    with pytest.raises(Exception, match="numeric ORDER BY key"):
        ctx.from_arrow(RANKS).select(f.sum(col("t")).over(w)).collect()


def test_bad_frame_bounds():
    with pytest.raises(ValueError, match=">= 0"):
        WindowFrame("rows", -1, 0)
    with pytest.raises(ValueError, match=">= 0"):
        WindowFrame("range", 0, -2.5)
    with pytest.raises(ValueError, match="rows, range or groups"):
        WindowFrame("meters", 1, 0)
    with pytest.raises(TypeError, match="integers"):
        WindowFrame("rows", 1.5, 0)
    with pytest.raises(TypeError, match="integers"):
        WindowFrame("groups", 0, 0.5)
    with pytest.raises(TypeError, match="number or None"):
        WindowFrame("rows", "1", 0)
    assert WindowFrame("ROWS", 1, 0).units == "rows"


def test_bad_function_parameters(ctx):
    w = Window(order_by=[col("t")])
    df = ctx.from_arrow(RANKS)
    with pytest.raises(Exception, match="bucket"):
        df.select(f.ntile(0).over(w)).collect()
    with pytest.raises(Exception, match="nth_value"):
        df.select(f.nth_value(col("t"), 0).over(w)).collect()
    with pytest.raises(Exception, match="default value of lag"):
        df.select(f.lag(col("t"), 1, "x").over(w)).collect()
    with pytest.raises(Exception, match="offset of lead"):
        df.select(f.lead(col("t"), col("t")).over(w)).collect()


def test_over_on_non_window_expression():
    with pytest.raises(Exception, match="window function"):
        (col("a") + 1).over(Window())
