"""Ingest (METHOD 3): validate in order, quarantine, tokenise, drop duplicates, map cell versions.

Every landing row ends in exactly one of: valid event, quarantined row, dropped duplicate. Raw
identifiers are replaced by tokens and shapes right after validation: only tokens, shapes and
scrubbed text are cached, counted or written.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from footfall import columns as C
from footfall import io, landing, tables
from footfall.config import Config
from footfall.errors import LandingFileError, UserError
from footfall.landing import FIELDS, Transform
from footfall.tokens import period_keys_frame, with_tokens

log = logging.getLogger(__name__)

INSTANT = "_instant"
LOCAL = "_local"
VALID = "valid"
MALFORMED, BAD_IMSI, BAD_TIME, OUT_OF_WINDOW, BAD_EVENT_TYPE, UNKNOWN_CELL = C.QUARANTINE_REASONS
IMSI_SHAPE, MSISDN_SHAPE, IMEI_SHAPE = "imsi_shape", "msisdn_shape", "imei_shape"
IMSI_RE = r"^[0-9]{15}$"
EPOCH_MS_RE = r"^[0-9]{1,15}$"  # epoch milliseconds; 15 digits reach far beyond any real date
ISO_WITH_OFFSET = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})$"
)
ISO_FORMATS = tuple(
    f"yyyy-MM-dd'T'{t}{z}"
    for z in ("XXX", "XX")  # XXX: Z or +01:00; XX: Z or +0100
    for t in ("HH:mm:ss.SSSSSSSSS", "HH:mm:ss", "HH:mm")
)
ID_LIKE = r"^\+?[0-9 ]{10,}$"  # a text field that could be an IMSI, MSISDN or IMEI
OPEN_END = dt.date(9999, 12, 31)


# ---------------------------------------------------------------- transforms


def parse_instant(text: Column) -> Column:
    """UTC instant of ISO-8601 with an offset, or of epoch milliseconds; null otherwise."""
    iso = F.coalesce(*[F.try_to_timestamp(text, F.lit(fmt)) for fmt in ISO_FORMATS])
    epoch = F.timestamp_millis(text.try_cast("long"))
    return F.when(text.rlike(ISO_WITH_OFFSET), iso).when(text.rlike(EPOCH_MS_RE), epoch)


def with_local_time(zone: str) -> Transform:
    """Add the instant (well-formed rows), local event_date/event_hour and the YYYY-MM period."""

    def _local(rows: DataFrame) -> DataFrame:
        well_formed = F.col(FIELDS) == len(C.RAW_COLUMNS)
        # session time zone is UTC: from_utc_timestamp gives the local wall clock, so the
        # fall-back day's repeated hour lands in one bin and the skipped hour in none (METHOD 2)
        return (
            rows.withColumn(INSTANT, F.when(well_formed, parse_instant(F.col(C.EVENT_TIME))))
            .withColumn(LOCAL, F.from_utc_timestamp(F.col(INSTANT), zone))
            .withColumn(C.EVENT_DATE, F.to_date(LOCAL))
            .withColumn(C.EVENT_HOUR, F.hour(LOCAL))
            .withColumn(C.PERIOD, F.date_format(C.EVENT_DATE, "yyyy-MM"))
            .drop(LOCAL)
        )

    return _local


def cell_versions(cells: DataFrame) -> DataFrame:
    """Cell versions as (cell, area, region, from, to) with an open valid_to made explicit."""
    return cells.select(
        F.col(C.CELL_ID).alias("_cell"),
        C.AREA_ID,
        C.REGION_ID,
        F.col(C.VALID_FROM).alias("_from"),
        F.coalesce(F.col(C.VALID_TO), F.lit(OPEN_END)).alias("_to"),
    )


def check_cells(cells: DataFrame) -> None:
    """UserError when a cell version has no known area, a reversed range, or overlaps another."""
    v = cell_versions(cells)
    prev_to = F.lag("_to").over(Window.partitionBy("_cell").orderBy("_from", "_to"))
    problem = (
        F.when(F.col(C.REGION_ID).isNull(), "area_id not in areas.csv")
        .when(F.col("_to") < F.col("_from"), "valid_to before valid_from")
        .when(F.col("_from") <= prev_to, "overlapping versions")
    )
    try:
        found = (
            v.select("_cell", problem.alias("p")).where(F.col("p").isNotNull()).limit(5).collect()
        )
    except Exception as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise UserError(f"cells.csv or areas.csv could not be parsed: {first}") from None
    if found:
        listed = "; ".join(f"{r['_cell']}: {r['p']}" for r in found)
        raise UserError(f"cells.csv: fix the cell versions ({listed})")


def classify(landing_date: dt.date, max_lateness: int, versions: DataFrame) -> Transform:
    """Join the cell version valid on the local date; add the first quarantine reason (METHOD 3)."""
    first_day = landing_date - dt.timedelta(days=max_lateness)

    def _classify(rows: DataFrame) -> DataFrame:
        v = F.broadcast(versions)
        joined = rows.join(
            v,
            (rows[C.CELL_ID] == v["_cell"])
            & (rows[C.EVENT_DATE] >= v["_from"])
            & (rows[C.EVENT_DATE] <= v["_to"]),
            "left",
        ).drop("_cell", "_from", "_to")
        date = F.col(C.EVENT_DATE)
        reason = (
            F.when(F.col(FIELDS) != len(C.RAW_COLUMNS), MALFORMED)
            .when(~F.coalesce(F.col(C.IMSI).rlike(IMSI_RE), F.lit(False)), BAD_IMSI)
            .when(F.col(INSTANT).isNull(), BAD_TIME)
            .when((date > F.lit(landing_date)) | (date < F.lit(first_day)), OUT_OF_WINDOW)
            .when(
                ~F.coalesce(F.col(C.EVENT_TYPE).isin(*C.EVENT_TYPES), F.lit(False)), BAD_EVENT_TYPE
            )
            .when(F.col(C.AREA_ID).isNull(), UNKNOWN_CELL)
        )
        return joined.withColumn(C.REASON, reason)

    return _classify


def shape(col: Column) -> Column:
    """A value's shape, never the value: empty, digits:N, plus_digits:N or chars:N."""
    return (
        F.when(col.isNull() | (col == ""), F.lit("empty"))
        .when(col.rlike(r"^[0-9]+$"), F.concat(F.lit("digits:"), F.length(col)))
        .when(col.rlike(r"^\+[0-9]+$"), F.concat(F.lit("plus_digits:"), F.length(col) - 1))
        .otherwise(F.concat(F.lit("chars:"), F.length(col)))
    )


def scrubbed(col: Column, is_time: bool = False) -> Column:
    """A text field as it is, or only its shape when it looks like an identifier."""
    looks_like_id = col.rlike(ID_LIKE)
    if is_time:  # a 13-digit epoch-ms time is plausible and stays readable
        looks_like_id = looks_like_id & ~col.rlike(r"^[0-9]{13}$")
    return F.when(looks_like_id, shape(col)).otherwise(col)


def anonymise(keys: DataFrame, window_periods: list[str], landing_period: str) -> Transform:
    """Tokenise valid IMSIs, keep shapes, scrub quarantined text fields, drop raw identifiers."""

    def _anonymise(rows: DataFrame) -> DataFrame:
        reason = F.col(C.REASON)
        quarantined = reason.isNotNull() & (reason != MALFORMED)
        valid_imsi = (reason.isNull() | (reason != MALFORMED)) & F.col(C.IMSI).rlike(IMSI_RE)
        # the event's period when it has one with a key (the landing window), else the landing
        # day's: a quarantined row with a valid IMSI always keeps a token
        period = F.col(C.PERIOD)
        token_period = F.when(period.isin(*window_periods), period).otherwise(landing_period)
        rows = rows.withColumn("_token_period", F.when(valid_imsi, token_period))
        rows = with_tokens(rows, keys, C.IMSI, "_token_period", C.TOKEN)
        for name in (C.CELL_ID, C.EVENT_TYPE):  # valid rows keep them: checked against the lists
            rows = rows.withColumn(
                name, F.when(quarantined, scrubbed(F.col(name))).when(reason.isNull(), F.col(name))
            )
        return (
            rows.withColumn(C.EVENT_TIME, F.when(quarantined, scrubbed(F.col(C.EVENT_TIME), True)))
            .withColumn(C.MCC, F.when(valid_imsi, F.substring(C.IMSI, 1, 3)))
            .withColumn(IMSI_SHAPE, F.when(quarantined, shape(F.col(C.IMSI))))
            .withColumn(MSISDN_SHAPE, F.when(quarantined, shape(F.col(C.MSISDN))))
            .withColumn(IMEI_SHAPE, F.when(quarantined, shape(F.col(C.IMEI))))
            .drop(C.IMSI, C.MSISDN, C.IMEI, "_token_period")
        )

    return _anonymise


def valid_events(landing_date: dt.date) -> Transform:
    """Valid rows, one per (token, instant, cell, type): the day's duplicates dropped."""

    def _valid(classified: DataFrame) -> DataFrame:
        # the token is 1:1 with the IMSI within a period, and one instant has one period
        return (
            classified.where(F.col(C.REASON).isNull())
            .dropDuplicates([C.TOKEN, INSTANT, C.CELL_ID, C.EVENT_TYPE])
            .withColumn(C.EVENT_TIME, F.col(INSTANT))
            .withColumn(C.LANDING_DATE, F.lit(landing_date))
        )

    return _valid


def quarantined(landing_date: dt.date) -> Transform:
    """Quarantined rows with their reason (already scrubbed by anonymise)."""

    def _quarantined(classified: DataFrame) -> DataFrame:
        return classified.where(F.col(C.REASON).isNotNull()).withColumn(
            C.LANDING_DATE, F.lit(landing_date)
        )

    return _quarantined


# ---------------------------------------------------------------- the job


def window_periods(landing_date: dt.date, max_lateness: int) -> list[str]:
    """The periods of the days a landing day may hold (the day and its late days)."""
    days = [landing_date - dt.timedelta(days=i) for i in range(max_lateness + 1)]
    return sorted({d.strftime("%Y-%m") for d in days})


@contextmanager
def _session_conf(spark: SparkSession, settings: dict[str, str]) -> Iterator[None]:
    old = {k: spark.conf.get(k, None) for k in settings}
    for k, v in settings.items():
        spark.conf.set(k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)


def _log_row(spark: SparkSession, landing_date: dt.date, **values: object) -> DataFrame:
    row: dict[str, object] = dict.fromkeys(tables.INGEST_LOG.columns)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)  # session time zone is UTC
    row.update({C.LANDING_DATE: landing_date, "ingested_at": now, "failed_files": []})
    row.update(values)
    return spark.createDataFrame([row], tables.INGEST_LOG.schema)


def _write_log(spark: SparkSession, cfg: Config, landing_date: dt.date, **values: object) -> None:
    row = _log_row(spark, landing_date, **values)
    io.replace_where(row, cfg, tables.INGEST_LOG, f"{C.LANDING_DATE} = '{landing_date}'")


def _fail(
    spark: SparkSession, cfg: Config, landing_date: dt.date, files: list[Path], bad: list[str]
) -> NoReturn:
    """Record a failed landing day in ingest_log, then raise LandingFileError naming the files."""
    message = (
        f"truncated or unreadable landing file(s) {', '.join(bad)} in "
        f"{files[0].parent} (a CSV needs a header of the six METHOD 1.1 columns)"
    )
    names = [f.name for f in files]
    _write_log(
        spark, cfg, landing_date, status="failed", files=names, failed_files=bad, message=message
    )
    log.error("ingest %s failed: %s", landing_date, message)
    raise LandingFileError(message)


def _named_in(message: str, files: list[Path]) -> list[str]:
    """Files whose name appears as a path segment in a (Spark) error message."""
    return [f.name for f in files if re.search(rf"/{re.escape(f.name)}(?![\w.-])", message)]


def _raw_rows(
    spark: SparkSession, cfg: Config, landing_date: dt.date, files: list[Path]
) -> DataFrame:
    """The landing rows as raw text; a failed ingest_log row first if a file is unreadable."""
    if cfg["ingest.input_format"] == "parquet":
        groups, bad = landing.parquet_schemas(spark, files)
        read = landing.parquet_rows
    else:
        groups, bad = landing.group_by_header(files)
        read = landing.csv_rows
    if bad:
        _fail(spark, cfg, landing_date, files, bad)
    return read(spark, groups)


def run_ingest(spark: SparkSession, cfg: Config, landing_date: dt.date, master_key: bytes) -> dict:
    """Ingest one landing day into events, quarantine and ingest_log, replacing that day's rows."""
    files = landing.landing_files(cfg, landing_date)
    max_late = cfg["ingest.max_lateness_days"]
    periods = window_periods(landing_date, max_late)
    log.info("ingest %s: %d landing files, periods %s", landing_date, len(files), periods)
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.files.ignoreCorruptFiles": "false",  # a truncated file must fail, not vanish
        "spark.sql.files.maxPartitionBytes": cfg["ingest.max_partition_bytes"],
    }
    with _session_conf(spark, settings):
        cells = io.read_cells(spark, cfg)
        check_cells(cells)
        versions = cell_versions(cells)
        raw = _raw_rows(spark, cfg, landing_date, files)
        keys = period_keys_frame(spark, master_key, periods)
        classified = (
            raw.transform(with_local_time(cfg.zone))
            .transform(classify(landing_date, max_late, versions))
            .transform(anonymise(keys, periods, landing_date.strftime("%Y-%m")))
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        try:
            summary = _write_day(spark, cfg, landing_date, files, classified)
        finally:
            classified.unpersist()
    summary["files"] = len(files)
    return summary


def _write_day(
    spark: SparkSession,
    cfg: Config,
    landing_date: dt.date,
    files: list[Path],
    classified: DataFrame,
) -> dict:
    """Count the classified rows (one pass over the input), then replace the day in all tables."""
    try:
        by_reason = classified.groupBy(C.REASON).agg(F.count(F.lit(1)).alias("n")).collect()
    except Exception as exc:  # a truncated gzip surfaces here, while Spark decompresses it
        bad = _named_in(str(exc), files) or landing.gzip_failures(files)
        if not bad:
            raise
        _fail(spark, cfg, landing_date, files, bad)
    counts = {r[C.REASON] or VALID: int(r["n"]) for r in by_reason}
    log.info("ingest %s: classified %s", landing_date, counts)

    first_day = landing_date - dt.timedelta(days=cfg["ingest.max_lateness_days"])
    # the event_date bounds let Delta prune the replaced partitions; landing_date picks the rows
    predicate = (
        f"{C.LANDING_DATE} = '{landing_date}' AND {C.EVENT_DATE} >= '{first_day}' "
        f"AND {C.EVENT_DATE} <= '{landing_date}'"
    )
    # rebalance: few, large files per (event_date, region_id) partition; AQE splits a skewed
    # (big-region) partition by size instead of writing one huge file from one task
    events = classified.transform(valid_events(landing_date)).hint(
        "rebalance", F.col(C.EVENT_DATE), F.col(C.REGION_ID)
    )
    io.replace_where(events, cfg, tables.EVENTS, predicate)
    rows_valid = (
        io.read_table(spark, cfg, tables.EVENTS)
        .where(F.col(C.EVENT_DATE).between(first_day, landing_date))
        .where(F.col(C.LANDING_DATE) == F.lit(landing_date))
        .count()
    )
    io.replace_where(
        classified.transform(quarantined(landing_date)),
        cfg,
        tables.QUARANTINE,
        f"{C.LANDING_DATE} = '{landing_date}'",
    )
    per_reason = {f"q_{r}": counts.get(r, 0) for r in C.QUARANTINE_REASONS}
    summary = {
        "landing_date": str(landing_date),
        "rows_read": sum(counts.values()),
        "rows_valid": rows_valid,
        "rows_quarantined": sum(per_reason.values()),
        "rows_duplicate": counts.get(VALID, 0) - rows_valid,
        **per_reason,
    }
    values = {k: v for k, v in summary.items() if k != "landing_date"}
    _write_log(spark, cfg, landing_date, status="ok", files=[f.name for f in files], **values)
    log.info(
        "ingest %s: read %d = valid %d + quarantined %d + duplicate %d",
        landing_date,
        summary["rows_read"],
        rows_valid,
        summary["rows_quarantined"],
        summary["rows_duplicate"],
    )
    return summary
