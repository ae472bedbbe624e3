"""Python-level fuzzing of the public decoders (Expr.from_bytes,
DataFrame.from_bytes, pickle.loads of ferry objects, the ferry.ipc worker
slot): random bytes and mutations of real blobs (the fuzz seed corpus,
tests/fuzz/corpus/) give a ferry error or a decoded object, never a crash
or another exception; a strict session never unpickles (no pickle audit
event). Fixed seed (derandomize) and bounded examples: seconds in CI.

A default session trusts the sender's inline UDFs (docs/distributing-work.md,
"Security"), so mutated inline pickles go only to strict and keyed sessions;
a default session is fuzzed with the seeds that carry no inline UDF.
"""

import os
import pickle
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ferry import DataFrame, Expr, SessionContext, ipc
from ferry.errors import FerryError

CORPUS = os.path.join(os.path.dirname(__file__), "..", "fuzz", "corpus")
KEY = {"fuzz-key": b"ferry fuzz corpus signing key 32"}  # tests/fuzz/make_corpus.py's


def seeds(target: str, *, inline_udfs: bool) -> list[bytes]:
    folder = os.path.join(CORPUS, target)
    out = []
    for name in sorted(os.listdir(folder)):
        if not inline_udfs and name.startswith("udf"):
            continue
        with open(os.path.join(folder, name), "rb") as blob:
            out.append(blob.read())
    return out


EXPR_SEEDS = seeds("decode_expr", inline_udfs=False)
EXPR_UDF_SEEDS = seeds("inspect", inline_udfs=True)  # inline, signed and by-name UDFs too
PLAN_SEEDS = seeds("decode_plan", inline_udfs=False)
PLAN_UDF_SEEDS = seeds("decode_plan", inline_udfs=True)

# Unpickling announces itself (PEP 578): a strict decode must never do it.
_UNPICKLED: list[str] = []


def _audit(event: str, args: tuple) -> None:
    if event == "pickle.find_class":
        _UNPICKLED.append(f"{args[0]}.{args[1]}")


sys.addaudithook(_audit)

FUZZ = settings(max_examples=250, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def mutated(draw, pool: list[bytes]) -> bytes:
    """A seed with a few byte-level edits: flips, overwrites, inserts,
    deletions, truncation, or a splice with another seed."""
    data = bytearray(draw(st.sampled_from(pool)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 5))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == 0 and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == 1 and data:
            data[at] = draw(st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0A, 0x12, 0x1A]))
        elif op == 2:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == 3:
            del data[at:at + draw(st.integers(1, 16))]
        elif op == 4:
            del data[at:]
        else:
            other = draw(st.sampled_from(pool))
            data = data[:at] + other[draw(st.integers(0, max(len(other) - 1, 0))):]
    return bytes(data)


def fuzz_bytes(pool: list[bytes]):
    return st.one_of(st.binary(max_size=256), mutated(pool))


def decodes_or_ferry_error(decode, blob: bytes) -> None:
    try:
        decode(blob)
    except FerryError:
        pass  # any other exception fails the test, a crash fails the run


class _Unpickled:
    """Pickles as `func(blob)`: what pickle.loads runs for a ferry object."""

    def __init__(self, func, blob: bytes) -> None:
        self.func, self.blob = func, blob

    def __reduce__(self):
        return (self.func, (self.blob,))


@pytest.fixture(scope="module")
def sessions():
    default = SessionContext()
    return {
        "default": default,
        "strict": default.with_python_udf_inlining(enabled=False),
        "keyed": default.with_payload_keys(KEY),
    }


@FUZZ
@given(blob=fuzz_bytes(EXPR_SEEDS))
def test_expr_from_bytes_default_session(sessions, blob):
    decodes_or_ferry_error(lambda b: Expr.from_bytes(b, sessions["default"]), blob)


@FUZZ
@given(blob=fuzz_bytes(EXPR_UDF_SEEDS))
def test_expr_from_bytes_strict_session_never_unpickles(sessions, blob):
    _UNPICKLED.clear()
    decodes_or_ferry_error(lambda b: Expr.from_bytes(b, sessions["strict"]), blob)
    assert _UNPICKLED == []


@FUZZ
@given(blob=fuzz_bytes(EXPR_UDF_SEEDS))
def test_expr_from_bytes_keyed_session(sessions, blob):
    # Altered inline frames are refused before unpickling; intact ones hold
    # the corpus's own small function.
    decodes_or_ferry_error(lambda b: Expr.from_bytes(b, sessions["keyed"]), blob)


@FUZZ
@given(blob=fuzz_bytes(PLAN_SEEDS))
def test_dataframe_from_bytes_default_session(sessions, blob):
    decodes_or_ferry_error(lambda b: DataFrame.from_bytes(b, sessions["default"]), blob)


@FUZZ
@given(blob=fuzz_bytes(PLAN_UDF_SEEDS))
def test_dataframe_from_bytes_strict_session_never_unpickles(sessions, blob):
    _UNPICKLED.clear()
    decodes_or_ferry_error(lambda b: DataFrame.from_bytes(b, sessions["strict"]), blob)
    assert _UNPICKLED == []


@FUZZ
@given(blob=fuzz_bytes(EXPR_UDF_SEEDS + PLAN_UDF_SEEDS),
       kind=st.sampled_from([Expr.from_bytes, DataFrame.from_bytes]))
def test_pickle_loads_through_a_strict_worker_slot(sessions, blob, kind):
    # pickle.loads of a ferry object decodes with the worker slot's session.
    ipc.set_worker_ctx(sessions["strict"])
    try:
        # The wrapper is itself a pickle: what it names (the decoder) shows
        # as audit events, and nothing else may.
        _UNPICKLED.clear()
        decodes_or_ferry_error(pickle.loads, pickle.dumps(_Unpickled(kind, b"")))
        wrapper_names = set(_UNPICKLED)
        _UNPICKLED.clear()
        decodes_or_ferry_error(pickle.loads, pickle.dumps(_Unpickled(kind, blob)))
        assert set(_UNPICKLED) <= wrapper_names, _UNPICKLED
    finally:
        ipc.clear_worker_ctx()


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(blob=st.binary(max_size=64))
def test_non_bytes_like_and_empty_inputs(sessions, blob):
    for decode in (Expr.from_bytes, DataFrame.from_bytes):
        decodes_or_ferry_error(lambda b: decode(b, sessions["strict"]), blob)
        decodes_or_ferry_error(lambda b: decode(bytearray(b), sessions["strict"]), blob)
    with pytest.raises(TypeError):
        Expr.from_bytes("not bytes", sessions["strict"])
