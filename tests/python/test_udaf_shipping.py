"""Python aggregate UDFs on the wire: inline FYPYUDA frames (cloudpickle) by
default, by name on a strict session, refused inline by a strict receiver;
also through a real "spawn" multiprocessing pool."""

import importlib.util
import multiprocessing as mp
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import Accumulator, Expr, col, udaf

HERE = os.path.dirname(os.path.abspath(__file__))
if "shipping_workers" not in sys.modules:  # tests import with --import-mode=importlib
    _spec = importlib.util.spec_from_file_location(
        "shipping_workers", os.path.join(HERE, "shipping_workers.py"))
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["shipping_workers"] = _module
    _spec.loader.exec_module(_module)
import shipping_workers as sw  # noqa: E402

pytestmark = pytest.mark.timeout(180)

MAGIC = b"FYPYUDA"
TIMEOUT = 60


def make_mean(offset: float = 0.0, name: str = "shipped_mean"):
    """A mean (plus ``offset``, captured by the closure) with a 2-field state."""

    class Mean(Accumulator):
        def __init__(self):
            self.total, self.count = 0.0, 0

        def update(self, values):
            self.total += pc.sum(values).as_py() or 0.0
            self.count += len(values) - values.null_count

        def merge(self, states):
            self.total += pc.sum(states[0]).as_py() or 0.0
            self.count += pc.sum(states[1]).as_py() or 0

        def state(self):
            return [self.total, self.count]

        def evaluate(self):
            return None if self.count == 0 else self.total / self.count + offset

    states = [pa.field("total", pa.float64(), nullable=False,
                       metadata={"unit": "sum"}), pa.field("count", pa.int64())]
    return udaf(Mean, pa.float64(), pa.float64(), states, "immutable", name=name)


def make_parts(parts: int = 4, rows: int = 400, seed: int = 3) -> list[pa.Table]:
    rng = np.random.default_rng(seed)
    out = []
    for p in range(parts):
        n = 0 if p == 1 else rows  # one empty partition
        out.append(pa.table({
            "k": pa.array(rng.integers(0, 9, n), pa.int64()),
            "v": pa.array(rng.normal(size=n), pa.float64(), mask=rng.random(n) < 0.2),
        }))
    return out


PARTS = make_parts()
WHOLE = pa.concat_tables(PARTS)


def want_means(offset: float = 0.0) -> list[dict]:
    ref = WHOLE.group_by("k").aggregate([("v", "mean")]).sort_by("k")
    return [{"k": k, "r": None if m is None else m + offset}
            for k, m in zip(ref["k"].to_pylist(), ref["v_mean"].to_pylist())]


def run(ctx: ferry.SessionContext, expr: Expr) -> list[dict]:
    df = ctx.create_dataframe([t.to_batches() for t in PARTS], schema=WHOLE.schema)
    return sorted(df.aggregate([col("k")], [expr.alias("r")]).to_pylist(), key=lambda r: r["k"])


def assert_rows_close(got: list[dict], want: list[dict]) -> None:
    assert [r["k"] for r in got] == [r["k"] for r in want]
    for g, w in zip(got, want):
        if w["r"] is None:
            assert g["r"] is None
        else:
            assert g["r"] == pytest.approx(w["r"], rel=1e-9)


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=90)


# ---- inline by default ----------------------------------------------------------

def test_to_bytes_into_fresh_session():
    expr = make_mean(100.0)(col("v"))
    blob = expr.to_bytes()
    assert blob.count(MAGIC) == 1
    fresh = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(3))
    decoded = Expr.from_bytes(blob, fresh)
    assert decoded.canonical_name() == expr.canonical_name()
    assert_rows_close(run(fresh, decoded), want_means(100.0))
    # Nothing was registered on the receiver.
    strict = fresh.with_python_udf_inlining(enabled=False)
    with pytest.raises(KeyError, match="shipped_mean"):
        Expr.from_bytes(expr.to_bytes(strict), strict)


def test_pickle_round_trip():
    expr = make_mean(-1.5, name="pickled_mean")(col("v"))
    decoded = pickle.loads(pickle.dumps(expr))
    assert_rows_close(run(ferry.SessionContext(), decoded), want_means(-1.5))


def test_decoded_udaf_keeps_state_fields_and_re_encodes():
    expr = make_mean(2.0)(col("v"))
    decoded = Expr.from_bytes(expr.to_bytes(), ferry.SessionContext())
    # Re-encoding the decoded UDAF ships it inline again, then it runs.
    again = Expr.from_bytes(decoded.to_bytes(), ferry.SessionContext())
    assert_rows_close(run(ferry.SessionContext(), again), want_means(2.0))


def test_inline_payload_layout():
    from ferry import _inline

    udf = make_mean(name="layout_mean")
    payload = _inline.dump_udaf("layout_mean", udf._raw.accumulator, [pa.float64()],
                                pa.float64(), udf._raw.state_fields, "immutable")
    name, factory, inputs, output, states, volatility = _inline.load_udaf("layout_mean", payload)
    assert (name, inputs, output, volatility) == ("layout_mean", [pa.float64()], pa.float64(),
                                                  "immutable")
    assert [s.name for s in states] == ["total", "count"]
    assert states[0].nullable is False and states[0].metadata == {b"unit": b"sum"}
    assert isinstance(factory(), Accumulator)
    with pytest.raises(ferry.errors.FerryValueError, match="malformed inline UDAF"):
        _inline.load_udaf("layout_mean", b"not a pickle")


def test_decode_cache_unpickles_once():
    proc = run_python(
        """
        import sys, pyarrow as pa, pyarrow.compute as pc, ferry
        from ferry import col, udaf, Accumulator, Expr

        class Total(Accumulator):
            def __init__(self): self.t = 0.0
            def update(self, v): self.t += pc.sum(v).as_py() or 0.0
            def merge(self, s): self.t += pc.sum(s[0]).as_py() or 0.0
            def state(self): return [self.t]
            def evaluate(self): return self.t

        total = udaf(Total, pa.float64(), pa.float64(), [pa.float64()], "immutable")
        blob = total(col("v")).to_bytes()
        events = []
        sys.addaudithook(lambda event, args: events.append(event)
                         if event == "pickle.find_class" else None)
        ctx = ferry.SessionContext()
        first = Expr.from_bytes(blob, ctx)
        seen = len(events)
        assert seen > 0
        second = Expr.from_bytes(blob, ferry.SessionContext())
        assert len(events) == seen, (seen, len(events))
        df = ctx.from_pydict({"v": [1.0, 2.5]})
        assert df.aggregate([], [second.alias("r")]).to_pydict() == {"r": [3.5]}
        print("CACHE-OK")
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert "CACHE-OK" in proc.stdout


# ---- strict sessions --------------------------------------------------------------

def test_strict_encodes_by_name_and_registered_receiver_runs():
    mean = make_mean(name="named_mean")
    sender = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    blob = mean(col("v")).to_bytes(sender)
    assert MAGIC not in blob
    assert b"named_mean" in blob
    ferry.ipc.set_sender_ctx(sender)
    try:
        pickled = pickle.dumps(mean(col("v")))
    finally:
        ferry.ipc.clear_sender_ctx()
    assert MAGIC not in pickled
    receiver = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    receiver.register_udaf(make_mean(10.0, name="named_mean"))  # the receiver's own decides
    decoded = Expr.from_bytes(blob, receiver)
    assert_rows_close(run(receiver, decoded), want_means(10.0))


def test_strict_refuses_inline_frame():
    blob = make_mean(name="refused_mean")(col("v")).to_bytes()
    assert MAGIC in blob
    strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    strict.register_udaf(make_mean(name="refused_mean"))  # refused even when registered
    with pytest.raises(RuntimeError) as info:
        Expr.from_bytes(blob, strict)
    message = str(info.value)
    assert "inlining is disabled" in message
    assert "refused_mean" in message
    assert "FYPYUDA" in message


def test_strict_refusal_never_unpickles():
    proc = run_python(
        """
        import sys, pyarrow as pa, pyarrow.compute as pc, ferry
        from ferry import col, udaf, Accumulator, Expr

        class Total(Accumulator):
            def __init__(self): self.t = 0.0
            def update(self, v): self.t += pc.sum(v).as_py() or 0.0
            def merge(self, s): self.t += pc.sum(s[0]).as_py() or 0.0
            def state(self): return [self.t]
            def evaluate(self): return self.t

        blob = udaf(Total, pa.float64(), pa.float64(), [pa.float64()], "immutable",
                    name="sneaky_total")(col("v")).to_bytes()
        events = []
        sys.addaudithook(lambda event, args: events.append(event)
                         if event == "pickle.find_class" else None)
        strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
        try:
            Expr.from_bytes(blob, strict)
        except RuntimeError as e:
            assert "inlining is disabled" in str(e) and "sneaky_total" in str(e), e
        else:
            raise SystemExit("strict session accepted an inline UDAF")
        assert events == [], events
        Expr.from_bytes(blob, ferry.SessionContext())
        assert events, "audit hook saw no pickle.find_class"
        print("NO-UNPICKLE-OK")
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert "NO-UNPICKLE-OK" in proc.stdout


# ---- a real spawn pool -----------------------------------------------------------

@pytest.fixture(scope="module")
def spawn_pools():
    ctx = mp.get_context("spawn")
    pools = {mode: ctx.Pool(2, initializer=exec, initargs=(sw.initializer_source(mode), {}))
             for mode in ("default", "strict")}
    yield pools
    for pool in pools.values():
        pool.terminate()
        pool.join()


def test_spawn_pool_decodes_and_merges(spawn_pools):
    expr = make_mean(7.0, name="spawned_mean")(col("v"))
    pool = spawn_pools["default"]
    jobs = [pool.apply_async(sw.aggregate_bytes, (expr.to_bytes(), PARTS, False)),
            pool.apply_async(sw.aggregate_bytes, (pickle.dumps(expr), PARTS, True))]
    for job in jobs:
        assert_rows_close(job.get(timeout=TIMEOUT), want_means(7.0))


def test_spawn_pool_strict_worker_refuses(spawn_pools):
    expr = make_mean(name="spawn_refused")(col("v"))
    job = spawn_pools["strict"].apply_async(sw.aggregate_bytes, (expr.to_bytes(), PARTS, False))
    with pytest.raises(RuntimeError) as info:
        job.get(timeout=TIMEOUT)
    message = str(info.value)
    assert "inlining is disabled" in message and "spawn_refused" in message
    assert "FYPYUDA" in message
