"""Pickling of inline Python UDFs (called by the native codec only).

The payload inside an inline frame is ``pickle((cloudpickle_version, blob))``
where ``blob = cloudpickle((name, func, input_schema, return_field,
volatility))`` for a scalar UDF and ``cloudpickle((name, accumulator,
input_schema, return_field, state_schema, volatility))`` for an aggregate
UDF; a window UDF's record is laid out as a scalar UDF's, with the evaluator
factory in the function's place. The schemas and field are Arrow IPC bytes. The outer layer
holds only a str and bytes, read with an unpickler that resolves no globals,
so a failing payload can still report the sender's cloudpickle version.
"""

from __future__ import annotations

import io
import pickle
import types
from typing import Any

import cloudpickle
import pyarrow as pa

from ferry.errors import FerryValueError


class _NoGlobals(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"unexpected global {module}.{name} in a frame header")


def _offending_part(func: Any) -> str | None:
    """Names the first part of ``func`` cloudpickle cannot pickle."""
    code = getattr(func, "__code__", None)
    closure = getattr(func, "__closure__", None) or ()
    if code is not None:
        for var, cell in zip(code.co_freevars, closure):
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            try:
                cloudpickle.dumps(value)
            except Exception:
                return f"its closure variable {var!r} (a {type(value).__name__})"
        func_globals = getattr(func, "__globals__", {})
        for name in code.co_names:
            if name in func_globals and not isinstance(func_globals[name], types.ModuleType):
                try:
                    cloudpickle.dumps(func_globals[name])
                except Exception:
                    return f"the global {name!r} it uses (a {type(func_globals[name]).__name__})"
    return None


def _pickle_record(kind: str, name: str, func: Any, record: tuple) -> bytes:
    """``pickle((cloudpickle version, cloudpickle(record)))``; ``func`` is the
    user's callable, named in the error when it cannot be pickled."""
    try:
        blob = cloudpickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as e:
        part = _offending_part(func)
        where = f": {part} cannot be pickled" if part else ""
        raise FerryValueError(
            f"cannot ship Python {kind} {name!r} inline{where} ({type(e).__name__}: {e}); "
            "remove it from the function, or register the "
            f"{kind} on the workers and disable inlining on the sender"
        ) from e
    return pickle.dumps((cloudpickle.__version__, blob), protocol=pickle.HIGHEST_PROTOCOL)


def _unpickle_record(kind: str, expected_name: str, payload: bytes) -> tuple:
    """The record inside a payload; errors name the function and both
    cloudpickle versions."""
    try:
        header = _NoGlobals(io.BytesIO(payload)).load()
        sender_version, blob = header
        if not isinstance(sender_version, str) or not isinstance(blob, bytes):
            raise TypeError("unexpected header layout")
    except Exception as e:
        raise FerryValueError(
            f"malformed inline {kind} payload for {expected_name!r}: {e}") from e
    try:
        record = cloudpickle.loads(blob)
    except ModuleNotFoundError as e:
        raise FerryValueError(
            f"Python {kind} {expected_name!r} needs module {e.name!r}, which is not importable "
            f"here; install it on this worker, or ship it by value from the sender with "
            f"ferry.ipc.ship_module_by_value({e.name})"
        ) from e
    except Exception as e:
        raise FerryValueError(
            f"cannot unpickle Python {kind} {expected_name!r} ({type(e).__name__}: {e}); it was "
            f"pickled with cloudpickle {sender_version}, this process has cloudpickle "
            f"{cloudpickle.__version__}"
        ) from e
    return record


def _read_schema(data: bytes) -> pa.Schema:
    return pa.ipc.read_schema(pa.py_buffer(data))


def _dump_signature(kind: str, name: str, func: Any, input_types: list[pa.DataType],
                    return_type: pa.DataType, volatility: str) -> bytes:
    input_schema = pa.schema([pa.field(f"arg{i}", t) for i, t in enumerate(input_types)])
    return_field = pa.schema([pa.field("return", return_type)])
    record = (name, func, input_schema.serialize().to_pybytes(),
              return_field.serialize().to_pybytes(), volatility)
    return _pickle_record(kind, name, func, record)


def _load_signature(kind: str, expected_name: str, payload: bytes) -> tuple:
    record = _unpickle_record(kind, expected_name, payload)
    if not isinstance(record, tuple) or len(record) != 5:
        raise FerryValueError(
            f"malformed inline {kind} payload for {expected_name!r}: expected a 5-item record")
    name, func, input_schema, return_field, volatility = record
    inputs = _read_schema(input_schema)
    output = _read_schema(return_field)
    return name, func, list(inputs.types), output.field(0).type, volatility


def dump_udf(name: str, func: Any, input_types: list[pa.DataType], return_type: pa.DataType,
             volatility: str) -> bytes:
    """The payload of an inline scalar UDF frame: (name, function, input
    schema, return field, volatility), the schemas as Arrow IPC bytes."""
    return _dump_signature("UDF", name, func, input_types, return_type, volatility)


def load_udf(expected_name: str, payload: bytes) -> tuple:
    """(name, func, input types, return type, volatility) from a payload."""
    return _load_signature("UDF", expected_name, payload)


def dump_udwf(name: str, evaluator: Any, input_types: list[pa.DataType],
              return_type: pa.DataType, volatility: str) -> bytes:
    """The payload of an inline window UDF frame, laid out as for scalar UDFs
    with the evaluator factory in the function's place."""
    return _dump_signature("UDWF", name, evaluator, input_types, return_type, volatility)


def load_udwf(expected_name: str, payload: bytes) -> tuple:
    """(name, evaluator factory, input types, return type, volatility)."""
    return _load_signature("UDWF", expected_name, payload)


def dump_udaf(name: str, accumulator: Any, input_types: list[pa.DataType],
              return_type: pa.DataType, state_schema: pa.Schema, volatility: str) -> bytes:
    """The payload of an inline aggregate UDF frame: the record is (name,
    accumulator factory, input schema, return field, state schema,
    volatility), the schemas as Arrow IPC bytes (state field names,
    nullability and metadata included)."""
    input_schema = pa.schema([pa.field(f"arg{i}", t) for i, t in enumerate(input_types)])
    return_field = pa.schema([pa.field("return", return_type)])
    record = (name, accumulator, input_schema.serialize().to_pybytes(),
              return_field.serialize().to_pybytes(), state_schema.serialize().to_pybytes(),
              volatility)
    return _pickle_record("UDAF", name, accumulator, record)


def load_udaf(expected_name: str, payload: bytes) -> tuple[str, Any, list[pa.DataType],
                                                           pa.DataType, list[pa.Field], str]:
    """(name, accumulator factory, input types, return type, state fields,
    volatility) from a payload."""
    record = _unpickle_record("UDAF", expected_name, payload)
    if not isinstance(record, tuple) or len(record) != 6:
        raise FerryValueError(
            f"malformed inline UDAF payload for {expected_name!r}: expected a 6-item record")
    name, accumulator, input_schema, return_field, state_schema, volatility = record
    inputs = _read_schema(input_schema)
    output = _read_schema(return_field)
    states = _read_schema(state_schema)
    return name, accumulator, list(inputs.types), output.field(0).type, list(states), volatility
