"""A Python UDF's pickled payload is reused across encodes only while
pickling it again would give the same bytes (ferry/udf_frame_cache.py)."""

import importlib
import sys
import types

import cloudpickle
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
import ferry._inline
from ferry import Expr, ExecutionPlan, col, udf
from ferry.udf_frame_cache import payload_token

pytestmark = pytest.mark.timeout(120)

TABLE = pa.table({"a": pa.array([1, None, 5, -3], pa.int64())})


@pytest.fixture
def dumps(monkeypatch):
    """Counts the scalar UDF payloads pickled."""
    calls = []
    real = ferry._inline.dump_udf

    def counting(*args):
        calls.append(args[0])
        return real(*args)

    monkeypatch.setattr(ferry._inline, "dump_udf", counting)
    return calls


def result_on_receiver(blob: bytes) -> list:
    """What the decoded expression computes in a fresh session."""
    receiver = ferry.SessionContext()
    expr = Expr.from_bytes(blob, receiver)
    return receiver.from_arrow(TABLE).select(expr.alias("r")).to_pydict()["r"]


def added(offset) -> list:
    return pc.add(TABLE["a"], offset).to_pylist()


def test_unchanged_udf_is_pickled_once(dumps):
    def make(offset):
        def add_offset(a):
            return pc.add(a, offset)
        return udf(add_offset, [pa.int64()], pa.int64(), "immutable", name="add_offset")

    add = make(7)
    first = add(col("a")).to_bytes()
    assert add(col("a")).to_bytes() == first
    assert (add(col("a")) + add(col("a"))).to_bytes().count(b"FYPYUDF") == 1
    assert dumps == ["add_offset"]
    assert result_on_receiver(first) == added(7)
    # Another UDF object over an equal closure has its own payload.
    make(7)(col("a")).to_bytes()
    assert dumps == ["add_offset", "add_offset"]


def test_physical_plan_reuses_payload(dumps):
    offset = 3

    def shift(a):
        return pc.add(a, offset)

    f = udf(shift, [pa.int64()], pa.int64(), "immutable", name="shift")
    ctx = ferry.SessionContext()
    df = ctx.from_arrow(TABLE).select(f(col("a")).alias("r"), f(col("a")).alias("s"))
    plan = df.execution_plan()
    blobs = {plan.to_bytes(ctx) for _ in range(3)}
    assert len(blobs) == 1 and dumps == ["shift"]
    receiver = ferry.SessionContext()
    back = ExecutionPlan.from_bytes(receiver, blobs.pop())
    rows = pa.Table.from_batches(
        [b.to_pyarrow() for p in range(back.partition_count) for b in receiver.execute(back, p)])
    assert sorted(rows["r"].to_pylist(), key=str) == sorted(added(3), key=str)


def test_assigned_closure_cell_is_pickled_again(dumps):
    offset = 1

    def shift(a):
        return pc.add(a, offset)

    f = udf(shift, [pa.int64()], pa.int64(), "immutable", name="shift")
    before = f(col("a")).to_bytes()
    offset = 100  # noqa: F841 (read through shift's closure)
    after = f(col("a")).to_bytes()
    assert before != after and len(dumps) == 2
    assert result_on_receiver(before) == added(1)
    assert result_on_receiver(after) == added(100)


def test_rebound_global_is_pickled_again(dumps):
    source = compile("def shift(a):\n    return pc.add(a, K)\n", "<dynamic>", "exec")
    namespace = {"pc": pc, "K": 2, "__name__": "not_importable"}
    exec(source, namespace)
    f = udf(namespace["shift"], [pa.int64()], pa.int64(), "immutable", name="shift")
    before = f(col("a")).to_bytes()
    assert f(col("a")).to_bytes() == before and len(dumps) == 1
    namespace["K"] = 50
    after = f(col("a")).to_bytes()
    assert len(dumps) == 2
    assert result_on_receiver(before) == added(2)
    assert result_on_receiver(after) == added(50)


def test_replaced_code_is_pickled_again(dumps):
    def shift(a):
        return pc.add(a, 1)

    def other(a):
        return pc.multiply(a, 3)

    f = udf(shift, [pa.int64()], pa.int64(), "immutable", name="shift")
    f(col("a")).to_bytes()
    shift.__code__ = other.__code__
    blob = f(col("a")).to_bytes()
    assert len(dumps) == 2
    assert result_on_receiver(blob) == pc.multiply(TABLE["a"], 3).to_pylist()


def test_mutable_capture_is_never_reused(dumps):
    # An in-place change cannot be seen without pickling: the stale-cache
    # case that must not return wrong results.
    offsets = [1]

    def shift(a):
        return pc.add(a, offsets[0])

    f = udf(shift, [pa.int64()], pa.int64(), "immutable", name="shift")
    before = f(col("a")).to_bytes()
    offsets[0] = 9
    after = f(col("a")).to_bytes()
    assert len(dumps) == 2
    assert payload_token(shift) is None
    assert result_on_receiver(before) == added(1)
    assert result_on_receiver(after) == added(9)


def test_strict_session_never_uses_the_payload(dumps):
    def shift(a):
        return pc.add(a, 4)

    f = udf(shift, [pa.int64()], pa.int64(), "immutable", name="shift")
    f(col("a")).to_bytes()  # the payload is now kept on the UDF
    strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    blob = f(col("a")).to_bytes(strict)
    assert b"FYPYUDF" not in blob and len(dumps) == 1
    strict.register_udf(f)
    decoded = Expr.from_bytes(blob, strict)
    assert strict.from_arrow(TABLE).select(decoded.alias("r")).to_pydict()["r"] == added(4)


def test_tokens():
    def plain(a):
        return pc.add(a, 1)

    assert payload_token(plain) == payload_token(plain)
    assert payload_token(plain)[0] is plain

    class Callable:
        def __call__(self, a):
            return a

    assert payload_token(Callable()) is None
    plain.attribute = []
    assert payload_token(plain) is None

    def helper(a):
        return a

    def uses_helper(a):
        return helper(a)  # a function pickled by value: its globals could change

    assert payload_token(uses_helper) is None


def test_module_shipped_by_value_is_pickled_again(tmp_path, monkeypatch):
    (tmp_path / "payload_cache_udfs.py").write_text(
        "import pyarrow.compute as pc\n\ndef inc(a):\n    return pc.add(a, 1)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("payload_cache_udfs")
    try:
        by_reference = payload_token(module.inc)
        assert by_reference == (module.inc, True)
        cloudpickle.register_pickle_by_value(module)
        try:
            by_value = payload_token(module.inc)
            assert by_value is not None and by_value[1] is False
        finally:
            cloudpickle.unregister_pickle_by_value(module)
    finally:
        sys.modules.pop("payload_cache_udfs", None)
    assert isinstance(module, types.ModuleType)
