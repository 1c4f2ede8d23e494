"""A token's stays as its local hour bins in one call: `footfall_stay_bins`
(jvm/footfall/spark/StayBins.java), the extension's way of `stays.present_hours` (METHOD 5.1,
5.2). Each token's events are collected after one shuffle by token; the function gives the
token's bins with their dwell, and each (date, area)'s dwell of the day on one of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.stages.local_clock import MINUTE_US, HourMarks, UtcOffsets
from footfall.stages.stay_rule import StayRule

DWELL_US = "dwell_us"  # microseconds of a row's interval inside its hour bin
# with footfall_stay_bins: on one hourly row of each (date, area, token), the token's dwell there
# that date (the sum of those rows' DWELL_US); null on the others (`native_bins`)
DAY_DWELL_US = "day_dwell_us"
NATIVE_BINS = "footfall_stay_bins"  # registered by footfall's Spark extension (jvm/)
_EPOCH = dt.date(1970, 1, 1)


def _stay_bins(
    events: Column,
    rule: StayRule,
    marks: HourMarks,
    zone: UtcOffsets,
    first: dt.date,
    last: dt.date,
    weekday_only: range | None,
) -> Column:
    """footfall_stay_bins over a token's collected events, with the rule, the hour marks, the
    zone's offsets and the bins kept (first..last; weekday_only: those hours of Monday to Friday)
    as literals."""
    hours = range(24) if weekday_only is None else weekday_only
    limits = (rule.bridge_same_area_minutes, rule.bridge_other_area_minutes, rule.edge_minutes)

    def longs(*values: int) -> list[Column]:
        return [F.lit(v).cast("long") for v in values]

    def longs_array(values: tuple[int, ...]) -> Column:
        return F.array(*[F.lit(v) for v in values]).cast("array<bigint>")

    return F.call_function(
        NATIVE_BINS,
        events,
        *longs(*(minutes * MINUTE_US for minutes in limits), marks.step_us, marks.phase_us),
        longs_array(zone.changes),
        longs_array(zone.offsets),
        F.lit((first - _EPOCH).days),
        F.lit((last - _EPOCH).days),
        F.lit(sum(1 << h for h in hours)),
        F.lit(weekday_only is not None),
    )


def native_bins(
    rule: StayRule,
    marks: HourMarks,
    zone: UtcOffsets,
    first: dt.date,
    last: dt.date,
    weekday_only: range | None = None,
) -> Callable[[DataFrame], DataFrame]:
    """`present_hours` with footfall_stay_bins (jvm/footfall/spark/StayBins.java): each token's
    events collected into one array (one shuffle by token, no sort by instant), and the function
    turns it into the token's bins of first..last with their dwell: the same rows as the window,
    the intervals, the hour cuts and the distinct of the built-in path (tested), and
    DAY_DWELL_US, each (date, area)'s dwell on one of its rows (the daily rows' dwell without an
    aggregate: `dwell.daily_stays`). weekday_only: only the bins of those local hours on Monday
    to Friday."""
    bins = _stay_bins(F.col("_events"), rule, marks, zone, first, last, weekday_only)
    event = F.struct(
        F.unix_micros(C.EVENT_TIME).alias("t"),
        F.col(C.CELL_ID).alias("cell"),
        F.col(C.EVENT_TYPE).alias("type"),
        F.col(C.AREA_ID).alias("area"),
    )

    def _apply(events: DataFrame) -> DataFrame:
        # repartitioned by the token alone, then grouped with its mcc (one per token): the
        # aggregate runs after the shuffle, and its hash partitioning by token carries through
        # to the distinct counts as the window's does
        return (
            events.select(C.TOKEN, C.MCC, event.alias("_event"))
            .repartition(C.TOKEN)
            .groupBy(C.TOKEN, C.MCC)
            .agg(F.collect_list("_event").alias("_events"))
            .select(C.TOKEN, C.MCC, F.explode(bins).alias("_bin"))
            .select(
                F.col("_bin.date").alias(C.DATE),
                F.col("_bin.hour").alias(C.HOUR),
                F.col("_bin.area").alias(C.AREA_ID),
                C.TOKEN,
                C.MCC,
                F.col("_bin.dwell_us").alias(DWELL_US),
                F.col("_bin.day_dwell_us").alias(DAY_DWELL_US),
            )
        )

    return _apply
