"""The DP candidates (METHOD 7.1): bounded exact counts on every cell of the public domain,
noised, extrapolated with weights from noised residents, `all` as the sum of its origins, then
negatives to 0 and rounding.

The public domain is what anyone may know before the release: every area of areas.csv, the local
hour bins of each date (23 or 24, METHOD 2), every origin of the configured level, plus `unknown`
and one `roamer` (all inbound roamers: the MCCs seen are not public). Every cell of it is
released, zeros included, so which cells exist says nothing. Counting and bounding are Spark
built-ins on the present rows; the noise runs on the aggregated cells only.

`all` is the sum of the group's noised, extrapolated origins before negatives become 0 and
before rounding (post-processing: no budget), so it is unbiased; the released `all` is that sum
made non-negative and rounded, and may differ from the sum of the released origins by the
clamping and rounding of each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from footfall.core import columns as C
from footfall.core.calendar import local_hours
from footfall.privacy import dp
from footfall.privacy.disclosure import round_half_up
from footfall.privacy.dp_bound import bound_daily, bound_hourly

HOURLY_CELL = (C.DATE, C.HOUR, C.AREA_ID, C.ORIGIN_ID)
DAILY_CELL = (C.DATE, C.AREA_ID, C.ORIGIN_ID)
UNKNOWN_REGION = C.ORIGIN_UNKNOWN  # the residents bin of domestic subscribers with no home
_EXT = "_extrapolated"


def dp_origin(origin: Column) -> Column:
    """The DP origin: every `roamer:<mcc>` becomes `roamer`."""
    return F.when(origin.startswith(C.ROAMER_PREFIX), F.lit(dp.ROAMER)).otherwise(origin)


def origin_ids(level_ids: Sequence[str]) -> list[str]:
    """The origins of the public domain: the level's ids of areas.csv, unknown, roamer."""
    return sorted(set(level_ids)) + [C.ORIGIN_UNKNOWN, dp.ROAMER]


def public_domain(
    spark: SparkSession,
    area_ids: Sequence[str],
    origins: Sequence[str],
    dates: Sequence[dt.date],
    zone: str,
    table: str,
) -> DataFrame:
    """Every cell of the table's public domain for the dates: (date[, hour], area_id,
    origin_id), the local hour bins of each date in zone (METHOD 2)."""
    if table == dp.HOURLY:
        times = spark.createDataFrame(
            [(d, h) for d in dates for h in local_hours(d, zone)], f"{C.DATE} date, {C.HOUR} int"
        )
    else:
        times = spark.createDataFrame([(d,) for d in dates], f"{C.DATE} date")
    areas = spark.createDataFrame([(a,) for a in sorted(area_ids)], f"{C.AREA_ID} string")
    kinds = spark.createDataFrame([(o,) for o in origins], f"{C.ORIGIN_ID} string")
    return times.crossJoin(areas).crossJoin(kinds)


def bounded_counts(
    keys: DataFrame, plan: dp.DpPlan, table: str
) -> Callable[[DataFrame], DataFrame]:
    """Present rows (date, hour, area_id, token, origin_id) -> the distinct subscribers per
    cell of the table after contribution bounding (METHOD 7.1)."""

    def _apply(rows: DataFrame) -> DataFrame:
        rows = rows.withColumn(C.ORIGIN_ID, dp_origin(F.col(C.ORIGIN_ID)))
        if table == dp.HOURLY:
            cells = HOURLY_CELL
            bounded = rows.select(C.TOKEN, *cells).transform(
                bound_hourly(keys, plan.max_hour_cells)
            )
        else:
            cells = DAILY_CELL
            bounded = (
                rows.select(C.TOKEN, *cells)
                .distinct()
                .transform(bound_daily(keys, plan.max_day_areas))
            )
        return bounded.groupBy(*cells).agg(F.count(F.lit(1)).alias(C.SUBSCRIBERS))

    return _apply


def noised(domain: DataFrame, plan: dp.DpPlan, table: str) -> Callable[[DataFrame], DataFrame]:
    """Bounded counts -> every cell of the domain with its count (0 when absent) and `noisy`,
    the count plus the table's noise (on the executors, per partition of cells)."""
    cells = list(HOURLY_CELL if table == dp.HOURLY else DAILY_CELL)

    def _apply(counts: DataFrame) -> DataFrame:
        full = domain.join(counts, cells, "left").select(
            *cells, F.coalesce(F.col(C.SUBSCRIBERS), F.lit(0)).cast("long").alias(C.SUBSCRIBERS)
        )
        schema = T.StructType([*full.schema.fields, T.StructField(dp.NOISY, T.LongType(), False)])
        draw = dp.noise_partition(
            plan.mechanism, plan.scale(table), plan.test_seed, cells, C.SUBSCRIBERS
        )
        return full.sparkSession.createDataFrame(full.rdd.mapPartitions(draw), schema)

    return _apply


def region_weights(
    residents: Mapping[str, int], populations: Mapping[str, int]
) -> tuple[dict[str, float], float]:
    """METHOD 6 from noised residents: (weight per home region, weight of an unknown home).

    K_r = max(noised residents of r, 1) (a region's weight stays finite), unknown = max(noised
    unknown, 0), K = sum K_r, N = K + unknown: a home in r weighs P_r K / (K_r N), an unknown
    home P / N (post-processing of the noised counts: no further budget)."""
    known = {r: max(int(residents.get(r, 0)), 1) for r in populations}
    unknown = max(int(residents.get(UNKNOWN_REGION, 0)), 0)
    k = sum(known.values())
    n = k + unknown
    p = sum(populations.values())
    weights = {r: populations[r] * k / (known[r] * n) for r in populations}
    return weights, p / n


def origin_weights(
    residents: Mapping[str, int],
    areas: Sequence[Mapping[str, object]],
    level: str,
) -> dict[str, float]:
    """Weight of each DP origin: its home region's, P / N for unknown, 1 for roamer."""
    populations: dict[str, int] = {}
    region_of: dict[str, str] = {}
    level_col = {"area": C.AREA_ID, "district": C.DISTRICT_ID, "region": C.REGION_ID}[level]
    for a in areas:
        region = str(a[C.REGION_ID])
        populations[region] = populations.get(region, 0) + int(a[C.POPULATION])
        region_of[str(a[level_col])] = region
    by_region, unknown = region_weights(residents, populations)
    weights = {o: by_region[r] for o, r in region_of.items()}
    weights[C.ORIGIN_UNKNOWN] = unknown
    weights[dp.ROAMER] = 1.0
    return weights


def noisy_residents(
    exact: Mapping[str, int], bins: Sequence[str], plan: dp.DpPlan
) -> dict[str, int]:
    """Every bin (region or unknown) of the period's domestic subscribers plus discrete
    Laplace noise of scale 1 / epsilon_weights (L1 sensitivity 1: a subscriber has one home)."""
    ordered = sorted(bins)
    draw = dp.sampler(dp.LAPLACE, 1 / plan.epsilon_weights, plan.test_seed)
    counts = [int(exact.get(b, 0)) for b in ordered]
    return dict(zip(ordered, draw(counts, [f"residents|{b}" for b in ordered]), strict=True))


def extrapolated(
    weights: Mapping[str, float], group: Sequence[str], level: str, rounding: int
) -> Callable[[DataFrame], DataFrame]:
    """Noised cells -> candidate rows: each origin's noisy count times its weight, `all` the
    sum of the group's origins, then negatives to 0 and rounding half-up (METHOD 7.1)."""

    def _apply(cells: DataFrame) -> DataFrame:
        spark = cells.sparkSession
        w = spark.createDataFrame(sorted(weights.items()), f"{C.ORIGIN_ID} string, _w double")
        parts = cells.join(F.broadcast(w), C.ORIGIN_ID, "left").select(
            *group, C.ORIGIN_ID, (F.col(dp.NOISY) * F.coalesce(F.col("_w"), F.lit(1.0))).alias(_EXT)
        )
        total = parts.groupBy(*group).agg(F.sum(_EXT).alias(_EXT))
        rows = parts.unionByName(total.withColumn(C.ORIGIN_ID, F.lit(C.ORIGIN_ALL)))
        return rows.select(
            *group,
            F.lit(level).alias(C.ORIGIN_LEVEL),
            C.ORIGIN_ID,
            round_half_up(F.greatest(F.col(_EXT), F.lit(0.0)), rounding).alias(C.VISITORS),
        )

    return _apply
