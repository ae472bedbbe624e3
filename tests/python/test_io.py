"""Reading files and in-memory data: Parquet, CSV, pandas, pylist, Arrow, polars."""

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

import ferry
from ferry import col, lit, functions as f

N = 100


@pytest.fixture
def table():
    return pa.table({
        "id": pa.array(range(N), pa.int64()),
        "name": [f"n{i}" if i % 7 else None for i in range(N)],
        "x": [i * 0.5 for i in range(N)],
    })


@pytest.fixture
def parquet_path(tmp_path, table):
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=16)
    assert pq.ParquetFile(path).num_row_groups == 7
    return path


@pytest.fixture
def csv_table():
    # no NULL strings: CSV has no way to tell NULL from ""
    return pa.table({"id": pa.array(range(N), pa.int64()), "name": [f"n{i}" for i in range(N)],
                     "x": [i * 0.5 for i in range(N)]})


@pytest.fixture
def csv_path(tmp_path, csv_table):
    path = tmp_path / "t.csv"
    pcsv.write_csv(csv_table, path)
    return path


def explain_text(df, capsys):
    df.explain()
    return capsys.readouterr().out


# ---- Parquet -----------------------------------------------------------------

def test_register_parquet_round_trip(ctx, parquet_path, table):
    ctx.register_parquet("t", parquet_path)
    assert ctx.table_exist("t") and "t" in ctx.tables()
    assert ctx.table("t").count() == N
    assert ctx.table("t").sort("id").to_arrow_table().equals(table)


def test_read_parquet_queries(ctx, parquet_path, table):
    df = ctx.read_parquet(str(parquet_path))
    assert df.schema() == table.schema
    assert df.aggregate([], [f.sum(col("x")).alias("s")]).to_pydict() == {"s": [sum(i * 0.5 for i in range(N))]}
    got = df.filter(col("name").is_null()).sort("id").to_pydict()["id"]
    assert got == [i for i in range(N) if i % 7 == 0]


def test_parquet_projection_pushdown(ctx, parquet_path, capsys):
    ctx.register_parquet("t", parquet_path)
    text = explain_text(ctx.table("t").select("x").filter(col("x") > 10), capsys)
    assert "projection=[x]" in text
    assert "ParquetScanExec" in text
    text = explain_text(ctx.table("t").select("name", "id"), capsys)
    assert "projection=[name, id]" in text or "projection=[id, name]" in text


def test_parquet_scan_reads_selected_columns_correctly(ctx, parquet_path, table):
    out = ctx.read_parquet(parquet_path).select("x").filter(col("x") >= 45).to_pydict()["x"]
    assert sorted(out) == [v for v in table["x"].to_pylist() if v >= 45]


def test_empty_parquet(ctx, tmp_path, table):
    path = tmp_path / "e.parquet"
    pq.write_table(table.slice(0, 0), path)
    df = ctx.read_parquet(path)
    assert df.to_pydict() == {"id": [], "name": [], "x": []}
    assert df.aggregate([], [f.count().alias("n")]).to_pydict() == {"n": [0]}


@pytest.mark.parametrize("method", ["read_parquet", "register_parquet", "read_csv", "register_csv"])
def test_missing_file_is_os_error_with_path(ctx, tmp_path, method):
    path = tmp_path / "does_not_exist.file"
    call = getattr(ctx, method)
    with pytest.raises(OSError) as info:
        call(path) if method.startswith("read") else call("m", path)
    assert isinstance(info.value, ferry.FerryError)
    assert str(path) in str(info.value)
    assert not ctx.table_exist("m")


def test_corrupt_parquet_and_directory(ctx, tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(OSError, match="bad.parquet"):
        ctx.read_parquet(bad)
    with pytest.raises(OSError, match="directory"):
        ctx.read_parquet(tmp_path)


# ---- CSV ---------------------------------------------------------------------

def test_read_csv_infers_types(ctx, csv_path, csv_table):
    df = ctx.read_csv(csv_path)
    assert df.schema() == csv_table.schema
    assert df.sort("id").to_arrow_table().equals(csv_table)


def test_register_csv_and_projection(ctx, csv_path, capsys):
    ctx.register_csv("c", str(csv_path))
    assert ctx.table("c").count() == N
    text = explain_text(ctx.table("c").select("name"), capsys)
    assert "projection=[name]" in text
    assert "CsvScanExec" in text
    assert ctx.table("c").filter(col("id") < 3).sort("id").select("name").to_pydict() == {"name": ["n0", "n1", "n2"]}


def test_csv_empty_fields_in_numeric_columns_are_null(ctx, tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("a,b\n1,2.5\n,\n3,\n")
    assert ctx.read_csv(path).to_pydict() == {"a": [1, None, 3], "b": [2.5, None, None]}


def test_csv_delimiter_and_header_options(ctx, tmp_path):
    semi = tmp_path / "semi.csv"
    semi.write_text("a;b\n1;x\n2;y\n")
    assert ctx.read_csv(semi, delimiter=";").to_pydict() == {"a": [1, 2], "b": ["x", "y"]}
    nohdr = tmp_path / "nohdr.csv"
    nohdr.write_text("1,x\n2,y\n")
    df = ctx.read_csv(nohdr, has_header=False)
    assert df.count() == 2
    assert list(df.to_pydict().values()) == [[1, 2], ["x", "y"]]
    with pytest.raises(ValueError, match="one character"):
        ctx.read_csv(nohdr, delimiter=";;")


def test_csv_with_header_only(ctx, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("a,b\n")
    assert ctx.read_csv(path).to_pydict() == {"a": [], "b": []}


def test_csv_spanning_many_blocks(ctx, tmp_path):
    n = 200_000
    t = pa.table({"i": pa.array(range(n), pa.int64())})
    path = tmp_path / "big.csv"
    pcsv.write_csv(t, path)
    out = ctx.read_csv(path).aggregate([], [f.sum(col("i")).alias("s"), f.count().alias("n")]).to_pydict()
    assert out == {"s": [n * (n - 1) // 2], "n": [n]}


# ---- in-memory sources ------------------------------------------------------

def test_from_pandas(ctx):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", None, "z"]}, index=[7, 8, 9])
    df = ctx.from_pandas(frame)
    assert df.schema().names == ["a", "b"]  # the index is not a column
    assert df.to_pydict() == {"a": [1, 2, 3], "b": ["x", None, "z"]}
    assert df.filter(col("a") > 1).to_pandas()["a"].tolist() == [2, 3]


def test_from_pylist(ctx):
    df = ctx.from_pylist([{"a": 1, "b": "x"}, {"a": None, "b": "y"}])
    assert df.to_pydict() == {"a": [1, None], "b": ["x", "y"]}
    assert df.to_pylist() == [{"a": 1, "b": "x"}, {"a": None, "b": "y"}]


def test_from_arrow_sources(ctx):
    assert ctx.from_arrow(pa.record_batch({"a": [1, 2]})).to_pydict() == {"a": [1, 2]}
    reader = pa.RecordBatchReader.from_batches(pa.schema([("a", pa.int64())]), [pa.record_batch({"a": [1, 2]})])
    assert ctx.from_arrow(reader).to_pydict() == {"a": [1, 2]}
    chunked = pa.Table.from_batches([pa.record_batch({"a": [1]}), pa.record_batch({"a": [2, 3]})])
    assert ctx.from_arrow(chunked).to_pydict() == {"a": [1, 2, 3]}
    with pytest.raises(TypeError, match="got list"):
        ctx.from_arrow([1, 2])


def test_dataframes_over_a_one_shot_reader_can_run_twice(ctx):
    reader = pa.RecordBatchReader.from_batches(pa.schema([("a", pa.int64())]), [pa.record_batch({"a": [1, 2]})])
    df = ctx.from_arrow(reader)
    assert df.count() == 2
    assert df.to_pydict() == {"a": [1, 2]}


def test_from_arrow_with_name_registers(ctx):
    df = ctx.from_arrow(pa.table({"q": [1]}), name="qq")
    assert df.to_pydict() == ctx.table("qq").to_pydict() == {"q": [1]}
    ctx.from_pydict({"w": [2]}, name="ww")
    ctx.register_table("rt", pa.table({"r": [3]}))
    assert {"qq", "ww", "rt"} <= ctx.tables()
    ctx.deregister_table("qq")
    assert not ctx.table_exist("qq")
    with pytest.raises(KeyError, match="no table named 'qq'"):
        ctx.deregister_table("qq")
    with pytest.raises(KeyError, match="no table named 'nope'"):
        ctx.table("nope")


def test_unicode_and_nulls_survive(ctx):
    data = {"s": ["日本", None, "", "ä"], "l": [[1, 2], None, [], [None]]}
    assert ctx.from_pydict(data).to_pydict() == data


def test_polars_input_and_output(ctx):
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"a": [1, None, 3], "s": ["x", "y", None]})
    assert ctx.from_polars(frame).to_pydict() == {"a": [1, None, 3], "s": ["x", "y", None]}
    assert ctx.from_arrow(frame.select("a")).filter(col("a") > 1).to_pydict() == {"a": [3]}
    out = ctx.from_pydict({"a": [1, None]}).to_polars()
    assert out.to_dict(as_series=False) == {"a": [1, None]}


@pytest.mark.parametrize("op", ["filter", "sort"])
def test_string_view_columns_can_be_filtered_and_sorted(ctx, op):
    t = pa.table({"a": [3, 1, 2], "s": pa.array(["x", "y", None], pa.string_view())})
    df = ctx.from_arrow(t)
    if op == "filter":
        assert df.filter(col("a") > 1).to_pydict() == {"a": [3, 2], "s": ["x", None]}
    else:
        assert df.sort("a").to_pydict() == {"a": [1, 2, 3], "s": ["y", None, "x"]}


def test_polars_strings_can_be_filtered(ctx):
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"a": [1, None, 3], "s": ["x", "y", None]})
    assert ctx.from_polars(frame).filter(col("a") > 1).to_pydict() == {"a": [3], "s": [None]}


def test_table_scan_after_filter_on_literal(ctx, parquet_path):
    df = ctx.read_parquet(parquet_path).filter(lit(False))
    assert df.count() == 0
