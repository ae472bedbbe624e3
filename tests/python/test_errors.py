"""Error classes and what their messages say."""

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import col, lit, udf, functions as f
from ferry.errors import (
    ExecutionError,
    FerryError,
    FerryIOError,
    FerryKeyError,
    FerryNotImplementedError,
    FerryTypeError,
    FerryValueError,
)


@pytest.mark.parametrize(
    "cls, builtin",
    [
        (FerryValueError, ValueError),
        (FerryTypeError, TypeError),
        (FerryKeyError, KeyError),
        (FerryNotImplementedError, NotImplementedError),
        (FerryIOError, OSError),
        (ExecutionError, RuntimeError),
    ],
)
def test_error_hierarchy(cls, builtin):
    assert issubclass(cls, FerryError)
    assert issubclass(cls, builtin)
    assert issubclass(FerryError, Exception)
    err = cls("message")
    assert isinstance(err, FerryError) and isinstance(err, builtin)


def test_public_names():
    assert ferry.FerryError is FerryError
    assert ferry.ExecutionError is ExecutionError
    assert set(ferry.errors.__all__) == {
        "ExecutionError", "FerryError", "FerryIOError", "FerryKeyError", "FerryNotImplementedError",
        "FerryTypeError", "FerryValueError",
    }


def test_key_error_message_is_not_quoted():
    assert str(FerryKeyError("column 'x' not found")) == "column 'x' not found"
    assert str(KeyError("plain")) == "'plain'"  # what FerryKeyError avoids
    assert str(FerryKeyError()) == ""


@pytest.fixture
def df(ctx):
    return ctx.from_pydict({"a": [1, 2], "s": ["x", "y"]})


def raised(fn):
    with pytest.raises(FerryError) as info:
        fn()
    return info.value


def test_unknown_column_names_column_and_alternatives(df):
    err = raised(lambda: df.select(col("zz") + 1))
    assert isinstance(err, KeyError)
    assert str(err) == "column 'zz' not found; available columns: a, s"
    for fn in (lambda: df.filter(col("zz") > 1), lambda: df.with_column("q", col("zz")),
               lambda: df.aggregate([col("zz")], [f.count()]), lambda: df.sort("zz")):
        assert "column 'zz' not found" in str(raised(fn))


def test_unknown_table_lists_registered_tables(ctx):
    ctx.from_pydict({"a": [1]}, name="alpha")
    ctx.from_pydict({"a": [1]}, name="beta")
    err = raised(lambda: ctx.table("gamma"))
    assert isinstance(err, KeyError)
    assert "no table named 'gamma'" in str(err) and "alpha" in str(err) and "beta" in str(err)


def test_type_errors_name_expression_and_types(df):
    err = raised(lambda: df.select(col("s") * col("a")))
    assert isinstance(err, TypeError)
    assert "s * a" in str(err) and "Utf8" in str(err) and "Int64" in str(err)
    err = raised(lambda: df.select(col("a").cast(pa.list_(pa.string()))))
    assert isinstance(err, TypeError)
    assert "cannot cast Int64 to list" in str(err) and "CAST(a AS" in str(err)


def test_function_errors_name_the_function(df):
    err = raised(lambda: df.select(f.upper(col("a"))))
    assert isinstance(err, TypeError) and "upper(a)" in str(err)
    err = raised(lambda: df.select(f.date_trunc("eon", col("a"))))
    assert isinstance(err, ValueError) and "'eon'" in str(err)


def test_execution_errors_name_the_expression(df):
    err = raised(lambda: df.select((col("a") / (col("a") - col("a"))).alias("r")).collect())
    assert isinstance(err, ValueError)
    assert "a / a - a" in str(err) or "a / (a - a)" in str(err)
    assert "divide by zero" in str(err)


def test_udf_error_chain(df):
    def fails(x):
        raise KeyError("inner")

    bad = udf(fails, [pa.int64()], pa.int64(), "immutable", name="fails")
    err = raised(lambda: df.select(bad(col("a"))).to_pydict())
    assert type(err) is ExecutionError
    assert "fails" in str(err)
    assert isinstance(err.__cause__, KeyError)
    # the UDF's own KeyError does not turn the ferry error into a KeyError
    assert not isinstance(err, KeyError)


def test_udf_contract_errors_are_not_execution_errors(df):
    bad = udf(lambda x: pc.cast(x, pa.string()), [pa.int64()], pa.int64(), "immutable", name="str_out")
    err = raised(lambda: df.select(bad(col("a"))).collect())
    assert isinstance(err, TypeError) and "str_out" in str(err)


def test_value_errors(df, ctx):
    assert isinstance(raised(lambda: df.limit(-5)), ValueError)
    assert isinstance(raised(lambda: df.join(df, on="a", how="cross")), ValueError)
    assert isinstance(raised(lambda: df.select(col("a").in_list([]))), ValueError)
    with pytest.raises(ValueError, match="target_partitions must be >= 0"):
        ferry.SessionConfig().with_target_partitions(-1)


def test_errors_are_raised_eagerly_when_building(df):
    # mistakes surface when the DataFrame method is called, not at collect()
    with pytest.raises(KeyError):
        df.filter(col("nope") > 1)
    with pytest.raises(TypeError):
        df.with_column("q", col("s") - 1)


def test_catching_by_builtin_class(df):
    try:
        df.select(col("missing"))
    except KeyError as e:
        assert isinstance(e, FerryKeyError)
    else:
        pytest.fail("no KeyError")
    try:
        ferry.SessionContext().read_parquet("/nonexistent/dir/file.parquet")
    except OSError as e:
        assert isinstance(e, FerryIOError)
        assert "/nonexistent/dir/file.parquet" in str(e)
    else:
        pytest.fail("no OSError")


def test_literal_and_bool_misuse_are_plain_type_errors():
    with pytest.raises(TypeError, match="cannot make a literal from object"):
        lit(object())
    with pytest.raises(TypeError, match="use & \\| ~"):
        bool(col("a") > 1)


def test_non_utf8_bytes_in_a_message_keep_the_error_class(ctx):
    # Arrow field names are bytes; a UDF's result type whose field name is
    # not UTF-8 ends up quoted in the type-mismatch message, which used to
    # become RuntimeError("nanobind::str(): conversion error!").
    odd = pa.struct([pa.field(b"\xffx", pa.int64())])
    bad = udf(lambda x: pa.nulls(len(x), odd), [pa.int64()], pa.int64(), "immutable", name="odd")
    with pytest.raises(FerryTypeError) as info:
        ctx.from_pydict({"x": [1]}).select(bad(col("x"))).collect()
    assert str(info.value) == "UDF 'odd' returned struct<\ufffdx: int64> but declared Int64"


def test_udf_exception_text_that_is_not_utf8_encodable(ctx):
    # A lone surrogate cannot be encoded as UTF-8; the error still carries
    # the UDF's name, the exception type and an escaped form of the text.
    def shout(x):
        raise ValueError("bad \udcff value")

    bad = udf(shout, [pa.int64()], pa.int64(), "immutable", name="shout")
    with pytest.raises(ExecutionError) as info:
        ctx.from_pydict({"x": [1]}).select(bad(col("x"))).collect()
    assert "Python UDF 'shout' raised ValueError: bad \\udcff value" in str(info.value)
    assert isinstance(info.value.__cause__, ValueError)
