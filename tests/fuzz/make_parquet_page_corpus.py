"""Writes the seed corpus of the parquet_page fuzz target (cpp/fuzz/parquet_page_fuzz.cc):
column chunks of small files pyarrow writes, each behind the target's
one-byte column choice and u32 value count.

Run after changing the target's input format:  .venv/bin/python tests/fuzz/make_parquet_page_corpus.py
"""

from __future__ import annotations

import decimal
import io
import os
import struct

import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "parquet_page")
N = 60

# The target's column choices (low 3 bits of its first byte).
COLUMNS = {
    0: pa.array([i * 37 % 11 - 5 for i in range(N)], pa.int32()),
    1: pa.array([i * 1234567 for i in range(N)], pa.int64()),
    2: pa.array([decimal.Decimal(i % 9 - 4).scaleb(-2) for i in range(N)], pa.decimal128(9, 2)),
    3: pa.array([decimal.Decimal(i * 7919).scaleb(-2) for i in range(N)], pa.decimal128(18, 2)),
    4: pa.array([b"x" * (i % 5) + bytes([i]) for i in range(N)], pa.binary()),
    5: pa.array([b"AIR", b"MAIL", b"SHIP"] * (N // 3), pa.binary()),
    6: pa.array([i / 4 for i in range(N)], pa.float64()),
    7: pa.array(list(range(N)), pa.int32()).cast(pa.date32()),
    # bit 5: decimal(20, 3) as a 9-byte FIXED_LEN_BYTE_ARRAY
    32: pa.array([decimal.Decimal(i * 10**15 - 7).scaleb(-3) for i in range(N)], pa.decimal128(20, 3)),
}


def chunk_bytes(array, optional, **options):
    if optional:
        array = pa.array([None if i % 4 == 1 else v for i, v in enumerate(array.to_pylist())], array.type)
    field = pa.field("v", array.type, nullable=optional)
    buffer = io.BytesIO()
    pq.write_table(pa.table([array], schema=pa.schema([field])), buffer,
                   store_decimal_as_integer=array.type != pa.decimal128(20, 3), data_page_size=128, **options)
    data = buffer.getvalue()
    column = pq.ParquetFile(io.BytesIO(data)).metadata.row_group(0).column(0)
    start = column.data_page_offset
    if column.has_dictionary_page and 0 < column.dictionary_page_offset < start:
        start = column.dictionary_page_offset
    return data[start:start + column.total_compressed_size], column.num_values


def main():
    os.makedirs(OUT, exist_ok=True)
    for choice, array in COLUMNS.items():
        variants = [
            ("plain", False, dict(use_dictionary=False, compression="none")),
            ("dict_snappy", True, dict(compression="snappy")),
            ("dict_v2", True, dict(compression="none", data_page_version="2.0")),
        ]
        for name, optional, options in variants:
            chunk, values = chunk_bytes(array, optional, **options)
            flags = choice | (8 if optional else 0) | (16 if options["compression"] == "snappy" else 0)
            with open(os.path.join(OUT, f"c{choice}_{name}.bin"), "wb") as f:
                f.write(bytes([flags]) + struct.pack("<I", values) + chunk)


if __name__ == "__main__":
    main()
