"""Parquet scans decide one-column string filters on the column's dictionary.

A filter over one dictionary-encoded string column (=, <>, IN, LIKE, IS
NULL, NOT, AND/OR of them) is evaluated once per distinct value inside the
scan; the results must equal pyarrow's row-by-row evaluation, NULLs included,
whether or not the file's pages are dictionary-encoded.
"""

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ferry import col, lit
from ferry import functions as f

MODES = ["AIR", "MAIL", "SHIP", "TRUCK", "RAIL", None, "AIR REG"]
N = 5000


@pytest.fixture
def table():
    return pa.table({
        "id": pa.array(range(N), pa.int64()),
        "mode": [MODES[(i * 7 + i // 3) % len(MODES)] for i in range(N)],
        "kind": [f"k{i % 5}" if i % 11 else None for i in range(N)],
        "comment": [f"free text {i} {i * 31 % 97}" for i in range(N)],
    })


def write(path, table, **options):
    pq.write_table(table, path, row_group_size=1000, **options)
    return str(path)


FILTERS = {
    "equal": (col("mode") == lit("MAIL"), lambda t: pc.equal(t["mode"], "MAIL")),
    "not_equal": (col("mode") != lit("MAIL"), lambda t: pc.not_equal(t["mode"], "MAIL")),
    "in": (col("mode").in_list([lit("AIR"), lit("AIR REG")]),
           lambda t: pc.is_in(t["mode"], pa.array(["AIR", "AIR REG"]))),
    # SQL: NULL NOT IN (...) is NULL, so NULL rows are dropped.
    "not_in": (col("mode").in_list([lit("AIR"), lit("RAIL")], negated=True),
               lambda t: pc.if_else(pc.is_null(t["mode"]), None,
                                    pc.invert(pc.is_in(t["mode"], pa.array(["AIR", "RAIL"]))))),
    "like": (col("mode").like("%AI%"), lambda t: pc.match_like(t["mode"], "%AI%")),
    "is_null": (col("mode").is_null(), lambda t: pc.is_null(t["mode"])),
    "or_null": ((col("mode") == lit("SHIP")) | col("mode").is_null(),
                lambda t: pc.or_kleene(pc.equal(t["mode"], "SHIP"), pc.is_null(t["mode"]))),
    "nothing": (col("mode") == lit("BOAT"), lambda t: pc.equal(t["mode"], "BOAT")),
}


def expected_ids(table, predicates):
    mask = None
    for predicate in predicates:
        m = predicate(table)
        mask = m if mask is None else pc.and_kleene(mask, m)
    return sorted(table.filter(mask)["id"].to_pylist())


@pytest.mark.parametrize("name", sorted(FILTERS))
@pytest.mark.parametrize("dictionary", [True, False])
def test_one_column_string_filters_match_pyarrow(ctx, tmp_path, table, name, dictionary):
    path = write(tmp_path / "t.parquet", table, use_dictionary=dictionary)
    expr, reference = FILTERS[name]
    df = ctx.read_parquet(path).filter(expr).select("id", "mode", "kind")
    got = df.sort("id").to_pydict()
    want_ids = expected_ids(table, [reference])
    assert got["id"] == want_ids
    by_id = {i: (m, k) for i, m, k in zip(*(table[c].to_pylist() for c in ("id", "mode", "kind")))}
    assert list(zip(got["mode"], got["kind"])) == [by_id[i] for i in want_ids]


def test_filters_on_two_dictionary_columns_and_other_columns(ctx, tmp_path, table):
    path = write(tmp_path / "t.parquet", table)
    df = ctx.read_parquet(path).filter(
        col("mode").in_list([lit("AIR"), lit("MAIL"), lit("SHIP")])
        & (col("kind") != lit("k3"))
        & (col("id") % lit(3) == lit(1))
        & col("comment").like("%7%"))
    got = sorted(df.select("id").to_pydict()["id"])
    want = expected_ids(table, [
        lambda t: pc.is_in(t["mode"], pa.array(["AIR", "MAIL", "SHIP"])),
        lambda t: pc.not_equal(t["kind"], "k3"),
        lambda t: pa.array([i % 3 == 1 for i in t["id"].to_pylist()]),
        lambda t: pc.match_like(t["comment"], "%7%"),
    ])
    assert got == want


def test_output_columns_stay_plain_strings(ctx, tmp_path, table):
    path = write(tmp_path / "t.parquet", table)
    out = ctx.read_parquet(path).filter(col("mode") == lit("RAIL")).to_arrow_table()
    assert out.schema.field("mode").type == pa.string()
    assert out.schema.field("kind").type == pa.string()
    assert set(out["mode"].to_pylist()) == {"RAIL"}


def test_empty_file_and_filter_rejecting_every_row(ctx, tmp_path, table):
    empty = write(tmp_path / "e.parquet", table.slice(0, 0))
    assert ctx.read_parquet(empty).filter(col("mode") == lit("AIR")).to_pydict()["id"] == []
    full = write(tmp_path / "t.parquet", table)
    assert ctx.read_parquet(full).filter(col("kind") == lit("k9")).count() == 0


def test_explain_shows_dictionary_filters_only_for_dictionary_pages(ctx, tmp_path, table, capsys):
    dictionary = write(tmp_path / "d.parquet", table)
    ctx.read_parquet(dictionary).filter(col("mode") == lit("AIR")).explain()
    assert "dictionary_filters=[equal(mode@0" in capsys.readouterr().out
    plain = write(tmp_path / "p.parquet", table, use_dictionary=False)
    ctx.read_parquet(plain).filter(col("mode") == lit("AIR")).explain()
    assert "dictionary_filters" not in capsys.readouterr().out


@pytest.mark.parametrize("partitions", [1, 2, 7])
def test_partitions_agree(tmp_path, table, partitions):
    import ferry

    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(partitions))
    path = write(tmp_path / "t.parquet", table)
    got = ctx.read_parquet(path).filter(col("kind").in_list([lit("k1"), lit("k2")])).count()
    assert got == len(expected_ids(table, [lambda t: pc.is_in(t["kind"], pa.array(["k1", "k2"]))]))


def test_unfiltered_columns_of_few_values_read_back_exactly(ctx, tmp_path, table):
    # mode and kind have a handful of values: read as dictionaries and
    # decoded by index; comment is unique per row and read as strings.
    path = write(tmp_path / "t.parquet", table)
    out = ctx.read_parquet(path).sort("id").to_arrow_table()
    assert out.equals(table)
    counts = (ctx.read_parquet(path).aggregate([col("kind")], [f.count().alias("n")])
              .sort("kind").to_pydict())
    want = table.group_by("kind").aggregate([("id", "count")]).to_pydict()
    assert dict(zip(counts["kind"], counts["n"])) == dict(zip(want["kind"], want["id_count"]))


@pytest.mark.parametrize("row_group_size", [1, 7, 13, 1003])
def test_row_groups_not_a_multiple_of_eight_rows(ctx, tmp_path, table, row_group_size):
    # The dictionary filter works eight rows to a byte; the rows past the
    # last whole byte (and NULL rows among them) are decided one by one.
    small = table.slice(0, 200) if row_group_size < 13 else table
    path = str(tmp_path / "t.parquet")
    pq.write_table(small, path, row_group_size=row_group_size)
    expr, reference = FILTERS["or_null"]
    got = sorted(ctx.read_parquet(path).filter(expr).select("id").to_pydict()["id"])
    assert got == expected_ids(small, [reference])
