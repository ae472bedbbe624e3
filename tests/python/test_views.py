"""string_view / binary_view columns (Parquet from DataFusion, Polars,
tpchgen-cli; Arrow tables from polars) through filter, IN, LIKE, substr,
sort, join and group-by.

Arrow 26 has no view kernels for most of these, so ferry reads views as
utf8/binary; each query is checked against pyarrow over the plain-utf8 data.
"""

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ferry import col, lit, functions as f

NAMES = ["apple", "banana", None, "a string longer than twelve bytes", "apple", "", "cherry",
         "banana", "apricot jam, the long one", None]


@pytest.fixture
def plain() -> pa.Table:
    return pa.table({
        "id": pa.array(range(len(NAMES)), pa.int64()),
        "name": pa.array(NAMES, pa.utf8()),
        "blob": pa.array([None if n is None else n.encode()[::-1] for n in NAMES], pa.binary()),
    })


@pytest.fixture
def view_file(tmp_path, plain):
    table = plain.cast(pa.schema([("id", pa.int64()), ("name", pa.string_view()),
                                  ("blob", pa.binary_view())]))
    path = tmp_path / "views.parquet"
    pq.write_table(table, path, row_group_size=4)
    assert pq.read_schema(path).field("name").type == pa.string_view()
    return path


def test_schema_is_utf8_and_values_round_trip(ctx, view_file, plain):
    df = ctx.read_parquet(view_file)
    assert df.schema().field("name").type == pa.utf8()
    assert df.schema().field("blob").type == pa.binary()
    assert df.sort(col("id")).to_arrow_table() == plain


def test_filter_compare_in_like(ctx, view_file, plain):
    df = ctx.read_parquet(view_file)
    names = plain.column("name")

    def ids(predicate):
        return sorted(df.filter(predicate).to_pydict()["id"])

    def ref(mask):
        return sorted(plain.filter(mask).column("id").to_pylist())

    assert ids(col("name") == lit("apple")) == ref(pc.equal(names, "apple"))
    assert ids(col("name") > lit("b")) == ref(pc.greater(names, "b"))
    assert ids(col("name").in_list([lit("banana"), lit("")])) == ref(
        pc.is_in(names, pa.array(["banana", ""])))
    assert ids(col("name").like("ap%")) == ref(pc.match_like(names, "ap%"))
    assert ids(col("blob") == lit(b"elppa")) == ref(
        pc.equal(plain.column("blob"), pa.scalar(b"elppa")))


def test_substr_and_string_functions(ctx, view_file, plain):
    got = ctx.read_parquet(view_file).sort(col("id")).select(
        f.substr(col("name"), 2, 3).alias("s"), f.upper(col("name")).alias("u"),
        f.length(col("name")).alias("n"))
    names = plain.column("name")
    assert got.to_pydict() == {
        "s": pc.utf8_slice_codeunits(names, 1, 4).to_pylist(),
        "u": pc.utf8_upper(names).to_pylist(),
        "n": pc.utf8_length(names).to_pylist(),
    }


def test_sort_group_and_join(ctx, view_file, plain, tmp_path):
    df = ctx.read_parquet(view_file)
    ordered = df.sort(col("name").sort(ascending=False, nulls_first=False), col("id")).to_pydict()
    indices = pc.sort_indices(
        plain, [("name", "descending", "at_end"), ("id", "ascending", "at_end")])
    assert ordered["id"] == plain.take(indices).column("id").to_pylist()

    groups = df.aggregate([col("name")], [f.count(col("id")).alias("c")]).to_pydict()
    expected = plain.group_by("name").aggregate([("id", "count")])
    assert dict(zip(groups["name"], groups["c"])) == dict(
        zip(expected.column("name").to_pylist(), expected.column("id_count").to_pylist()))

    # Both join sides from view files.
    other = pa.table({"key": pa.array(["apple", "banana", "kiwi", None], pa.string_view()),
                      "w": [1, 2, 3, 4]})
    pq.write_table(other, tmp_path / "other.parquet")
    joined = df.join(ctx.read_parquet(tmp_path / "other.parquet"), left_on="name", right_on="key")
    got = sorted(zip(*[joined.to_pydict()[c] for c in ("id", "w")]))
    ref = plain.join(other.cast(pa.schema([("key", pa.utf8()), ("w", pa.int64())])), "name", "key",
                     join_type="inner")
    assert got == sorted(zip(ref.column("id").to_pylist(), ref.column("w").to_pylist()))


def test_view_literals_meet_utf8_columns(ctx, view_file):
    df = ctx.read_parquet(view_file)
    apple = lit(pa.scalar("apple", pa.string_view()))
    assert sorted(df.filter(col("name") == apple).to_pydict()["id"]) == [0, 4]
    blob = lit(pa.scalar(b"ananab", pa.binary_view()))
    assert sorted(df.filter(col("blob") == blob).to_pydict()["id"]) == [1, 7]
    assert df.limit(1).select(apple.alias("l")).schema().field("l").type == pa.utf8()


def test_in_memory_views_and_nested(ctx, plain):
    tags = pa.array([[n] if n else [] for n in NAMES], pa.list_(pa.string_view()))
    views = pa.table({"name": plain.column("name").cast(pa.string_view()), "tags": tags})
    df = ctx.from_arrow(views)
    assert df.schema().field("tags").type == pa.list_(pa.utf8())
    assert df.filter(col("name").like("%an%")).count() == 3  # banana twice, "than"


def test_polars_written_parquet(ctx, plain, tmp_path):
    pl = pytest.importorskip("polars")
    path = tmp_path / "polars.parquet"
    pl.from_arrow(plain.select(["id", "name"])).write_parquet(path)
    df = ctx.read_parquet(path)
    got = sorted(df.filter(col("name").like("%an%")).to_pydict()["id"])
    assert got == [1, 3, 7]


def test_csv_strings(ctx, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("id,name\n1,apple\n2,banana\n3,cherry\n")
    df = ctx.read_csv(path)
    assert df.filter(col("name").like("%an%")).to_pydict()["id"] == [2]
    ordered = df.sort(col("name").sort(ascending=False)).to_pydict()["name"]
    assert ordered == ["cherry", "banana", "apple"]
