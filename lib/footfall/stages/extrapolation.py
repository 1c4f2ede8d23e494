"""Extrapolation weights per subscriber and period (METHOD 6)."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.stages.origins import is_domestic

REGION_WEIGHT = "_region_weight"
NATIONAL_WEIGHT = "_national_weight"


def region_weights(origins: DataFrame, areas: DataFrame) -> DataFrame:
    """(home_region_id, weight) = population_r / residents_r for each region with residents."""
    residents = (
        origins.where(F.col(C.HOME_REGION_ID).isNotNull())
        .groupBy(C.HOME_REGION_ID)
        .agg(F.count("*").alias("_residents"))
    )
    population = areas.groupBy(F.col(C.REGION_ID).alias(C.HOME_REGION_ID)).agg(
        F.sum(C.POPULATION).alias("_population")
    )
    return residents.join(population, C.HOME_REGION_ID, "left").select(
        C.HOME_REGION_ID,
        F.try_divide(F.coalesce("_population", F.lit(0)), F.col("_residents"))
        .cast("double")
        .alias(REGION_WEIGHT),
    )


def national_weight(origins: DataFrame, areas: DataFrame) -> DataFrame:
    """One row: national_population / national_residents (1.0 when nobody has a known home)."""
    residents = origins.agg(F.count(C.HOME_REGION_ID).alias("_residents"))
    population = areas.agg(F.sum(C.POPULATION).alias("_population"))
    # no known home at all (e.g. the first days of a period): nothing to scale by, count as 1
    weight = F.coalesce(
        F.try_divide(F.col("_population"), F.nullif(F.col("_residents"), F.lit(0))), F.lit(1.0)
    )
    return residents.crossJoin(population).select(weight.cast("double").alias(NATIONAL_WEIGHT))


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
