"""Expressions: operators, null semantics, casts, CASE, IN, BETWEEN, LIKE, naming."""

import datetime
import decimal

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import Expr, SortExpr, col, lit, functions as f

A = [1, 2, None, 4, -3]
B = [2, 0, 1, None, 2]
X = [1.5, None, 2.0, -0.5, 3.0]


@pytest.fixture
def df(ctx):
    return ctx.from_pydict({"a": A, "b": B, "x": X, "s": ["Ab", "x", None, "abc", "a%b"]})


# ---- arithmetic --------------------------------------------------------------

@pytest.mark.parametrize(
    "op, ref",
    [
        (lambda a, b: a + b, pc.add),
        (lambda a, b: a - b, pc.subtract),
        (lambda a, b: a * b, pc.multiply),
    ],
    ids=["add", "sub", "mul"],
)
def test_int_arithmetic_matches_pyarrow(ctx, evaluate, op, ref):
    data = pa.table({"a": A, "b": B})
    out = evaluate(ctx.from_arrow(data), op(col("a"), col("b")))
    assert out.type == pa.int64()
    assert out.to_pylist() == ref(data["a"], data["b"]).to_pylist()


def test_int_division_truncates_toward_zero_and_modulo_keeps_dividend_sign(ctx):
    df = ctx.from_pydict({"a": [-7, 7, -7, 7, None], "b": [2, -2, -2, 2, 3]})
    out = df.select((col("a") / col("b")).alias("d"), (col("a") % col("b")).alias("m"))
    assert out.schema() == pa.schema([("d", pa.int64()), ("m", pa.int64())])
    assert out.to_pydict() == {"d": [-3, -3, 3, 3, None], "m": [-1, 1, -1, 1, None]}


def test_int_float_mix_coerces_to_float(df, ctx):
    out = df.select(
        (col("a") + col("x")).alias("add"),
        (col("a") / col("x")).alias("div"),
        (col("a") * 1.0).alias("mul"),
    )
    assert all(t == pa.float64() for t in out.schema().types)
    data = ctx.from_pydict({"a": A, "x": X}).to_arrow_table()
    a = pc.cast(data["a"], pa.float64())
    result = out.to_pydict()
    assert result["add"] == pc.add(a, data["x"]).to_pylist()
    assert result["div"] == pc.divide(a, data["x"]).to_pylist()
    assert result["mul"] == pc.cast(data["a"], pa.float64()).to_pylist()


@pytest.mark.parametrize("op", ["/", "%"])
def test_integer_division_by_zero_raises(df, op):
    expr = col("a") / col("b") if op == "/" else col("a") % col("b")
    with pytest.raises(ferry.FerryError, match="divide by zero") as info:
        df.select(expr.alias("r")).collect()
    assert isinstance(info.value, ValueError)
    assert f"a {op} b" in str(info.value)


def test_integer_division_by_zero_literal_raises(df):
    with pytest.raises(ValueError, match="divide by zero"):
        df.select((col("a") / 0).alias("r")).to_pydict()


def test_float_division_by_zero_is_ieee(ctx, evaluate):
    out = evaluate(ctx.from_pydict({"a": [1.0, -1.0, None]}), col("a") / 0.0).to_pylist()
    assert out[:2] == [float("inf"), float("-inf")] and out[2] is None
    nan = evaluate(ctx.from_pydict({"a": [0.0]}), col("a") / 0.0).to_pylist()[0]
    assert nan != nan


def test_reflected_operators(df, evaluate):
    assert evaluate(df, 10 - col("a")).to_pylist() == [9, 8, None, 6, 13]
    assert evaluate(df, 12 / col("a")).to_pylist() == [12, 6, None, 3, -4]
    assert evaluate(df, 3 * col("a")).to_pylist() == [3, 6, None, 12, -9]
    assert evaluate(df, 7 % col("a")).to_pylist() == [0, 1, None, 3, 1]
    assert evaluate(df, 0.5 + col("a")).to_pylist() == [1.5, 2.5, None, 4.5, -2.5]


def test_null_literal_propagates(df, evaluate):
    out = evaluate(df, col("a") + None)
    assert out.null_count == len(A)
    assert evaluate(df, col("a") == None).to_pylist() == [None] * len(A)  # noqa: E711


def test_unary_minus(df, evaluate):
    assert evaluate(df, -col("a")).to_pylist() == [-1, -2, None, -4, 3]
    assert evaluate(df, -col("x")).to_pylist() == [-1.5, None, -2.0, 0.5, -3.0]
    assert evaluate(df, -lit(3)).to_pylist() == [-3] * len(A)


def test_arithmetic_on_strings_is_type_error_naming_types(df):
    with pytest.raises(TypeError, match=r"s \+ a.*Utf8, Int64"):
        df.select(col("s") + col("a"))
    with pytest.raises(TypeError, match="Utf8"):
        df.select(-col("s"))


# ---- comparisons and boolean logic ----------------------------------------

@pytest.mark.parametrize(
    "op, ref",
    [
        (lambda a, b: a == b, pc.equal),
        (lambda a, b: a != b, pc.not_equal),
        (lambda a, b: a < b, pc.less),
        (lambda a, b: a <= b, pc.less_equal),
        (lambda a, b: a > b, pc.greater),
        (lambda a, b: a >= b, pc.greater_equal),
    ],
    ids=["eq", "ne", "lt", "le", "gt", "ge"],
)
def test_comparisons_match_pyarrow(ctx, evaluate, op, ref):
    data = pa.table({"a": [1, 2, None, 4, -3, 2], "b": [2, 2, 1, None, -4, 1]})
    out = evaluate(ctx.from_arrow(data), op(col("a"), col("b")))
    assert out.type == pa.bool_()
    assert out.to_pylist() == ref(data["a"], data["b"]).to_pylist()


def test_int_float_and_string_comparisons(df, evaluate):
    assert evaluate(df, col("a") < col("x")).to_pylist() == [True, None, None, False, True]
    assert evaluate(df, col("a") == 2.0).to_pylist() == [False, True, None, False, False]
    assert evaluate(df, col("s") < "b").to_pylist() == [True, False, None, True, True]
    with pytest.raises(TypeError):
        df.select(col("s") < 1)


def test_three_valued_logic(ctx):
    p = [True, True, True, False, False, False, None, None, None]
    q = [True, False, None] * 3
    data = pa.table({"p": pa.array(p, pa.bool_()), "q": pa.array(q, pa.bool_())})
    out = ctx.from_arrow(data).select(
        (col("p") & col("q")).alias("and"), (col("p") | col("q")).alias("or"), (~col("p")).alias("not")
    ).to_pydict()
    assert out["and"] == pc.and_kleene(data["p"], data["q"]).to_pylist()
    assert out["or"] == pc.or_kleene(data["p"], data["q"]).to_pylist()
    assert out["not"] == pc.invert(data["p"]).to_pylist()
    # spot checks of the SQL truth table
    assert out["and"][5] is False and out["and"][2] is None  # FALSE AND NULL, TRUE AND NULL
    assert out["or"][1 + 0] is True and out["or"][6] is True  # NULL OR TRUE is TRUE


def test_boolean_ops_with_python_literals(df, evaluate):
    gt = col("a") > 1
    assert evaluate(df, gt & True).to_pylist() == [False, True, None, True, False]
    assert evaluate(df, True & gt).to_pylist() == [False, True, None, True, False]
    assert evaluate(df, False | gt).to_pylist() == [False, True, None, True, False]
    assert evaluate(df, gt & None).to_pylist() == [False, None, None, None, False]


def test_boolean_ops_reject_non_booleans(df):
    with pytest.raises(TypeError, match="Int64"):
        df.select(col("a") & col("b"))
    with pytest.raises(TypeError, match="Int64"):
        df.select(~col("a"))


def test_expr_has_no_truth_value():
    expr = col("a") == 1
    assert isinstance(expr, Expr)
    with pytest.raises(TypeError, match="no truth value"):
        bool(expr)
    with pytest.raises(TypeError):
        if col("a") > 1 and col("b") > 1:  # noqa: SIM102
            pass


def test_expr_is_unhashable():
    with pytest.raises(TypeError):
        hash(col("a"))


def test_is_null_and_is_not_null(df, evaluate):
    data = pa.array(A)
    assert evaluate(df, col("a").is_null()).to_pylist() == pc.is_null(data).to_pylist()
    assert evaluate(df, col("a").is_not_null()).to_pylist() == pc.is_valid(data).to_pylist()
    assert evaluate(df, lit(None).is_null()).to_pylist() == [True] * len(A)


# ---- casts -------------------------------------------------------------------

@pytest.mark.parametrize("to", [pa.float64(), pa.int32(), pa.string(), pa.bool_(), pa.int64()])
def test_cast_matches_pyarrow(df, evaluate, to):
    out = evaluate(df, col("a").cast(to))
    assert out.type == to
    assert out.to_pylist() == pc.cast(pa.array(A), to).to_pylist()


def test_cast_string_to_int_and_timestamp_to_date(ctx, evaluate):
    assert evaluate(ctx.from_pydict({"v": ["1", None, "-3"]}), col("v").cast(pa.int64())).to_pylist() == [1, None, -3]
    ts = ctx.from_arrow(pa.table({"t": pa.array([datetime.datetime(2020, 1, 2, 3, 4), None], pa.timestamp("s"))}))
    assert evaluate(ts, col("t").cast(pa.date32())).to_pylist() == [datetime.date(2020, 1, 2), None]


@pytest.mark.parametrize(
    "column, to, names",
    [("a", pa.list_(pa.int64()), ("Int64", "list")), ("a", pa.date32(), ("Int64", "Date32")),
     ("s", pa.list_(pa.int64()), ("Utf8", "list"))],
)
def test_impossible_cast_is_type_error_naming_types(df, column, to, names):
    with pytest.raises(ferry.FerryError) as info:
        df.select(col(column).cast(to))
    assert isinstance(info.value, TypeError)
    for name in names:
        assert name in str(info.value)


def test_failing_value_cast_raises_value_error(df, ctx):
    # Partitions run in parallel, so either unparsable value may be reported first.
    with pytest.raises(ValueError, match=r"CAST\(s AS Int64\): Failed to parse string: '"):
        df.select(col("s").cast(pa.int64())).collect()
    with pytest.raises(ValueError, match="1000"):
        ctx.from_pydict({"a": [1000]}).select(col("a").cast(pa.int8())).collect()


def test_lossy_float_to_int_cast_is_rejected(df):
    # ferry casts "safely" (Arrow semantics): 1.5 -> int64 is an error, not 1.
    with pytest.raises(ValueError, match="truncated"):
        df.select(col("x").cast(pa.int64())).collect()


def test_cast_needs_an_arrow_type():
    with pytest.raises(TypeError, match="Arrow type"):
        col("a").cast("int64")


# ---- alias, literals ---------------------------------------------------------

def test_alias_names_the_output(df):
    out = df.select((col("a") + 1).alias("a1"), col("a").alias("q").alias("z"))
    assert out.schema().names == ["a1", "z"]
    assert out.to_pydict() == {"a1": [2, 3, None, 5, -2], "z": A}


def test_literal_columns(df):
    out = df.select(lit(1).alias("one"), lit("hi"), lit(None).alias("n"))
    assert out.schema() == pa.schema([("one", pa.int64()), ('Utf8("hi")', pa.string()), ("n", pa.null())])
    assert out.to_pydict()["one"] == [1] * len(A)


def test_literal_kinds(evaluate, df):
    assert lit(True).canonical_name() == "Boolean(true)"
    assert lit("s").canonical_name() == 'Utf8("s")'
    assert lit(datetime.date(2020, 1, 2)).canonical_name() == "Date32(2020-01-02)"
    assert lit(pa.scalar(5, pa.int8())).canonical_name() == "Int8(5)"
    assert lit(3).python_value() == 3 and lit(None).python_value() is None
    dec = evaluate(df, col("a") + lit(decimal.Decimal("1.5"))).to_pylist()
    assert dec[:2] == [decimal.Decimal("2.5"), decimal.Decimal("3.5")] and dec[2] is None
    with pytest.raises(TypeError, match="literal"):
        lit(object())


# ---- CASE ----------------------------------------------------------------------

def test_simple_case_with_otherwise(df, evaluate):
    expr = f.case(col("a")).when(lit(1), lit("one")).when(lit(2), lit("two")).otherwise(lit("other"))
    # a NULL base never matches a branch: it takes the ELSE
    assert evaluate(df, expr).to_pylist() == ["one", "two", "other", "other", "other"]


def test_simple_case_without_else_gives_null(df, evaluate):
    expr = f.case(col("a")).when(1, "one").end()
    assert evaluate(df, expr).to_pylist() == ["one", None, None, None, None]
    never = f.case(col("a")).when(None, "null!").otherwise("x")
    assert evaluate(df, never).to_pylist() == ["x"] * len(A)


def test_searched_case_first_true_branch_wins(df, evaluate):
    expr = f.when(col("a") > 0, 1).when(col("a") > 1, 2).otherwise(3)
    assert evaluate(df, expr).to_pylist() == [1, 1, 3, 1, 3]
    expr = f.when(col("a") > 1, lit("big")).when(col("a") < 0, lit("neg")).otherwise(lit("small"))
    assert evaluate(df, expr).to_pylist() == ["small", "big", "small", "big", "neg"]
    assert evaluate(df, f.when(col("a") > 1, "big").end()).to_pylist() == [None, "big", None, "big", None]


def test_case_branches_coerce_numeric_types(df, evaluate):
    out = evaluate(df, f.when(col("a") > 1, lit(1)).otherwise(lit(1.5)))
    assert out.type == pa.float64()
    assert out.to_pylist() == [1.5, 1.0, 1.5, 1.0, 1.5]


def test_case_errors(df):
    with pytest.raises(TypeError, match="not Boolean"):
        df.select(f.when(col("a"), 1).otherwise(2))
    with pytest.raises(TypeError):
        df.select(f.when(col("a") > 1, 1).otherwise("x"))
    with pytest.raises(ValueError, match="no WHEN branch"):
        df.select(f.case(col("a")).otherwise(1))


def test_case_builder_is_immutable(df, evaluate):
    base = f.when(col("a") > 1, "big")
    with_neg = base.when(col("a") < 0, "neg")
    assert evaluate(df, base.end()).to_pylist() == [None, "big", None, "big", None]
    assert evaluate(df, with_neg.end()).to_pylist() == [None, "big", None, "big", "neg"]


# ---- naming ----------------------------------------------------------------

@pytest.mark.parametrize(
    "expr, canonical, variant",
    [
        (col("a") + 1, "a + Int64(1)", "BinaryExpr"),
        (-col("a"), "(- a)", "Negative"),
        (~col("p"), "NOT p", "Not"),
        (col("a").is_null(), "a IS NULL", "IsNull"),
        (col("a").cast(pa.float64()), "CAST(a AS Float64)", "Cast"),
        (col("a").between(1, 2), "a BETWEEN Int64(1) AND Int64(2)", "Between"),
        (col("s").like("x%"), 's LIKE Utf8("x%")', "Like"),
        (col("a").in_list([1, 2]), "a IN ([Int64(1), Int64(2)])", "InList"),
        (lit("x"), 'Utf8("x")', "Literal"),
        (lit(None), "NULL", "Literal"),
        (col("a"), "a", "Column"),
        (f.abs(col("a")), "abs(a)", "ScalarFunction"),
        (f.count(), "count(*)", "AggregateFunction"),
        (f.count(col("a"), distinct=True), "count(DISTINCT a)", "AggregateFunction"),
        (f.when(col("a") > 1, lit(1)).end(), "CASE WHEN a > Int64(1) THEN Int64(1) END", "Case"),
    ],
)
def test_canonical_name_schema_name_variant_name(expr, canonical, variant):
    assert expr.canonical_name() == canonical
    assert str(expr) == canonical
    assert repr(expr) == f"Expr({canonical})"
    assert expr.schema_name() == canonical
    assert expr.variant_name() == variant


def test_alias_and_sort_names():
    aliased = (col("a") > 2).alias("big")
    assert aliased.canonical_name() == "a > Int64(2) AS big"
    assert aliased.schema_name() == "big"
    assert aliased.variant_name() == "Alias"
    key = col("a").sort(ascending=False, nulls_first=False)
    assert isinstance(key, SortExpr)
    assert repr(key) == "SortExpr(a DESC NULLS LAST)"
    assert col("a").sort().canonical_name() == "a ASC NULLS FIRST"


def test_structural_equality_and_accessors():
    assert (col("a") + 1).equals(col("a") + 1)
    assert not (col("a") + 1).equals(col("a") + 2)
    assert not col("a").equals(col("b"))
    assert col("a").column_name() == "a"
    assert (col("a") + 1).column_name() is None
    assert ferry.column("q").equals(col("q")) and ferry.literal(1).equals(lit(1))


def test_column_names_are_case_sensitive_and_may_contain_specials(ctx):
    df = ctx.from_pydict({"my col": [1], "A": [2], "t.x": [3]})
    assert df.select(col("my col"), col("A"), col("t.x")).to_pydict() == {"my col": [1], "A": [2], "t.x": [3]}
    with pytest.raises(KeyError, match="'a' not found"):
        df.select(col("a"))
