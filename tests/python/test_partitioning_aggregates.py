"""Results do not depend on the number of partitions: aggregates, distinct,
sort, window and union.

Every query runs with target_partitions 1, 2 and 7 and must give the same
rows, equal to a pyarrow reference (or a hand-computed one); rows are
sorted before comparing where SQL leaves the order unspecified.
"""

import math
import os
import random
import sys

import pyarrow as pa
import pyarrow.compute as pc

from ferry import Window, col, functions as f

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # --import-mode=importlib
from partition_counts import GROUPS, LEFT, RIGHT, assert_same_rows, results, rows, session  # noqa: E402


# ---- aggregates ----------------------------------------------------------------

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
