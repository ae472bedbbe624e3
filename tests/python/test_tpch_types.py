"""TPC-H queries over files from tpchgen-cli, the generator the project uses:
string_view strings, decimal(15, 2) money, date32 dates and intervals all
at once. The reference is pandas over the same files (floats for money, so
sums are compared with a relative tolerance)."""

import datetime as dt
import decimal
import os
import shutil
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ferry import col, lit, functions as f

pd = pytest.importorskip("pandas")


def _tpchgen() -> str | None:
    local = os.path.join(os.path.dirname(sys.executable), "tpchgen-cli")
    return local if os.path.exists(local) else shutil.which("tpchgen-cli")


@pytest.fixture(scope="module")
def tpch_dir(tmp_path_factory):
    tool = _tpchgen()
    if tool is None:
        pytest.skip("tpchgen-cli is not installed")
    out = tmp_path_factory.mktemp("tpch")
    subprocess.run([tool, "parquet", "-s", "0.01", f"--output-dir={out}"], check=True,
                   capture_output=True, timeout=120)
    assert pq.read_schema(out / "lineitem.parquet").field("l_returnflag").type == pa.string_view()
    return out


@pytest.fixture(scope="module")
def ref(tpch_dir):
    def load(name):
        table = pq.read_table(tpch_dir / f"{name}.parquet")
        plain = [fl.with_type(pa.utf8() if fl.type == pa.string_view() else
                              pa.float64() if pa.types.is_decimal(fl.type) else fl.type)
                 for fl in table.schema]
        return table.cast(pa.schema(plain)).to_pandas()
    return {name: load(name) for name in ["lineitem", "orders", "customer", "part"]}


@pytest.fixture
def tables(ctx, tpch_dir):
    for name in ["lineitem", "orders", "customer", "part"]:
        ctx.register_parquet(name, tpch_dir / f"{name}.parquet")
    return ctx


def date(s):
    return lit(dt.date.fromisoformat(s))


def close(a, b):
    return abs(float(a) - float(b)) <= 1e-9 * abs(float(b)) + 1e-6


def test_q1_pricing_summary(tables, ref):
    lineitem = tables.table("lineitem")
    net = col("l_extendedprice") * (lit(1) - col("l_discount"))
    q1 = (lineitem.filter(col("l_shipdate") <= date("1998-12-01") - f.interval(days=90))
          .aggregate([col("l_returnflag"), col("l_linestatus")],
                     [f.sum(col("l_quantity")).alias("sum_qty"),
                      f.sum(net).alias("sum_disc_price"),
                      f.sum(net * (lit(1) + col("l_tax"))).alias("sum_charge"),
                      f.avg(col("l_discount")).alias("avg_disc"),
                      f.count_star().alias("count_order")])
          .sort(col("l_returnflag"), col("l_linestatus")))
    schema = q1.schema()
    assert schema.field("l_returnflag").type == pa.utf8()
    assert schema.field("sum_charge").type == pa.decimal128(38, 6)
    assert schema.field("avg_disc").type == pa.decimal128(19, 6)
    got = q1.to_pandas()
    li = ref["lineitem"]
    x = li[li.l_shipdate <= dt.date(1998, 9, 2)].copy()
    x["net"] = x.l_extendedprice * (1 - x.l_discount)
    x["charge"] = x.net * (1 + x.l_tax)
    expected = (x.groupby(["l_returnflag", "l_linestatus"])
                .agg(sum_qty=("l_quantity", "sum"), sum_disc_price=("net", "sum"),
                     sum_charge=("charge", "sum"), avg_disc=("l_discount", "mean"),
                     count_order=("l_orderkey", "size")).reset_index())
    assert list(got.l_returnflag) == list(expected.l_returnflag)
    for name in ["sum_qty", "sum_disc_price", "sum_charge", "count_order"]:
        assert all(close(a, b) for a, b in zip(got[name], expected[name])), name
    # avg truncates at 6 decimals.
    assert all(abs(float(a) - b) < 2e-6 for a, b in zip(got.avg_disc, expected.avg_disc))


def test_q6_forecast_revenue(tables, ref):
    q6 = (tables.table("lineitem")
          .filter(col("l_shipdate") >= date("1994-01-01"),
                  col("l_shipdate") < date("1994-01-01") + f.interval(years=1),
                  col("l_discount").between(lit(decimal.Decimal("0.05")),
                                            lit(decimal.Decimal("0.07"))),
                  col("l_quantity") < lit(24))
          .aggregate([], [f.sum(col("l_extendedprice") * col("l_discount")).alias("revenue")]))
    li = ref["lineitem"]
    m = li[(li.l_shipdate >= dt.date(1994, 1, 1)) & (li.l_shipdate < dt.date(1995, 1, 1))
           & li.l_discount.between(0.05 - 1e-9, 0.07 + 1e-9) & (li.l_quantity < 24)]
    assert close(q6.to_pylist()[0]["revenue"], (m.l_extendedprice * m.l_discount).sum())


def test_q3_shipping_priority(tables, ref):
    q3 = (tables.table("customer").filter(col("c_mktsegment") == lit("BUILDING"))
          .join(tables.table("orders").filter(col("o_orderdate") < date("1995-03-15")),
                left_on="c_custkey", right_on="o_custkey")
          .join(tables.table("lineitem").filter(col("l_shipdate") > date("1995-03-15")),
                left_on="o_orderkey", right_on="l_orderkey")
          .aggregate([col("o_orderkey")],
                     [f.sum(col("l_extendedprice") * (lit(1) - col("l_discount")))
                      .alias("revenue")])
          .sort(col("revenue").sort(ascending=False), col("o_orderkey")).limit(10))
    c, o, li = ref["customer"], ref["orders"], ref["lineitem"]
    j = (c[c.c_mktsegment == "BUILDING"]
         .merge(o[o.o_orderdate < dt.date(1995, 3, 15)], left_on="c_custkey", right_on="o_custkey")
         .merge(li[li.l_shipdate > dt.date(1995, 3, 15)], left_on="o_orderkey",
                right_on="l_orderkey"))
    j["revenue"] = j.l_extendedprice * (1 - j.l_discount)
    expected = j.groupby("o_orderkey").revenue.sum().sort_values(ascending=False).head(10)
    got = q3.to_pandas()
    assert list(got.o_orderkey) == list(expected.index)
    assert all(close(a, b) for a, b in zip(got.revenue, expected.values))


def test_q4_order_priority(tables, ref):
    late = (tables.table("lineitem").filter(col("l_commitdate") < col("l_receiptdate"))
            .select(col("l_orderkey")))
    q4 = (tables.table("orders")
          .filter(col("o_orderdate") >= date("1993-07-01"),
                  col("o_orderdate") < date("1993-07-01") + f.interval(months=3))
          .join(late, left_on="o_orderkey", right_on="l_orderkey", how="semi")
          .aggregate([col("o_orderpriority")], [f.count_star().alias("order_count")])
          .sort(col("o_orderpriority")))
    o, li = ref["orders"], ref["lineitem"]
    late_keys = set(li[li.l_commitdate < li.l_receiptdate].l_orderkey)
    kept = o[(o.o_orderdate >= dt.date(1993, 7, 1)) & (o.o_orderdate < dt.date(1993, 10, 1))
             & o.o_orderkey.isin(late_keys)]
    expected = kept.groupby("o_orderpriority").size()
    assert q4.to_pydict() == {"o_orderpriority": list(expected.index),
                              "order_count": list(expected.values)}


def test_q14_promotion_effect(tables, ref):
    net = col("l_extendedprice") * (lit(1) - col("l_discount"))
    sums = (tables.table("lineitem")
            .filter(col("l_shipdate") >= date("1995-09-01"),
                    col("l_shipdate") < date("1995-09-01") + f.interval(months=1))
            .join(tables.table("part"), left_on="l_partkey", right_on="p_partkey")
            .aggregate([], [f.sum(f.when(col("p_type").like("PROMO%"), net).otherwise(lit(0)))
                            .alias("promo"), f.sum(net).alias("total")]))
    q14 = sums.select((lit(100) * col("promo") / col("total")).alias("promo_revenue"))
    assert q14.schema().field("promo_revenue").type == pa.decimal128(38, 8)
    li, part = ref["lineitem"], ref["part"]
    j = li[(li.l_shipdate >= dt.date(1995, 9, 1)) & (li.l_shipdate < dt.date(1995, 10, 1))].merge(
        part, left_on="l_partkey", right_on="p_partkey")
    revenue = j.l_extendedprice * (1 - j.l_discount)
    expected = 100 * revenue[j.p_type.str.startswith("PROMO")].sum() / revenue.sum()
    assert abs(float(q14.to_pylist()[0]["promo_revenue"]) - expected) < 1e-7
