"""Distinct aggregates planned in two levels (group by keys and the distinct
argument first), checked against pyarrow at several partition counts."""

import random

import pyarrow as pa
import pytest

import ferry
from ferry import col
from ferry import functions as f


def _table(n: int, seed: int) -> pa.Table:
    rng = random.Random(seed)
    keys = [rng.choice(["a", "b", "c", None]) for _ in range(n)]
    xs = [rng.choice([None, *range(40)]) for _ in range(n)]
    vs = [rng.choice([None, 0.5, 1.5, -2.0, 4.0]) for _ in range(n)]
    return pa.table({"k": keys, "x": pa.array(xs, pa.int64()), "v": pa.array(vs, pa.float64())})


def _reference(table: pa.Table) -> dict:
    """Per key: (count distinct x, sum x, min x, max x, sum v, count(*), count v)."""
    out = {}
    for k, x, v in zip(*(table[c].to_pylist() for c in ("k", "x", "v"))):
        xs, vs, rows = out.setdefault(k, ([], [], [0]))
        if x is not None:
            xs.append(x)
        vs.append(v)
        rows[0] += 1
    ref = {}
    for k, (xs, vs, rows) in out.items():
        present = [v for v in vs if v is not None]
        ref[k] = (
            len(set(xs)),
            sum(xs) if xs else None,
            min(xs) if xs else None,
            max(xs) if xs else None,
            sum(present) if present else None,
            rows[0],
            len(present),
        )
    return ref


@pytest.mark.parametrize("partitions", [1, 2, 7])
@pytest.mark.parametrize("rows", [0, 1, 500])
def test_distinct_beside_plain_aggregates_matches_reference(partitions, rows):
    table = _table(rows, seed=rows)
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(partitions))
    df = ctx.from_arrow(table).aggregate(
        [col("k")],
        [
            f.count(col("x"), distinct=True).alias("cd"),
            f.sum(col("x")).alias("sd"),
            f.min(col("x")).alias("mn"),
            f.max(col("x")).alias("mx"),
            f.sum(col("v")).alias("sv"),
            f.count().alias("n"),
            f.count(col("v")).alias("nv"),
        ],
    )
    got = df.to_pydict()
    result = {
        k: (cd, sd, mn, mx, sv, n, nv)
        for k, cd, sd, mn, mx, sv, n, nv in zip(*(got[c] for c in ("k", "cd", "sd", "mn", "mx", "sv", "n", "nv")))
    }
    want = _reference(table)
    assert result.keys() == want.keys()
    for key, expected in want.items():
        actual = result[key]
        assert actual[:4] == expected[:4] and actual[5:] == expected[5:], key
        assert (actual[4] is None) == (expected[4] is None)
        if expected[4] is not None:
            assert actual[4] == pytest.approx(expected[4])
    assert df.schema().field("cd").type == pa.int64()
    assert df.schema().field("n").type == pa.int64()


@pytest.mark.parametrize("partitions", [1, 3])
def test_global_count_distinct_on_empty_and_all_null_input(partitions):
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(partitions))
    empty = ctx.from_arrow(pa.table({"x": pa.array([], pa.int64())}))
    assert empty.aggregate([], [f.count(col("x"), distinct=True).alias("c")]).to_pydict() == {"c": [0]}
    nulls = ctx.from_arrow(pa.table({"x": pa.array([None, None], pa.int64())}))
    out = nulls.aggregate([], [f.count(col("x"), distinct=True).alias("c"),
                               f.max(col("x")).alias("m")]).to_pydict()
    assert out == {"c": [0], "m": [None]}


def test_two_level_plan_is_visible_in_explain():
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(2))
    df = ctx.from_pydict({"k": [1, 1, 2], "x": [1, 1, 3]}).aggregate(
        [col("k")], [f.count(col("x"), distinct=True).alias("c")]
    )
    plan = df.explain_string() if hasattr(df, "explain_string") else df._raw.explain()
    assert plan.count("AggregateExec: mode=Partial") == 2
    assert "__ferry_distinct_arg" in plan
    assert sorted(zip(*df.to_pydict().values())) == [(1, 1), (2, 1)]


@pytest.mark.parametrize("partitions", [1, 2, 5])
def test_distinct_of_nearly_unique_keys_skips_partial_grouping_correctly(partitions):
    # 300K rows, almost all distinct: the partial phase stops grouping after
    # its first 100K rows and passes keys through; duplicates that straddle
    # the switch, NULLs and -0.0/0.0 must still be removed once.
    n = 300_000
    keys = [None if i % 50_000 == 7 else i % 280_000 for i in range(n)]
    floats = [(-0.0 if i % 2 else 0.0) if i % 100_000 == 3 else float(i % 290_000) for i in range(n)]
    table = pa.table({"k": pa.array(keys, pa.int64()), "f": pa.array(floats)})
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(partitions))
    df = ctx.from_arrow(table)
    assert df.select(col("k")).distinct().count() == len(set(keys))
    assert df.select(col("k"), col("f")).distinct().count() == len(
        {(k, 0.0 if f == 0 else f) for k, f in zip(keys, floats)})
    counted = df.aggregate([], [f.count(col("k"), distinct=True).alias("c")]).to_pydict()
    assert counted == {"c": [len({k for k in keys if k is not None})]}
