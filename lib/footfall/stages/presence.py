"""Origin-presence per date (METHOD 5), extrapolated (METHOD 6), audit and candidate tables."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.calendar import consecutive, period_of, span
from footfall.core.config import Config
from footfall.core.errors import UserError
from footfall.privacy import disclosure
from footfall.stages.extrapolation import with_weights
from footfall.stages.origins import assign_origins

log = logging.getLogger(__name__)


def present_hours(events: DataFrame) -> DataFrame:
    """Distinct (date, hour, area, token, mcc) rows: who is present where, per local hour."""
    # Grouping by (token, area, hour) with map-side partial aggregation collapses a subscriber's
    # repeated events before the shuffle, and hashing on the token spreads a busy city-centre
    # area at rush hour over every task instead of one. mcc follows from the token.
    return (
        events.groupBy(
            F.col(C.EVENT_DATE).alias(C.DATE),
            F.col(C.EVENT_HOUR).alias(C.HOUR),
            C.AREA_ID,
            C.TOKEN,
            C.MCC,
        )
        .count()
        .drop("count")
    )


def subscriber_origins(
    origins: DataFrame, areas: DataFrame, level: str, home_mccs: list[str]
) -> Callable[[DataFrame], DataFrame]:
    """Present rows -> the same rows with origin_id and weight of their token (origins and
    weights of one period: the period of the rows' dates)."""

    def _apply(present: DataFrame) -> DataFrame:
        # joined on the token straight from the distinct rows: one shuffle by token, whose
        # partitioning the daily dedup then reuses; region and national weights are broadcast
        return (
            assign_origins(present, origins, level, home_mccs)
            .transform(lambda df: with_weights(df, origins, areas, home_mccs))
            .drop(C.HOME_REGION_ID, C.MCC)
        )

    return _apply


def _aggregate(rows: DataFrame, keys: list[str], level: str) -> DataFrame:
    """Per-origin and `all` counts in one aggregation (grouping sets); rows are distinct per
    token within keys, so count(*) is the exact distinct subscriber count."""
    return (
        rows.groupingSets([[*keys, C.ORIGIN_ID], keys], *keys, C.ORIGIN_ID)
        .agg(
            F.count("*").alias(C.SUBSCRIBERS),
            F.sum(C.WEIGHT).alias(C.EXTRAPOLATED),
            F.grouping(C.ORIGIN_ID).alias("_g"),
        )
        .select(
            *keys,
            F.lit(level).alias(C.ORIGIN_LEVEL),
            F.when(F.col("_g") == 1, F.lit(C.ORIGIN_ALL))
            .otherwise(F.col(C.ORIGIN_ID))
            .alias(C.ORIGIN_ID),
            C.SUBSCRIBERS,
            C.EXTRAPOLATED,
        )
    )


def hourly_presence(level: str) -> Callable[[DataFrame], DataFrame]:
    """Weighted present rows -> audit hourly rows (every origin and `all`)."""
    return lambda rows: _aggregate(rows, [C.DATE, C.HOUR, C.AREA_ID], level)


def daily_presence(level: str) -> Callable[[DataFrame], DataFrame]:
    """Weighted present rows -> audit daily rows (every origin and `all`)."""

    def _apply(rows: DataFrame) -> DataFrame:
        # rows arrive clustered by token from the weights join, so this dedup (origin and weight
        # follow from the token) needs no new shuffle of event-sized data
        daily = rows.select(C.DATE, C.AREA_ID, C.TOKEN, C.ORIGIN_ID, C.WEIGHT).distinct()
        return _aggregate(daily, [C.DATE, C.AREA_ID], level)

    return _apply


def read_dates_events(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date) -> DataFrame:
    """The events partitions of the local dates first..last (and only those)."""
    return lake.read_events(spark, cfg, first, last)


def read_date_events(spark: SparkSession, cfg: Config, date: dt.date) -> DataFrame:
    """The events partition of one local date (and only that)."""
    return read_dates_events(spark, cfg, date, date)


def run_presence(spark: SparkSession, cfg: Config, date: dt.date) -> dict:
    """Audit and candidate origin-presence tables for one local date."""
    return run_presence_days(spark, cfg, [date])[0]


def run_presence_days(spark: SparkSession, cfg: Config, dates: list[dt.date]) -> list[dict]:
    """Audit and candidate origin-presence tables for consecutive local dates of one period, in
    one Spark pass (the same rows as one run per date); a summary per date."""
    dates = sorted(dates)
    period, level = period_of(dates[0]), cfg["origins.level"]
    if not consecutive(dates) or any(period_of(d) != period for d in dates):
        raise ValueError(f"presence dates must be consecutive, in one period: {dates}")
    origins = lake.read_slice(spark, cfg, tables.ORIGINS, lake.Rows(C.PERIOD, period))
    stats = origins.agg(F.count("*").alias("n"), F.count(C.HOME_AREA_ID).alias("known")).first()
    if not stats["n"]:
        raise UserError(
            f"no origins for period {period}: run `footfall origins --period {period}` first"
        )
    dates_text = span(dates)
    if not stats["known"]:
        log.warning(
            "presence %s: no known homes in %s; unknown-home weight is 1", dates_text, period
        )
    events = read_dates_events(spark, cfg, dates[0], dates[-1])
    home_mccs = cfg["subscribers.home_mccs"]
    rows = events.transform(present_hours).transform(
        subscriber_origins(origins, lake.read_areas(spark, cfg), level, home_mccs)
    )
    where = lake.Rows(C.DATE, dates[0], dates[-1])
    log.info("presence %s: writing audit and candidate tables (origin level %s)", dates_text, level)
    k_min, rounding = cfg["release.k_min"], cfg["release.rounding"]
    # the distinct weighted rows feed both audit tables: kept so the events are read once; the
    # audit rows (small: area x hour x origin) are kept too, and the candidates computed from
    # exactly the rows written to the audit tables, so every candidate traces to them
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)
    kept, versions, counts = [rows], {}, {d: {} for d in dates}
    try:
        for name, make, audit_t, cand_t, group in (
            ("hourly", hourly_presence, tables.AUDIT_HOURLY, tables.CANDIDATE_HOURLY,
             disclosure.HOURLY_GROUP),
            ("daily", daily_presence, tables.AUDIT_DAILY, tables.CANDIDATE_DAILY,
             disclosure.DAILY_GROUP),
        ):  # fmt: skip
            # one task (so one file) per date: a date's rows are few (area x hour x origin),
            # and the release reads them date by date
            audit = rows.transform(make(level)).repartition(C.DATE)
            audit = audit.persist(StorageLevel.MEMORY_AND_DISK)
            kept.append(audit)
            versions[f"audit_{name}"] = lake.replace_where(audit, cfg, audit_t, where)
            candidates = disclosure.control(audit, group, k_min, rounding)
            candidates = candidates.repartition(C.DATE).persist(StorageLevel.MEMORY_AND_DISK)
            kept.append(candidates)
            versions[f"candidate_{name}"] = lake.replace_where(candidates, cfg, cand_t, where)
            for what, frame in (("audit", audit), ("candidate", candidates)):
                for r in frame.groupBy(C.DATE).count().collect():
                    counts[r[C.DATE]][f"{what}_{name}_rows"] = int(r["count"])
    finally:
        for frame in kept:
            frame.unpersist()
    summaries = []
    for d in dates:
        summary = {"date": str(d), "period": period, "origin_level": level}
        for what in ("audit", "candidate"):
            for name in ("hourly", "daily"):
                summary[f"{what}_{name}_rows"] = counts[d].get(f"{what}_{name}_rows", 0)
        summary.update({f"{name}_version": v for name, v in versions.items()})
        log.info("presence %s: %s", d, summary)
        summaries.append(summary)
    return summaries
