"""Ctrl-C (SIGINT) during a long collect() stops the query promptly with
KeyboardInterrupt, and the session stays usable. Each case runs in a
subprocess that prints READY just before the long query; the test then
sends SIGINT and expects the process to report the KeyboardInterrupt and
a correct follow-up query within a few seconds."""

import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

# The child installs Python's SIGINT handler itself: a process that starts
# with SIGINT ignored (inherited from a pytest process where an earlier
# test's pool set SIG_IGN) would otherwise never raise KeyboardInterrupt.
PRELUDE = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
import pyarrow as pa
import pyarrow.compute as pc
from ferry import SessionConfig, SessionContext, col, functions as f, udf
ctx = SessionContext(SessionConfig().with_target_partitions(2))
"""

# A cross join counted: 40,000 x 40,000 pairs, minutes of pure engine work
# (the aggregate consumes every pair; nothing reaches Python until the end).
ENGINE_QUERY = """
left = ctx.from_pydict({"a": list(range(40_000))})
right = ctx.from_pydict({"b": list(range(40_000))})
query = left.join_on(right, col("a") != col("b")).aggregate([], [f.count_star().alias("n")])
"""

# A Python UDF sleeping 50 ms per batch over 4,000 batches: over three
# minutes, most of it outside the engine, in Python, on engine threads.
UDF_QUERY = """
def slow(a):
    time.sleep(0.05)
    return a
slow_udf = udf(slow, [pa.int64()], pa.int64(), "immutable", name="slow")
batches = [pa.record_batch({"a": list(range(i * 8, i * 8 + 8))}) for i in range(4000)]
query = ctx.create_dataframe([batches[:2000], batches[2000:]]).select(slow_udf(col("a")).alias("a"))
"""

# How the query is run: collect(), a RecordBatchStream pulled batch by
# batch (SessionContext.execute), a physical plan's partition run whole, or
# the job's tasks run one by one as a distributed worker runs them.
RUNNERS = {
    "collect": "query.collect()",
    "stream": """
plan = query.execution_plan()
for partition in range(plan.partition_count):
    for batch in ctx.execute(plan, partition):
        pass
""",
    "execute": """
plan = query.execution_plan()
for partition in range(plan.partition_count):
    plan._raw.execute(partition)
""",
    "run_task": """
from ferry import _core
job = _core.plan_job(ctx._raw, query._raw, 2)
outputs = {}
for stage in job.stages:
    inputs = {i: outputs[i] for i in stage.inputs}
    outputs[stage.id] = [_core.run_task(job.payload, stage.id, task, inputs, ctx._raw)[0]
                         for task in range(stage.num_tasks)]
""",
}

RUN = """
print("READY", flush=True)
started = time.monotonic()
try:
    RUN_QUERY
    print("FINISHED", flush=True)
except KeyboardInterrupt:
    print(f"INTERRUPTED {time.monotonic() - started:.2f}", flush=True)
# The session is still usable, and right.
print("AFTER", ctx.from_pydict({"x": [1, 2, None]}).aggregate([], [f.sum(col("x"))]).to_pydict(),
      flush=True)
"""


def interrupt(query: str, runner: str = "collect") -> tuple[str, float, str]:
    """Runs `query` in a subprocess the way `runner` says, SIGINTs it 0.5 s
    after READY, and returns its stdout, the seconds from SIGINT to exit,
    and its stderr."""
    run = RUN.replace("    RUN_QUERY", textwrap.indent(RUNNERS[runner].strip(), "    "))
    script = textwrap.dedent(PRELUDE + query + run)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "READY", proc.stderr.read()
        time.sleep(0.5)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        return out, time.monotonic() - sent, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("query", [ENGINE_QUERY, UDF_QUERY], ids=["engine", "python_udf"])
def test_sigint_stops_a_long_collect(query):
    out, seconds, err = interrupt(query)
    assert "FINISHED" not in out, "the query ran to its end instead of stopping"
    assert "INTERRUPTED" in out, err
    assert "AFTER {'sum(x)': [3]}" in out, out + err
    assert seconds < 5, f"took {seconds:.1f} s to stop after SIGINT"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("query, runner", [(ENGINE_QUERY, "stream"), (UDF_QUERY, "stream"),
                                           (ENGINE_QUERY, "execute"), (ENGINE_QUERY, "run_task")],
                         ids=["stream-engine", "stream-python_udf", "execute", "run_task"])
def test_sigint_stops_streams_partitions_and_tasks(query, runner):
    out, seconds, err = interrupt(query, runner)
    assert "FINISHED" not in out, "the query ran to its end instead of stopping"
    assert "INTERRUPTED" in out, err
    assert "AFTER {'sum(x)': [3]}" in out, out + err
    assert seconds < 5, f"took {seconds:.1f} s to stop after SIGINT"


@pytest.mark.timeout(60)
def test_an_interrupted_stream_is_used_up_and_says_so():
    # The UDF query streams: each pull computes one batch (50 ms in Python).
    script = textwrap.dedent(PRELUDE + UDF_QUERY + """
stream = ctx.execute(query.execution_plan(), 0)
print("READY", flush=True)
try:
    for batch in stream:
        pass
except KeyboardInterrupt:
    print("INTERRUPTED", flush=True)
try:
    next(stream)
except Exception as e:
    print("THEN", type(e).__name__, e, flush=True)
""")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "READY", proc.stderr.read()
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "INTERRUPTED" in out, err
    assert "THEN FerryValueError this record batch stream was interrupted; execute the plan again" in out, out + err


@pytest.mark.timeout(60)
def test_a_query_without_sigint_completes():
    # The same machinery when nothing interrupts: a right answer.
    script = textwrap.dedent(PRELUDE + """
left = ctx.from_pydict({"a": list(range(300))})
right = ctx.from_pydict({"b": list(range(300))})
n = left.join_on(right, col("a") != col("b")).aggregate([], [f.count_star().alias("n")]).to_pydict()
print(n["n"][0])
""")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == str(300 * 300 - 300), out.stderr
