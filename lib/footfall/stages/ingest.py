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
from typing import Any, NoReturn

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.calendar import consecutive, span, window_periods
from footfall.core.config import Config
from footfall.core.errors import LandingFileError, UserError
from footfall.privacy.identifiers import scrubbed, shape
from footfall.privacy.tokens import period_keys_frame, with_tokens
from footfall.stages import landing
from footfall.stages.landing import FIELDS, Transform

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
OPEN_END = dt.date(9999, 12, 31)


# ---------------------------------------------------------------- transforms


def parse_instant(text: Column) -> Column:
    """UTC instant of ISO-8601 with an offset, or of epoch milliseconds; null otherwise."""
    # Spark's own ISO-8601 cast reads the common shapes (Z, +01:00, +0100, fractions) several
    # times faster than a pattern; the patterns, tried in order, only when it fails (e.g. HH:mm)
    iso = F.coalesce(
        text.try_cast("timestamp"), *[F.try_to_timestamp(text, F.lit(fmt)) for fmt in ISO_FORMATS]
    )
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


def classify(max_lateness: int, versions: DataFrame) -> Transform:
    """Join the cell version valid on the local date; add the first quarantine reason (METHOD 3).
    Each row's landing day is its LANDING_DATE column (a run may read several landing days)."""

    def _classify(rows: DataFrame) -> DataFrame:
        v = F.broadcast(versions)
        joined = rows.join(
            v,
            (rows[C.CELL_ID] == v["_cell"])
            & (rows[C.EVENT_DATE] >= v["_from"])
            & (rows[C.EVENT_DATE] <= v["_to"]),
            "left",
        ).drop("_cell", "_from", "_to")
        date, landing_date = F.col(C.EVENT_DATE), F.col(C.LANDING_DATE)
        reason = (
            F.when(F.col(FIELDS) != len(C.RAW_COLUMNS), MALFORMED)
            .when(~F.coalesce(F.col(C.IMSI).rlike(IMSI_RE), F.lit(False)), BAD_IMSI)
            .when(F.col(INSTANT).isNull(), BAD_TIME)
            .when(
                (date > landing_date) | (date < F.date_sub(landing_date, max_lateness)),
                OUT_OF_WINDOW,
            )
            .when(
                ~F.coalesce(F.col(C.EVENT_TYPE).isin(*C.EVENT_TYPES), F.lit(False)), BAD_EVENT_TYPE
            )
            .when(F.col(C.AREA_ID).isNull(), UNKNOWN_CELL)
        )
        return joined.withColumn(C.REASON, reason)

    return _classify


def _month_no(d: Column) -> Column:
    return F.year(d) * 12 + F.month(d)


def anonymise(keys: DataFrame, max_lateness: int) -> Transform:
    """Tokenise valid IMSIs, keep shapes, scrub quarantined text fields, drop raw identifiers.
    keys must hold the periods of every row's landing window (`window_periods`)."""

    def _anonymise(rows: DataFrame) -> DataFrame:
        reason = F.col(C.REASON)
        quarantined = reason.isNotNull() & (reason != MALFORMED)
        # classify tests the IMSI right after the field count: a row that is neither malformed
        # nor bad_imsi has passed IMSI_RE (no second regex per row)
        valid_imsi = reason.isNull() | ~reason.isin(MALFORMED, BAD_IMSI)
        # the event's period when it has one with a key (its landing window), else the landing
        # day's: a quarantined row with a valid IMSI always keeps a token
        # (the window's periods run from its first day's to the landing day's: compared as
        # year * 12 + month, cheaper per row than formatting dates)
        landing_date = F.col(C.LANDING_DATE)
        event_month = _month_no(F.col(C.EVENT_DATE))
        in_window = event_month.between(
            _month_no(F.date_sub(landing_date, max_lateness)), _month_no(landing_date)
        )
        token_period = F.when(in_window, F.col(C.PERIOD)).otherwise(
            F.date_format(landing_date, "yyyy-MM")
        )
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


def valid_events(classified: DataFrame) -> DataFrame:
    """Valid rows, one per (landing day, token, instant, cell, type): each landing day's
    duplicates dropped."""
    # the token is 1:1 with the IMSI within a period, and one instant has one period
    return (
        classified.where(F.col(C.REASON).isNull())
        .dropDuplicates([C.LANDING_DATE, C.TOKEN, INSTANT, C.CELL_ID, C.EVENT_TYPE])
        .withColumn(C.EVENT_TIME, F.col(INSTANT))
    )


def quarantined(classified: DataFrame) -> DataFrame:
    """Quarantined rows with their reason (already scrubbed by anonymise)."""
    return classified.where(F.col(C.REASON).isNotNull())


# ---------------------------------------------------------------- the job


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


def _log_frame(spark: SparkSession, rows: list[dict]) -> DataFrame:
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)  # session time zone is UTC
    out = []
    for values in rows:
        row: dict[str, object] = dict.fromkeys(tables.INGEST_LOG.columns)
        row.update({"ingested_at": now, "failed_files": []})
        row.update(values)
        out.append(row)
    return spark.createDataFrame(out, tables.INGEST_LOG.schema)


def _landing_between(first: dt.date, last: dt.date) -> lake.Rows:
    return lake.Rows(C.LANDING_DATE, first, last)


def _write_log(spark: SparkSession, cfg: Config, rows: list[dict]) -> None:
    """Replace the ingest_log rows of the (consecutive) landing days of rows."""
    days = [r[C.LANDING_DATE] for r in rows]
    lake.replace_where(
        _log_frame(spark, rows), cfg, tables.INGEST_LOG, _landing_between(min(days), max(days))
    )


def _fail(
    spark: SparkSession, cfg: Config, landing_date: dt.date, files: list[Path], bad: list[str]
) -> NoReturn:
    """Record a failed landing day in ingest_log, then raise LandingFileError naming the files."""
    message = (
        f"truncated or unreadable landing file(s) {', '.join(bad)} in "
        f"{files[0].parent} (a CSV needs a header of the six METHOD 1.1 columns)"
    )
    row = {
        C.LANDING_DATE: landing_date,
        "status": "failed",
        "files": [f.name for f in files],
        "failed_files": bad,
        "message": message,
    }
    _write_log(spark, cfg, [row])
    log.error("ingest %s failed: %s", landing_date, message)
    raise LandingFileError(message)


def _named_in(message: str, files: list[Path]) -> list[str]:
    """Files whose name appears as a path segment in a (Spark) error message."""
    return [f.name for f in files if re.search(rf"/{re.escape(f.name)}(?![\w.-])", message)]


def _grouped(spark: SparkSession, cfg: Config, files: list[Path]) -> tuple[dict, list[str], Any]:
    """The day's files grouped by header (CSV) or schema (Parquet), the names of unreadable
    ones, and the reader of the groups."""
    if cfg["ingest.input_format"] == "parquet":
        return (*landing.parquet_schemas(spark, files), landing.parquet_rows)
    return (*landing.group_by_header(files), landing.csv_rows)


def _raw_rows(
    spark: SparkSession, cfg: Config, landing_date: dt.date, files: list[Path], grouped: tuple
) -> DataFrame:
    """The landing rows as raw text with their landing day, from the day's `_grouped` files; a
    failed ingest_log row first if a file is unreadable."""
    groups, bad, read = grouped
    if bad:
        _fail(spark, cfg, landing_date, files, bad)
    return read(spark, groups).withColumn(C.LANDING_DATE, F.lit(landing_date))


def run_ingest(spark: SparkSession, cfg: Config, landing_date: dt.date, master_key: bytes) -> dict:
    """Ingest one landing day into events, quarantine and ingest_log, replacing that day's rows."""
    return run_ingest_days(spark, cfg, [landing_date], master_key)[0]


def run_ingest_days(
    spark: SparkSession, cfg: Config, landing_dates: list[dt.date], master_key: bytes
) -> list[dict]:
    """Ingest consecutive landing days in one Spark pass (one read, one write per table), with
    the same rows as one run per day; a summary per day, in date order.

    A landing day with an unreadable file makes the batch fall back to one run per day, so the
    days before it are ingested and it fails with its own ingest_log row, as a daily run would."""
    dates = sorted(landing_dates)
    if not dates or not consecutive(dates):
        raise ValueError(f"landing days must be consecutive: {landing_dates}")
    files = {d: landing.landing_files(cfg, d) for d in dates}  # a missing folder stops all
    # headers (CSV) or footers (Parquet) read once per file, for this check and the read
    grouped = {d: _grouped(spark, cfg, f) for d, f in files.items()}
    one_by_one = len(dates) > 1 and any(g[1] for g in grouped.values())
    if one_by_one:
        log.warning("ingest: a landing day has unreadable files; ingesting day by day")
        return [run_ingest_days(spark, cfg, [d], master_key)[0] for d in dates]
    max_late = cfg["ingest.max_lateness_days"]
    periods = window_periods(dates, max_late)
    log.info(
        "ingest %s: %d landing files, periods %s",
        span(dates),
        sum(len(f) for f in files.values()),
        periods,
    )
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.files.ignoreCorruptFiles": "false",  # a truncated file must fail, not vanish
        "spark.sql.files.maxPartitionBytes": cfg["ingest.max_partition_bytes"],
    }
    with _session_conf(spark, settings):
        cells = lake.read_cells(spark, cfg)
        check_cells(cells)
        versions = cell_versions(cells)
        raw = None
        for d in dates:
            day = _raw_rows(spark, cfg, d, files[d], grouped[d])
            raw = day if raw is None else raw.unionByName(day)
        keys = period_keys_frame(spark, master_key, periods)
        classified = (
            raw.transform(with_local_time(cfg.zone))
            .transform(classify(max_late, versions))
            .transform(anonymise(keys, max_late))
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        try:
            counts = _classify_counts(spark, cfg, files, classified)
            if counts is None:  # an unreadable file surfaced while reading: day by day
                log.warning(
                    "ingest %s: a landing file failed to read; ingesting day by day", span(dates)
                )
            else:
                summaries = _write_days(spark, cfg, dates, files, classified, counts)
        finally:
            classified.unpersist()
    if counts is None:
        return [run_ingest_days(spark, cfg, [d], master_key)[0] for d in dates]
    return summaries


def _classify_counts(
    spark: SparkSession, cfg: Config, files: dict[dt.date, list[Path]], classified: DataFrame
) -> dict[dt.date, dict[str, int]] | None:
    """Rows per landing day and reason (one pass over the input); None when a file of a
    several-day batch is unreadable (a one-day run records the failure and raises)."""
    try:
        rows = classified.groupBy(C.LANDING_DATE, C.REASON).agg(F.count(F.lit(1)).alias("n"))
        by_reason = rows.collect()
    except Exception as exc:  # a truncated gzip surfaces here, while Spark decompresses it
        if len(files) > 1:
            return None
        ((day, day_files),) = files.items()
        bad = _named_in(str(exc), day_files) or landing.gzip_failures(day_files)
        if not bad:
            raise
        _fail(spark, cfg, day, day_files, bad)
    counts: dict[dt.date, dict[str, int]] = {d: {} for d in files}
    for r in by_reason:
        counts[r[C.LANDING_DATE]][r[C.REASON] or VALID] = int(r["n"])
    for d, c in counts.items():
        log.info("ingest %s: classified %s", d, c)
    return counts


def _write_days(
    spark: SparkSession,
    cfg: Config,
    dates: list[dt.date],
    files: dict[dt.date, list[Path]],
    classified: DataFrame,
    counts: dict[dt.date, dict[str, int]],
) -> list[dict]:
    """Replace the landing days in events, quarantine and ingest_log; a summary per day."""
    first_day = dates[0] - dt.timedelta(days=cfg["ingest.max_lateness_days"])
    landing_days = _landing_between(dates[0], dates[-1])
    # the event_date bounds let Delta prune the replaced partitions; landing_date picks the rows
    event_days = lake.Rows(C.EVENT_DATE, first_day, dates[-1])
    # rebalance: few, large files per (event_date, region_id) partition; AQE splits a skewed
    # (big-region) partition by size instead of writing one huge file from one task
    events = classified.transform(valid_events).hint(
        "rebalance", F.col(C.EVENT_DATE), F.col(C.REGION_ID)
    )
    lake.replace_where(events, cfg, tables.EVENTS, landing_days, event_days)
    written = (
        lake.read_slice(spark, cfg, tables.EVENTS, event_days, landing_days)
        .groupBy(C.LANDING_DATE)
        .count()
        .collect()
    )
    valid = {r[C.LANDING_DATE]: int(r["count"]) for r in written}
    lake.replace_where(classified.transform(quarantined), cfg, tables.QUARANTINE, landing_days)
    summaries, log_rows = [], []
    for d in dates:
        c, rows_valid = counts[d], valid.get(d, 0)
        per_reason = {f"q_{r}": c.get(r, 0) for r in C.QUARANTINE_REASONS}
        summary = {
            "landing_date": str(d),
            "rows_read": sum(c.values()),
            "rows_valid": rows_valid,
            "rows_quarantined": sum(per_reason.values()),
            "rows_duplicate": c.get(VALID, 0) - rows_valid,
            **per_reason,
        }
        values = {k: v for k, v in summary.items() if k != "landing_date"}
        names = [f.name for f in files[d]]
        log_rows.append({C.LANDING_DATE: d, "status": "ok", "files": names, **values})
        log.info(
            "ingest %s: read %d = valid %d + quarantined %d + duplicate %d",
            d,
            summary["rows_read"],
            rows_valid,
            summary["rows_quarantined"],
            summary["rows_duplicate"],
        )
        summaries.append({**summary, "files": len(files[d])})
    _write_log(spark, cfg, log_rows)
    return summaries
