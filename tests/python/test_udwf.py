"""Python window UDFs: the evaluator protocol, errors and inline shipping."""

import multiprocessing as mp
import pickle

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import Expr, Window, WindowFrame, col, udwf
from ferry.user_defined import WindowEvaluator

DATA = {"k": ["a", "a", "b", "a", "b", None], "t": [3, 1, 2, 2, 1, 1],
        "v": [1.0, 2.0, 3.0, None, 5.0, 6.0]}
WINDOW = Window(partition_by=[col("k")], order_by=[col("t")])


def by_partition(data):
    """Reference: rows of each partition sorted by t, as (index, row) pairs."""
    groups = {}
    for i, (k, t, v) in enumerate(zip(data["k"], data["t"], data["v"])):
        groups.setdefault(k, []).append((t, i, v))
    return {k: sorted(rows) for k, rows in groups.items()}


class Scaled(WindowEvaluator):
    factor = 10.0

    def evaluate_all(self, values, num_rows):
        assert num_rows == len(values[0])
        return pc.multiply(pc.cumulative_sum(values[0], skip_nulls=True), self.factor)


class FrameCount(WindowEvaluator):
    def uses_window_frame(self):
        return True

    def evaluate(self, values, eval_range):
        start, end = eval_range
        return pa.scalar(values[0].slice(start, end - start).null_count, pa.int64())


class DenseRank(WindowEvaluator):
    def include_rank(self):
        return True

    def evaluate_all_with_rank(self, num_rows, ranks_in_partition):
        out = []
        for rank, (first, last) in enumerate(ranks_in_partition, start=1):
            out += [rank] * (last - first + 1)
        return pa.array(out, pa.int64())


@pytest.fixture
def df(ctx):
    return ctx.from_pydict(DATA)


def in_input_order(ctx, expr):
    """``expr`` over DATA, one value per row in DATA's row order (a window's
    output rows come in no particular order)."""
    df = ctx.from_pydict({**DATA, "row": list(range(len(DATA["k"])))})
    return df.select(col("row"), expr.alias("x")).sort(col("row")).to_pydict()["x"]


def test_evaluate_all_gets_each_sorted_partition(ctx):
    scaled = udwf(Scaled, [pa.float64()], pa.float64(), "immutable")
    out = in_input_order(ctx, scaled(col("v")).over(WINDOW))
    expected = [None] * len(DATA["k"])
    for rows in by_partition(DATA).values():
        total = 0.0
        for _, i, v in rows:
            total += v or 0.0
            expected[i] = None if v is None else total * 10.0  # nulls stay null
    assert [x is None for x in out] == [x is None for x in expected]
    assert [x for x in out if x is not None] == pytest.approx([x for x in expected if x is not None])


def test_evaluate_per_row_sees_its_frame(ctx):
    nulls = udwf(FrameCount, [pa.float64()], pa.int64(), "immutable", name="nulls_in_frame")
    frame = Window(partition_by=[col("k")], order_by=[col("t")], window_frame=WindowFrame("rows", 1, 0))
    out = in_input_order(ctx, nulls(col("v")).over(frame))
    expected = [None] * len(DATA["k"])
    for rows in by_partition(DATA).values():
        for j, (_, i, _) in enumerate(rows):
            expected[i] = sum(v is None for _, _, v in rows[max(0, j - 1):j + 1])
    assert out == expected


def test_evaluate_all_with_rank_gets_peer_groups(ctx):
    df = ctx.from_pydict({"t": [5, 1, 5, 3, 1]})
    dense = udwf(DenseRank, [], pa.int64(), "immutable")
    out = df.select(col("t"), dense().over(Window(order_by=[col("t")])).alias("r")).to_pydict()
    assert out["r"] == [3, 1, 3, 2, 1]


def test_decorator_and_registration(ctx):
    @udwf([pa.float64()], pa.float64(), "stable", name="scaled_sum")
    def make():
        return Scaled()

    assert make.name == "scaled_sum"
    ctx.register_udwf(make)
    ctx.deregister_udf("scaled_sum")
    with pytest.raises(KeyError):
        ctx.deregister_udf("scaled_sum")


def test_errors_name_the_udwf(df):
    class Broken(WindowEvaluator):
        def evaluate_all(self, values, num_rows):
            raise ZeroDivisionError("boom")

    class WrongType(WindowEvaluator):
        def evaluate_all(self, values, num_rows):
            return pa.array(["x"] * num_rows)

    class WrongLength(WindowEvaluator):
        def evaluate_all(self, values, num_rows):
            return pa.array([1.0])

    broken = udwf(Broken, [pa.float64()], pa.float64(), "immutable", name="broken")
    with pytest.raises(ferry.ExecutionError, match="window UDF 'broken' raised ZeroDivisionError") as info:
        df.select(broken(col("v")).over(WINDOW)).collect()
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    wrong = udwf(WrongType, [pa.float64()], pa.float64(), "immutable", name="wrongtype")
    with pytest.raises(TypeError, match="window UDF 'wrongtype' returned Utf8 but declared Float64"):
        df.select(wrong(col("v")).over(WINDOW)).collect()
    short = udwf(WrongLength, [pa.float64()], pa.float64(), "immutable")
    with pytest.raises(ValueError, match="returned 1 rows for a partition of"):
        df.select(short(col("v")).over(WINDOW)).collect()
    with pytest.raises(TypeError, match="WindowEvaluator"):
        udwf(lambda: object(), [pa.float64()], pa.float64(), "immutable")
    with pytest.raises(ValueError, match="needs a window"):
        df.filter(udwf(Scaled, [pa.float64()], pa.float64(), "immutable")(col("v")) > 1)


def test_ships_inline_with_its_closure(ctx):
    factor = 3.0

    class Closure(WindowEvaluator):
        def evaluate_all(self, values, num_rows):
            return pc.multiply(values[0], factor)

    expr = udwf(Closure, [pa.float64()], pa.float64(), "immutable")(col("v")).over(WINDOW)
    blob = pickle.dumps(expr)
    assert blob.count(b"FYPYUDW") == 1
    decoded = pickle.loads(blob)
    assert decoded.equals(expr) is False  # a different function object ...
    assert decoded.canonical_name() == expr.canonical_name()  # ... with the same meaning
    fresh = ferry.SessionContext()
    out = fresh.from_pydict({"k": ["a", "a"], "t": [2, 1], "v": [1.0, 2.0]}).select(
        col("t"), decoded.alias("x")).sort(col("t"))
    assert out.to_pydict() == {"t": [1, 2], "x": [6.0, 3.0]}


def test_strict_sessions_send_by_name_and_refuse_frames(ctx):
    scaled = udwf(Scaled, [pa.float64()], pa.float64(), "immutable", name="scaled")
    expr = scaled(col("v")).over(WINDOW)
    strict = ctx.with_python_udf_inlining(enabled=False)
    assert b"FYPYUDW" not in expr.to_bytes(strict)
    with pytest.raises(RuntimeError, match=r"inlining is disabled.*FYPYUDW.*'scaled'|inlining is disabled.*'scaled'"):
        Expr.from_bytes(expr.to_bytes(), strict)
    strict.register_udwf(scaled)
    by_name = Expr.from_bytes(expr.to_bytes(strict), strict)
    assert by_name.canonical_name() == expr.canonical_name()


def _evaluate_in_worker(blob):
    import ferry as worker_ferry

    expr = pickle.loads(blob)
    df = worker_ferry.SessionContext().from_pydict({"k": ["a", "a", "a"], "t": [3, 1, 2],
                                                     "v": [1.0, 2.0, 4.0]})
    return df.select(col("t"), expr.alias("x")).sort(col("t")).to_pydict()["x"]


@pytest.mark.timeout(120)
def test_decodes_in_a_spawned_worker():
    scaled = udwf(Scaled, [pa.float64()], pa.float64(), "immutable")
    blob = pickle.dumps(scaled(col("v")).over(WINDOW))
    with mp.get_context("spawn").Pool(1) as pool:
        result = pool.apply_async(_evaluate_in_worker, (blob,)).get(timeout=90)
    # Sorted by t: 2.0, 4.0, 1.0 -> running sums 2, 6, 7 (times 10).
    assert result == [20.0, 60.0, 70.0]


def test_frame_using_udwf_round_trips_into_a_fresh_session():
    expr = udwf(FrameCount, [pa.float64()], pa.int64(), "immutable", name="nulls_in_frame")(
        col("v")).over(Window(order_by=[col("t")], window_frame=WindowFrame("rows", 1, 1)))
    decoded = Expr.from_bytes(expr.to_bytes(), ferry.SessionContext())
    df = ferry.SessionContext().from_pydict({"t": [1, 2, 3, 4], "v": [None, 1.0, None, 2.0]})
    # Frames [t-1, t+1]: {None,1}, {None,1,None}, {1,None,2}, {None,2}.
    assert df.select(decoded.alias("n")).to_pydict() == {"n": [1, 2, 1, 1]}
