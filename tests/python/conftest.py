import subprocess
import sys
import textwrap

import pyarrow as pa
import pytest

import ferry


@pytest.fixture
def ctx() -> ferry.SessionContext:
    """A session with several partitions, so every query runs in parallel."""
    return ferry.SessionContext(ferry.SessionConfig().with_target_partitions(3))


@pytest.fixture
def ctx1() -> ferry.SessionContext:
    """A single-partition session, for checks that must not depend on parallelism."""
    return ferry.SessionContext(ferry.SessionConfig().with_target_partitions(1))


@pytest.fixture
def partitioned(ctx):
    """Builds a DataFrame over ``table`` split into explicit partitions.

    ``parts`` is the number of non-empty partitions; ``empty=True`` adds an
    empty partition (a zero-row batch) and a partition with no batches at all.
    """

    def make(table: pa.Table, parts: int = 3, empty: bool = True) -> ferry.DataFrame:
        n = table.num_rows
        bounds = [round(i * n / parts) for i in range(parts + 1)]
        partitions = [
            table.slice(lo, hi - lo).combine_chunks().to_batches() for lo, hi in zip(bounds, bounds[1:])
        ]
        if empty:
            partitions.insert(1, [pa.RecordBatch.from_pylist([], schema=table.schema)])
            partitions.append([])
        return ctx.create_dataframe(partitions, schema=table.schema)

    return make


@pytest.fixture
def run_isolated():
    """Runs a snippet of Python in a fresh interpreter (for code that may crash).

    Returns the CompletedProcess; the snippet has ``ferry``, ``pa``, ``col``,
    ``lit`` and ``f`` imported.
    """

    def run(code: str) -> subprocess.CompletedProcess:
        prelude = "import pyarrow as pa, ferry\nfrom ferry import col, lit, functions as f\n"
        return subprocess.run(
            [sys.executable, "-c", prelude + textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def evaluate():
    """evaluate(df, expr) -> the pyarrow ChunkedArray of ``expr`` over ``df``."""

    def run(df: ferry.DataFrame, expr) -> pa.ChunkedArray:
        return df.select(expr.alias("r")).to_arrow_table()["r"]

    return run


# ---- distributed engines, one of each per test session -------------------------

@pytest.fixture(scope="session")
def dask_client():
    """A Dask LocalCluster of two single-threaded worker processes.

    ``allowed-failures`` is 0 so a worker death reaches ferry's scheduler
    (which retries) at once instead of after Dask's own three reschedules.
    """
    import dask
    from dask.distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=50)
        client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="session")
def ray_cluster():
    """A local Ray with two CPUs, started once and shut down at the end."""
    import ray

    # address="local": always a cluster of its own, never one that happens to
    # be running on the machine (or named by RAY_ADDRESS).
    ray.init(address="local", num_cpus=2, include_dashboard=False,
             log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="session")
def local_executor():
    """A LocalExecutor of two worker processes, shared by the distributed tests."""
    from ferry.distributed import LocalExecutor

    with LocalExecutor(workers=2, progress=False) as ex:
        yield ex


@pytest.fixture(params=["local", "dask", "ray"])
def executor(request, local_executor):
    """Each executor in turn: the shared local pool, the Dask LocalCluster, the local Ray."""
    from ferry.distributed import DaskExecutor, RayExecutor

    if request.param == "local":
        return local_executor
    if request.param == "dask":
        client = request.getfixturevalue("dask_client")
        # A fault test may have killed workers that are still restarting.
        client.wait_for_workers(2, timeout=240)
        return DaskExecutor(client, progress=False)
    request.getfixturevalue("ray_cluster")
    return RayExecutor(progress=False)
