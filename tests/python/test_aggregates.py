"""Aggregates, grouped and global, over several partitions (with empty ones)."""

import random
import statistics

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import col, lit, functions as f

SCHEMA = pa.schema([("k", pa.string()), ("v", pa.int64()), ("x", pa.float64())])


def random_table(n=600, seed=7):
    rng = random.Random(seed)
    keys = [rng.choice(["a", "b", "c", "d", None]) for _ in range(n)]
    # group "d" has only NULL values, to exercise all-null groups
    v = [None if k == "d" or rng.random() < 0.2 else rng.randint(-50, 50) for k in keys]
    x = [None if k == "d" or rng.random() < 0.2 else rng.uniform(-10, 10) for k in keys]
    return pa.table({"k": keys, "v": v, "x": x}, schema=SCHEMA)


@pytest.fixture
def table():
    return random_table()


# name -> (ferry aggregate, pyarrow group_by aggregation)
SKIP_NULLS_FALSE = pc.ScalarAggregateOptions(skip_nulls=False)
CASES = {
    "count_v": (lambda: f.count(col("v")), ("v", "count", pc.CountOptions(mode="only_valid"))),
    "count_star": (lambda: f.count(), ([], "count_all")),
    "sum_v": (lambda: f.sum(col("v")), ("v", "sum")),
    "sum_x": (lambda: f.sum(col("x")), ("x", "sum")),
    "avg_v": (lambda: f.avg(col("v")), ("v", "mean")),
    "mean_x": (lambda: f.mean(col("x")), ("x", "mean")),
    "min_v": (lambda: f.min(col("v")), ("v", "min")),
    "max_x": (lambda: f.max(col("x")), ("x", "max")),
    "count_distinct_v": (lambda: f.count(col("v"), distinct=True),
                         ("v", "count_distinct", pc.CountOptions(mode="only_valid"))),
    "stddev_x": (lambda: f.stddev(col("x")), ("x", "stddev", pc.VarianceOptions(ddof=1))),
    "stddev_samp_x": (lambda: f.stddev_samp(col("x")), ("x", "stddev", pc.VarianceOptions(ddof=1))),
    "stddev_pop_x": (lambda: f.stddev_pop(col("x")), ("x", "stddev", pc.VarianceOptions(ddof=0))),
    "var_x": (lambda: f.var(col("x")), ("x", "variance", pc.VarianceOptions(ddof=1))),
    "var_samp_v": (lambda: f.var_samp(col("v")), ("v", "variance", pc.VarianceOptions(ddof=1))),
    "var_pop_x": (lambda: f.var_pop(col("x")), ("x", "variance", pc.VarianceOptions(ddof=0))),
    "first_v": (lambda: f.first_value(col("v")), ("v", "first", SKIP_NULLS_FALSE)),
    "last_x": (lambda: f.last_value(col("x")), ("x", "last", SKIP_NULLS_FALSE)),
    "array_agg_v": (lambda: f.array_agg(col("v")), ("v", "list")),
}


def approx_equal(got, want):
    if isinstance(want, float):
        return got == pytest.approx(want, rel=1e-9, abs=1e-9)
    return got == want


@pytest.mark.parametrize("name", sorted(CASES))
def test_grouped_aggregate_matches_pyarrow(partitioned, table, name):
    df = partitioned(table, parts=4)
    got = df.aggregate([col("k")], [CASES[name][0]().alias(name)]).to_pydict()
    got = dict(zip(got["k"], got[name]))
    ref = table.group_by("k", use_threads=False).aggregate([CASES[name][1]])
    want = dict(zip(ref["k"].to_pylist(), ref.drop_columns(["k"]).column(0).to_pylist()))
    assert set(got) == set(want) == {"a", "b", "c", "d", None}
    for key in want:
        assert approx_equal(got[key], want[key]), (key, got[key], want[key])


@pytest.mark.parametrize("name", sorted(CASES))
def test_global_aggregate_matches_pyarrow(partitioned, table, name):
    df = partitioned(table, parts=5)
    got = df.aggregate([], [CASES[name][0]().alias(name)]).to_pydict()
    assert list(got) == [name] and len(got[name]) == 1
    if name == "array_agg_v":  # pyarrow has no global "list" aggregation
        want = table["v"].to_pylist()  # every value, NULLs included, in input order
    else:
        want = table.group_by([], use_threads=False).aggregate([CASES[name][1]]).column(0)[0].as_py()
    assert approx_equal(got[name][0], want)


def test_many_aggregates_at_once_hand_computed(partitioned):
    t = pa.table(
        {"k": ["a", "b", "a", "b", "c", None, "a", "c"], "v": [1, 2, None, 5, None, 7, 3, None],
         "x": [1.0, 2.0, 3.0, None, 4.0, 0.5, 2.0, None]},
        schema=SCHEMA,
    )
    df = partitioned(t, parts=3)
    out = df.aggregate(
        [col("k")],
        [f.count(col("v")).alias("cnt"), f.count().alias("n"), f.sum(col("v")).alias("s"),
         f.avg(col("v")).alias("avg"), f.min(col("v")).alias("mn"), f.max(col("x")).alias("mx"),
         f.stddev(col("x")).alias("sd"), f.var_pop(col("x")).alias("vp"),
         f.first_value(col("v")).alias("fv"), f.last_value(col("v")).alias("lv"),
         f.array_agg(col("v")).alias("aa"), f.min(col("k")).alias("mink")],
    ).sort("k").to_pydict()
    assert out["k"] == ["a", "b", "c", None]
    assert out["cnt"] == [2, 2, 0, 1]
    assert out["n"] == [3, 2, 2, 1]
    assert out["s"] == [4, 7, None, 7]
    assert out["avg"] == [2.0, 3.5, None, 7.0]
    assert out["mn"] == [1, 2, None, 7]
    assert out["mx"] == [3.0, 2.0, 4.0, 0.5]
    assert out["sd"][0] == pytest.approx(statistics.stdev([1.0, 3.0, 2.0]))
    assert out["sd"][1:] == [None, None, None]  # sample stddev of one value
    assert out["vp"] == pytest.approx([statistics.pvariance([1.0, 3.0, 2.0]), 0.0, 0.0, 0.0])
    assert out["fv"] == [1, 2, None, 7]
    assert out["lv"] == [3, 5, None, 7]
    assert out["aa"] == [[1, None, 3], [2, 5], [None, None], [7]]
    assert out["mink"] == ["a", "b", "c", None]


def test_output_schema_types(ctx):
    df = ctx.from_arrow(pa.table({"k": ["a"], "v": [1], "x": [1.0]}, schema=SCHEMA))
    out = df.aggregate(
        [col("k")],
        [f.count(col("v")), f.sum(col("v")), f.avg(col("v")), f.min(col("x")), f.stddev(col("v")),
         f.array_agg(col("v"))],
    )
    assert out.schema() == pa.schema([
        ("k", pa.string()), ("count(v)", pa.int64()), ("sum(v)", pa.int64()), ("avg(v)", pa.float64()),
        ("min(x)", pa.float64()), ("stddev(v)", pa.float64()), ("array_agg(v)", pa.list_(pa.int64())),
    ])


def test_global_aggregate_over_empty_input_gives_one_row(partitioned):
    empty = pa.table({"k": [], "v": [], "x": []}, schema=SCHEMA)
    df = partitioned(empty, parts=2)
    out = df.aggregate(
        [],
        [f.count().alias("n"), f.count(col("v")).alias("c"), f.count(col("v"), distinct=True).alias("cd"),
         f.sum(col("v")).alias("s"), f.avg(col("v")).alias("a"), f.min(col("k")).alias("mn"),
         f.stddev(col("x")).alias("sd"), f.first_value(col("v")).alias("fv"),
         f.array_agg(col("v")).alias("aa")],
    ).to_pydict()
    assert out == {"n": [0], "c": [0], "cd": [0], "s": [None], "a": [None], "mn": [None], "sd": [None],
                   "fv": [None], "aa": [None]}


def test_grouped_aggregate_over_empty_input_gives_no_rows(partitioned):
    empty = pa.table({"k": [], "v": [], "x": []}, schema=SCHEMA)
    out = partitioned(empty, parts=2).aggregate([col("k")], [f.count().alias("n"), f.sum(col("v")).alias("s")])
    assert out.to_pydict() == {"k": [], "n": [], "s": []}
    assert out.schema() == pa.schema([("k", pa.string()), ("n", pa.int64()), ("s", pa.int64())])


def test_all_null_input(ctx):
    df = ctx.from_arrow(pa.table({"v": pa.array([None, None, None], pa.int64())}))
    out = df.aggregate(
        [],
        [f.sum(col("v")).alias("s"), f.avg(col("v")).alias("a"), f.min(col("v")).alias("m"),
         f.count(col("v")).alias("c"), f.count().alias("n"), f.var_pop(col("v")).alias("vp"),
         f.first_value(col("v")).alias("fv"), f.array_agg(col("v")).alias("aa")],
    ).to_pydict()
    assert out == {"s": [None], "a": [None], "m": [None], "c": [0], "n": [3], "vp": [None], "fv": [None],
                   "aa": [[None, None, None]]}


def test_single_value_variance(ctx):
    out = ctx.from_pydict({"x": [4.0]}).aggregate(
        [], [f.stddev(col("x")).alias("s"), f.stddev_pop(col("x")).alias("p"), f.var(col("x")).alias("v"),
             f.var_pop(col("x")).alias("vp")]).to_pydict()
    assert out == {"s": [None], "p": [0.0], "v": [None], "vp": [0.0]}


def test_integer_stddev_and_avg(ctx):
    out = ctx.from_pydict({"x": [1, 2, 3, 4]}).aggregate(
        [], [f.stddev(col("x")).alias("s"), f.var_pop(col("x")).alias("vp"), f.avg(col("x")).alias("a")]
    ).to_pydict()
    assert out["s"] == [pytest.approx(statistics.stdev([1, 2, 3, 4]))]
    assert out["vp"] == [pytest.approx(1.25)] and out["a"] == [2.5]


def test_sum_of_int32_widens_to_int64(ctx):
    df = ctx.from_arrow(pa.table({"x": pa.array([2**31 - 1, 2**31 - 1], pa.int32())}))
    out = df.aggregate([], [f.sum(col("x")).alias("s")])
    assert out.to_pydict() == {"s": [2 * (2**31 - 1)]}


def test_count_distinct_ignores_nulls(ctx):
    df = ctx.from_pydict({"v": [None, None, 1, 1, 2], "s": ["a", None, "a", "b", "b"]})
    out = df.aggregate([], [f.count(col("v"), distinct=True).alias("v"), f.count(col("s"), distinct=True).alias("s")])
    assert out.to_pydict() == {"v": [2], "s": [2]}


def test_min_max_of_dates_bools_and_strings(ctx):
    import datetime

    t = pa.table({"d": [datetime.date(2020, 1, 1), None, datetime.date(2019, 5, 5)],
                  "b": [True, None, False], "s": ["pear", "apple", None]})
    out = ctx.from_arrow(t).aggregate(
        [], [f.min(col("d")).alias("d0"), f.max(col("d")).alias("d1"), f.min(col("b")).alias("b0"),
             f.max(col("b")).alias("b1"), f.min(col("s")).alias("s0"), f.max(col("s")).alias("s1")]
    ).to_pydict()
    assert out == {"d0": [datetime.date(2019, 5, 5)], "d1": [datetime.date(2020, 1, 1)], "b0": [False],
                   "b1": [True], "s0": ["apple"], "s1": ["pear"]}


def test_null_group_key_forms_its_own_group(ctx):
    df = ctx.from_pydict({"k": [None, 1, None, 1, 2], "v": [1, 2, 3, 4, 5]})
    out = df.aggregate([col("k")], [f.sum(col("v")).alias("s")]).sort("k").to_pydict()
    assert out == {"k": [1, 2, None], "s": [6, 5, 4]}


def test_group_by_expressions_and_multiple_keys(partitioned, table):
    df = partitioned(table, parts=3)
    out = df.aggregate([col("k"), (col("v") > 0).alias("pos")], [f.count().alias("n")]).to_arrow_table()
    ref = table.append_column("pos", pc.greater(table["v"], 0)).group_by(["k", "pos"]).aggregate([([], "count_all")])
    got = {(r["k"], r["pos"]): r["n"] for r in out.to_pylist()}
    want = {(r["k"], r["pos"]): r["count_all"] for r in ref.to_pylist()}
    assert got == want


def test_group_by_accepts_strings_and_single_exprs(ctx):
    df = ctx.from_pydict({"k": ["a", "b", "a"], "v": [1, 2, 3]})
    assert df.aggregate("k", f.sum(col("v")).alias("s")).sort("k").to_pydict() == {"k": ["a", "b"], "s": [4, 2]}
    assert df.aggregate([col("k")], []).sort("k").to_pydict() == {"k": ["a", "b"]}
    unaliased = df.aggregate([col("v") % 2], [f.count()])
    assert unaliased.schema().names == ["v % Int64(2)", "count(*)"]


def test_aggregate_then_filter_and_sort(ctx):
    df = ctx.from_pydict({"k": ["a", "b", "a", "c"], "v": [1, 2, 3, 10]})
    out = df.aggregate([col("k")], [f.sum(col("v")).alias("s")]).filter(col("s") > 2).sort(col("s").sort(False))
    assert out.to_pydict() == {"k": ["c", "a"], "s": [10, 4]}


def test_aggregate_of_expression_argument(ctx):
    df = ctx.from_pydict({"v": [1, 2, None, 4]})
    out = df.aggregate([], [f.sum(col("v") * 2).alias("s"), f.max(-col("v")).alias("m")])
    assert out.to_pydict() == {"s": [14], "m": [-1]}


def test_aggregate_errors(ctx):
    df = ctx.from_pydict({"k": ["a"], "v": [1]})
    with pytest.raises(TypeError, match="sum does not support Utf8"):
        df.aggregate([], [f.sum(col("k"))])
    with pytest.raises(TypeError, match="avg does not support Utf8"):
        df.aggregate([], [f.avg(col("k"))])
    with pytest.raises(ValueError, match="'sum\\(v\\)' twice"):
        df.aggregate([], [f.sum(col("v")), f.sum(col("v"))])
    with pytest.raises(ValueError, match="not an aggregate"):
        df.aggregate([], [(f.sum(col("v")) + 1).alias("s")])
    with pytest.raises(KeyError, match="'zz'"):
        df.aggregate([col("zz")], [f.count()])


def test_sum_distinct_is_not_implemented(ctx):
    df = ctx.from_pydict({"v": [1, 1, 2]})
    with pytest.raises(ferry.FerryError, match="DISTINCT is only supported for count") as info:
        df.aggregate([], [f.sum(col("v"), distinct=True)])
    assert isinstance(info.value, NotImplementedError)


def test_aggregate_result_is_independent_of_partitioning(table):
    results = []
    for parts in (1, 2, 7):
        c = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(parts))
        out = c.from_arrow(table).aggregate(
            [col("k")], [f.sum(col("v")).alias("s"), f.count().alias("n"), f.avg(col("x")).alias("a")]
        ).sort("k").to_pydict()
        results.append(out)
    assert results[0]["s"] == results[1]["s"] == results[2]["s"]
    assert results[0]["n"] == results[1]["n"] == results[2]["n"]
    for other in results[1:]:
        assert all(approx_equal(got, want) for got, want in zip(other["a"], results[0]["a"]))


def test_aggregate_over_a_literal_filter(ctx):
    df = ctx.from_pydict({"v": [1, 2, 3]}).filter(lit(False))
    assert df.aggregate([], [f.count().alias("n"), f.max(col("v")).alias("m")]).to_pydict() == {"n": [0], "m": [None]}


def test_grouping_of_signed_zeros_agrees_with_equals(ctx):
    df = ctx.from_pydict({"x": [0.0, -0.0, 1.0]})
    assert df.filter(col("x") == 0.0).count() == 2
    assert df.aggregate([], [f.count(col("x"), distinct=True).alias("c")]).to_pydict() == {"c": [2]}
    assert df.aggregate([col("x")], [f.count().alias("n")]).count() == 2


def test_nan_groups_together_and_sorts_last(ctx):
    nan = float("nan")
    df = ctx.from_pydict({"x": [nan, 1.0, nan, None, -1.0]})
    out = df.aggregate([col("x")], [f.count().alias("n")]).to_pydict()
    counts = {("nan" if v != v else v): n for v, n in zip(out["x"], out["n"])}
    assert counts == {"nan": 2, 1.0: 1, -1.0: 1, None: 1}
    mm = df.aggregate([], [f.min(col("x")).alias("mn"), f.max(col("x")).alias("mx")]).to_pydict()
    assert mm["mn"] == [-1.0] and mm["mx"][0] != mm["mx"][0]  # NaN is the largest value
    xs = df.sort("x").to_pydict()["x"]
    assert xs[:2] == [-1.0, 1.0] and xs[2] != xs[2] and xs[3] != xs[3] and xs[4] is None
