"""Python aggregate UDFs (udaf/Accumulator) in ferry's two-phase aggregation,
checked against pyarrow's group_by."""

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import Accumulator, AggregateUDF, col, udaf
from ferry.errors import ExecutionError, FerryError

pytestmark = pytest.mark.timeout(120)


class SumSquares(Accumulator):
    """Sum of squares of the non-null values; null when there are none."""

    def __init__(self):
        self._sum = None

    def _add(self, value):
        if value is not None:
            self._sum = value if self._sum is None else self._sum + value

    def update(self, values):
        self._add(pc.sum(pc.multiply(values, values)).as_py())

    def merge(self, states):
        self._add(pc.sum(states[0]).as_py())

    def state(self):
        return [pa.scalar(self._sum, pa.float64())]

    def evaluate(self):
        return pa.scalar(self._sum, pa.float64())


class Mean(Accumulator):
    """Mean of the non-null values with a (sum, count) state."""

    def __init__(self):
        self._sum = 0.0
        self._count = 0

    def update(self, values):
        self._sum += pc.sum(values).as_py() or 0.0
        self._count += len(values) - values.null_count

    def merge(self, states):
        self._sum += pc.sum(states[0]).as_py() or 0.0
        self._count += pc.sum(states[1]).as_py() or 0

    def state(self):
        return [pa.scalar(self._sum), pa.scalar(self._count)]

    def evaluate(self):
        return None if self._count == 0 else self._sum / self._count


sum_squares = udaf(SumSquares, pa.float64(), pa.float64(), [pa.float64()], "immutable",
                   name="sum_squares")
mean = udaf(Mean, [pa.float64()], pa.float64(), [pa.field("sum", pa.float64(), nullable=False),
                                                 pa.field("count", pa.int64(), nullable=False)],
            "immutable", name="py_mean")


def make_table(rows: int = 3000, keys: int = 37, seed: int = 5) -> pa.Table:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=rows)
    mask = rng.random(rows) < 0.15
    k = rng.integers(0, keys, rows)
    # Key "all_null" has only null values.
    names = np.array([f"k{i}" for i in range(keys)] + ["all_null"], dtype=object)
    k[:7] = keys
    mask[:7] = True
    return pa.table({"k": pa.array(names[k]), "v": pa.array(v, pa.float64(), mask=mask),
                     "w": pa.array(rng.integers(-5, 5, rows), pa.int64())})


TABLE = make_table()


def reference(table: pa.Table, keys: list[str]) -> pa.Table:
    squared = table.append_column("sq", pc.multiply(table["v"], table["v"]))
    return squared.group_by(keys).aggregate([("sq", "sum"), ("v", "mean")])


def assert_close(got: list, want: list) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if w is None:
            assert g is None
        else:
            assert g is not None and math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-12), (g, w)


def by_key(table: pa.Table, column: str) -> dict:
    return dict(zip(table["k"].to_pylist(), table[column].to_pylist()))


def test_grouped_matches_pyarrow(partitioned):
    df = partitioned(TABLE, parts=4)
    out = df.aggregate([col("k")], [sum_squares(col("v")).alias("ss"),
                                     mean(col("v")).alias("m")]).to_arrow_table()
    want = reference(TABLE, ["k"])
    assert out.num_rows == want.num_rows == 38
    got_ss, got_m = by_key(out, "ss"), by_key(out, "m")
    want_ss = dict(zip(want["k"].to_pylist(), want["sq_sum"].to_pylist()))
    want_m = dict(zip(want["k"].to_pylist(), want["v_mean"].to_pylist()))
    keys = sorted(want_ss)
    assert_close([got_ss[k] for k in keys], [want_ss[k] for k in keys])
    assert_close([got_m[k] for k in keys], [want_m[k] for k in keys])
    assert got_ss["all_null"] is None and got_m["all_null"] is None
    assert out.schema.field("ss").type == pa.float64()


def test_ungrouped_matches_pyarrow(partitioned):
    df = partitioned(TABLE, parts=3)
    out = df.aggregate([], [sum_squares(col("v")).alias("ss"), mean(col("v")).alias("m")])
    got = out.to_pydict()
    assert_close(got["ss"], [pc.sum(pc.multiply(TABLE["v"], TABLE["v"])).as_py()])
    assert_close(got["m"], [pc.mean(TABLE["v"]).as_py()])


def test_many_small_batches_and_partitions(ctx):
    # Many batches per partition: accumulators keep state across batches.
    batches = TABLE.to_batches(max_chunksize=97)
    partitions = [batches[i::5] for i in range(5)] + [[]]
    df = ctx.create_dataframe(partitions, schema=TABLE.schema)
    out = df.aggregate([col("k")], [mean(col("v")).alias("m")]).to_arrow_table()
    want = reference(TABLE, ["k"])
    want_m = dict(zip(want["k"].to_pylist(), want["v_mean"].to_pylist()))
    got_m = by_key(out, "m")
    assert sorted(got_m) == sorted(want_m)
    assert_close([got_m[k] for k in sorted(want_m)], [want_m[k] for k in sorted(want_m)])


def test_empty_input(partitioned):
    empty = TABLE.slice(0, 0)
    df = partitioned(empty, parts=3)
    grouped = df.aggregate([col("k")], [sum_squares(col("v")).alias("ss")]).to_pydict()
    assert grouped == {"k": [], "ss": []}
    ungrouped = df.aggregate([], [sum_squares(col("v")).alias("ss"),
                                  mean(col("v")).alias("m")]).to_pydict()
    assert ungrouped == {"ss": [None], "m": [None]}


def test_all_null_input(ctx):
    table = pa.table({"k": ["a", "b", "a"], "v": pa.array([None] * 3, pa.float64())})
    out = ctx.from_arrow(table).aggregate([col("k")], [mean(col("v")).alias("m")])
    assert sorted(out.to_pylist(), key=lambda r: r["k"]) == [{"k": "a", "m": None},
                                                             {"k": "b", "m": None}]


class WeightedSum(Accumulator):
    def __init__(self):
        self.total = 0.0

    def update(self, values, weights):
        self.total += pc.sum(pc.multiply(values, weights)).as_py() or 0.0

    def merge(self, states):
        self.total += pc.sum(states[0]).as_py() or 0.0

    def state(self):
        return [self.total]

    def evaluate(self):
        return self.total


def test_two_arguments_with_cast(partitioned):
    # w is int64, declared float64: the engine casts it.
    wsum = udaf(WeightedSum, [pa.float64(), pa.float64()], pa.float64(), [pa.float64()],
                "immutable")
    assert wsum.name == "weightedsum"
    out = partitioned(TABLE).aggregate([], [wsum(col("v"), col("w")).alias("r")]).to_pydict()
    want = pc.sum(pc.multiply(TABLE["v"], pc.cast(TABLE["w"], pa.float64()))).as_py()
    assert_close(out["r"], [want])


def test_decorator_form_and_registration(ctx):
    @udaf(pa.float64(), pa.float64(), [pa.float64()], "immutable", name="ss_dec")
    def ss_dec():
        return SumSquares()

    assert isinstance(ss_dec, AggregateUDF) and ss_dec.name == "ss_dec"
    ctx.register_udaf(ss_dec)
    df = ctx.from_pydict({"v": [1.0, 2.0, None]})
    assert df.aggregate([], [ss_dec(col("v")).alias("r")]).to_pydict() == {"r": [5.0]}
    ctx.deregister_udf("ss_dec")
    with pytest.raises(KeyError):
        ctx.deregister_udf("ss_dec")


def test_constructor_checks():
    with pytest.raises(TypeError, match="Accumulator"):
        udaf(lambda: object(), pa.float64(), pa.float64(), [pa.float64()], "immutable")
    with pytest.raises(ValueError, match="volatility"):
        udaf(SumSquares, pa.float64(), pa.float64(), [pa.float64()], "sometimes")


def test_wrong_argument_count_and_type(ctx):
    df = ctx.from_pydict({"v": [1.0], "s": ["x"]})
    with pytest.raises(FerryError, match="sum_squares.*expects 1 argument"):
        df.aggregate([], [sum_squares(col("v"), col("v"))]).to_pydict()
    with pytest.raises(FerryError, match="sum_squares"):
        df.aggregate([], [sum_squares(col("s"))]).to_pydict()


# ---- errors --------------------------------------------------------------------

class Boom(Exception):
    pass


def failing(method: str, name: str) -> AggregateUDF:
    class Failing(SumSquares):
        pass

    def fail(self, *args):
        raise Boom(f"boom in {method}")

    setattr(Failing, method, fail)
    return udaf(Failing, pa.float64(), pa.float64(), [pa.float64()], "immutable", name=name)


@pytest.mark.parametrize("method", ["update", "merge", "state", "evaluate"])
@pytest.mark.parametrize("grouped", [False, True])
def test_exception_names_udaf_and_keeps_cause(partitioned, method, grouped):
    func = failing(method, f"fails_in_{method}")
    df = partitioned(TABLE, parts=3)
    keys = [col("k")] if grouped else []
    with pytest.raises(ExecutionError) as info:
        df.aggregate(keys, [func(col("v")).alias("r")]).to_pydict()
    message = str(info.value)
    assert f"fails_in_{method}" in message and f"{method}()" in message
    assert f"boom in {method}" in message
    assert isinstance(info.value.__cause__, Boom)


def make_state_udaf(state_value, name, state_types=(pa.float64(),)):
    class Odd(SumSquares):
        def state(self):
            return state_value

    return udaf(Odd, pa.float64(), pa.float64(), list(state_types), "immutable", name=name)


def test_state_wrong_arity(ctx):
    func = make_state_udaf([1.0, 2.0], "two_states")
    df = ctx.from_pydict({"v": [1.0, 2.0]})
    with pytest.raises(FerryError, match=r"two_states.*state\(\) returned 2 values.*1 field"):
        df.aggregate([], [func(col("v"))]).to_pydict()
    func = make_state_udaf([], "no_states")
    with pytest.raises(FerryError, match=r"no_states.*returned 0 values"):
        df.aggregate([], [func(col("v"))]).to_pydict()


def test_state_not_a_list(ctx):
    func = make_state_udaf(pa.scalar(1.0), "scalar_state")
    df = ctx.from_pydict({"v": [1.0]})
    with pytest.raises(FerryError, match=r"scalar_state.*state\(\) must return a list"):
        df.aggregate([], [func(col("v"))]).to_pydict()


def test_state_wrong_type(ctx):
    func = make_state_udaf([pa.scalar("text")], "text_state")
    df = ctx.from_pydict({"k": [1, 2], "v": [1.0, 2.0]})
    with pytest.raises(ExecutionError, match=r"text_state.*state field 'state0'.*Float64") as info:
        df.aggregate([col("k")], [func(col("v"))]).to_pydict()
    assert isinstance(info.value.__cause__, pa.ArrowException)


def test_state_null_in_non_nullable_field(ctx):
    class NullState(Mean):
        def state(self):
            return [None, 0]

    func = udaf(NullState, pa.float64(), pa.float64(),
                [pa.field("sum", pa.float64(), nullable=False), pa.int64()], "immutable",
                name="null_state")
    df = ctx.from_pydict({"v": [1.0]})
    with pytest.raises(FerryError, match="null_state.*non-nullable state field 'sum'"):
        df.aggregate([], [func(col("v"))]).to_pydict()


def test_evaluate_wrong_type(ctx):
    class Texty(SumSquares):
        def evaluate(self):
            return pa.scalar("not a number")

    func = udaf(Texty, pa.float64(), pa.float64(), [pa.float64()], "immutable", name="texty")
    df = ctx.from_pydict({"v": [1.0]})
    with pytest.raises(ExecutionError, match=r"texty.*evaluate\(\).*Float64"):
        df.aggregate([], [func(col("v"))]).to_pydict()


def test_factory_failure_names_udaf(ctx):
    calls = []

    def factory():
        calls.append(1)
        if len(calls) > 1:  # the first call is udaf()'s own check
            raise Boom("no accumulator today")
        return SumSquares()

    func = udaf(factory, pa.float64(), pa.float64(), [pa.float64()], "immutable",
                name="flaky_factory")
    df = ctx.from_pydict({"v": [1.0]})
    with pytest.raises(ExecutionError, match="flaky_factory") as info:
        df.aggregate([], [func(col("v"))]).to_pydict()
    assert isinstance(info.value.__cause__, Boom)


def test_distinct_not_supported(ctx):
    df = ctx.from_pydict({"v": [1.0, 1.0]})
    expr = ferry.Expr(sum_squares._raw([col("v")._raw], distinct=True))
    with pytest.raises(NotImplementedError, match="sum_squares.*DISTINCT"):
        df.aggregate([], [expr]).to_pydict()


def test_high_cardinality_groups():
    # More groups than rows per batch: rows are bucketed by sorting.
    rng = np.random.default_rng(9)
    n = 5000
    table = pa.table({"k": pa.array(rng.permutation(n) % 4000, pa.int64()),
                      "v": pa.array(rng.normal(size=n), pa.float64())})
    batches = table.to_batches(max_chunksize=50)
    df = ferry.SessionContext().create_dataframe([batches[0::2], batches[1::2], []],
                                                 schema=table.schema)
    out = df.aggregate([col("k")], [sum_squares(col("v")).alias("ss")]).to_arrow_table()
    squared = table.append_column("sq", pc.multiply(table["v"], table["v"]))
    want = squared.group_by("k").aggregate([("sq", "sum")])
    want_ss = dict(zip(want["k"].to_pylist(), want["sq_sum"].to_pylist()))
    got_ss = by_key(out, "ss")
    assert sorted(got_ss) == sorted(want_ss)
    assert_close([got_ss[k] for k in sorted(want_ss)], [want_ss[k] for k in sorted(want_ss)])


def test_over_window(ctx):
    # A UDAF as a window aggregate: running sum of squares per key.
    table = pa.table({"k": ["a", "a", "b", "a", "b"], "t": [1, 2, 1, 3, 2],
                      "v": [1.0, None, 2.0, 3.0, 4.0]})
    window = ferry.expr.Window(partition_by=[col("k")], order_by=[col("t")])
    out = ctx.from_arrow(table).select(col("k"), col("t"),
                                       sum_squares(col("v")).over(window).alias("r"))
    rows = sorted(out.to_pylist(), key=lambda r: (r["k"], r["t"]))
    assert [r["r"] for r in rows] == [1.0, 1.0, 10.0, 4.0, 20.0]
