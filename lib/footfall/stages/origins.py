"""Home detection per period (METHOD 4): night dates, nightly locations, home areas, origin ids;
the job also writes the period's work areas (METHOD 5.3) beside the homes."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.calendar import period_bounds
from footfall.core.config import Config
from footfall.runtime.session import session_conf
from footfall.stages.dwell import WORK_HOURS, work_areas
from footfall.stages.stay_rule import StayRule, stay_settings
from footfall.stages.stays import present_hours

log = logging.getLogger(__name__)

NIGHT_HOURS = (22, 23, 0, 1, 2, 3, 4, 5, 6)
NIGHT_DATE = "night_date"
NIGHT_EVENTS = "night_events"
NIGHTS = "nights"
NIGHTLY = "nightly"
LEVEL_COLUMNS = {"area": C.HOME_AREA_ID, "district": C.HOME_DISTRICT_ID, "region": C.HOME_REGION_ID}


def is_domestic(home_mccs: Sequence[str]) -> F.Column:
    """True for a subscriber whose MCC is a home MCC (others are inbound roamers)."""
    return F.col(C.MCC).isin(list(home_mccs))


def night_events(period: str) -> Callable[[DataFrame], DataFrame]:
    """Night events of the period with their night date: the night date in the period too."""
    first, last = period_bounds(period)

    def _apply(events: DataFrame) -> DataFrame:
        return events.where(is_night(first, last)).withColumn(NIGHT_DATE, night_date())

    return _apply


def night_date() -> F.Column:
    """The night an event's hour belongs to: its date from 22:00, the day before until 06:59."""
    return F.when(F.col(C.EVENT_HOUR) >= 22, F.col(C.EVENT_DATE)).otherwise(
        F.date_sub(C.EVENT_DATE, 1)
    )


def is_night(first: dt.date, last: dt.date) -> F.Column:
    """Whether an event is a night event of the period first..last: a night hour, the event's
    date in the period, and its night date too (tokens are per period: hours 0..6 of a period's
    first day have a night date in the previous period, whose tokens differ, so they belong to
    no night at all, METHOD 4). Compared as dates: the event's period is its date's month
    (METHOD 3.1), so this is `date_format(night date, 'yyyy-MM') = period` without reading and
    formatting text per row."""
    date = F.col(C.EVENT_DATE)
    return (
        F.col(C.EVENT_HOUR).isin(list(NIGHT_HOURS))
        & date.between(F.lit(first), F.lit(last))
        & (night_date() >= F.lit(first))
    )


def nightly_counts(nights: DataFrame) -> DataFrame:
    """Night events per (token, night date, area)."""
    return nights.groupBy(C.TOKEN, NIGHT_DATE, C.AREA_ID).agg(F.count("*").alias(NIGHT_EVENTS))


def flag_nightly_locations(counts: DataFrame) -> DataFrame:
    """Nightly counts with NIGHTLY: true for the one area of each (token, night) with most
    night events, tie smallest area_id (its nightly location)."""
    w = Window.partitionBy(C.TOKEN, NIGHT_DATE).orderBy(F.desc(NIGHT_EVENTS), F.asc(C.AREA_ID))
    return counts.withColumn(NIGHTLY, F.row_number().over(w) == 1)


def home_areas(counts: DataFrame, min_nights: int) -> DataFrame:
    """Per token: home_area_id (null when unknown), nights_observed, nights_at_home.
    counts: `nightly_counts`; a row with a null night date and area stands for a token's events
    outside any night (`token_groups`): such a token gets a row with no home and no nights."""
    night = F.col(NIGHT_DATE).isNotNull()
    # per (token, area): the nights it is the nightly location and its night events, for the
    # areas that are a nightly location at least once, in one aggregation of the counts (a join
    # of the nightly locations' counts with the events' sums read the events twice: Spark reused
    # no exchange across the two branches of the join); the night-less row is kept with 0 nights
    nights = (
        flag_nightly_locations(counts)
        .groupBy(C.TOKEN, C.AREA_ID)
        .agg(
            F.count_if(F.col(NIGHTLY) & night).alias(NIGHTS),
            F.sum(F.when(night, F.col(NIGHT_EVENTS))).alias(NIGHT_EVENTS),
        )
        .where((F.col(NIGHTS) > 0) | F.col(C.AREA_ID).isNull())
    )
    by_token = Window.partitionBy(C.TOKEN)
    # an area with a night ranks before the night-less row (0 nights, null events and area)
    order = by_token.orderBy(
        F.desc(NIGHTS), F.desc_nulls_last(NIGHT_EVENTS), F.asc_nulls_last(C.AREA_ID)
    )
    known = (F.col(NIGHTS) >= F.lit(min_nights)) & F.col(C.AREA_ID).isNotNull()
    return (
        # one nightly location per observed night, so the sum over areas counts the nights
        nights.withColumn(C.NIGHTS_OBSERVED, F.sum(NIGHTS).over(by_token))
        .withColumn("_rank", F.row_number().over(order))
        .where(F.col("_rank") == 1)
        .select(
            C.TOKEN,
            F.when(known, F.col(C.AREA_ID)).alias(C.HOME_AREA_ID),
            F.col(C.NIGHTS_OBSERVED),
            F.when(known, F.col(NIGHTS)).otherwise(F.lit(0)).alias(C.NIGHTS_AT_HOME),
        )
    )


def token_groups(period: str, home_mccs: Sequence[str]) -> Callable[[DataFrame], DataFrame]:
    """Events of the period -> `nightly_counts` of its domestic tokens' night events, and one
    row with a null night date and area per token for its other events: every domestic token
    seen has a row, from one scan of the events. (The tokens seen as a distinct of their own
    scanned the period's events a second time; as a distinct of these groups, Spark's optimizer
    pushes the night filter below the aggregate and plans both scans again.)"""
    first, last = period_bounds(period)

    def _apply(events: DataFrame) -> DataFrame:
        night = is_night(first, last)
        return (
            events.where(is_domestic(home_mccs))
            .select(
                C.TOKEN,
                F.when(night, night_date()).alias(NIGHT_DATE),
                F.when(night, F.col(C.AREA_ID)).alias(C.AREA_ID),
            )
            .transform(nightly_counts)
        )

    return _apply


def detect_origins(
    period: str, home_mccs: Sequence[str], min_nights: int, areas: DataFrame
) -> Callable[[DataFrame], DataFrame]:
    """Events of one period -> origins rows: every domestic subscriber seen, home or not."""

    def _apply(events: DataFrame) -> DataFrame:
        homes = home_areas(events.transform(token_groups(period, home_mccs)), min_nights)
        area_ref = areas.select(
            F.col(C.AREA_ID).alias(C.HOME_AREA_ID),
            F.col(C.DISTRICT_ID).alias(C.HOME_DISTRICT_ID),
            F.col(C.REGION_ID).alias(C.HOME_REGION_ID),
        )
        return homes.join(F.broadcast(area_ref), C.HOME_AREA_ID, "left").select(
            C.TOKEN,
            F.lit(period).alias(C.PERIOD),
            C.HOME_AREA_ID,
            C.HOME_DISTRICT_ID,
            C.HOME_REGION_ID,
            C.NIGHTS_OBSERVED,
            C.NIGHTS_AT_HOME,
        )

    return _apply


def assign_origins(
    subscribers: DataFrame, origins: DataFrame, level: str, home_mccs: Sequence[str]
) -> DataFrame:
    """Add origin_id (and home_area_id, home_region_id) to (token, mcc) rows from one period's
    origins."""
    if level not in LEVEL_COLUMNS:
        raise ValueError(f"origin level must be one of {', '.join(LEVEL_COLUMNS)}, got {level!r}")
    homes = origins.select(
        C.TOKEN,
        F.col(LEVEL_COLUMNS[level]).alias("_home"),
        F.col(C.HOME_AREA_ID).alias("_home_area"),
        C.HOME_REGION_ID,
    )
    origin = (
        F.when(~is_domestic(home_mccs), F.concat(F.lit(C.ROAMER_PREFIX), F.col(C.MCC)))
        # a domestic token missing from the origins table (seen after origins ran) is unknown
        .otherwise(F.coalesce(F.col("_home"), F.lit(C.ORIGIN_UNKNOWN)))
    )
    joined = subscribers.join(homes, C.TOKEN, "left")
    return (
        joined.withColumn(C.ORIGIN_ID, origin)
        .withColumn(C.HOME_REGION_ID, F.when(is_domestic(home_mccs), F.col(C.HOME_REGION_ID)))
        .withColumn(C.HOME_AREA_ID, F.when(is_domestic(home_mccs), F.col("_home_area")))
        .drop("_home", "_home_area")
    )


def read_period_events(spark: SparkSession, cfg: Config, period: str) -> DataFrame:
    """The events partitions whose event_date lies in the period (and only those)."""
    return lake.read_events(spark, cfg, *period_bounds(period))


def run_origins(spark: SparkSession, cfg: Config, period: str) -> dict:
    """Detect homes for one period from the events table and replace its origins rows."""
    log.info("origins %s: reading events %s .. %s", period, *period_bounds(period))
    lake.require_contract(spark, cfg, tables.EVENTS, tables.ORIGINS, tables.WORK_AREAS)
    origins = read_period_events(spark, cfg, period).transform(
        detect_origins(
            period,
            cfg["subscribers.home_mccs"],
            cfg["origins.min_nights"],
            lake.read_areas(spark, cfg),
        )
    )
    this_period = lake.Rows(C.PERIOD, period)
    version = lake.replace_where(origins, cfg, tables.ORIGINS, this_period)
    written = lake.read_slice(spark, cfg, tables.ORIGINS, this_period)
    stats = written.agg(
        F.count("*").alias("subscribers"),
        F.count(C.HOME_AREA_ID).alias("known_homes"),
    ).first()
    summary = {
        "period": period,
        "domestic_subscribers": int(stats["subscribers"]),
        "known_homes": int(stats["known_homes"]),
        "unknown_homes": int(stats["subscribers"] - stats["known_homes"]),
        "origins_version": version,
    }
    summary["work_areas_version"] = run_work_areas(spark, cfg, period, written)
    log.info("origins %s: %s", period, summary)
    return summary


def run_work_areas(spark: SparkSession, cfg: Config, period: str, origins: DataFrame) -> int | None:
    """Work areas of the period (METHOD 5.3) from its stays, beside the homes just written."""
    first, last = period_bounds(period)
    homes = origins.select(C.TOKEN, C.HOME_AREA_ID)
    work = (
        read_period_events(spark, cfg, period)
        .transform(present_hours(StayRule.from_config(cfg), cfg.zone, first, last, WORK_HOURS))
        .transform(work_areas(period, cfg["origins.min_work_days"], homes))
    )
    with session_conf(spark, stay_settings(cfg)):
        return lake.replace_where(work, cfg, tables.WORK_AREAS, lake.Rows(C.PERIOD, period))
