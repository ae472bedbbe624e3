"""A query still running on a daemon thread when the interpreter exits must
not crash the process (it used to end in SIGSEGV or "Fatal Python error:
PyGILState_Release")."""

import signal
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import threading, time
    import pyarrow as pa, pyarrow.compute as pc
    import ferry
    from ferry import col, udf

    started = threading.Event()

    def slow(x):
        started.set()
        time.sleep({sleep})
        return pc.add(x, 1)

    slow_udf = udf(slow, [pa.int64()], pa.int64(), "immutable", name="slow")
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(4))
    batches = [[pa.record_batch({{"x": pa.array(range(i * 10, i * 10 + 10))}})] for i in range(4)]
    df = ctx.create_dataframe(batches * 25)

    def run():
        df.select(slow_udf(col("x"))).collect()

    threading.Thread(target=run, daemon=True).start()
    started.wait()
    {main_tail}
""")


@pytest.mark.parametrize("sleep, main_tail", [
    (0.2, "pass"),                      # exits while UDF calls are sleeping
    (0.0, "time.sleep(0.05)"),          # exits between quick UDF calls
    (30.0, "pass"),                     # a call longer than the exit grace period
], ids=["slow-udf", "fast-udf", "stuck-udf"])
def test_exit_with_a_query_in_flight_on_a_daemon_thread(sleep, main_tail):
    code = SCRIPT.format(sleep=sleep, main_tail=main_tail)
    # The interleaving varies from run to run; the stuck case always waits
    # out the exit grace period (5 s), so it runs once.
    for _ in range(1 if sleep > 5 else 3):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode >= 0, (
            f"killed by {signal.Signals(-proc.returncode).name}: {proc.stderr[-2000:]}")
        assert "Fatal Python error" not in proc.stderr, proc.stderr[-2000:]
        assert proc.returncode == 0, proc.stderr[-2000:]
