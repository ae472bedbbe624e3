"""ferry's main job, end to end.

1. A multi-partition query with a Python UDF: a DataFrame over 1,000,000
   rows split into partitions, a closure-capturing Python UDF, a filter and
   a two-phase group-by (partial per partition, final merge), checked
   against pyarrow.
2. Shipping: the driver pickles an expression with a closure-capturing
   Python UDF, fans it out over a process pool where each worker evaluates
   it on its own partition of data, gathers and checks the results, then a
   strict worker refuses the inline UDF without unpickling it
   (examples/multiprocessing_pickle_expr.py).
"""

import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

import multiprocessing_pickle_expr  # beside this file

import ferry
from ferry import col, functions as f, lit


def query_with_udf() -> None:
    rng = np.random.default_rng(7)
    n = 1_000_000
    table = pa.table(
        {
            "id": np.arange(n, dtype=np.int64),
            "k": rng.integers(0, 20, n),
            "v": rng.normal(100.0, 15.0, n),
        }
    )
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(4))
    ctx.register_table("events", table)

    tax_rate = 0.2  # captured by the UDF below

    @ferry.udf([pa.float64()], pa.float64(), "immutable")
    def with_tax(v: pa.Array) -> pa.Array:
        return pc.multiply(v, 1.0 + tax_rate)

    df = (
        ctx.table("events")
        .filter(col("v") > lit(90.0))
        .with_column("gross", with_tax(col("v")))
        .aggregate(
            [col("k")],
            [
                f.count().alias("n"),
                f.sum(col("gross")).alias("gross_total"),
                f.avg(col("v")).alias("v_mean"),
            ],
        )
        .sort(col("k"))
    )
    print("Plan:")
    df.explain()
    start = time.perf_counter()
    result = df.to_arrow_table()
    elapsed = time.perf_counter() - start
    print(f"Result ({result.num_rows} groups, {elapsed * 1000:.1f} ms):")
    df.limit(5).show()

    # Independent reference: the same query with pyarrow alone.
    kept = table.filter(pc.greater(table["v"], 90.0))
    expected = (
        kept.append_column("gross", pc.multiply(kept["v"], 1.0 + tax_rate))
        .group_by("k")
        .aggregate([("id", "count"), ("gross", "sum"), ("v", "mean")])
        .sort_by("k")
    )
    assert result["k"].to_pylist() == expected["k"].to_pylist()
    assert result["n"].to_pylist() == expected["id_count"].to_pylist()
    np.testing.assert_allclose(result["gross_total"], expected["gross_sum"], rtol=1e-9)
    np.testing.assert_allclose(result["v_mean"], expected["v_mean"], rtol=1e-9)
    print("Checked against pyarrow: identical groups, counts, sums and means.")


def main() -> None:
    print("== 1. a multi-partition query with a Python UDF ==")
    query_with_udf()
    print()
    print("== 2. shipping the UDF to worker processes ==")
    multiprocessing_pickle_expr.main()


if __name__ == "__main__":
    main()
