"""Decimal arithmetic, comparisons and sum/avg, with DataFusion's result types.

References are computed with Python's decimal module (exact), so they do not
share code or rounding with the engine: sums are exact, avg and / truncate
toward zero at the result scale.
"""

import decimal
from decimal import Decimal as D

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ferry
from ferry import col, lit, functions as f

DEC = pa.decimal128(15, 2)

ROWS = [  # flag, quantity, price, discount, tax
    ("A", D("17.00"), D("21168.23"), D("0.04"), D("0.02")),
    ("N", D("36.00"), D("45983.16"), D("0.09"), D("0.06")),
    ("A", D("8.00"), D("13309.60"), D("0.10"), D("0.02")),
    ("R", D("28.00"), D("28955.64"), D("0.09"), D("0.06")),
    ("N", D("24.00"), D("22824.48"), D("0.10"), D("0.04")),
    ("A", None, None, D("0.07"), D("0.00")),
    ("R", D("1.00"), D("-0.01"), D("0.00"), D("0.08")),
    ("Z", None, None, None, None),
]


@pytest.fixture
def lineitem() -> pa.Table:
    names = ["flag", "quantity", "price", "discount", "tax"]
    types = [pa.utf8(), DEC, DEC, DEC, DEC]
    return pa.table([pa.array([r[i] for r in ROWS], t) for i, t in enumerate(types)], names=names)


def trunc(value: D, scale: int) -> D:
    return value.quantize(D(1).scaleb(-scale), rounding=decimal.ROUND_DOWN)


def test_tpch_q1_style_aggregate(ctx, lineitem):
    df = ctx.from_arrow(lineitem)
    net = col("price") * (lit(1) - col("discount"))
    charge = net * (lit(1) + col("tax"))
    out = (df.filter(col("quantity") < lit(24) + lit(100))
             .aggregate([col("flag")], [f.sum(col("quantity")).alias("sum_qty"),
                                        f.sum(net).alias("sum_disc_price"),
                                        f.sum(charge).alias("sum_charge"),
                                        f.avg(col("price")).alias("avg_price"),
                                        f.avg(col("discount")).alias("avg_disc")])
             .sort(col("flag")))
    schema = out.schema()
    assert schema.field("sum_qty").type == pa.decimal128(25, 2)
    assert schema.field("sum_disc_price").type == pa.decimal128(38, 4)
    assert schema.field("sum_charge").type == pa.decimal128(38, 6)
    assert schema.field("avg_price").type == pa.decimal128(19, 6)
    rows = out.to_pylist()
    assert [r["flag"] for r in rows] == ["A", "N", "R"]
    for row in rows:
        kept = [r for r in ROWS if r[0] == row["flag"] and r[1] is not None]
        assert row["sum_qty"] == sum(r[1] for r in kept)
        assert row["sum_disc_price"] == sum(r[2] * (1 - r[3]) for r in kept)
        assert row["sum_charge"] == sum(r[2] * (1 - r[3]) * (1 + r[4]) for r in kept)
        assert row["avg_price"] == trunc(sum(r[2] for r in kept) / len(kept), 6)
        assert row["avg_disc"] == trunc(sum(r[3] for r in kept) / len(kept), 6)


def test_nulls_and_empty_groups(ctx, lineitem):
    df = ctx.from_arrow(lineitem)
    aggs = [f.sum(col("price")).alias("s"), f.avg(col("tax")).alias("a")]
    rows = df.aggregate([col("flag")], aggs).sort(col("flag")).to_pylist()
    assert rows[-1] == {"flag": "Z", "s": None, "a": None}
    empty = df.filter(col("quantity") > lit(1000)).aggregate([], [f.sum(col("price")).alias("s"),
                                                                   f.avg(col("price")).alias("a")])
    assert empty.to_pylist() == [{"s": None, "a": None}]
    assert empty.schema().field("a").type == pa.decimal128(19, 6)


def test_integer_literals_and_comparisons(ctx, lineitem):
    df = ctx.from_arrow(lineitem)
    got = df.select((col("quantity") * lit(2)).alias("m"), (col("quantity") < lit(24)).alias("lt"),
                    (col("quantity") == lit(24)).alias("eq"),
                    col("quantity").between(lit(8), lit(17)).alias("btw"))
    assert got.schema().field("m").type == pa.decimal128(36, 2)
    rows = got.to_pylist()
    assert [r["m"] for r in rows] == [r[1] * 2 if r[1] is not None else None for r in ROWS]
    assert [r["lt"] for r in rows] == [None if r[1] is None else r[1] < 24 for r in ROWS]
    assert [r["eq"] for r in rows] == [None if r[1] is None else r[1] == 24 for r in ROWS]
    assert [r["btw"] for r in rows] == [None if r[1] is None else 8 <= r[1] <= 17 for r in ROWS]


def test_division_has_scale_plus_four(ctx, lineitem):
    df = ctx.from_arrow(lineitem)
    got = df.select((col("price") / col("quantity")).alias("q"))
    assert got.schema().field("q").type == pa.decimal128(21, 6)
    expected = [None if r[1] is None else trunc(r[2] / r[1], 6) for r in ROWS]
    assert got.to_pydict()["q"] == expected
    # A ratio of two sums (TPC-H Q14 style) stays decimal, capped at 38.
    sums = df.aggregate([], [f.sum(col("price") * col("discount")).alias("a"),
                             f.sum(col("price")).alias("b")])
    ratio = sums.select((col("a") / col("b")).alias("r"))
    assert ratio.schema().field("r").type == pa.decimal128(38, 8)
    kept = [r for r in ROWS if r[2] is not None]
    total = sum(r[2] for r in kept)
    assert ratio.to_pylist()[0]["r"] == trunc(sum(r[2] * r[3] for r in kept) / total, 8)


def test_float_operand_gives_float(ctx, lineitem):
    got = ctx.from_arrow(lineitem).select((col("price") * lit(0.5)).alias("h"))
    assert got.schema().field("h").type == pa.float64()
    assert got.to_pydict()["h"][0] == pytest.approx(21168.23 / 2)


def test_overflowing_decimal_is_an_error(ctx):
    big = pa.table({"w": pa.array([D("9" * 37), D("9" * 37)], pa.decimal128(38, 0))})
    df = ctx.from_arrow(big)
    with pytest.raises(ferry.errors.FerryError, match=r"w \* Int64\(100\)"):
        df.select(col("w") * lit(100)).collect()
    too_big = r"sum overflowed decimal128\(38, 0\) \(38 digits at most\)"
    with pytest.raises(ferry.errors.FerryError, match=too_big):
        df.aggregate([], [f.sum(col("w") * lit(10))]).collect()


def test_from_parquet(ctx, lineitem, tmp_path):
    path = tmp_path / "lineitem.parquet"
    pq.write_table(lineitem, path, row_group_size=3)
    df = ctx.read_parquet(path)
    revenue = f.sum(col("price") * (lit(1) - col("discount"))).alias("rev")
    rows = df.aggregate([], [revenue]).to_pylist()
    assert rows[0]["rev"] == sum(r[2] * (1 - r[3]) for r in ROWS if r[2] is not None)


def test_comparison_whose_common_type_needs_more_than_38_digits_is_exact():
    # decimal(36, 2) vs decimal(38, 6): the common type needs 34 + 6 = 40
    # digits, so Arrow's decimal128 promotion alone would fail.
    from decimal import Decimal as D

    ctx = ferry.SessionContext()
    a = pa.array([D("12345678901234567890123456789012.34"), D("1.00"), None], pa.decimal128(36, 2))
    b = pa.array([D("12345678901234567890123456789012.340001"), D("0.999999"), D("1")],
                 pa.decimal128(38, 6))
    df = ctx.from_arrow(pa.table({"a": a, "b": b}))
    out = df.select((col("a") < col("b")).alias("lt"), (col("a") == col("b")).alias("eq")).to_pydict()
    assert out == {"lt": [True, False, None], "eq": [False, False, None]}


@pytest.mark.parametrize("op", ["+", "-", "*"])
def test_decimal128_kernel_matches_python_decimal_with_nulls_and_literals(op):
    import operator
    import random

    rng = random.Random(7)
    fn = {"+": operator.add, "-": operator.sub, "*": operator.mul}[op]
    a = [None if rng.random() < 0.2 else D(rng.randint(-10**13, 10**13)) / 100 for _ in range(300)]
    b = [None if rng.random() < 0.2 else D(rng.randint(-10**5, 10**5)) / 10000 for _ in range(300)]
    ctx = ferry.SessionContext()
    df = ctx.from_arrow(pa.table({"a": pa.array(a, pa.decimal128(15, 2)),
                                  "b": pa.array(b, pa.decimal128(9, 4))}))
    lit_b = lit(D("1.5"))
    exprs = {"+": (col("a") + col("b"), col("a") + lit_b), "-": (col("a") - col("b"), col("a") - lit_b),
             "*": (col("a") * col("b"), col("a") * lit_b)}[op]
    out = df.select(exprs[0].alias("x"), exprs[1].alias("y")).to_pydict()
    assert out["x"] == [None if x is None or y is None else fn(x, y) for x, y in zip(a, b)]
    assert out["y"] == [None if x is None else fn(x, D("1.5")) for x in a]


def test_decimal128_product_beyond_38_digits_is_an_error_naming_the_expression():
    ctx = ferry.SessionContext()
    big = D("9" * 36 + ".99")
    df = ctx.from_arrow(pa.table({"a": pa.array([big], pa.decimal128(38, 2))}))
    with pytest.raises(ferry.errors.FerryError, match=r"a \* a"):
        df.select((col("a") * col("a")).alias("p")).collect()
