"""`footfall evaluate`: accuracy against the generator's ground truth (demo / synthetic data only).

Homes: among domestic subscribers whose home was detected (enough nights), the share whose
detected home area is the true one; also the share detected at all. Visitors: median absolute
percentage error of released daily and hourly "all" visitors against the true presence of the
whole population, over released cells.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.calendar import dates_between, periods_of
from footfall.core.config import Config
from footfall.core.errors import UserError
from footfall.privacy.tokens import period_keys_frame, with_tokens

log = logging.getLogger(__name__)


def _truth(spark: SparkSession, cfg: Config, name: str) -> DataFrame:
    path = cfg.path("ground_truth") / name
    if not path.exists():
        raise UserError(f"ground truth {path} not found: evaluate needs `footfall generate` output")
    return spark.read.parquet(str(path))


def home_accuracy(origins: DataFrame, truth_tokens: DataFrame) -> DataFrame:
    """One row: subscribers, detected, correct, share_detected, share_correct (of detected)."""
    joined = truth_tokens.join(origins, [C.TOKEN, C.PERIOD], "left")
    return joined.agg(
        F.count("*").alias("subscribers"),
        F.count(C.HOME_AREA_ID).alias("detected"),
        F.sum((F.col(C.HOME_AREA_ID) == F.col("true_home_area_id")).cast("long")).alias("correct"),
    ).select(
        "subscribers",
        "detected",
        "correct",
        (F.col("detected") / F.col("subscribers")).alias("share_detected"),
        (F.col("correct") / F.col("detected")).alias("share_correct"),
    )


def median_ape(released: DataFrame, truth: DataFrame, keys: list[str]) -> DataFrame:
    """One row: cells compared and the median absolute percentage error of visitors vs people."""
    joined = released.where(F.col(C.ORIGIN_ID) == C.ORIGIN_ALL).join(truth, keys, "inner")
    ape = F.abs(F.col(C.VISITORS) - F.col("people")) / F.col("people")
    return joined.where(F.col("people") > 0).agg(
        F.count("*").alias("cells"), F.percentile(ape, 0.5).alias("median_ape")
    )


def run_evaluate(
    spark: SparkSession, cfg: Config, d1: dt.date, d2: dt.date, master_key: bytes
) -> dict:
    """Compute, print and write the accuracy figures for d1..d2."""
    dates = dates_between(d1, d2)
    periods = periods_of(dates)
    homes = _truth(spark, cfg, "homes").where(~F.col("is_roamer"))
    per_period = homes.crossJoin(spark.createDataFrame([(p,) for p in periods], [C.PERIOD]))
    keys = period_keys_frame(spark, master_key, periods)
    truth_tokens = with_tokens(per_period, keys, C.IMSI, C.PERIOD, C.TOKEN).select(
        C.TOKEN, C.PERIOD, F.col("home_area_id").alias("true_home_area_id")
    )
    origins = lake.read_required(spark, cfg, tables.ORIGINS, "run `footfall origins` first")
    # only subscribers seen in the period count (the origins table lists every one seen)
    seen = origins.where(F.col(C.PERIOD).isin(periods))
    homes_row = home_accuracy(
        seen, truth_tokens.join(seen.select(C.TOKEN, C.PERIOD), [C.TOKEN, C.PERIOD])
    ).first()

    in_range = F.col(C.DATE).between(F.lit(d1), F.lit(d2))
    daily = lake.read_required(spark, cfg, tables.RELEASED_DAILY, "run `footfall release` first")
    hourly = lake.read_required(spark, cfg, tables.RELEASED_HOURLY, "run `footfall release` first")
    t_daily = _truth(spark, cfg, "presence_daily").withColumn(C.DATE, F.to_date(C.DATE))
    t_hourly = _truth(spark, cfg, "presence_hourly").withColumn(C.DATE, F.to_date(C.DATE))
    d_row = median_ape(daily.where(in_range), t_daily, [C.DATE, C.AREA_ID]).first()
    h_row = median_ape(hourly.where(in_range), t_hourly, [C.DATE, C.HOUR, C.AREA_ID]).first()

    def pct(x: float | None) -> float | None:
        return None if x is None else round(100 * float(x), 2)

    result = {
        "range": f"{d1} .. {d2}",
        "subscribers_evaluated": homes_row["subscribers"],
        "homes_detected_pct": pct(homes_row["share_detected"]),
        "homes_correct_pct_of_detected": pct(homes_row["share_correct"]),
        "daily_cells_compared": d_row["cells"],
        "daily_visitors_median_ape_pct": pct(d_row["median_ape"]),
        "hourly_cells_compared": h_row["cells"],
        "hourly_visitors_median_ape_pct": pct(h_row["median_ape"]),
    }
    out = cfg.path("reports") / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(result, indent=2) + "\n")
    _write_markdown(out / "evaluation.md", result)
    result["written"] = str(out / "evaluation.md")
    return result


def _write_markdown(path: Path, result: dict) -> None:
    lines = ["# footfall accuracy against ground truth", "", "| figure | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in result.items()]
    path.write_text("\n".join(lines) + "\n")
