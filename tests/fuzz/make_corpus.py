"""Writes the seed corpus of the fuzz targets (cpp/fuzz/) from real
encoded expressions and plans: tests/fuzz/corpus/<target>/<name>.bin.

Run after changing the wire format:  .venv/bin/python tests/fuzz/make_corpus.py
The seeds are committed, so `make test` (fuzz_replay_*) and `make fuzz`
never need Python to start from them. Inline UDF seeds hold pickles of the
small functions below; the fuzz targets never unpickle anything.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import hmac
import os
import re
import shutil
import struct
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

import ferry
from ferry import SessionContext, Window, col, functions as f, lit, udf

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
ROOT = Path(HERE).parents[1]
# The key cpp/fuzz/inline_frame_fuzz.cc and inspect_fuzz.cc verify with.
KEY_ID = "fuzz-key"
SECRET = b"ferry fuzz corpus signing key 32"


def plus_one(a):
    return pc.add(a, 1)


PLUS_ONE = udf(plus_one, [pa.int64()], pa.int64(), "immutable", name="plus_one")


def expressions() -> dict[str, ferry.Expr]:
    a, b, c = col("a"), col("b"), col("c")
    return {
        "column": a,
        "arith": (a + lit(1)) * b - a / lit(2) % lit(3),
        "compare": (a > lit(1)) & ~(b <= lit(2.5)) | a.is_null(),
        "case": f.case(a).when(lit(1), lit("one")).otherwise(lit("many")),
        "searched_case": f.when(a > lit(0), lit(1)).when(a < lit(0), lit(-1)).end(),
        "in_list": a.in_list([1, 2, None]),
        "between": a.between(lit(1), lit(10)),
        "like": c.like("x%"),
        "cast": a.cast(pa.float64()).alias("af"),
        "functions": f.upper(f.concat(c, lit("!"))) + f.char_length(c).cast(pa.utf8()),
        "coalesce": f.coalesce(a, lit(0)),
        "literals": f.coalesce(
            lit(datetime.date(2024, 2, 29)), lit(datetime.datetime(2024, 1, 1, 12, 30))),
        "decimal": lit(decimal.Decimal("12.345")) + lit(1),
        "list_literal": lit(pa.scalar([1, 2, None], pa.list_(pa.int64()))),
        "struct_literal": lit(pa.scalar({"x": 1, "y": "z"})),
        "binary_literal": lit(b"\x00\xffbytes"),
        "aggregate": f.sum(a).alias("s"),
        "count_distinct": f.count(a, distinct=True),
        "window": f.row_number().over(Window(partition_by=[c], order_by=[a.sort()])),
        "sort": a.sort(ascending=False, nulls_first=True),
        "negation": -(-(-a)),
        "udf": PLUS_ONE(a) + lit(1),
    }


def plans(ctx: SessionContext) -> dict[str, ferry.DataFrame]:
    t = ctx.from_pydict({"a": [1, 2, None, 4], "b": [0.5, None, 1.5, 2.0],
                         "c": ["x", "y", None, "x"]})
    u = ctx.from_pydict({"c": ["x", "z"], "d": [10, 20]})
    return {
        "scan": t,
        "project_filter": t.filter(col("a") > lit(1)).select(col("a"), col("c")),
        "aggregate": t.aggregate([col("c")], [f.sum(col("a")).alias("s"), f.count(col("b"))]),
        "sort_limit": t.sort(col("a").sort(ascending=False)).limit(2, offset=1),
        "join": t.join(u, on="c", how="left"),
        "join_on": t.join_on(u.with_column_renamed("c", "uc"), col("c") == col("uc"), how="inner"),
        "union_distinct": t.select(col("c")).union(u.select(col("c"))).distinct(),
        "window": t.select(col("a"), f.row_number().over(Window(order_by=[col("a").sort()]))),
        "with_column": t.with_column("e", col("a") * lit(2)).drop("b"),
        "udf": t.select(PLUS_ONE(col("a")).alias("p")),
    }


def frame(payload: bytes, family: bytes = b"FYPYUDF", signed: bool = False) -> bytes:
    """An inline frame built from docs/wire-format.md, independently of ferry."""
    if not signed:
        return family + bytes([1, sys.version_info.major, sys.version_info.minor]) + payload
    head = family + bytes([2, sys.version_info.major, sys.version_info.minor])
    body = head + bytes([len(KEY_ID)]) + KEY_ID.encode() + payload
    return body + hmac.new(SECRET, body, hashlib.sha256).digest()


def sql_statements() -> dict[str, str]:
    """The SQL suite's statements (tests/sql/*.slt: each record's text
    between its header line and its expected rows). The TPC-H queries are
    generated into the build directory instead (tpch_seeds.py)."""
    statements: dict[str, str] = {}
    for path in sorted((ROOT / "tests" / "sql").glob("*.slt")):
        block: list[str] = []
        number = 0
        for line in path.read_text().splitlines() + [""]:
            if line.strip() and not line.startswith("#"):
                block.append(line)
                continue
            if block:
                body = block[1:block.index("----")] if "----" in block else block[1:]
                if re.match(r"(query|statement)\b", block[0]) and body:
                    number += 1
                    statements[f"{path.stem}_{number:03d}"] = "\n".join(body)
                block = []
    return statements


def write(target: str, name: str, data: bytes) -> None:
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    suffix = ".sql" if target == "sql" else ".bin"
    with open(os.path.join(CORPUS, target, name + suffix), "wb") as out:
        out.write(data)


def main() -> None:
    shutil.rmtree(CORPUS, ignore_errors=True)
    ctx = SessionContext()
    signing = ctx.with_payload_keys({KEY_ID: SECRET})
    strict = ctx.with_python_udf_inlining(enabled=False)
    ctx.register_udf(PLUS_ONE)
    for name, expr in expressions().items():
        blob = expr.to_bytes(strict if name == "udf" else ctx)
        write("decode_expr", name, blob)
        write("envelope", "expr_" + name, blob)
        write("inspect", name, blob)
    udf_inline = PLUS_ONE(col("a")).to_bytes(ctx)
    write("decode_expr", "udf_inline", udf_inline)
    write("inspect", "udf_inline", udf_inline)
    write("inspect", "udf_signed", PLUS_ONE(col("a")).to_bytes(signing))
    for name, df in plans(ctx).items():
        blob = df.to_bytes(strict if name == "udf" else ctx)
        write("decode_plan", name, blob)
        write("envelope", "plan_" + name, blob)
        write("inspect", "plan_" + name, blob)
        physical = df.execution_plan().to_bytes(strict if name == "udf" else ctx)
        write("inspect", "physical_" + name, physical)
    write("inspect", "plan_udf_inline", plans(ctx)["udf"].to_bytes(ctx))
    write("inspect", "plan_udf_signed", plans(signing)["udf"].to_bytes(signing))
    for name, text in sql_statements().items():
        write("sql", name, text.encode())
    for name, family in (("scalar", b"FYPYUDF"), ("aggregate", b"FYPYUDA"), ("window", b"FYPYUDW")):
        payload = b"\x80\x05\x95" + struct.pack("<Q", 3) + b"N."  # a tiny pickle, never loaded
        write("inline_frame", name, frame(payload, family))
        write("inline_frame", name + "_signed", frame(payload, family, signed=True))
    write("inline_frame", "not_a_frame", b"plain name")


if __name__ == "__main__":
    main()
