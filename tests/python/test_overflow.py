"""Integer overflow is an error naming the expression, never a wrapped value
(PostgreSQL and DuckDB behave the same; the wrapped results are what ferry
used to return)."""

import pyarrow as pa
import pytest

import ferry
from ferry import col, lit, functions as f

I64_MIN, I64_MAX = -(2**63), 2**63 - 1


@pytest.fixture
def df(ctx):
    return ctx.from_arrow(pa.table({
        "a": pa.array([2**62, 2**62, None], pa.int64()),
        "m": pa.array([I64_MIN, 0, None], pa.int64()),
        "u": pa.array([2**64 - 1, 1, None], pa.uint64()),
        "small": pa.array([100, -100, None], pa.int8()),
    }))


@pytest.mark.parametrize("expr,name", [
    (col("a") + col("a"), r"a \+ a"),
    (col("a") * lit(2), r"a \* Int64\(2\)"),
    (col("m") - lit(1), r"m - Int64\(1\)"),
    (col("m") / lit(-1), r"m / Int64\(-1\)"),
    (-col("m"), r"\(- m\)"),
    (f.abs(col("m")), r"abs\(m\)"),
    (col("u") + col("u"), r"u \+ u"),
    (col("small") * col("small"), r"small \* small"),
])
def test_scalar_overflow_names_the_expression(df, expr, name):
    with pytest.raises(ferry.errors.FerryError, match="overflow") as info:
        df.select(expr).collect()
    assert info.match(name)


@pytest.mark.parametrize("column,values,type_name", [
    ("a", [2**62, 2**62], "Int64"),
    ("a", [I64_MIN, -1], "Int64"),
    ("u", [2**64 - 1, 1], "UInt64"),
])
def test_sum_overflow(ctx, column, values, type_name):
    table = pa.table({column: pa.array(values, pa.uint64() if column == "u" else pa.int64())})
    with pytest.raises(ferry.errors.FerryError, match=f"sum overflowed {type_name}") as info:
        ctx.from_arrow(table).aggregate([], [f.sum(col(column))]).collect()
    assert info.match(f"sum\\({column}\\)")


def test_sum_overflow_across_partitions(partitioned):
    # Each partial sum fits; the final merge overflows.
    table = pa.table({"a": pa.array([I64_MAX, 1, 2, 3], pa.int64())})
    with pytest.raises(ferry.errors.FerryError, match="sum overflowed Int64"):
        partitioned(table, parts=2).aggregate([], [f.sum(col("a"))]).collect()


def test_in_range_results_are_unchanged(df):
    got = df.select((col("a") - col("a")).alias("z"), (-col("a")).alias("n"),
                    f.abs(col("m") + lit(1)).alias("ab"), (col("small") + lit(1)).alias("s"),
                    (col("a") / lit(-2)).alias("d")).to_pydict()
    assert got == {"z": [0, 0, None], "n": [-(2**62), -(2**62), None], "ab": [I64_MAX, 1, None],
                   "s": [101, -99, None], "d": [-(2**61), -(2**61), None]}
    sums = df.aggregate([], [f.sum(col("small")).alias("s"), f.sum(col("m") + lit(1)).alias("m")])
    assert sums.to_pylist() == [{"s": 0, "m": I64_MIN + 2}]


def test_float_arithmetic_keeps_ieee(ctx):
    got = ctx.from_pydict({"x": [1.0, -1.0, 0.0]}).select((col("x") / lit(0.0)).alias("r"))
    r = got.to_pydict()["r"]
    assert r[0] == float("inf") and r[1] == float("-inf") and r[2] != r[2]
