"""ferry-inspect: a Python-free process decodes, lists and re-encodes blobs."""

import os
import subprocess

import pyarrow as pa
import pyarrow.compute as pc

import ferry
from ferry import col, functions as f, lit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "build", "cpp", "tools", "ferry-inspect")


def inspect(data: bytes) -> subprocess.CompletedProcess:
    assert os.path.exists(TOOL), f"{TOOL} was not built (make builds it)"
    return subprocess.run([TOOL], input=data, capture_output=True, timeout=60)


def test_keeps_inline_udfs_opaque_and_reencodes_them_verbatim():
    factor = 3
    times = ferry.udf(lambda v: pc.multiply(v, factor), [pa.int64()], pa.int64(), "immutable",
                      name="times_factor")
    expr = f.abs(times(col("a"))) + times(col("b")) + lit(1)
    proc = inspect(expr.to_bytes())
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr
    assert "expression: abs(times_factor(a)) + times_factor(b) + Int64(1)" in out
    assert "scalar times_factor: inline scalar UDF (FYPYUDF)" in out
    assert "never unpickled" in out
    assert "re-encoded: identical" in out


def test_reports_bad_bytes_with_exit_status_1():
    for data in (b"", b"not ferry", (col("a") + 1).to_bytes()[:-3]):
        proc = inspect(data)
        assert proc.returncode == 1
        assert proc.stderr.decode().startswith("ferry-inspect: ")


# ---- signed frames -------------------------------------------------------------

KEY = bytes(range(32))
OTHER = bytes(range(1, 33))


def signed_blob() -> bytes:
    plus = ferry.udf(lambda v: pc.add(v, 1), [pa.int64()], pa.int64(), "immutable", name="plus")
    ctx = ferry.SessionContext().with_payload_keys({"k1": KEY})
    return plus(col("a")).to_bytes(ctx)


def inspect_with(data: bytes, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TOOL, *args], input=data, capture_output=True, timeout=60)


def test_shows_signed_and_unsigned_frames():
    out = inspect(signed_blob()).stdout.decode()
    assert "frame version 2" in out and "signed with key 'k1'" in out
    assert "re-encoded: identical" in out
    plus = ferry.udf(lambda v: pc.add(v, 1), [pa.int64()], pa.int64(), "immutable", name="plus")
    assert "frame version 1" in inspect(plus(col("a")).to_bytes()).stdout.decode()
    assert ", unsigned" in inspect(plus(col("a")).to_bytes()).stdout.decode()


def test_verifies_with_keys_from_the_command_line():
    blob = signed_blob()
    good = inspect_with(blob, "--key", f"k1={KEY.hex()}")
    assert good.returncode == 0, good.stderr
    assert "signed with key 'k1', signature valid" in good.stdout.decode()
    # Another secret under the same id, a key for another id, an unsigned frame.
    bad = inspect_with(blob, f"--key=k1={OTHER.hex()}")
    assert bad.returncode == 3
    assert "signature INVALID" in bad.stdout.decode()
    assert "unsigned or does not verify" in bad.stderr.decode()
    other_id = inspect_with(blob, "--key", f"k2={KEY.hex()}")
    assert other_id.returncode == 3
    assert "no --key for 'k1'" in other_id.stdout.decode()
    plus = ferry.udf(lambda v: pc.add(v, 1), [pa.int64()], pa.int64(), "immutable", name="plus")
    assert inspect_with(plus(col("a")).to_bytes(), "--key", f"k1={KEY.hex()}").returncode == 3
    # A flipped byte inside the payload: still decodes (opaque), never verifies.
    i = blob.index(b"FYPYUDF") + 20
    flipped = blob[:i] + bytes([blob[i] ^ 0xFF]) + blob[i + 1:]
    assert "signature INVALID" in inspect_with(flipped, "--key", f"k1={KEY.hex()}").stdout.decode()


def test_bad_key_arguments_are_usage_errors():
    for args in (["--key"], ["--key", "k1"], ["--key", "k1=abc"], ["--key", "k1=zz"],
                 ["--key", f"bad id={KEY.hex()}"], ["--bogus"]):
        proc = inspect_with(b"", *args)
        assert proc.returncode == 2, args
        assert "usage: ferry-inspect [--key ID=HEX]" in proc.stderr.decode()


def test_shows_aggregate_frames_it_cannot_decode():
    from ferry.user_defined import Accumulator

    class Count(Accumulator):
        def __init__(self):
            self.n = 0

        def update(self, values):
            self.n += len(values)

        def merge(self, states):
            self.n += sum(states[0].to_pylist())

        def state(self):
            return [self.n]

        def evaluate(self):
            return self.n

    count = ferry.udaf(Count, pa.int64(), pa.int64(), [pa.int64()], "immutable", name="count_it")
    blob = count(col("a")).to_bytes(ferry.SessionContext().with_payload_keys({"k1": KEY}))
    proc = inspect_with(blob, "--key", f"k1={KEY.hex()}")
    out = proc.stdout.decode()
    assert "frame: aggregate count_it: inline aggregate UDF (FYPYUDA), frame version 2" in out
    assert "signed with key 'k1', signature valid" in out
    # No opaque stand-in exists for aggregates here, so the expression itself fails.
    assert proc.returncode == 1
    assert "aggregate function 'count_it' is not registered" in proc.stderr.decode()


# ---- plans ---------------------------------------------------------------------


def test_plan_blob_shows_tree_tables_and_frames(tmp_path):
    import pyarrow.parquet as pq

    path = str(tmp_path / "facts.parquet")
    pq.write_table(pa.table({"k": [1, 2], "v": [3, 4]}), path)
    ctx = ferry.SessionContext()
    ctx.register_parquet("facts", path)
    ctx.from_pydict({"k": [1], "name": ["a"]}, name="dims")
    ctx.from_pydict({"k": [2]}, name="remote")
    twice = ferry.udf(lambda v: pc.multiply(v, 2), [pa.int64()], pa.int64(), "immutable",
                      name="twice")
    df = (ctx.table("facts").join(ctx.table("dims"), on="k")
          .union(ctx.table("facts").join(ctx.table("dims"), on="k"))
          .select(twice(col("v")).alias("a"), twice(col("k")).alias("b"), f.abs(col("v")))
          .join(ctx.table("remote"), left_on="a", right_on="k", how="semi")
          .limit(10))
    blob = df.to_bytes(tables_by_name=["remote"])
    proc = inspect(blob)
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr
    lines = out.splitlines()
    assert lines[0] == f"plan: 11 nodes, {len(blob)} bytes"
    assert lines[1:5] == ["  Limit: skip=0, fetch=10",
                          "    Join: semi, 1 key pair",
                          "      Projection: 3 expressions",
                          "        Union: 2 inputs"]
    assert "          Join: inner, 1 key pair" in lines
    assert "            Scan: facts (parquet)" in lines
    assert "      Scan: remote (by name)" in lines
    assert sum(line.startswith("table: facts: parquet " + path) for line in lines) == 2
    assert sum(line.startswith("table: dims: in-memory 1 partition") for line in lines) == 2
    assert any(line.startswith("table: remote: by name remote, ") for line in lines)
    # The UDF called twice is carried, and shown, once; the built-in by name.
    assert out.count("frame: scalar twice: inline scalar UDF (FYPYUDF)") == 1
    assert "never unpickled" in out
    assert "function: scalar abs: by name" in out
    assert "re-encoded: identical" in out


def test_bad_plan_bytes_exit_1():
    ctx = ferry.SessionContext()
    blob = ctx.from_pydict({"a": [1]}).to_bytes()
    for data in (blob[:-3], blob[:12]):
        proc = inspect(data)
        assert proc.returncode == 1, proc.stdout
        assert proc.stderr.decode().startswith("ferry-inspect: ")


def test_json_output_for_plans_and_expressions():
    import hashlib
    import json

    twice = ferry.udf(lambda v: pc.multiply(v, 2), [pa.int64()], pa.int64(), "immutable",
                      name="twice")
    ctx = ferry.SessionContext()
    df = ctx.from_pydict({"a": [1, 2]}, name="t").select(twice(col("a")), f.abs(col("a")))
    blob = df.to_bytes()
    proc = inspect_with(blob, "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["kind"] == "plan" and report["bytes"] == len(blob)
    assert report["nodes"] == [{"depth": 0, "node": "Projection: 2 expressions"},
                               {"depth": 1, "node": "Scan: t (in-memory)"}]
    (table,) = report["tables"]
    assert table["scan"] == "t" and table["source"] == "in-memory" and table["bytes"] > 0
    by_name = {fn["name"]: fn for fn in report["functions"]}
    assert by_name["abs"]["travels"] == "by name"
    frame = by_name["twice"]["frame"]
    assert by_name["twice"]["travels"] == "inline"
    assert frame["family"] == "inline scalar UDF (FYPYUDF)" and frame["signature"] == "unsigned"
    # The digest is the SHA-256 of the pickle payload: the frame's last bytes.
    start = blob.index(b"FYPYUDF")
    payload = blob[start + 10:start + 10 + frame["payload_bytes"]]
    assert frame["payload_sha256"] == hashlib.sha256(payload).hexdigest()
    assert report["reencoded"] == "identical" and report["verified"] is True

    expr_report = json.loads(inspect_with((col("a") + 1).to_bytes(), "--json").stdout)
    assert expr_report["kind"] == "expr"
    assert expr_report["expression"] == "a + Int64(1)"
    bad = inspect_with(b"junk", "--json")
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["error"] == "not a ferry expression"


def test_physical_plan_blob_shows_operators(tmp_path):
    import json

    import pyarrow.parquet as pq

    path = str(tmp_path / "t.parquet")
    pq.write_table(pa.table({"k": [1, 2, 1, None], "v": [1, 2, 3, 4]}), path, row_group_size=2)
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(2))
    twice = ferry.udf(lambda v: pc.multiply(v, 2), [pa.int64()], pa.int64(), "immutable",
                      name="twice")
    df = (ctx.read_parquet(path).select(col("k"), twice(col("v")).alias("w"))
          .aggregate([col("k")], [f.sum(col("w")).alias("s")]))
    blob = df.execution_plan().to_bytes()
    proc = inspect(blob)
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr
    lines = out.splitlines()
    assert lines[0].startswith("physical plan: ") and lines[0].endswith(f" operators, {len(blob)} bytes")
    assert any(line.strip().startswith("FinalAggregateExec: 1 group key, 1 aggregate") for line in lines)
    assert any(line.strip().startswith("PartialAggregateExec: 1 group key, 1 aggregate") for line in lines)
    assert any(line.strip().startswith("ExchangeExec: hash on 1 key into 2 partitions") for line in lines)
    assert any(line.strip() == "FileScanExec: parquet, 2 splits" for line in lines)
    assert f"table: {path}: parquet {path}, " in out
    assert out.count("frame: scalar twice: inline scalar UDF (FYPYUDF)") == 1
    assert "re-encoded: identical" in out
    report = json.loads(inspect_with(blob, "--json").stdout)
    assert report["kind"] == "physical_plan" and report["reencoded"] == "identical"
    assert [fn["name"] for fn in report["functions"] if fn["travels"] == "inline"] == ["twice"]
