"""Decode limits as session settings (SessionConfig.with_decode_limits):
every decode path of a session (Expr.from_bytes, DataFrame.from_bytes,
pickle through the worker slot) applies that session's limits; defaults
are the documented ones; out-of-range values are refused up front."""

import pickle

import pytest

import ferry
from ferry import DataFrame, Expr, SessionConfig, SessionContext, col, functions as f, ipc, lit
from ferry.errors import FerryValueError

DEFAULTS = {"max_depth": 500, "max_bytes": 256 << 20, "max_nodes": 250_000,
            "max_functions": 10_000, "max_list_items": 100_000}


def tight(**limits) -> SessionContext:
    return SessionContext(SessionConfig().with_decode_limits(**limits))


def nested(levels: int) -> Expr:
    """col("a") under levels - 1 negations: `levels` levels deep."""
    expr = col("a")
    for _ in range(levels - 1):
        expr = -expr
    return expr


def test_defaults_are_the_documented_limits():
    assert SessionConfig().decode_limits == DEFAULTS
    assert SessionContext().decode_limits == DEFAULTS


def test_settings_are_kept_and_combined():
    config = SessionConfig().with_decode_limits(max_depth=20).with_decode_limits(max_nodes=99)
    assert config.decode_limits == dict(DEFAULTS, max_depth=20, max_nodes=99)
    ctx = SessionContext(config)
    assert ctx.decode_limits == config.decode_limits
    # Sessions derived from it share its configuration.
    assert ctx.with_python_udf_inlining(enabled=False).decode_limits["max_depth"] == 20
    assert SessionConfig().decode_limits == DEFAULTS  # the original is untouched


@pytest.mark.parametrize("name, value, allowed", [
    ("max_depth", 0, "1 and 500"),
    ("max_depth", 501, "1 and 500"),
    ("max_depth", 1 << 40, "1 and 500"),
    ("max_bytes", 0, "1 and 2147483647"),
    ("max_bytes", 1 << 31, "1 and 2147483647"),
    ("max_nodes", -1, "1 and"),
    ("max_functions", 0, "1 and"),
    ("max_list_items", 0, "1 and"),
])
def test_out_of_range_limits_are_refused(name, value, allowed):
    with pytest.raises(FerryValueError, match=f"decode limit {name} must be between {allowed}.*got {value}"):
        SessionConfig().with_decode_limits(**{name: value})


def test_non_integer_limits_are_refused():
    with pytest.raises(TypeError, match="max_nodes must be an int"):
        SessionConfig().with_decode_limits(max_nodes="10")
    with pytest.raises(TypeError, match="max_depth must be an int"):
        SessionConfig().with_decode_limits(max_depth=True)


def test_max_depth_applies_to_expressions():
    blob = nested(12).to_bytes()
    with pytest.raises(FerryValueError, match="nests deeper than the limit of 10 levels"):
        Expr.from_bytes(blob, tight(max_depth=10))
    assert Expr.from_bytes(nested(10).to_bytes(), tight(max_depth=10)).equals(nested(10))
    assert Expr.from_bytes(blob, SessionContext()).equals(nested(12))


def test_max_bytes_applies_to_expressions():
    expr = col("a").in_list(list(range(50)))
    blob = expr.to_bytes()
    with pytest.raises(FerryValueError, match=f"encoded expression of {len(blob)} bytes exceeds the limit of 64"):
        Expr.from_bytes(blob, tight(max_bytes=64))
    assert Expr.from_bytes(blob, tight(max_bytes=len(blob))).equals(expr)


def test_count_limits_apply_to_expressions():
    six = col("a").in_list([1, 2, 3, 4, 5, 6]).to_bytes()
    with pytest.raises(FerryValueError, match="has more than 5 items; the decoder's limit is 5"):
        Expr.from_bytes(six, tight(max_list_items=5))
    assert Expr.from_bytes(six, tight(max_list_items=6)) is not None
    two_functions = (f.abs(col("a")) + f.sqrt(col("b"))).to_bytes()
    with pytest.raises(FerryValueError, match="function table has more than 1 entries"):
        Expr.from_bytes(two_functions, tight(max_functions=1))
    with pytest.raises(FerryValueError, match="holds more than 3 nodes"):
        Expr.from_bytes(two_functions, tight(max_nodes=3))


def test_limits_apply_to_plans():
    ctx = SessionContext()
    df = ctx.from_pydict({"a": [1, 2, None]}).select((col("a") + lit(1)).alias("b"))
    blob = df.to_bytes()
    with pytest.raises(FerryValueError, match=f"of {len(blob)} bytes exceeds the limit of 100"):
        DataFrame.from_bytes(blob, tight(max_bytes=100))
    with pytest.raises(FerryValueError, match="nests deeper than the limit of 2 levels"):
        DataFrame.from_bytes(blob, tight(max_depth=2))
    assert DataFrame.from_bytes(blob, tight(max_bytes=len(blob))).to_pydict() == {"b": [2, 3, None]}


def test_limits_apply_to_pickle_through_the_worker_slot():
    blob = pickle.dumps(nested(12))
    ipc.set_worker_ctx(tight(max_depth=10))
    try:
        with pytest.raises(FerryValueError, match="limit of 10 levels"):
            pickle.loads(blob)
    finally:
        ipc.clear_worker_ctx()
    assert pickle.loads(blob).equals(nested(12))


def test_the_global_session_has_the_defaults():
    assert ferry.SessionContext.global_ctx().decode_limits == DEFAULTS
