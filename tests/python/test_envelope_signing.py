"""Signed envelopes: a session with payload keys signs the whole envelope of
every logical plan, physical plan and job it writes; a receiver with keys
verifies it before decoding anything and refuses unsigned, altered,
re-signed or unknown-key envelopes; a receiver without keys reads signed and
unsigned envelopes alike."""

import hashlib
import hmac
import os
import subprocess
import sys
import textwrap

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import ExecutionPlan, LogicalPlan, _core, col, udf
from ferry.errors import FerryError

pytestmark = pytest.mark.timeout(180)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(ROOT, "build", "cpp", "tools", "ferry-inspect")
KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 132))


def keyed(keys=None, sign_with=None) -> ferry.SessionContext:
    return ferry.SessionContext().with_payload_keys(keys or {"k1": KEY_A}, sign_with=sign_with)


def small_df(ctx: ferry.SessionContext) -> ferry.DataFrame:
    """A small plan with an inline Python UDF: decoding it unpickles."""
    plus_seven = udf(lambda a: pc.add(a, 7), [pa.int64()], pa.int64(), "immutable", name="plus_seven")
    return ctx.from_pydict({"x": [1, 2, None]}).select(plus_seven(col("x")).alias("r"))


# ---- the envelope's layout, read independently ---------------------------------

def read_varint(data: bytes, at: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def envelope_fields(data: bytes) -> dict[int, bytes | int]:
    """The protobuf fields of an Envelope (docs/wire-format.md), by number."""
    fields, at = {}, 0
    while at < len(data):
        key, at = read_varint(data, at)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            fields[number], at = read_varint(data, at)
        else:
            assert wire_type == 2, wire_type
            size, at = read_varint(data, at)
            fields[number], at = data[at:at + size], at + size
    return fields


def signed_message(fields) -> bytes:
    u32 = lambda n: n.to_bytes(4, "big")  # noqa: E731
    return (b"ferry-envelope\0" + u32(fields[2]) + u32(len(fields[3])) + fields[3] +
            u32(len(fields[5])) + fields[5] + fields[4])


def test_signature_is_an_hmac_over_the_documented_bytes():
    ctx = keyed()
    blob = small_df(ctx).logical_plan().to_bytes(ctx)
    fields = envelope_fields(blob)
    assert fields[1] == b"ferry" and fields[3] == b"plan" and fields[5] == b"k1"
    assert fields[6] == hmac.new(KEY_A, signed_message(fields), hashlib.sha256).digest()
    # The inline frame inside is signed as well.
    assert b"FYPYUDF\x02" in fields[4]


def encode(ctx: ferry.SessionContext, kind: str) -> bytes:
    df = small_df(ctx)
    return df.logical_plan().to_bytes(ctx) if kind == "plan" else df.execution_plan().to_bytes(ctx)


def decode_rows(ctx: ferry.SessionContext, kind: str, blob: bytes) -> list:
    """The rows `blob` computes in `ctx`, sorted (NULLs last)."""
    if kind == "plan":
        rows = ctx.create_dataframe_from_logical_plan(LogicalPlan.from_bytes(ctx, blob)).to_pydict()["r"]
    else:
        plan = ExecutionPlan.from_bytes(ctx, blob)
        rows = [v for p in range(plan.partition_count)
                for v in pa.table(ctx.execute(plan, p))["r"].to_pylist()]
    return sorted(rows, key=lambda v: (v is None, v))


@pytest.mark.parametrize("kind", ["plan", "physical_plan"])
def test_keyed_round_trip_and_keyless_receiver(kind):
    blob = encode(keyed(), kind)
    assert envelope_fields(blob)[3] == kind.encode()
    assert envelope_fields(blob)[5] == b"k1"
    # Same keys, rotated keys holding the signer's, and no keys at all.
    for receiver in (keyed(), keyed({"k0": KEY_B, "k1": KEY_A}, "k0"), ferry.SessionContext()):
        assert decode_rows(receiver, kind, blob) == [8, 9, None]
    # A keyless sender's plan: unsigned, read as today by a keyless receiver.
    plain_blob = encode(ferry.SessionContext(), kind)
    assert 5 not in envelope_fields(plain_blob)
    assert decode_rows(ferry.SessionContext(), kind, plain_blob) == [8, 9, None]


def plan_bytes(ctx: ferry.SessionContext) -> bytes:
    return encode(ctx, "plan")


def test_keyed_receiver_refuses_unsigned_unknown_key_and_other_secret():
    receiver = keyed()
    cases = {
        "unsigned": plan_bytes(ferry.SessionContext()),
        "key id 'k2'": plan_bytes(keyed({"k2": KEY_A})),
        "does not match key 'k1'": plan_bytes(keyed({"k1": KEY_B})),
    }
    for reason, blob in cases.items():
        with pytest.raises(FerryError, match=reason) as info:
            LogicalPlan.from_bytes(receiver, blob)
        assert "before decoding it" in str(info.value)


def test_jobs_are_signed_and_verified_by_workers():
    sender = keyed()
    df = small_df(sender)
    job = _core.plan_job(sender._raw, df._raw, 2)
    assert envelope_fields(job.payload)[3] == b"job" and envelope_fields(job.payload)[5] == b"k1"
    stage = job.stages[0]
    out, _ = _core.run_task(job.payload, stage.id, 0, {}, keyed()._raw)
    assert out is not None
    unsigned = _core.plan_job(ferry.SessionContext()._raw, small_df(ferry.SessionContext())._raw, 2)
    for bad, reason in ((unsigned.payload, "unsigned"),
                        (job.payload[:-1] + bytes([job.payload[-1] ^ 1]), "does not match")):
        with pytest.raises(FerryError, match=reason):
            _core.run_task(bad, stage.id, 0, {}, keyed()._raw)


# ---- tampering never reaches the decoder or the unpickler ----------------------

def tampered(blob: bytes):
    """(what, bytes): every byte flipped once, every truncation, re-signed
    with another secret under the same key id, and the signature stripped."""
    for i in range(len(blob)):
        yield f"byte {i} flipped", blob[:i] + bytes([blob[i] ^ 0xFF]) + blob[i + 1:]
    for n in range(len(blob)):
        yield f"truncated to {n} bytes", blob[:n]
    fields = envelope_fields(blob)
    # Fields 5 and 6 are the envelope's last: the bytes before them are the unsigned envelope.
    unsigned = blob[:blob.rindex(b"\x2a\x02k1")]
    yield "signature stripped", unsigned
    tag = hmac.new(KEY_B, signed_message(fields), hashlib.sha256).digest()
    yield "re-signed with another secret", unsigned + b"\x2a\x02k1\x32\x20" + tag


@pytest.mark.parametrize("kind", ["plan", "physical_plan"])
def test_every_tampered_envelope_is_refused_before_any_unpickling(kind):
    # In a subprocess so the audit hook does not outlive this test.
    code = f"""
        import importlib.util, sys
        from ferry import ExecutionPlan, LogicalPlan
        from ferry.errors import FerryError
        spec = importlib.util.spec_from_file_location(
            "test_envelope_signing", {os.path.join(HERE, "test_envelope_signing.py")!r})
        t = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(t)

        blob = t.encode(t.keyed(), {kind!r})
        decode = LogicalPlan.from_bytes if {kind!r} == "plan" else ExecutionPlan.from_bytes
        cases = list(t.tampered(blob))
        events = []
        sys.addaudithook(lambda event, args: events.append(event)
                         if event == "pickle.find_class" else None)
        receiver = t.keyed()
        for what, bad in cases:
            assert bad != blob, what
            try:
                decode(receiver, bad)
            except FerryError:
                pass
            else:
                raise SystemExit(f"accepted a tampered envelope: {{what}}")
            assert events == [], (what, events)
        # Positive control: the untouched blob decodes, and the hook sees it.
        decode(receiver, blob)
        assert events, "audit hook saw no pickle.find_class"
        print("REFUSED", len(cases), len(blob))
    """
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=150)
    assert proc.returncode == 0, proc.stderr
    refused, size = map(int, proc.stdout.split("REFUSED")[1].split())
    assert refused == 2 * size + 2


# ---- ferry-inspect ---------------------------------------------------------------

def inspect_with(data: bytes, *args: str) -> subprocess.CompletedProcess:
    assert os.path.exists(TOOL), f"{TOOL} was not built (make builds it)"
    return subprocess.run([TOOL, *args], input=data, capture_output=True, timeout=60)


def test_inspect_shows_and_verifies_the_envelope_signature():
    blob = plan_bytes(keyed())
    shown = inspect_with(blob)
    assert shown.returncode == 0, shown.stderr
    assert "envelope: signed with key 'k1'\n" in shown.stdout.decode()
    assert "re-encoded: identical" in shown.stdout.decode()
    good = inspect_with(blob, "--key", f"k1={KEY_A.hex()}")
    assert good.returncode == 0, good.stderr
    assert "envelope: signed with key 'k1', signature valid" in good.stdout.decode()
    bad = inspect_with(blob, "--key", f"k1={KEY_B.hex()}")
    assert bad.returncode == 3
    assert "envelope: signed with key 'k1', signature INVALID" in bad.stdout.decode()
    unsigned = inspect_with(encode(ferry.SessionContext(), "physical_plan"),
                            "--json", "--key", f"k1={KEY_A.hex()}")
    assert unsigned.returncode == 3
    assert '"envelope": {"key_id": null, "signature": "unsigned"}' in unsigned.stdout.decode()
