"""DataFrames (their logical plans) through bytes and pickle: into a fresh
session and into spawned pool workers, with the same results as the sender;
strict sessions refuse inline UDFs without unpickling; bad bytes fail
cleanly."""

import importlib.util
import os
import pickle
import random
import subprocess
import sys
import textwrap

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import ferry
from ferry import DataFrame, Window, col, functions as f, lit, udf
from ferry.errors import FerryError

HERE = os.path.dirname(os.path.abspath(__file__))
if "shipping_workers" not in sys.modules:  # tests import with --import-mode=importlib
    _spec = importlib.util.spec_from_file_location(
        "shipping_workers", os.path.join(HERE, "shipping_workers.py"))
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["shipping_workers"] = _module
    _spec.loader.exec_module(_module)
import shipping_workers as sw  # noqa: E402

import multiprocessing as mp  # noqa: E402

pytestmark = pytest.mark.timeout(180)
TIMEOUT = 60

SALES = {"k": ["a", "b", "a", None, "c", "b"], "v": [1, 2, None, 10, 4, 5]}
NAMES = {"k": ["a", "b", "z"], "name": ["Alice", "Bob", "Zed"]}
OTHER = {"k": ["a", "c", "d"], "w": [100, 300, None]}


def double_fn(a):
    return pc.multiply(a, 2)


DOUBLE = udf(double_fn, [pa.int64()], pa.int64(), "immutable", name="double_it")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("plans")
    parquet_path = str(root / "other.parquet")
    pq.write_table(pa.table(OTHER), parquet_path, row_group_size=2)
    csv_path = str(root / "names.csv")
    pacsv.write_csv(pa.table(NAMES), csv_path,
                    write_options=pacsv.WriteOptions(delimiter=";"))
    return parquet_path, csv_path


def frames(ctx: ferry.SessionContext, files) -> dict:
    """One DataFrame per node kind (and table kind), built in ``ctx``."""
    parquet_path, csv_path = files
    sales = ctx.from_pydict(SALES)
    other = ctx.read_parquet(parquet_path)
    names = ctx.read_csv(csv_path, delimiter=";")
    w = Window(partition_by=[col("k")], order_by=[col("v")])
    return {
        "scan": sales,
        "parquet": other,
        "csv": names,
        "filter": sales.filter(col("v") > 1),
        "aggregate": sales.aggregate([col("k")], [f.sum(col("v")).alias("s"),
                                                  f.count(col("v")).alias("n")]),
        "join": sales.join(other, on="k", how="left"),
        "join_full": sales.join(other, on="k", how="full"),
        "join_anti": sales.join(names, on="k", how="anti"),
        "join_on": sales.join_on(other, col("k") == col("k_right"), col("v") < col("w"),
                                 how="inner"),
        "sort_limit": sales.sort(col("v").sort(ascending=False, nulls_first=True)).limit(3, 1),
        "window": sales.select(col("k"), col("v"),
                               f.row_number().over(w).alias("rn"),
                               f.sum(col("v")).over(w).alias("running")),
        "union": sales.select(col("k"), col("v")).union(other, distinct=True),
        "udf": sales.filter(DOUBLE(col("v")) > 4).select(col("k"), DOUBLE(col("v")).alias("d")),
    }


def rows(df: DataFrame) -> list[dict]:
    return sw.sorted_rows(df.to_arrow_table())


@pytest.fixture(scope="module")
def sender(files):
    return frames(ferry.SessionContext(), files)


@pytest.mark.parametrize("kind", [
    "scan", "parquet", "csv", "filter", "aggregate", "join", "join_full", "join_anti",
    "join_on", "sort_limit", "window", "union", "udf"])
def test_pickle_into_fresh_session(sender, kind):
    df = sender[kind]
    want = rows(df)
    assert want, "every case should produce rows"
    back = pickle.loads(pickle.dumps(df))
    assert isinstance(back, DataFrame)
    # A decoded Python UDF is a new function object: equal plans but for it.
    assert back.logical_plan().display_indent() == df.logical_plan().display_indent()
    assert (back.logical_plan() == df.logical_plan()) == (kind != "udf")
    assert back.schema() == df.schema()
    assert rows(back) == want
    fresh = ferry.SessionContext()
    decoded = DataFrame.from_bytes(df.to_bytes(), fresh)
    assert rows(decoded) == want


def test_results_match_independent_references(sender):
    # Hand-computed from SALES / OTHER.
    assert rows(sender["aggregate"]) == sw.sorted_rows(pa.table(
        {"k": ["a", "b", None, "c"], "s": [1, 7, 10, 4], "n": [1, 2, 1, 1]}))
    back = pickle.loads(pickle.dumps(sender["sort_limit"]))
    assert back.to_pydict() == {"k": [None, "b", "c"], "v": [10, 5, 4]}
    assert rows(pickle.loads(pickle.dumps(sender["udf"]))) == sw.sorted_rows(pa.table(
        {"k": [None, "c", "b"], "d": [20, 8, 10]}))


def test_one_function_table_per_plan(sender):
    df = sender["udf"]  # DOUBLE is used twice: in the filter and in the select
    assert df.to_bytes().count(b"FYPYUDF") == 1


def test_missing_file_is_named(tmp_path):
    path = str(tmp_path / "gone.parquet")
    pq.write_table(pa.table(OTHER), path)
    blob = ferry.SessionContext().read_parquet(path).to_bytes()
    os.remove(path)
    with pytest.raises(OSError, match="gone.parquet"):
        DataFrame.from_bytes(blob, ferry.SessionContext())


def test_spawn_pool_worker(sender):
    want = {kind: rows(df) for kind, df in sender.items()}
    pool = mp.get_context("spawn").Pool(2, initializer=exec,
                                        initargs=(sw.initializer_source("default"), {}))
    try:
        kinds = list(sender)
        results = pool.map_async(sw.collect_dataframe, [sender[k] for k in kinds]).get(
            timeout=TIMEOUT)
    finally:
        pool.terminate()
        pool.join()
    for kind, (pid, got) in zip(kinds, results):
        assert pid != os.getpid()
        assert got == want[kind], kind


def test_strict_session_refuses_inline_udf(sender):
    blob = sender["udf"].to_bytes()
    strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    with pytest.raises(RuntimeError, match="inlining is disabled"):
        DataFrame.from_bytes(blob, strict)
    # By name from a strict sender, resolved by the receiver's registration.
    strict.register_udf(DOUBLE)
    by_name = sender["udf"].to_bytes(strict)
    assert b"FYPYUDF" not in by_name
    assert rows(DataFrame.from_bytes(by_name, strict)) == rows(sender["udf"])


def test_strict_refusal_never_unpickles(files):
    parquet_path, _ = files
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import sys, pyarrow as pa, pyarrow.compute as pc, ferry
        from ferry import DataFrame, col, udf

        secret = 41
        @udf([pa.int64()], pa.int64(), "immutable")
        def sneaky(a):
            return pc.add(a, secret)

        df = ferry.SessionContext().read_parquet({parquet_path!r})
        blob = df.select(sneaky(col("w")).alias("x")).to_bytes()
        events = []
        sys.addaudithook(lambda event, args: events.append(event)
                         if event == "pickle.find_class" else None)
        strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
        try:
            DataFrame.from_bytes(blob, strict)
        except RuntimeError as e:
            assert "inlining is disabled" in str(e), e
        else:
            raise SystemExit("strict session accepted an inline UDF")
        assert events == [], events
        DataFrame.from_bytes(blob, ferry.SessionContext())
        assert events, "audit hook saw no pickle.find_class"
        print("NO-UNPICKLE-OK")
        """)], capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr
    assert "NO-UNPICKLE-OK" in proc.stdout


@pytest.mark.parametrize("junk", [b"", b"not ferry at all", b"\x00" * 16,
                                  (col("a") + 1).to_bytes()])
def test_junk_is_a_ferry_error(junk):
    with pytest.raises(FerryError):
        DataFrame.from_bytes(junk, ferry.SessionContext())


def test_truncated_and_flipped_bytes_fail_cleanly(sender):
    blob = sender["join_on"].to_bytes()
    ctx = ferry.SessionContext()
    for cut in range(0, len(blob), max(1, len(blob) // 200)):
        with pytest.raises(FerryError):
            DataFrame.from_bytes(blob[:cut], ctx)
    rng = random.Random(1234)
    for _ in range(400):
        corrupt = bytearray(blob)
        for _ in range(rng.randint(1, 3)):
            corrupt[rng.randrange(len(corrupt))] ^= 1 << rng.randrange(8)
        try:
            df = DataFrame.from_bytes(bytes(corrupt), ctx)
        except FerryError:
            continue
        df.logical_plan()  # a decoded plan must be usable


def test_large_inline_table_warns_once():
    config = ferry.SessionConfig().with_inline_table_warn_bytes(1000)
    ctx = ferry.SessionContext(config)
    big = ctx.from_pydict({"x": list(range(1000))})
    small = ctx.from_pydict({"x": [1, 2, 3]})
    with pytest.warns(UserWarning, match=r"in-memory table .* travels inline .* threshold 1000"):
        big.to_bytes()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big.filter(col("x") > 1).to_bytes()  # the same table: warned once already
        small.to_bytes()  # under the threshold
        ferry.SessionContext().from_pydict({"x": list(range(1000))}).to_bytes()  # default 64 MiB
