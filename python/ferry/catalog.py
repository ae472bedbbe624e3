"""Table: a table provider to register under a name (datafusion-python's
``datafusion.catalog.Table``); today a view over a DataFrame's plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ferry import _core

if TYPE_CHECKING:
    from ferry.dataframe import DataFrame

__all__ = ["Table"]


class Table:
    """A view: the plan of a DataFrame, registered with
    ``SessionContext.register_table`` and expanded wherever its name is used.

    Examples:
        >>> from ferry import SessionContext
        >>> ctx = SessionContext()
        >>> df = ctx.sql("select 1 as one")
        >>> ctx.register_table("v", df.into_view())
        >>> ctx.sql("select one + 1 as two from v").to_pydict()
        {'two': [2]}
    """

    def __init__(self, df: DataFrame) -> None:
        self._raw: _core.DataFrame = df._raw

    def __repr__(self) -> str:
        return f"Table(view, columns={self._raw.schema().names})"
