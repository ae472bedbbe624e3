"""Scalar functions of ferry.functions, checked against pyarrow.compute."""

import datetime
import math

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import _core, col, lit, functions as f
from ferry.expr import Expr

INTS = pa.array([1, -2, None, 4, -3, 0], pa.int64())
FLOATS = pa.array([1.5, None, 2.5, -0.5, -2.5, 0.0], pa.float64())
STRS = pa.array(["  Ab ", "x", None, "abc", "ÄÖü", ""], pa.string())


@pytest.fixture
def df(ctx):
    return ctx.from_arrow(pa.table({"a": INTS, "x": FLOATS, "s": STRS}))


def same(actual, expected):
    """Element-wise equality treating NaN as equal and floats approximately."""
    actual, expected = list(actual), list(expected)
    assert len(actual) == len(expected), (actual, expected)
    for got, want in zip(actual, expected):
        if want is None or got is None:
            assert got is want, (actual, expected)
        elif isinstance(want, float) and math.isnan(want):
            assert isinstance(got, float) and math.isnan(got), (actual, expected)
        elif isinstance(want, float):
            assert got == pytest.approx(want, rel=1e-12, abs=1e-12), (actual, expected)
        else:
            assert got == want, (actual, expected)
    return True


def nan_domain(ref, arr, predicate):
    """pyarrow's checked math raises on domain errors; ferry yields NaN/-inf."""
    return [None if v is None else ref(v) if predicate(v) else float("nan") for v in arr.to_pylist()]


# ---- math ----------------------------------------------------------------

@pytest.mark.parametrize(
    "name, ref",
    [
        ("abs", pc.abs), ("floor", pc.floor), ("ceil", pc.ceil), ("trunc", pc.trunc),
        ("exp", pc.exp), ("sin", pc.sin), ("cos", pc.cos), ("tan", pc.tan), ("signum", pc.sign),
    ],
)
@pytest.mark.parametrize("column", ["a", "x"])
def test_unary_math_matches_pyarrow(df, evaluate, name, ref, column):
    arr = INTS if column == "a" else FLOATS
    out = evaluate(df, getattr(f, name)(col(column)))
    if name in ("abs", "signum") or column == "x":
        expected = ref(arr)
    else:  # floor/ceil/trunc/exp/trig of an integer produce Float64
        expected = ref(pc.cast(arr, pa.float64()))
    assert out.type == expected.type
    assert same(out.to_pylist(), expected.to_pylist())


@pytest.mark.parametrize(
    "name, ref, domain",
    [
        ("sqrt", math.sqrt, lambda v: v >= 0),
        ("ln", math.log, lambda v: v > 0),
        ("log10", math.log10, lambda v: v > 0),
        ("log2", math.log2, lambda v: v > 0),
    ],
)
def test_logs_and_sqrt_outside_domain_give_nan(ctx, evaluate, name, ref, domain):
    arr = pa.array([4.0, 1.0, None, 0.5, 10.0, -1.0])
    out = evaluate(ctx.from_arrow(pa.table({"v": arr})), getattr(f, name)(col("v")))
    assert out.type == pa.float64()
    assert same(out.to_pylist(), nan_domain(ref, arr, domain))


def test_ln_of_zero_is_negative_infinity(ctx, evaluate):
    assert evaluate(ctx.from_pydict({"v": [0.0]}), f.ln(col("v"))).to_pylist() == [float("-inf")]


def test_math_on_ints_with_sqrt(df, evaluate):
    out = evaluate(df, f.sqrt(col("a")))
    assert same(out.to_pylist(), nan_domain(math.sqrt, INTS, lambda v: v >= 0))


def test_round_half_away_from_zero(ctx, evaluate):
    arr = pa.array([0.5, 1.5, 2.5, -0.5, -2.5, None, 1.2345])
    df = ctx.from_arrow(pa.table({"v": arr}))
    expected = pc.round(arr, round_mode="half_towards_infinity")
    assert same(evaluate(df, f.round(col("v"))).to_pylist(), expected.to_pylist())
    two = pc.round(arr, 2, round_mode="half_towards_infinity")
    assert same(evaluate(df, f.round(col("v"), 2)).to_pylist(), two.to_pylist())
    assert evaluate(ctx.from_pydict({"v": [1234.5, -1250.0]}), f.round(col("v"), -2)).to_pylist() == [1200.0, -1300.0]


def test_round_of_integer_keeps_integer(df, evaluate):
    out = evaluate(df, f.round(col("a")))
    assert out.type == pa.int64() and out.to_pylist() == INTS.to_pylist()


def test_power(df, evaluate):
    out = evaluate(df, f.power(col("a"), 2))
    assert out.to_pylist() == pc.power(INTS, 2).to_pylist()
    out = evaluate(df, f.power(col("x"), col("a")))
    expected = pc.power(FLOATS, pc.cast(INTS, pa.float64()))
    assert same(out.to_pylist(), expected.to_pylist())
    half = evaluate(df, f.power(col("x"), 0.5)).to_pylist()
    assert same(half, nan_domain(math.sqrt, FLOATS, lambda v: v >= 0))


# ---- strings -----------------------------------------------------------------

@pytest.mark.parametrize(
    "name, ref",
    [
        ("lower", pc.utf8_lower), ("upper", pc.utf8_upper), ("length", pc.utf8_length),
        ("char_length", pc.utf8_length), ("trim", pc.utf8_trim_whitespace),
        ("btrim", pc.utf8_trim_whitespace), ("ltrim", pc.utf8_ltrim_whitespace),
        ("rtrim", pc.utf8_rtrim_whitespace), ("reverse", pc.utf8_reverse),
    ],
)
def test_unary_string_functions_match_pyarrow(df, evaluate, name, ref):
    out = evaluate(df, getattr(f, name)(col("s")))
    expected = ref(STRS)
    assert out.to_pylist() == expected.to_pylist()
    if name.endswith("length"):
        assert pa.types.is_integer(out.type)
    else:
        assert out.type == pa.string()


def test_length_counts_characters_not_bytes(ctx, evaluate):
    assert evaluate(ctx.from_pydict({"s": ["ÄÖü", "日本"]}), f.length(col("s"))).to_pylist() == [3, 2]


def test_concat_skips_nulls(df, evaluate):
    out = evaluate(df, f.concat(col("s"), "-", col("s"))).to_pylist()
    expected = [("" if v is None else v) + "-" + ("" if v is None else v) for v in STRS.to_pylist()]
    assert out == expected
    # all arguments NULL gives the empty string, not NULL
    assert evaluate(df, f.concat(col("s"))).to_pylist() == ["  Ab ", "x", "", "abc", "ÄÖü", ""]


def test_concat_casts_non_strings(df, evaluate):
    assert evaluate(df, f.concat(lit("v"), col("a"))).to_pylist() == ["v1", "v-2", "v", "v4", "v-3", "v0"]


@pytest.mark.parametrize("start, length", [(1, None), (2, None), (2, 2), (1, 3), (3, 1), (10, None)])
def test_substr_matches_python_slicing(df, evaluate, start, length):
    out = evaluate(df, f.substr(col("s"), start, length)).to_pylist()
    stop = None if length is None else start - 1 + length
    assert out == [None if v is None else v[start - 1:stop] for v in STRS.to_pylist()]


def test_substr_with_start_before_one_counts_from_virtual_position(df, evaluate):
    # SQL: substr('abc', 0, 2) covers positions 0..1, i.e. 'a'
    assert evaluate(df, f.substr(col("s"), 0, 2)).to_pylist() == [" ", "x", None, "a", "Ä", ""]
    assert evaluate(df, f.substr(col("s"), -1, 3)).to_pylist() == [" ", "x", None, "a", "Ä", ""]


def test_replace(df, evaluate):
    out = evaluate(df, f.replace(col("s"), "b", "BB"))
    assert out.to_pylist() == pc.replace_substring(STRS, "b", "BB").to_pylist()


@pytest.mark.parametrize("affix", ["a", "", "Ab", "zz"])
def test_starts_with_and_ends_with(df, evaluate, affix):
    assert evaluate(df, f.starts_with(col("s"), affix)).to_pylist() == pc.starts_with(STRS, affix).to_pylist()
    assert evaluate(df, f.ends_with(col("s"), affix)).to_pylist() == pc.ends_with(STRS, affix).to_pylist()


# ---- conditional ------------------------------------------------------------

def test_coalesce(df, evaluate):
    assert evaluate(df, f.coalesce(col("a"), lit(0))).to_pylist() == pc.coalesce(INTS, 0).to_pylist()
    out = evaluate(df, f.coalesce(col("x"), col("a")))
    assert out.type == pa.float64()
    assert out.to_pylist() == pc.coalesce(FLOATS, pc.cast(INTS, pa.float64())).to_pylist()
    assert evaluate(df, f.coalesce(col("s"), lit(None), lit("?"))).to_pylist() == [
        "  Ab ", "x", "?", "abc", "ÄÖü", ""]


def test_coalesce_of_incompatible_types_is_type_error(df):
    with pytest.raises(TypeError, match="coalesce"):
        df.select(f.coalesce(col("s"), col("a")))


def test_nullif(df, evaluate):
    assert evaluate(df, f.nullif(col("a"), 4)).to_pylist() == [1, -2, None, None, -3, 0]
    assert evaluate(df, f.nullif(col("a"), col("a"))).to_pylist() == [None] * len(INTS)
    # x = NULL is unknown, so nullif keeps x
    assert evaluate(df, f.nullif(col("a"), lit(None))).to_pylist() == INTS.to_pylist()


# ---- dates -------------------------------------------------------------------

DATES = pa.array([datetime.date(2023, 3, 15), None, datetime.date(2020, 12, 31), datetime.date(2024, 2, 29)])
STAMPS = pa.array(
    [datetime.datetime(2023, 3, 15, 13, 45, 10), None, datetime.datetime(2020, 12, 31, 23, 59, 59),
     datetime.datetime(2024, 2, 29, 0, 0, 1)],
    pa.timestamp("us"),
)


@pytest.fixture
def dates(ctx):
    return ctx.from_arrow(pa.table({"d": DATES, "ts": STAMPS}))


@pytest.mark.parametrize(
    "part, ref",
    [
        ("year", pc.year), ("month", pc.month), ("day", pc.day), ("quarter", pc.quarter),
        ("doy", pc.day_of_year), ("week", pc.iso_week),
        # dow counts from Sunday = 0, as in PostgreSQL and DataFusion
        ("dow", lambda a: pc.day_of_week(a, count_from_zero=True, week_start=7)),
    ],
)
@pytest.mark.parametrize("column", ["d", "ts"])
def test_date_part(dates, evaluate, part, ref, column):
    arr = DATES if column == "d" else STAMPS
    out = evaluate(dates, f.date_part(part, col(column)))
    assert out.type == pa.int32()
    assert out.to_pylist() == ref(arr).to_pylist()


@pytest.mark.parametrize("part, ref", [("hour", pc.hour), ("minute", pc.minute), ("second", pc.second)])
def test_date_part_time_fields_of_timestamps(dates, evaluate, part, ref):
    assert evaluate(dates, f.date_part(part, col("ts"))).to_pylist() == ref(STAMPS).to_pylist()


@pytest.mark.parametrize(
    "unit, arrow_unit",
    [("year", "year"), ("quarter", "quarter"), ("month", "month"), ("week", "week"), ("day", "day"),
     ("hour", "hour"), ("minute", "minute"), ("second", "second")],
)
def test_date_trunc_timestamps(dates, evaluate, unit, arrow_unit):
    out = evaluate(dates, f.date_trunc(unit, col("ts")))
    assert out.type == pa.timestamp("us")
    assert out.to_pylist() == pc.floor_temporal(STAMPS, unit=arrow_unit).to_pylist()


@pytest.mark.parametrize("unit", ["year", "quarter", "month", "week", "day"])
def test_date_trunc_dates_stay_dates(dates, evaluate, unit):
    out = evaluate(dates, f.date_trunc(unit, col("d")))
    assert out.type == pa.date32()
    assert out.to_pylist() == pc.floor_temporal(DATES, unit=unit).to_pylist()


def test_date_part_and_trunc_reject_unknown_units(dates):
    with pytest.raises(ValueError, match="unknown date part 'fortnight'"):
        dates.select(f.date_part("fortnight", col("d")))
    with pytest.raises(ValueError, match="unknown time unit 'fortnight'"):
        dates.select(f.date_trunc("fortnight", col("d")))


def test_date_functions_reject_numbers(df):
    with pytest.raises(TypeError, match="Int64"):
        df.select(f.date_part("year", col("a")))


def test_date_literal_comparison(dates, evaluate):
    assert evaluate(dates, col("d") > datetime.date(2021, 1, 1)).to_pylist() == [True, None, False, True]


# ---- empty input, type and arity errors ------------------------------------

def test_functions_over_empty_input(df, evaluate):
    empty = df.filter(lit(False))
    for expr in [f.abs(col("a")), f.upper(col("s")), f.coalesce(col("a"), 0), f.round(col("x"), 1)]:
        assert evaluate(empty, expr).to_pylist() == []


@pytest.mark.parametrize(
    "expr, types",
    [(f.abs(col("s")), "Utf8"), (f.lower(col("a")), "Int64"), (f.sqrt(col("s")), "Utf8"),
     (f.starts_with(col("a"), "1"), "Int64")],
)
def test_wrong_argument_types_name_function_and_types(df, expr, types):
    with pytest.raises(ferry.FerryError) as info:
        df.select(expr)
    assert isinstance(info.value, TypeError)
    assert expr.canonical_name().split("(")[0] in str(info.value)
    assert types in str(info.value)


def _raw_call(name, *args):
    return Expr(_core.call_builtin(name, [a._raw for a in args], False))


@pytest.mark.parametrize(
    "name, args, message",
    [
        ("abs", (col("a"), col("a")), "abs expects 1 argument, got 2"),
        ("abs", (), "abs expects 1 argument, got 0"),
        ("replace", (col("s"),), "replace expects 3 arguments, got 1"),
        ("substr", (col("s"),), "substr expects 2 to 3 arguments, got 1"),
        ("coalesce", (), "coalesce expects at least 1"),
        ("concat", (), "concat expects at least 1"),
    ],
)
def test_wrong_arity_is_value_error(df, name, args, message):
    with pytest.raises(ValueError, match=message):
        df.select(_raw_call(name, *args))


def test_unknown_function_is_key_error_naming_it():
    with pytest.raises(KeyError, match="'nope'") as info:
        _raw_call("nope", col("a"))
    assert isinstance(info.value, ferry.FerryError)


def test_aggregate_in_select_and_scalar_in_aggregate_are_rejected(df):
    with pytest.raises(ValueError, match="use DataFrame.aggregate"):
        df.select(f.sum(col("a")))
    with pytest.raises(ValueError, match="not an aggregate"):
        df.aggregate([], [f.abs(col("a"))])


def test_function_reprs():
    assert repr(f.concat(col("first"), " ", col("last"))) == 'Expr(concat(first, Utf8(" "), last))'
    assert f.substr(col("s"), 2, 3).canonical_name() == "substr(s, Int64(2), Int64(3))"
    assert f.date_part("year", col("d")).canonical_name() == 'date_part(Utf8("year"), d)'
    assert f.col is ferry.col and f.lit is ferry.lit
