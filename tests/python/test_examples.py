"""The shipping examples run end to end, each in its own interpreter."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")


def run_example(name: str, timeout: int = 150) -> subprocess.CompletedProcess:
    # Run from another directory: the examples must not rely on the cwd.
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLES, name)], capture_output=True,
                          text=True, timeout=timeout, cwd=os.path.dirname(ROOT))
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr[-4000:]}"
    return proc


@pytest.mark.timeout(180)
def test_multiprocessing_pickle_expr():
    proc = run_example("multiprocessing_pickle_expr.py")
    lines = proc.stdout.splitlines()
    assert lines[-1].startswith("multiprocessing_pickle_expr: OK")
    assert any("matches pyarrow" in line for line in lines)
    assert any("inlining is disabled" in line for line in lines)


@pytest.mark.timeout(240)
def test_dask_pickle_expr():
    # Required by requirements-dev.txt: a missing install fails here, not skips.
    proc = run_example("dask_pickle_expr.py", timeout=200)
    lines = proc.stdout.splitlines()
    assert lines[-1].startswith("dask_pickle_expr: OK")
    assert any("matches pyarrow" in line for line in lines)
    assert any("inlining is disabled" in line for line in lines)


@pytest.mark.timeout(180)
def test_demo_main_job():
    # `make demo` runs this; keeping it in the suite keeps it from rotting.
    proc = run_example("demo.py")
    lines = proc.stdout.splitlines()
    assert "Checked against pyarrow: identical groups, counts, sums and means." in lines
    assert lines[-1].startswith("multiprocessing_pickle_expr: OK")


@pytest.mark.timeout(300)
def test_distributed_udf():
    # The same UDF-heavy Parquet query on the local pool, Dask and Ray.
    import ferry

    if not hasattr(ferry._core, "plan_job"):
        pytest.skip("needs the engine's stage API (ferry._core.plan_job)")
    proc = run_example("distributed_udf.py", timeout=280)
    lines = proc.stdout.splitlines()
    assert lines[-1] == "distributed_udf: OK"
    assert sum("same rows as in-process" in line for line in lines) == 3
    assert any("stage" in line.lower() for line in lines[:20])
