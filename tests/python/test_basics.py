"""End-to-end basics, checked against pyarrow.compute."""

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import col, functions as f, lit


def test_projection_matches_pyarrow(ctx):
    data = pa.table({"a": [1, 2, None, 4], "b": [0.5, None, 2.0, 4.0]})
    out = ctx.from_arrow(data).select((col("a") * col("b") + 1).alias("r")).to_arrow_table()
    expected = pc.add(pc.multiply(data["a"], data["b"]), 1)
    assert out["r"].to_pylist() == expected.to_pylist()


def test_filter_drops_nulls_and_false(ctx):
    df = ctx.from_pydict({"a": [1, 5, None, 7, 2]})
    assert df.filter(col("a") > 2).to_pydict() == {"a": [5, 7]}


def test_global_aggregate_over_empty_input(ctx):
    df = ctx.from_pydict({"a": pa.array([], pa.int64())})
    out = df.aggregate([], [f.count().alias("n"), f.sum(col("a")).alias("s")]).to_pydict()
    assert out == {"n": [0], "s": [None]}


def test_udf_exception_keeps_cause(ctx):
    def boom(a):
        raise ValueError("bad value")

    bad = ferry.udf(boom, [pa.int64()], pa.int64(), "immutable", name="boom")
    df = ctx.from_pydict({"a": [1, 2]}).select(bad(col("a")))
    with pytest.raises(ferry.ExecutionError, match="boom") as info:
        df.collect()
    assert isinstance(info.value.__cause__, ValueError)
    assert str(info.value.__cause__) == "bad value"


def test_unknown_column_names_available_ones(ctx):
    df = ctx.from_pydict({"a": [1], "b": [2]})
    with pytest.raises(KeyError, match="column 'zz' not found; available columns: a, b"):
        df.select(col("zz"))


def test_literal_types():
    assert lit(1).canonical_name() == "Int64(1)"
    assert lit(1.5).canonical_name() == "Float64(1.5)"
    assert lit(None).canonical_name() == "NULL"
