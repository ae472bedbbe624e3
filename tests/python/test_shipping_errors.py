"""Bad bytes fail with a ferry error that says what is wrong; never a crash
or a hang. Inline UDF frames are checked before anything is unpickled."""

import os
import subprocess
import sys
import textwrap

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import Expr, col, functions as f, lit, udf
from ferry.errors import FerryError

pytestmark = pytest.mark.timeout(120)

MAGIC = b"FYPYUDF"


def offset_udf(offset: int):
    def add_offset(a):
        return pc.add(a, offset)

    return udf(add_offset, [pa.int64()], pa.int64(), "immutable")


def udf_blob() -> bytes:
    return (offset_udf(3)(col("a")) * 2).to_bytes()


def frame_at(blob: bytes) -> int:
    assert blob.count(MAGIC) == 1
    return blob.index(MAGIC)


def patched(blob: bytes, offset: int, value: int) -> bytes:
    out = bytearray(blob)
    out[offset] = value
    return bytes(out)


# ---- a minimal protobuf rewriter, to change a frame's length ------------------------

def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = buf[i]
        value |= (byte & 0x7F) << shift
        i += 1
        if not byte & 0x80:
            return value, i
        shift += 7


def _put_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def rewrite_frames(msg: bytes, fn) -> bytes:
    """``msg`` with every length-delimited field holding an inline frame
    replaced by ``fn(frame)``, enclosing lengths fixed up."""
    out = bytearray()
    i = 0
    while i < len(msg):
        key, j = _varint(msg, i)
        wire = key & 7
        if wire == 0:
            _, k = _varint(msg, j)
            out += msg[i:k]
        elif wire == 1:
            out += msg[i:j + 8]
            k = j + 8
        elif wire == 5:
            out += msg[i:j + 4]
            k = j + 4
        elif wire == 2:
            size, start = _varint(msg, j)
            body = msg[start:start + size]
            k = start + size
            if body.startswith(MAGIC):
                body = fn(body)
            elif MAGIC in body:
                body = rewrite_frames(body, fn)
            out += _put_varint(key) + _put_varint(len(body)) + body
        else:
            raise AssertionError(f"unexpected wire type {wire}")
        i = k
    return bytes(out)


def test_rewriter_is_identity_without_change():
    blob = udf_blob()
    assert rewrite_frames(blob, lambda frame: frame) == blob
    same = rewrite_frames(blob, lambda frame: frame + b"")
    assert Expr.from_bytes(same, ferry.SessionContext()).canonical_name() == \
        Expr.from_bytes(blob, ferry.SessionContext()).canonical_name()


# ---- not ferry bytes at all ----------------------------------------------------------

@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize(
    "junk",
    [b"", b"\x00", b"ferry", b"\xff" * 64, b"\n\x05ferry", b"\x80\x05K\x01.",
     os.urandom(1), os.urandom(37), os.urandom(4096)],
    ids=["empty", "nul", "word", "ff", "magic-only", "pickle", "rand1", "rand37", "rand4096"])
def test_junk_is_a_value_error(junk, strict):
    ctx = ferry.SessionContext().with_python_udf_inlining(enabled=not strict)
    with pytest.raises(ValueError) as info:
        Expr.from_bytes(junk, ctx)
    assert isinstance(info.value, FerryError)
    assert str(info.value)


def test_other_ferry_kind_is_refused():
    # A valid envelope whose kind is not "expr".
    blob = (col("a") + 1).to_bytes()
    assert b"\x1a\x04expr" in blob
    other = blob.replace(b"\x1a\x04expr", b"\x1a\x04plan", 1)
    with pytest.raises(FerryError) as info:
        Expr.from_bytes(other)
    assert "plan" in str(info.value) or "expr" in str(info.value)


def test_unsupported_wire_version_is_refused():
    blob = (col("a") + 1).to_bytes()
    assert blob.startswith(b"\n\x05ferry\x10\x01")
    newer = b"\n\x05ferry\x10\x09" + blob[len(b"\n\x05ferry\x10\x01"):]
    with pytest.raises(ValueError) as info:
        Expr.from_bytes(newer)
    assert "9" in str(info.value)


# ---- every prefix, flipped bits: run isolated so a crash fails the test only ---------

FUZZ = r"""
import random, sys, pyarrow as pa, pyarrow.compute as pc, ferry
from ferry import Expr, col, lit, udf, functions as f
from ferry.errors import FerryError

k = 3
@udf([pa.int64()], pa.int64(), "immutable")
def addk(a):
    return pc.add(a, k)

exprs = [
    f.when(col("a").in_list([1, 2]), lit(pa.scalar({"x": [1, 2]}))).otherwise(lit(None)),
    f.count(col("s"), distinct=True).alias("n"),
    addk(col("a")) * 2 + addk(col("b")),
]
permissive = ferry.SessionContext()
strict = permissive.with_python_udf_inlining(enabled=False)
rng = random.Random(int(sys.argv[1]))
counts = {"ok": 0, "error": 0}

def attempt(buf, ctx, what):
    try:
        Expr.from_bytes(buf, ctx)
        counts["ok"] += 1
    except FerryError:
        counts["error"] += 1
    except Exception as e:  # anything else is a defect
        print(f"NOT A FERRY ERROR on {what}: {type(e).__name__}: {e}"[:300])
        sys.exit(3)

for n, expr in enumerate(exprs):
    blob = expr.to_bytes()
    for ctx in (permissive, strict):
        for cut in range(len(blob)):
            try:
                Expr.from_bytes(blob[:cut], ctx)
            except FerryError:
                counts["error"] += 1
            else:
                print(f"prefix {cut}/{len(blob)} of expr {n} decoded")
                sys.exit(4)
        flips = range(len(blob) * 8) if len(blob) < 120 else rng.sample(range(len(blob) * 8), 600)
        for bit in flips:
            buf = bytearray(blob)
            buf[bit // 8] ^= 1 << (bit % 8)
            attempt(bytes(buf), ctx, f"expr {n} bit {bit}")
        for _ in range(100):
            buf = bytearray(blob)
            for _ in range(rng.randint(2, 8)):
                buf[rng.randrange(len(buf))] = rng.randrange(256)
            attempt(bytes(buf), ctx, f"expr {n} random bytes")
print("FUZZ-OK", counts)
"""


def test_truncated_and_flipped_bytes_fail_cleanly():
    proc = subprocess.run([sys.executable, "-c", FUZZ, "20261123"], capture_output=True,
                          text=True, timeout=100)
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr[-3000:])
    assert "FUZZ-OK" in proc.stdout


def test_every_prefix_in_process():
    # The prefixes again in this process, with messages checked.
    for blob in (udf_blob(), (col("a") + lit("x")).to_bytes()):
        for cut in range(len(blob)):
            with pytest.raises(ValueError) as info:
                Expr.from_bytes(blob[:cut], ferry.SessionContext())
            assert isinstance(info.value, FerryError)


# ---- inline frame defects --------------------------------------------------------------

@pytest.mark.parametrize("strict", [False, True])
def test_other_python_minor_version(strict):
    blob = udf_blob()
    at = frame_at(blob)
    assert blob[at + 8] == sys.version_info.major
    assert blob[at + 9] == sys.version_info.minor
    other_minor = sys.version_info.minor + 1
    bad = patched(blob, at + 9, other_minor)
    ctx = ferry.SessionContext().with_python_udf_inlining(enabled=not strict)
    exc = RuntimeError if strict else ValueError
    with pytest.raises(exc) as info:
        Expr.from_bytes(bad, ctx)
    message = str(info.value)
    assert isinstance(info.value, FerryError)
    if strict:
        # A well-formed frame: the strict session refuses it before reading it.
        assert "inlining is disabled" in message
        return
    assert f"3.{other_minor}" in message
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in message
    assert "not portable across Python minor versions" in message
    assert "add_offset" in message


def test_other_python_major_version():
    blob = udf_blob()
    at = frame_at(blob)
    bad = patched(blob, at + 8, 2)
    with pytest.raises(ValueError) as info:
        Expr.from_bytes(bad, ferry.SessionContext())
    assert "2." in str(info.value)
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in str(info.value)


@pytest.mark.parametrize("version", [0, 3, 255])
def test_unsupported_frame_version(version):
    blob = udf_blob()
    at = frame_at(blob)
    assert blob[at + 7] == 1
    bad = patched(blob, at + 7, version)
    with pytest.raises(ValueError) as info:
        Expr.from_bytes(bad, ferry.SessionContext())
    message = str(info.value)
    assert isinstance(info.value, FerryError)
    assert str(version) in message
    assert "1" in message.replace(str(version), "")
    assert "add_offset" in message


@pytest.mark.parametrize("keep", [0, 1, 2, 3])
@pytest.mark.parametrize("strict", [False, True])
def test_truncated_frame_reports_its_defect(keep, strict):
    # The frame cut right after the magic (plus ``keep`` header bytes).
    bad = rewrite_frames(udf_blob(), lambda frame: frame[:len(MAGIC) + keep])
    assert bad.count(MAGIC) == 1
    ctx = ferry.SessionContext().with_python_udf_inlining(enabled=not strict)
    with pytest.raises(ValueError) as info:
        Expr.from_bytes(bad, ctx)
    message = str(info.value)
    assert isinstance(info.value, FerryError)
    assert "inlining is disabled" not in message
    assert "FYPYUDF" in message
    assert any(w in message for w in ("truncated", "malformed", "short", "too small")), message


@pytest.mark.parametrize("strict", [False, True])
def test_garbage_payload_after_good_header(strict):
    header_len = len(MAGIC) + 3
    bad = rewrite_frames(udf_blob(), lambda frame: frame[:header_len] + b"not a pickle")
    ctx = ferry.SessionContext().with_python_udf_inlining(enabled=not strict)
    exc = RuntimeError if strict else ValueError
    with pytest.raises(exc) as info:
        Expr.from_bytes(bad, ctx)
    assert isinstance(info.value, FerryError)
    assert "add_offset" in str(info.value)


def test_payload_with_globals_in_header_is_refused_without_running_them():
    # A hand-made outer header that names a global: refused, never resolved.
    import pickle

    class Boom:
        def __reduce__(self):
            return (os.system, ("echo SHOULD-NOT-RUN",))

    evil = pickle.dumps(Boom())
    header = bytes([1, sys.version_info.major, sys.version_info.minor])
    bad = rewrite_frames(udf_blob(), lambda frame: MAGIC + header + evil)
    with pytest.raises(ValueError) as info:
        Expr.from_bytes(bad, ferry.SessionContext())
    assert "add_offset" in str(info.value)


@pytest.mark.parametrize("strict", [False, True])
def test_frame_errors_are_not_crashes_in_pickle(strict):
    # The same defects through pickle.loads (worker slot / global session).
    import pickle

    from ferry import ipc

    blob = udf_blob()
    at = frame_at(blob)
    bad = patched(blob, at + 7, 200)
    ipc.set_worker_ctx(ferry.SessionContext().with_python_udf_inlining(enabled=not strict))
    try:
        with pytest.raises(FerryError):
            pickle.loads(pickle.dumps(_Pickled(bad)))
        with pytest.raises(FerryError):
            pickle.loads(pickle.dumps(_Pickled(bad[:-3])))
    finally:
        ipc.clear_worker_ctx()


class _Pickled:
    """Pickles to the same reconstructor Expr uses, with arbitrary bytes."""

    def __init__(self, buf: bytes) -> None:
        self.buf = buf

    def __reduce__(self):
        reconstructor, _ = col("a").__reduce__()
        return (reconstructor, (self.buf,))


def test_error_text_is_exposed_in_str_and_args():
    try:
        Expr.from_bytes(b"")
    except FerryError as e:
        assert e.args and str(e) == e.args[0]
        assert textwrap.shorten(str(e), 200)
    else:
        pytest.fail("empty bytes decoded")
