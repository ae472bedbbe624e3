"""SessionContext: where data is registered and DataFrames begin."""

from __future__ import annotations

import itertools
import os
import threading
from typing import Any

import pyarrow as pa

from ferry import _core
from ferry.dataframe import DataFrame
from ferry.expr import lit
from ferry.plan import ExecutionPlan, LogicalPlan
from ferry.record_batch import RecordBatchStream
from ferry.session_config import SessionConfig, SQLOptions
from ferry.udf import ScalarUDF
from ferry.user_defined import AggregateUDF, WindowUDF

__all__ = ["SQLOptions", "SessionConfig", "SessionContext"]

_anonymous = itertools.count()


def _label(name: str | None) -> str:
    return name if name is not None else f"tbl_{next(_anonymous)}"


class SessionContext:
    """Entry point: registers tables and functions, creates DataFrames.

    Examples:
        >>> from ferry import SessionContext, col
        >>> ctx = SessionContext()
        >>> df = ctx.from_pydict({"a": [1, 2, 3]}, name="t")
        >>> ctx.table("t").filter(col("a") > 1).to_pydict()
        {'a': [2, 3]}
    """

    _global: SessionContext | None = None
    _global_lock = threading.Lock()

    def __init__(self, config: SessionConfig | None = None) -> None:
        config = config or SessionConfig()
        self._raw = _core.SessionContext.make(
            config.target_partitions,
            config.inline_udf_warn_bytes,
            config.inline_table_warn_bytes,
            config.max_encoded_plan_bytes,
            config._decode_limit_overrides,
            config.max_recursive_iterations,
            config.max_recursive_rows,
        )

    @classmethod
    def _wrap(cls, raw: _core.SessionContext) -> SessionContext:
        ctx = cls.__new__(cls)
        ctx._raw = raw
        return ctx

    @classmethod
    def global_ctx(cls) -> SessionContext:
        """The process-wide session, created on first use; decoding falls
        back to it when no worker session is set."""
        with cls._global_lock:
            if cls._global is None:
                cls._global = cls()
            return cls._global

    def with_python_udf_inlining(self, *, enabled: bool) -> SessionContext:
        """A session sharing this one's tables, functions and configuration,
        with Python UDF inlining ``enabled`` or not; this one is untouched.

        With inlining off, Python UDFs travel by name and decoding refuses
        inline UDF payloads without ever unpickling them.

        Examples:
            >>> strict = SessionContext().with_python_udf_inlining(enabled=False)
            >>> strict.python_udf_inlining
            False
        """
        if not isinstance(enabled, bool):
            raise TypeError(f"enabled must be a bool, got {type(enabled).__name__}")
        return SessionContext._wrap(self._raw.with_python_udf_inlining(enabled))

    @property
    def decode_limits(self) -> dict[str, int]:
        """The bounds this session decodes bytes within (see
        :meth:`SessionConfig.with_decode_limits`).

        Examples:
            >>> config = SessionConfig().with_decode_limits(max_nodes=1000)
            >>> SessionContext(config).decode_limits["max_nodes"]
            1000
        """
        return dict(self._raw.decode_limits)

    @property
    def python_udf_inlining(self) -> bool:
        """Whether Python UDFs travel inline from (and are accepted by) this session."""
        return self._raw.python_udf_inlining

    def with_payload_keys(
        self, keys: dict[str, bytes], *, sign_with: str | None = None
    ) -> SessionContext:
        """A session sharing this one's tables, functions and configuration
        that signs the inline UDF payloads it writes and accepts only signed
        ones; this one is untouched.

        Every inline UDF frame this session encodes is signed with HMAC-SHA256
        under the key ``sign_with`` and carries that key's id. Decoding
        refuses (``ExecutionError``), before anything is unpickled, a frame
        that is unsigned, signed under a key id not in ``keys``, or whose
        signature does not match. Holding several keys lets them rotate:
        receivers hold the old and the new key while senders move to the new
        one. A signature proves who built the payload, not that its code is
        safe: see docs/distributing-work.md, "Security".

        Args:
            keys: key id (1..64 characters of letters, digits and ``._:-``)
                to secret (``bytes``, at least 16; 32 random bytes from
                ``secrets.token_bytes(32)`` recommended).
            sign_with: the id of the key to sign with; may be omitted when
                ``keys`` holds exactly one key.

        Examples:
            >>> import secrets
            >>> ctx = SessionContext().with_payload_keys({"k1": secrets.token_bytes(32)})
            >>> ctx.payload_key_ids, ctx.payload_signing_key_id
            (['k1'], 'k1')
        """
        if not isinstance(keys, dict):
            raise TypeError(f"keys must be a dict of key id to bytes, got {type(keys).__name__}")
        for key_id, secret in keys.items():
            if not isinstance(key_id, str):
                raise TypeError(f"payload key ids must be str, got {type(key_id).__name__}")
            if not isinstance(secret, (bytes, bytearray)):
                raise TypeError(
                    f"payload key {key_id!r} must be bytes, got {type(secret).__name__}")
        if not keys:
            raise ValueError("with_payload_keys needs at least one key")
        if sign_with is None:
            if len(keys) != 1:
                raise ValueError(
                    f"sign_with is needed to choose among {len(keys)} payload keys "
                    f"({', '.join(sorted(keys))})")
            sign_with = next(iter(keys))
        secrets = {key_id: bytes(secret) for key_id, secret in keys.items()}
        return SessionContext._wrap(self._raw.with_payload_keys(secrets, sign_with))

    @property
    def payload_key_ids(self) -> list[str]:
        """The ids of this session's payload keys, sorted (empty: none, so
        inline payloads are neither signed nor verified)."""
        return list(self._raw.payload_key_ids)

    @property
    def payload_signing_key_id(self) -> str | None:
        """The id of the key this session signs inline payloads with, or None."""
        return self._raw.payload_signing_key_id

    def set_executor(self, executor: Any) -> None:
        """Makes ``executor`` (a :mod:`ferry.distributed` executor, or
        ``"local"``) run every result method of this session's DataFrames
        that is given no ``executor`` itself; ``None`` runs them in this
        process again. Sessions derived with ``with_*`` keep their own.

        Examples:
            >>> ctx = SessionContext()
            >>> ctx.set_executor("local")
            >>> ctx.set_executor(None)
        """
        from ferry.distributed import query

        query.set_session_executor(self, executor)

    # ---- in-memory data ----------------------------------------------------

    def from_arrow(self, data: Any, name: str | None = None) -> DataFrame:
        """A DataFrame over Arrow data: anything with ``__arrow_c_stream__``
        or ``__arrow_c_array__`` (pyarrow Table/RecordBatch, polars, ...),
        borrowed without copying. Registered as ``name`` when given."""
        if not hasattr(data, "__arrow_c_stream__"):
            if hasattr(data, "__arrow_c_array__"):
                data = pa.record_batch(data)
                data = pa.Table.from_batches([data])
            else:
                raise TypeError(
                    f"from_arrow expects Arrow data (__arrow_c_stream__), got {type(data).__name__}"
                )
        if name is not None:
            self._raw.register_stream(name, data)
            return self.table(name)
        return DataFrame(self._raw.from_stream(data, _label(name)))

    def from_pydict(self, data: dict[str, list[Any]], name: str | None = None) -> DataFrame:
        """A DataFrame from a dict of column lists."""
        return self.from_arrow(pa.table(data), name)

    def from_pylist(self, data: list[dict[str, Any]], name: str | None = None) -> DataFrame:
        """A DataFrame from a list of row dicts."""
        return self.from_arrow(pa.Table.from_pylist(data), name)

    def from_pandas(self, data: Any, name: str | None = None) -> DataFrame:
        """A DataFrame from a pandas DataFrame (via pyarrow)."""
        return self.from_arrow(pa.Table.from_pandas(data, preserve_index=False), name)

    def from_polars(self, data: Any, name: str | None = None) -> DataFrame:
        """A DataFrame from a polars DataFrame (zero-copy where possible)."""
        return self.from_arrow(data, name)

    def create_dataframe(
        self,
        partitions: list[list[pa.RecordBatch]],
        name: str | None = None,
        schema: pa.Schema | None = None,
    ) -> DataFrame:
        """A DataFrame over explicit partitions of record batches."""
        schema_field = None if schema is None else pa.field("", pa.struct(list(schema)))
        if name is not None:
            self._raw.register_batches(name, partitions, schema_field)
            return self.table(name)
        return DataFrame(self._raw.from_batches(partitions, schema_field, _label(name)))

    def register_record_batches(self, name: str, partitions: list[list[pa.RecordBatch]]) -> None:
        """Registers partitions of record batches as table ``name``."""
        self._raw.register_batches(name, partitions, None)

    def register_table(self, name: str, table: Any) -> None:
        """Registers Arrow data (a pyarrow Table or any ``__arrow_c_stream__``
        object), or a ``Table`` from ``DataFrame.into_view``, as ``name``."""
        from ferry.catalog import Table

        if isinstance(table, Table):
            self._raw.register_view(name, table._raw)
            return
        self.from_arrow(table, name)

    def register_view(self, name: str, df: DataFrame) -> None:
        """Registers ``df``'s plan as view ``name``: SQL and ``table(name)``
        expand it wherever the name appears; nothing runs now.

        Examples:
            >>> from ferry import SessionContext, col
            >>> ctx = SessionContext()
            >>> ctx.from_pydict({"a": [1, 2, 3]}, name="t")
            DataFrame()...
            >>> ctx.register_view("big", ctx.table("t").filter(col("a") > 1))
            >>> ctx.sql("select sum(a) as s from big").to_pydict()
            {'s': [5]}
        """
        if not isinstance(df, DataFrame):
            raise TypeError(f"register_view expects a DataFrame, got {type(df).__name__}")
        self._raw.register_view(name, df._raw)

    # ---- SQL ---------------------------------------------------------------

    def sql(
        self,
        query: str,
        options: SQLOptions | None = None,
        param_values: dict[str, Any] | None = None,
        **named_params: Any,
    ) -> DataFrame:
        """Runs one SQL statement (PostgreSQL's grammar; see docs/sql.md).

        A query returns a lazy DataFrame over its plan, which composes with
        the DataFrame API and pickles like any other. CREATE / DROP run now
        and return an empty DataFrame.

        Args:
            query: one SQL statement.
            options: what may run besides queries (``SQLOptions``).
            param_values: values for the query's placeholders, by name:
                ``{"1": v}`` fills ``$1`` and ``{"low": v}`` fills ``$low``
                (a list or tuple fills ``$1``, ``$2``, ... in order). A value
                is bound as a literal, typed like what it is compared with.
            named_params: SQL text spliced in for ``$name`` before parsing
                (``str(value)``), or a DataFrame read as a table there.

        Examples:
            >>> from ferry import SessionContext, col
            >>> ctx = SessionContext()
            >>> ctx.from_pydict({"k": ["a", "b", "a"], "v": [1, 2, 3]}, name="t")
            DataFrame()...
            >>> ctx.sql("select k, sum(v) as s from t group by k order by k").to_pydict()
            {'k': ['a', 'b'], 's': [4, 2]}
            >>> ctx.sql("select v from t where k = $1 and v > $min",
            ...         param_values={"1": "a", "min": 1}).to_pydict()
            {'v': [3]}
            >>> df = ctx.table("t").filter(col("v") < 3)
            >>> ctx.sql("select count(*) as n from $df where k = $key", df=df, key="'a'").to_pydict()
            {'n': [1]}
        """
        if not isinstance(query, str):
            raise TypeError(f"sql expects a str, got {type(query).__name__}")
        options = options or SQLOptions()
        texts, frames = {}, {}
        for name, value in named_params.items():
            if isinstance(value, DataFrame):
                frames[name] = value._raw
            else:
                texts[name] = str(value)
        return DataFrame(
            self._raw.sql(query, options.allow_ddl, options.allow_dml, options.allow_statements,
                          _param_values(param_values), texts, frames)
        )

    def sql_with_options(
        self,
        query: str,
        options: SQLOptions,
        param_values: dict[str, Any] | None = None,
        **named_params: Any,
    ) -> DataFrame:
        """``sql`` checking the statement against ``options`` first.

        Examples:
            >>> from ferry import SessionContext, SQLOptions
            >>> ctx = SessionContext()
            >>> ctx.sql_with_options("create view v as select 1 as x",
            ...                      SQLOptions().with_allow_ddl(False))
            Traceback (most recent call last):
            ...
            ferry.errors.FerryValueError: CREATE VIEW is not allowed: DDL is disabled by the SQL options
        """
        return self.sql(query, options, param_values, **named_params)

    # ---- files -------------------------------------------------------------

    def register_parquet(self, name: str, path: str | os.PathLike[str]) -> None:
        """Registers a Parquet file; scans read only the columns a query uses."""
        self._raw.register_parquet(name, os.fspath(path))

    def read_parquet(self, path: str | os.PathLike[str]) -> DataFrame:
        """A DataFrame over a Parquet file."""
        return DataFrame(self._raw.read_parquet(os.fspath(path)))

    def register_csv(
        self, name: str, path: str | os.PathLike[str], has_header: bool = True,
        delimiter: str = ",",
    ) -> None:
        """Registers a CSV file (types inferred from its first block)."""
        self._raw.register_csv(name, os.fspath(path), has_header, _one_char(delimiter))

    def read_csv(
        self, path: str | os.PathLike[str], has_header: bool = True, delimiter: str = ","
    ) -> DataFrame:
        """A DataFrame over a CSV file."""
        return DataFrame(self._raw.read_csv(os.fspath(path), has_header, _one_char(delimiter)))

    # ---- catalog -----------------------------------------------------------

    def table(self, name: str) -> DataFrame:
        """A DataFrame scanning the registered table ``name``."""
        return DataFrame(self._raw.table(name))

    def table_exist(self, name: str) -> bool:
        """Whether a table called ``name`` is registered."""
        return self._raw.table_exist(name)

    def tables(self) -> set[str]:
        """Names of the registered tables."""
        return set(self._raw.table_names())

    def ship_table_by_name(self, name: str, enabled: bool = True) -> None:
        """Marks the registered table ``name`` so that plans this session
        encodes refer to it by name (the receiver must have registered a
        table of that name and schema) instead of carrying its rows or
        path; ``enabled=False`` unmarks it. KeyError for an unknown table.

        Examples:
            >>> ctx = SessionContext()
            >>> _ = ctx.from_pydict({"a": [1, 2]}, name="t")
            >>> ctx.ship_table_by_name("t")
            >>> blob = ctx.table("t").to_bytes()
            >>> worker = SessionContext()
            >>> _ = worker.from_pydict({"a": [7]}, name="t")
            >>> DataFrame.from_bytes(blob, worker).to_pydict()
            {'a': [7]}
        """
        self._raw.ship_table_by_name(name, enabled)

    def tables_shipped_by_name(self) -> set[str]:
        """Names marked with ``ship_table_by_name``."""
        return set(self._raw.tables_shipped_by_name())

    def create_dataframe_from_logical_plan(self, plan: LogicalPlan) -> DataFrame:
        """A DataFrame running ``plan`` in this session.

        Examples:
            >>> from ferry import col
            >>> ctx = SessionContext()
            >>> plan = ctx.from_pydict({"a": [1, 2]}).filter(col("a") > 1).logical_plan()
            >>> ctx.create_dataframe_from_logical_plan(plan).to_pydict()
            {'a': [2]}
        """
        if not isinstance(plan, LogicalPlan):
            raise TypeError(f"expected a LogicalPlan, got {type(plan).__name__}")
        return DataFrame(_core.dataframe_from_plan(self._raw, plan._raw))

    def execute(self, plan: ExecutionPlan, partitions: int) -> RecordBatchStream:
        """Runs partition number ``partitions`` of ``plan`` (0 up to
        ``plan.partition_count - 1``; the name is datafusion-python's), its
        batches produced as the stream is read. Ctrl-C while a batch is being
        computed stops the plan and raises KeyboardInterrupt; the stream is
        then used up.

        Examples:
            >>> import pyarrow as pa
            >>> ctx = SessionContext(SessionConfig().with_target_partitions(2))
            >>> plan = ctx.from_pydict({"a": [1, 2, 3, 4]}).execution_plan()
            >>> plan.partition_count
            2
            >>> [pa.table(ctx.execute(plan, p)).to_pydict() for p in range(plan.partition_count)]
            [{'a': [1, 2]}, {'a': [3, 4]}]
        """
        if not isinstance(plan, ExecutionPlan):
            raise TypeError(f"expected an ExecutionPlan, got {type(plan).__name__}")
        if isinstance(partitions, bool) or not isinstance(partitions, int):
            raise TypeError(f"partitions must be an int, got {type(partitions).__name__}")
        return RecordBatchStream(_core.BatchStream(plan._raw, partitions))

    def deregister_table(self, name: str) -> None:
        """Removes table ``name``; KeyError when there is none."""
        self._raw.deregister_table(name)

    def register_udf(self, udf: ScalarUDF) -> None:
        """Makes ``udf`` callable by name in this session."""
        self._raw.register_udf(udf._raw)

    def register_udaf(self, udaf: AggregateUDF) -> None:
        """Makes the aggregate ``udaf`` callable by name in this session."""
        self._raw.register_udaf(udaf._raw)

    def register_udwf(self, udwf: WindowUDF) -> None:
        """Makes the window function ``udwf`` callable by name in this session."""
        self._raw.register_udwf(udwf._raw)

    def deregister_udf(self, name: str) -> None:
        """Removes the function called ``name``; KeyError when there is none."""
        self._raw.deregister_udf(name)


def _param_values(values: Any) -> dict[str, Any]:
    """``param_values`` as {placeholder name: literal}: a dict by name ("1"
    for ``$1``; int keys and a leading ``$`` allowed), a list or tuple by
    position."""
    if values is None:
        return {}
    if isinstance(values, (list, tuple)):
        values = dict(enumerate(values, start=1))
    elif not isinstance(values, dict):
        raise TypeError(f"param_values must be a dict or a list, got {type(values).__name__}")
    out = {}
    for name, value in values.items():
        key = str(name).removeprefix("$")
        try:
            out[key] = lit(value)._raw
        except TypeError as error:
            raise TypeError(f"param_values[{name!r}]: {error}") from None
    return out


def _one_char(delimiter: str) -> str:
    if len(delimiter) != 1:
        raise ValueError(f"delimiter must be one character, got {delimiter!r}")
    return delimiter
