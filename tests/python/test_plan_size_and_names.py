"""The encode-time size limit of plans (max_encoded_plan_bytes) and tables
that travel by name, resolved in the receiver's catalog."""

import pickle

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import ferry
from ferry import DataFrame, LogicalPlan, SessionConfig, SessionContext, col, udf
from ferry.errors import FerryKeyError, FerryValueError


def limited(size: int) -> SessionContext:
    return SessionContext(SessionConfig().with_max_encoded_plan_bytes(size))


# ---- size limit -----------------------------------------------------------------


def test_oversized_inline_table_is_refused_naming_it():
    ctx = limited(64 << 10)
    small = ctx.from_pydict({"x": [1, 2]}, name="small")
    big = ctx.from_arrow(pa.table({"v": pa.array(range(100_000), pa.int64())}), name="big")
    df = big.join(small, left_on="v", right_on="x")
    with pytest.raises(FerryValueError) as error:
        df.to_bytes()
    message = str(error.value)
    assert "over the limit of 65536 (max_encoded_plan_bytes)" in message
    # The largest part first, with its size; the small table comes after it.
    assert "largest parts: in-memory table 'big': " in message
    big_bytes = int(message.split("in-memory table 'big': ")[1].split(" bytes")[0])
    assert 800_000 <= big_bytes <= 900_000  # 100,000 int64 values plus IPC framing
    assert message.index("'big'") < message.index("'small'")
    # Raising the limit, or sending the big table by name, lets it through.
    assert len(df.to_bytes(limited(2 << 20))) > 800_000
    assert len(df.to_bytes(tables_by_name=["big"])) < 4096


def test_default_limit_is_16_mib_and_bounded():
    assert SessionConfig().max_encoded_plan_bytes == 16 << 20
    for bad in (0, -1, (256 << 20) + 1):
        with pytest.raises(ValueError, match="max_encoded_plan_bytes must be in"):
            SessionConfig().with_max_encoded_plan_bytes(bad)
    ctx = SessionContext()
    df = ctx.from_arrow(pa.table({"v": pa.array(range(2_200_000), pa.int64())}))
    with pytest.raises(FerryValueError, match="over the limit of 16777216"):
        df.to_bytes()


def test_oversized_udf_payload_is_named():
    ballast = bytes(200_000)  # captured by the closure: pickled with the UDF

    def heavy(a):
        return pc.add(a, len(ballast))

    heavy_udf = udf(heavy, [pa.int64()], pa.int64(), "immutable", name="heavy_udf")
    ctx = limited(100_000)
    df = ctx.from_pydict({"a": [1]}).select(heavy_udf(col("a")), heavy_udf(col("a") + 1))
    with pytest.raises(FerryValueError) as error:
        df.logical_plan().to_bytes()
    message = str(error.value)
    assert "largest parts: scalar function 'heavy_udf' definition: " in message
    assert message.count("heavy_udf") == 1  # carried once however often it is called
    # pickle goes through the same limit.
    with pytest.raises(FerryValueError, match="heavy_udf"):
        pickle.dumps(df)


def test_plan_too_large_by_its_nodes_says_so():
    ctx = limited(1000)
    df = ctx.from_pydict({"a": [1]}, name="t").select(*[(col("a") + i).alias(f"c{i}") for i in range(100)])
    with pytest.raises(FerryValueError, match="the plan's nodes themselves"):
        df.to_bytes(tables_by_name=True)


# ---- tables by name -------------------------------------------------------------


def test_by_name_per_call_resolves_in_the_receiver():
    sender = SessionContext()
    sender.from_pydict({"k": [1, 2, 3], "v": ["a", None, "c"]}, name="facts")
    sender.from_pydict({"k": [1, 3]}, name="keys")
    df = sender.table("facts").join(sender.table("keys"), on="k").sort(col("k"))
    blob = df.to_bytes(tables_by_name=["facts"])
    receiver = SessionContext()
    receiver.from_pydict({"k": [3, 3, 4], "v": ["x", "y", None]}, name="facts")
    # facts comes from the receiver's catalog; keys travelled inline.
    got = DataFrame.from_bytes(blob, receiver).to_pydict()
    assert got == {"k": [3, 3], "v": ["x", "y"]}
    assert b"facts" in blob and len(blob) < len(df.to_bytes())


def test_by_name_for_every_table_and_a_missing_one():
    sender = SessionContext()
    sender.from_pydict({"a": [1]}, name="t1")
    sender.from_pydict({"a": [2]}, name="t2")
    df = sender.table("t1").union(sender.table("t2"))
    blob = df.to_bytes(tables_by_name=True)
    receiver = SessionContext()
    receiver.from_pydict({"a": [10]}, name="t1")
    with pytest.raises(FerryKeyError) as error:
        DataFrame.from_bytes(blob, receiver)
    assert "refers to table 't2' by name" in str(error.value)
    assert "no table named 't2'; registered tables: t1" in str(error.value)
    receiver.from_pydict({"a": [20, None]}, name="t2")
    got = DataFrame.from_bytes(blob, receiver).to_pydict()["a"]
    assert sorted(got, key=lambda v: (v is None, v)) == [10, 20, None]


def test_by_name_refuses_a_different_schema():
    sender = SessionContext()
    sender.from_pydict({"a": [1], "b": ["x"]}, name="t")
    blob = sender.table("t").to_bytes(tables_by_name="t")
    for columns in ({"a": [1.5], "b": ["x"]}, {"a": [1]}, {"b": ["x"], "a": [1]}):
        receiver = SessionContext()
        receiver.from_pydict(columns, name="t")
        with pytest.raises(FerryValueError, match="table 't' in the receiving session has schema"):
            DataFrame.from_bytes(blob, receiver)


def test_by_name_names_must_be_scanned():
    ctx = SessionContext()
    df = ctx.from_pydict({"a": [1]}, name="t")
    with pytest.raises(FerryValueError, match="tables_by_name names 'tt', which the plan does not scan; it scans 't'"):
        df.to_bytes(tables_by_name=["tt"])
    with pytest.raises(TypeError, match="tables_by_name holds table names"):
        df.to_bytes(tables_by_name=[1])


def test_ship_table_by_name_marks_a_table_for_every_encode(tmp_path):
    path = str(tmp_path / "t.parquet")
    pq.write_table(pa.table({"a": [1, 2, 3]}), path)
    sender = SessionContext()
    sender.register_parquet("t", path)
    sender.ship_table_by_name("t")
    assert sender.tables_shipped_by_name() == {"t"}
    blob = sender.table("t").filter(col("a") > 1).to_bytes()
    assert path.encode() not in blob  # the receiver's own table, not the sender's file
    receiver = SessionContext()
    receiver.from_pydict({"a": [5, 0, 9]}, name="t")
    assert sorted(DataFrame.from_bytes(blob, receiver).to_pydict()["a"]) == [5, 9]
    # Pickle follows the mark too, through the worker slot.
    ferry.ipc.set_worker_ctx(receiver)
    try:
        assert sorted(pickle.loads(pickle.dumps(sender.table("t"))).to_pydict()["a"]) == [0, 5, 9]
    finally:
        ferry.ipc.clear_worker_ctx()
    sender.ship_table_by_name("t", enabled=False)
    assert path.encode() in sender.table("t").to_bytes()
    with pytest.raises(FerryKeyError, match="cannot ship table 'nope' by name"):
        sender.ship_table_by_name("nope")


def test_named_reference_from_bytes_into_logical_plan():
    sender = SessionContext()
    sender.from_pydict({"a": [1, None]}, name="t")
    plan = sender.table("t").logical_plan()
    blob = plan.to_bytes(tables_by_name=True)
    receiver = SessionContext()
    receiver.from_pydict({"a": [None, 4]}, name="t")
    back = LogicalPlan.from_bytes(receiver, blob)
    assert back == plan  # scans compare by name, projection and filters
    assert receiver.create_dataframe_from_logical_plan(back).to_pydict() == {"a": [None, 4]}


def test_decoding_again_sees_a_rewritten_file(tmp_path):
    path = str(tmp_path / "t.parquet")
    pq.write_table(pa.table({"a": [1, 2]}), path)
    sender = SessionContext()
    blob = sender.read_parquet(path).to_bytes()
    receiver = SessionContext()
    assert DataFrame.from_bytes(blob, receiver).to_pydict() == {"a": [1, 2]}
    assert DataFrame.from_bytes(blob, receiver).to_pydict() == {"a": [1, 2]}
    pq.write_table(pa.table({"a": [7, 8, 9]}), path)
    assert DataFrame.from_bytes(blob, receiver).to_pydict() == {"a": [7, 8, 9]}


def test_corrupted_by_name_blobs_fail_cleanly():
    import random

    from ferry.errors import FerryError

    sender = SessionContext()
    sender.from_pydict({"a": [1, 2], "b": ["x", None]}, name="t")
    blob = sender.table("t").filter(col("a") > 1).to_bytes(tables_by_name=True)
    receiver = SessionContext()
    receiver.from_pydict({"a": [3], "b": ["y"]}, name="t")
    rng = random.Random(8)
    decoded = 0
    for _ in range(300):
        corrupt = bytearray(blob)
        for _ in range(rng.randint(1, 3)):
            corrupt[rng.randrange(len(corrupt))] ^= 1 << rng.randrange(8)
        try:
            df = DataFrame.from_bytes(bytes(corrupt), receiver)
        except FerryError:
            continue
        decoded += 1
        try:
            df.to_arrow_table()  # a plan that decodes runs, or fails with a FerryError
        except FerryError:
            pass
    assert decoded < 300
