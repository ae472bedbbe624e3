"""Decoder limits on hand-made blobs: bounded counts, agreed depth, text
that must be UTF-8. Blobs are written with a tiny protobuf writer so the
tests depend on the documented wire format only (docs/wire-format.md)."""

import os
import pickle
import subprocess
import sys
import textwrap

import pyarrow as pa
import pytest

from ferry import Expr, col
from ferry.errors import FerryValueError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "build", "cpp", "tools", "ferry-inspect")


def varint(v: int) -> bytes:
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def field(number: int, body: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return varint(number << 3 | 2) + varint(len(body)) + body


def blob(payload: bytes) -> bytes:
    """Envelope{magic: "ferry", wire_version: 1, kind: "expr", payload}."""
    return field(1, b"ferry") + varint(2 << 3) + varint(1) + field(3, b"expr") + field(4, payload)


def column_expr(name: bytes) -> bytes:
    return field(1, field(1, name))  # Expr.column = 1, Column.name = 1


PEAK_RSS = textwrap.dedent("""
    import resource, sys
    import ferry
    from ferry import Expr
    data = sys.stdin.buffer.read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        Expr.from_bytes(data)
        print("decoded")
    except ferry.FerryError as e:
        print(type(e).__name__, e)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print((after - before) // 1024)
""")


def decode_in_subprocess(data: bytes) -> tuple[str, int, str]:
    """Decodes in a fresh interpreter: (outcome line, peak RSS growth in MiB, stderr)."""
    proc = subprocess.run([sys.executable, "-c", PEAK_RSS], input=data, capture_output=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    outcome, growth = proc.stdout.decode().strip().rsplit("\n", 1)
    return outcome, int(growth), proc.stderr.decode()


def test_five_million_empty_function_entries_are_refused_in_little_memory():
    # 10 MB of two-byte entries used to take 550 MB once parsed.
    data = blob(field(1, column_expr(b"a")) + field(2, b"") * 5_000_000)
    outcome, growth, _ = decode_in_subprocess(data)
    assert outcome == ("FerryValueError function table has more than 10000 entries; "
                       "the decoder's limit is 10000")
    assert growth < 40, f"peak RSS grew by {growth} MiB for a {len(data) >> 20} MiB blob"


def test_huge_in_list_is_refused_in_little_memory():
    # IN (a, a, ...) with 2M items: 12 MB on the wire.
    item = field(2, column_expr(b"a"))
    in_list = field(1, column_expr(b"a")) + item * 2_000_000
    data = blob(field(1, field(10, in_list)))  # Expr.in_list = 10
    outcome, growth, _ = decode_in_subprocess(data)
    assert outcome == ("FerryValueError a list (ferry.v1.InList.list) has more than 100000 items; "
                       "the decoder's limit is 100000")
    assert growth < 40, f"peak RSS grew by {growth} MiB for a {len(data) >> 20} MiB blob"


def test_in_list_at_the_limit_round_trips():
    expr = col("a").in_list(list(range(100_000)))
    assert Expr.from_bytes(expr.to_bytes()).to_bytes() == expr.to_bytes()
    with pytest.raises(FerryValueError, match="more than 100000 items"):
        col("a").in_list(list(range(100_001))).to_bytes()


def negations(count: int) -> Expr:
    expr = col("a")
    for _ in range(count):
        expr = -expr
    return expr


def test_depth_limit_is_the_same_both_ways():
    # 499 negations over a column: 500 levels, the limit.
    deepest = negations(499)
    assert pickle.loads(pickle.dumps(deepest)).to_bytes() == deepest.to_bytes()
    proc = subprocess.run([TOOL], input=deepest.to_bytes(), capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"re-encoded: identical" in proc.stdout
    # One more level is refused by the encoder and, from hand-made bytes, the decoder.
    with pytest.raises(FerryValueError, match="nests deeper than the limit of 500 levels"):
        negations(500).to_bytes()
    node = column_expr(b"a")
    for _ in range(500):
        node = field(6, field(1, node))  # Expr.negative = 6, Negative.expr = 1
    with pytest.raises(FerryValueError, match="nests deeper than the limit of 500 levels"):
        Expr.from_bytes(blob(field(1, node)))


def literal_ipc(type_: pa.DataType) -> bytes:
    schema = pa.schema([pa.field("value", type_)])
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema) as writer:
        writer.write_batch(pa.record_batch([pa.nulls(1, type_)], schema=schema))
    return sink.getvalue().to_pybytes()


@pytest.mark.parametrize("type_", [
    pa.struct([pa.field(b"\xff", pa.int64())]),
    pa.list_(pa.field(b"\xfe", pa.int64())),
], ids=["struct field", "list item"])
def test_non_utf8_names_in_literals_are_refused(type_):
    literal = field(2, field(1, literal_ipc(type_)))  # Expr.literal = 2, Literal.arrow_ipc = 1
    with pytest.raises(FerryValueError, match="malformed literal: .* not valid UTF-8"):
        Expr.from_bytes(blob(field(1, literal)))


def test_invalid_utf8_in_protobuf_strings_is_quiet():
    # libprotobuf logs an ERROR line for such input unless ferry silences it.
    outcome, _, stderr = decode_in_subprocess(blob(field(1, column_expr(b"\xff"))))
    assert outcome.startswith("FerryValueError not a ferry expression")
    assert "invalid UTF-8" not in stderr and "libprotobuf" not in stderr, stderr


def test_inspect_refuses_oversized_files_before_reading(tmp_path):
    big = tmp_path / "big.bin"
    with open(big, "wb") as out:
        out.truncate((256 << 20) + 1)  # sparse: no data written
    proc = subprocess.run([TOOL, str(big)], capture_output=True, timeout=60)
    assert proc.returncode == 1
    assert b"more than the decoder's limit of 268435456" in proc.stderr
