"""DataFrame.join_on: equi keys plus a filter on matching pairs, and cross
joins, against a nested-loop reference in Python, at several partition
counts, NULLs included."""

import random

import pyarrow as pa
import pytest

import ferry
from ferry import col, lit

HOWS = ["inner", "left", "right", "full", "semi", "anti"]


def _tables(seed: int, n_left: int, n_right: int):
    rng = random.Random(seed)
    left = {"k": [rng.choice([None, 1, 2, 3]) for _ in range(n_left)],
            "y": [rng.choice([None, *range(6)]) for _ in range(n_left)]}
    right = {"k": [rng.choice([None, 1, 2, 4]) for _ in range(n_right)],
             "y": [rng.choice([None, *range(6)]) for _ in range(n_right)]}
    return left, right


def _reference(left, right, how, match):
    """Rows of the join as tuples (left k, y, right k, y), by nested loops."""
    nl, nr = len(left["k"]), len(right["k"])
    lrow = [(left["k"][i], left["y"][i]) for i in range(nl)]
    rrow = [(right["k"][j], right["y"][j]) for j in range(nr)]
    pairs = [(i, j) for i in range(nl) for j in range(nr) if match(lrow[i], rrow[j])]
    if how == "semi":
        return sorted([lrow[i] for i in sorted({i for i, _ in pairs})], key=repr)
    if how == "anti":
        hit = {i for i, _ in pairs}
        return sorted([lrow[i] for i in range(nl) if i not in hit], key=repr)
    out = [lrow[i] + rrow[j] for i, j in pairs]
    if how in ("left", "full"):
        hit = {i for i, _ in pairs}
        out += [lrow[i] + (None, None) for i in range(nl) if i not in hit]
    if how in ("right", "full"):
        hit = {j for _, j in pairs}
        out += [(None, None) + rrow[j] for j in range(nr) if j not in hit]
    return sorted(out, key=repr)


def _rows(df):
    table = df.to_arrow_table()
    return sorted((tuple(r.values()) for r in table.to_pylist()), key=repr)


def _true(v):
    return v is not None and v


@pytest.mark.parametrize("partitions", [1, 2, 7])
@pytest.mark.parametrize("how", HOWS)
def test_key_and_filter_match_nested_loops(how, partitions):
    left, right = _tables(seed=partitions * 10 + HOWS.index(how), n_left=60, n_right=50)
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(partitions))
    l, r = ctx.from_pydict(left), ctx.from_pydict(right)
    df = l.join_on(r, col("k") == col("k_right"), col("y") < col("y_right"), how=how)

    def match(a, b):
        return a[0] is not None and a[0] == b[0] and _true(a[1] is not None and b[1] is not None
                                                           and a[1] < b[1])

    assert _rows(df) == _reference(left, right, how, match)
    if how not in ("semi", "anti"):
        assert df.schema().names == ["k", "y", "k_right", "y_right"]


@pytest.mark.parametrize("partitions", [1, 3])
@pytest.mark.parametrize("how", HOWS)
def test_cross_join_with_and_without_a_condition(how, partitions):
    left, right = _tables(seed=99 + partitions, n_left=25, n_right=20)
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(partitions))
    l, r = ctx.from_pydict(left), ctx.from_pydict(right)
    cond = col("y") + lit(1) == col("y_right")  # not a key: an expression on one side

    def match(a, b):
        return a[1] is not None and b[1] is not None and a[1] + 1 == b[1]

    assert _rows(l.join_on(r, cond, how=how)) == _reference(left, right, how, match)
    if how == "inner":
        assert _rows(l.join_on(r)) == _reference(left, right, "inner", lambda a, b: True)
        assert l.join_on(r).count() == 25 * 20


def test_cross_join_with_an_empty_side():
    ctx = ferry.SessionContext()
    l = ctx.from_pydict({"a": [1, 2]})
    empty = ctx.from_arrow(pa.table({"b": pa.array([], pa.int64())}))
    assert l.join_on(empty).count() == 0
    assert _rows(l.join_on(empty, how="left")) == [(1, None), (2, None)]
    assert _rows(l.join_on(empty, how="anti")) == [(1,), (2,)]


def test_join_filter_is_shown_and_bad_conditions_are_clear_errors():
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(2))
    l = ctx.from_pydict({"k": [1], "y": [1]})
    r = ctx.from_pydict({"k": [1], "z": [2]})
    plan = l.join_on(r, col("k") == col("k_right"), col("y") != col("z"))._raw.explain()
    assert "filter=" in plan and "on=[k = k]" in plan
    with pytest.raises(ferry.errors.FerryError, match="nope"):
        l.join_on(r, col("nope") == col("z"))
    with pytest.raises(ferry.errors.FerryError, match="not boolean"):
        l.join_on(r, col("y") + col("z"))


@pytest.mark.parametrize("how", ["inner", "left"])
def test_join_on_under_filters_and_projections_keeps_its_condition(how):
    # The optimizer pushes the outer filter into the left input and prunes
    # columns above the join; the join's own condition must still see
    # every column it names.
    left, right = _tables(seed=5, n_left=40, n_right=30)
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(2))
    l, r = ctx.from_pydict(left), ctx.from_pydict(right)
    df = (l.join_on(r, col("k") == col("k_right"), col("y") <= col("y_right"), how=how)
          .filter(col("y") > lit(1))
          .select(col("y_right")))

    def match(a, b):
        return a[0] is not None and a[0] == b[0] and a[1] is not None and b[1] is not None and a[1] <= b[1]

    expected = sorted([(row[3],) for row in _reference(left, right, how, match)
                       if row[1] is not None and row[1] > 1], key=repr)
    assert _rows(df) == expected


@pytest.mark.parametrize("how", HOWS)
def test_filtered_joins_read_only_the_columns_they_use(how, tmp_path, capsys):
    # The filter names the right `y` as `y_right` until the left `y` is
    # pruned away; then it must be re-spelled `y`, and unused pads must go.
    import pyarrow.parquet as pq

    left, right = _tables(seed=40 + HOWS.index(how), n_left=40, n_right=30)
    left["pad_l"] = list(range(40))
    right["pad_r"] = list(range(30))
    pq.write_table(pa.table(left), tmp_path / "l.parquet")
    pq.write_table(pa.table(right), tmp_path / "r.parquet")
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(2))
    ctx.register_parquet("l", str(tmp_path / "l.parquet"))
    ctx.register_parquet("r", str(tmp_path / "r.parquet"))
    joined = ctx.table("l").join_on(ctx.table("r"), col("k") == col("k_right"),
                                    col("y_right") > lit(2), how=how)
    wanted = [col("k"), col("pad_l")] if how in ("semi", "anti") else [col("pad_l"), col("k_right")]
    df = joined.select(*wanted)
    nl, nr = len(left["k"]), len(right["k"])
    pairs = [(i, j) for i in range(nl) for j in range(nr)
             if left["k"][i] is not None and left["k"][i] == right["k"][j]
             and _true(right["y"][j] is not None and right["y"][j] > 2)]
    hit_l, hit_r = {i for i, _ in pairs}, {j for _, j in pairs}
    if how == "semi":
        expected = [(left["k"][i], left["pad_l"][i]) for i in sorted(hit_l)]
    elif how == "anti":
        expected = [(left["k"][i], left["pad_l"][i]) for i in range(nl) if i not in hit_l]
    else:
        expected = [(left["pad_l"][i], right["k"][j]) for i, j in pairs]
        if how in ("left", "full"):
            expected += [(left["pad_l"][i], None) for i in range(nl) if i not in hit_l]
        if how in ("right", "full"):
            expected += [(None, right["k"][j]) for j in range(nr) if j not in hit_r]
    assert _rows(df) == sorted(expected, key=repr)
    df.explain()
    plan = capsys.readouterr().out.split("physical_plan")[1]
    assert "pad_r" not in plan
    assert "projection=[k, y, pad_r]" not in plan
    assert "projection=[k, y]" in plan  # the right side: key and filter column only
