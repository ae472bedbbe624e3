"""Expressions survive Expr.to_bytes / Expr.from_bytes and pickle.

Every decoded expression must be structurally equal to the original, print
the same, and evaluate to the same values; a representative set is also
checked against pyarrow.compute or hand-computed values.
"""

import datetime
import decimal
import pickle

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import Expr, SortExpr, col, functions as f, lit

pytestmark = pytest.mark.timeout(60)

TABLE = pa.table(
    {
        "a": pa.array([1, 2, None, 4, -5, 6], pa.int64()),
        "b": pa.array([10, 0, 3, None, 7, 6], pa.int64()),
        "x": pa.array([1.5, -2.25, 3.0, None, 0.0, 9.75], pa.float64()),
        "s": pa.array(["apple", "Banana", None, "cherry", "apricot", "APPLE"]),
        "p": pa.array([True, False, None, True, False, True]),
        "d": pa.array(
            [datetime.date(2024, 1, 31), datetime.date(2023, 6, 1), None,
             datetime.date(2000, 2, 29), datetime.date(1999, 12, 31), datetime.date(2024, 7, 4)]
        ),
    }
)


def roundtrips(expr: Expr) -> list[Expr]:
    """The expression decoded from to_bytes and from pickle."""
    ctx = ferry.SessionContext()
    return [
        Expr.from_bytes(expr.to_bytes(), ctx),
        Expr.from_bytes(bytearray(expr.to_bytes()), ctx),
        pickle.loads(pickle.dumps(expr)),
        pickle.loads(pickle.dumps(expr, protocol=2)),
    ]


def evaluate(expr: Expr, table: pa.Table = TABLE) -> pa.Array:
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(2))
    return ctx.from_arrow(table).select(expr.alias("r")).to_arrow_table()["r"].combine_chunks()


def aggregate(expr: Expr, table: pa.Table = TABLE) -> pa.Array:
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(2))
    df = ctx.from_arrow(table).aggregate([], [expr.alias("r")])
    return df.to_arrow_table()["r"].combine_chunks()


def check_structure(expr: Expr) -> list[Expr]:
    decoded = roundtrips(expr)
    for d in decoded:
        assert type(d) is type(expr)
        assert d.equals(expr), (d, expr)
        assert expr.equals(d)
        assert d.canonical_name() == expr.canonical_name()
        assert d.schema_name() == expr.schema_name()
        assert d.variant_name() == expr.variant_name()
        # Re-encoding the decoded expression is stable.
        assert d.to_bytes() == expr.to_bytes()
    return decoded


# ---- literals ---------------------------------------------------------------

LITERALS = [
    pytest.param(None, id="null"),
    pytest.param(True, id="bool"),
    pytest.param(False, id="bool-false"),
    pytest.param(0, id="int0"),
    pytest.param(-(2**63), id="int64-min"),
    pytest.param(2**63 - 1, id="int64-max"),
    pytest.param(2.5, id="float"),
    pytest.param(float("inf"), id="float-inf"),
    pytest.param(-0.0, id="float-negzero"),
    pytest.param("", id="str-empty"),
    pytest.param("héllo ☃ \x00 world", id="str-unicode"),
    pytest.param(b"\x00\x01bytes", id="binary"),
    pytest.param(b"\xff\xfe", id="binary-non-utf8"),
    pytest.param(decimal.Decimal("-123.4500"), id="decimal"),
    pytest.param(datetime.date(2024, 2, 29), id="date"),
    pytest.param(datetime.time(23, 59, 58, 123456), id="time"),
    pytest.param(datetime.timedelta(days=3, microseconds=7), id="timedelta"),
    pytest.param(datetime.datetime(2021, 5, 6, 7, 8, 9, 10), id="datetime"),
    pytest.param([1, 2, None], id="list"),
    pytest.param({"x": 1, "y": "s"}, id="dict-struct"),
    pytest.param(pa.scalar(-7, pa.int8()), id="int8"),
    pytest.param(pa.scalar(300, pa.int16()), id="int16"),
    pytest.param(pa.scalar(-70000, pa.int32()), id="int32"),
    pytest.param(pa.scalar(255, pa.uint8()), id="uint8"),
    pytest.param(pa.scalar(2**64 - 1, pa.uint64()), id="uint64"),
    pytest.param(pa.scalar(1.25, pa.float32()), id="float32"),
    pytest.param(pa.scalar(None, pa.int32()), id="typed-null-int32"),
    pytest.param(pa.scalar(None, pa.string()), id="typed-null-string"),
    pytest.param(pa.scalar("big", pa.large_string()), id="large-string"),
    pytest.param(pa.scalar(b"lb", pa.large_binary()), id="large-binary"),
    pytest.param(pa.scalar(b"abcd", pa.binary(4)), id="fixed-binary"),
    pytest.param(pa.scalar(decimal.Decimal("1.23"), pa.decimal128(10, 2)), id="decimal128"),
    pytest.param(pa.scalar(decimal.Decimal("-99999999999999999999999999999999999999.5"),
                           pa.decimal256(40, 1)), id="decimal256"),
    pytest.param(pa.scalar(1_700_000_000_123_456, pa.timestamp("us")), id="timestamp-us"),
    pytest.param(pa.scalar(1_700_000_000_123, pa.timestamp("ms", tz="UTC")), id="timestamp-ms-utc"),
    pytest.param(pa.scalar(5, pa.timestamp("ns", tz="Europe/Paris")), id="timestamp-ns-tz"),
    pytest.param(pa.scalar(17, pa.timestamp("s")), id="timestamp-s"),
    pytest.param(pa.scalar(19000, pa.date32()), id="date32"),
    pytest.param(pa.scalar(86_400_000 * 3, pa.date64()), id="date64"),
    pytest.param(pa.scalar(123, pa.duration("ms")), id="duration-ms"),
    pytest.param(pa.scalar(3_600_000_000, pa.time64("us")), id="time64"),
    pytest.param(pa.scalar(3600, pa.time32("s")), id="time32"),
    pytest.param(pa.scalar([1.5, None], pa.list_(pa.float64())), id="list-float"),
    pytest.param(pa.scalar([], pa.list_(pa.int64())), id="list-empty"),
    pytest.param(pa.scalar(None, pa.list_(pa.int64())), id="list-null"),
    pytest.param(pa.scalar(["a", "b"], pa.large_list(pa.string())), id="large-list"),
    pytest.param(pa.scalar([[1], [2, 3]], pa.list_(pa.list_(pa.int32()))), id="nested-list"),
    pytest.param(pa.scalar({"x": 1, "y": "s"}), id="struct"),
    pytest.param(pa.scalar({"x": None, "y": [1]},
                           pa.struct([("x", pa.float64()), ("y", pa.list_(pa.int8()))])),
                 id="struct-nested"),
    pytest.param(pa.scalar(None, pa.struct([("x", pa.int64())])), id="struct-null"),
]


@pytest.mark.parametrize("value", LITERALS)
def test_literal_roundtrip(value):
    expr = lit(value)
    check_structure(expr)
    decoded = roundtrips(expr)[0]
    table = pa.table({"a": [1, 2, 3]})
    got = evaluate(decoded, table)
    assert got.equals(evaluate(expr, table))
    # The independent reference: the value pyarrow itself makes of it.
    ref = value if isinstance(value, pa.Scalar) else pa.array([value]).type
    ref_type = ref.type if isinstance(ref, pa.Scalar) else ref
    assert got.type == ref_type
    ref_value = value.as_py() if isinstance(value, pa.Scalar) else pa.array([value])[0].as_py()
    assert got.to_pylist() == [ref_value] * 3
    assert decoded.python_value() == ref_value or (ref_value != ref_value)


# ---- scalar expressions, checked against pyarrow ----------------------------

def _ref_like(pattern, ignore_case=False):
    return lambda t: pc.match_like(t["s"], pattern, ignore_case=ignore_case)


SCALAR_CASES = [
    ("col", col("a"), lambda t: t["a"]),
    ("add", col("a") + col("b"), lambda t: pc.add(t["a"], t["b"])),
    ("radd", 1 + col("a"), lambda t: pc.add(t["a"], 1)),
    ("sub", col("a") - 3, lambda t: pc.subtract(t["a"], 3)),
    ("rsub", 3 - col("a"), lambda t: pc.subtract(3, t["a"])),
    ("mul", col("x") * 2.0, lambda t: pc.multiply(t["x"], 2.0)),
    ("rmul", 2 * col("a"), lambda t: pc.multiply(2, t["a"])),
    ("div-float", col("x") / 4.0, lambda t: pc.divide(t["x"], 4.0)),
    ("mod", col("a") % 4, lambda t: pa.array([1, 2, None, 0, -1, 2], pa.int64())),
    ("eq", col("a") == col("b"), lambda t: pc.equal(t["a"], t["b"])),
    ("ne", col("a") != 2, lambda t: pc.not_equal(t["a"], 2)),
    ("lt", col("a") < col("b"), lambda t: pc.less(t["a"], t["b"])),
    ("le", col("a") <= 2, lambda t: pc.less_equal(t["a"], 2)),
    ("gt", col("x") > 1.0, lambda t: pc.greater(t["x"], 1.0)),
    ("ge", col("a") >= col("b"), lambda t: pc.greater_equal(t["a"], t["b"])),
    ("and", (col("a") > 0) & col("p"),
     lambda t: pc.and_kleene(pc.greater(t["a"], 0), t["p"])),
    ("or", (col("a") > 3) | col("p"), lambda t: pc.or_kleene(pc.greater(t["a"], 3), t["p"])),
    ("not", ~col("p"), lambda t: pc.invert(t["p"])),
    ("neg", -col("a"), lambda t: pc.negate(t["a"])),
    ("is_null", col("a").is_null(), lambda t: pc.is_null(t["a"])),
    ("is_not_null", col("s").is_not_null(), lambda t: pc.is_valid(t["s"])),
    ("cast-float", col("a").cast(pa.float64()), lambda t: pc.cast(t["a"], pa.float64())),
    ("cast-str", col("a").cast(pa.string()), lambda t: pc.cast(t["a"], pa.string())),
    ("cast-int32", col("b").cast(pa.int32()), lambda t: pc.cast(t["b"], pa.int32())),
    ("between", col("a").between(1, 4),
     lambda t: pc.and_kleene(pc.greater_equal(t["a"], 1), pc.less_equal(t["a"], 4))),
    ("not-between", col("a").between(1, 4, negated=True),
     lambda t: pc.invert(pc.and_kleene(pc.greater_equal(t["a"], 1), pc.less_equal(t["a"], 4)))),
    ("like", col("s").like("ap%"), _ref_like("ap%")),
    ("like-underscore", col("s").like("_anana"), _ref_like("_anana")),
    ("not-like", col("s").like("ap%", negated=True), lambda t: pc.invert(_ref_like("ap%")(t))),
    ("ilike", col("s").ilike("AP%"), _ref_like("AP%", ignore_case=True)),
    ("not-ilike", col("s").ilike("ap%", negated=True),
     lambda t: pc.invert(_ref_like("ap%", ignore_case=True)(t))),
    ("in_list", col("a").in_list([1, 4, 99]),
     lambda t: pa.array([True, False, None, True, False, False])),
    ("not-in_list", col("a").in_list([1, 4], negated=True),
     lambda t: pa.array([False, True, None, False, True, True])),
    ("in_list-str", f.in_list(col("s"), ["apple", "cherry"]),
     lambda t: pa.array([True, False, None, True, False, False])),
    ("case-when", f.when(col("a") > 2, lit("big")).when(col("a") > 0, "small").otherwise("neg"),
     lambda t: pa.array(["small", "small", "neg", "big", "neg", "big"])),
    ("case-end", f.when(col("a") > 2, col("b")).end(),
     lambda t: pa.array([None, None, None, None, None, 6], pa.int64())),
    ("case-base", f.case(col("a")).when(1, "one").when(4, "four").otherwise("other"),
     lambda t: pa.array(["one", "other", "other", "four", "other", "other"])),
    ("abs", f.abs(col("a")), lambda t: pc.abs(t["a"])),
    ("sqrt", f.sqrt(f.abs(col("x"))), lambda t: pc.sqrt(pc.abs(t["x"]))),
    ("round", f.round(col("x"), 1),
     lambda t: pc.round(t["x"], 1, round_mode="half_towards_infinity")),
    ("lower", f.lower(col("s")), lambda t: pc.utf8_lower(t["s"])),
    ("upper", f.upper(col("s")), lambda t: pc.utf8_upper(t["s"])),
    ("length", f.char_length(col("s")), lambda t: pc.cast(pc.utf8_length(t["s"]), pa.int32())),
    ("substr", f.substr(col("s"), 2, 3), lambda t: pc.utf8_slice_codeunits(t["s"], 1, 4)),
    ("concat", f.concat(col("s"), lit("-"), col("s")),
     lambda t: pa.array(["apple-apple", "Banana-Banana", "-", "cherry-cherry",
                         "apricot-apricot", "APPLE-APPLE"])),
    ("coalesce", f.coalesce(col("a"), col("b"), lit(0)),
     lambda t: pc.coalesce(t["a"], t["b"], 0)),
    ("nullif", f.nullif(col("a"), 2), lambda t: pa.array([1, None, None, 4, -5, 6], pa.int64())),
    ("starts_with", f.starts_with(col("s"), "ap"), lambda t: pc.starts_with(t["s"], "ap")),
    ("date_part", f.date_part("year", col("d")), lambda t: pc.cast(pc.year(t["d"]), pa.int32())),
    ("nested", ((col("a") + 1) * (col("b") - 2)).alias("inner") > 0,
     lambda t: pc.greater(pc.multiply(pc.add(t["a"], 1), pc.subtract(t["b"], 2)), 0)),
]


@pytest.mark.parametrize("expr,ref", [pytest.param(e, r, id=i) for i, e, r in SCALAR_CASES])
def test_scalar_expr_roundtrip(expr, ref):
    decoded = check_structure(expr)
    want = evaluate(expr)
    ref_values = ref(TABLE)
    if isinstance(ref_values, pa.ChunkedArray):
        ref_values = ref_values.combine_chunks()
    for d in decoded:
        got = evaluate(d)
        assert got.equals(want)
        assert got.to_pylist() == ref_values.to_pylist()


def test_alias_roundtrip():
    expr = (col("a") * 2).alias("doubled")
    check_structure(expr)
    ctx = ferry.SessionContext()
    for d in roundtrips(expr):
        out = ctx.from_arrow(TABLE).select(d).to_arrow_table()
        assert out.column_names == ["doubled"]
        assert out["doubled"].to_pylist() == pc.multiply(TABLE["a"], 2).to_pylist()
    nested = col("a").alias("x").alias("y")
    check_structure(nested)


def test_column_names_that_need_quoting():
    for name in ["with space", "Ünïcode", "dotted.name", "", '"quoted"']:
        expr = col(name)
        check_structure(expr)
        assert roundtrips(expr)[0].column_name() == name


# ---- sort expressions ---------------------------------------------------------

@pytest.mark.parametrize("ascending", [True, False])
@pytest.mark.parametrize("nulls_first", [True, False])
def test_sort_expr_roundtrip(ascending, nulls_first):
    expr = col("a").sort(ascending=ascending, nulls_first=nulls_first)
    assert isinstance(expr, SortExpr)
    decoded = check_structure(expr)
    ctx = ferry.SessionContext()
    values = [v for v in TABLE["a"].to_pylist() if v is not None]
    values.sort(reverse=not ascending)
    want = [None] + values if nulls_first else values + [None]
    for d in decoded:
        assert isinstance(d, SortExpr)
        assert d.variant_name() == "Sort"
        got = ctx.from_arrow(TABLE).sort(d).to_pydict()["a"]
        assert got == want


def test_from_bytes_keeps_sort_class():
    expr = col("a").sort(ascending=False)
    assert isinstance(Expr.from_bytes(expr.to_bytes()), SortExpr)


# ---- aggregates -----------------------------------------------------------------

AGG_CASES = [
    ("count_star", f.count_star(), 6),
    ("count_empty", f.count(), 6),
    ("count", f.count(col("a")), 5),
    ("count_distinct", f.count(col("s"), distinct=True), 5),
    ("count_distinct_lower", f.count(f.lower(col("s")), distinct=True), 4),
    ("sum", f.sum(col("a")), 8),
    ("count_distinct_int", f.count(col("b"), distinct=True), 5),
    ("min", f.min(col("x")), -2.25),
    ("max", f.max(col("s")), "cherry"),
    ("avg", f.avg(col("a")), 1.6),
    ("sum_expr", f.sum(col("a") * col("b")), 10 + 0 - 35 + 36),
]


@pytest.mark.parametrize("expr,want", [pytest.param(e, w, id=i) for i, e, w in AGG_CASES])
def test_aggregate_roundtrip(expr, want):
    decoded = check_structure(expr)
    original = aggregate(expr)
    for d in decoded:
        got = aggregate(d)
        assert got.equals(original)
        assert got.to_pylist() == [pytest.approx(want)]


def test_aggregate_variance_roundtrip():
    for expr, ddof in [(f.var_samp(col("x")), 1), (f.stddev_pop(col("x")), 0)]:
        decoded = check_structure(expr)
        ref = (pc.variance(TABLE["x"], ddof=ddof).as_py() if "var" in expr.canonical_name()
               else pc.stddev(TABLE["x"], ddof=ddof).as_py())
        for d in decoded:
            assert aggregate(d).to_pylist() == [pytest.approx(ref)]


def test_distinct_flag_survives():
    plain = f.count(col("a"))
    distinct = f.count(col("a"), distinct=True)
    assert not plain.equals(distinct)
    decoded = Expr.from_bytes(distinct.to_bytes())
    assert decoded.equals(distinct)
    assert not decoded.equals(plain)


def test_distinct_encodings_for_distinct_exprs():
    exprs = [e for _, e, _ in SCALAR_CASES] + [e for _, e, _ in AGG_CASES]
    blobs = [e.to_bytes() for e in exprs]
    # Structurally different expressions never collide on the wire.
    names = [e.canonical_name() for e in exprs]
    for i in range(len(exprs)):
        for j in range(i + 1, len(exprs)):
            if names[i] != names[j]:
                assert blobs[i] != blobs[j], (names[i], names[j])


def test_encoding_is_deterministic():
    expr = f.when(col("a").in_list([1, 2, 3]), lit(pa.scalar({"k": [1, 2]}))).end()
    assert expr.to_bytes() == expr.to_bytes()
    assert pickle.dumps(expr) == pickle.dumps(expr)


def test_from_bytes_rejects_non_bytes():
    with pytest.raises(TypeError):
        Expr.from_bytes("not bytes")  # type: ignore[arg-type]
