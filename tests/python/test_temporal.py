"""date32 / timestamp ± calendar intervals (month_day_nano_interval literals).

The reference is pandas' DateOffset, which also moves the calendar month and
clamps the day to the month's end (an independent implementation).
"""

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest

import ferry
from ferry import col, lit, functions as f

DATES = [dt.date(1995, 1, 31), dt.date(2000, 2, 29), dt.date(1969, 12, 31), dt.date(1992, 12, 1),
         None, dt.date(1, 1, 1), dt.date(9999, 12, 31)]


def mdn(months=0, days=0, nanos=0):
    return lit(pa.scalar(pa.MonthDayNano([months, days, nanos]), pa.month_day_nano_interval()))


def offset(value, months=0, days=0, nanos=0):
    if value is None:
        return None
    shifted = (pd.Timestamp(value) + pd.DateOffset(months=months)
               + pd.Timedelta(days=days, nanoseconds=nanos))
    return shifted.date() if type(value) is dt.date else shifted.to_pydatetime()


@pytest.fixture
def dates(ctx):
    # Years 1 and 9999 are outside pandas' range: keep them out of the reference.
    return ctx.from_arrow(pa.table({"d": pa.array(DATES[:5], pa.date32())}))


@pytest.mark.parametrize("months,days", [(1, 0), (3, 0), (-1, 0), (12, 0), (-25, 0), (1, 1),
                                         (0, -31), (0, 0)])
def test_date_plus_interval_matches_pandas(dates, months, days):
    got = dates.select((col("d") + mdn(months, days)).alias("r"))
    assert got.schema().field("r").type == pa.date32()
    assert got.to_pydict()["r"] == [offset(d, months, days) for d in DATES[:5]]
    minus = dates.select((col("d") - mdn(months, days)).alias("r")).to_pydict()["r"]
    assert minus == [offset(d, -months, -days) for d in DATES[:5]]


def test_interval_helper_and_tpch_predicate(ctx):
    # TPC-H Q4: o_orderdate >= date '1993-07-01' and < date '1993-07-01' + interval '3' month
    days = [dt.date(1993, 6, 30) + dt.timedelta(days=i) for i in range(120)]
    df = ctx.from_arrow(pa.table({"o_orderdate": pa.array(days + [None], pa.date32())}))
    start = lit(dt.date(1993, 7, 1))
    got = df.filter(col("o_orderdate") >= start, col("o_orderdate") < start + f.interval(months=3))
    kept = got.to_pydict()["o_orderdate"]
    assert kept == [d for d in days if dt.date(1993, 7, 1) <= d < dt.date(1993, 10, 1)]
    assert len(kept) == 92
    # years and weeks are months and days.
    one = df.limit(1).select((col("o_orderdate") + f.interval(years=1, weeks=2)).alias("r"))
    assert one.to_pydict()["r"] == [dt.date(1994, 7, 14)]


def test_literal_date_plus_interval_folds(ctx):
    df = ctx.from_pydict({"x": [1]})
    got = df.select((lit(dt.date(1995, 1, 1)) + f.interval(months=3)).alias("r"))
    assert got.to_pydict()["r"] == [dt.date(1995, 4, 1)]
    # Interval on the left of +.
    got = df.select((f.interval(days=1) + lit(dt.date(1995, 2, 28))).alias("r"))
    assert got.to_pydict()["r"] == [dt.date(1995, 3, 1)]


def test_timestamps(ctx):
    stamps = [dt.datetime(1995, 1, 31, 12, 30, 15, 123456), dt.datetime(2000, 2, 29), None,
              dt.datetime(1969, 12, 31, 23, 59, 59, 999999)]
    for unit in ["s", "ms", "us", "ns"]:
        arr = pa.array(stamps, pa.timestamp("us")).cast(pa.timestamp(unit), safe=False)
        df = ctx.from_arrow(pa.table({"t": arr}))
        step = f.interval(months=1, days=2, hours=3, microseconds=7)
        got = df.select((col("t") + step).alias("r"))
        assert got.schema().field("r").type == pa.timestamp(unit)
        base = arr.to_pylist()
        expected = pa.array([offset(v, 1, 2, (3 * 3600 * 10**6 + 7) * 1000) for v in base],
                            pa.timestamp("ns")).cast(pa.timestamp(unit), safe=False)
        assert got.to_arrow_table().column("r").combine_chunks() == expected


def test_nulls_and_errors(ctx):
    df = ctx.from_arrow(pa.table({"d": pa.array([dt.date(2000, 1, 1), None], pa.date32()),
                                  "z": pa.array([0, 1], pa.timestamp("s", tz="UTC"))}))
    null_interval = lit(pa.scalar(None, pa.month_day_nano_interval()))
    assert df.select((col("d") + null_interval).alias("r")).to_pydict()["r"] == [None, None]
    with pytest.raises(TypeError, match="interval can only be added to or subtracted from"):
        df.select(f.interval(days=1) - col("d")).collect()
    with pytest.raises(NotImplementedError, match="time zone"):
        df.select(col("z") + f.interval(months=1)).collect()
    # A pure time interval on a zoned timestamp is exact.
    got = df.select((col("z") + f.interval(hours=1)).alias("r")).to_pydict()["r"]
    assert [v.timestamp() for v in got] == [3600, 3601]
    with pytest.raises(ferry.errors.FerryError, match="out of range"):
        ctx.from_arrow(pa.table({"d": pa.array([DATES[-1]], pa.date32())})).select(
            col("d") + f.interval(years=10**7)).collect()
