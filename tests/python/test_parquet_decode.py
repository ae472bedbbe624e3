"""ferry's own Parquet column decoding gives what pyarrow's reader gives.

Flat column chunks (INT32, INT64, FLOAT, DOUBLE, BYTE_ARRAY; PLAIN and
dictionary pages, v1 and v2, snappy/zstd/gzip/uncompressed) are decoded by
ferry; every other chunk falls back to Arrow's reader. Each file here is
written by pyarrow and read back by ferry and by pyarrow.parquet.read_table,
and the two must agree value for value, NULLs included.
"""

import datetime
import decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ferry
from ferry import col, lit

N = 3000


def nulls(values, pattern):
    if pattern == "none":
        return values
    if pattern == "all":
        return [None] * len(values)
    return [None if i % 7 == 3 or i % 13 == 0 else v for i, v in enumerate(values)]


def columns(n, pattern):
    """Every type ferry decodes itself, and some it leaves to Arrow."""
    base = datetime.datetime(2020, 1, 1)
    day = datetime.date(1995, 1, 1)
    Dec = decimal.Decimal

    def column(make, type_):
        return pa.array(nulls([make(i) for i in range(n)], pattern), type_)

    native = {
        "i32": column(lambda i: (i * 7919) % 1000 - 500, pa.int32()),
        "i64": column(lambda i: (i * 2654435761) % (1 << 40) - (1 << 39), pa.int64()),
        "u32": column(lambda i: (i * 40503) % (1 << 32), pa.uint32()),
        "u64": column(lambda i: (i * 11400714819323198485) % (1 << 64), pa.uint64()),
        "f32": column(lambda i: i / 8 - 100, pa.float32()),
        "f64": column(lambda i: (i % 97) * 1.25 - 3, pa.float64()),
        "date": column(lambda i: day + datetime.timedelta(days=i % 2000), pa.date32()),
        "ts_ms": column(lambda i: base + datetime.timedelta(seconds=i * 37), pa.timestamp("ms")),
        "ts_us_utc": column(lambda i: base + datetime.timedelta(microseconds=i * 1234567),
                            pa.timestamp("us", tz="UTC")),
        "dec9": column(lambda i: Dec(i % 5000 - 2500).scaleb(-2), pa.decimal128(9, 2)),
        "dec18": column(lambda i: Dec((i * 104729) % 10**15 - 5 * 10**14).scaleb(-3), pa.decimal128(18, 3)),
        "few": column(lambda i: ["A", "N", "R", ""][i % 4], pa.string()),
        "flag": column(lambda i: "ANRF"[(i * i) % 4], pa.string()),  # one byte each
        "text": column(lambda i: f"comment {i} {'x' * (i % 23)}", pa.string()),
        "bin": column(lambda i: bytes([i % 256, (i * 3) % 256]) * (i % 5), pa.binary()),
        # FIXED_LEN_BYTE_ARRAY either way: ferry decodes it, as it does dec9
        # and dec18 where a test writes them that way.
        "dec30": column(lambda i: Dec(i * 10**12 + 7).scaleb(-4), pa.decimal128(30, 4)),
        # Stored in milliseconds, read back as such.
        "ts_s": column(lambda i: base + datetime.timedelta(seconds=i), pa.timestamp("s")),
    }
    fallback = {
        "i8": column(lambda i: i % 100 - 50, pa.int8()),
        "bool": column(lambda i: i % 3 == 0, pa.bool_()),
        "big": column(lambda i: f"s{i % 50}", pa.large_string()),
        "list": column(lambda i: list(range(i % 4)), pa.list_(pa.int32())),
        "point": column(lambda i: {"x": i, "y": str(i)}, pa.struct([("x", pa.int64()), ("y", pa.string())])),
        "fixed": column(lambda i: bytes([i % 256]) * 3, pa.binary(3)),
    }
    return pa.table({**native, **fallback})


def read_both(path, ctx):
    got = ctx.read_parquet(str(path)).to_arrow_table()
    expected = pq.read_table(path)
    return got, expected


def assert_same(got, expected):
    assert got.column_names == expected.column_names
    assert got.num_rows == expected.num_rows
    for name in expected.column_names:
        g, e = got[name], expected[name]
        if pa.types.is_dictionary(e.type):
            e = e.cast(e.type.value_type)
        if pa.types.is_dictionary(g.type):
            g = g.cast(g.type.value_type)
        assert g.type == e.type, name
        assert g.equals(e), name


@pytest.mark.parametrize("pattern", ["none", "some", "all"])
@pytest.mark.parametrize("compression", ["snappy", "zstd", "gzip", "none"])
@pytest.mark.parametrize("page_version", ["1.0", "2.0"])
def test_types_nulls_codecs_and_page_versions(tmp_path, ctx1, pattern, compression, page_version):
    path = tmp_path / "t.parquet"
    pq.write_table(columns(N, pattern), path, compression=compression, data_page_version=page_version,
                   row_group_size=1100, data_page_size=2048, store_decimal_as_integer=True)
    assert_same(*read_both(path, ctx1))


@pytest.mark.parametrize("page_version", ["1.0", "2.0"])
def test_dictionary_falls_back_to_plain_mid_chunk(tmp_path, ctx1, page_version):
    path = tmp_path / "t.parquet"
    table = columns(N, "some")
    pq.write_table(table, path, dictionary_pagesize_limit=256, data_page_size=512,
                   data_page_version=page_version, store_decimal_as_integer=True)
    encodings = pq.ParquetFile(path).metadata.row_group(0).column(table.column_names.index("text")).encodings
    assert "PLAIN" in encodings and "RLE_DICTIONARY" in encodings
    assert_same(*read_both(path, ctx1))


def test_plain_only_and_other_encodings(tmp_path, ctx1):
    path = tmp_path / "t.parquet"
    table = columns(N, "some")
    pq.write_table(table, path, use_dictionary=False, store_decimal_as_integer=True)
    assert_same(*read_both(path, ctx1))
    # Decimals as FIXED_LEN_BYTE_ARRAY (pyarrow's default) too.
    pq.write_table(table, path)
    assert_same(*read_both(path, ctx1))
    # Encodings ferry does not decode fall back to Arrow for that column.
    path = tmp_path / "delta.parquet"
    pq.write_table(table.select(["i32", "i64", "f64", "text", "few"]), path, use_dictionary=False,
                   column_encoding={"i32": "DELTA_BINARY_PACKED", "i64": "PLAIN",
                                    "f64": "BYTE_STREAM_SPLIT", "text": "DELTA_LENGTH_BYTE_ARRAY",
                                    "few": "DELTA_BYTE_ARRAY"})
    assert_same(*read_both(path, ctx1))


def test_dictionary_typed_columns(tmp_path, ctx1):
    # pyarrow stores the dictionary type in the file's Arrow schema, so
    # Arrow's reader returns dictionary arrays.
    path = tmp_path / "t.parquet"
    table = pa.table({"d": pa.array(nulls([f"v{i % 9}" for i in range(N)], "some")).dictionary_encode(),
                      "n": pa.array(range(N), pa.int64())})
    pq.write_table(table, path, row_group_size=700)
    assert_same(*read_both(path, ctx1))


@pytest.mark.parametrize("page_version", ["1.0", "2.0"])
@pytest.mark.parametrize("use_dictionary", [True, False])
def test_fixed_len_byte_array_decimals(tmp_path, ctx1, page_version, use_dictionary):
    # pyarrow's default decimal layout: big-endian two's complement in the
    # fewest bytes the precision needs (precision 2: 1 byte ... 38: 16).
    path = tmp_path / "t.parquet"
    columns = {}
    wide = decimal.Context(prec=60)  # the default 28 digits would round 30- and 38-digit values
    for precision, scale in [(2, 1), (5, 0), (9, 2), (18, 4), (20, 3), (30, 10), (38, 6)]:
        limit = 10 ** precision - 1
        unscaled = [((i * 7919 * 10 ** (precision // 2)) % (2 * limit + 1)) - limit for i in range(N)]
        unscaled[:4] = [limit, -limit, 0, -1]
        values = [decimal.Decimal(v).scaleb(-scale, wide) for v in unscaled]
        columns[f"d{precision}"] = pa.array(nulls(values, "some"), pa.decimal128(precision, scale))
    table = pa.table(columns)
    pq.write_table(table, path, data_page_version=page_version, use_dictionary=use_dictionary,
                   data_page_size=1024, row_group_size=1200)
    assert pq.ParquetFile(path).metadata.row_group(0).column(2).physical_type == "FIXED_LEN_BYTE_ARRAY"
    assert_same(*read_both(path, ctx1))


def test_view_columns_come_as_utf8_and_binary(tmp_path, ctx1):
    # Files of DataFusion, Polars and tpchgen-cli store string_view in
    # their Arrow schema; ferry executes on utf8.
    path = tmp_path / "t.parquet"
    strings = nulls([f"value {i % 40}" * (i % 3) for i in range(N)], "some")
    binaries = nulls([bytes([i % 256]) * (i % 20) for i in range(N)], "some")
    table = pa.table({"s": pa.array(strings, pa.string_view()), "b": pa.array(binaries, pa.binary_view()),
                      "n": pa.array(range(N), pa.int64())})
    pq.write_table(table, path, row_group_size=1000)
    got, expected = read_both(path, ctx1)
    assert pq.read_schema(path).field("s").type == pa.string_view()
    expected = expected.cast(pa.schema([("s", pa.string()), ("b", pa.binary()), ("n", pa.int64())]))
    assert_same(got, expected)


@pytest.mark.parametrize("rows", [0, 1, 5])
def test_empty_and_tiny_files(tmp_path, ctx1, rows):
    path = tmp_path / "t.parquet"
    pq.write_table(columns(rows, "some"), path)
    assert_same(*read_both(path, ctx1))


def test_empty_row_groups(tmp_path, ctx1):
    path = tmp_path / "t.parquet"
    table = columns(50, "some")
    with pq.ParquetWriter(path, table.schema) as writer:
        writer.write_table(table.slice(0, 0))
        writer.write_table(table.slice(0, 20))
        writer.write_table(table.slice(0, 0))
        writer.write_table(table.slice(20))
    assert pq.ParquetFile(path).metadata.num_row_groups >= 2
    assert_same(*read_both(path, ctx1))


def test_batches_keep_the_reader_batch_size(tmp_path, ctx1):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"x": pa.array(range(200_000), pa.int64())}), path, row_group_size=150_000)
    batches = ctx1.read_parquet(str(path)).collect()
    assert max(b.num_rows for b in batches) <= 65536
    assert sum(b.num_rows for b in batches) == 200_000
    assert pa.Table.from_batches(batches)["x"].to_pylist() == list(range(200_000))


def test_projection_filters_and_partitions(tmp_path, ctx):
    path = tmp_path / "t.parquet"
    table = columns(N, "some")
    pq.write_table(table, path, row_group_size=500)
    df = ctx.read_parquet(str(path)).filter(col("few") == lit("N"))
    df = df.select(col("i64"), col("text"), col("point"))
    got = df.to_arrow_table().sort_by("i64")
    expected = pq.read_table(path, columns=["i64", "text", "point", "few"])
    expected = expected.filter(pa.compute.equal(expected["few"], "N"))
    expected = expected.select(["i64", "text", "point"]).sort_by("i64")
    assert_same(got, expected)


@pytest.mark.parametrize("compression", ["snappy", "none"])
def test_corrupt_pages_give_an_error_or_what_pyarrow_reads(tmp_path, ctx1, compression):
    path = tmp_path / "t.parquet"
    pq.write_table(columns(400, "some").select(["i64", "text", "dec18", "f64"]), path,
                   compression=compression, data_page_size=1024, store_decimal_as_integer=True)
    data = path.read_bytes()
    errors = 0
    for start in range(4, len(data) - 2000, 97):
        damaged = bytearray(data)
        for i in range(start, start + 24):
            damaged[i] = (damaged[i] * 31 + 7) % 256
        bad = tmp_path / f"bad{start}.parquet"
        bad.write_bytes(bytes(damaged))
        try:
            expected = pq.read_table(bad)
        except Exception:
            expected = None
        try:
            got = ctx1.read_parquet(str(bad)).to_arrow_table()
        except ferry.FerryError:
            errors += 1
            continue
        if expected is not None:
            assert_same(got, expected)
    assert errors > 0
