"""INSERT INTO in-memory tables through ``ctx.sql``: the result is
datafusion-python's one-row ``count`` (UInt64); SQLOptions.with_allow_dml
gates it; only in-memory tables take rows. Results against hand-computed
rows (the DuckDB-checked cases are in tests/sql/insert.slt)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ferry
from ferry import SQLOptions


@pytest.fixture()
def ctx() -> ferry.SessionContext:
    ctx = ferry.SessionContext()
    ctx.from_arrow(pa.table({"a": pa.array([1, 2], pa.int32()), "b": ["x", None]}), name="t")
    return ctx


def test_insert_returns_the_count_and_the_rows_arrive(ctx) -> None:
    out = ctx.sql("INSERT INTO t VALUES (3, 'z'), (NULL, NULL)").to_arrow_table()
    assert out.schema == pa.schema([pa.field("count", pa.uint64(), nullable=False)])
    assert out.to_pydict() == {"count": [2]}
    assert ctx.sql("SELECT a, b FROM t ORDER BY a NULLS LAST").to_pydict() == {
        "a": [1, 2, 3, None], "b": ["x", None, "z", None]}
    # the table keeps its schema: Int64 literals went in as Int32
    assert ctx.table("t").schema().field("a").type == pa.int32()


def test_insert_from_a_query_and_of_nothing(ctx) -> None:
    assert ctx.sql("INSERT INTO t SELECT a * 10, b FROM t").to_pydict() == {"count": [2]}
    assert ctx.sql("INSERT INTO t SELECT a, b FROM t WHERE a > 1000").to_pydict() == {"count": [0]}
    assert sorted(ctx.table("t").to_pydict()["a"]) == [1, 2, 10, 20]


def test_insert_with_parameters(ctx) -> None:
    ctx.sql("INSERT INTO t (b, a) VALUES ($name, $n)", param_values={"n": 9, "name": "p"})
    assert ctx.sql("SELECT b FROM t WHERE a = 9").to_pydict() == {"b": ["p"]}


def test_plans_made_before_an_insert_keep_the_old_rows(ctx) -> None:
    before = ctx.sql("SELECT count(*) AS n FROM t")
    ctx.sql("INSERT INTO t VALUES (5, 'e')")
    assert before.to_pydict() == {"n": [2]}
    assert ctx.sql("SELECT count(*) AS n FROM t").to_pydict() == {"n": [3]}


def test_dml_can_be_disabled(ctx) -> None:
    strict = SQLOptions().with_allow_dml(False)
    with pytest.raises(ferry.errors.FerryValueError,
                       match="INSERT is not allowed: DML is disabled by the SQL options"):
        ctx.sql_with_options("INSERT INTO t VALUES (1, 'a')", strict)
    assert ctx.sql("SELECT count(*) AS n FROM t").to_pydict() == {"n": [2]}
    # DDL switches leave DML alone
    assert ctx.sql_with_options("INSERT INTO t VALUES (1, 'a')",
                                SQLOptions().with_allow_ddl(False)).to_pydict() == {"count": [1]}


def test_only_in_memory_tables_take_rows(ctx, tmp_path) -> None:
    pq.write_table(pa.table({"a": [1]}), tmp_path / "f.parquet")
    ctx.register_parquet("f", tmp_path / "f.parquet")
    with pytest.raises(NotImplementedError, match="only in-memory tables take INSERT"):
        ctx.sql("INSERT INTO f VALUES (2)")
    ctx.sql("CREATE VIEW v AS SELECT a FROM t")
    with pytest.raises(ferry.errors.FerryValueError, match="cannot INSERT into view 'v'"):
        ctx.sql("INSERT INTO v VALUES (2)")


def test_values_that_do_not_fit_the_column_type_are_errors(ctx) -> None:
    with pytest.raises(ferry.FerryError, match="as a scalar of type int32"):
        ctx.sql("INSERT INTO t VALUES ('seven', 'x')")
    assert ctx.sql("SELECT count(*) AS n FROM t").to_pydict() == {"n": [2]}
    ctx.from_arrow(pa.table({"k": pa.array([1], pa.int64())},
                            schema=pa.schema([pa.field("k", pa.int64(), nullable=False)])), name="strict")
    with pytest.raises(ferry.errors.FerryValueError, match="NULL in column 'k' of table 'strict'"):
        ctx.sql("INSERT INTO strict VALUES (NULL)")


def test_concurrent_inserts_into_one_table_all_land() -> None:
    # Each INSERT computes its rows without the GIL and then appends; the
    # appends of threads racing on one table must not drop each other's rows.
    import threading

    ctx = ferry.SessionContext()
    ctx.from_arrow(pa.table({"k": pa.array(range(20_000), pa.int64())}), name="src")
    ctx.from_arrow(pa.table({"k": pa.array([], pa.int64())}), name="dst")
    errors: list[BaseException] = []

    def worker(tag: int) -> None:
        try:
            for i in range(10):
                ctx.sql(f"INSERT INTO dst SELECT k * 0 + {tag * 100 + i} FROM src WHERE k % 1000 = 0")
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    got = ctx.sql("SELECT k, count(*) AS n FROM dst GROUP BY k").to_pydict()
    assert sorted(got["k"]) == sorted(t * 100 + i for t in range(6) for i in range(10))
    assert set(got["n"]) == {20}
