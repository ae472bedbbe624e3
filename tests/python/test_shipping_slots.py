"""ferry.ipc context slots: which session encodes and decodes when the call
(e.g. pickle.dumps / pickle.loads) passes none."""

import pickle
import threading

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import Expr, col, ipc, udf

pytestmark = pytest.mark.timeout(60)

MAGIC = b"FYPYUDF"


@pytest.fixture(autouse=True)
def clean_slots():
    ipc.clear_sender_ctx()
    ipc.clear_worker_ctx()
    yield
    ipc.clear_sender_ctx()
    ipc.clear_worker_ctx()


def offset_udf(offset: int, name: str):
    def add_offset(a):
        return pc.add(a, offset)

    return udf(add_offset, [pa.int64()], pa.int64(), "immutable", name=name)


def strict() -> ferry.SessionContext:
    return ferry.SessionContext().with_python_udf_inlining(enabled=False)


def in_thread(fn):
    box = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as e:  # pragma: no cover - reported below
            box["error"] = e

    t = threading.Thread(target=target)
    t.start()
    t.join(30)
    assert not t.is_alive()
    if "error" in box:
        raise box["error"]
    return box["value"]


def test_slots_start_empty_and_set_get_clear():
    assert ipc.get_sender_ctx() is None
    assert ipc.get_worker_ctx() is None
    a, b = ferry.SessionContext(), strict()
    ipc.set_sender_ctx(a)
    ipc.set_worker_ctx(b)
    assert ipc.get_sender_ctx() is a
    assert ipc.get_worker_ctx() is b
    ipc.clear_sender_ctx()
    assert ipc.get_sender_ctx() is None
    assert ipc.get_worker_ctx() is b
    ipc.clear_worker_ctx()
    assert ipc.get_worker_ctx() is None


def test_clear_empty_slot_is_noop():
    ipc.clear_sender_ctx()
    ipc.clear_sender_ctx()
    ipc.clear_worker_ctx()
    ipc.clear_worker_ctx()
    assert ipc.get_sender_ctx() is None and ipc.get_worker_ctx() is None
    # Also on a thread that never touched the slots.
    assert in_thread(lambda: (ipc.clear_sender_ctx(), ipc.clear_worker_ctx(),
                              ipc.get_sender_ctx(), ipc.get_worker_ctx())) == (
        None, None, None, None)


def test_set_rejects_non_sessions():
    with pytest.raises(TypeError):
        ipc.set_sender_ctx("not a session")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ipc.set_worker_ctx(None)  # type: ignore[arg-type]
    assert ipc.get_sender_ctx() is None and ipc.get_worker_ctx() is None


def test_slots_are_thread_local():
    a, b = ferry.SessionContext(), strict()
    ipc.set_sender_ctx(a)
    ipc.set_worker_ctx(b)
    assert in_thread(lambda: (ipc.get_sender_ctx(), ipc.get_worker_ctx())) == (None, None)

    # A thread's own settings do not leak back.
    def other():
        ipc.set_sender_ctx(b)
        ipc.set_worker_ctx(a)
        return ipc.get_sender_ctx() is b and ipc.get_worker_ctx() is a

    assert in_thread(other)
    assert ipc.get_sender_ctx() is a
    assert ipc.get_worker_ctx() is b


def test_encode_resolution_explicit_then_sender_then_default():
    add = offset_udf(1, "enc_udf")
    expr = add(col("a"))
    default_bytes = expr.to_bytes()
    assert MAGIC in default_bytes
    ipc.set_sender_ctx(strict())
    # The sender slot is used when no ctx is passed, pickle included.
    assert MAGIC not in expr.to_bytes()
    assert MAGIC not in pickle.dumps(expr)
    # An explicit ctx wins over the slot.
    assert expr.to_bytes(ferry.SessionContext()) == default_bytes
    # Another thread still uses the default codec.
    assert in_thread(lambda: expr.to_bytes()) == default_bytes
    assert MAGIC in in_thread(lambda: pickle.dumps(expr))
    ipc.clear_sender_ctx()
    assert expr.to_bytes() == default_bytes
    # And the other way round: permissive slot, strict explicit.
    ipc.set_sender_ctx(ferry.SessionContext())
    assert MAGIC in expr.to_bytes()
    assert MAGIC not in expr.to_bytes(strict())


def test_decode_resolution_explicit_then_worker_then_global():
    add = offset_udf(5, "dec_udf")
    by_name = add(col("a")).to_bytes(strict())
    table = pa.table({"a": pa.array([1, None, 3], pa.int64())})

    # Nothing set: the process-global session, where dec_udf is unknown.
    glob = ferry.SessionContext.global_ctx()
    assert glob is ferry.SessionContext.global_ctx()
    with pytest.raises(KeyError, match="dec_udf"):
        Expr.from_bytes(by_name)

    # The worker slot: a session where it is registered under that name.
    worker = strict()
    worker.register_udf(offset_udf(100, "dec_udf"))
    ipc.set_worker_ctx(worker)
    decoded = Expr.from_bytes(by_name)
    got = worker.from_arrow(table).select(decoded.alias("r")).to_pydict()["r"]
    assert got == pc.add(table["a"], 100).to_pylist()

    # An explicit ctx wins over the worker slot.
    explicit = ferry.SessionContext()
    explicit.register_udf(offset_udf(1000, "dec_udf"))
    decoded = Expr.from_bytes(by_name, explicit)
    got = explicit.from_arrow(table).select(decoded.alias("r")).to_pydict()["r"]
    assert got == pc.add(table["a"], 1000).to_pylist()
    with pytest.raises(KeyError):
        Expr.from_bytes(by_name, ferry.SessionContext())

    # Another thread sees no worker slot: the global session again.
    def decode_elsewhere():
        try:
            Expr.from_bytes(by_name)
        except KeyError:
            return "global"
        return "worker"

    assert in_thread(decode_elsewhere) == "global"


def test_global_ctx_is_used_and_can_be_given_registrations():
    add = offset_udf(7, "glob_only_udf")
    by_name = add(col("a")).to_bytes(strict())
    glob = ferry.SessionContext.global_ctx()
    glob.register_udf(add)
    try:
        decoded = Expr.from_bytes(by_name)
        assert decoded.canonical_name() == "glob_only_udf(a)"
        assert in_thread(lambda: Expr.from_bytes(by_name).canonical_name()) == "glob_only_udf(a)"
    finally:
        glob.deregister_udf("glob_only_udf")


def test_pickle_loads_uses_worker_slot():
    add = offset_udf(3, "pk_udf")
    inline = pickle.dumps(add(col("a")) + 1)
    assert MAGIC in inline
    # Permissive by default (global session): it decodes.
    assert pickle.loads(inline).canonical_name() == "pk_udf(a) + Int64(1)"
    # A strict worker refuses the same blob.
    ipc.set_worker_ctx(strict())
    with pytest.raises(RuntimeError) as info:
        pickle.loads(inline)
    assert "inlining is disabled" in str(info.value)
    assert "pk_udf" in str(info.value)
    # ... but only on this thread.
    assert in_thread(lambda: pickle.loads(inline).canonical_name()) == "pk_udf(a) + Int64(1)"
    ipc.clear_worker_ctx()
    assert pickle.loads(inline).canonical_name() == "pk_udf(a) + Int64(1)"


def test_strict_sender_and_worker_slots_with_pickle():
    add = offset_udf(9, "pair_udf")
    worker = strict()
    worker.register_udf(add)
    ipc.set_sender_ctx(strict())
    ipc.set_worker_ctx(worker)
    blob = pickle.dumps([add(col("a")), col("b") * 2])
    assert MAGIC not in blob
    first, second = pickle.loads(blob)
    table = pa.table({"a": pa.array([1, 2], pa.int64()), "b": pa.array([3, 4], pa.int64())})
    out = worker.from_arrow(table).select(first.alias("x"), second.alias("y")).to_pydict()
    assert out == {"x": [10, 11], "y": [6, 8]}


def test_slot_sessions_with_threads_concurrently():
    # Several threads, each with its own worker slot, decode concurrently.
    add = offset_udf(1, "thr_udf")
    by_name = add(col("a")).to_bytes(strict())
    results = {}
    errors = []

    def work(i):
        try:
            ctx = strict()
            ctx.register_udf(offset_udf(i, "thr_udf"))
            ipc.set_worker_ctx(ctx)
            ipc.set_sender_ctx(ctx)
            for _ in range(20):
                e = pickle.loads(pickle.dumps(Expr.from_bytes(by_name)))
                out = ipc.get_worker_ctx().from_pydict({"a": [0]}).select(e.alias("r"))
                results.setdefault(i, set()).add(out.to_pydict()["r"][0])
        except BaseException as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert results == {i: {i} for i in range(1, 5)}
