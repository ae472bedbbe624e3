"""The 22 TPC-H queries in ferry's DataFrame API: ``q1(ctx)`` .. ``q22(ctx)``.

Each function takes a SessionContext with the eight TPC-H tables registered
under their names (``lineitem``, ``orders``, ...) and returns a DataFrame.
They follow the query definitions of the TPC-H specification (section 2.4)
with its validation parameters, and are written the way a DataFrame user
writes them, not tuned for ferry:

* every column of every table is kept (no hand-written projections before
  joins: pruning them is the optimizer's job);
* tables are joined in the order the specification's FROM clause lists
  them (no hand-picked join order or build side);
* a predicate on one table is written on that table where it enters the
  query (``ctx.table("orders").filter(...)``), predicates across tables
  after the join that brings their columns together;
* subqueries become what a DataFrame user writes instead: EXISTS / IN are
  semi joins, NOT EXISTS / NOT IN anti joins, a correlated aggregate is an
  aggregate grouped by the correlation key joined back, and an uncorrelated
  scalar subquery is a one-row aggregate joined on a constant key;
* dates are ``date32`` literals and ``date ± interval`` uses a
  ``month_day_nano_interval`` literal, as in SQL (``lit(d) + lit(interval)``).

``QUERIES`` maps 1..22 to the functions.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Callable

import pyarrow as pa

from ferry import DataFrame, SessionContext, col, lit
from ferry import functions as f


def date(text: str):
    """A date32 literal (``DATE 'YYYY-MM-DD'``)."""
    return lit(pa.scalar(datetime.date.fromisoformat(text), type=pa.date32()))


def interval(months: int = 0, days: int = 0):
    """An interval literal (``INTERVAL '...'``) of type month_day_nano_interval."""
    return lit(pa.scalar(pa.MonthDayNano([months, days, 0]), type=pa.month_day_nano_interval()))


def dec(text: str):
    """A decimal literal (SQL's ``0.06`` is a decimal, not a float)."""
    return lit(Decimal(text))


def revenue():
    """l_extendedprice * (1 - l_discount)."""
    return col("l_extendedprice") * (lit(1) - col("l_discount"))


def q1(ctx: SessionContext) -> DataFrame:
    lineitem = ctx.table("lineitem").filter(
        col("l_shipdate") <= date("1998-12-01") - interval(days=90))
    return (lineitem
            .aggregate([col("l_returnflag"), col("l_linestatus")], [
                f.sum(col("l_quantity")).alias("sum_qty"),
                f.sum(col("l_extendedprice")).alias("sum_base_price"),
                f.sum(revenue()).alias("sum_disc_price"),
                f.sum(revenue() * (lit(1) + col("l_tax"))).alias("sum_charge"),
                f.avg(col("l_quantity")).alias("avg_qty"),
                f.avg(col("l_extendedprice")).alias("avg_price"),
                f.avg(col("l_discount")).alias("avg_disc"),
                f.count().alias("count_order"),
            ])
            .sort(col("l_returnflag"), col("l_linestatus")))


def _europe_partsupp(ctx: SessionContext) -> DataFrame:
    """partsupp rows whose supplier is in EUROPE, with supplier/nation/region columns."""
    return (ctx.table("partsupp")
            .join(ctx.table("supplier"), left_on="ps_suppkey", right_on="s_suppkey")
            .join(ctx.table("nation"), left_on="s_nationkey", right_on="n_nationkey")
            .join(ctx.table("region").filter(col("r_name") == lit("EUROPE")),
                  left_on="n_regionkey", right_on="r_regionkey"))


def q2(ctx: SessionContext) -> DataFrame:
    part = ctx.table("part").filter((col("p_size") == lit(15)) & col("p_type").like("%BRASS"))
    # The correlated min(ps_supplycost): grouped by part, joined back on (part, cost).
    min_cost = (_europe_partsupp(ctx)
                .aggregate([col("ps_partkey")], [f.min(col("ps_supplycost")).alias("min_cost")])
                .with_column_renamed("ps_partkey", "min_partkey"))
    return (part
            .join(ctx.table("supplier").join(ctx.table("partsupp"), left_on="s_suppkey",
                                             right_on="ps_suppkey"),
                  left_on="p_partkey", right_on="ps_partkey")
            .join(ctx.table("nation"), left_on="s_nationkey", right_on="n_nationkey")
            .join(ctx.table("region").filter(col("r_name") == lit("EUROPE")),
                  left_on="n_regionkey", right_on="r_regionkey")
            .join(min_cost, left_on=["p_partkey", "ps_supplycost"],
                  right_on=["min_partkey", "min_cost"])
            .select(col("s_acctbal"), col("s_name"), col("n_name"), col("p_partkey"),
                    col("p_mfgr"), col("s_address"), col("s_phone"), col("s_comment"))
            .sort(col("s_acctbal").sort(ascending=False), col("n_name"), col("s_name"),
                  col("p_partkey"))
            .limit(100))


def q3(ctx: SessionContext) -> DataFrame:
    customer = ctx.table("customer").filter(col("c_mktsegment") == lit("BUILDING"))
    orders = ctx.table("orders").filter(col("o_orderdate") < date("1995-03-15"))
    lineitem = ctx.table("lineitem").filter(col("l_shipdate") > date("1995-03-15"))
    return (customer
            .join(orders, left_on="c_custkey", right_on="o_custkey")
            .join(lineitem, left_on="o_orderkey", right_on="l_orderkey")
            .aggregate([col("l_orderkey"), col("o_orderdate"), col("o_shippriority")],
                       [f.sum(revenue()).alias("revenue")])
            .select(col("l_orderkey"), col("revenue"), col("o_orderdate"), col("o_shippriority"))
            .sort(col("revenue").sort(ascending=False), col("o_orderdate"))
            .limit(10))


def q4(ctx: SessionContext) -> DataFrame:
    orders = ctx.table("orders").filter(
        (col("o_orderdate") >= date("1993-07-01"))
        & (col("o_orderdate") < date("1993-07-01") + interval(months=3)))
    late = ctx.table("lineitem").filter(col("l_commitdate") < col("l_receiptdate"))
    return (orders
            .join(late, left_on="o_orderkey", right_on="l_orderkey", how="semi")
            .aggregate([col("o_orderpriority")], [f.count().alias("order_count")])
            .sort(col("o_orderpriority")))


def q5(ctx: SessionContext) -> DataFrame:
    orders = ctx.table("orders").filter(
        (col("o_orderdate") >= date("1994-01-01"))
        & (col("o_orderdate") < date("1994-01-01") + interval(months=12)))
    return (ctx.table("customer")
            .join(orders, left_on="c_custkey", right_on="o_custkey")
            .join(ctx.table("lineitem"), left_on="o_orderkey", right_on="l_orderkey")
            .join(ctx.table("supplier"), left_on=["l_suppkey", "c_nationkey"],
                  right_on=["s_suppkey", "s_nationkey"])
            .join(ctx.table("nation"), left_on="c_nationkey", right_on="n_nationkey")
            .join(ctx.table("region").filter(col("r_name") == lit("ASIA")),
                  left_on="n_regionkey", right_on="r_regionkey")
            .aggregate([col("n_name")], [f.sum(revenue()).alias("revenue")])
            .sort(col("revenue").sort(ascending=False)))


def q6(ctx: SessionContext) -> DataFrame:
    lineitem = ctx.table("lineitem").filter(
        (col("l_shipdate") >= date("1994-01-01"))
        & (col("l_shipdate") < date("1994-01-01") + interval(months=12))
        & col("l_discount").between(dec("0.06") - dec("0.01"), dec("0.06") + dec("0.01"))
        & (col("l_quantity") < lit(24)))
    return lineitem.aggregate(
        [], [f.sum(col("l_extendedprice") * col("l_discount")).alias("revenue")])


def q7(ctx: SessionContext) -> DataFrame:
    nation = ctx.table("nation")
    supp_nation = nation.select(col("n_nationkey").alias("n1_nationkey"),
                                col("n_name").alias("supp_nation"))
    cust_nation = nation.select(col("n_nationkey").alias("n2_nationkey"),
                                col("n_name").alias("cust_nation"))
    lineitem = ctx.table("lineitem").filter(
        col("l_shipdate").between(date("1995-01-01"), date("1996-12-31")))
    return (ctx.table("supplier")
            .join(lineitem, left_on="s_suppkey", right_on="l_suppkey")
            .join(ctx.table("orders"), left_on="l_orderkey", right_on="o_orderkey")
            .join(ctx.table("customer"), left_on="o_custkey", right_on="c_custkey")
            .join(supp_nation, left_on="s_nationkey", right_on="n1_nationkey")
            .join(cust_nation, left_on="c_nationkey", right_on="n2_nationkey")
            .filter(((col("supp_nation") == lit("FRANCE")) & (col("cust_nation") == lit("GERMANY")))
                    | ((col("supp_nation") == lit("GERMANY"))
                       & (col("cust_nation") == lit("FRANCE"))))
            .with_column("l_year", f.date_part("year", col("l_shipdate")))
            .with_column("volume", revenue())
            .aggregate([col("supp_nation"), col("cust_nation"), col("l_year")],
                       [f.sum(col("volume")).alias("revenue")])
            .sort(col("supp_nation"), col("cust_nation"), col("l_year")))


def q8(ctx: SessionContext) -> DataFrame:
    nation = ctx.table("nation")
    cust_nation = nation.select(col("n_nationkey").alias("n1_nationkey"),
                                col("n_regionkey").alias("n1_regionkey"))
    supp_nation = nation.select(col("n_nationkey").alias("n2_nationkey"),
                                col("n_name").alias("nation"))
    part = ctx.table("part").filter(col("p_type") == lit("ECONOMY ANODIZED STEEL"))
    orders = ctx.table("orders").filter(
        col("o_orderdate").between(date("1995-01-01"), date("1996-12-31")))
    return (part
            .join(ctx.table("lineitem"), left_on="p_partkey", right_on="l_partkey")
            .join(ctx.table("supplier"), left_on="l_suppkey", right_on="s_suppkey")
            .join(orders, left_on="l_orderkey", right_on="o_orderkey")
            .join(ctx.table("customer"), left_on="o_custkey", right_on="c_custkey")
            .join(cust_nation, left_on="c_nationkey", right_on="n1_nationkey")
            .join(ctx.table("region").filter(col("r_name") == lit("AMERICA")),
                  left_on="n1_regionkey", right_on="r_regionkey")
            .join(supp_nation, left_on="s_nationkey", right_on="n2_nationkey")
            .with_column("o_year", f.date_part("year", col("o_orderdate")))
            .with_column("volume", revenue())
            .aggregate([col("o_year")], [
                f.sum(f.when(col("nation") == lit("BRAZIL"), col("volume")).otherwise(lit(0)))
                .alias("brazil_volume"),
                f.sum(col("volume")).alias("total_volume")])
            .select(col("o_year"), (col("brazil_volume") / col("total_volume")).alias("mkt_share"))
            .sort(col("o_year")))


def q9(ctx: SessionContext) -> DataFrame:
    part = ctx.table("part").filter(col("p_name").like("%green%"))
    return (part
            .join(ctx.table("lineitem"), left_on="p_partkey", right_on="l_partkey")
            .join(ctx.table("supplier"), left_on="l_suppkey", right_on="s_suppkey")
            .join(ctx.table("partsupp"), left_on=["l_suppkey", "p_partkey"],
                  right_on=["ps_suppkey", "ps_partkey"])
            .join(ctx.table("orders"), left_on="l_orderkey", right_on="o_orderkey")
            .join(ctx.table("nation"), left_on="s_nationkey", right_on="n_nationkey")
            .with_column("o_year", f.date_part("year", col("o_orderdate")))
            .with_column("amount", revenue() - col("ps_supplycost") * col("l_quantity"))
            .aggregate([col("n_name"), col("o_year")], [f.sum(col("amount")).alias("sum_profit")])
            .with_column_renamed("n_name", "nation")
            .sort(col("nation"), col("o_year").sort(ascending=False)))


def q10(ctx: SessionContext) -> DataFrame:
    orders = ctx.table("orders").filter(
        (col("o_orderdate") >= date("1993-10-01"))
        & (col("o_orderdate") < date("1993-10-01") + interval(months=3)))
    lineitem = ctx.table("lineitem").filter(col("l_returnflag") == lit("R"))
    return (ctx.table("customer")
            .join(orders, left_on="c_custkey", right_on="o_custkey")
            .join(lineitem, left_on="o_orderkey", right_on="l_orderkey")
            .join(ctx.table("nation"), left_on="c_nationkey", right_on="n_nationkey")
            .aggregate([col("c_custkey"), col("c_name"), col("c_acctbal"), col("c_phone"),
                        col("n_name"), col("c_address"), col("c_comment")],
                       [f.sum(revenue()).alias("revenue")])
            .select(col("c_custkey"), col("c_name"), col("revenue"), col("c_acctbal"),
                    col("n_name"), col("c_address"), col("c_phone"), col("c_comment"))
            .sort(col("revenue").sort(ascending=False))
            .limit(20))


def _german_partsupp(ctx: SessionContext) -> DataFrame:
    return (ctx.table("partsupp")
            .join(ctx.table("supplier"), left_on="ps_suppkey", right_on="s_suppkey")
            .join(ctx.table("nation").filter(col("n_name") == lit("GERMANY")),
                  left_on="s_nationkey", right_on="n_nationkey"))


def q11(ctx: SessionContext) -> DataFrame:
    stock_value = col("ps_supplycost") * col("ps_availqty")
    threshold = (_german_partsupp(ctx)
                 .aggregate([], [f.sum(stock_value).alias("total_value")])
                 .select((col("total_value") * dec("0.0001")).alias("threshold"))
                 .with_column("one", lit(1)))
    return (_german_partsupp(ctx)
            .aggregate([col("ps_partkey")], [f.sum(stock_value).alias("value")])
            .with_column("one", lit(1))
            .join(threshold, on="one")
            .filter(col("value") > col("threshold"))
            .select(col("ps_partkey"), col("value"))
            .sort(col("value").sort(ascending=False)))


def q12(ctx: SessionContext) -> DataFrame:
    lineitem = ctx.table("lineitem").filter(
        col("l_shipmode").in_list([lit("MAIL"), lit("SHIP")])
        & (col("l_commitdate") < col("l_receiptdate"))
        & (col("l_shipdate") < col("l_commitdate"))
        & (col("l_receiptdate") >= date("1994-01-01"))
        & (col("l_receiptdate") < date("1994-01-01") + interval(months=12)))
    high = (col("o_orderpriority") == lit("1-URGENT")) | (col("o_orderpriority") == lit("2-HIGH"))
    return (ctx.table("orders")
            .join(lineitem, left_on="o_orderkey", right_on="l_orderkey")
            .aggregate([col("l_shipmode")], [
                f.sum(f.when(high, lit(1)).otherwise(lit(0))).alias("high_line_count"),
                f.sum(f.when(~high, lit(1)).otherwise(lit(0))).alias("low_line_count")])
            .sort(col("l_shipmode")))


def q13(ctx: SessionContext) -> DataFrame:
    # The ON clause's o_comment condition filters orders before the outer join.
    orders = ctx.table("orders").filter(col("o_comment").like("%special%requests%", negated=True))
    return (ctx.table("customer")
            .join(orders, left_on="c_custkey", right_on="o_custkey", how="left")
            .aggregate([col("c_custkey")], [f.count(col("o_orderkey")).alias("c_count")])
            .aggregate([col("c_count")], [f.count().alias("custdist")])
            .sort(col("custdist").sort(ascending=False), col("c_count").sort(ascending=False)))


def q14(ctx: SessionContext) -> DataFrame:
    lineitem = ctx.table("lineitem").filter(
        (col("l_shipdate") >= date("1995-09-01"))
        & (col("l_shipdate") < date("1995-09-01") + interval(months=1)))
    return (lineitem
            .join(ctx.table("part"), left_on="l_partkey", right_on="p_partkey")
            .aggregate([], [
                f.sum(f.when(col("p_type").like("PROMO%"), revenue()).otherwise(lit(0)))
                .alias("promo"),
                f.sum(revenue()).alias("total")])
            .select((dec("100.00") * col("promo") / col("total")).alias("promo_revenue")))


def q15(ctx: SessionContext) -> DataFrame:
    def revenue0() -> DataFrame:
        lineitem = ctx.table("lineitem").filter(
            (col("l_shipdate") >= date("1996-01-01"))
            & (col("l_shipdate") < date("1996-01-01") + interval(months=3)))
        return (lineitem
                .aggregate([col("l_suppkey")], [f.sum(revenue()).alias("total_revenue")])
                .with_column_renamed("l_suppkey", "supplier_no"))

    top = (revenue0()
           .aggregate([], [f.max(col("total_revenue")).alias("max_revenue")])
           .with_column("one", lit(1)))
    return (ctx.table("supplier")
            .join(revenue0(), left_on="s_suppkey", right_on="supplier_no")
            .with_column("one", lit(1))
            .join(top, on="one")
            .filter(col("total_revenue") == col("max_revenue"))
            .select(col("s_suppkey"), col("s_name"), col("s_address"), col("s_phone"),
                    col("total_revenue"))
            .sort(col("s_suppkey")))


def q16(ctx: SessionContext) -> DataFrame:
    part = ctx.table("part").filter(
        (col("p_brand") != lit("Brand#45"))
        & col("p_type").like("MEDIUM POLISHED%", negated=True)
        & col("p_size").in_list([lit(s) for s in (49, 14, 23, 45, 19, 3, 36, 9)]))
    complaints = ctx.table("supplier").filter(col("s_comment").like("%Customer%Complaints%"))
    return (ctx.table("partsupp")
            .join(part, left_on="ps_partkey", right_on="p_partkey")
            .join(complaints, left_on="ps_suppkey", right_on="s_suppkey", how="anti")
            .aggregate([col("p_brand"), col("p_type"), col("p_size")],
                       [f.count(col("ps_suppkey"), distinct=True).alias("supplier_cnt")])
            .sort(col("supplier_cnt").sort(ascending=False), col("p_brand"), col("p_type"),
                  col("p_size")))


def q17(ctx: SessionContext) -> DataFrame:
    part = ctx.table("part").filter(
        (col("p_brand") == lit("Brand#23")) & (col("p_container") == lit("MED BOX")))
    # The correlated avg(l_quantity): grouped by part, joined back.
    avg_qty = (ctx.table("lineitem")
               .aggregate([col("l_partkey")], [f.avg(col("l_quantity")).alias("avg_qty")])
               .with_column_renamed("l_partkey", "avg_partkey"))
    return (ctx.table("lineitem")
            .join(part, left_on="l_partkey", right_on="p_partkey")
            .join(avg_qty, left_on="p_partkey", right_on="avg_partkey")
            .filter(col("l_quantity") < dec("0.2") * col("avg_qty"))
            .aggregate([], [f.sum(col("l_extendedprice")).alias("total")])
            .select((col("total") / lit(7.0)).alias("avg_yearly")))


def q18(ctx: SessionContext) -> DataFrame:
    large = (ctx.table("lineitem")
             .aggregate([col("l_orderkey")], [f.sum(col("l_quantity")).alias("order_qty")])
             .filter(col("order_qty") > lit(300)))
    return (ctx.table("customer")
            .join(ctx.table("orders"), left_on="c_custkey", right_on="o_custkey")
            .join(ctx.table("lineitem"), left_on="o_orderkey", right_on="l_orderkey")
            .join(large, left_on="o_orderkey", right_on="l_orderkey", how="semi")
            .aggregate([col("c_name"), col("c_custkey"), col("o_orderkey"), col("o_orderdate"),
                        col("o_totalprice")], [f.sum(col("l_quantity")).alias("sum_qty")])
            .sort(col("o_totalprice").sort(ascending=False), col("o_orderdate"))
            .limit(100))


def q19(ctx: SessionContext) -> DataFrame:
    def kind(brand: str, containers: list[str], quantity: int, size: int):
        return ((col("p_brand") == lit(brand))
                & col("p_container").in_list([lit(c) for c in containers])
                & (col("l_quantity") >= lit(quantity))
                & (col("l_quantity") <= lit(quantity + 10))
                & col("p_size").between(lit(1), lit(size)))

    lineitem = ctx.table("lineitem").filter(
        col("l_shipmode").in_list([lit("AIR"), lit("AIR REG")])
        & (col("l_shipinstruct") == lit("DELIVER IN PERSON")))
    return (lineitem
            .join(ctx.table("part"), left_on="l_partkey", right_on="p_partkey")
            .filter(kind("Brand#12", ["SM CASE", "SM BOX", "SM PACK", "SM PKG"], 1, 5)
                    | kind("Brand#23", ["MED BAG", "MED BOX", "MED PKG", "MED PACK"], 10, 10)
                    | kind("Brand#34", ["LG CASE", "LG BOX", "LG PACK", "LG PKG"], 20, 15))
            .aggregate([], [f.sum(revenue()).alias("revenue")]))


def q20(ctx: SessionContext) -> DataFrame:
    forest = ctx.table("part").filter(col("p_name").like("forest%"))
    shipped = (ctx.table("lineitem")
               .filter((col("l_shipdate") >= date("1994-01-01"))
                       & (col("l_shipdate") < date("1994-01-01") + interval(months=12)))
               .aggregate([col("l_partkey"), col("l_suppkey")],
                          [f.sum(col("l_quantity")).alias("shipped_qty")]))
    excess = (ctx.table("partsupp")
              .join(forest, left_on="ps_partkey", right_on="p_partkey", how="semi")
              .join(shipped, left_on=["ps_partkey", "ps_suppkey"],
                    right_on=["l_partkey", "l_suppkey"])
              .filter(col("ps_availqty") > dec("0.5") * col("shipped_qty")))
    return (ctx.table("supplier")
            .join(ctx.table("nation").filter(col("n_name") == lit("CANADA")),
                  left_on="s_nationkey", right_on="n_nationkey")
            .join(excess, left_on="s_suppkey", right_on="ps_suppkey", how="semi")
            .select(col("s_name"), col("s_address"))
            .sort(col("s_name")))


def q21(ctx: SessionContext) -> DataFrame:
    late = ctx.table("lineitem").filter(col("l_receiptdate") > col("l_commitdate"))
    # EXISTS / NOT EXISTS a line of the same order from another supplier
    # (late, for NOT EXISTS): semi and anti joins on the order with a filter.
    l2 = ctx.table("lineitem").select(col("l_orderkey").alias("l2_orderkey"),
                                      col("l_suppkey").alias("l2_suppkey"))
    l3 = late.select(col("l_orderkey").alias("l3_orderkey"), col("l_suppkey").alias("l3_suppkey"))
    return (ctx.table("supplier")
            .join(late, left_on="s_suppkey", right_on="l_suppkey")
            .join(ctx.table("orders").filter(col("o_orderstatus") == lit("F")),
                  left_on="l_orderkey", right_on="o_orderkey")
            .join(ctx.table("nation").filter(col("n_name") == lit("SAUDI ARABIA")),
                  left_on="s_nationkey", right_on="n_nationkey")
            .join_on(l2, col("l_orderkey") == col("l2_orderkey"),
                     col("l_suppkey") != col("l2_suppkey"), how="semi")
            .join_on(l3, col("l_orderkey") == col("l3_orderkey"),
                     col("l_suppkey") != col("l3_suppkey"), how="anti")
            .aggregate([col("s_name")], [f.count().alias("numwait")])
            .sort(col("numwait").sort(ascending=False), col("s_name"))
            .limit(100))


def q22(ctx: SessionContext) -> DataFrame:
    codes = [lit(c) for c in ("13", "31", "23", "29", "30", "18", "17")]
    customer = (ctx.table("customer")
                .with_column("cntrycode", f.substr(col("c_phone"), 1, 2))
                .filter(col("cntrycode").in_list(codes)))
    average = (customer
               .filter(col("c_acctbal") > dec("0.00"))
               .aggregate([], [f.avg(col("c_acctbal")).alias("avg_acctbal")])
               .with_column("one", lit(1)))
    return (customer
            .with_column("one", lit(1))
            .join(average, on="one")
            .filter(col("c_acctbal") > col("avg_acctbal"))
            .join(ctx.table("orders"), left_on="c_custkey", right_on="o_custkey", how="anti")
            .aggregate([col("cntrycode")], [f.count().alias("numcust"),
                                            f.sum(col("c_acctbal")).alias("totacctbal")])
            .sort(col("cntrycode")))


QUERIES: dict[int, Callable[[SessionContext], DataFrame]] = {
    i: globals()[f"q{i}"] for i in range(1, 23)
}
