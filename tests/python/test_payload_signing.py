"""Signed inline payloads: a session with payload keys signs every inline UDF
frame it writes and refuses, before unpickling anything, frames that are
unsigned, signed under a key it does not hold, or altered."""

import hashlib
import hmac
import importlib.util
import multiprocessing as mp
import os
import pickle
import subprocess
import sys
import textwrap

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import Expr, Window, col, ipc, udf, udaf, udwf
from ferry.errors import ExecutionError, FerryError
from ferry.user_defined import Accumulator, WindowEvaluator

pytestmark = pytest.mark.timeout(180)

HERE = os.path.dirname(os.path.abspath(__file__))


def _sibling(name: str):
    """A module from this directory (tests import with --import-mode=importlib),
    registered under its own name so pickling refers to it by name."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


signing_workers = _sibling("signing_workers")
rewrite_frames = _sibling("test_shipping_errors").rewrite_frames
MAGIC = b"FYPYUDF"
PY = bytes([sys.version_info.major, sys.version_info.minor])
KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 132))


def keyed(keys=None, sign_with=None) -> ferry.SessionContext:
    return ferry.SessionContext().with_payload_keys(keys or {"k1": KEY_A}, sign_with=sign_with)


def plus_seven():
    return udf(lambda a: pc.add(a, 7), [pa.int64()], pa.int64(), "immutable", name="plus_seven")


def run(ctx: ferry.SessionContext, expr: Expr) -> list:
    return ctx.from_pydict({"x": [1, 2, None]}).select(expr.alias("r")).to_pydict()["r"]


def frame_of(blob: bytes) -> bytes:
    """The one scalar inline frame inside ``blob``."""
    found = []
    rewrite_frames(blob, lambda frame: found.append(frame) or frame)
    assert len(found) == 1
    return found[0]


def with_frame(blob: bytes, frame: bytes) -> bytes:
    return rewrite_frames(blob, lambda _: frame)


def signed(family: bytes, key_id: bytes, payload: bytes, secret: bytes) -> bytes:
    """A version-2 frame built by hand, the tag from Python's hmac."""
    head = family + b"\x02" + PY + bytes([len(key_id)]) + key_id + payload
    return head + hmac.new(secret, head, hashlib.sha256).digest()


def tampered_blobs(blob: bytes):
    """(what, bytes) for every tampering of the signed frame in ``blob``:
    each byte flipped, every truncation, re-signed under another secret or
    another key id, and the signature stripped (the same payload as an
    unsigned frame)."""
    frame = frame_of(blob)
    at = blob.index(frame)
    id_len = frame[10]
    key_id, payload = frame[11:11 + id_len], frame[11 + id_len:-32]
    for i in range(len(frame)):
        yield f"byte {i} flipped", blob[:at + i] + bytes([blob[at + i] ^ 0xFF]) + blob[at + i + 1:]
    for n in range(len(frame)):
        yield f"truncated to {n} bytes", with_frame(blob, frame[:n])
    yield "re-signed with another secret", with_frame(blob, signed(MAGIC, key_id, payload, KEY_B))
    yield "re-signed under another key id", with_frame(blob, signed(MAGIC, b"k2", payload, KEY_B))
    yield "signature stripped", with_frame(blob, MAGIC + b"\x01" + PY + payload)
    yield "tag zeroed", with_frame(blob, frame[:-32] + bytes(32))


# ---- signing and verifying ---------------------------------------------------------

def test_signed_round_trip_evaluates():
    ctx = keyed()
    expr = plus_seven()(col("x")) * 2
    blob = expr.to_bytes(ctx)
    assert run(keyed(), Expr.from_bytes(blob, keyed())) == [16, 18, None]


def test_signed_frame_layout_matches_an_independent_hmac():
    blob = plus_seven()(col("x")).to_bytes(keyed())
    frame = frame_of(blob)
    assert frame[:11] == MAGIC + b"\x02" + PY + b"\x02"
    assert frame[11:13] == b"k1"
    assert frame[-32:] == hmac.new(KEY_A, frame[:-32], hashlib.sha256).digest()
    # The payload is exactly what an unsigned session writes.
    unsigned = frame_of(plus_seven()(col("x")).to_bytes())
    assert unsigned[7] == 1
    assert len(frame) == len(unsigned) + 1 + 2 + 32


def test_keyed_receiver_refuses_unsigned_frames():
    blob = plus_seven()(col("x")).to_bytes()
    with pytest.raises(ExecutionError) as info:
        Expr.from_bytes(blob, keyed())
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert "'plus_seven'" in message and "FYPYUDF" in message
    assert "unsigned" in message and "without unpickling" in message


def test_keyed_receiver_refuses_unknown_key_and_wrong_secret():
    expr = plus_seven()(col("x"))
    with pytest.raises(ExecutionError, match="key id 'k9', which this session does not hold"):
        Expr.from_bytes(expr.to_bytes(keyed({"k9": KEY_A})), keyed())
    with pytest.raises(ExecutionError, match="signature does not match key 'k1'"):
        Expr.from_bytes(expr.to_bytes(keyed({"k1": KEY_B})), keyed())


def test_keyless_receiver_accepts_signed_and_unsigned_as_today():
    expr = plus_seven()(col("x"))
    fresh = ferry.SessionContext()
    assert fresh.payload_key_ids == [] and fresh.payload_signing_key_id is None
    for blob in (expr.to_bytes(keyed()), expr.to_bytes()):
        assert run(fresh, Expr.from_bytes(blob, fresh)) == [8, 9, None]


def test_strict_keyed_session_still_refuses_inline_frames():
    strict = keyed().with_python_udf_inlining(enabled=False)
    assert strict.payload_key_ids == ["k1"]
    with pytest.raises(ExecutionError, match="inlining is disabled"):
        Expr.from_bytes(plus_seven()(col("x")).to_bytes(keyed()), strict)
    assert MAGIC not in plus_seven()(col("x")).to_bytes(strict)


def test_key_rotation():
    receiver = keyed({"old": KEY_A, "new": KEY_B}, sign_with="new")
    assert receiver.payload_key_ids == ["new", "old"]
    assert receiver.payload_signing_key_id == "new"
    expr = plus_seven()(col("x"))
    for sender in (keyed({"old": KEY_A}), keyed({"new": KEY_B}), receiver):
        assert run(receiver, Expr.from_bytes(expr.to_bytes(sender), receiver)) == [8, 9, None]
    assert frame_of(expr.to_bytes(receiver))[11:14] == b"new"
    # Once the old key is retired, its frames are refused.
    with pytest.raises(ExecutionError, match="key id 'old'"):
        Expr.from_bytes(expr.to_bytes(keyed({"old": KEY_A})), keyed({"new": KEY_B}))


class _Total(Accumulator):
    def __init__(self):
        self.total = 0.0

    def update(self, values):
        self.total += pc.sum(values).as_py() or 0.0

    def merge(self, states):
        self.total += pc.sum(states[0]).as_py() or 0.0

    def state(self):
        return [self.total]

    def evaluate(self):
        return self.total


class _RunningMax(WindowEvaluator):
    def evaluate_all(self, values, num_rows):
        return pc.cumulative_max(values[0])


def test_aggregate_and_window_frames_are_signed_and_verified():
    total = udaf(_Total, pa.float64(), pa.float64(), [pa.float64()], "immutable", name="total")
    running = udwf(_RunningMax, [pa.float64()], pa.float64(), "immutable", name="running")
    agg = total(col("v")).alias("t")
    win = running(col("v")).over(Window(order_by=[col("v")])).alias("m")
    ctx = keyed()
    df = ctx.from_pydict({"v": [3.0, 1.0]})
    for expr, magic in ((agg, b"FYPYUDA"), (win, b"FYPYUDW")):
        blob = expr.to_bytes(ctx)
        assert blob[blob.index(magic) + 7] == 2
        with pytest.raises(ExecutionError, match="unsigned"):
            Expr.from_bytes(expr.to_bytes(), ctx)
    assert df.aggregate([], [Expr.from_bytes(agg.to_bytes(ctx), ctx)]).to_pydict() == {"t": [4.0]}
    got = df.select(col("v"), Expr.from_bytes(win.to_bytes(ctx), ctx)).sort(col("v")).to_pydict()
    assert got == {"v": [1.0, 3.0], "m": [1.0, 3.0]}


def test_cache_never_stands_in_for_verification():
    expr = plus_seven()(col("x"))
    blob = expr.to_bytes(keyed())
    payload = frame_of(blob)[13:-32]
    # Warm the process cache with this payload through a keyless session.
    keyless = ferry.SessionContext()
    assert run(keyless, Expr.from_bytes(blob, keyless)) == [8, 9, None]
    # The same payload, unsigned or with a bad tag, is still refused.
    for frame in (MAGIC + b"\x01" + PY + payload, signed(MAGIC, b"k1", payload, KEY_B)):
        with pytest.raises(ExecutionError):
            Expr.from_bytes(with_frame(blob, frame), keyed())
    assert run(keyed(), Expr.from_bytes(blob, keyed())) == [8, 9, None]


def test_pickle_uses_the_slots_keys():
    ipc.set_sender_ctx(keyed())
    ipc.set_worker_ctx(keyed())
    try:
        data = pickle.dumps(plus_seven()(col("x")))
        assert run(keyed(), pickle.loads(data)) == [8, 9, None]
        ipc.set_worker_ctx(keyed({"k1": KEY_B}))
        with pytest.raises(ExecutionError, match="signature does not match"):
            pickle.loads(data)
    finally:
        ipc.clear_sender_ctx()
        ipc.clear_worker_ctx()


def test_sessions_share_state_and_keep_each_others_settings():
    base = ferry.SessionContext()
    base.register_udf(plus_seven())
    signing = base.with_payload_keys({"k1": KEY_A})
    assert base.payload_key_ids == [] and signing.python_udf_inlining
    assert signing.with_python_udf_inlining(enabled=True).payload_signing_key_id == "k1"
    strict = base.with_python_udf_inlining(enabled=False).with_payload_keys({"k1": KEY_A})
    assert not strict.python_udf_inlining
    # Registrations are shared: the by-name function resolves in the new session.
    by_name = plus_seven()(col("x")).to_bytes(strict)
    assert run(signing, Expr.from_bytes(by_name, signing)) == [8, 9, None]


@pytest.mark.parametrize("keys, sign_with, exc, match", [
    ({}, None, ValueError, "needs at least one key"),
    ({"k1": KEY_A, "k2": KEY_B}, None, ValueError, "sign_with is needed to choose among 2"),
    ({"k1": KEY_A}, "k2", ValueError, "'k2', which is not among the keys"),
    ({"k1": b"short"}, None, ValueError, "payload key 'k1' is 5 bytes; .* at least 16"),
    ({"bad id": KEY_A}, None, ValueError, "may only use letters"),
    ({"x" * 65: KEY_A}, None, ValueError, "1..64 characters, got 65"),
    ({"k1": "text"}, None, TypeError, "payload key 'k1' must be bytes"),
    ({1: KEY_A}, None, TypeError, "key ids must be str"),
])
def test_bad_keys_are_refused_with_the_reason(keys, sign_with, exc, match):
    with pytest.raises(exc, match=match):
        ferry.SessionContext().with_payload_keys(keys, sign_with=sign_with)


# ---- tampering never reaches the unpickler -------------------------------------------

def test_every_tampered_blob_is_refused_before_any_unpickling():
    # In a subprocess so the audit hook does not outlive this test.
    code = f"""
        import importlib.util, sys
        import ferry
        from ferry import Expr, col
        from ferry.errors import FerryError
        spec = importlib.util.spec_from_file_location(
            "test_payload_signing", {os.path.join(HERE, "test_payload_signing.py")!r})
        t = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(t)

        blob = t.plus_seven()(col("x")).to_bytes(t.keyed())
        cases = list(t.tampered_blobs(blob))
        events = []
        sys.addaudithook(lambda event, args: events.append(event)
                         if event == "pickle.find_class" else None)
        receiver = t.keyed()
        for what, bad in cases:
            assert bad != blob, what
            try:
                Expr.from_bytes(bad, receiver)
            except FerryError:
                pass
            else:
                raise SystemExit(f"accepted a tampered blob: {{what}}")
            assert events == [], (what, events)
        # Positive control: the untouched blob decodes, and the hook sees it.
        Expr.from_bytes(blob, receiver)
        assert events, "audit hook saw no pickle.find_class"
        print("REFUSED", len(cases))
    """
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=150)
    assert proc.returncode == 0, proc.stderr
    refused = int(proc.stdout.split("REFUSED")[1])
    assert refused > 2 * 300, proc.stdout  # every byte and every prefix of a ~300+ byte frame


def test_tampering_errors_name_the_udf():
    blob = plus_seven()(col("x")).to_bytes(keyed())
    messages = []
    for what, bad in tampered_blobs(blob):
        with pytest.raises(FerryError) as info:
            Expr.from_bytes(bad, keyed())
        messages.append(str(info.value))
    assert all("plus_seven" in m for m in messages)


# ---- a real spawn pool -------------------------------------------------------------

def test_spawn_pool_round_trip_and_rotation():
    old, new = {"old": KEY_A}, {"new": KEY_B}
    source = signing_workers.initializer_source({**old, **new}, "new")
    with mp.get_context("spawn").Pool(2, initializer=exec, initargs=(source, {})) as pool:
        expr = plus_seven()(col("x")) * 10
        jobs = [pool.apply_async(signing_workers.evaluate, (expr.to_bytes(keyed(keys)), [1, 2]))
                for keys in (old, new)]
        assert [job.get(timeout=120) for job in jobs] == [[80, 90], [80, 90]]
        refused = pool.apply_async(signing_workers.evaluate, (expr.to_bytes(), [1]))
        with pytest.raises(RuntimeError) as info:
            refused.get(timeout=120)
        assert "unsigned" in str(info.value) and "plus_seven" in str(info.value)
