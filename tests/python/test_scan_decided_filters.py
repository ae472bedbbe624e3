"""A filter right above a Parquet scan skips what the scan decided exactly.

The scan decides one-column filters over dictionary-encoded strings per
dictionary entry and keeps only the rows they pass, so the filter above
evaluates only the other conjuncts (or goes). The rows must still equal
pyarrow's row-by-row evaluation, NULLs included, at every partition count
and whether or not the file's pages are dictionary-encoded.
"""

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import ferry
from ferry import col, lit

MODES = ["AIR", "MAIL", "SHIP", None, "RAIL"]
N = 4000


@pytest.fixture
def path(tmp_path):
    table = pa.table({
        "id": pa.array(range(N), pa.int64()),
        "mode": [MODES[(i * 3 + i // 7) % len(MODES)] for i in range(N)],
        "qty": pa.array([None if i % 13 == 0 else i % 50 for i in range(N)], pa.int64()),
    })
    out = tmp_path / "t.parquet"
    pq.write_table(table, out, row_group_size=700)
    plain = tmp_path / "plain.parquet"
    pq.write_table(table, plain, row_group_size=700, use_dictionary=False)
    return table, str(out), str(plain)


def physical_plan(df, capsys):
    capsys.readouterr()
    df.explain()
    return capsys.readouterr().out.split("physical_plan", 1)[1]


def want(table, mask):
    return sorted(table.filter(mask)["id"].to_pylist())


def test_only_the_undecided_conjuncts_stay_above_the_scan(ctx, path, capsys):
    _, dictionary, _ = path
    df = ctx.read_parquet(dictionary).filter(
        col("mode").in_list([lit("AIR"), lit("SHIP")]) & (col("qty") < lit(20)))
    plan = physical_plan(df, capsys)
    assert "dictionary_filters=[is_in(mode" in plan
    filters = [line for line in plan.splitlines() if "FilterExec" in line]
    assert len(filters) == 1 and "qty" in filters[0] and "is_in" not in filters[0]


def test_a_filter_the_scan_decides_whole_goes(ctx, path, capsys):
    _, dictionary, plain = path
    decided = ctx.read_parquet(dictionary).filter(col("mode") == lit("MAIL")).select("id")
    assert "FilterExec" not in physical_plan(decided, capsys)
    # Without dictionary pages the scan decides nothing: the filter stays.
    kept = ctx.read_parquet(plain).filter(col("mode") == lit("MAIL")).select("id")
    assert "FilterExec" in physical_plan(kept, capsys)


CASES = {
    "in_and_other": (col("mode").in_list([lit("AIR"), lit("SHIP")]) & (col("qty") < lit(20)),
                     lambda t: pc.and_kleene(pc.is_in(t["mode"], pa.array(["AIR", "SHIP"])),
                                             pc.less(t["qty"], 20))),
    "equal_alone": (col("mode") == lit("MAIL"), lambda t: pc.equal(t["mode"], "MAIL")),
    "not_equal_nulls": (col("mode") != lit("AIR"), lambda t: pc.not_equal(t["mode"], "AIR")),
    "is_null_or": ((col("mode").is_null() | (col("mode") == lit("RAIL"))) & (col("qty") > lit(5)),
                   lambda t: pc.and_kleene(
                       pc.or_kleene(pc.is_null(t["mode"]), pc.equal(t["mode"], "RAIL")),
                       pc.greater(t["qty"], 5))),
    "nothing": (col("mode") == lit("BOAT"), lambda t: pc.equal(t["mode"], "BOAT")),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("partitions", [1, 2, 7])
@pytest.mark.parametrize("file", [1, 2])
def test_rows_match_pyarrow(path, name, partitions, file):
    table = path[0]
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(partitions))
    expr, reference = CASES[name]
    # Only id is selected: the filtered column is not carried above the filter.
    got = ctx.read_parquet(path[file]).filter(expr).select("id").to_pydict()["id"]
    assert sorted(got) == want(table, reference(table))


def test_grouped_over_a_decided_filter(ctx, path):
    table, dictionary, _ = path
    got = (ctx.read_parquet(dictionary)
           .filter(col("mode").in_list([lit("AIR"), lit("MAIL")]))
           .aggregate([col("mode")], [ferry.functions.count().alias("n")])
           .sort("mode").to_pydict())
    kept = table.filter(pc.is_in(table["mode"], pa.array(["AIR", "MAIL"])))
    counts = kept.group_by("mode").aggregate([("id", "count")]).sort_by("mode").to_pydict()
    assert got == {"mode": counts["mode"], "n": counts["id_count"]}
