"""Process-wide sender and global sessions (ipc.set_default_sender_ctx,
ipc.set_global_ctx) reach threads that never saw a slot: a real
multiprocessing.Pool pickles its tasks on a helper thread."""

import multiprocessing as mp
import os
import sys
import threading

import pyarrow as pa
import pytest

import ferry
from ferry import col, ipc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # importlib mode
import shipping_workers as sw  # noqa: E402

TIMEOUT = 120


@pytest.fixture
def strict_sender():
    ctx = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    ctx.register_udf(sw.TRIPLE)
    yield ctx
    ipc.clear_default_sender_ctx()
    ipc.clear_sender_ctx()


@pytest.fixture(scope="module")
def strict_global_pool():
    pool = mp.get_context("spawn").Pool(1, initializer=exec,
                                         initargs=(sw.initializer_source("strict_global"), {}))
    yield pool
    pool.terminate()
    pool.join()


def test_default_sender_reaches_another_thread(strict_sender):
    expr = sw.TRIPLE(col("x"))
    inline = expr.to_bytes()
    assert b"FYPYUDF" in inline  # the default codec inlines the UDF
    ipc.set_sender_ctx(strict_sender)
    seen = {}
    thread = threading.Thread(target=lambda: seen.update(blob=expr.to_bytes()))
    thread.start()
    thread.join()
    assert b"FYPYUDF" in seen["blob"]  # a thread slot is invisible elsewhere
    ipc.set_default_sender_ctx(strict_sender)
    thread = threading.Thread(target=lambda: seen.update(blob=expr.to_bytes()))
    thread.start()
    thread.join()
    assert b"FYPYUDF" not in seen["blob"]  # the process default applies
    assert expr.to_bytes() == seen["blob"]


def test_pool_tasks_pickled_on_a_helper_thread_use_the_process_defaults(strict_sender,
                                                                        strict_global_pool):
    # The Pool pickles (expr, table) on its task-handler thread. With only a
    # main-thread slot it would inline the UDF (see the test above), and the
    # worker's strict global session would refuse it while unpickling the
    # task, which a Pool never reports: the call would time out.
    table = pa.table({"x": [1, 2, None]})
    expr = sw.TRIPLE(col("x")) + 1
    ipc.set_default_sender_ctx(strict_sender)
    _, values = strict_global_pool.apply_async(sw.evaluate_expr, (expr, table)).get(TIMEOUT)
    assert values == [4, 7, None]


def test_set_global_ctx_replaces_the_decoding_fallback():
    before = ferry.SessionContext.global_ctx()
    strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    try:
        ipc.set_global_ctx(strict)
        assert ferry.SessionContext.global_ctx() is strict
        blob = sw.TRIPLE(col("x")).to_bytes()  # inline
        with pytest.raises(ferry.errors.ExecutionError, match="refusing"):
            ferry.Expr.from_bytes(blob)
        with pytest.raises(TypeError):
            ipc.set_global_ctx("not a session")
    finally:
        ipc.set_global_ctx(before)
