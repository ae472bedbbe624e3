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
