"""A pure-Python reference of SQL window semantics, written from the SQL
standard's rules (frames in ROWS, RANGE and GROUPS units, peers, NULL order
keys), independent of ferry: test_window_reference.py checks ferry's window
functions against it."""

from __future__ import annotations

import math
from typing import Any

# ---- reference implementation ----------------------------------------------
#
# A frame is (units, start, end); each bound is ("unbounded", None),
# ("current", None), ("preceding", N) or ("following", N). order_by is a list
# of (column, ascending, nulls_first).

UNB = ("unbounded", None)
CUR = ("current", None)


def P(n):  # noqa: N802
    return ("preceding", n)


def F(n):  # noqa: N802
    return ("following", n)


def _sort_rows(rows: list[dict], order_by: list[tuple[str, bool, bool]]) -> list[dict]:
    out = list(rows)
    # Stable multi-key sort: least significant key first.
    for name, ascending, nulls_first in reversed(order_by):
        if ascending:
            out.sort(key=lambda r: ((0 if r[name] is None else 1) if nulls_first
                                    else (1 if r[name] is None else 0),
                                    0 if r[name] is None else r[name]))
        else:
            out.sort(key=lambda r: ((1 if r[name] is None else 0) if nulls_first
                                    else (0 if r[name] is None else 1),
                                    0 if r[name] is None else r[name]), reverse=True)
    return out


def _first_true(lo: int, hi: int, pred) -> int:
    """Smallest j in [lo, hi) with pred(j), for a pred that is False...True; hi if none."""
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _frame(i: int, keys: list[tuple], groups: list[int], frame, order_by) -> tuple[int, int]:
    """[start, end) (into the sorted partition) of row i's frame: the rows j
    satisfying both bounds' definitions (each is monotone in j, so the frame
    is contiguous and found by binary search)."""
    units, start, end = frame
    n = len(keys)
    mine = keys[i][0] if keys and keys[i] else None
    sign = 1
    nulls_first = False
    if order_by:
        _, ascending, nulls_first = order_by[0]
        sign = 1 if ascending else -1

    def distance(j):  # of row j from row i along the sort direction (RANGE)
        other = keys[j][0]
        if other is None:
            return -math.inf if nulls_first else math.inf
        return sign * (other - mine)

    def position(j, bound):
        kind, off = bound
        target = 0 if kind == "current" else (-off if kind == "preceding" else off)
        if units == "rows":
            return j - i, target
        if units == "groups":
            return groups[j] - groups[i], target
        if kind == "current" or mine is None:
            # CURRENT ROW, and any offset for a NULL current row: its peers.
            return groups[j] - groups[i], 0
        return distance(j), target

    def after_start(j):
        if start[0] == "unbounded":
            return True
        r, target = position(j, start)
        return r >= target

    def past_end(j):
        if end[0] == "unbounded":
            return False
        r, target = position(j, end)
        return r > target

    lo = _first_true(0, n, after_start)
    hi = _first_true(0, n, past_end)
    return lo, max(lo, hi)


def _agg(name: str, values: list, nth: int | None = None):
    present = [x for x in values if x is not None]
    if name == "count_star":
        return len(values)
    if name == "count":
        return len(present)
    if name == "first_value":
        return values[0] if values else None
    if name == "last_value":
        return values[-1] if values else None
    if name == "nth_value":
        return values[nth - 1] if len(values) >= nth else None
    if not present:
        return None
    if name == "sum":
        return sum(present)
    if name == "avg":
        return sum(present) / len(present)
    if name == "min":
        return min(present)
    if name == "max":
        return max(present)
    if name in ("var", "stddev", "var_pop", "stddev_pop"):
        pop = name.endswith("_pop")
        m = len(present)
        if m < (1 if pop else 2):
            return None
        mean = sum(present) / m
        var = sum((x - mean) ** 2 for x in present) / (m if pop else m - 1)
        return math.sqrt(var) if name.startswith("stddev") else var
    raise ValueError(name)


def reference(rows: list[dict], spec: tuple, partition_by: list[str],
              order_by: list[tuple[str, bool, bool]], frame) -> dict[Any, Any]:
    """Value of window function ``spec`` for each row, keyed by row["id"].

    spec: (name, column or None, extra) — extra is ntile's buckets,
    nth_value's n, or (offset, default) for lag/lead.
    """
    name, column, extra = spec
    if frame is None:
        frame = ("range", UNB, CUR) if order_by else ("rows", UNB, UNB)
    parts: dict[tuple, list[dict]] = {}
    for r in rows:
        parts.setdefault(tuple(r[p] for p in partition_by), []).append(r)
    out = {}
    for part in parts.values():
        srt = _sort_rows(part, order_by)
        n = len(srt)
        keys = [tuple(r[o[0]] for o in order_by) for r in srt]
        groups = []
        for i in range(n):
            groups.append(0 if i == 0 else groups[-1] + (keys[i] != keys[i - 1]))
        peer_start = [0] * n
        peer_end = [n] * n
        for i in range(1, n):
            peer_start[i] = peer_start[i - 1] if groups[i] == groups[i - 1] else i
        for i in range(n - 2, -1, -1):
            peer_end[i] = peer_end[i + 1] if groups[i] == groups[i + 1] else i + 1
        for i, r in enumerate(srt):
            if name == "row_number":
                value = i + 1
            elif name == "rank":
                value = peer_start[i] + 1
            elif name == "dense_rank":
                value = groups[i] + 1
            elif name == "percent_rank":
                value = 0.0 if n == 1 else peer_start[i] / (n - 1)
            elif name == "cume_dist":
                value = peer_end[i] / n
            elif name == "ntile":
                base, larger = divmod(n, extra)
                cut = larger * (base + 1)
                value = i // (base + 1) + 1 if i < cut else larger + (i - cut) // base + 1
            elif name in ("lag", "lead"):
                offset, default = extra
                at = i - offset if name == "lag" else i + offset
                value = srt[at][column] if 0 <= at < n else default
            else:
                lo, hi = _frame(i, keys, groups, frame, order_by)
                values = [srt[j][column] for j in range(lo, hi)] if column else [None] * (hi - lo)
                value = _agg(name, values, extra)
            out[r["id"]] = value
    return out
