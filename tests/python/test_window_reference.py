"""Window functions against an independent pure-Python reference of SQL
window semantics (and pandas where it applies), on hand-made and randomized
data: every built-in window function and every aggregate over ROWS, RANGE
and GROUPS frames, ascending / descending ORDER BY, NULL order keys,
NULL partition keys, several partitions of input.
"""

from __future__ import annotations

import math
import os
import random
import sys

import pyarrow as pa
import pytest

import ferry
from ferry import col
from ferry import functions as f
from ferry.expr import Window, WindowFrame

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # --import-mode=importlib
from window_sql_reference import CUR, UNB, F, P, reference  # noqa: E402

# ---- building the same thing in ferry ---------------------------------------

def ferry_frame(frame) -> WindowFrame | None:
    """A ferry WindowFrame for a reference frame.

    WindowFrame's public constructor spells only N PRECEDING starts and N
    FOLLOWING ends; "N FOLLOWING" starts and "N PRECEDING" ends (following-
    or preceding-only frames) are set on the bound tuples it keeps.
    """
    if frame is None:
        return None
    units, start, end = frame
    wf = WindowFrame(units, None, None)

    def bound(b, unbounded):
        kind, off = b
        if kind == "unbounded":
            return (unbounded, None)
        if kind == "current":
            return ("current_row", None)
        return (kind, off)

    wf._start = bound(start, "unbounded_preceding")
    wf._end = bound(end, "unbounded_following")
    return wf


def ferry_expr(spec: tuple, window: Window) -> ferry.Expr:
    name, column, extra = spec
    c = col(column) if column else None
    if name == "row_number":
        e = f.row_number()
    elif name in ("rank", "dense_rank", "percent_rank", "cume_dist"):
        e = getattr(f, name)()
    elif name == "ntile":
        e = f.ntile(extra)
    elif name in ("lag", "lead"):
        e = getattr(f, name)(c, extra[0], extra[1])
    elif name == "nth_value":
        e = f.nth_value(c, extra)
    elif name == "count_star":
        e = f.count()
    else:
        e = getattr(f, name)(c)
    return e.over(window)


def ferry_window(partition_by, order_by, frame) -> Window:
    return Window(
        partition_by=[col(p) for p in partition_by],
        order_by=[col(o).sort(ascending=a, nulls_first=nf) for o, a, nf in order_by],
        window_frame=ferry_frame(frame),
    )


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def check(df: ferry.DataFrame, rows: list[dict], cases: list[tuple]) -> None:
    """cases: (spec, partition_by, order_by, frame); all in one select."""
    exprs = [col("id")]
    for n, (spec, pb, ob, frame) in enumerate(cases):
        exprs.append(ferry_expr(spec, ferry_window(pb, ob, frame)).alias(f"w{n}"))
    got = df.select(*exprs).to_pydict()
    assert sorted(got["id"]) == sorted(r["id"] for r in rows)
    failures = []
    for n, (spec, pb, ob, frame) in enumerate(cases):
        want = reference(rows, spec, pb, ob, frame)
        bad = [(i, v, want[i]) for i, v in zip(got["id"], got[f"w{n}"]) if not close(v, want[i])]
        if bad:
            failures.append(f"{spec} PARTITION BY {pb} ORDER BY {ob} {frame}: "
                            f"{len(bad)} wrong, e.g. (id, got, want) {bad[:3]}")
    assert not failures, "\n".join(failures)


# ---- data -------------------------------------------------------------------

def random_rows(n: int, seed: int, partitions: int = 40) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    perm = list(range(n))
    rng.shuffle(perm)
    for i in range(n):
        rows.append({
            "id": i,
            "p": None if rng.random() < 0.05 else rng.randrange(partitions),
            "q": rng.choice(["x", "y", None]),
            # Order key with many ties and NULLs.
            "t": None if rng.random() < 0.1 else rng.randrange(30),
            # Unique float order key, in steps of 0.25.
            "u": perm[i] * 0.25,
            # Exact-in-binary values so sums don't depend on order.
            "v": None if rng.random() < 0.1 else rng.randrange(-400, 400) / 4,
            "i": None if rng.random() < 0.1 else rng.randrange(-1000, 1000),
        })
    return rows


SCHEMA = pa.schema([("id", pa.int64()), ("p", pa.int64()), ("q", pa.string()), ("t", pa.int64()),
                    ("u", pa.float64()), ("v", pa.float64()), ("i", pa.int64())])


def table_of(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMA)


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return random_rows(3000, seed=1)


@pytest.fixture(scope="module")
def big_df(rows):
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(3))
    table = table_of(rows)
    n = table.num_rows
    cuts = [0, n // 5, n // 2, n]
    parts = [table.slice(a, b - a).to_batches(max_chunksize=500) for a, b in zip(cuts, cuts[1:])]
    parts.insert(1, [])
    return ctx.create_dataframe(parts, schema=table.schema)


AGGS = [("sum", "v", None), ("sum", "i", None), ("avg", "v", None), ("min", "v", None), ("max", "v", None),
        ("min", "i", None), ("max", "i", None), ("count", "v", None), ("count_star", None, None),
        ("var", "v", None), ("stddev", "i", None)]
# Functions that also depend on the order among peers: only used with a
# unique ORDER BY.
ORDER_SENSITIVE = [("first_value", "v", None), ("last_value", "v", None), ("nth_value", "v", 2),
                   ("nth_value", "i", 3)]

ROWS_FRAMES = [
    ("rows", UNB, CUR), ("rows", P(2), F(1)), ("rows", P(3), P(2)), ("rows", CUR, F(3)),
    ("rows", F(1), F(3)), ("rows", UNB, UNB), ("rows", CUR, UNB), ("rows", F(2), UNB),
    ("rows", CUR, CUR), ("rows", UNB, P(1)), ("rows", P(1), P(4)),
]
GROUPS_FRAMES = [
    ("groups", P(1), CUR), ("groups", P(2), P(1)), ("groups", CUR, F(1)), ("groups", F(1), UNB),
    ("groups", UNB, UNB), ("groups", P(1), F(2)), ("groups", F(1), F(2)), ("groups", UNB, CUR),
]
RANGE_PEER_FRAMES = [None, ("range", UNB, CUR), ("range", UNB, UNB), ("range", CUR, UNB),
                     ("range", CUR, CUR)]
RANGE_OFFSET_FRAMES = [
    ("range", P(2), CUR), ("range", P(3), F(3)), ("range", P(5), P(1)), ("range", F(1), F(4)),
    ("range", UNB, F(2)), ("range", P(4), UNB), ("range", CUR, F(0)), ("range", P(1.5), F(2.5)),
    ("range", P(0.5), P(0.25)),
]

UNIQUE_ORDERS = [[("t", True, False), ("id", True, False)], [("t", False, True), ("id", False, False)]]
TIED_ORDERS = [[("t", True, False)], [("t", False, False)], [("t", True, True)], [("t", False, True)]]


# ---- randomized comparisons -------------------------------------------------

@pytest.mark.parametrize("pb", [["p"], ["p", "q"], []], ids=["p", "pq", "nopart"])
def test_ranking_functions_random(big_df, rows, pb):
    cases = []
    for ob in TIED_ORDERS:
        for name in ("rank", "dense_rank", "percent_rank", "cume_dist"):
            cases.append(((name, None, None), pb, ob, None))
    for ob in UNIQUE_ORDERS:
        cases.append((("row_number", None, None), pb, ob, None))
        for buckets in (1, 3, 7, 100):
            cases.append((("ntile", None, buckets), pb, ob, None))
        for name in ("lag", "lead"):
            for extra in ((1, None), (2, -1.0), (5, 99.5), (0, None)):
                cases.append(((name, "v", extra), pb, ob, None))
            cases.append(((name, "i", (3, 0)), pb, ob, None))
    check(big_df, rows, cases)


@pytest.mark.parametrize("frame", ROWS_FRAMES, ids=str)
def test_rows_frames_random(big_df, rows, frame):
    cases = [(spec, ["p"], ob, frame) for ob in UNIQUE_ORDERS for spec in AGGS + ORDER_SENSITIVE]
    cases += [(spec, [], [("u", True, False)], frame) for spec in AGGS[:3]]
    check(big_df, rows, cases)


@pytest.mark.parametrize("frame", GROUPS_FRAMES, ids=str)
def test_groups_frames_random(big_df, rows, frame):
    cases = [(spec, ["p"], ob, frame) for ob in TIED_ORDERS[:2] for spec in AGGS]
    cases += [(spec, ["p", "q"], ob, frame) for ob in UNIQUE_ORDERS for spec in ORDER_SENSITIVE]
    check(big_df, rows, cases)


@pytest.mark.parametrize("frame", RANGE_PEER_FRAMES, ids=str)
def test_range_peer_frames_random(big_df, rows, frame):
    cases = [(spec, ["p"], ob, frame) for ob in TIED_ORDERS for spec in AGGS]
    cases += [(spec, ["q"], ob, frame) for ob in UNIQUE_ORDERS for spec in ORDER_SENSITIVE]
    check(big_df, rows, cases)


@pytest.mark.parametrize("frame", RANGE_OFFSET_FRAMES, ids=str)
@pytest.mark.parametrize("direction", [True, False], ids=["asc", "desc"])
def test_range_offset_frames_nulls_last_random(big_df, rows, frame, direction):
    cases = [(spec, ["p"], [("t", direction, False)], frame) for spec in AGGS]
    # A unique float key: the order-sensitive ones are deterministic.
    cases += [(spec, ["q"], [("u", direction, False)], frame) for spec in AGGS[:4] + ORDER_SENSITIVE]
    check(big_df, rows, cases)


@pytest.mark.parametrize("direction", [True, False], ids=["asc", "desc"])
def test_range_offset_frames_nulls_first_random(big_df, rows, direction):
    cases = [(spec, ["p"], [("t", direction, True)], frame)
             for frame in RANGE_OFFSET_FRAMES for spec in AGGS[:4]]
    check(big_df, rows, cases)


def test_range_offsets_without_null_keys_nulls_first_random(big_df, rows):
    # NULLS FIRST is harmless when the key has no NULLs.
    cases = [(spec, ["p"], [("u", d, True)], frame)
             for d in (True, False) for frame in RANGE_OFFSET_FRAMES for spec in AGGS[:4]]
    check(big_df, rows, cases)


def test_many_small_partitions_random():
    rows = random_rows(4000, seed=7, partitions=1500)
    df = ferry.SessionContext().from_arrow(table_of(rows))
    cases = [
        (("row_number", None, None), ["p"], UNIQUE_ORDERS[0], None),
        (("rank", None, None), ["p"], TIED_ORDERS[0], None),
        (("lag", "v", (1, 0.5)), ["p"], UNIQUE_ORDERS[1], None),
        (("sum", "v", None), ["p"], UNIQUE_ORDERS[0], ("rows", P(10), CUR)),
        (("max", "i", None), ["p"], TIED_ORDERS[1], ("range", P(3), F(1))),
        (("var", "v", None), ["p"], TIED_ORDERS[0], ("groups", P(1), F(1))),
        (("ntile", None, 3), ["p", "q"], UNIQUE_ORDERS[0], None),
    ]
    check(df, rows, cases)


def test_random_seeds_mixed_windows():
    # Several seeds, each with a random mix of windows in one select.
    for seed in range(4):
        rng = random.Random(100 + seed)
        rows = random_rows(1200, seed=seed, partitions=rng.choice([3, 20, 200]))
        ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(3))
        table = table_of(rows)
        df = ctx.create_dataframe([table.slice(0, 700).to_batches(), table.slice(700).to_batches()],
                                  schema=table.schema)
        cases = []
        for _ in range(12):
            frame = rng.choice(ROWS_FRAMES + GROUPS_FRAMES + RANGE_PEER_FRAMES + RANGE_OFFSET_FRAMES)
            if frame is not None and frame[0] == "range" and frame in RANGE_OFFSET_FRAMES:
                ob = [("t", rng.choice([True, False]), False)]
                spec = rng.choice(AGGS)
            else:
                ob = rng.choice(UNIQUE_ORDERS)
                spec = rng.choice(AGGS + ORDER_SENSITIVE)
            pb = rng.choice([["p"], ["q"], ["p", "q"], []])
            cases.append((spec, pb, ob, frame))
        check(df, rows, cases)


# ---- pandas as a second reference -------------------------------------------

def test_against_pandas(rows):
    pd = pytest.importorskip("pandas")
    import numpy as np

    df = pd.DataFrame(rows)
    df = df[df["p"].notna() & df["t"].notna()].copy()
    table = pa.Table.from_pandas(df[["id", "p", "t", "u", "v"]].astype({"p": "int64", "t": "int64"}),
                                 preserve_index=False)
    ctx = ferry.SessionContext(ferry.SessionConfig().with_target_partitions(3))
    fdf = ctx.from_arrow(table)
    w_unique = Window(partition_by=[col("p")], order_by=[col("t"), col("id")])
    w_tied = Window(partition_by=[col("p")], order_by=[col("t")])
    w_rows = Window(partition_by=[col("p")], order_by=[col("t"), col("id")],
                    window_frame=WindowFrame("rows", 4, 0))
    got = fdf.select(
        col("id"),
        f.row_number().over(w_unique).alias("rn"),
        f.rank().over(w_tied).alias("rk"),
        f.dense_rank().over(w_tied).alias("drk"),
        f.lag(col("v"), 2).over(w_unique).alias("lag2"),
        f.lead(col("v")).over(w_unique).alias("lead1"),
        f.sum(col("v")).over(w_rows).alias("roll"),
        f.count(col("v")).over(w_rows).alias("rollc"),
        f.max(col("v")).over(w_tied).alias("cummax"),
    ).to_pandas().set_index("id").sort_index()

    s = df.sort_values(["p", "t", "id"])
    g = s.groupby("p")
    exp = pd.DataFrame(index=s["id"])
    exp["rn"] = (g.cumcount() + 1).to_numpy()
    exp["rk"] = g["t"].rank(method="min").to_numpy()
    exp["drk"] = g["t"].rank(method="dense").to_numpy()
    exp["lag2"] = g["v"].shift(2).to_numpy()
    exp["lead1"] = g["v"].shift(-1).to_numpy()
    exp["roll"] = g["v"].rolling(5, min_periods=1).sum().to_numpy()
    exp["rollc"] = g["v"].rolling(5, min_periods=0).count().to_numpy()
    # RANGE UNBOUNDED PRECEDING..CURRENT ROW: running max, equal for peers.
    cm = g["v"].cummax().groupby(s["p"]).ffill()
    exp["cummax"] = s.assign(cm=cm).groupby(["p", "t"])["cm"].transform("last").to_numpy()
    # All-NULL windows: pandas' rolling sum is 0, SQL's is NULL.
    exp.loc[exp["rollc"] == 0, "roll"] = np.nan
    exp = exp.sort_index()

    for name in exp.columns:
        np.testing.assert_allclose(got[name].astype(float).to_numpy(), exp[name].astype(float).to_numpy(),
                                   rtol=1e-9, equal_nan=True, err_msg=name)
