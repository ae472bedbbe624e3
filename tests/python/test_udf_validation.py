"""Arrays coming back from Python functions are validated before the engine
reads them: a broken array is an error naming the function, never a crash."""

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from ferry import Window, WindowEvaluator, col, functions as f, udf, udwf
from ferry.errors import FerryValueError


def broken_offsets(n: int) -> pa.Array:
    """utf8 of ``n`` rows whose offsets go backwards (0, 5, 2, 5, ...)."""
    offsets = [0] + [5 if i % 2 == 0 else 2 for i in range(n)]
    offsets[-1] = 5
    return pa.Array.from_buffers(
        pa.utf8(), n, [None, pa.array(offsets, pa.int32()).buffers()[1], pa.py_buffer(b"abcde")]
    )


def bad_utf8(n: int) -> pa.Array:
    """utf8 of ``n`` one-byte rows holding 0xff, which is not UTF-8."""
    offsets = pa.array(list(range(n + 1)), pa.int32()).buffers()[1]
    return pa.Array.from_buffers(pa.utf8(), n, [None, offsets, pa.py_buffer(b"\xff" * n)])


@pytest.mark.parametrize("make", [broken_offsets, bad_utf8], ids=["offsets", "utf8"])
def test_scalar_udf_returning_an_invalid_array_is_an_error(ctx1, make):
    # Before validation char_length(bad(x)) read past the data buffer.
    bad = udf(lambda x: make(len(x)), [pa.int64()], pa.utf8(), "immutable", name="bad_strings")
    df = ctx1.from_pydict({"x": [1, 2, 3, 4]})  # one batch of 4 rows
    with pytest.raises(FerryValueError, match=r"Python UDF 'bad_strings' returned an invalid string"):
        df.select(f.char_length(bad(col("x"))).alias("n")).collect()


def test_valid_zero_copy_results_still_pass(ctx1):
    # A slice (non-zero offset) of a valid array is valid: nothing Arrow
    # accepts is rejected.
    def shifted(x):
        return pa.array(["pad", "a", "bb", None, "dddd"]).slice(1, len(x))

    strings = udf(shifted, [pa.int64()], pa.utf8(), "immutable", name="shifted")
    df = ctx1.from_pydict({"x": [1, 2, 3, 4]})
    out = df.select(f.char_length(strings(col("x"))).alias("n")).to_pydict()
    assert out["n"] == pc.utf8_length(pa.array(["a", "bb", None, "dddd"])).to_pylist()


class BrokenEvaluator(WindowEvaluator):
    def evaluate_all(self, values, num_rows):
        return broken_offsets(num_rows)


def test_window_udf_returning_an_invalid_array_is_an_error(ctx1):
    broken = udwf(BrokenEvaluator, [pa.int64()], pa.utf8(), "immutable", name="broken_window")
    df = ctx1.from_pydict({"x": [1, 2, 3, 4], "t": [4, 3, 2, 1]})
    with pytest.raises(FerryValueError, match=r"window UDF 'broken_window' returned an invalid"):
        df.select(broken(col("x")).over(Window(order_by=[col("t")])).alias("w")).collect()
