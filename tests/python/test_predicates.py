"""Predicates: IN lists, BETWEEN, LIKE / ILIKE, with SQL NULL semantics."""

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from ferry import col, lit, functions as f

A = [1, 2, None, 4, -3]


@pytest.fixture
def df(ctx):
    return ctx.from_pydict({"a": A, "s": ["Ab", "x", None, "abc", "a%b"]})


# ---- IN, BETWEEN, LIKE --------------------------------------------------------

def test_in_list(df, evaluate):
    assert evaluate(df, col("a").in_list([lit(1), lit(4)])).to_pylist() == [True, False, None, True, False]
    assert evaluate(df, col("a").in_list([1, 4], negated=True)).to_pylist() == [False, True, None, False, True]
    assert evaluate(df, f.in_list(col("a"), [2], negated=True)).to_pylist() == [True, False, None, True, True]


def test_in_list_float_items_on_int_column_are_not_truncated(df, evaluate):
    # must agree with col("a") == 4.5, which correctly compares as float
    assert evaluate(df, col("a") == 4.5).to_pylist() == [False, False, None, False, False]
    assert evaluate(df, col("a").in_list([1.0, 4.5])).to_pylist() == [True, False, None, False, False]


def test_in_list_with_null_follows_sql(df, evaluate):
    # x IN (1, NULL) is TRUE when x = 1, otherwise NULL (never FALSE)
    assert evaluate(df, col("a").in_list([1, None])).to_pylist() == [True, None, None, None, None]
    assert evaluate(df, col("a").in_list([1, None], negated=True)).to_pylist() == [False, None, None, None, None]


def test_in_list_errors(df):
    with pytest.raises(TypeError, match="Int64"):
        df.select(col("a").in_list(["x"]))
    with pytest.raises(ValueError, match="empty"):
        df.select(col("a").in_list([]))


def test_between_is_inclusive(df, evaluate):
    data = pa.array(A)
    ref = pc.and_kleene(pc.greater_equal(data, 1), pc.less_equal(data, 2))
    assert evaluate(df, col("a").between(lit(1), lit(2))).to_pylist() == ref.to_pylist()
    assert evaluate(df, col("a").between(1, 2, negated=True)).to_pylist() == pc.invert(ref).to_pylist()
    assert evaluate(df, col("a").between(1.5, 4)).to_pylist() == [False, True, None, True, False]
    # NULL <= a is unknown, AND a <= 3 may still decide FALSE
    assert evaluate(df, col("a").between(None, 3)).to_pylist() == [None, None, None, False, None]


def test_like_and_ilike(df, evaluate):
    s = pa.array(["Ab", "x", None, "abc", "a%b"])
    assert evaluate(df, col("s").like("a%")).to_pylist() == pc.match_like(s, "a%").to_pylist()
    assert evaluate(df, col("s").ilike("a%")).to_pylist() == pc.match_like(s, "a%", ignore_case=True).to_pylist()
    assert evaluate(df, col("s").like("_")).to_pylist() == [False, True, None, False, False]
    assert evaluate(df, col("s").like("a%", negated=True)).to_pylist() == [True, True, None, False, False]
    assert evaluate(df, col("s").ilike("a_", negated=True)).to_pylist() == [False, True, None, True, True]


def test_like_escapes_and_regex_characters(ctx, evaluate):
    df = ctx.from_pydict({"v": ["a%b", "ab", "a.*", "a.x"]})
    assert evaluate(df, col("v").like("a\\%%")).to_pylist() == [True, False, False, False]
    assert evaluate(df, col("v").like("a.*")).to_pylist() == [False, False, True, False]
    assert evaluate(df, col("v").like("ab")).to_pylist() == [False, True, False, False]


def test_like_on_non_string_is_type_error(df):
    with pytest.raises(TypeError, match="Int64"):
        df.select(col("a").like("1%"))
