"""Results do not depend on the number of partitions: joins and their plans.

Every query runs with target_partitions 1, 2 and 7 and must give the same
rows, equal to a pyarrow reference (or a hand-computed one); rows are
sorted before comparing where SQL leaves the order unspecified.
(Aggregates, distinct, sort, window and union: test_partitioning_aggregates.py.)
"""

import datetime
import decimal
import os
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import col, functions as f, udf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # --import-mode=importlib
from partition_counts import (  # noqa: E402
    GROUPS, LEFT, PARTITIONS, RIGHT, assert_same_rows, results, rows, session,
)

JOIN_TYPES = {
    "inner": "inner",
    "left": "left outer",
    "right": "right outer",
    "full": "full outer",
    "semi": "left semi",
    "anti": "left anti",
}


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


@pytest.mark.parametrize("how", ["semi", "anti"])
@pytest.mark.parametrize("dims_rows", [121, 0])
def test_big_side_is_reduced_to_the_small_kept_sides_keys(how, dims_rows):
    # A semi/anti join keeps rows of the small side, which cannot be
    # broadcast: the big side is first cut down, in place, to the rows whose
    # keys the small side holds (TPC-H Q22's orders of the kept customers),
    # so only those are exchanged. NULL keys on both sides match nothing.
    facts = pa.table({"k": pa.array([i % 150 if i % 101 else None for i in range(200_000)]),
                      "v": pa.array(range(200_000))})
    dims = pa.table({"k": pa.array(list(range(0, 120)) + [None]),
                     "name": [f"d{i}" for i in range(121)]}).slice(0, dims_rows)
    want = rows(pyarrow_join(dims, facts, how, "k"), dims.column_names)
    assert bool(want) == (dims_rows > 0)
    for n in PARTITIONS:
        ctx = session(n)
        df = ctx.from_arrow(dims).join(ctx.from_arrow(facts), on="k", how=how)
        plan = df._raw.explain()
        if n > 1:
            assert "HashJoinExec: mode=CollectBuild, type=semi, build=right, on=[k = k]" in plan, plan
            assert "SharedSubplanExec" in plan, plan
        got = df.to_arrow_table()
        assert rows(got) == want, f"target_partitions={n}"
