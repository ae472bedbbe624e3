"""Shared by the partition-count tests (test_partitioning*.py): a query run
at several target_partitions, its rows compared as sorted tuples, and the
tables both join and aggregate tests use."""

import random

import pyarrow as pa

import ferry

PARTITIONS = [1, 2, 7]


def session(n: int) -> ferry.SessionContext:
    return ferry.SessionContext(ferry.SessionConfig().with_target_partitions(n))


def rows(table: pa.Table, names=None) -> list:
    """The rows of ``table`` (columns ``names``, default all) as sorted tuples."""
    if names is not None:
        table = table.select(names)
    return sorted((tuple(r.values()) for r in table.to_pylist()), key=repr)


def results(query, *tables: pa.Table, partitions=PARTITIONS) -> dict:
    """query(df, ...) run at every partition count -> {n: pa.Table}."""
    out = {}
    for n in partitions:
        ctx = session(n)
        out[n] = query(*(ctx.from_arrow(t) for t in tables)).to_arrow_table()
    return out


def assert_same_rows(by_n: dict, expected: list, names=None) -> None:
    for n, table in by_n.items():
        assert rows(table, names) == expected, f"target_partitions={n}"


STRINGS = ["x", "y", "zz", "", "longer than twelve bytes", None]


def make_sides(seed=11, n_left=400, n_right=300):
    rng = random.Random(seed)

    def side(n, lo, hi, value_name, base):
        return pa.table({
            "k": [None if rng.random() < 0.1 else rng.randint(lo, hi) for _ in range(n)],
            "s": [rng.choice(STRINGS) for _ in range(n)],
            value_name: list(range(base, base + n)),
        })

    # Keys 0..30 and 15..45: unmatched rows on both sides, ~13 rows per key
    # on the left and ~10 on the right (many-to-many).
    return side(n_left, 0, 30, "lv", 0), side(n_right, 15, 45, "rv", 10_000)


LEFT, RIGHT = make_sides()


def group_table(n=3000, groups=40, seed=5):
    rng = random.Random(seed)
    return pa.table({
        "k": [None if rng.random() < 0.08 else rng.randrange(groups) for _ in range(n)],
        "s": [rng.choice(["a", "b", "c", None]) for _ in range(n)],
        "v": [None if rng.random() < 0.15 else rng.randint(-100, 100) for _ in range(n)],
    })


GROUPS = group_table()
