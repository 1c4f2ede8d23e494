"""Stays between events (METHOD 5.1) and the local hour bins they overlap (METHOD 2, 5.2).

Per token, events are ordered by instant (ties: cell_id, then event_type) with one window; each
gap becomes at most two intervals of instants (bridged within one area, split at the midpoint
between areas, otherwise an edge on each side); the first event of the token gets an edge
before it and the last one an edge after it. An interval becomes the local hour bins it
overlaps by a positive duration: the bin of its start and of every local hour boundary inside
it, never one row per minute (the zone's clock: `local_clock`). Two ways to the same rows:

- with footfall's Spark extension (`stay_bins.native_bins`): each token's events collected after one
  shuffle by token, and `footfall_stay_bins` (jvm/footfall/spark/StayBins.java) turns them into
  the token's bins with their dwell in one call;
- without it (`intervals`, `hour_bins`): Spark built-ins, a window for the neighbours, array
  functions for the intervals and the cut at the hour marks (`footfall_hour_segments` when the
  session has that function), and an aggregate of the bins.

Instants are microseconds since the epoch (`unix_micros`), so midpoints of whole-second or
whole-millisecond events are exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.runtime.session import has_function
from footfall.stages.local_clock import (
    DAY_US,
    HOUR_US,
    MINUTE_US,
    HourMarks,
    UtcOffsets,
    hour_marks,
    local_bin,
    local_micros,
    utc_offsets,
    whole,
)
from footfall.stages.stay_bins import DWELL_US, NATIVE_BINS, native_bins
from footfall.stages.stay_rule import StayRule, weekday_reach

START, END, AREA = "start", "end", "area"  # fields of one interval (start inclusive, end not)
LASTS = "lasts"  # false for an event's own 1-microsecond interval: no dwell (METHOD 5.3)
_T, _POINT = "_t", "_point"
NATIVE_SEGMENTS = "footfall_hour_segments"  # registered by footfall's Spark extension (jvm/)


def _interval(start: Column, end: Column, area: Column, lasts: bool = True) -> Column:
    return F.struct(start.alias(START), end.alias(END), area.alias(AREA), F.lit(lasts).alias(LASTS))


def _pieces(rule: StayRule) -> Column:
    """The (up to) four intervals of an events row with its window columns (_prev_t, _next_t,
    _next_area): the edge before a first event, the event's own stay, the next event's part of
    the gap, and the event's own point when its own stay is empty; null ends drop a piece."""
    same, other = rule.bridge_same_area_minutes * MINUTE_US, rule.bridge_other_area_minutes
    other, edge = other * MINUTE_US, F.lit(rule.edge_minutes * MINUTE_US)
    t, area = F.col(_T), F.col(C.AREA_ID)
    prev_t, next_t, next_area = F.col("_prev_t"), F.col("_next_t"), F.col("_next_area")
    gap = next_t - t
    half = F.shiftright(gap, 1)  # floor(g / 2), exact on longs (g >= 0)
    bridged = (next_area == area) & (gap <= same)
    split = (next_area != area) & (gap <= other)
    side = F.least(edge, half)  # h = min(edge, g/2)
    own_end = (
        F.when(next_t.isNull(), t + edge)
        .when(bridged, next_t)
        .when(split, t + half)
        .otherwise(t + side)
    )
    next_start = F.when(split, t + half).otherwise(next_t - side)
    # an event's own point only matters when its own stay is empty (a next event at the same
    # instant or 1 us later): otherwise that stay starts at t in the same area, so the bin is
    # present anyway and the point's 0 us adds nothing (a third fewer rows to bin)
    return F.array(
        _interval(t, F.when(own_end <= t, t + 1), area, lasts=False),
        _interval(t - edge, F.when(prev_t.isNull(), t), area),
        _interval(t, own_end, area),
        _interval(next_start, F.when(next_t.isNotNull() & ~bridged, next_t), next_area),
    )


def intervals(rule: StayRule) -> Callable[[DataFrame], DataFrame]:
    """Events -> (token, mcc, interval) rows: the stays of METHOD 5.1, plus a 1-microsecond
    interval at an event whose own stay is empty (its own hour bin: presence under the
    event-hour rule stays)."""
    # one shuffle by token; its hash partitioning carries through to the distinct counts.
    # Ordered by the instant as microseconds (the same order as event_time), so the shuffled
    # rows carry that one long, not the timestamp beside it and a copy for the lag and leads
    order = Window.partitionBy(C.TOKEN).orderBy(_T, C.CELL_ID, C.EVENT_TYPE)
    neighbours = [
        F.lag(_T).over(order).alias("_prev_t"),
        F.lead(_T).over(order).alias("_next_t"),
        F.lead(C.AREA_ID).over(order).alias("_next_area"),
    ]
    keys, pieces = [C.TOKEN, C.MCC, C.AREA_ID], _pieces(rule)

    def _apply(events: DataFrame) -> DataFrame:
        instant = F.unix_micros(C.EVENT_TIME).alias(_T)
        return (
            events.select(*keys, C.CELL_ID, C.EVENT_TYPE, instant)
            .select(*keys, _T, *neighbours)
            .select(C.TOKEN, C.MCC, F.explode(pieces).alias("_interval"))
            .select(C.TOKEN, C.MCC, "_interval.*")
            # a plain filter after the explode, not F.filter on the array: a lambda of a
            # higher-order function is interpreted row by row, this is compiled (stays of the
            # 10M bench: 66 -> 38 CPU s)
            .where(F.col(END).isNotNull() & (F.col(START) < F.col(END)))
        )

    return _apply


def hour_segments(start: Column, end: Column, marks: HourMarks, native: bool) -> Column:
    """The pieces of [start, end) between the hour marks inside it, as an array of (from, to)
    structs in order: each lies in one local hour bin. native: footfall_hour_segments
    (jvm/footfall/spark/HourSegments.java), the same pieces from one loop (tested)."""
    step, phase = F.lit(marks.step_us).cast("long"), F.lit(marks.phase_us).cast("long")
    if native:
        return F.call_function(NATIVE_SEGMENTS, start, end, step, phase)
    first_mark = start - F.pmod(start - phase, step) + step  # the first mark after start
    marks_inside = F.when(first_mark < end, F.sequence(first_mark, end - 1, step)).otherwise(
        F.array().cast("array<bigint>")
    )
    points = F.concat(F.array(start), marks_inside)
    # each point opens a segment up to the next point (or the end) that lies in one bin
    return F.arrays_zip(points.alias("from"), F.concat(marks_inside, F.array(end)).alias("to"))


def hour_bins(zone: UtcOffsets, marks: HourMarks) -> Callable[[DataFrame], DataFrame]:
    """Interval rows -> (token, mcc, area_id, date, hour, dwell_us) of each local hour bin an
    interval overlaps by a positive duration (the bin of its start and of each hour mark inside
    it), with the microseconds of the interval in that bin (0 for an event's own point)."""

    def _apply(rows: DataFrame) -> DataFrame:
        native = has_function(rows.sparkSession, NATIVE_SEGMENTS)
        segments = hour_segments(F.col(START), F.col(END), marks, native)
        # the local wall clock (the offset at the instant), so the fall-back day's repeated
        # hour is one bin and the spring-forward day has 23 (METHOD 2)
        date, hour = local_bin(F.col(_POINT), zone)
        piece = F.explode(segments).alias("_segment")
        return (
            rows.select(C.TOKEN, C.MCC, F.col(AREA).alias(C.AREA_ID), LASTS, piece)
            .withColumn(_POINT, F.col("_segment.from"))
            .select(
                C.TOKEN,
                C.MCC,
                C.AREA_ID,
                date.alias(C.DATE),
                hour.alias(C.HOUR),
                F.when(F.col(LASTS), F.col("_segment.to") - F.col(_POINT))
                .otherwise(F.lit(0))
                .alias(DWELL_US),
            )
        )

    return _apply


def weekday_hours(hours: range, zone: UtcOffsets) -> Column:
    """True for an interval row that may overlap local `hours` of a Monday to Friday; false
    only when it cannot (a conservative filter before `hour_bins`: the exact bins are still
    filtered after, it only spares binning the nights and weekends). The window is widened by
    an hour on each side, so no DST change near it can hide an overlap."""
    local_start = local_micros(F.col(START), zone)
    local_last = local_micros(F.col(END) - 1, zone)
    first_day, last_day = whole(local_start, DAY_US), whole(local_last, DAY_US)
    lo, hi = (hours.start - 1) * HOUR_US, (hours.stop + 1) * HOUR_US

    def on(day: Column) -> Column:
        weekday = F.pmod(day + 3, F.lit(7)) < 5  # epoch day 0 (1970-01-01) was a Thursday
        start = day * DAY_US
        return weekday & (local_start < start + hi) & (local_last >= start + lo)

    return on(first_day) | on(last_day) | (last_day - first_day > 1)


def present_hours(
    rule: StayRule,
    zone: str,
    first: dt.date,
    last: dt.date,
    weekday_only: range | None = None,
    native: bool | None = None,
) -> Callable[[DataFrame], DataFrame]:
    """Events of one period (with the dates next to first..last) -> distinct (date, hour, area,
    token, mcc) rows of first..last: who is present where, per local hour bin (METHOD 5.2).
    weekday_only: the local hours of Monday to Friday the caller keeps (work areas, METHOD
    5.3): weekend events out of their reach are dropped before the shuffle, and intervals that
    cannot reach them before binning; the caller still filters the bins.
    native: `native_bins` (the same rows; with weekday_only, only the bins of those hours); by
    default when the session has footfall's Spark extension."""
    marks, offsets = hour_marks(zone, first, last), utc_offsets(zone, first, last)

    def _apply(events: DataFrame) -> DataFrame:
        if weekday_only is not None:
            events = events.where(weekday_reach(rule, weekday_only, offsets))
        if has_function(events.sparkSession, NATIVE_BINS) if native is None else native:
            return events.transform(native_bins(rule, marks, offsets, first, last, weekday_only))
        stays = events.transform(intervals(rule))
        if weekday_only is not None:
            stays = stays.where(weekday_hours(weekday_only, offsets))
        # grouped with the token among the keys: the window's hash partitioning by token
        # satisfies it, so the distinct rows need no second shuffle of event-sized data
        return (
            stays.transform(hour_bins(offsets, marks))
            .where(F.col(C.DATE).between(F.lit(first), F.lit(last)))
            .groupBy(C.TOKEN, C.DATE, C.HOUR, C.AREA_ID, C.MCC)
            .agg(F.sum(DWELL_US).alias(DWELL_US))
            .select(C.DATE, C.HOUR, C.AREA_ID, C.TOKEN, C.MCC, DWELL_US)
        )

    return _apply
