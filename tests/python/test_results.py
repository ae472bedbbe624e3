"""Getting results out: collect, conversions, Arrow streams, display, explain."""

import pyarrow as pa
import pytest

from ferry import col, lit, functions as f

DATA = {"a": [3, 1, None, 2, 1], "b": ["x", "y", "z", None, "<y>"], "c": [1.0, 2.0, 3.0, 4.0, 5.0]}
SCHEMA = pa.schema([("a", pa.int64()), ("b", pa.string()), ("c", pa.float64())])


@pytest.fixture
def df(ctx):
    return ctx.from_pydict(DATA)


def test_collect_returns_record_batches(df):
    batches = df.collect()
    assert isinstance(batches, list) and batches
    assert all(isinstance(b, pa.RecordBatch) for b in batches)
    assert all(b.schema == SCHEMA for b in batches)
    assert pa.Table.from_batches(batches).to_pydict() == DATA


def test_collect_partitioned(df):
    parts = df.collect_partitioned()
    assert isinstance(parts, list) and all(isinstance(p, list) for p in parts)
    batches = [b for p in parts for b in p]
    assert all(isinstance(b, pa.RecordBatch) for b in batches)
    assert sum(b.num_rows for b in batches) == 5
    assert sorted(pa.Table.from_batches(batches, schema=SCHEMA)["c"].to_pylist()) == DATA["c"]


def test_conversions(df):
    assert df.to_pydict() == DATA
    assert df.to_pylist() == [dict(zip(DATA, row)) for row in zip(*DATA.values())]
    table = df.to_arrow_table()
    assert isinstance(table, pa.Table) and table.schema == SCHEMA
    assert table.equals(pa.table(DATA, schema=SCHEMA))


def test_to_pandas(df):
    pd = pytest.importorskip("pandas")
    out = df.to_pandas()
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["a", "b", "c"]
    assert out["c"].tolist() == DATA["c"]
    assert out["a"].isna().tolist() == [False, False, True, False, False]


def test_to_polars(df):
    pl = pytest.importorskip("polars")
    out = df.to_polars()
    assert isinstance(out, pl.DataFrame)
    assert out.to_dict(as_series=False) == DATA


def test_arrow_c_stream_protocol(df):
    assert pa.table(df).to_pydict() == DATA
    reader = pa.RecordBatchReader.from_stream(df)
    assert reader.schema == SCHEMA
    assert reader.read_all().num_rows == 5


def test_polars_from_arrow_via_stream(df):
    pl = pytest.importorskip("polars")
    assert pl.from_arrow(pa.table(df)).height == 5


def test_count_and_schema(df):
    assert df.count() == 5
    assert df.filter(col("a") > 1).count() == 2
    assert df.schema() == SCHEMA
    assert df.select((col("a") / 2.0).alias("h")).schema() == pa.schema([("h", pa.float64())])


def test_empty_results_keep_their_schema(df):
    empty = df.filter(lit(False))
    assert empty.count() == 0
    assert empty.to_pydict() == {"a": [], "b": [], "c": []}
    assert empty.to_pylist() == []
    assert empty.to_arrow_table().schema == SCHEMA
    assert pa.table(empty).schema == SCHEMA
    assert sum(b.num_rows for b in empty.collect()) == 0


def test_empty_source_table(ctx):
    df = ctx.from_arrow(pa.table({"a": pa.array([], pa.int64())}))
    assert df.count() == 0
    assert df.to_pydict() == {"a": []}
    assert df.sort("a").limit(3).to_pydict() == {"a": []}
    assert df.select((col("a") + 1).alias("b")).to_arrow_table().schema == pa.schema([("b", pa.int64())])


def test_show_prints_a_table_with_nulls(df, capsys):
    df.show()
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert lines[0].startswith("+") and lines[-1].startswith("+")
    assert "| a    | b    | c   |" in lines[1]
    assert len(lines) == 3 + 5 + 1
    assert "NULL" in out


def test_show_limits_rows(ctx, capsys):
    ctx.from_pydict({"v": list(range(50))}).show(3)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 + 3 + 1


def test_repr_shows_data(df):
    text = repr(df)
    assert text.startswith("DataFrame()")
    assert "| a " in text and "x" in text


def test_repr_html_escapes(df):
    html = df._repr_html_()
    assert html.startswith("<table")
    assert "<th>a</th><th>b</th><th>c</th>" in html
    assert "&lt;y&gt;" in html and "<y>" not in html
    assert html.count("<tr>") == 1 + 5


def test_explain_shows_plans_and_projection(ctx, capsys):
    ctx.from_pydict(DATA, name="t")
    ctx.table("t").filter(col("a") > 1).select("a").explain()
    out = capsys.readouterr().out
    for section in ("logical_plan", "optimized_logical_plan", "physical_plan"):
        assert section in out
    assert "Filter: a > Int64(1)" in out
    assert "TableScan: t projection=[a]" in out


def test_logical_plan_text(df):
    plan = df.filter(col("a") > 1).select("a").logical_plan().display_indent()
    lines = [line.strip() for line in plan.strip().splitlines()]
    assert lines[0] == "Projection: a"
    assert lines[1] == "Filter: a > Int64(1)"
    assert lines[2].startswith("TableScan:")


def test_results_are_stable_under_partitioning(ctx, ctx1):
    t = pa.table({"k": [i % 7 for i in range(100)], "v": list(range(100))})
    q = lambda c: (  # noqa: E731
        c.from_arrow(t).filter(col("v") > 10).aggregate([col("k")], [f.sum(col("v")).alias("s")]).sort("k")
    )
    assert q(ctx).to_pydict() == q(ctx1).to_pydict()
