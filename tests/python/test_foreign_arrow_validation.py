"""Arrow data handed to ferry through the C data interface (tables,
record batches, literals) is checked as strictly as Arrow's ValidateFull
before the engine reads it: a malformed array is a FerryValueError naming
the column, never a crash or a silently wrong answer."""

import pyarrow as pa
import pytest

from ferry import SessionContext, _core, col, functions as f, lit
from ferry.errors import FerryValueError


def backwards_offsets() -> pa.Array:
    """utf8 ["abcde", <offsets 5 -> 2>, "cde"...]: offsets that go backwards."""
    offsets = pa.array([0, 5, 2, 8], pa.int32()).buffers()[1]
    return pa.Array.from_buffers(pa.utf8(), 3, [None, offsets, pa.py_buffer(b"abcdefgh")])


def offsets_past_the_data() -> pa.Array:
    """utf8 whose middle offset points 1000 bytes into an 8-byte buffer."""
    offsets = pa.array([0, 1000, 8], pa.int32()).buffers()[1]
    return pa.Array.from_buffers(pa.utf8(), 2, [None, offsets, pa.py_buffer(b"abcdefgh")])


def invalid_utf8() -> pa.Array:
    """utf8 of two one-byte strings, 0xff and 0xfe: not UTF-8."""
    offsets = pa.array([0, 1, 2], pa.int32()).buffers()[1]
    return pa.Array.from_buffers(pa.utf8(), 2, [None, offsets, pa.py_buffer(b"\xff\xfe")])


def list_offsets_backwards() -> pa.Array:
    """list<int64> whose offsets go backwards (0, 3, 1)."""
    values = pa.array([1, 2, 3])
    offsets = pa.array([0, 3, 1], pa.int32()).buffers()[1]
    return pa.Array.from_buffers(pa.list_(pa.int64()), 2, [None, offsets], children=[values])


def dictionary_index_out_of_range() -> pa.Array:
    """dictionary<int32, utf8> with index 7 into a 2-entry dictionary."""
    return pa.DictionaryArray.from_arrays(
        pa.array([0, 7, 1], pa.int32()), pa.array(["a", "b"]), safe=False)


MALFORMED = [backwards_offsets, offsets_past_the_data, invalid_utf8, list_offsets_backwards,
             dictionary_index_out_of_range]


@pytest.fixture(params=MALFORMED, ids=lambda make: make.__name__)
def bad_column(request) -> pa.Array:
    return request.param()


def test_the_arrays_really_are_malformed(bad_column):
    # pyarrow's own full validation, the independent reference: what ferry
    # must refuse, pyarrow refuses too (its cheap check lets them through).
    bad_column.validate()
    with pytest.raises(pa.ArrowInvalid):
        bad_column.validate(full=True)


def test_from_arrow_refuses_a_malformed_table(bad_column):
    ctx = SessionContext()
    table = pa.table({"ok": pa.array(range(len(bad_column))), "bad": bad_column})
    with pytest.raises(FerryValueError, match=r"malformed Arrow data handed to ferry: record batch 0, column 'bad'"):
        ctx.from_arrow(table)
    with pytest.raises(FerryValueError, match="column 'bad'"):
        ctx.register_table("t", table)
    assert not ctx.table_exist("t")


def test_from_arrow_names_the_batch_at_fault(bad_column):
    ctx = SessionContext()
    good = pa.record_batch({"bad": pa.array([], bad_column.type)})
    bad = pa.record_batch({"bad": bad_column})
    reader = pa.RecordBatchReader.from_batches(good.schema, [good, good, bad])
    with pytest.raises(FerryValueError, match="record batch 2, column 'bad'"):
        ctx.from_arrow(reader)


def test_record_batches_are_checked(bad_column):
    ctx = SessionContext()
    batch = pa.record_batch({"bad": bad_column})
    with pytest.raises(FerryValueError, match="column 'bad'"):
        ctx.register_record_batches("t", [[batch]])
    with pytest.raises(FerryValueError, match="column 'bad'"):
        ctx.create_dataframe([[batch]])
    with pytest.raises(FerryValueError, match="column 'bad'"):
        ctx.from_arrow(batch)


def test_a_malformed_literal_is_refused():
    # lit() rebuilds values through Python objects, so only the extension's
    # own entry point can receive a malformed array: it is checked too.
    with pytest.raises(FerryValueError, match="malformed Arrow data handed to ferry: string array"):
        _core.lit(invalid_utf8().slice(0, 1))
    assert lit("ok").python_value() == "ok"


def test_valid_data_still_passes_unchanged():
    # Slices (non-zero offsets), NULLs, empty tables and nested types are
    # valid: nothing pyarrow's full validation accepts is refused.
    ctx = SessionContext()
    strings = pa.array(["pad", "a", None, "héllo", ""]).slice(1)
    lists = pa.array([[1, None], None, [], [4]], pa.list_(pa.int64()))
    table = pa.table({"s": strings, "l": lists,
                      "d": pa.array(["x", "y", "x", None]).dictionary_encode()})
    df = ctx.from_arrow(table)
    assert df.select(f.char_length(col("s")).alias("n")).to_pydict() == {"n": [1, None, 5, 0]}
    assert ctx.from_arrow(table.slice(0, 0)).count() == 0
    assert ctx.from_arrow(table).to_pydict() == table.to_pydict()
