"""The candidates of the DP mode (METHOD 7.1) for a run of dates of one period: what the presence
job needs beyond its present rows (the period keys for bounding, the public domain, the noised
residents of the period), read once, and the candidate frames of the hourly and daily tables.

The noised residents are drawn once per period and kept in `dp_residents`: every date of the
period (and every re-run) reuses them, so the weights spend `dp.epsilon_weights` once per period
(the ledger charges it with the period's first published release).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.config import Config
from footfall.privacy import dp, dp_release
from footfall.privacy.tokens import load_master_key, period_keys_frame

log = logging.getLogger(__name__)

LEVEL_COLUMNS = {"area": C.AREA_ID, "district": C.DISTRICT_ID, "region": C.REGION_ID}


def resident_counts(origins: DataFrame) -> dict[str, int]:
    """Exact domestic subscribers of the period per home region, and `unknown` (no home)."""
    rows = (
        origins.groupBy(F.coalesce(C.HOME_REGION_ID, F.lit(dp_release.UNKNOWN_REGION)).alias("r"))
        .count()
        .collect()
    )
    return {r["r"]: int(r["count"]) for r in rows}


def period_residents(
    spark: SparkSession, cfg: Config, period: str, origins: DataFrame, regions: list[str]
) -> dict[str, int]:
    """The period's noised residents: read from dp_residents, or drawn once and written."""
    where = lake.Rows(C.PERIOD, period)
    kept = lake.read_slice(spark, cfg, tables.DP_RESIDENTS, where).collect()
    if kept:
        return {r[C.REGION_ID]: int(r["residents"]) for r in kept}
    plan = dp.DpPlan.from_config(cfg)
    noisy = dp_release.noisy_residents(
        resident_counts(origins), [*regions, dp_release.UNKNOWN_REGION], plan
    )
    rows = spark.createDataFrame(
        [(period, b, int(v)) for b, v in sorted(noisy.items())], tables.DP_RESIDENTS.schema
    )
    lake.replace_where(rows, cfg, tables.DP_RESIDENTS, where)
    log.info("presence: residents of %s noised for the DP weights (once per period)", period)
    return noisy


@dataclass(frozen=True)
class DpCandidates:
    """Everything the DP candidates of a run of dates need, read once."""

    plan: dp.DpPlan
    keys: DataFrame  # period keys (broadcast columns, never literals)
    area_ids: list[str]
    origins: list[str]
    weights: dict[str, float]
    dates: list[dt.date]
    zone: str
    level: str
    rounding: int

    def candidates(self, rows: DataFrame, table: str) -> DataFrame:
        """Present rows (with origin_id) -> the table's DP candidate rows."""
        spark = rows.sparkSession
        domain = dp_release.public_domain(
            spark, self.area_ids, self.origins, self.dates, self.zone, table
        )
        group = [C.DATE, C.HOUR, C.AREA_ID] if table == dp.HOURLY else [C.DATE, C.AREA_ID]
        return (
            rows.transform(dp_release.bounded_counts(self.keys, self.plan, table))
            .transform(dp_release.noised(domain, self.plan, table))
            .transform(dp_release.extrapolated(self.weights, group, self.level, self.rounding))
        )


def prepare(
    spark: SparkSession, cfg: Config, dates: list[dt.date], period: str, origins: DataFrame
) -> DpCandidates:
    """Read what the DP candidates of the dates (one period) need."""
    level = cfg["origins.level"]
    areas = [r.asDict() for r in lake.read_areas(spark, cfg).collect()]  # reference: small
    key = load_master_key(cfg["tokenisation.key_file"], cfg["tokenisation.key_env"])
    regions = sorted({str(a[C.REGION_ID]) for a in areas})
    residents = period_residents(spark, cfg, period, origins, regions)
    return DpCandidates(
        plan=dp.DpPlan.from_config(cfg),
        keys=period_keys_frame(spark, key, [period]),
        area_ids=sorted({str(a[C.AREA_ID]) for a in areas}),
        origins=dp_release.origin_ids([str(a[LEVEL_COLUMNS[level]]) for a in areas]),
        weights=dp_release.origin_weights(residents, areas, level),
        dates=list(dates),
        zone=cfg.zone,
        level=level,
        rounding=cfg["release.rounding"],
    )
