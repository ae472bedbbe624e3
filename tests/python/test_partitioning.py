"""Results do not depend on the number of partitions.

Every query runs with target_partitions 1, 2 and 7 and must give the same
rows, equal to a pyarrow reference (or a hand-computed one); rows are
sorted before comparing where SQL leaves the order unspecified.
"""

import datetime
import decimal
import math
import random

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import Window, col, functions as f, udf

PARTITIONS = [1, 2, 7]
JOIN_TYPES = {
    "inner": "inner",
    "left": "left outer",
    "right": "right outer",
    "full": "full outer",
    "semi": "left semi",
    "anti": "left anti",
}


def session(n: int) -> ferry.SessionContext:
    return ferry.SessionContext(ferry.SessionConfig().with_target_partitions(n))


def rows(table: pa.Table, names=None) -> list:
    """The rows of ``table`` (columns ``names``, default all) as sorted tuples."""
    if names is not None:
        table = table.select(names)
    return sorted((tuple(r.values()) for r in table.to_pylist()), key=repr)


def results(query, *tables: pa.Table, partitions=PARTITIONS) -> dict:
    """query(df, ...) run at every partition count -> {n: pa.Table}."""
    out = {}
    for n in partitions:
        ctx = session(n)
        out[n] = query(*(ctx.from_arrow(t) for t in tables)).to_arrow_table()
    return out


def assert_same_rows(by_n: dict, expected: list, names=None) -> None:
    for n, table in by_n.items():
        assert rows(table, names) == expected, f"target_partitions={n}"


STRINGS = ["x", "y", "zz", "", "longer than twelve bytes", None]


def make_sides(seed=11, n_left=400, n_right=300):
    rng = random.Random(seed)

    def side(n, lo, hi, value_name, base):
        return pa.table({
            "k": [None if rng.random() < 0.1 else rng.randint(lo, hi) for _ in range(n)],
            "s": [rng.choice(STRINGS) for _ in range(n)],
            value_name: list(range(base, base + n)),
        })

    # Keys 0..30 and 15..45: unmatched rows on both sides, ~13 rows per key
    # on the left and ~10 on the right (many-to-many).
    return side(n_left, 0, 30, "lv", 0), side(n_right, 15, 45, "rv", 10_000)


LEFT, RIGHT = make_sides()


def pyarrow_join(left, right, how, keys, right_keys=None, coalesce=True):
    return left.join(right, keys=keys, right_keys=right_keys, join_type=JOIN_TYPES[how],
                     right_suffix="_right", coalesce_keys=coalesce)


def test_pyarrow_reference_never_matches_null_keys():
    # The reference must itself treat NULL keys as unequal, or comparing
    # against it would prove nothing about NULL handling.
    left = pa.table({"k": [None, 1]})
    right = pa.table({"k": [None, 1], "r": [0, 1]})
    assert left.join(right, "k", join_type="inner").to_pylist() == [{"k": 1, "r": 1}]


@pytest.mark.parametrize("how", list(JOIN_TYPES))
@pytest.mark.parametrize("on", ["k", ["k", "s"], "s"], ids=["int", "int+string", "string"])
def test_join_matches_pyarrow_at_every_partition_count(how, on):
    by_n = results(lambda l, r: l.join(r, on=on, how=how), LEFT, RIGHT)
    names = by_n[1].column_names
    expected = rows(pyarrow_join(LEFT, RIGHT, how, on), names)
    assert expected, "the case must produce rows"
    assert_same_rows(by_n, expected, names)


@pytest.mark.parametrize("how", list(JOIN_TYPES))
def test_join_on_differently_named_keys(how):
    right = RIGHT.rename_columns(["rk", "rs", "rv"])
    by_n = results(lambda l, r: l.join(r, left_on="k", right_on="rk", how=how), LEFT, right)
    names = by_n[1].column_names
    expected = rows(pyarrow_join(LEFT, right, how, "k", "rk", coalesce=False), names)
    assert_same_rows(by_n, expected, names)


@pytest.mark.parametrize("how", list(JOIN_TYPES))
@pytest.mark.parametrize("empty", ["left", "right", "both"])
def test_join_with_an_empty_side(how, empty):
    left = LEFT.slice(0, 0) if empty in ("left", "both") else LEFT
    right = RIGHT.slice(0, 0) if empty in ("right", "both") else RIGHT
    by_n = results(lambda l, r: l.join(r, on="k", how=how), left, right)
    names = by_n[1].column_names
    assert_same_rows(by_n, rows(pyarrow_join(left, right, how, "k"), names), names)


@pytest.mark.parametrize("how", list(JOIN_TYPES))
def test_join_with_every_key_null_on_one_side(how):
    right = RIGHT.set_column(0, "k", pa.nulls(RIGHT.num_rows, pa.int64()))
    by_n = results(lambda l, r: l.join(r, on="k", how=how), LEFT, right)
    names = by_n[1].column_names
    expected = rows(pyarrow_join(LEFT, right, how, "k"), names)
    assert_same_rows(by_n, expected, names)
    if how in ("inner", "semi"):
        assert expected == []


def test_join_float_keys_negative_zero_matches_zero():
    left = pa.table({"x": [0.0, -0.0, 1.5, None], "lv": [1, 2, 3, 4]})
    right = pa.table({"x": [-0.0, 1.5, None, 9.0], "rv": [10, 11, 12, 13]})
    # Whether 0.0 and -0.0 would land apart if hashed by their bits depends
    # on the partition count, so try several.
    by_n = results(lambda l, r: l.join(r, on="x", how="inner"), left, right,
                   partitions=[1, 2, 7, 8, 13, 16])
    # 0.0 and -0.0 on the left each match -0.0 on the right; NULLs nothing.
    for n, table in by_n.items():
        pairs = sorted(zip(table.column("lv").to_pylist(), table.column("rv").to_pylist()))
        assert pairs == [(1, 10), (2, 10), (3, 11)], f"target_partitions={n}"


def typed_keys(values, kind):
    """``values`` (small ints or None) as keys of another Arrow type."""
    convert, arrow_type = {
        "decimal": (lambda v: decimal.Decimal(v) / 4, pa.decimal128(10, 2)),
        "date32": (lambda v: datetime.date(2020, 1, 1) + datetime.timedelta(days=v), pa.date32()),
        "timestamp": (lambda v: datetime.datetime(2020, 1, 1) + datetime.timedelta(seconds=v),
                      pa.timestamp("us", "UTC")),
        "bool": (lambda v: v % 2 == 0, pa.bool_()),
        "binary": (lambda v: b"k" * v, pa.binary()),
        "large_string": (lambda v: "s" * v, pa.large_string()),
        "fixed_size_binary": (lambda v: bytes([v, 0, v]), pa.binary(3)),
        "float32": (lambda v: v / 2, pa.float32()),
        "uint8": (lambda v: v, pa.uint8()),
    }[kind]
    return pa.array([None if v is None else convert(v) for v in values], arrow_type)


KEY_KINDS = ["decimal", "date32", "timestamp", "bool", "binary", "large_string",
             "fixed_size_binary", "float32", "uint8"]


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_join_and_group_by_every_hashable_key_type(kind):
    left = LEFT.set_column(0, "k", typed_keys(LEFT.column("k").to_pylist(), kind))
    right = RIGHT.set_column(0, "k", typed_keys(RIGHT.column("k").to_pylist(), kind))
    for how in ["inner", "full", "anti"]:
        by_n = results(lambda l, r: l.join(r, on="k", how=how), left, right)
        names = by_n[1].column_names
        assert_same_rows(by_n, rows(pyarrow_join(left, right, how, "k"), names), names)
    by_n = results(lambda df: df.aggregate([col("k")], [f.count().alias("n")]), left)
    ref = left.group_by("k").aggregate([([], "count_all")]).rename_columns({"count_all": "n"})
    assert_same_rows(by_n, rows(ref, ["k", "n"]))


@pytest.mark.parametrize("left_type,right_type", [
    (pa.int32(), pa.int64()), (pa.uint8(), pa.int64()), (pa.uint8(), pa.uint32()),
    (pa.float32(), pa.float64()), (pa.int16(), pa.float64()),
])
def test_join_keys_of_different_numeric_types(left_type, right_type):
    # Keys are cast to a common type before the exchange hashes them; a
    # side hashed in its own type would send equal keys apart.
    left = LEFT.set_column(0, "k", LEFT.column("k").cast(left_type))
    right = RIGHT.set_column(0, "k", RIGHT.column("k").cast(right_type))
    for how in ["inner", "full", "semi"]:
        by_n = results(lambda l, r: l.join(r, on="k", how=how), left, right)
        names = ["lv", "rv"] if how != "semi" else ["lv"]
        assert_same_rows(by_n, rows(pyarrow_join(LEFT, RIGHT, how, "k"), names), names)


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("n", PARTITIONS)
def test_error_in_a_join_input_reaches_the_caller(side, n):
    def fail_on_big(values):
        if pc.max(values).as_py() is not None and pc.max(values).as_py() > 25:
            raise ZeroDivisionError("kaboom")
        return values

    bad = udf(fail_on_big, [pa.int64()], pa.int64(), "immutable", name="fail_on_big")
    ctx = session(n)
    left, right = ctx.from_arrow(LEFT), ctx.from_arrow(RIGHT)
    if side == "left":
        left = left.with_column("k", bad(col("k")))
    else:
        right = right.with_column("k", bad(col("k")))
    for how in ["inner", "full", "anti"]:
        with pytest.raises(ferry.ExecutionError, match="kaboom"):
            left.join(right, on="k", how=how).aggregate([col("k")], [f.count()]).to_arrow_table()


def test_consumers_stopping_early_do_not_hang(run_isolated):
    # A limit stops reading its input after a few rows, leaving exchange
    # producers with rows nobody will read; the query must still finish
    # (in a child process, so a hang fails instead of stalling the suite).
    result = run_isolated("""
        big = pa.table({"k": [i % 1000 for i in range(200_000)], "v": list(range(200_000))})
        for n in [2, 7]:
            ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(n))
            df = ctx.from_arrow(big)
            for how in ["inner", "full", "semi"]:
                assert df.join(df, on="k", how=how).limit(5).count() == 5
            assert df.aggregate([col("k")], [f.count()]).limit(3).count() == 3
            first = df.join(df, on="k").limit(7, offset=3).to_arrow_table()
            assert first.num_rows == 7
            # Producers that run Python code need the GIL to finish after
            # their consumers have gone.
            ident = ferry.udf(lambda x: x, [pa.int64()], pa.int64(), "volatile", name="ident")
            slow = df.with_column("k", ident(col("k")))
            assert slow.join(slow, on="k", how="full").limit(5).count() == 5
        print("done")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"


def test_self_join_counts_by_hand():
    # Both inputs come from one DataFrame; each is planned (and exchanged)
    # on its own. (pyarrow is no reference here: joining a table with
    # itself, it pairs each NULL-key row with itself.)
    counts = {}
    for k in LEFT.column("k").to_pylist():
        counts[k] = counts.get(k, 0) + 1
    matched = sum(c * c for k, c in counts.items() if k is not None)
    for n in PARTITIONS:
        df = session(n).from_arrow(LEFT)
        assert df.join(df, on="k").count() == matched, f"target_partitions={n}"
        # full: the NULL-key rows come out twice, once from each side
        assert df.join(df, on="k", how="full").count() == matched + 2 * counts[None]
        per_key = df.aggregate([col("k")], [f.count().alias("c")])
        got = per_key.join(per_key, on="k", how="full").to_arrow_table()
        assert rows(got) == sorted(
            [(k, c, c) for k, c in counts.items() if k is not None]
            + [(None, counts[None], None), (None, None, counts[None])], key=repr)


@pytest.mark.parametrize("how", ["inner", "left", "full"])
def test_partitioned_join_output_keeps_each_key_in_one_partition(how):
    # Partition i joins partition i of both sides, hashed alike, so a key
    # (NULL included) never appears in two output partitions. Both sides
    # are larger than the broadcast threshold (128K rows), so neither is
    # copied to every partition instead.
    rows_per_side = 140_000
    left = pa.table({"k": pa.array([None if i % 997 == 0 else i % 5000 for i in range(rows_per_side)]),
                     "lv": pa.array(range(rows_per_side))})
    right = pa.table({"k": pa.array([None if i % 991 == 0 else i % 7000 for i in range(rows_per_side)]),
                      "rv": pa.array(range(rows_per_side))})
    for n in [2, 7]:
        ctx = session(n)
        joined = ctx.from_arrow(left).join(ctx.from_arrow(right), on="k", how=how)
        assert "mode=Partitioned" in joined._raw.explain()
        parts = joined.select(col("k")).collect_partitioned()
        assert len(parts) == n
        where = {}
        for p, batches in enumerate(parts):
            for batch in batches:
                for k in set(batch.column("k").to_pylist()):
                    where.setdefault(k, set()).add(p)
        assert where and all(len(ps) == 1 for ps in where.values()), where


def test_join_then_aggregate():
    def query(l, r):
        joined = l.join(r, on="k", how="full")
        return joined.aggregate([col("k")], [f.count().alias("n"), f.sum(col("rv")).alias("srv")])

    by_n = results(query, LEFT, RIGHT)
    ref = pyarrow_join(LEFT, RIGHT, "full", "k").group_by("k").aggregate(
        [([], "count_all"), ("rv", "sum")])
    expected = rows(ref.rename_columns({"count_all": "n", "rv_sum": "srv"}), ["k", "n", "srv"])
    assert_same_rows(by_n, expected)


# ---- aggregates ----------------------------------------------------------------

def group_table(n=3000, groups=40, seed=5):
    rng = random.Random(seed)
    return pa.table({
        "k": [None if rng.random() < 0.08 else rng.randrange(groups) for _ in range(n)],
        "s": [rng.choice(["a", "b", "c", None]) for _ in range(n)],
        "v": [None if rng.random() < 0.15 else rng.randint(-100, 100) for _ in range(n)],
    })


GROUPS = group_table()


def test_group_by_with_null_keys_matches_pyarrow():
    def query(df):
        return df.aggregate([col("k")], [
            f.count().alias("n"), f.count(col("v")).alias("nv"), f.sum(col("v")).alias("sv"),
            f.min(col("v")).alias("lo"), f.max(col("v")).alias("hi"),
            f.count(col("s"), distinct=True).alias("ds"),
        ])

    by_n = results(query, GROUPS)
    ref = GROUPS.group_by("k").aggregate([
        ([], "count_all"), ("v", "count"), ("v", "sum"), ("v", "min"), ("v", "max"),
        ("s", "count_distinct", pc.CountOptions(mode="only_valid")),
    ]).rename_columns({"count_all": "n", "v_count": "nv", "v_sum": "sv", "v_min": "lo",
                       "v_max": "hi", "s_count_distinct": "ds"})
    expected = rows(ref, ["k", "n", "nv", "sv", "lo", "hi", "ds"])
    assert any(r[0] is None for r in expected), "NULL keys form a group"
    assert_same_rows(by_n, expected)


def test_group_by_two_keys_and_count_distinct():
    def query(df):
        return df.aggregate([col("k"), col("s")], [f.count(col("v"), distinct=True).alias("dv")])

    by_n = results(query, GROUPS)
    ref = GROUPS.group_by(["k", "s"]).aggregate(
        [("v", "count_distinct", pc.CountOptions(mode="only_valid"))]
    ).rename_columns({"v_count_distinct": "dv"})
    assert_same_rows(by_n, rows(ref, ["k", "s", "dv"]))


def test_many_groups():
    rng = random.Random(9)
    table = pa.table({"k": [rng.randrange(20_000) for _ in range(60_000)], "v": [1] * 60_000})
    by_n = results(lambda df: df.aggregate([col("k")], [f.sum(col("v")).alias("n")]), table)
    ref = table.group_by("k").aggregate([("v", "sum")]).rename_columns({"v_sum": "n"})
    assert_same_rows(by_n, rows(ref, ["k", "n"]))


def test_final_aggregate_runs_in_target_partitions_each_group_once():
    # The final phase is hash-partitioned on the group key: n output
    # partitions, and every group (NULL included) in exactly one.
    for n in [2, 7]:
        df = session(n).from_arrow(GROUPS).aggregate([col("k")], [f.count().alias("c")])
        parts = df.collect_partitioned()
        assert len(parts) == n
        keys = [k for batches in parts for b in batches for k in b.column("k").to_pylist()]
        assert len(keys) == len(set(keys)) == len(set(GROUPS.column("k").to_pylist()))


def test_float_group_keys_negative_zero_nan_null_group_alike_at_every_partition_count():
    # -0.0 groups with 0.0 and NULLs form one group. NaNs of either sign
    # bit group as with one partition (pyarrow, too, splits them by bits);
    # the exchange hashes every NaN alike, so no NaN group is split.
    nan, neg_nan = float("nan"), -float("nan")
    table = pa.table({"x": [0.0, -0.0, nan, None, neg_nan, 0.0, None, 2.0] * 50})
    by_n = results(lambda df: df.aggregate([col("x")], [f.count().alias("n")]), table,
                   partitions=[1, 2, 7, 8, 13, 16])

    def groups(out):
        got = {}
        for v, c in zip(out.column("x").to_pylist(), out.column("n").to_pylist()):
            key = "nan" if v is not None and math.isnan(v) else v
            got.setdefault(key, []).append(c)
        got["nan"] = sorted(got["nan"])
        return got

    assert sum(groups(by_n[1])["nan"]) == 100
    for n, out in by_n.items():
        got = groups(out)
        assert got == {0.0: [150], None: [100], 2.0: [50], "nan": groups(by_n[1])["nan"]}, (
            f"target_partitions={n}")


def test_global_aggregate_of_empty_input_has_one_row():
    empty = GROUPS.slice(0, 0)
    aggs = [f.count().alias("n"), f.sum(col("v")).alias("s")]
    by_n = results(lambda df: df.aggregate([], aggs), empty)
    assert_same_rows(by_n, [(0, None)])
    by_n = results(lambda df: df.aggregate([col("k")], [f.count().alias("n")]), empty)
    assert_same_rows(by_n, [])


def test_order_sensitive_aggregates_keep_input_order():
    # first_value, last_value and array_agg follow input order; with more
    # partitions the result must be what one partition gives, and what
    # pyarrow's single-threaded group_by gives.
    def query(df):
        return df.aggregate([col("k")], [
            f.first_value(col("v")).alias("first"), f.last_value(col("v")).alias("last"),
            f.array_agg(col("v")).alias("all"),
        ])

    by_n = results(query, GROUPS)
    keep_nulls = pc.ScalarAggregateOptions(skip_nulls=False)
    ref = GROUPS.group_by("k", use_threads=False).aggregate([
        ("v", "first", keep_nulls), ("v", "last", keep_nulls), ("v", "list"),
    ]).rename_columns({"v_first": "first", "v_last": "last", "v_list": "all"})
    assert_same_rows(by_n, rows(ref, ["k", "first", "last", "all"]))


def test_global_order_sensitive_aggregates():
    by_n = results(lambda df: df.aggregate([], [f.first_value(col("v")).alias("a"),
                                                 f.last_value(col("v")).alias("b"),
                                                 f.array_agg(col("k")).alias("c")]), GROUPS)
    v = GROUPS.column("v").to_pylist()
    assert_same_rows(by_n, [(v[0], v[-1], GROUPS.column("k").to_pylist())])


# ---- distinct, sort, window, union -----------------------------------------------

def test_distinct_matches_pyarrow():
    by_n = results(lambda df: df.select("k", "s").distinct(), GROUPS)
    ref = GROUPS.group_by(["k", "s"]).aggregate([])
    assert_same_rows(by_n, rows(ref, ["k", "s"]))


def test_sort_order_is_exact():
    # (k, v desc, s) with NULLs: the table has duplicate rows, which are
    # interchangeable, so the full sorted sequence is determined.
    def query(df):
        return df.sort(col("k"), col("v").sort(ascending=False, nulls_first=True), col("s"))

    by_n = results(query, GROUPS)
    expected = sorted(GROUPS.to_pylist(), key=lambda r: (
        r["k"] is None, r["k"] if r["k"] is not None else 0,
        r["v"] is not None, -(r["v"] or 0),
        r["s"] is None, r["s"] or ""))
    for n, table in by_n.items():
        assert table.to_pylist() == expected, f"target_partitions={n}"


def test_sort_with_limit():
    by_n = results(lambda df: df.sort(col("v"), col("k"), col("s")).limit(25), GROUPS)

    def key(r):
        return (r["v"] is None, r["v"] or 0, r["k"] is None, r["k"] or 0,
                r["s"] is None, r["s"] or "")

    expected = sorted(GROUPS.to_pylist(), key=key)[:25]
    for n, table in by_n.items():
        assert table.to_pylist() == expected, f"target_partitions={n}"


def test_window_functions_match_hand_computed():
    table = GROUPS.append_column("id", pa.array(range(GROUPS.num_rows)))
    w = Window(partition_by=[col("k")], order_by=[col("id")])

    def query(df):
        return df.window(
            f.row_number(partition_by=[col("k")], order_by=[col("id")]).alias("rn"),
            f.sum(col("v")).over(Window(partition_by=[col("k")])).alias("total"),
            f.lag(col("v"), 1, None, partition_by=[col("k")], order_by=[col("id")]).alias("prev"),
            f.count(col("v")).over(w).alias("running"),
        )

    by_n = results(query, table)
    # By hand: walk rows in id order per key.
    seen, totals, prev, running = {}, {}, {}, {}
    for r in table.to_pylist():
        if r["v"] is not None:
            totals[r["k"]] = totals.get(r["k"], 0) + r["v"]
    expected = []
    for r in table.to_pylist():
        k = r["k"]
        seen[k] = seen.get(k, 0) + 1
        running[k] = running.get(k, 0) + (r["v"] is not None)
        expected.append((r["k"], r["s"], r["v"], r["id"],
                         seen[k], totals.get(k), prev.get(k), running[k]))
        prev[k] = r["v"]
    assert_same_rows(by_n, sorted(expected, key=repr))


def test_window_without_order_by_at_every_partition_count():
    # Rows reach a partitioned window in no fixed order, so without ORDER BY
    # row_number numbers each key's rows 1..n in some order and first_value
    # is one of the key's values, the same on all its rows (as in DataFusion).
    def query(df):
        return df.window(
            f.row_number(partition_by=[col("k")]).alias("rn"),
            f.first_value(col("v")).over(Window(partition_by=[col("k")])).alias("fv"),
        )

    by_n = results(query, GROUPS)
    values = {}
    for r in GROUPS.to_pylist():
        values.setdefault(r["k"], []).append(r["v"])
    for n, table in by_n.items():
        assert rows(table, ["k", "s", "v"]) == rows(GROUPS), f"target_partitions={n}"
        numbers, firsts = {}, {}
        for r in table.to_pylist():
            numbers.setdefault(r["k"], []).append(r["rn"])
            firsts.setdefault(r["k"], set()).add(r["fv"])
        for k, vs in values.items():
            assert sorted(numbers[k]) == list(range(1, len(vs) + 1)), f"target_partitions={n}, k={k}"
            assert len(firsts[k]) == 1 and firsts[k] <= set(vs), f"target_partitions={n}, k={k}"


def test_union_all_and_distinct():
    other = GROUPS.slice(0, 500)
    by_n = results(lambda a, b: a.union(b), GROUPS, other)
    assert_same_rows(by_n, sorted(rows(GROUPS) + rows(other), key=repr))
    by_n = results(lambda a, b: a.select("k", "s").union(b.select("k", "s"), distinct=True),
                   GROUPS, other)
    both = pa.concat_tables([GROUPS, other])
    assert_same_rows(by_n, rows(both.group_by(["k", "s"]).aggregate([]), ["k", "s"]))


def test_union_of_aggregates_then_join():
    # Exchanges nested three deep: two aggregates, unioned, joined back.
    def query(a, b):
        agg_a = a.aggregate([col("k")], [f.count().alias("n")])
        agg_b = b.aggregate([col("k")], [f.count().alias("n")])
        return agg_a.union(agg_b).join(b.select("k", "rv"), on="k", how="left")

    by_n = results(query, LEFT, RIGHT)
    counts = {}
    for table in (LEFT, RIGHT):
        c = {}
        for k in table.column("k").to_pylist():
            c[k] = c.get(k, 0) + 1
        counts[id(table)] = c
    right_rows = {}
    for k, rv in zip(RIGHT.column("k").to_pylist(), RIGHT.column("rv").to_pylist()):
        if k is not None:
            right_rows.setdefault(k, []).append(rv)
    expected = []
    for c in counts.values():
        for k, n in c.items():
            matches = right_rows.get(k, []) if k is not None else []
            expected += [(k, n, rv) for rv in matches] or [(k, n, None)]
    assert_same_rows(by_n, sorted(expected, key=repr))


# ---- plans -------------------------------------------------------------------------

def explain_text(df, capsys) -> str:
    capsys.readouterr()
    df.explain()
    return capsys.readouterr().out


@pytest.mark.parametrize("n", PARTITIONS)
def test_explain_shows_exchanges_and_join_mode(n, capsys):
    ctx = session(n)
    joined = ctx.from_arrow(LEFT).join(ctx.from_arrow(RIGHT), on="k", how="full")
    text = explain_text(joined, capsys)
    assert "HashJoinExec: mode=Partitioned, type=full" in text
    if n > 1:
        assert f"], {n}), input_partitions=" in text
        assert text.count("RepartitionExec: partitioning=Hash(") >= 2, "both sides exchanged"
    else:
        assert "RepartitionExec" not in text
    text = explain_text(ctx.from_arrow(GROUPS).aggregate([col("k")], [f.count()]), capsys)
    if n > 1:
        assert "AggregateExec: mode=FinalPartitioned" in text
        assert f"RepartitionExec: partitioning=Hash([k@0], {n}), input_partitions={n}" in text
    else:
        assert "RepartitionExec" not in text and "mode=Final," in text


def days(values):
    return pa.array([None if d is None else pa.MonthDayNano([0, d, 0]) for d in values],
                    pa.month_day_nano_interval())


@pytest.mark.parametrize("how", list(JOIN_TYPES))
def test_unhashable_keys_broadcast_or_gather(how, capsys):
    # Interval keys do not hash: the build side (right) is broadcast when it
    # emits nothing at the end; a right or full join gathers both sides.
    # Same rows as pyarrow joining the day counts as integers.
    left = LEFT.set_column(0, "k", days(LEFT.column("k").to_pylist()))
    right = RIGHT.set_column(0, "k", days(RIGHT.column("k").to_pylist()))
    for n in PARTITIONS:
        ctx = session(n)
        df = ctx.from_arrow(left).join(ctx.from_arrow(right), on="k", how=how)
        text = explain_text(df, capsys)
        if n > 1 and how in ("inner", "left", "semi", "anti"):
            assert "HashJoinExec: mode=CollectBuild" in text and "BroadcastExec" in text, text
        elif n > 1:
            assert "HashJoinExec: mode=Partitioned" in text, text
            assert "CoalescePartitionsExec" in text and "RepartitionExec" not in text, text
        got = df.to_arrow_table()
        as_days = got.set_column(0, "k", pa.array(
            [None if v is None else v.days for v in got.column("k").to_pylist()], pa.int64()))
        expected = rows(pyarrow_join(LEFT, RIGHT, how, "k"), got.column_names)
        assert rows(as_days) == expected, f"target_partitions={n}"


@pytest.mark.parametrize("n", PARTITIONS)
def test_join_on_dictionary_keys_with_different_dictionaries(n):
    left = pa.table({"k": pa.array(["a", "b", None, "b"]).dictionary_encode(), "lv": [1, 2, 3, 4]})
    right = pa.table({"k": pa.array(["b", "c", "b"]).dictionary_encode(), "rv": [5, 6, 7]})
    ctx = session(n)
    got = ctx.from_arrow(left).join(ctx.from_arrow(right), on="k", how="inner").to_arrow_table()
    decoded = got.set_column(0, "k", got.column("k").cast(pa.string()))
    assert rows(decoded) == sorted([("b", 2, 5), ("b", 2, 7), ("b", 4, 5), ("b", 4, 7)])


def test_many_to_many_join_streams_bounded_batches():
    # 1,000 probe rows each matching 1,000 build rows: one probe batch makes
    # 1M pairs, which must leave the join in batches of at most 65,536 rows.
    ctx = session(1)
    left = ctx.from_arrow(pa.table({"k": [7] * 1000, "l": list(range(1000))}))
    right = ctx.from_arrow(pa.table({"k": [7] * 1000, "r": list(range(1000))}))
    batches = left.join(right, on="k").collect()
    assert sum(b.num_rows for b in batches) == 1_000_000
    assert max(b.num_rows for b in batches) <= 65536
    assert len(batches) >= 16


@pytest.mark.parametrize("how", ["inner", "left", "semi", "anti", "right", "full"])
def test_small_side_is_built_and_broadcast_where_the_join_type_allows(how):
    facts = pa.table({"k": pa.array([i % 150 if i % 101 else None for i in range(200_000)]),
                      "v": pa.array(range(200_000))})
    dims = pa.table({"k": pa.array(list(range(0, 120)) + [None]), "name": [f"d{i}" for i in range(121)]})
    ctx = session(2)
    small_left = ctx.from_arrow(dims).join(ctx.from_arrow(facts), on="k", how=how)
    small_right = ctx.from_arrow(facts).join(ctx.from_arrow(dims), on="k", how=how)
    left_plan, right_plan = small_left._raw.explain(), small_right._raw.explain()
    assert "build=left" in left_plan and "build=right" in right_plan
    # Broadcasting the build side is fine unless it must emit its own
    # unmatched rows at the end (outer joins preserving it, semi/anti of it).
    build_emits = {"inner": False, "left": False, "semi": False, "anti": False,
                   "right": True, "full": True}
    assert ("BroadcastExec" in right_plan) == (not build_emits[how])
    for df, (l, r) in [(small_left, (dims, facts)), (small_right, (facts, dims))]:
        got = df.to_arrow_table()
        single = session(1)
        want = single.from_arrow(l).join(single.from_arrow(r), on="k", how=how).to_arrow_table()
        assert rows(got) == rows(want)
