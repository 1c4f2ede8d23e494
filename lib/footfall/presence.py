"""Origin-presence per date (METHOD 5), extrapolated (METHOD 6), audit and candidate tables."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall import columns as C
from footfall import disclosure, io, tables
from footfall.config import Config
from footfall.errors import UserError
from footfall.extrapolation import with_weights
from footfall.origins import assign_origins, period_of

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


def read_date_events(spark: SparkSession, cfg: Config, date: dt.date) -> DataFrame:
    """The events partition of one local date (and only that)."""
    events = io.read_required(spark, cfg, tables.EVENTS, "run `footfall ingest` first")
    # partition filter named explicitly so event_date pruning shows in explain()
    return events.where(F.col(C.EVENT_DATE) == F.lit(date))


def run_presence(spark: SparkSession, cfg: Config, date: dt.date) -> dict:
    """Audit and candidate origin-presence tables for one local date."""
    period, level = period_of(date), cfg["origins.level"]
    origins = io.read_table(spark, cfg, tables.ORIGINS).where(F.col(C.PERIOD) == F.lit(period))
    stats = origins.agg(F.count("*").alias("n"), F.count(C.HOME_AREA_ID).alias("known")).first()
    if not stats["n"]:
        raise UserError(
            f"no origins for period {period}: run `footfall origins --period {period}` first"
        )
    if not stats["known"]:
        log.warning("presence %s: no known homes in %s; unknown-home weight is 1", date, period)
    events = read_date_events(spark, cfg, date)
    home_mccs = cfg["subscribers.home_mccs"]
    rows = events.transform(present_hours).transform(
        subscriber_origins(origins, io.read_areas(spark, cfg), level, home_mccs)
    )
    where = f"{C.DATE} = '{date.isoformat()}'"
    log.info("presence %s: writing audit tables (origin level %s)", date, level)
    # the distinct weighted rows feed both audit tables: kept so the day's events are read once
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        versions = {
            "audit_hourly": io.replace_where(
                rows.transform(hourly_presence(level)), cfg, tables.AUDIT_HOURLY, where
            ),
            "audit_daily": io.replace_where(
                rows.transform(daily_presence(level)), cfg, tables.AUDIT_DAILY, where
            ),
        }
    finally:
        rows.unpersist()
    # candidates come from the audit rows just written, so every candidate traces to them
    k_min, rounding = cfg["release.k_min"], cfg["release.rounding"]
    counts = {}
    for name, audit_t, cand_t, group in (
        ("hourly", tables.AUDIT_HOURLY, tables.CANDIDATE_HOURLY, disclosure.HOURLY_GROUP),
        ("daily", tables.AUDIT_DAILY, tables.CANDIDATE_DAILY, disclosure.DAILY_GROUP),
    ):
        audit = io.read_table(spark, cfg, audit_t).where(F.col(C.DATE) == F.lit(date))
        candidates = disclosure.control(audit, group, k_min, rounding)
        versions[f"candidate_{name}"] = io.replace_where(candidates, cfg, cand_t, where)
        written = io.read_table(spark, cfg, cand_t).where(F.col(C.DATE) == F.lit(date))
        counts[f"audit_{name}_rows"] = audit.count()
        counts[f"candidate_{name}_rows"] = written.count()
    summary = {"date": str(date), "period": period, "origin_level": level, **counts}
    summary.update({f"{name}_version": v for name, v in versions.items()})
    log.info("presence %s: %s", date, summary)
    return summary
