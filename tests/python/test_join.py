"""Equi-joins: every join type, key forms, NULL keys, name clashes."""

import random

import pyarrow as pa
import pytest

from ferry import col, lit

LEFT = {"id": [1, 2, 2, None, 4], "v": ["a", "b", "c", "d", "e"]}
RIGHT = {"id": [2, 3, None, 4, 4], "v": ["x", "y", "z", "w", "q"], "r": [20, 30, 0, 40, 41]}


@pytest.fixture
def left(ctx):
    return ctx.from_pydict(LEFT)


@pytest.fixture
def right(ctx):
    return ctx.from_pydict(RIGHT)


def rows(df):
    return sorted((tuple(r.values()) for r in df.to_pylist()), key=repr)


def norm(items):
    return sorted((tuple(r) for r in items), key=repr)


def test_inner_join_null_keys_never_match(left, right):
    out = left.join(right, on="id", how="inner")
    assert out.schema().names == ["id", "v", "v_right", "r"]
    assert rows(out) == norm([(2, "b", "x", 20), (2, "c", "x", 20), (4, "e", "w", 40), (4, "e", "q", 41)])


def test_left_join(left, right):
    out = left.join(right, on="id", how="left")
    assert rows(out) == norm([
        (1, "a", None, None), (2, "b", "x", 20), (2, "c", "x", 20), (None, "d", None, None),
        (4, "e", "w", 40), (4, "e", "q", 41),
    ])


def test_right_join_takes_key_from_right(left, right):
    out = left.join(right, on="id", how="right")
    assert out.schema().names == ["id", "v", "v_right", "r"]
    assert rows(out) == norm([
        (2, "b", "x", 20), (2, "c", "x", 20), (3, None, "y", 30), (None, None, "z", 0),
        (4, "e", "w", 40), (4, "e", "q", 41),
    ])


def test_full_join(left, right):
    out = left.join(right, on="id", how="full")
    assert rows(out) == norm([
        (1, "a", None, None), (2, "b", "x", 20), (2, "c", "x", 20), (None, "d", None, None),
        (3, None, "y", 30), (None, None, "z", 0), (4, "e", "w", 40), (4, "e", "q", 41),
    ])


def test_semi_and_anti_keep_left_columns_only(left, right):
    semi = left.join(right, on="id", how="semi")
    anti = left.join(right, on="id", how="anti")
    assert semi.schema().names == anti.schema().names == ["id", "v"]
    # semi: each matching left row once, even with two right matches (id 4)
    assert rows(semi) == norm([(2, "b"), (2, "c"), (4, "e")])
    # anti: a NULL key matches nothing, so its row survives
    assert rows(anti) == norm([(1, "a"), (None, "d")])


def test_left_on_right_on_keeps_both_keys(left, right):
    renamed = right.with_column_renamed("id", "rid")
    out = left.join(renamed, left_on="id", right_on="rid", how="full")
    assert out.schema().names == ["id", "v", "rid", "v_right", "r"]
    assert rows(out) == norm([
        (1, "a", None, None, None), (2, "b", 2, "x", 20), (2, "c", 2, "x", 20), (None, "d", None, None, None),
        (None, None, 3, "y", 30), (None, None, None, "z", 0), (4, "e", 4, "w", 40), (4, "e", 4, "q", 41),
    ])
    assert left.join(renamed, join_keys=(["id"], ["rid"])).count() == 4


def test_left_on_right_on_with_same_names_suffixes_right_key(left, right):
    out = left.join(right, left_on="id", right_on="r")
    assert out.schema().names == ["id", "v", "id_right", "v_right", "r"]
    assert out.count() == 0


def test_clashing_suffix_is_suffixed_again(left, right):
    out = left.with_column("v_right", lit(1)).join(right, on="id")
    assert out.schema().names == ["id", "v", "v_right", "v_right_right", "r"]


def test_multi_key_join(ctx):
    a = ctx.from_pydict({"k1": [1, 1, 2, None], "k2": ["x", "y", "x", "x"], "va": [10, 11, 12, 13]})
    b = ctx.from_pydict({"k1": [1, 2, 2, None], "k2": ["y", "x", "z", "x"], "vb": [20, 21, 22, 23]})
    out = a.join(b, on=["k1", "k2"])
    assert out.schema().names == ["k1", "k2", "va", "vb"]
    assert rows(out) == norm([(1, "y", 11, 20), (2, "x", 12, 21)])


def test_string_keys(ctx):
    a = ctx.from_pydict({"s": ["a", "b", None, "b"], "i": [1, 2, 3, 4]})
    b = ctx.from_pydict({"s": ["b", None, "c"], "j": [9, 8, 7]})
    assert rows(a.join(b, on="s")) == norm([("b", 2, 9), ("b", 4, 9)])


def test_self_join(left):
    out = left.join(left, on="id")
    assert out.schema().names == ["id", "v", "v_right"]
    assert out.count() == 1 + 4 + 1  # id 1, id 2 (2x2), id 4


def test_join_with_empty_side(left, right):
    empty = right.filter(lit(False))
    assert left.join(empty, on="id").count() == 0
    out = left.join(empty, on="id", how="left").sort("v").to_pydict()
    assert out["v"] == LEFT["v"] and out["r"] == [None] * 5
    assert left.join(empty, on="id", how="anti").count() == 5
    assert empty.join(left, on="id", how="right").count() == 5


def test_join_then_filter_and_aggregate(left, right):
    from ferry import functions as f

    out = left.join(right, on="id").filter(col("r") > 25).aggregate([col("id")], [f.sum(col("r")).alias("s")])
    assert out.to_pydict() == {"id": [4], "s": [81]}


@pytest.mark.parametrize(
    "how, arrow_how",
    [("inner", "inner"), ("left", "left outer"), ("right", "right outer"), ("full", "full outer"),
     ("semi", "left semi"), ("anti", "left anti")],
)
def test_join_matches_pyarrow(ctx, how, arrow_how):
    rng = random.Random(11)
    lt = pa.table({"k": [rng.choice([None, *range(30)]) for _ in range(200)], "a": list(range(200))})
    rt = pa.table({"k": [rng.choice([None, *range(40)]) for _ in range(150)], "b": list(range(150))})
    got = ctx.from_arrow(lt).join(ctx.from_arrow(rt), on="k", how=how)
    ref = lt.join(rt, keys="k", join_type=arrow_how, coalesce_keys=True)
    names = got.schema().names
    assert sorted(names) == sorted(ref.column_names)
    assert rows(got) == norm(tuple(r[n] for n in names) for r in ref.to_pylist())


def test_join_argument_errors(left, right, ctx):
    with pytest.raises(ValueError, match="unknown join type 'cross'"):
        left.join(right, on="id", how="cross")
    with pytest.raises(KeyError, match="column 'zz' not found"):
        left.join(right, on="zz")
    with pytest.raises(ValueError, match="join needs on="):
        left.join(right)
    with pytest.raises(ValueError, match="not both"):
        left.join(right, on="id", left_on="id", right_on="id")
    with pytest.raises(TypeError, match=r"id \(Int64\) and v \(Utf8\)"):
        left.join(right, left_on="id", right_on="v")


def test_numeric_keys_of_different_types_join_in_their_common_type(ctx):
    a = ctx.from_arrow(pa.table({"k": pa.array([1, 2, None], pa.int32()), "x": ["p", "q", "r"]}))
    b = ctx.from_pydict({"k": [2, 3], "y": [20, 30]})
    joined = a.join(b, on="k")
    assert joined.schema().field("k").type == pa.int64()
    assert joined.to_pydict() == {"k": [2], "x": ["q"], "y": [20]}
    floats = ctx.from_pydict({"k": [2.0, 2.5]})
    assert a.join(floats, on="k", how="semi").to_pydict() == {"k": [2.0], "x": ["q"]}
    strings = ctx.from_pydict({"k": ["2"]})
    with pytest.raises(TypeError, match="cast one of them"):
        a.join(strings, on="k")


def test_outer_is_an_alias_of_full(left, right):
    assert rows(left.join(right, on="id", how="outer")) == rows(left.join(right, on="id", how="full"))


def test_join_key_equality_agrees_with_equals_operator(ctx):
    left = ctx.from_pydict({"x": [0.0, -0.0]})
    right = ctx.from_pydict({"x": [0.0]})
    assert left.filter(col("x") == 0.0).count() == 2
    assert left.join(right, on="x").count() == 2
