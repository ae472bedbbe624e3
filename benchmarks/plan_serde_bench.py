#!/usr/bin/env python
"""Plan serialization: ferry vs datafusion-python, each in a process of its own.

    python benchmarks/plan_serde_bench.py               # best of 5
    python benchmarks/plan_serde_bench.py --repeat 2    # quicker
    python benchmarks/plan_serde_bench.py --json out.json

Cases (the same plan built with each library's own DataFrame API):

  tpch      TPC-H Q3's shape over three Parquet files: two joins, filters,
            a grouped sum, sort and limit (tables travel by path)
  udf30     a 30-node plan (projections and filters over a Parquet scan)
            calling three Python scalar UDFs six times each
  memtable  a scan of a 1,000,000-row in-memory table (two int64 and one
            float64 column) carried inline

Each library encodes its unoptimized logical plan with LogicalPlan.to_bytes
(datafusion-python: to_bytes, else to_proto) and decodes it with
LogicalPlan.from_bytes(ctx, blob) into a session holding the same files;
the "physical" rows do the same with df.execution_plan() and
ExecutionPlan.to_bytes/from_bytes (datafusion-python: to_proto/from_proto),
the decoded plan run partition by partition with ctx.execute.
Every decoded plan is run once and compared with the original's result
(outside the timings). Each engine runs in a child process of its own over
the same files, so neither's caches or allocator state touch the other's;
times are CPU time of the timing process (time.process_time), as on a
shared machine wall time also counts other processes' work. A plan a
library cannot round-trip is reported with its error, never faked.
Targets (reported, not asserted): encode + decode >= 3x faster than
datafusion-python with a blob no larger; each UDF's payload appears once
in ferry's blob.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serde_bench import ms, ratio  # noqa: E402


def best_of(fn: Callable[[], Any], loops: int, repeat: int) -> tuple[float, float]:
    """Best (CPU, wall) seconds per call of fn over `repeat` samples of `loops` calls."""
    fn()  # warm-up
    best_cpu = best_wall = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            c0, w0 = time.process_time(), time.perf_counter()
            for _ in range(loops):
                fn()
            best_cpu = min(best_cpu, (time.process_time() - c0) / loops)
            best_wall = min(best_wall, (time.perf_counter() - w0) / loops)
        finally:
            gc.enable()
    return best_cpu, best_wall


def plus(a: pa.Array) -> pa.Array:
    return pc.add(a, 1)


def times(a: pa.Array) -> pa.Array:
    return pc.multiply(a, 3)


def minus(a: pa.Array) -> pa.Array:
    return pc.subtract(a, 2)


def write_tables(root: str) -> dict[str, str]:
    rng = np.random.default_rng(7)
    n = 20_000
    tables = {
        "customer": pa.table({"c_custkey": np.arange(n // 10), "c_mktsegment": pa.array(
            np.array(["BUILDING", "AUTOMOBILE", "MACHINERY"])[rng.integers(0, 3, n // 10)])}),
        "orders": pa.table({"o_orderkey": np.arange(n // 4), "o_custkey": rng.integers(0, n // 10, n // 4),
                            "o_orderdate": rng.integers(0, 2500, n // 4),
                            "o_shippriority": rng.integers(0, 2, n // 4)}),
        "lineitem": pa.table({"l_orderkey": rng.integers(0, n // 4, n),
                              "l_extendedprice": rng.uniform(1, 1000, n),
                              "l_discount": rng.uniform(0, 0.1, n), "l_shipdate": rng.integers(0, 2500, n)}),
    }
    paths = {}
    for name, table in tables.items():
        paths[name] = os.path.join(root, f"{name}.parquet")
        pq.write_table(table, paths[name])
    return paths


def build(engine: str, ctx: Any, paths: dict[str, str], memtable: pa.Table) -> dict[str, Any]:
    """The three plans as DataFrames of `engine`, over tables registered in `ctx`."""
    if engine == "ferry":
        import ferry as lib
        from ferry import col, lit
        from ferry import functions as F
    else:
        import datafusion as lib
        from datafusion import col, lit
        from datafusion import functions as F
    for name, path in paths.items():
        ctx.register_parquet(name, path)
    c, o, li = ctx.table("customer"), ctx.table("orders"), ctx.table("lineitem")
    revenue = (col("l_extendedprice") * (lit(1.0) - col("l_discount"))).alias("rev")
    tpch = (c.filter(col("c_mktsegment") == lit("BUILDING"))
            .join(o.filter(col("o_orderdate") < lit(1500)), left_on="c_custkey", right_on="o_custkey")
            .join(li.filter(col("l_shipdate") > lit(1500)), left_on="o_orderkey", right_on="l_orderkey")
            .select(col("l_orderkey"), col("o_orderdate"), col("o_shippriority"), revenue)
            .aggregate([col("l_orderkey"), col("o_orderdate"), col("o_shippriority")],
                       [F.sum(col("rev")).alias("revenue")])
            .sort(col("revenue").sort(ascending=False), col("o_orderdate").sort())
            .limit(10))
    udfs = [lib.udf(fn, [pa.int64()], pa.int64(), "immutable", name=fn.__name__)
            for fn in (plus, times, minus)]
    df = o.select(col("o_orderkey"), col("o_custkey"))
    for i in range(14):  # 28 nodes: a projection and a filter each
        df = df.with_column(f"c{i}", udfs[i % 3](col("o_custkey")))
        df = df.filter(col("o_orderkey") > lit(-i))
    udf30 = df.select(col("o_orderkey"), *[udfs[i % 3](col("c0")).alias(f"d{i}") for i in range(4)])
    mem = ctx.from_arrow(memtable)
    return {"tpch": tpch, "udf30": udf30, "memtable": mem}


def codec(engine: str) -> tuple[Callable[[Any], bytes], Callable[[Any, bytes], Any], Callable[[Any, Any], Any]]:
    """encode(df) -> bytes, decode(ctx, bytes) -> plan, run(ctx, plan) -> pa.Table."""
    if engine == "ferry":
        from ferry import LogicalPlan
    else:
        from datafusion import LogicalPlan
    to = "to_bytes" if hasattr(LogicalPlan, "to_bytes") else "to_proto"
    frm = getattr(LogicalPlan, "from_bytes" if hasattr(LogicalPlan, "from_bytes") else "from_proto")
    return (lambda df: getattr(df.logical_plan(), to)(),
            lambda ctx, blob: frm(ctx, blob),
            lambda ctx, plan: pa.table(ctx.create_dataframe_from_logical_plan(plan).to_arrow_table()))


def physical_codec(engine: str) -> tuple[Callable[[Any], bytes], Callable[[Any, bytes], Any],
                                          Callable[[Any, Any], Any]]:
    """As codec(), for physical plans."""
    if engine == "ferry":
        from ferry import ExecutionPlan
    else:
        from datafusion import ExecutionPlan
    to = "to_bytes" if hasattr(ExecutionPlan, "to_bytes") else "to_proto"
    frm = getattr(ExecutionPlan, "from_bytes" if hasattr(ExecutionPlan, "from_bytes") else "from_proto")

    def run(ctx: Any, plan: Any) -> pa.Table:
        batches = [b.to_pyarrow() for p in range(plan.partition_count) for b in ctx.execute(plan, p)]
        return pa.Table.from_batches(batches)

    # The plan is made once, outside the timing: planning is not encoding.
    return (lambda plan: getattr(plan, to)(), lambda ctx, blob: frm(ctx, blob), run)


def measure(engine: str, paths: dict[str, str], memtable: pa.Table, args: argparse.Namespace) -> dict:
    if engine == "ferry":
        import ferry as lib
        config = lib.SessionConfig().with_max_encoded_plan_bytes(256 << 20)
        config = config.with_inline_table_warn_bytes(1 << 30)
        sender, receiver = lib.SessionContext(config), lib.SessionContext(config)
    else:
        import datafusion as lib
        sender, receiver = lib.SessionContext(), lib.SessionContext()
    frames = build(engine, sender, paths, memtable)
    for name, path in paths.items():
        receiver.register_parquet(name, path)
    out: dict[str, Any] = {"version": lib.__version__}
    cases = [(case, df, df, codec(engine)) for case, df in frames.items()]
    cases += [(case + "_physical", frames[case], frames[case].execution_plan(), physical_codec(engine))
              for case in ("tpch", "udf30")]
    for case, df, subject, (encode, decode, run) in cases:
        try:
            blob = encode(subject)
            back = run(receiver, decode(receiver, blob))
            want = pa.table(df.to_arrow_table())
            if back.sort_by([(n, "ascending") for n in back.column_names]).to_pylist() != \
                    want.sort_by([(n, "ascending") for n in want.column_names]).to_pylist():
                raise AssertionError("the decoded plan gives another result")
        except Exception as e:  # noqa: BLE001
            out[case] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:160]}"}
            continue
        loops = 1 if case == "memtable" else args.loops
        encode_cpu, encode_wall = best_of(lambda: encode(subject), loops, args.repeat)
        decode_cpu, decode_wall = best_of(lambda: decode(receiver, blob), loops, args.repeat)
        out[case] = {
            "bytes": len(blob),
            "encode_s": encode_cpu,
            "decode_s": decode_cpu,
            "roundtrip_s": encode_cpu + decode_cpu,
            "roundtrip_wall_s": encode_wall + decode_wall,
            "udf_payloads": blob.count(b"FYPYUDF"),
        }
    return out


def report(results: dict[str, dict[str, Any]]) -> list[str]:
    fr, dr = results.get("ferry", {}), results.get("datafusion", {})
    lines = [f"{'CPU time per call':32}{'ferry':>13}{'datafusion':>13}   datafusion/ferry"]
    for case, title in (("tpch", "(a) TPC-H Q3-shaped plan, 3 Parquet tables"),
                        ("udf30", "(b) 30-node plan, 3 Python UDFs x 6 calls"),
                        ("memtable", "(c) 1M-row in-memory table, inline"),
                        ("tpch_physical", "(d) (a) as a physical plan"),
                        ("udf30_physical", "(e) (b) as a physical plan")):
        lines.append(title)
        f, d = fr.get(case, {}), dr.get(case, {})
        for label, field in (("encode + decode", "roundtrip_s"), ("  encode", "encode_s"),
                             ("  decode", "decode_s"),
                             ("  (encode + decode, wall)", "roundtrip_wall_s")):
            fv = ms(f[field]) if field in f else f"{'error':>12}"
            dv = ms(d[field]) if field in d else f"{'error':>12}"
            rv = ratio(d[field], f[field]) if field in f and field in d else "   n/a"
            lines.append(f"  {label:<30}{fv:>13}{dv:>13}   {rv}")
        fb = f"{f['bytes']:>10} B" if "bytes" in f else f"{'error':>12}"
        db = f"{d['bytes']:>10} B" if "bytes" in d else f"{'error':>12}"
        size = f"{f['bytes'] / d['bytes']:6.2f} (ferry/datafusion)" if "bytes" in f and "bytes" in d else "n/a"
        lines.append(f"  {'blob size':<30}{fb:>13}{db:>13}   {size}")
        if case.startswith("udf30") and "udf_payloads" in f:
            lines.append(f"  ferry inline UDF payloads in the blob: {f['udf_payloads']} (3 UDFs)")
    for engine, res in results.items():
        for case, value in res.items():
            if isinstance(value, dict) and "error" in value:
                lines.append(f"NOTE: {engine} cannot round-trip '{case}': {value['error']}")
    return lines


def child(args: argparse.Namespace) -> int:
    """Measures one engine over the files in --root; results as JSON on stdout."""
    rng = np.random.default_rng(3)
    memtable = pa.table({"a": np.arange(1_000_000), "b": rng.integers(0, 100, 1_000_000),
                         "x": rng.uniform(0, 1, 1_000_000)})
    paths = {name: os.path.join(args.root, f"{name}.parquet")
             for name in ("customer", "orders", "lineitem")}
    try:
        result = measure(args.child, paths, memtable, args)
    except ImportError as e:
        result = {"skipped": str(e)}
    print(json.dumps(result))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--loops", type=int, default=200)
    parser.add_argument("--engines", default="ferry,datafusion")
    parser.add_argument("--json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as root:
        write_tables(root)
        for engine in args.engines.split(","):
            command = [sys.executable, os.path.abspath(__file__), "--child", engine, "--root", root,
                       "--repeat", str(args.repeat), "--loops", str(args.loops)]
            run = subprocess.run(command, capture_output=True, text=True, check=False)
            if run.returncode != 0:
                print(f"{engine} failed:\n{run.stderr}")
                return 1
            result = json.loads(run.stdout.strip().splitlines()[-1])
            if "skipped" in result:
                print(f"skipping {engine}: {result['skipped']}")
            else:
                results[engine] = result
    print("\n".join(report(results)))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
