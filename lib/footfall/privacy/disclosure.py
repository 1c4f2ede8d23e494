"""Disclosure control (METHOD 7): k_min threshold, the `other` merge, half-up rounding.

Input: audit-shaped rows (group keys, origin_id, subscribers, extrapolated), the group's
`all` row included. Output: the rows that may be released, with `visitors`. Per group:

- the group's `all` subscribers < k_min (or no `all` row): nothing of the group is released;
- named origins with subscribers >= k_min are released, the others are merged into `other`;
- if `other` is between 1 and k_min - 1, released origins are merged into it, smallest raw count
  first (tie: smallest origin_id), until it reaches k_min. Every released origin has >= k_min
  subscribers, so one merge always suffices; the cumulative-sum rule covers the general case;
- `other` is released when it has >= k_min subscribers (0: nothing was suppressed, no row);
  merged origins do not appear on their own. `other`'s visitors are the rounded sum of the
  merged origins' extrapolated values;
- `all` is released with the rest.

So `all` - (released named origins) = `other` (or 0 when nothing was suppressed), and `other`
always holds at least two origins, so no suppressed origin can be recovered by subtraction.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from footfall.core import columns as C

HOURLY_GROUP = (C.DATE, C.HOUR, C.AREA_ID, C.ORIGIN_LEVEL)
DAILY_GROUP = (C.DATE, C.AREA_ID, C.ORIGIN_LEVEL)
BREAKDOWN_GROUP = (C.DATE, C.AREA_ID)  # dwell bands and visitor classes (METHOD 5.3, 7)
# extrapolated sums of fractional weights carry float noise (999.9999999 for 1000); rounding to
# this many decimals first keeps an exact half (15 -> 20) from falling to the lower multiple
NOISE_DECIMALS = 6


def round_half_up(value: Column, rounding: int) -> Column:
    """floor(x / r + 0.5) * r as a long (15 -> 20, 14.999 -> 10, 25 -> 30 for r = 10)."""
    cleaned = F.round(value.cast("double"), NOISE_DECIMALS)
    return (F.floor(cleaned / F.lit(float(rounding)) + F.lit(0.5)) * F.lit(rounding)).cast("long")


def control(
    audit: DataFrame, group: Sequence[str], k_min: int, rounding: int, part: str = C.ORIGIN_ID
) -> DataFrame:
    """Releasable rows of audit-shaped input: group keys, the part (origin_id, or a dwell band
    or visitor class of METHOD 5.3), subscribers, extrapolated, visitors."""
    keys = list(group)
    g = Window.partitionBy(*keys)
    sub = F.col(C.SUBSCRIBERS)
    is_all = F.col(part) == F.lit(C.ORIGIN_ALL)
    small = ~is_all & (sub < k_min)
    big = ~is_all & (sub >= k_min)
    # released candidates first, smallest raw count first, tie smallest origin_id (METHOD 7)
    merge_order = g.orderBy(F.when(big, 0).otherwise(1), sub, part).rowsBetween(
        Window.unboundedPreceding, -1
    )
    rows = (
        audit.withColumn("_total", F.max(F.when(is_all, sub)).over(g))
        .withColumn("_other0", F.sum(F.when(small, sub).otherwise(0)).over(g))
        .withColumn(
            "_before", F.coalesce(F.sum(F.when(big, sub).otherwise(0)).over(merge_order), F.lit(0))
        )
        .withColumn(
            "_merged",
            small | (big & (F.col("_other0") >= 1) & (F.col("_other0") + F.col("_before") < k_min)),
        )
        .withColumn("_other_sub", F.sum(F.when(F.col("_merged"), sub).otherwise(0)).over(g))
        .withColumn(
            "_other_ext",
            F.sum(F.when(F.col("_merged"), F.col(C.EXTRAPOLATED)).otherwise(0.0)).over(g),
        )
        .where(F.coalesce(F.col("_total") >= k_min, F.lit(False)))
    )
    named_or_all = rows.where(is_all | (big & ~F.col("_merged"))).select(
        *keys, part, C.SUBSCRIBERS, C.EXTRAPOLATED
    )
    other = rows.where(is_all & (F.col("_other_sub") >= k_min)).select(
        *keys,
        F.lit(C.ORIGIN_OTHER).alias(part),
        F.col("_other_sub").cast("long").alias(C.SUBSCRIBERS),
        F.col("_other_ext").cast("double").alias(C.EXTRAPOLATED),
    )
    released = named_or_all.unionByName(other)
    return released.withColumn(C.VISITORS, round_half_up(F.col(C.EXTRAPOLATED), rounding))
