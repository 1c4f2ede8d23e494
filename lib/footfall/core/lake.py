"""Delta Lake and reference-file IO at the edges of the pipeline."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import Column, DataFrame, DataFrameWriter, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from footfall.core import columns as C
from footfall.core import inputs, tables
from footfall.core.config import Config
from footfall.core.errors import UserError
from footfall.core.tables import Table

log = logging.getLogger(__name__)
STATS_COLUMNS = "delta.dataSkippingStatsColumns"
PARTITIONS_IN_FILES = "delta.writePartitionColumnsToParquet"


def conform(df: DataFrame, table: Table) -> DataFrame:
    """Select the contract's columns in order, cast to the contract's types."""
    missing = [c for c in table.columns if c not in df.columns]
    if missing:
        raise ValueError(f"{table.name}: missing columns {missing}")
    return df.select([F.col(f.name).cast(f.dataType).alias(f.name) for f in table.schema.fields])


def table_exists(spark: SparkSession, path: str) -> bool:
    from delta.tables import DeltaTable

    return DeltaTable.isDeltaTable(spark, path)


@dataclass(frozen=True)
class Rows:
    """The rows of a table whose column lies in first..last (dates, or YYYY-MM periods): the
    one way a stage names the slice of a table it reads or replaces."""

    column: str
    first: dt.date | str
    last: dt.date | str | None = None

    @property
    def upper(self) -> dt.date | str:
        return self.first if self.last is None else self.last

    def sql(self) -> str:
        """The Delta replaceWhere predicate (bounds inclusive)."""
        lo, hi = _literal(self.first), _literal(self.upper)
        if lo == hi:
            return f"{self.column} = {lo}"
        return f"{self.column} >= {lo} AND {self.column} <= {hi}"

    def condition(self) -> Column:
        """The same slice as a Column filter (partition pruning shows in explain())."""
        return F.col(self.column).between(F.lit(self.first), F.lit(self.upper))


@dataclass(frozen=True)
class Dates:
    """The rows of a table whose column is one of a set of dates (or YYYY-MM periods): the
    slice of a batch of dates that need not follow each other (a release's passing dates)."""

    column: str
    values: tuple[dt.date | str, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError(f"{self.column}: a slice of no dates")
        object.__setattr__(self, "values", tuple(sorted(set(self.values))))

    def sql(self) -> str:
        """The Delta replaceWhere predicate."""
        if len(self.values) == 1:
            return f"{self.column} = {_literal(self.values[0])}"
        return f"{self.column} IN ({', '.join(_literal(v) for v in self.values)})"

    def condition(self) -> Column:
        """The same slice as a Column filter (an IN list on a partition column prunes)."""
        return F.col(self.column).isin(list(self.values))


Slice = Rows | Dates


def _literal(value: dt.date | str) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    if "'" in text:
        raise ValueError(f"not a date or period: {text!r}")
    return f"'{text}'"


def where(df: DataFrame, *slices: Slice) -> DataFrame:
    """df restricted to every slice."""
    for s in slices:
        df = df.where(s.condition())
    return df


def _writer(df: DataFrame, table: Table, path: str, mode: str) -> DataFrameWriter:
    """A Delta writer of df conformed to table, with the table's partitioning, and its table
    properties (statistics columns, partition columns kept out of the files) when this write
    creates it."""
    writer = conform(df, table).write.format("delta").mode(mode)
    if table.partition_by:
        writer = writer.partitionBy(*table.partition_by)
    properties = {}
    if table.stats_columns:
        properties[STATS_COLUMNS] = ",".join(table.stats_columns)
    if not table.partitions_in_files:
        properties[PARTITIONS_IN_FILES] = "false"
    if properties and not table_exists(df.sparkSession, path):
        writer = writer.options(**properties)
    return writer


def replace_where(df: DataFrame, cfg: Config, table: Table, *slices: Slice) -> int | None:
    """Atomically replace the rows in every slice with df (idempotent re-runs); returns the new
    Delta version."""
    path = cfg.table(table.name)
    predicate = " AND ".join(s.sql() for s in slices)
    _writer(df, table, path, "overwrite").option("replaceWhere", predicate).save(path)
    return delta_version(df.sparkSession, path)


def append(df: DataFrame, cfg: Config, table: Table) -> int | None:
    """Append rows to a table (creating it with its partitioning); returns the new version."""
    path = cfg.table(table.name)
    _writer(df, table, path, "append").save(path)
    return delta_version(df.sparkSession, path)


def delta_version(spark: SparkSession, path: str) -> int | None:
    """The table's latest version (None when it is not a Delta table)."""
    from delta.tables import DeltaTable

    if not DeltaTable.isDeltaTable(spark, path):
        return None
    try:  # the Delta log's snapshot: no Spark job (history() runs one, ~0.3 s each time)
        jvm = spark.sparkContext._jvm
        none = jvm.scala.Option.empty()
        log_ = jvm.org.apache.spark.sql.delta.DeltaLog.forTable(spark._jsparkSession, path)
        return int(log_.update(False, none, none).version())
    except Exception:  # an internal API: fall back to the public one if it ever changes
        return DeltaTable.forPath(spark, path).history(1).select("version").first()[0]


def rows_per_date(frames: dict[str, DataFrame]) -> dict[tuple[dt.date, str], int]:
    """Rows per (date, name) of named frames with a `date` column, in one Spark job for all of
    them (a job each cost ~0.5 s apiece on small cached frames)."""
    if not frames:
        return {}
    counted = [
        df.groupBy(C.DATE).count().withColumn("_name", F.lit(name)) for name, df in frames.items()
    ]
    rows = functools.reduce(DataFrame.unionByName, counted).collect()
    return {(r[C.DATE], r["_name"]): int(r["count"]) for r in rows}


def size_bytes(df: DataFrame) -> int:
    """The planner's size estimate of a frame (a Delta slice: the size of its files), with no
    Spark job; 0 when the planner has none."""
    try:
        size = int(str(df._jdf.queryExecution().optimizedPlan().stats().sizeInBytes()))
    except Exception:  # an internal API: no estimate if it ever changes
        return 0
    return size if size < 2**62 else 0  # Spark's default for "unknown" is Long.MaxValue


def require_contract(spark: SparkSession, cfg: Config, *contracts: Table) -> None:
    """UserError when an existing table's columns have other types than its contract (a lake
    written by an earlier footfall, e.g. with the token as hex text before it became BINARY)."""
    for table in contracts:
        path = cfg.table(table.name)
        if not table_exists(spark, path):
            continue
        found = dict(spark.read.format("delta").load(path).dtypes)
        wrong = [
            f"{f.name} is {found[f.name]}, the contract says {f.dataType.simpleString()}"
            for f in table.schema.fields
            if f.name in found and found[f.name] != f.dataType.simpleString()
        ]
        if wrong:
            raise UserError(
                f"table {table.name} at {path} was written by an earlier footfall "
                f"({'; '.join(wrong)}): set paths.lake to a new folder and re-run from ingest"
            )


def read_table(spark: SparkSession, cfg: Config, table: Table) -> DataFrame:
    """A Delta table of the lake, or an empty frame with the contract's schema if absent."""
    path = cfg.table(table.name)
    if not table_exists(spark, path):
        return spark.createDataFrame([], table.schema)
    return spark.read.format("delta").load(path)


def read_required(spark: SparkSession, cfg: Config, table: Table, hint: str) -> DataFrame:
    """A table a job needs; a clear error naming the job to run first when it is absent."""
    path = cfg.table(table.name)
    if not table_exists(spark, path):
        raise UserError(f"table {table.name} not found at {path}: {hint}")
    return spark.read.format("delta").load(path)


def read_slice(spark: SparkSession, cfg: Config, table: Table, *slices: Slice) -> DataFrame:
    """The slices of a table (an empty frame with the contract's schema when it is absent)."""
    return where(read_table(spark, cfg, table), *slices)


def read_events(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date) -> DataFrame:
    """The events partitions of the local dates first..last (and only those)."""
    events = read_required(spark, cfg, tables.EVENTS, "run `footfall ingest` first")
    return where(events, Rows(C.EVENT_DATE, first, last))


def _read_reference_csv(spark: SparkSession, path: Path, schema: T.StructType) -> DataFrame:
    if not path.is_file():
        raise UserError(f"reference file not found: {path} (check paths.reference)")
    header = path.read_text().splitlines()[0].strip().split(",") if path.stat().st_size else []
    expected = [f.name for f in schema.fields]
    if header != expected:
        raise UserError(f"{path}: header must be {','.join(expected)}, found {','.join(header)}")
    return spark.read.csv(str(path), header=True, schema=schema, mode="FAILFAST")


def read_areas(spark: SparkSession, cfg: Config) -> DataFrame:
    """areas.csv (small: one row per area)."""
    return _read_reference_csv(spark, cfg.path("reference") / "areas.csv", inputs.AREAS_SCHEMA)


def read_cells(spark: SparkSession, cfg: Config) -> DataFrame:
    """cells.csv with its versions, joined to the area's region (small: one row per version)."""
    cells = _read_reference_csv(spark, cfg.path("reference") / "cells.csv", inputs.CELLS_SCHEMA)
    areas = read_areas(spark, cfg).select(C.AREA_ID, C.DISTRICT_ID, C.REGION_ID)
    return cells.join(F.broadcast(areas), C.AREA_ID, "left")
