"""Expressions (Python UDFs included) shipped to multiprocessing.Pool workers
under every start method, each worker evaluating its own partition."""

import importlib.util
import os
import pickle
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import Expr, col, functions as f, lit, udf

HERE = os.path.dirname(os.path.abspath(__file__))
if "shipping_workers" not in sys.modules:  # tests import with --import-mode=importlib
    _spec = importlib.util.spec_from_file_location(
        "shipping_workers", os.path.join(HERE, "shipping_workers.py"))
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["shipping_workers"] = _module
    _spec.loader.exec_module(_module)
import shipping_workers as sw  # noqa: E402

import multiprocessing as mp  # noqa: E402

METHODS = [m for m in ("fork", "forkserver", "spawn") if m in mp.get_all_start_methods()]
TIMEOUT = 60
MAGIC = b"FYPYUDF"

pytestmark = pytest.mark.timeout(180)


def make_data(parts: int = 4, rows: int = 500, seed: int = 11) -> list[pa.Table]:
    rng = np.random.default_rng(seed)
    out = []
    for p in range(parts):
        a = rng.integers(-1000, 1000, rows)
        mask = rng.random(rows) < 0.1
        out.append(pa.table({
            "a": pa.array(a, pa.int64(), mask=mask),
            "b": pa.array(rng.integers(0, 50, rows), pa.int64()),
            "s": pa.array(rng.choice(["x", "yy", "zzz", "ferry"], rows)),
            "part": pa.array(np.full(rows, p), pa.int64()),
        }))
    return out


PARTS = make_data()
WHOLE = pa.concat_tables(PARTS)


def make_offset_udf(offset: int, name: str = "add_offset"):
    def add_offset(a):
        return pc.add(a, offset)

    return udf(add_offset, [pa.int64()], pa.int64(), "immutable", name=name)


@pytest.fixture(scope="module", params=METHODS)
def method(request):
    return request.param


class Pools:
    """Two-process pools per start method, created on first use."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.pools = {}

    def get(self, mode: str):
        if mode not in self.pools:
            ctx = mp.get_context(self.method)
            self.pools[mode] = ctx.Pool(2, initializer=exec,
                                        initargs=(sw.initializer_source(mode), {}))
        return self.pools[mode]

    def close(self) -> None:
        for pool in self.pools.values():
            pool.terminate()
            pool.join()


@pytest.fixture(scope="module")
def pools(method):
    p = Pools(method)
    yield p
    p.close()


def fan_out(pool, fn, payload) -> list:
    """Runs ``fn(payload, partition)`` for every partition; the results in
    partition order, bounded by a timeout."""
    async_result = pool.starmap_async(fn, [(payload, part) for part in PARTS])
    results = async_result.get(timeout=TIMEOUT)
    values = []
    for _, partial in results:
        values.extend(partial)
    return values


def test_workers_start_with_expected_sessions(pools):
    default = pools.get("default").map_async(sw.worker_state, range(4)).get(timeout=TIMEOUT)
    assert all(state[1:] == (False, None) for state in default)
    strict = pools.get("strict_registered").map_async(sw.worker_state, range(4)).get(
        timeout=TIMEOUT)
    assert all(state[1:] == (True, False) for state in strict)
    assert all(pid != os.getpid() for pid, _, _ in default + strict)


def test_builtin_expressions(pools):
    exprs_and_refs = [
        (col("a") * 2 + col("b"), pc.add(pc.multiply(WHOLE["a"], 2), WHOLE["b"])),
        (f.when(col("a") > 0, lit("pos")).otherwise(f.upper(col("s"))),
         pc.if_else(pc.fill_null(pc.greater(WHOLE["a"], 0), False), "pos",
                    pc.utf8_upper(WHOLE["s"]))),
        (col("b").in_list([1, 2, 3]) | col("s").like("f%"),
         pc.or_kleene(pc.is_in(WHOLE["b"], pa.array([1, 2, 3])),
                      pc.match_like(WHOLE["s"], "f%"))),
        (col("a").cast(pa.float64()) / 4.0, pc.divide(pc.cast(WHOLE["a"], pa.float64()), 4.0)),
    ]
    pool = pools.get("default")
    for expr, ref in exprs_and_refs:
        assert fan_out(pool, sw.evaluate_expr, expr) == ref.to_pylist()
        assert fan_out(pool, sw.evaluate_bytes, expr.to_bytes()) == ref.to_pylist()


def test_udf_without_worker_registration(pools):
    @udf([pa.int64(), pa.int64()], pa.int64(), "immutable", name="weighted")
    def weighted(a, b):
        return pc.add(pc.multiply(a, 10), b)

    expr = weighted(col("a"), col("b")) - 1
    want = pc.subtract(pc.add(pc.multiply(WHOLE["a"], 10), WHOLE["b"]), 1).to_pylist()
    pool = pools.get("default")
    assert fan_out(pool, sw.evaluate_expr, expr) == want
    assert fan_out(pool, sw.evaluate_pickle, pickle.dumps(expr)) == want


def test_closure_captured_value_shows(pools):
    pool = pools.get("default")
    for offset in (12345, -7):
        expr = make_offset_udf(offset)(col("a"))
        assert fan_out(pool, sw.evaluate_expr, expr) == pc.add(WHOLE["a"], offset).to_pylist()


def test_strict_sender_and_strict_registered_worker(pools):
    sender = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    expr = sw.TRIPLE(col("a")) + col("b")
    blob = expr.to_bytes(sender)
    assert MAGIC not in blob
    want = pc.add(pc.multiply(WHOLE["a"], 3), WHOLE["b"]).to_pylist()
    pool = pools.get("strict_registered")
    assert fan_out(pool, sw.evaluate_bytes, blob) == want
    # The same through pickle with the sender slot set on this thread.
    ferry.ipc.set_sender_ctx(sender)
    try:
        pickled = pickle.dumps(expr)
    finally:
        ferry.ipc.clear_sender_ctx()
    assert MAGIC not in pickled
    assert fan_out(pool, sw.evaluate_pickle, pickled) == want


def test_strict_worker_refuses_inline_blob(pools):
    expr = make_offset_udf(1, name="refused_udf")(col("a"))
    blob = expr.to_bytes()
    assert MAGIC in blob
    pool = pools.get("strict_registered")
    for fn, payload in ((sw.evaluate_bytes, blob), (sw.evaluate_pickle, pickle.dumps(expr))):
        with pytest.raises(RuntimeError) as info:
            fan_out(pool, fn, payload)
        message = str(info.value)
        assert "inlining is disabled" in message
        assert "refused_udf" in message
        assert "FYPYUDF" in message
    # The pool still works afterwards.
    assert fan_out(pool, sw.evaluate_expr, col("b") + 1) == pc.add(WHOLE["b"], 1).to_pylist()


def test_strict_worker_by_name_unregistered_fails_in_parent(pools):
    sender = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    blob = make_offset_udf(1, name="unknown_on_worker")(col("a")).to_bytes(sender)
    with pytest.raises(KeyError, match="unknown_on_worker"):
        fan_out(pools.get("strict_registered"), sw.evaluate_bytes, blob)
