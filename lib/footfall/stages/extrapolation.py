"""Extrapolation weights per subscriber and period (METHOD 6, second edition).

N domestic subscribers seen in the period, K_r of them with a home in region r, K = sum K_r,
P_r and P census populations. A home in r weighs P_r K / (K_r N), an unknown home P / N, an
inbound roamer 1: the domestic weights add up to P however many homes are unknown (the first
edition's P / K for unknown homes inflated totals by the unknown share).
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.stages.origins import is_domestic

REGION_WEIGHT = "_region_weight"
NATIONAL_WEIGHT = "_national_weight"


def _counts(origins: DataFrame) -> DataFrame:
    """One row: N (domestic subscribers of the period) and K (those with a known home)."""
    return origins.agg(
        F.count("*").alias("_subscribers"), F.count(C.HOME_REGION_ID).alias("_known")
    )


def region_weights(origins: DataFrame, areas: DataFrame) -> DataFrame:
    """(home_region_id, weight) = P_r * K / (K_r * N) for each region with residents: the
    known homes of r stand for their share K_r / K of the unknown ones too (METHOD 6)."""
    residents = (
        origins.where(F.col(C.HOME_REGION_ID).isNotNull())
        .groupBy(C.HOME_REGION_ID)
        .agg(F.count("*").alias("_residents"))
    )
    population = areas.groupBy(F.col(C.REGION_ID).alias(C.HOME_REGION_ID)).agg(
        F.sum(C.POPULATION).alias("_population")
    )
    weight = F.try_divide(
        F.coalesce("_population", F.lit(0)) * F.col("_known"),
        F.col("_residents") * F.col("_subscribers"),
    )
    return (
        residents.join(population, C.HOME_REGION_ID, "left")
        .crossJoin(_counts(origins))
        .select(C.HOME_REGION_ID, weight.cast("double").alias(REGION_WEIGHT))
    )


def national_weight(origins: DataFrame, areas: DataFrame) -> DataFrame:
    """One row: P / N, the weight of a domestic subscriber with an unknown home (1.0 when the
    period has no domestic subscriber at all)."""
    population = areas.agg(F.sum(C.POPULATION).alias("_population"))
    weight = F.coalesce(
        F.try_divide(F.col("_population"), F.nullif(F.col("_subscribers"), F.lit(0))), F.lit(1.0)
    )
    return (
        _counts(origins).crossJoin(population).select(weight.cast("double").alias(NATIONAL_WEIGHT))
    )


def with_weights(
    subscribers: DataFrame, origins: DataFrame, areas: DataFrame, home_mccs: Sequence[str]
) -> DataFrame:
    """Add `weight` to rows carrying mcc and home_region_id (as from origins.assign_origins)."""
    weight = (
        F.when(~is_domestic(home_mccs), F.lit(1.0))
        .when(F.col(C.HOME_REGION_ID).isNotNull(), F.col(REGION_WEIGHT))
        .otherwise(F.col(NATIONAL_WEIGHT))
    )
    return (
        subscribers.join(F.broadcast(region_weights(origins, areas)), C.HOME_REGION_ID, "left")
        .crossJoin(F.broadcast(national_weight(origins, areas)))
        .withColumn(C.WEIGHT, F.coalesce(weight, F.lit(1.0)))
        .drop(REGION_WEIGHT, NATIONAL_WEIGHT)
    )
