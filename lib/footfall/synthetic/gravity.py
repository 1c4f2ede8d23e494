"""Where people go: gravity-model destination tables and the Spark lookup that draws from them.

A destination's probability falls with distance and grows with its population, per purpose:
work, an afternoon visit, a night away from home; inbound roamers' hotels follow population
alone. The tables are small (TOP_DESTINATIONS per origin) and broadcast into every lookup.
"""

from __future__ import annotations

import math

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.synthetic.world import Area, distance_km

SCALE_KM = {"work": 8.0, "visit": 6.0, "night": 60.0}
TOP_DESTINATIONS = 40  # gravity destinations kept per origin (bounds the broadcast table)
GRAVITY_SCHEMA = "kind string, origin int, lo double, hi double, dest int"


def gravity_rows(areas: list[Area]) -> list[tuple[str, int, float, float, int]]:
    """(kind, origin, lo, hi, dest): cumulative destination probabilities per origin.

    work/visit/night: p ~ population_j * exp(-distance/scale) (visit and night exclude home);
    hotel (origin -1): where roamers stay, p ~ population_j.
    """
    rows = []
    for kind, scale in SCALE_KM.items():
        for a in areas:
            weights = [
                (b.population * math.exp(-distance_km(a, b) / scale), b.idx)
                for b in areas
                if kind == "work" or b.idx != a.idx
            ]
            weights = sorted(weights, key=lambda x: (-x[0], x[1]))[:TOP_DESTINATIONS]
            rows += _cumulative(kind, a.idx, weights)
    rows += _cumulative("hotel", -1, [(float(b.population), b.idx) for b in areas])
    return rows


def _cumulative(kind: str, origin: int, weights: list[tuple[float, int]]) -> list[tuple]:
    total = sum(w for w, _ in weights)
    if total <= 0:
        return []
    rows, lo = [], 0.0
    for i, (w, dest) in enumerate(weights):
        hi = 1.0 + 1e-9 if i == len(weights) - 1 else lo + w / total
        rows.append((kind, origin, lo, hi, dest))
        lo = hi
    return rows


def gravity_frame(spark: SparkSession, areas: list[Area]) -> DataFrame:
    """The gravity rows as a (small) DataFrame for `choose_destination`."""
    return spark.createDataFrame(gravity_rows(areas), GRAVITY_SCHEMA)


def choose_destination(
    df: DataFrame, table: DataFrame, kind: str, origin: Column, u: Column, out: str
) -> DataFrame:
    """Add `out`: the destination whose cumulative range [lo, hi) of `kind` holds u."""
    t = table.where(F.col("kind") == kind).select(
        F.col("origin").alias("_o"),
        F.col("lo").alias("_lo"),
        F.col("hi").alias("_hi"),
        F.col("dest").alias(out),
    )
    df = df.withColumn("_co", origin).withColumn("_cu", u)
    cond = (
        (F.col("_co") == F.col("_o"))
        & (F.col("_cu") >= F.col("_lo"))
        & (F.col("_cu") < F.col("_hi"))
    )
    return df.join(F.broadcast(t), cond, "left").drop("_co", "_cu", "_o", "_lo", "_hi")
