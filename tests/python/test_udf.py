"""Python scalar UDFs: creation forms, arguments, errors, partitions."""

import random

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import ScalarUDF, col, lit, udf, functions as f


@pytest.fixture
def df(ctx):
    return ctx.from_pydict({"a": [1, 2, None, 4], "b": [10, 20, 30, None]})


@pytest.fixture
def add2():
    return udf(lambda x, y: pc.add(x, y), [pa.int64(), pa.int64()], pa.int64(), "immutable", name="add2")


def test_direct_form_with_two_columns(df, evaluate, add2):
    assert isinstance(add2, ScalarUDF)
    assert add2.name == "add2" and repr(add2) == "ScalarUDF(add2)"
    out = evaluate(df, add2(col("a"), col("b")))
    assert out.type == pa.int64()
    assert out.to_pylist() == [11, 22, None, None]


def test_literal_arguments(df, evaluate, add2):
    assert evaluate(df, add2(col("a"), 100)).to_pylist() == [101, 102, None, 104]
    assert evaluate(df, add2(lit(1), lit(2))).to_pylist() == [3, 3, 3, 3]
    # a narrower integer literal is accepted for an Int64 parameter
    assert evaluate(df, add2(col("a"), lit(1).cast(pa.int32()))).to_pylist() == [2, 3, None, 5]


def test_udf_call_builds_an_expression(add2):
    expr = add2(col("a"), col("b"))
    assert repr(expr) == "Expr(add2(a, b))"
    assert expr.schema_name() == "add2(a, b)"


def test_decorator_form_takes_function_name(df, evaluate):
    @udf([pa.int64()], pa.float64(), "stable")
    def half(x):
        return pc.divide(pc.cast(x, pa.float64()), 2.0)

    assert half.name == "half"
    out = evaluate(df, half(col("a")))
    assert out.type == pa.float64() and out.to_pylist() == [0.5, 1.0, None, 2.0]


def test_decorator_form_with_explicit_name(df):
    @udf([pa.int64()], pa.int64(), "immutable", name="plus_one")
    def anything(x):
        return pc.add(x, 1)

    assert anything.name == "plus_one"
    assert df.select(anything(col("a"))).schema().names == ["plus_one(a)"]


def test_closure_captures_value(df, evaluate):
    factor = 7
    times = udf(lambda x: pc.multiply(x, factor), [pa.int64()], pa.int64(), "volatile")
    assert times.name.startswith("lambda_")
    assert evaluate(df, times(col("a"))).to_pylist() == [7, 14, None, 28]


def test_single_input_type_may_be_passed_bare(df, evaluate):
    ident = udf(lambda x: x, pa.int64(), pa.int64(), "immutable", name="ident")
    assert evaluate(df, ident(col("a"))).to_pylist() == [1, 2, None, 4]


def test_string_udf(ctx, evaluate):
    up = udf(lambda s: pc.utf8_upper(s), [pa.string()], pa.string(), "immutable", name="up")
    out = evaluate(ctx.from_pydict({"s": ["ab", None, "ç"]}), up(col("s")))
    assert out.to_pylist() == ["AB", None, "Ç"]


def test_chunked_array_return_is_accepted(df, evaluate):
    chunked = udf(lambda x: pa.chunked_array([x]), [pa.int64()], pa.int64(), "immutable", name="chunked")
    assert evaluate(df, chunked(col("a"))).to_pylist() == [1, 2, None, 4]


def test_udf_receives_pyarrow_arrays(df):
    seen = []

    def spy(x):
        seen.append(type(x))
        return x

    df.select(udf(spy, [pa.int64()], pa.int64(), "immutable", name="spy")(col("a"))).collect()
    assert seen and all(issubclass(t, pa.Array) for t in seen)


@pytest.mark.parametrize("volatility", ["immutable", "stable", "volatile", "IMMUTABLE", "Stable"])
def test_volatility_accepted(volatility):
    assert udf(lambda x: x, [pa.int64()], pa.int64(), volatility, name="v").name == "v"


@pytest.mark.parametrize("volatility", ["sometimes", "", "pure"])
def test_volatility_validated(volatility):
    with pytest.raises(ValueError, match="volatility must be one of immutable, stable, volatile"):
        udf(lambda x: x, [pa.int64()], pa.int64(), volatility)


def test_creation_type_errors():
    with pytest.raises(TypeError, match="Arrow type"):
        udf(lambda x: x, ["int64"], pa.int64(), "immutable")
    with pytest.raises(TypeError, match="Arrow type"):
        udf(lambda x: x, [pa.int64()], "int64", "immutable")
    with pytest.raises(TypeError, match="callable"):
        ScalarUDF("x", 5, [pa.int64()], pa.int64(), "immutable")


# ---- failures inside and around the UDF ----------------------------------

def test_exception_in_udf_is_execution_error_with_cause(df):
    def boom(x):
        raise ZeroDivisionError("kaboom")

    bad = udf(boom, [pa.int64()], pa.int64(), "immutable", name="boomer")
    with pytest.raises(ferry.ExecutionError, match="boomer") as info:
        df.select(bad(col("a"))).collect()
    assert isinstance(info.value, ferry.FerryError) and isinstance(info.value, RuntimeError)
    assert "ZeroDivisionError" in str(info.value) and "kaboom" in str(info.value)
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert str(info.value.__cause__) == "kaboom"


def test_exception_in_udf_inside_filter_and_aggregate(df):
    bad = udf(lambda x: 1 / 0, [pa.int64()], pa.int64(), "immutable", name="div0")
    with pytest.raises(ferry.ExecutionError, match="div0"):
        df.filter(bad(col("a")) > 1).to_pydict()
    with pytest.raises(ferry.ExecutionError, match="div0"):
        df.aggregate([], [f.sum(bad(col("a")))]).to_pydict()


def test_udf_with_wrong_python_signature(df):
    no_args = udf(lambda: pa.array([1]), [pa.int64()], pa.int64(), "immutable", name="noargs")
    with pytest.raises(ferry.ExecutionError, match="noargs") as info:
        df.select(no_args(col("a"))).collect()
    assert isinstance(info.value.__cause__, TypeError)


def test_wrong_return_type(df):
    wrong = udf(lambda x: pc.cast(x, pa.float64()), [pa.int64()], pa.int64(), "immutable", name="wrt")
    with pytest.raises(TypeError, match="UDF 'wrt' returned Float64 but declared Int64"):
        df.select(wrong(col("a"))).collect()


def test_wrong_length(df):
    short = udf(lambda x: pa.array([1]), [pa.int64()], pa.int64(), "immutable", name="short")
    with pytest.raises(ValueError, match=r"UDF 'short' returned 1 rows for a batch of \d+"):
        df.select(short(col("a"))).collect()


@pytest.mark.parametrize(
    "result, kind",
    [(lambda x: 5, "int"), (lambda x: [1] * len(x), "list"), (lambda x: None, "NoneType"),
     (lambda x: x.to_numpy(zero_copy_only=False), "ndarray")],
)
def test_non_array_return(df, result, kind):
    bad = udf(result, [pa.int64()], pa.int64(), "immutable", name="nonarray")
    with pytest.raises(TypeError, match=f"'nonarray' returned a {kind}; it must return a pyarrow Array"):
        df.select(bad(col("a"))).collect()


def test_wrong_argument_count_and_types(df, add2):
    with pytest.raises(ValueError, match="UDF 'add2' expects 2 arguments, got 1"):
        df.select(add2(col("a")))
    with pytest.raises(TypeError, match=r"UDF 'add2' argument 2 .* is Utf8; declared Int64"):
        df.select(add2(col("a"), lit("x")))
    with pytest.raises(TypeError, match="is Float64; declared Int64"):
        df.select(add2(col("a"), lit(1.5)))


def test_errors_leave_the_session_usable(df, add2):
    bad = udf(lambda x: 1 / 0, [pa.int64()], pa.int64(), "immutable", name="bad")
    for _ in range(3):
        with pytest.raises(ferry.ExecutionError):
            df.select(bad(col("a"))).collect()
    assert df.select(add2(col("a"), 1).alias("r")).to_pydict() == {"r": [2, 3, None, 5]}


# ---- registration -------------------------------------------------------

def test_register_and_deregister(ctx, df, add2):
    ctx.register_udf(add2)
    assert df.select(add2(col("a"), col("b")).alias("r")).to_pydict() == {"r": [11, 22, None, None]}
    ctx.deregister_udf("add2")
    with pytest.raises(KeyError, match="no function named 'add2'"):
        ctx.deregister_udf("add2")


# ---- many partitions ---------------------------------------------------

@pytest.fixture
def big(ctx):
    rng = random.Random(1)
    values = [rng.choice([None, *range(-50, 50)]) for _ in range(1000)]
    schema = pa.schema([("v", pa.int64())])
    parts = [[pa.record_batch({"v": pa.array(values[i:i + 37], pa.int64())}, schema=schema)]
             for i in range(0, 1000, 37)]
    parts.insert(3, [pa.RecordBatch.from_pylist([], schema=schema)])
    parts.append([])
    return values, ctx.create_dataframe(parts, schema=schema)


def test_udf_over_many_partitions_matches_pyarrow(big):
    values, df = big
    sq = udf(lambda v: pc.multiply(v, v), [pa.int64()], pa.int64(), "immutable", name="sq")
    out = df.select(sq(col("v")).alias("r")).to_arrow_table()["r"]
    expected = pc.multiply(pa.array(values), pa.array(values))
    assert out.to_pylist() == expected.to_pylist()
    total = df.aggregate([], [f.sum(sq(col("v"))).alias("s")]).to_pydict()["s"][0]
    assert total == pc.sum(expected).as_py()
    assert df.filter(sq(col("v")) > 2000).count() == sum(1 for v in values if v is not None and v * v > 2000)


def test_udf_sees_every_row_exactly_once(big):
    values, df = big
    seen = []

    def record(v):
        seen.extend(v.to_pylist())
        return v

    rec = udf(record, [pa.int64()], pa.int64(), "immutable", name="rec")
    assert df.select(rec(col("v"))).count() == len(values)
    assert sorted(seen, key=lambda v: (v is None, v)) == sorted(values, key=lambda v: (v is None, v))


def test_udf_in_sort_key(big):
    values, df = big
    neg = udf(lambda v: pc.negate(v), [pa.int64()], pa.int64(), "immutable", name="neg")
    out = df.sort(neg(col("v"))).limit(5).to_pydict()["v"]
    assert out == sorted((v for v in values if v is not None), reverse=True)[:5]


def test_udf_over_empty_input(df, evaluate):
    calls = []
    sq = udf(lambda v: (calls.append(1), v)[1], [pa.int64()], pa.int64(), "immutable", name="sq0")
    assert evaluate(df.filter(lit(False)), sq(col("a"))).to_pylist() == []
