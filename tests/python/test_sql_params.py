"""Query parameters: ``ctx.sql(query, param_values=..., **named_params)`` as
in datafusion-python, checked against DuckDB running the same text with
the same parameters (DuckDB takes ``$1`` from a list and ``$name`` from a
dict), NULLs and empty tables included."""

from __future__ import annotations

import datetime
import pickle
from decimal import Decimal

import pyarrow as pa
import pytest

import ferry
from ferry import SQLOptions, col

duckdb = pytest.importorskip("duckdb")

T = pa.table({
    "id": pa.array([1, 2, 3, 4, 5], pa.int64()),
    "i": pa.array([10, 20, None, 40, 20], pa.int32()),
    "k": pa.array(["a", "b", None, "a", "c"]),
    "d": pa.array([datetime.date(2024, 1, 1), datetime.date(2024, 2, 1), None,
                   datetime.date(2024, 3, 1), datetime.date(2024, 1, 15)]),
    "p": pa.array([Decimal("1.50"), Decimal("2.25"), None, Decimal("0.10"), Decimal("9.99")],
                  pa.decimal128(6, 2)),
})
EMPTY = pa.table({"id": pa.array([], pa.int64()), "i": pa.array([], pa.int32())})


@pytest.fixture()
def ctx() -> ferry.SessionContext:
    ctx = ferry.SessionContext()
    ctx.from_arrow(T, name="t")
    ctx.from_arrow(EMPTY, name="empty")
    return ctx


@pytest.fixture(scope="module")
def duck():
    con = duckdb.connect()
    con.register("t", T)
    con.register("empty", EMPTY)
    return con


def rows(table: pa.Table) -> list[tuple]:
    return sorted((tuple(r.values()) for r in table.to_pylist()), key=repr)


def duck_rows(result) -> list[tuple]:
    return sorted(result.fetchall(), key=repr)


CASES = [
    ("SELECT id FROM t WHERE i = $1", [20]),
    ("SELECT id FROM t WHERE i > $1 AND k = $2", [15, "a"]),
    ("SELECT id FROM t WHERE k IN ($1, $2)", ["a", "c"]),
    ("SELECT id FROM t WHERE i BETWEEN $1 AND $2", [15, 40]),
    ("SELECT id FROM t WHERE d >= $1", [datetime.date(2024, 1, 15)]),
    ("SELECT id FROM t WHERE p < $1", [Decimal("2.00")]),
    ("SELECT id, i + $1 AS j FROM t", [5]),
    ("SELECT id FROM t WHERE i = $1", [None]),
    ("SELECT id, coalesce(k, $1) AS k FROM t", ["none"]),
    ("SELECT k, sum(i) AS s FROM t GROUP BY k HAVING sum(i) > $1", [25]),
    ("SELECT id FROM t ORDER BY id LIMIT $1", [2]),
    ("SELECT id FROM t WHERE id IN (SELECT id FROM t WHERE i = $1) OR id = $2", [20, 4]),
    ("SELECT $1 AS a, $2 AS b, $1 * 2 AS c", [7, "x"]),
    ("SELECT count(*) AS n, sum(i) AS s FROM empty WHERE i > $1", [0]),
    ("SELECT id FROM empty WHERE i = $1", [1]),
]


@pytest.mark.parametrize("query,params", CASES)
def test_positional_parameters_match_duckdb(ctx, duck, query, params) -> None:
    want = duck_rows(duck.execute(query, params))
    assert rows(ctx.sql(query, param_values=params).to_arrow_table()) == want
    # datafusion-python's spelling: a dict keyed by the placeholder's number
    as_dict = {str(n): v for n, v in enumerate(params, start=1)}
    assert rows(ctx.sql(query, param_values=as_dict).to_arrow_table()) == want


def test_named_parameters_match_duckdb(ctx, duck) -> None:
    query = "SELECT id, k FROM t WHERE i >= $low AND (k = $key OR $low > 100) AND i <> $low + 1"
    params = {"low": 20, "key": "a"}
    want = duck_rows(duck.execute(query, params))
    assert want  # the case selects something
    assert rows(ctx.sql(query, param_values=params).to_arrow_table()) == want


def test_placeholders_take_the_type_they_are_compared_with(ctx) -> None:
    # a string compared with an Int32 / date column is read as one (as a
    # placeholder's type is inferred from its context in DataFusion)
    assert ctx.sql("SELECT id FROM t WHERE i = $1 ORDER BY id",
                   param_values=["20"]).to_pydict() == {"id": [2, 5]}
    assert ctx.sql("SELECT id FROM t WHERE d < $1 ORDER BY id",
                   param_values=["2024-01-20"]).to_pydict() == {"id": [1, 5]}
    # a value that does not convert exactly keeps its type: 20.5 is no Int32
    assert ctx.sql("SELECT id FROM t WHERE i < $1 ORDER BY id",
                   param_values=[20.5]).to_pydict() == {"id": [1, 2, 5]}
    # in a select list the value's own type: Python int is Int64
    out = ctx.sql("SELECT $1 AS a, $2 AS b, $3 AS c", param_values=[1, 2.5, None]).to_arrow_table()
    assert out.schema.types == [pa.int64(), pa.float64(), pa.null()]
    # pyarrow scalars keep their type
    out = ctx.sql("SELECT $1 AS a", param_values=[pa.scalar(3, pa.int8())]).to_arrow_table()
    assert out.schema.types == [pa.int8()] and out.column(0).to_pylist() == [3]


def test_named_params_splice_text_and_dataframes(ctx, duck) -> None:
    df = ctx.table("t").filter(col("i") > 10)
    got = ctx.sql("SELECT k, count(*) AS n FROM $df WHERE id < $top GROUP BY k", df=df, top=5)
    want = duck_rows(duck.execute("SELECT k, count(*) AS n FROM t WHERE i > 10 AND id < 5 GROUP BY k"))
    assert rows(got.to_arrow_table()) == want
    # the DataFrame does not become a table of the session
    assert not any(name.startswith("$") for name in ctx._raw.table_names())
    # both forms at once: text first, then values
    got = ctx.sql("SELECT id FROM $tab WHERE i = $v ORDER BY id", tab="t", param_values={"v": 20})
    assert got.to_pydict() == {"id": [2, 5]}


def test_dollar_signs_that_are_not_placeholders_are_left_alone(ctx) -> None:
    out = ctx.sql("SELECT '$1' AS a, $$ $x $$ AS b, id AS \"$c\" FROM t WHERE id = $1 -- $2",
                  param_values=[1])
    assert out.to_pydict() == {"a": ["$1"], "b": [" $x "], "$c": [1]}


def test_parameterized_plans_pickle_and_views_keep_values(ctx) -> None:
    df = ctx.sql("SELECT id FROM t WHERE k = $1 ORDER BY id", param_values=["a"])
    assert pickle.loads(pickle.dumps(df)).to_pydict() == {"id": [1, 4]}
    ctx.sql("CREATE VIEW big AS SELECT id FROM t WHERE i > $min", param_values={"min": 15})
    assert ctx.sql("SELECT count(*) AS n FROM big").to_pydict() == {"n": [3]}


@pytest.mark.parametrize("query,kwargs,message", [
    ("SELECT id FROM t WHERE i = $1", {},
     "no value for placeholder $1 at line 1, column 28; pass it in param_values"),
    ("SELECT id FROM t\nWHERE i = $1 AND k = $2", {"param_values": [1]},
     "no value for placeholder $2 at line 2, column 22; param_values has no '2'"),
    ("SELECT id FROM t WHERE i = $low", {"param_values": {"lo": 1}},
     "no value for placeholder $low at line 1, column 28"),
    ("SELECT id FROM t WHERE i = $1", {"param_values": [1, 2]},
     "parameter '2' has no placeholder $2 in the query (it has $1)"),
    ("SELECT id FROM t", {"param_values": {"x": 1}},
     "parameter 'x' has no placeholder $x in the query (it has none)"),
    ("SELECT id FROM t WHERE i = $1", {"param_values": [1], "extra": "t"},
     "named parameter 'extra' has no placeholder $extra in the query"),
])
def test_missing_and_extra_parameters_are_named(ctx, query, kwargs, message) -> None:
    with pytest.raises(ferry.errors.FerryValueError) as error:
        ctx.sql(query, **kwargs)
    assert message in str(error.value)


def test_parameter_values_must_be_values(ctx) -> None:
    with pytest.raises(TypeError, match=r"placeholder \$1 must be a literal, not i"):
        ctx.sql("SELECT id FROM t WHERE i = $1", param_values=[col("i")])
    with pytest.raises(TypeError, match=r"param_values\['v'\]: cannot make a literal"):
        ctx.sql("SELECT id FROM t WHERE i = $v", param_values={"v": object()})
    with pytest.raises(TypeError, match="param_values must be a dict or a list"):
        ctx.sql("SELECT id FROM t WHERE i = $1", param_values=5)


def test_sql_with_options_passes_parameters(ctx) -> None:
    out = ctx.sql_with_options("SELECT id FROM t WHERE i = $1 ORDER BY id", SQLOptions(),
                               param_values=[20])
    assert out.to_pydict() == {"id": [2, 5]}
