"""Dwell bands, work areas and visitor classes (METHOD 5.3), from the hourly present rows of
METHOD 5.2 (each carrying the microseconds of its stays inside the hour bin).

- Work area of a token for a period: the area with the most weekday (Monday to Friday) hour bins
  of local hours 9 to 16 in which it is present; ties the smallest area_id. It is the work area
  only when the token is present there in those hours on at least `origins.min_work_days`
  distinct weekdays and it is not the token's home area; otherwise there is none (as a home must
  be the modal night area and reach `origins.min_nights`, METHOD 4).
- Dwell in (date, area): the minutes of its intervals in the area within the local date, in bands
  by `presence.dwell_bands_minutes` (lower bound inclusive).
- Visitor class in (date, area): `resident` of its home area, `worker` of its work area, else
  `visitor` (unknown homes and roamers are visitors or workers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.stages.local_clock import MINUTE_US
from footfall.stages.stay_bins import DAY_DWELL_US, DWELL_US

WORK_HOURS = range(9, 17)  # local hours 9..16
_BINS, _DAYS = "_bins", "_days"


def band_labels(bounds: Sequence[int]) -> list[str]:
    """[60, 180, 360] -> under_60, 60_180, 180_360, 360_plus."""
    inner = [f"{a}_{b}" for a, b in zip(bounds, bounds[1:], strict=False)]
    return [f"under_{bounds[0]}", *inner, f"{bounds[-1]}_plus"]


def dwell_band(minutes: Column, bounds: Sequence[int]) -> Column:
    """The band label of a dwell in minutes (a lower bound belongs to its band)."""
    labels = band_labels(bounds)
    band = F.when(minutes < bounds[0], F.lit(labels[0]))
    for bound, label in zip(bounds[1:], labels[1:-1], strict=False):
        band = band.when(minutes < bound, F.lit(label))
    return band.otherwise(F.lit(labels[-1]))


def work_areas(
    period: str, min_work_days: int, homes: DataFrame
) -> Callable[[DataFrame], DataFrame]:
    """Hourly present rows of a period's dates -> work_areas rows (token, period, work_area_id,
    work_days) for every token present in weekday daytime hours; homes: (token, home_area_id)."""

    def _apply(present: DataFrame) -> DataFrame:
        weekday = F.dayofweek(C.DATE).between(2, 6)  # Spark: 1 = Sunday .. 7 = Saturday
        daytime = present.where(weekday & F.col(C.HOUR).isin(list(WORK_HOURS)))
        per_area = daytime.groupBy(C.TOKEN, C.AREA_ID).agg(
            F.count("*").alias(_BINS), F.count_distinct(C.DATE).alias(_DAYS)
        )
        order = Window.partitionBy(C.TOKEN).orderBy(F.desc(_BINS), F.asc(C.AREA_ID))
        modal = per_area.withColumn("_rank", F.row_number().over(order)).where("_rank = 1")
        joined = modal.join(homes, C.TOKEN, "left")
        is_work = (F.col(_DAYS) >= min_work_days) & ~F.coalesce(
            F.col(C.AREA_ID) == F.col(C.HOME_AREA_ID), F.lit(False)
        )
        return joined.select(
            C.TOKEN,
            F.lit(period).alias(C.PERIOD),
            F.when(is_work, F.col(C.AREA_ID)).alias(C.WORK_AREA_ID),
            F.col(_DAYS).cast("int").alias(C.WORK_DAYS),
        )

    return _apply


def daily_stays(bounds: Sequence[int]) -> Callable[[DataFrame], DataFrame]:
    """Weighted hourly present rows (with origin_id, home_area_id, work_area_id) -> one row per
    (date, area, token) with its origin, weight, dwell band and visitor class: what the daily
    origin presence (METHOD 5.2) and both breakdowns (METHOD 5.3) count."""

    def _apply(rows: DataFrame) -> DataFrame:
        # origin, weight, home and work follow from the token (one value each)
        keys = (C.DATE, C.AREA_ID, C.TOKEN, C.ORIGIN_ID, C.WEIGHT, C.HOME_AREA_ID, C.WORK_AREA_ID)
        if DAY_DWELL_US in rows.columns:
            # footfall_stay_bins gave each (date, area, token) its day's dwell on one of its
            # rows: a filter, not an aggregate (the aggregate over seven keys was a fifth of
            # presence's CPU in a 10M profile: bench/README.md, twentieth pass)
            day = F.col(DAY_DWELL_US)
            daily = rows.where(day.isNotNull()).select(*keys, day.alias(DWELL_US))
        else:
            # the sum is the only aggregate and Spark hashes the rows (first() of a string made
            # it sort every hourly row twice: SortAggregate, partial and final)
            daily = rows.groupBy(*keys).agg(F.sum(DWELL_US).alias(DWELL_US))
        area = F.col(C.AREA_ID)
        visitor_class = (
            F.when(area == F.col(C.HOME_AREA_ID), F.lit(C.RESIDENT))
            .when(area == F.col(C.WORK_AREA_ID), F.lit(C.WORKER))
            .otherwise(F.lit(C.VISITOR))
        )
        minutes = F.col(DWELL_US) / F.lit(float(MINUTE_US))
        return daily.select(
            C.DATE,
            C.AREA_ID,
            C.TOKEN,
            C.ORIGIN_ID,
            C.WEIGHT,
            dwell_band(minutes, bounds).alias(C.DWELL_BAND),
            visitor_class.alias(C.VISITOR_CLASS),
        )

    return _apply


def counts_with_all(rows: DataFrame, keys: Sequence[str], part: str) -> DataFrame:
    """Rows distinct per token within (keys, part), one part per token -> (keys, part,
    subscribers, extrapolated) per part, and the keys' `all` as the sum over the parts.

    Each token is in exactly one part, so the parts' counts add up to the distinct count of
    the keys: `all` sums the few aggregated rows instead of aggregating every row a second time
    (grouping sets doubled the rows before the hash aggregation). A second aggregation of the
    aggregated rows counts each in its part and in `all`, so `rows` is read once (a union of
    `per` and its sum read it twice: Spark reused no exchange over a cached input)."""
    per = rows.groupBy(*keys, part).agg(
        F.count("*").alias(C.SUBSCRIBERS), F.sum(C.WEIGHT).alias(C.EXTRAPOLATED)
    )
    both = per.withColumn(part, F.explode(F.array(F.col(part), F.lit(C.ORIGIN_ALL))))
    return both.groupBy(*keys, part).agg(
        F.sum(C.SUBSCRIBERS).alias(C.SUBSCRIBERS), F.sum(C.EXTRAPOLATED).alias(C.EXTRAPOLATED)
    )


def breakdown(part: str) -> Callable[[DataFrame], DataFrame]:
    """Daily stay rows -> audit rows per (date, area, part) and the group's `all`; each token
    has one band and one class per (date, area), so counts are distinct."""
    keys = [C.DATE, C.AREA_ID]

    def _apply(daily: DataFrame) -> DataFrame:
        return counts_with_all(daily, keys, part).select(*keys, part, C.SUBSCRIBERS, C.EXTRAPOLATED)

    return _apply
