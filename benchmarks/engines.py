"""The same three queries written for each engine, all over one shared pyarrow Table.

Each engine's query methods run the query to a fully materialized result in
the engine's native form (pyarrow Table, polars DataFrame); ``to_arrow``
turns that into a pyarrow Table for checking, outside the timed region.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc

from data import FILTER_BOUND

QUERIES = ("filter_project", "groupby", "udf")


def times_two_plus_one(v: pa.Array) -> pa.Array:
    """The Python UDF every engine calls: vectorized over one Arrow array."""
    return pc.add(pc.multiply(v, 2.0), 1.0)


class Engine:
    name = "?"
    version = "?"

    def setup(self, table: pa.Table, threads: int) -> None:
        raise NotImplementedError

    def query(self, name: str) -> Callable[[], Any]:
        return getattr(self, name)

    def to_arrow(self, result: Any) -> pa.Table:
        return result


class DataFrameApiEngine(Engine):
    """ferry and datafusion-python share an API: the same code builds both
    engines' queries (which is the point of ferry following its names)."""

    def filter_project(self) -> pa.Table:
        col, lit = self._col, self._lit
        return (self.ctx.table("t")
                .filter(col("k") < lit(FILTER_BOUND))
                .select((col("v") * lit(2.0) + lit(1.0)).alias("r"))
                .to_arrow_table())

    def groupby(self) -> pa.Table:
        col, f = self._col, self._f
        return (self.ctx.table("t")
                .aggregate([col("k")], [f.sum(col("v")), f.avg(col("v")), f.count()])
                .to_arrow_table())

    def udf(self) -> pa.Table:
        return self.ctx.table("t").select(self._udf(self._col("v")).alias("r")).to_arrow_table()


class Ferry(DataFrameApiEngine):
    name = "ferry"

    def setup(self, table: pa.Table, threads: int) -> None:
        import ferry
        from ferry import col, lit
        from ferry import functions as f

        self.version = ferry.__version__
        self._col, self._lit, self._f = col, lit, f
        self.ctx = ferry.SessionContext(ferry.SessionConfig(target_partitions=threads))
        self.ctx.register_table("t", table)
        self._udf = ferry.udf(times_two_plus_one, [pa.float64()], pa.float64(), "immutable",
                              name="times_two_plus_one")



class DataFusion(DataFrameApiEngine):
    name = "datafusion"
    batch_size: int | None = None  # None: datafusion's default (8192); run.py --datafusion-batch-size

    def setup(self, table: pa.Table, threads: int) -> None:
        import datafusion
        from datafusion import col, lit
        from datafusion import functions as f

        self.version = datafusion.__version__
        self._col, self._lit, self._f = col, lit, f
        config = datafusion.SessionConfig().with_target_partitions(threads)
        if self.batch_size:
            config = config.with_batch_size(self.batch_size)
        self.ctx = datafusion.SessionContext(config)
        # One partition per thread, like ferry's register_table (contiguous runs of batches).
        batches = table.to_batches()
        per = -(-len(batches) // threads) if batches else 1
        partitions = [batches[i:i + per] for i in range(0, len(batches), per)] or [[]]
        self.ctx.register_record_batches("t", partitions)
        self._udf = datafusion.udf(times_two_plus_one, [pa.float64()], pa.float64(), "immutable",
                                   name="times_two_plus_one")



class Polars(Engine):
    name = "polars"

    def setup(self, table: pa.Table, threads: int) -> None:
        # POLARS_MAX_THREADS is read at import; run.py sets it before importing this engine.
        import polars as pl

        self.version = pl.__version__
        self.pl = pl
        self.lf = pl.from_arrow(table).lazy()  # conversion (and rechunk) outside the timed region

    def filter_project(self) -> Any:
        pl = self.pl
        return (self.lf.filter(pl.col("k") < FILTER_BOUND)
                .select((pl.col("v") * 2.0 + 1.0).alias("r"))
                .collect())

    def groupby(self) -> Any:
        pl = self.pl
        return (self.lf.group_by("k")
                .agg(pl.col("v").sum().alias("sum_v"), pl.col("v").mean().alias("avg_v"),
                     pl.len().alias("count"))
                .collect())

    def udf(self) -> Any:
        pl = self.pl

        def batch(s: Any) -> Any:
            return pl.Series(s.name, times_two_plus_one(s.to_arrow()))

        return (self.lf.select(pl.col("v").map_batches(batch, return_dtype=pl.Float64,
                                                       is_elementwise=True).alias("r"))
                .collect())

    def to_arrow(self, result: Any) -> pa.Table:
        return result.to_arrow()


class DuckDB(Engine):
    name = "duckdb"

    def setup(self, table: pa.Table, threads: int) -> None:
        import duckdb

        self.version = duckdb.__version__
        self.con = duckdb.connect()
        self.con.execute(f"SET threads = {threads}")
        self.con.register("t", table)  # scans the Arrow table in place
        double = duckdb.sqltypes.DOUBLE
        self.con.create_function("times_two_plus_one", _duckdb_udf, [double], double, type="arrow")

    def _run(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def filter_project(self) -> pa.Table:
        return self._run(f"SELECT v * 2.0 + 1.0 AS r FROM t WHERE k < {FILTER_BOUND}")

    def groupby(self) -> pa.Table:
        return self._run("SELECT k, sum(v), avg(v), count(*) FROM t GROUP BY k")

    def udf(self) -> pa.Table:
        return self._run("SELECT times_two_plus_one(v) AS r FROM t")


def _duckdb_udf(v: Any) -> Any:
    if isinstance(v, pa.ChunkedArray):
        v = v.combine_chunks()
    return times_two_plus_one(v)


ENGINES: dict[str, type[Engine]] = {
    "ferry": Ferry,
    "datafusion": DataFusion,
    "polars": Polars,
    "duckdb": DuckDB,
}


def configure_threads(threads: int) -> None:
    """Thread settings that must be in the environment before an engine is imported."""
    os.environ.setdefault("POLARS_MAX_THREADS", str(threads))
