"""The logical optimizer: rewritten queries give the reference results, and
explain() shows where filters went (below joins, into Parquet scans)."""

import random

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ferry import col, functions as f, lit, udf

rng = random.Random(7)
N_ORDERS = 400
ORDERS = pa.table(
    {
        "o_key": list(range(N_ORDERS)),
        "o_cust": [rng.choice([None, *range(40)]) for _ in range(N_ORDERS)],
        "o_priority": [rng.choice(["1-URGENT", "2-HIGH", "3-LOW"]) for _ in range(N_ORDERS)],
    }
)
LINES = pa.table(
    {
        "l_order": [rng.randrange(N_ORDERS + 20) for _ in range(1500)],
        "l_mode": [rng.choice(["MAIL", "SHIP", "AIR", None]) for _ in range(1500)],
        "l_qty": [rng.choice([None, *range(1, 50)]) for _ in range(1500)],
    }
)


@pytest.fixture
def tables(partitioned):
    return partitioned(ORDERS), partitioned(LINES)


def lines_join_orders(join_type="inner"):
    """The pyarrow reference of lines.join(orders, l_order = o_key)."""
    return LINES.join(ORDERS, keys="l_order", right_keys="o_key", join_type=join_type)


def explain(df, capsys):
    """The optimized logical plan's text."""
    df.explain()
    text = capsys.readouterr().out
    start = text.index("optimized_logical_plan\n") + len("optimized_logical_plan\n")
    return text[start : text.index("physical_plan")]


def depth(line):
    return len(line) - len(line.lstrip())


def test_filters_on_both_sides_go_below_the_join(tables, capsys):
    orders, lines = tables
    predicate = (
        (col("l_mode") == lit("MAIL"))
        & (col("o_priority") == lit("1-URGENT"))
        & (col("l_qty") > lit(20))
    )
    df = (
        lines.join(orders, left_on="l_order", right_on="o_key")
        .filter(predicate)
        .aggregate(
            [col("o_priority")], [f.sum(col("l_qty")).alias("qty"), f.count_star().alias("n")]
        )
    )
    joined = lines_join_orders()
    mask = pc.and_(
        pc.and_(pc.equal(joined["l_mode"], "MAIL"), pc.equal(joined["o_priority"], "1-URGENT")),
        pc.greater(joined["l_qty"], 20),
    )
    ref = joined.filter(mask).group_by("o_priority")
    ref = ref.aggregate([("l_qty", "sum"), ([], "count_all")])
    assert ref.num_rows == 1
    expected = {"o_priority": "1-URGENT", "qty": ref["l_qty_sum"][0].as_py()}
    expected["n"] = ref["count_all"][0].as_py()
    assert df.to_pylist() == [expected]

    plan = explain(df, capsys).splitlines()
    join = next(i for i, line in enumerate(plan) if "Join:" in line)
    below = [line for line in plan[join + 1 :] if "Filter:" in line]
    assert any("l_mode" in line and "l_qty" in line for line in below), plan
    assert any("o_priority" in line for line in below), plan
    assert all(depth(line) > depth(plan[join]) for line in below)
    # Nothing is left to filter above the join.
    assert not any("Filter:" in line for line in plan[:join])


def test_left_join_keeps_right_predicates_above(tables):
    orders, lines = tables
    df = orders.join(lines, left_on="o_key", right_on="l_order", how="left").filter(
        col("l_mode").is_null() & (col("o_cust") < lit(10))
    )
    joined = ORDERS.join(LINES, keys="o_key", right_keys="l_order", join_type="left outer")
    ref = joined.filter(pc.and_(pc.is_null(joined["l_mode"]), pc.less(joined["o_cust"], 10)))
    got = df.to_arrow_table()
    # Orders without lines (NULL l_mode from the join) are among the rows.
    assert got.num_rows == ref.num_rows > 0
    assert sorted(got["o_key"].to_pylist()) == sorted(ref["o_key"].to_pylist())


def test_filters_reach_every_union_input(partitioned, capsys):
    a = partitioned(pa.table({"x": list(range(10)), "y": ["a"] * 10}))
    b = partitioned(pa.table({"z": list(range(5, 25)), "w": ["b"] * 20})).select(
        col("z").alias("x"), col("w").alias("y")
    )
    df = a.union(b).filter(col("x") > lit(7)).select("x")
    assert sorted(df.to_pydict()["x"]) == sorted([8, 9, *range(8, 25)])
    plan = explain(df, capsys)
    assert plan.count("Filter:") == 2
    assert plan.index("Union:") < plan.index("Filter:")


def test_projections_prune_join_inputs(tables, capsys):
    orders, lines = tables
    df = lines.join(orders, left_on="l_order", right_on="o_key").aggregate(
        [col("o_priority")], [f.count_star().alias("n")]
    )
    ref = lines_join_orders().group_by("o_priority").aggregate([([], "count_all")])
    got = {r["o_priority"]: r["n"] for r in df.to_pylist()}
    assert got == {r["o_priority"]: r["count_all"] for r in ref.to_pylist()}
    plan = explain(df, capsys)
    assert "projection=[l_order]" in plan
    assert "projection=[o_key, o_priority]" in plan


def test_constants_fold(tables, capsys):
    orders, _ = tables
    df = orders.filter((col("o_key") < lit(10) + lit(5)) & lit(True))
    assert sorted(df.to_pydict()["o_key"]) == list(range(15))
    plan = explain(df, capsys)
    assert "o_key < Int64(15)" in plan
    assert "Boolean(true)" not in plan


def test_parquet_scans_take_filters_and_skip_row_groups(ctx, tmp_path, capsys):
    table = pa.table({"k": list(range(1000)), "v": [i % 7 for i in range(1000)]})
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=100)
    ctx.register_parquet("t", path)
    df = ctx.table("t").filter(
        (col("k") >= lit(250)) & (col("k") < lit(260)) & (col("v") == lit(3))
    )
    in_range = pc.and_(pc.greater_equal(table["k"], 250), pc.less(table["k"], 260))
    ref = table.filter(pc.and_(in_range, pc.equal(table["v"], 3)))
    assert df.to_arrow_table().sort_by("k").to_pylist() == ref.to_pylist()
    plan = explain(df, capsys)
    assert "filters=[k >= Int64(250), k < Int64(260), v = Int64(3)]" in plan
    # Nine of the ten row groups are ruled out by their k statistics.
    df.explain()
    physical = capsys.readouterr().out.split("physical_plan")[1]
    assert "partitions=1" in physical, physical


def test_volatile_filters_stay_above_the_join(tables, capsys):
    orders, lines = tables
    noisy = udf(lambda a: a, [pa.int64()], pa.int64(), "volatile", name="noisy")
    df = lines.join(orders, left_on="l_order", right_on="o_key").filter(
        noisy(col("o_cust")) > lit(5)
    )
    plan = explain(df, capsys).splitlines()
    assert plan[0] == "Filter: noisy(o_cust) > Int64(5)", plan
    joined = lines_join_orders()
    assert df.count() == joined.filter(pc.greater(joined["o_cust"], 5)).num_rows


def test_common_subexpressions_are_computed_once_and_results_unchanged(ctx):
    # (a * (1 - b)) appears in two aggregates and (a + 1) twice in a
    # projection: each becomes one column below; names and values stay.
    data = pa.table({"g": ["x", "y", "x", None, "y"], "a": [1.0, 2.0, None, 4.0, 5.0],
                     "b": [0.5, 0.25, 0.1, None, 1.0], "c": [1, 2, 3, 4, 5]})
    df = ctx.from_arrow(data)
    disc = col("a") * (lit(1.0) - col("b"))
    agg = df.aggregate([col("g")], [f.sum(disc).alias("s1"), f.sum(disc * col("c")).alias("s2"),
                                    f.max(disc)])
    plan = agg._raw.explain()
    assert plan.count("__common_expr_") >= 3 and "AS __common_expr_" in plan
    assert agg.schema().names[:3] == ["g", "s1", "s2"]
    assert agg.schema().names[3].startswith("max(")
    a, b, c = (data[n].to_pylist() for n in "abc")
    d = [None if x is None or y is None else x * (1 - y) for x, y in zip(a, b)]
    want = {}
    for g, dv, cv in zip(data["g"].to_pylist(), d, c):
        s1, s2, mx = want.get(g, (None, None, None))
        if dv is not None:
            s1 = (s1 or 0) + dv
            s2 = (s2 or 0) + dv * cv
            mx = dv if mx is None else max(mx, dv)
        want[g] = (s1, s2, mx)
    got = agg.to_pydict()
    names = agg.schema().names
    result = {g: (s1, s2, mx) for g, s1, s2, mx in zip(*(got[n] for n in names))}
    assert result.keys() == want.keys()
    for g in want:
        for x, y in zip(result[g], want[g]):
            assert (x is None and y is None) or x == pytest.approx(y)

    proj = df.select((col("c") + lit(1)).alias("p"), ((col("c") + lit(1)) * lit(2)).alias("q"))
    assert "__common_expr_" in proj._raw.explain()
    assert proj.to_pydict() == {"p": [2, 3, 4, 5, 6], "q": [4, 6, 8, 10, 12]}


@pytest.mark.parametrize("join_type", ["inner", "left outer"])
def test_disjunctions_across_a_join_leave_their_one_side_parts_below_it(tables, capsys, join_type):
    # TPC-H Q19's shape: (a1 AND b1) OR (a2 AND b2) implies a1 OR a2 on one
    # input and b1 OR b2 on the other; the whole condition stays above.
    orders, lines = tables
    how = "inner" if join_type == "inner" else "left"
    cond = (((col("o_priority") == lit("1-URGENT")) & (col("l_qty") < lit(10)))
            | ((col("o_priority") == lit("3-LOW")) & (col("l_mode") == lit("AIR")) & (col("l_qty") > lit(40))))
    df = lines.join(orders, left_on="l_order", right_on="o_key", how=how).filter(cond)
    ref = lines_join_orders(join_type)
    urgent = pc.and_kleene(pc.equal(ref["o_priority"], "1-URGENT"), pc.less(ref["l_qty"], 10))
    low = pc.and_kleene(pc.and_kleene(pc.equal(ref["o_priority"], "3-LOW"), pc.equal(ref["l_mode"], "AIR")),
                        pc.greater(ref["l_qty"], 40))
    ref = ref.filter(pc.or_kleene(urgent, low))
    key = ("l_order", "l_mode", "l_qty", "o_priority")
    got = sorted((tuple(r[k] for k in key) for r in df.to_pylist()), key=repr)
    assert got == sorted((tuple(r[k] for k in key) for r in ref.to_pylist()), key=repr)
    assert len(got) > 0
    lines_of = explain(df, capsys).splitlines()
    join_at = next(i for i, line in enumerate(lines_of) if "Join:" in line)
    below = "\n".join(lines_of[join_at:])
    assert "l_qty < Int64(10) OR " in below  # the lines side, below the join
    assert ("o_priority = Utf8(\"1-URGENT\") OR " in below) == (how == "inner")
    assert "Filter: o_priority" in "\n".join(lines_of[:join_at])  # the whole stays above


def test_join_order_counts_distinct_values_from_parquet_statistics(tmp_path, capsys):
    # a joins c on a 2-valued column (each a row meets 25 c rows) and b on a
    # key. c is smaller than b, but a's join with b is the smaller result,
    # which a's Parquet min/max of g (2 values) lets the reorder see.
    import ferry

    a = pa.table({"a_k": list(range(10)), "a_g": [i % 2 for i in range(10)]})
    b = pa.table({"b_k": [i % 10 for i in range(100)], "b_v": list(range(100))})
    c = pa.table({"c_g": [i % 2 for i in range(50)], "c_v": list(range(50))})
    ctx = ferry.SessionContext()
    for name, table in (("a", a), ("b", b), ("c", c)):
        pq.write_table(table, tmp_path / f"{name}.parquet")
        ctx.register_parquet(name, str(tmp_path / f"{name}.parquet"))
    df = (ctx.table("a").join(ctx.table("c"), left_on="a_g", right_on="c_g")
          .join(ctx.table("b"), left_on="a_k", right_on="b_k"))
    ref = a.join(c, keys="a_g", right_keys="c_g").join(b, keys="a_k", right_keys="b_k")
    key = ("a_k", "b_v", "c_v")
    got = sorted(tuple(r[k] for k in key) for r in df.to_pylist())
    assert got == sorted(tuple(r[k] for k in key) for r in ref.to_pylist())
    assert len(got) == 2500
    plan = explain(df, capsys)
    assert plan.index("on=[a_k = b_k]") > plan.index("on=[a_g = c_g]")  # a-b joined first, deeper


@pytest.mark.parametrize("how", ["semi", "anti"])
def test_semi_and_anti_joins_filter_the_input_their_keys_come_from(tables, capsys, how):
    # TPC-H Q18's shape: orders kept by a semi join on o_key before their
    # lines are joined to them (lines outnumber orders), same rows.
    orders, lines = tables
    big = (lines.aggregate([col("l_order")], [f.sum(col("l_qty")).alias("qty")])
           .filter(col("qty") > lit(100)))
    df = (orders.join(lines, left_on="o_key", right_on="l_order")
          .join(big, left_on="o_key", right_on="l_order", how=how))
    sums = {}
    for r in LINES.to_pylist():
        if r["l_qty"] is not None:
            sums[r["l_order"]] = sums.get(r["l_order"], 0) + r["l_qty"]
    big_keys = {k for k, v in sums.items() if v > 100}
    ref = lines_join_orders().to_pylist()
    keep = [r for r in ref if (r["l_order"] in big_keys) == (how == "semi")]
    key = ("o_key", "l_mode", "l_qty", "o_priority")
    got = sorted((tuple(r[k] for k in key) for r in df.to_pylist()), key=repr)
    ref_key = ("l_order", "l_mode", "l_qty", "o_priority")  # pyarrow keeps the left key
    assert got == sorted((tuple(r[k] for k in ref_key) for r in keep), key=repr)
    assert 0 < len(got) < len(ref)
    plan = explain(df, capsys).splitlines()
    semi = next(i for i, line in enumerate(plan) if f"type={how}" in line)
    inner = next(i for i, line in enumerate(plan) if "type=inner" in line)
    assert inner < semi and depth(plan[inner]) < depth(plan[semi])  # the semi join went below


def test_aggregates_joined_on_their_group_key_see_only_keys_the_other_side_has(tables, capsys):
    # TPC-H Q17's shape: per-order totals of lines, joined to a few orders:
    # the lines are semi-joined to those orders before they are summed.
    orders, lines = tables
    few = orders.filter((col("o_priority") == lit("1-URGENT")) & (col("o_key") < lit(60)))
    totals = lines.aggregate([col("l_order")], [f.sum(col("l_qty")).alias("total"),
                                                f.count(col("l_qty")).alias("n")])
    df = few.join(totals, left_on="o_key", right_on="l_order")
    sums, counts = {}, {}
    for r in LINES.to_pylist():
        sums.setdefault(r["l_order"], None)
        counts[r["l_order"]] = counts.get(r["l_order"], 0) + (r["l_qty"] is not None)
        if r["l_qty"] is not None:
            sums[r["l_order"]] = (sums[r["l_order"]] or 0) + r["l_qty"]
    expected = sorted((o["o_key"], sums[o["o_key"]], counts[o["o_key"]]) for o in ORDERS.to_pylist()
                      if o["o_priority"] == "1-URGENT" and o["o_key"] < 60 and o["o_key"] in sums)
    got = sorted((r["o_key"], r["total"], r["n"]) for r in df.to_pylist())
    assert got == expected and len(got) > 0
    plan = explain(df, capsys).splitlines()
    agg = next(i for i, line in enumerate(plan) if "Aggregate:" in line)
    assert "Join: type=semi on=[l_order = o_key]" in plan[agg + 1]


def test_selective_semi_join_goes_below_a_join_its_input_would_shrink(ctx, tmp_path, capsys):
    # TPC-H Q2's shape: partsupp joined to suppliers, then kept by a semi
    # join with the few parts of one size. The parts' keys cover 1/10 of
    # partsupp's (Parquet min/max bounds), so partsupp is filtered first.
    ps = pa.table({"ps_part": [i % 2000 for i in range(20000)],
                   "ps_supp": [(i * 7) % 100 for i in range(20000)],
                   "ps_cost": [float(i % 997) for i in range(20000)]})
    supp = pa.table({"s_supp": list(range(100)), "s_nation": [i % 5 for i in range(100)]})
    part = pa.table({"p_part": list(range(2000)), "p_size": [i % 10 for i in range(2000)]})
    for name, table in {"ps": ps, "supp": supp, "part": part}.items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
        ctx.register_parquet(name, str(tmp_path / f"{name}.parquet"))
    small = ctx.table("part").filter(col("p_size") == lit(3))
    df = (ctx.table("ps").join(ctx.table("supp"), left_on="ps_supp", right_on="s_supp")
          .join(small, left_on="ps_part", right_on="p_part", how="semi"))
    keep = {p for p, size in zip(part["p_part"].to_pylist(), part["p_size"].to_pylist()) if size == 3}
    want = sorted((p, s, c) for p, s, c in zip(*(ps[k].to_pylist() for k in ("ps_part", "ps_supp",
                                                                             "ps_cost")))
                  if p in keep)
    got = sorted((r["ps_part"], r["ps_supp"], r["ps_cost"]) for r in df.to_pylist())
    assert got == want and len(got) == 2000
    plan = explain(df, capsys).splitlines()
    semi = next(i for i, line in enumerate(plan) if "type=semi" in line)
    inner = next(i for i, line in enumerate(plan) if "type=inner" in line)
    assert inner < semi and depth(plan[inner]) < depth(plan[semi])  # the semi join went below
