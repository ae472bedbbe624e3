"""Python UDFs on the wire: inline (cloudpickle) by default, by name on a
strict session (``with_python_udf_inlining(enabled=False)``)."""

import pickle
import subprocess
import sys
import textwrap
import threading
import warnings

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ferry
from ferry import Expr, col, functions as f, lit, udf
from ferry.errors import FerryError

pytestmark = pytest.mark.timeout(120)

MAGIC = b"FYPYUDF"
DATA = {"a": [1, 2, None, 40, -7], "b": [5, None, 3, 2, 1]}
TABLE = pa.table({k: pa.array(v, pa.int64()) for k, v in DATA.items()})


def make_offset_udf(offset: int, name: str = "add_offset") -> ferry.ScalarUDF:
    """A UDF whose closure captures ``offset``."""

    def add_offset(a):
        return pc.add(a, offset)

    return udf(add_offset, [pa.int64()], pa.int64(), "immutable", name=name)


def run(ctx: ferry.SessionContext, expr: Expr) -> list:
    return ctx.from_arrow(TABLE).select(expr.alias("r")).to_pydict()["r"]


def run_python(code: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=90, **kwargs)


# ---- inline by default ----------------------------------------------------------

def test_inline_udf_decodes_without_registration():
    add = make_offset_udf(1000)
    expr = add(col("a")) * 2
    blob = expr.to_bytes()
    assert blob.count(MAGIC) == 1
    fresh = ferry.SessionContext()
    decoded = Expr.from_bytes(blob, fresh)
    assert decoded.canonical_name() == expr.canonical_name()
    want = pc.multiply(pc.add(TABLE["a"], 1000), 2).to_pylist()
    assert run(fresh, decoded) == want
    # The receiver was not changed: the UDF is not registered there by name.
    strict = fresh.with_python_udf_inlining(enabled=False)
    with pytest.raises(KeyError):
        Expr.from_bytes(expr.to_bytes(strict), strict)


def test_closure_value_shows_in_result():
    for offset in (7, -123456, 0):
        blob = make_offset_udf(offset)(col("a")).to_bytes()
        got = run(ferry.SessionContext(), Expr.from_bytes(blob, ferry.SessionContext()))
        assert got == pc.add(TABLE["a"], offset).to_pylist()


def test_closure_over_mutable_state_is_a_snapshot():
    table = {"scale": 3}

    @udf([pa.int64()], pa.int64(), "immutable")
    def scaled(a):
        return pc.multiply(a, table["scale"])

    blob = scaled(col("a")).to_bytes()
    table["scale"] = 5  # after encoding: the blob keeps the value it was pickled with
    got = run(ferry.SessionContext(), Expr.from_bytes(blob, ferry.SessionContext()))
    assert got == pc.multiply(TABLE["a"], 3).to_pylist()


def test_udf_through_pickle():
    add = make_offset_udf(11)
    expr = f.coalesce(add(col("a")), lit(-1))
    decoded = pickle.loads(pickle.dumps(expr))
    assert decoded.canonical_name() == expr.canonical_name()
    got = run(ferry.SessionContext(), decoded)
    assert got == pc.coalesce(pc.add(TABLE["a"], 11), -1).to_pylist()


def test_same_udf_twice_is_inlined_once():
    add = make_offset_udf(5)
    expr = add(col("a")) + add(col("b")) * add(add(col("a")))
    blob = expr.to_bytes()
    assert blob.count(MAGIC) == 1
    decoded = Expr.from_bytes(blob, ferry.SessionContext())
    a, b = TABLE["a"], TABLE["b"]
    want = pc.add(pc.add(a, 5), pc.multiply(pc.add(b, 5), pc.add(pc.add(a, 10), 0)))
    assert run(ferry.SessionContext(), decoded) == want.to_pylist()


def test_two_different_udfs_are_each_inlined():
    add = make_offset_udf(5, name="add5")
    sub = make_offset_udf(-5, name="sub5")
    blob = (add(col("a")) + sub(col("b")) + add(col("b"))).to_bytes()
    assert blob.count(MAGIC) == 2
    got = run(ferry.SessionContext(), Expr.from_bytes(blob, ferry.SessionContext()))
    a, b = TABLE["a"], TABLE["b"]
    assert got == pc.add(pc.add(pc.add(a, 5), pc.subtract(b, 5)), pc.add(b, 5)).to_pylist()


def test_multi_argument_udf_with_other_types():
    @udf([pa.string(), pa.int64()], pa.string(), "stable", name="rep")
    def rep(s, n):
        return pa.array([None if x is None or k is None else x * k
                         for x, k in zip(s.to_pylist(), n.to_pylist())], pa.string())

    expr = rep(col("s"), col("n"))
    decoded = Expr.from_bytes(expr.to_bytes(), ferry.SessionContext())
    ctx = ferry.SessionContext()
    out = ctx.from_pydict({"s": ["ab", None, "c"], "n": [2, 1, None]}).select(decoded.alias("r"))
    assert out.to_pydict()["r"] == ["abab", None, None]


# ---- strict sessions --------------------------------------------------------------

def test_strict_encodes_by_name():
    add = make_offset_udf(3)
    strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    assert strict.python_udf_inlining is False
    blob = (add(col("a")) + 1).to_bytes(strict)
    assert MAGIC not in blob
    assert b"add_offset" in blob
    assert len(blob) < len((add(col("a")) + 1).to_bytes())


def test_strict_refuses_inline_blob():
    add = make_offset_udf(3)
    blob = add(col("a")).to_bytes()
    strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    with pytest.raises(RuntimeError) as info:
        Expr.from_bytes(blob, strict)
    message = str(info.value)
    assert isinstance(info.value, FerryError)
    assert "inlining is disabled" in message
    assert "add_offset" in message
    assert "FYPYUDF" in message


def test_strict_refuses_inline_blob_even_when_registered():
    add = make_offset_udf(3)
    strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    strict.register_udf(add)
    with pytest.raises(RuntimeError, match="inlining is disabled"):
        Expr.from_bytes(add(col("a")).to_bytes(), strict)


def test_strict_refusal_never_unpickles():
    # In a subprocess so the audit hook does not outlive this test.
    proc = run_python(
        """
        import sys, pyarrow as pa, pyarrow.compute as pc, ferry
        from ferry import col, udf, Expr

        secret = 41
        @udf([pa.int64()], pa.int64(), "immutable")
        def sneaky(a):
            return pc.add(a, secret)

        blob = sneaky(col("a")).to_bytes()
        events = []
        sys.addaudithook(lambda event, args: events.append((event, args))
                         if event == "pickle.find_class" else None)
        strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
        try:
            Expr.from_bytes(blob, strict)
        except RuntimeError as e:
            assert "inlining is disabled" in str(e), e
        else:
            raise SystemExit("strict session accepted an inline UDF")
        assert events == [], events
        # Positive control: the hook does see a permissive decode unpickle.
        Expr.from_bytes(blob, ferry.SessionContext())
        assert events, "audit hook saw no pickle.find_class"
        print("NO-UNPICKLE-OK")
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert "NO-UNPICKLE-OK" in proc.stdout


def test_strict_by_name_decodes_when_registered():
    add = make_offset_udf(77)
    sender = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    blob = (add(col("a")) - col("b")).to_bytes(sender)
    receiver = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    # The receiver's own registration decides what runs.
    receiver.register_udf(make_offset_udf(1))
    decoded = Expr.from_bytes(blob, receiver)
    assert run(receiver, decoded) == pc.subtract(pc.add(TABLE["a"], 1), TABLE["b"]).to_pylist()


def test_by_name_blob_also_decodes_on_permissive_registered_receiver():
    add = make_offset_udf(2)
    blob = add(col("a")).to_bytes(ferry.SessionContext().with_python_udf_inlining(enabled=False))
    receiver = ferry.SessionContext()
    receiver.register_udf(add)
    assert run(receiver, Expr.from_bytes(blob, receiver)) == pc.add(TABLE["a"], 2).to_pylist()


@pytest.mark.parametrize("receiver_inlining", [False, True])
def test_strict_by_name_unregistered_is_key_error(receiver_inlining):
    add = make_offset_udf(2, name="nowhere_udf")
    blob = add(col("a")).to_bytes(ferry.SessionContext().with_python_udf_inlining(enabled=False))
    receiver = ferry.SessionContext().with_python_udf_inlining(enabled=receiver_inlining)
    with pytest.raises(KeyError) as info:
        Expr.from_bytes(blob, receiver)
    message = str(info.value)
    assert isinstance(info.value, FerryError)
    assert "nowhere_udf" in message
    assert "register" in message  # says how to fix it
    assert "inlining" in message


# ---- the toggle ---------------------------------------------------------------------

def test_toggle_returns_new_session_and_keeps_original():
    base = ferry.SessionContext()
    assert base.python_udf_inlining is True
    strict = base.with_python_udf_inlining(enabled=False)
    assert strict is not base
    assert strict.python_udf_inlining is False
    assert base.python_udf_inlining is True
    again = strict.with_python_udf_inlining(enabled=True)
    assert again.python_udf_inlining is True
    assert strict.python_udf_inlining is False
    add = make_offset_udf(1)
    assert MAGIC in add(col("a")).to_bytes(base)
    assert MAGIC not in add(col("a")).to_bytes(strict)


def test_toggle_requires_bool_keyword():
    base = ferry.SessionContext()
    with pytest.raises(TypeError):
        base.with_python_udf_inlining(False)  # type: ignore[misc]
    with pytest.raises(TypeError):
        base.with_python_udf_inlining(enabled=0)  # type: ignore[arg-type]


def test_toggle_shares_registrations_and_tables():
    base = ferry.SessionContext()
    strict = base.with_python_udf_inlining(enabled=False)
    # Registered after the toggle, on either side: both see it.
    base.register_udf(make_offset_udf(10, name="shared_udf"))
    strict.register_table("t", TABLE)
    blob = make_offset_udf(10, name="shared_udf")(col("a")).to_bytes(strict)
    decoded = Expr.from_bytes(blob, strict)
    assert base.table_exist("t")
    got = strict.table("t").select(decoded.alias("r")).to_pydict()["r"]
    assert got == pc.add(TABLE["a"], 10).to_pylist()
    base.deregister_udf("shared_udf")
    with pytest.raises(KeyError):
        Expr.from_bytes(blob, strict)


def test_off_then_on_is_byte_identical_to_default():
    add = make_offset_udf(9)
    exprs = [add(col("a")) + 1, (col("a") * 2).alias("x"), f.count(col("a"), distinct=True)]
    fresh = ferry.SessionContext()
    round_trip = fresh.with_python_udf_inlining(enabled=False).with_python_udf_inlining(
        enabled=True)
    other = ferry.SessionContext().with_python_udf_inlining(enabled=False).with_python_udf_inlining(
        enabled=True)
    for expr in exprs:
        assert expr.to_bytes(round_trip) == expr.to_bytes(ferry.SessionContext())
        assert expr.to_bytes(other) == expr.to_bytes(fresh)
        assert expr.to_bytes(fresh) == expr.to_bytes()  # the default codec


def test_builtin_bytes_do_not_depend_on_toggle():
    expr = f.when(col("a") > 1, lit("x")).otherwise(f.upper(col("s")))
    base = ferry.SessionContext()
    assert expr.to_bytes(base) == expr.to_bytes(base.with_python_udf_inlining(enabled=False))
    strict = base.with_python_udf_inlining(enabled=False)
    assert Expr.from_bytes(expr.to_bytes(), strict).equals(expr)


# ---- what cannot travel inline ----------------------------------------------------

def test_unpicklable_closure_fails_at_encode_naming_udf_and_variable():
    def make():
        guard = threading.Lock()

        def locked_udf(a):
            with guard:
                return a

        return udf(locked_udf, [pa.int64()], pa.int64(), "immutable")

    locked = make()
    with pytest.raises(ValueError) as info:
        locked(col("a")).to_bytes()
    message = str(info.value)
    assert isinstance(info.value, FerryError)
    assert "locked_udf" in message
    assert "guard" in message
    # The same UDF travels by name from a strict sender.
    strict = ferry.SessionContext().with_python_udf_inlining(enabled=False)
    assert MAGIC not in locked(col("a")).to_bytes(strict)
    with pytest.raises(ValueError, match="locked_udf"):
        pickle.dumps(locked(col("a")))


SENDER = """
import os, sys, pickle, pyarrow as pa, ferry
from ferry import col, udf, ipc
sys.path.insert(0, sys.argv[1])
import {mod}
if sys.argv[3] == "by_value":
    ipc.ship_module_by_value({mod})

@udf([pa.int64()], pa.int64(), "immutable", name="uses_helper")
def uses_helper(a):
    return {mod}.shift(a)

with open(sys.argv[2], "wb") as out:
    out.write((uses_helper(col("a")) * 2).to_bytes())
"""


@pytest.mark.parametrize("mode", ["by_reference", "by_value"])
def test_module_missing_on_receiver(tmp_path, mode):
    mod = f"ferry_ship_helper_{mode}"
    moddir = tmp_path / "mods"
    moddir.mkdir()
    (moddir / f"{mod}.py").write_text(
        "import pyarrow.compute as pc\n\ndef shift(a):\n    return pc.add(a, 1000)\n")
    blob_path = tmp_path / "blob"
    proc = subprocess.run(
        [sys.executable, "-c", SENDER.format(mod=mod), str(moddir), str(blob_path), mode],
        capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr
    blob = blob_path.read_bytes()
    assert mod not in sys.modules
    if mode == "by_reference":
        with pytest.raises(ValueError) as info:
            Expr.from_bytes(blob, ferry.SessionContext())
        message = str(info.value)
        assert "uses_helper" in message
        assert mod in message
        assert "ship_module_by_value" in message
    else:
        decoded = Expr.from_bytes(blob, ferry.SessionContext())
        got = run(ferry.SessionContext(), decoded)
        assert got == pc.multiply(pc.add(TABLE["a"], 1000), 2).to_pylist()
        assert mod not in sys.modules  # it came by value, not by import


def test_large_payload_warns_once_per_udf():
    ballast = b"\x01" * (2 << 20)

    def heavy_udf(a):
        return pc.add(a, len(ballast))

    heavy = udf(heavy_udf, [pa.int64()], pa.int64(), "immutable")
    ctx = ferry.SessionContext()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        blob = (heavy(col("a")) + heavy(col("b"))).to_bytes(ctx)
        heavy(col("a")).to_bytes(ctx)
    mine = [w for w in caught if issubclass(w.category, UserWarning)]
    assert len(mine) == 1, [str(w.message) for w in caught]
    message = str(mine[0].message)
    assert "heavy_udf" in message
    size = len(blob)
    assert any(tok.isdigit() and (2 << 20) < int(tok) <= size for tok in message.split())
    assert blob.count(MAGIC) == 1
    got = run(ferry.SessionContext(), Expr.from_bytes(blob, ferry.SessionContext()))
    want = pc.add(pc.add(TABLE["a"], 2 << 20), pc.add(TABLE["b"], 2 << 20))
    assert got == want.to_pylist()


def test_large_payload_no_warning_with_raised_threshold():
    ballast = b"\x01" * (2 << 20)

    def heavy_udf2(a):
        return pc.add(a, len(ballast))

    heavy = udf(heavy_udf2, [pa.int64()], pa.int64(), "immutable")
    ctx = ferry.SessionContext(ferry.SessionConfig().with_inline_udf_warn_bytes(8 << 20))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        blob = heavy(col("a")).to_bytes(ctx)
        # The threshold is part of the configuration the toggle shares.
        toggled = ctx.with_python_udf_inlining(enabled=False).with_python_udf_inlining(enabled=True)
        heavy(col("b")).to_bytes(toggled)
    assert len(blob) > 2 << 20


def test_small_payload_never_warns():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_offset_udf(1)(col("a")).to_bytes()
        make_offset_udf(1)(col("a")).to_bytes(ferry.SessionContext())
