"""ctx.sql and friends from Python: Python UDF/UDAF/UDWFs by name, DataFrames
that compose and pickle, views (register_view, into_view, CREATE VIEW),
SQLOptions, CREATE EXTERNAL TABLE over Parquet and CSV, EXPLAIN.
Expected values are computed by pyarrow.compute or by hand."""

from __future__ import annotations

import pickle

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import ferry
from ferry import Accumulator, WindowEvaluator, col, lit, udaf, udf, udwf

DATA = pa.table({"g": ["a", "b", "a", None, "b"], "x": [1.0, 2.0, None, 4.0, 5.0]})


@pytest.fixture
def sctx(ctx):
    ctx.register_table("data", DATA)
    return ctx


def test_sql_is_a_lazy_dataframe_that_composes(sctx):
    df = sctx.sql("SELECT g, x FROM data WHERE x > 1")
    assert isinstance(df, ferry.DataFrame)
    out = df.filter(col("g") == lit("b")).sort(col("x")).to_pydict()
    assert out == {"g": ["b", "b"], "x": [2.0, 5.0]}
    # And a DataFrame becomes SQL again through a view.
    sctx.register_view("big", df)
    assert sctx.sql("SELECT count(*) AS n FROM big").to_pydict() == {"n": [3]}


def test_sql_dataframe_pickles(sctx):
    df = sctx.sql("SELECT g, sum(x) AS s FROM data GROUP BY g")
    again = pickle.loads(pickle.dumps(df))
    want = {r["g"]: r["s"] for r in df.to_arrow_table().to_pylist()}
    assert {r["g"]: r["s"] for r in again.to_arrow_table().to_pylist()} == want
    assert want == {"a": 1.0, "b": 7.0, None: 4.0}


def test_python_scalar_udf_by_name(sctx):
    @udf([pa.float64()], pa.float64(), "immutable", name="twice")
    def twice(values):
        return pc.multiply(values, 2.0)

    sctx.register_udf(twice)
    out = sctx.sql("SELECT twice(x) AS y FROM data ORDER BY y NULLS LAST").to_pydict()
    assert out == {"y": [2.0, 4.0, 8.0, 10.0, None]}
    with pytest.raises(ferry.FerryError, match="did you mean: twice"):
        sctx.sql("SELECT twicee(x) FROM data")


class Total(Accumulator):
    def __init__(self):
        self.total = 0.0

    def update(self, values):
        self.total += pc.sum(values).as_py() or 0.0

    def merge(self, states):
        self.total += pc.sum(states[0]).as_py() or 0.0

    def state(self):
        return [pa.scalar(self.total)]

    def evaluate(self):
        return self.total


class RunningCount(WindowEvaluator):
    def evaluate_all(self, values, num_rows):
        return pa.array(range(1, num_rows + 1), pa.int64())


def test_python_udaf_and_udwf_by_name(sctx):
    sctx.register_udaf(udaf(Total, [pa.float64()], pa.float64(), [pa.float64()], "immutable",
                            name="py_total"))
    sctx.register_udwf(udwf(RunningCount, [pa.float64()], pa.int64(), "immutable", name="py_count"))
    out = sctx.sql("SELECT g, py_total(x) AS t FROM data GROUP BY g").to_arrow_table().to_pylist()
    assert {r["g"]: r["t"] for r in out} == {"a": 1.0, "b": 7.0, None: 4.0}
    out = sctx.sql("SELECT x, py_count(x) OVER (ORDER BY x NULLS FIRST) AS n FROM data").to_pydict()
    assert sorted(out["n"]) == [1, 2, 3, 4, 5]


def test_into_view_and_register_table(sctx):
    view = sctx.sql("SELECT g FROM data WHERE g IS NOT NULL").into_view()
    assert isinstance(view, ferry.Table)
    sctx.register_table("named", view)
    assert sorted(sctx.table("named").to_pydict()["g"]) == ["a", "a", "b", "b"]
    assert sctx.sql("SELECT count(DISTINCT g) AS n FROM named").to_pydict() == {"n": [2]}


def test_sql_options_refuse_ddl(sctx):
    strict = ferry.SQLOptions().with_allow_ddl(False)
    with pytest.raises(ferry.FerryError, match="DDL is disabled"):
        sctx.sql_with_options("CREATE TABLE c AS SELECT 1 AS one", strict)
    assert not sctx.table_exist("c")
    assert sctx.sql_with_options("SELECT 1 AS one", strict).to_pydict() == {"one": [1]}
    assert sctx.sql_with_options("SELECT $1 AS one", strict, {"1": 1}).to_pydict() == {"one": [1]}


def test_create_external_table_parquet_and_csv(ctx, tmp_path):
    pq.write_table(DATA, tmp_path / "data.parquet")
    pacsv.write_csv(pa.table({"a": [1, 2, 3], "b": ["x", "y", "z"]}), tmp_path / "data.csv",
                    pacsv.WriteOptions(delimiter=";"))
    ctx.sql(f"CREATE EXTERNAL TABLE pq STORED AS PARQUET LOCATION '{tmp_path / 'data.parquet'}'")
    ctx.sql(f"CREATE EXTERNAL TABLE cs STORED AS CSV OPTIONS ('has_header' 'true', "
            f"'delimiter' ';') LOCATION '{tmp_path / 'data.csv'}'")
    assert ctx.sql("SELECT sum(x) AS s FROM pq").to_pydict() == {"s": [12.0]}
    assert ctx.sql("SELECT b FROM cs WHERE a >= 2 ORDER BY a").to_pydict() == {"b": ["y", "z"]}
    with pytest.raises(ferry.FerryError, match="already exists"):
        ctx.sql(f"CREATE EXTERNAL TABLE pq STORED AS PARQUET LOCATION '{tmp_path / 'data.parquet'}'")
    with pytest.raises(OSError):
        ctx.sql(f"CREATE EXTERNAL TABLE nope STORED AS PARQUET LOCATION '{tmp_path / 'missing'}'")
    with pytest.raises(ferry.FerryError, match="LOCATION"):
        ctx.sql("CREATE EXTERNAL TABLE x STORED AS PARQUET")
    ctx.sql("DROP TABLE pq")
    assert not ctx.table_exist("pq")


def test_explain_and_explain_analyze(sctx):
    out = sctx.sql("EXPLAIN SELECT g, count(*) FROM data GROUP BY g").to_pydict()
    assert out["plan_type"] == ["plan"]
    assert "Aggregate" in out["plan"][0] and "physical_plan" in out["plan"][0]
    out = sctx.sql("EXPLAIN ANALYZE SELECT g FROM data WHERE x > 1").to_pydict()
    assert out["plan_type"] == ["plan", "analyze"]
    assert "output_rows=3" in out["plan"][1]


def test_ddl_returns_an_empty_dataframe(sctx):
    df = sctx.sql("CREATE VIEW v1 AS SELECT x FROM data")
    assert df.to_arrow_table().num_rows == 0
    assert sctx.sql("SELECT max(x) AS m FROM v1").to_pydict() == {"m": [5.0]}


def test_errors_point_at_the_text(sctx):
    with pytest.raises(ferry.FerryError) as info:
        sctx.sql("SELECT g,\n  x FROM data\n WHERE x FROM 1")
    message = str(info.value)
    assert "line 3, column 10" in message and "WHERE x FROM 1" in message and "^" in message
    with pytest.raises(KeyError, match="column 'gg' not found.*did you mean: g"):
        sctx.sql("SELECT gg FROM data")
    with pytest.raises(NotImplementedError, match="unsupported: a LATERAL subquery aggregating"):
        sctx.sql("SELECT * FROM data, LATERAL (SELECT max(d.x) FROM data d WHERE d.g = data.g "
                 "HAVING count(*) > 1) AS l")


@pytest.mark.parametrize("sql", [
    "SELECT a.x, b.y FROM a JOIN b ON a.k = b.k",
    "SELECT a.x, b.y FROM a, b WHERE b.k = a.k",
    "SELECT x, y FROM a JOIN b USING (k)",
])
def test_keys_of_different_int_types_are_hash_keys(ctx, sql):
    """An Int32 key joins an Int64 one through casts, still as a hash key
    (a join filter alone would compare every pair of rows)."""
    ctx.register_table("a", pa.table({"k": pa.array([1, 2, None], pa.int32()), "x": [1, 2, 3]}))
    ctx.register_table("b", pa.table({"k": pa.array([2, 1, 1], pa.int64()), "y": ["p", "q", "r"]}))
    df = ctx.sql(sql)
    joins = [line for line in df._raw.explain().splitlines() if "Join:" in line]
    assert joins and all("on=[" in line and "filter" not in line for line in joins), joins
    assert sorted(df.to_arrow_table().to_pylist(), key=str) == sorted(
        [{"x": 1, "y": "q"}, {"x": 1, "y": "r"}, {"x": 2, "y": "p"}], key=str)
