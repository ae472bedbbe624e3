"""LIKE / NOT LIKE against DuckDB on a generated table of strings and patterns.

Patterns of literal text and '%' run on ferry's segment kernel, the others
(with '_') on Arrow's match_like; both must agree with DuckDB, NULLs, empty
strings and the three string layouts included.
"""

import itertools
import random

import duckdb
import pyarrow as pa
import pytest

from ferry import col

ALPHABET = "ab%_\n"


def _strings():
    rng = random.Random(13)
    values = ["", "a", "%", "aa", "aaa", "aaaa", "ab", "ba", "abba", None,
              "special requests", "the special, quick requests.", "requests special",
              "Customer Complaints", "MEDIUM POLISHED TIN", "éa_b"]
    values += ["".join(rng.choice(ALPHABET) for _ in range(rng.randrange(8))) for _ in range(250)]
    # Long enough for the kernel's 16-byte search blocks.
    values += ["".join(rng.choice(ALPHABET) for _ in range(rng.randrange(16, 70))) for _ in range(100)]
    return [None if i % 23 == 5 else v for i, v in enumerate(values)]


def _patterns():
    # Every pattern of up to 3 symbols over {a, b, %}, then the hand cases.
    short = ["".join(p) for n in range(4) for p in itertools.product("ab%", repeat=n)]
    return short + ["%aa%aa%", "a%a%a", "%special%requests%", "%Customer%Complaints%",
                    "MEDIUM POLISHED%", "%%", "%%%a%%", "%abba%", "%aab%bba%", "a%bb%b", "a_%", "%_b", "_", "%a_b%", "é%"]


STRINGS = _strings()
PATTERNS = _patterns()


@pytest.mark.parametrize("layout", [pa.string(), pa.large_string(), pa.string_view()])
def test_like_agrees_with_duckdb(ctx, layout):
    table = pa.table({"s": pa.array(STRINGS, pa.string()).cast(layout)})
    df = ctx.from_arrow(table)
    exprs = []
    for i, pattern in enumerate(PATTERNS):
        exprs.append(col("s").like(pattern).alias(f"l{i}"))
        exprs.append(col("s").like(pattern, negated=True).alias(f"n{i}"))
    ours = df.select(*exprs).to_arrow_table()
    con = duckdb.connect()
    con.register("t", pa.table({"s": pa.array(STRINGS, pa.string())}))
    sql = ", ".join(f"s LIKE $p{i} AS l{i}, s NOT LIKE $p{i} AS n{i}" for i in range(len(PATTERNS)))
    rows = con.execute(f"SELECT {sql} FROM t", {f"p{i}": p for i, p in enumerate(PATTERNS)}).fetchall()
    for k, name in enumerate(ours.column_names):
        assert ours[name].to_pylist() == [row[k] for row in rows], (name, PATTERNS[k // 2])


def test_like_escapes_agree_with_duckdb(ctx):
    # A backslash makes '%', '_' and itself literal (DuckDB: ESCAPE '\').
    strings = ["a%b", "axb", "a_b", "a\\b", "x%y%z", "%", "\\", None]
    patterns = ["a\\%b", "a\\_b%", "%\\%%\\%%", "a\\\\b", "%\\\\%_", "x\\%y%z"]
    df = ctx.from_pydict({"s": strings})
    con = duckdb.connect()
    con.register("t", pa.table({"s": strings}))
    for pattern in patterns:
        ours = df.select(col("s").like(pattern).alias("r")).to_arrow_table()["r"].to_pylist()
        ref = con.execute("SELECT s LIKE $p ESCAPE '\\' FROM t", {"p": pattern}).fetchall()
        assert ours == [r[0] for r in ref], pattern


def test_like_on_a_sliced_column_keeps_its_nulls(ctx):
    data = pa.array(["xaby", None, "ab", "b", None, "zzab"]).slice(1)
    df = ctx.from_arrow(pa.table({"s": data}))
    assert df.select(col("s").like("%ab").alias("r")).to_arrow_table()["r"].to_pylist() == \
        [None, True, False, None, True]
