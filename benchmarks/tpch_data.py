"""TPC-H data for the TPC-H test and benchmark: generated, cached, never committed.

``tpchgen-cli`` (PyPI, pinned in requirements-dev.txt) writes one Parquet file
per table. Its files hold every string column as ``string_view`` (Arrow
Utf8View) and every money/quantity column as ``decimal128(15, 2)``; dates are
``date32``, keys ``int64``.

Two variants are cached side by side under ``benchmarks/data/`` (gitignored):

* ``tpch-sf{SF}/raw/``   the files exactly as tpchgen-cli writes them;
* ``tpch-sf{SF}/plain/`` the same rows with ``string_view`` columns rewritten
  as plain ``string`` (Utf8). Nothing else changes: decimals stay decimals and
  stay stored as tpchgen-cli stores them, as INT64 (pyarrow's writer would
  otherwise turn them into FIXED_LEN_BYTE_ARRAY, which every reader decodes
  several times slower: ferry's TPC-H Q6 took 3.8x the CPU time on such files).

The plain variant exists because ferry cannot yet compare string_view with
string; the raw variant is what a user gets and what the string_view work
must make pass. DuckDB was the other candidate generator, but its ``tpch``
extension is downloaded on first use and this machine reaches only PyPI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

TABLES = ("lineitem", "orders", "customer", "part", "partsupp", "supplier", "nation", "region")
DATA_ROOT = Path(__file__).resolve().parent / "data"


def _sf_name(sf: float) -> str:
    text = f"{sf:g}"
    return f"tpch-sf{text}"


def _tpchgen() -> str:
    local = Path(sys.executable).parent / "tpchgen-cli"
    if local.exists():
        return str(local)
    found = shutil.which("tpchgen-cli")
    if found is None:
        raise RuntimeError("tpchgen-cli not found: pip install -r requirements-dev.txt")
    return found


def _complete(folder: Path) -> bool:
    return all((folder / f"{t}.parquet").exists() for t in TABLES) and (folder / ".done").exists()


def _publish(tmp: Path, folder: Path) -> None:
    """Moves a finished ``tmp`` into place; another process may have won the race."""
    (tmp / ".done").touch()
    if _complete(folder):
        shutil.rmtree(tmp, ignore_errors=True)
        return
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def generate_raw(sf: float, root: Path = DATA_ROOT) -> Path:
    """tpchgen-cli's Parquet files at scale factor ``sf`` (cached)."""
    folder = root / _sf_name(sf) / "raw"
    if _complete(folder):
        return folder
    tmp = folder.with_name(f"raw.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    subprocess.run([_tpchgen(), "parquet", "-s", f"{sf:g}", "-o", str(tmp), "--quiet",
                    "--overwrite"], check=True)
    _publish(tmp, folder)
    return folder


def generate_plain(sf: float, root: Path = DATA_ROOT) -> Path:
    """The raw files with string_view columns rewritten as string (cached)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = root / _sf_name(sf) / "plain"
    if _complete(folder):
        return folder
    raw = generate_raw(sf, root)
    tmp = folder.with_name(f"plain.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for table in TABLES:
        source = pq.ParquetFile(raw / f"{table}.parquet")
        fields = [pa.field(f.name, pa.string() if f.type == pa.string_view() else f.type,
                           f.nullable) for f in source.schema_arrow]
        schema = pa.schema(fields)
        with pq.ParquetWriter(tmp / f"{table}.parquet", schema,
                              store_decimal_as_integer=True) as writer:
            for i in range(source.num_row_groups):  # keeps tpchgen's row groups (scan parallelism)
                writer.write_table(source.read_row_group(i).cast(schema))
    _publish(tmp, folder)
    return folder


def generate(sf: float, variant: str = "plain", root: Path = DATA_ROOT) -> Path:
    """The folder of ``variant`` ("plain" or "raw") files at scale factor ``sf``."""
    if variant == "plain":
        return generate_plain(sf, root)
    if variant == "raw":
        return generate_raw(sf, root)
    raise ValueError(f"variant must be 'plain' or 'raw', got {variant!r}")


def paths(folder: Path | str) -> dict[str, str]:
    """Table name -> Parquet file path."""
    return {t: os.fspath(Path(folder) / f"{t}.parquet") for t in TABLES}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sf", type=float, default=1.0)
    parser.add_argument("--variant", choices=("plain", "raw"), default="plain")
    args = parser.parse_args()
    print(generate(args.sf, args.variant))
