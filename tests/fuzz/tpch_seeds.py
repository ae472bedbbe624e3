"""Writes the 22 TPC-H queries of benchmarks/tpch_sql.py as seeds of the
SQL fuzz target (tpch_qNN.sql) into the directory given, so the seeds are
the benchmark's own text rather than copies that drift from it. The build
runs it (cpp/fuzz/CMakeLists.txt) into build*/fuzz-seeds/sql/.

Usage: python tests/fuzz/tpch_seeds.py OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from tpch_sql import SQL  # noqa: E402


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for number, text in SQL.items():
        (out / f"tpch_q{number:02d}.sql").write_text(text)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
