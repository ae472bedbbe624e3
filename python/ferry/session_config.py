"""Settings a SessionContext is built with (SessionConfig) and what SQL may
run besides queries (SQLOptions)."""

from __future__ import annotations

from typing import Any

from ferry import _core

__all__ = ["SQLOptions", "SessionConfig"]


class SessionConfig:
    """Session settings.

    Examples:
        >>> SessionConfig().with_target_partitions(4).target_partitions
        4
    """

    def __init__(
        self,
        target_partitions: int = 0,
        inline_udf_warn_bytes: int = 1 << 20,
        inline_table_warn_bytes: int = 64 << 20,
        max_encoded_plan_bytes: int = 16 << 20,
        decode_limits: dict[str, int] | None = None,
        max_recursive_iterations: int = 10_000,
        max_recursive_rows: int = 10_000_000,
    ) -> None:
        self.target_partitions = target_partitions
        self.inline_udf_warn_bytes = inline_udf_warn_bytes
        self.inline_table_warn_bytes = inline_table_warn_bytes
        self.max_encoded_plan_bytes = max_encoded_plan_bytes
        self._decode_limit_overrides = dict(decode_limits or {})
        self.max_recursive_iterations = max_recursive_iterations
        self.max_recursive_rows = max_recursive_rows

    def _replace(self, **changes: Any) -> SessionConfig:
        settings = {
            "target_partitions": self.target_partitions,
            "inline_udf_warn_bytes": self.inline_udf_warn_bytes,
            "inline_table_warn_bytes": self.inline_table_warn_bytes,
            "max_encoded_plan_bytes": self.max_encoded_plan_bytes,
            "decode_limits": self._decode_limit_overrides,
            "max_recursive_iterations": self.max_recursive_iterations,
            "max_recursive_rows": self.max_recursive_rows,
        }
        return SessionConfig(**dict(settings, **changes))

    def with_target_partitions(self, target_partitions: int) -> SessionConfig:
        """A copy with ``target_partitions`` (0: one per core)."""
        if target_partitions < 0:
            raise ValueError(f"target_partitions must be >= 0, got {target_partitions}")
        return self._replace(target_partitions=target_partitions)

    def with_inline_udf_warn_bytes(self, size: int) -> SessionConfig:
        """A copy that warns (once per UDF) when an inline UDF pickles to
        more than ``size`` bytes."""
        if size < 0:
            raise ValueError(f"inline_udf_warn_bytes must be >= 0, got {size}")
        return self._replace(inline_udf_warn_bytes=size)

    def with_inline_table_warn_bytes(self, size: int) -> SessionConfig:
        """A copy that warns (once per table) when a DataFrame's plan carries
        an in-memory table of more than ``size`` bytes inline.

        Examples:
            >>> SessionConfig().with_inline_table_warn_bytes(1 << 30).inline_table_warn_bytes
            1073741824
        """
        if size < 0:
            raise ValueError(f"inline_table_warn_bytes must be >= 0, got {size}")
        return self._replace(inline_table_warn_bytes=size)

    def with_decode_limits(
        self,
        *,
        max_depth: int | None = None,
        max_bytes: int | None = None,
        max_nodes: int | None = None,
        max_functions: int | None = None,
        max_list_items: int | None = None,
    ) -> SessionConfig:
        """A copy whose sessions decode expressions and plans (``from_bytes``,
        ``pickle.loads``, ``ferry.ipc``) within these bounds; a limit left
        ``None`` keeps its current value. Bytes over a limit are refused with
        a ``FerryValueError`` naming it, before they are parsed.

        Args:
            max_depth: deepest nesting, in levels (1..500; 500 is what any
                encoder writes at most, so it can be lowered, not raised).
            max_bytes: largest encoded input (1..2**31 - 1).
            max_nodes: most protobuf messages in one input.
            max_functions: most entries in the function table.
            max_list_items: most items in any one list (IN items, call
                arguments, join keys, ...).

        Raises:
            FerryValueError: a limit outside its range.

        Examples:
            >>> SessionConfig().with_decode_limits(max_depth=64).decode_limits["max_depth"]
            64
        """
        given = {
            "max_depth": max_depth,
            "max_bytes": max_bytes,
            "max_nodes": max_nodes,
            "max_functions": max_functions,
            "max_list_items": max_list_items,
        }
        overrides = dict(self._decode_limit_overrides)
        for name, value in given.items():
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"decode limit {name} must be an int, got {type(value).__name__}")
            overrides[name] = value
        _core.decode_limits(overrides)  # checks the ranges, in one place
        return self._replace(decode_limits=overrides)

    @property
    def decode_limits(self) -> dict[str, int]:
        """Every decode limit this config's sessions apply, defaults included.

        Examples:
            >>> SessionConfig().decode_limits["max_depth"]
            500
        """
        return _core.decode_limits(self._decode_limit_overrides)

    def with_max_encoded_plan_bytes(self, size: int) -> SessionConfig:
        """A copy whose sessions refuse to encode a plan (``to_bytes``,
        pickling a DataFrame) of more than ``size`` bytes: the error names
        the largest parts (inline tables, UDF definitions) and their sizes.
        At most 256 MiB, what any decoder accepts.

        Examples:
            >>> SessionConfig().with_max_encoded_plan_bytes(1 << 20).max_encoded_plan_bytes
            1048576
        """
        if not 0 < size <= 256 << 20:
            raise ValueError(f"max_encoded_plan_bytes must be in 1..{256 << 20}, got {size}")
        return self._replace(max_encoded_plan_bytes=size)

    def with_max_recursive_iterations(self, count: int) -> SessionConfig:
        """A copy whose sessions stop a ``WITH RECURSIVE`` query with an
        error naming this setting when it has not reached a fixpoint after
        ``count`` iterations (default 10,000).

        Examples:
            >>> SessionConfig().with_max_recursive_iterations(50).max_recursive_iterations
            50
        """
        if count < 0:
            raise ValueError(f"max_recursive_iterations must be >= 0, got {count}")
        return self._replace(max_recursive_iterations=count)

    def with_max_recursive_rows(self, count: int) -> SessionConfig:
        """A copy whose sessions stop a ``WITH RECURSIVE`` query with an
        error naming this setting once it has produced more than ``count``
        rows in all (default 10,000,000).

        Examples:
            >>> SessionConfig().with_max_recursive_rows(1000).max_recursive_rows
            1000
        """
        if count < 0:
            raise ValueError(f"max_recursive_rows must be >= 0, got {count}")
        return self._replace(max_recursive_rows=count)


class SQLOptions:
    """What ``SessionContext.sql_with_options`` may run besides queries.

    Examples:
        >>> from ferry import SessionContext, SQLOptions
        >>> ctx = SessionContext()
        >>> ctx.sql_with_options("select 1 as x", SQLOptions().with_allow_ddl(False)).to_pydict()
        {'x': [1]}
    """

    def __init__(self) -> None:
        self.allow_ddl = True
        self.allow_dml = True
        self.allow_statements = True

    def with_allow_ddl(self, allow: bool = True) -> SQLOptions:
        """Whether CREATE / DROP statements may run."""
        self.allow_ddl = allow
        return self

    def with_allow_dml(self, allow: bool = True) -> SQLOptions:
        """Whether data-changing statements (INSERT) may run."""
        self.allow_dml = allow
        return self

    def with_allow_statements(self, allow: bool = True) -> SQLOptions:
        """Whether other statements may run."""
        self.allow_statements = allow
        return self
