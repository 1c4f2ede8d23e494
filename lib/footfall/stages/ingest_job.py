"""Ingest job (METHOD 3, 3.2): read landing days, classify them with the `ingest` transforms,
replace their rows in events, quarantine and ingest_log, and count them.

`rows_read = rows_valid + rows_quarantined + rows_duplicate` for every landing day, recorded in
ingest_log (`ingest_log.LandingDaySummary`); an unreadable landing file fails its day with its
own ingest_log row.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import partial, reduce
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.calendar import consecutive, span, window_periods
from footfall.core.config import Config
from footfall.privacy.tokens import period_keys_frame
from footfall.runtime.concurrent import run_together
from footfall.runtime.kept_rows import keep
from footfall.runtime.session import UNCOMPRESSED_CACHE, session_conf
from footfall.stages import landing
from footfall.stages.cells import cell_slots, cell_versions, check_cells
from footfall.stages.ingest import (
    anonymise,
    classify,
    quarantined,
    salt_buckets,
    valid_events,
    with_local_time,
)
from footfall.stages.ingest_log import (
    VALID,
    LandingDaySummary,
    fail_day,
    landing_between,
    write_log,
)

log = logging.getLogger(__name__)


def _settings(cfg: Config) -> dict[str, str]:
    """The session conf of an ingest run."""
    return {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.files.ignoreCorruptFiles": "false",  # a truncated file must fail, not vanish
        "spark.sql.files.maxPartitionBytes": cfg["ingest.max_partition_bytes"],
        # one task per landing file (a gzip file does not split; ~1M rows each): with every
        # day in one scan Spark would otherwise pack files into tasks of up to
        # max_partition_bytes (four of the 10M bench's 14 files a task: 4 tasks for 2 cores)
        "spark.sql.files.openCostInBytes": cfg["ingest.max_partition_bytes"],
        # with `ingest.keep_rows: cache` the classified rows are cached for one run only
        # (measured at `UNCOMPRESSED_CACHE`); a local checkpoint keeps rows, not columns
        **UNCOMPRESSED_CACHE,
        **NO_PARQUET_STATISTICS,
    }


# Parquet's own statistics (min/max of every column chunk and page, sizes per page) of the files
# ingest writes. The writer compares every value with its column's min and max; no reader uses
# them: events are read by partition and replaced by landing_date through Delta's own statistics
# (`lake.STATS_COLUMNS`, in the log, not the files), and a file's rows are in no order, so each
# row group and page spans its whole day anyway. 10M pair: the events write 38.1 -> 34.3 task s
# (bench/README.md, nineteenth pass). Read by Delta's writer from the session conf.
NO_PARQUET_STATISTICS = {
    "parquet.column.statistics.enabled": "false",
    "parquet.size.statistics.enabled": "false",
}


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
    spark: SparkSession, cfg: Config, files: dict[dt.date, list[Path]], grouped: dict
) -> DataFrame:
    """The landing rows of the days as raw text with their landing day, from each day's
    `_grouped` files; a failed ingest_log row first if a file is unreadable (the first such day).

    CSV: one scan per header for all the days (`landing.read_lines`: the day from each file's
    folder). Parquet: a scan per day and schema, the day added as a literal."""
    for d, (_, bad, _) in grouped.items():
        if bad:
            fail_day(spark, cfg, d, files[d], bad)
    if cfg["ingest.input_format"] != "parquet":
        merged: dict[tuple[str, ...], list[Path]] = {}
        for groups, _, _ in grouped.values():
            for header, group in groups.items():
                merged.setdefault(header, []).extend(group)
        return landing.csv_rows(spark, merged)
    days = [
        read(spark, groups).withColumn(C.LANDING_DATE, F.lit(d))
        for d, (groups, _, read) in grouped.items()
    ]
    return reduce(DataFrame.unionByName, days)


def run_ingest(
    spark: SparkSession, cfg: Config, landing_date: dt.date, master_key: bytes
) -> LandingDaySummary:
    """Ingest one landing day into events, quarantine and ingest_log, replacing that day's rows."""
    return run_ingest_days(spark, cfg, [landing_date], master_key)[0]


def run_ingest_days(
    spark: SparkSession, cfg: Config, landing_dates: list[dt.date], master_key: bytes
) -> list[LandingDaySummary]:
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
    if len(dates) > 1 and any(g[1] for g in grouped.values()):
        log.warning("ingest: a landing day has unreadable files; ingesting day by day")
        return _day_by_day(spark, cfg, dates, master_key)
    summaries = _ingest_batch(spark, cfg, files, grouped, master_key)
    if summaries is None:  # an unreadable file surfaced while reading: day by day
        return _day_by_day(spark, cfg, dates, master_key)
    return summaries


def _day_by_day(
    spark: SparkSession, cfg: Config, dates: list[dt.date], master_key: bytes
) -> list[LandingDaySummary]:
    return [run_ingest_days(spark, cfg, [d], master_key)[0] for d in dates]


def _ingest_batch(
    spark: SparkSession,
    cfg: Config,
    files: dict[dt.date, list[Path]],
    grouped: dict[dt.date, tuple],
    master_key: bytes,
) -> list[LandingDaySummary] | None:
    """Classify, count and write the days of files (in date order) in one pass; None when a
    file of a several-day batch failed to read."""
    dates = list(files)
    max_late = cfg["ingest.max_lateness_days"]
    periods = window_periods(dates, max_late)
    log.info(
        "ingest %s: %d landing files, periods %s",
        span(dates),
        sum(len(f) for f in files.values()),
        periods,
    )
    lake.require_contract(spark, cfg, tables.EVENTS, tables.QUARANTINE)
    with session_conf(spark, _settings(cfg)):
        cells = lake.read_cells(spark, cfg)
        check_cells(cells)
        late = dt.timedelta(days=max_late)
        by_cell = cell_slots(cell_versions(cells), dates[0] - late, dates[-1])
        partitions = int(spark.conf.get("spark.sql.shuffle.partitions"))
        buckets = salt_buckets(partitions, len(dates), by_cell.regions)
        raw = _raw_rows(spark, cfg, files, grouped)
        keys = period_keys_frame(spark, master_key, periods)
        # kept: the landing files are read and parsed once for the counts and both writes.
        # Measured (1.53M landing rows, JVM CPU): a second read of the files for the quarantine,
        # counting every row with `observe` on the way, cost 20% more CPU than a cache
        # (176-187 s against 144-156 s): observe's aggregates run interpreted, one per
        # (landing day, reason), and the second parse costs about what building the cache does.
        # How they are kept: `ingest.keep_rows` (`footfall.runtime.kept_rows`); a checkpoint is
        # built by the counts' own pass. Both ways write the same tables (tested).
        classified, release = keep(
            raw.transform(with_local_time(cfg.zone, dates[0] - late, dates[-1]))
            .transform(classify(max_late, by_cell))
            .transform(anonymise(keys, max_late, dates[0] - late, dates[-1])),
            cfg["ingest.keep_rows"],
        )
        try:
            counts = _classify_counts(spark, cfg, files, classified)
            if counts is None:
                log.warning(
                    "ingest %s: a landing file failed to read; ingesting day by day", span(dates)
                )
                return None
            return _write_days(spark, cfg, files, classified, counts, buckets, by_cell.names)
        finally:
            release()


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
        fail_day(spark, cfg, day, day_files, bad)
    counts: dict[dt.date, dict[str, int]] = {d: {} for d in files}
    for r in by_reason:
        counts[r[C.LANDING_DATE]][r[C.REASON] or VALID] = int(r["n"])
    for d, c in counts.items():
        log.info("ingest %s: classified %s", d, c)
    return counts


def _write_events(
    spark: SparkSession,
    cfg: Config,
    dates: list[dt.date],
    classified: DataFrame,
    buckets: int,
    names: DataFrame,
) -> dict[dt.date, int]:
    """Replace the landing days' valid events (`valid_events`' buckets and names); the events
    written per landing day."""
    first_day = dates[0] - dt.timedelta(days=cfg["ingest.max_lateness_days"])
    landing_days = landing_between(dates[0], dates[-1])
    # the event_date bounds let Delta prune the replaced partitions; landing_date picks the rows
    event_days = lake.Rows(C.EVENT_DATE, first_day, dates[-1])
    events = classified.transform(valid_events(buckets, cfg.zone, first_day, dates[-1], names))
    lake.replace_where(events, cfg, tables.EVENTS, landing_days, event_days)
    written = (
        lake.read_slice(spark, cfg, tables.EVENTS, event_days, landing_days)
        .groupBy(C.LANDING_DATE)
        .count()
        .collect()
    )
    return {r[C.LANDING_DATE]: int(r["count"]) for r in written}


def _write_days(
    spark: SparkSession,
    cfg: Config,
    files: dict[dt.date, list[Path]],
    classified: DataFrame,
    counts: dict[dt.date, dict[str, int]],
    buckets: int,
    names: DataFrame,
) -> list[LandingDaySummary]:
    """Replace the landing days of files in events, quarantine and ingest_log; a summary per
    day."""
    dates = list(files)
    landing_days = landing_between(dates[0], dates[-1])
    # the two tables at once (`run.write_threads`): the quarantine's pass over the kept rows
    # runs beside the events' dedup and write, on a core that write's last tasks leave idle
    valid, _ = run_together(
        spark,
        [
            partial(_write_events, spark, cfg, dates, classified, buckets, names),
            partial(
                lake.replace_where,
                classified.transform(quarantined),
                cfg,
                tables.QUARANTINE,
                landing_days,
            ),
        ],
        cfg["run.write_threads"],
    )
    summaries = [
        LandingDaySummary.from_counts(d, counts[d], valid.get(d, 0), files[d]) for d in dates
    ]
    for s in summaries:
        log.info(
            "ingest %s: read %d = valid %d + quarantined %d + duplicate %d",
            s.landing_date,
            s.rows_read,
            s.rows_valid,
            s.rows_quarantined,
            s.rows_duplicate,
        )
    write_log(spark, cfg, [s.log_row() for s in summaries])
    return summaries
