"""`footfall evaluate`: accuracy against the generator's ground truth (demo / synthetic data only).

Homes: among domestic subscribers whose home was detected (enough nights), the share whose
detected home area is the true one; also the share detected at all. Visitors: median absolute
percentage error of released daily and hourly "all" visitors against the true presence of the
whole population, over released cells; the signed bias (median and mean of (released - true) /
true); and the hourly figures by hour of day (a table and a chart in evaluation.md), so a reader
sees whether nights or rush hours are off.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.calendar import dates_between, periods_of
from footfall.core.config import Config
from footfall.core.errors import UserError
from footfall.privacy.tokens import period_keys_frame, with_tokens
from footfall.synthetic.evaluate_breakdowns import evaluate_breakdowns
from footfall.synthetic.evaluation_report import write_evaluation_report

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


def cell_errors(released: DataFrame, truth: DataFrame, keys: list[str]) -> DataFrame:
    """Released `all` cells joined to the true presence: relative error (released - true) / true
    and its absolute value, per cell with people present."""
    joined = released.where(F.col(C.ORIGIN_ID) == C.ORIGIN_ALL).join(truth, keys, "inner")
    error = (F.col(C.VISITORS) - F.col("people")) / F.col("people")
    return (
        joined.where(F.col("people") > 0)
        .withColumn("error", error)
        .withColumn("ape", F.abs(F.col("error")))
    )


def error_figures(cells: DataFrame, *by: str) -> DataFrame:
    """Per group of `by` (one row when none): cells, median absolute % error, median and mean
    signed bias."""
    figures = (
        F.count("*").alias("cells"),
        F.percentile("ape", 0.5).alias("median_ape"),
        F.percentile("error", 0.5).alias("median_bias"),
        F.mean("error").alias("mean_bias"),
    )
    return cells.groupBy(*by).agg(*figures).orderBy(*by) if by else cells.agg(*figures)


def median_ape(released: DataFrame, truth: DataFrame, keys: list[str]) -> DataFrame:
    """One row: cells compared and the median absolute percentage error of visitors vs people."""
    return error_figures(cell_errors(released, truth, keys)).select("cells", "median_ape")


def _median_ape_pct(released: DataFrame, truth: DataFrame, keys: list[str]) -> float | None:
    """The median absolute % error of released `all` visitors against the truth."""
    return _pct(error_figures(cell_errors(released, truth, keys)).first()["median_ape"])


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * float(x), 2)


def _accuracy(row, name: str) -> dict:
    return {
        f"{name}_cells_compared": row["cells"],
        f"{name}_visitors_median_ape_pct": _pct(row["median_ape"]),
        f"{name}_visitors_median_bias_pct": _pct(row["median_bias"]),
        f"{name}_visitors_mean_bias_pct": _pct(row["mean_bias"]),
    }


def _truth_tokens(per_period: DataFrame, keys: DataFrame) -> DataFrame:
    """The true home and work area of every (token, period), tokened the way ingest did."""
    return with_tokens(per_period, keys, C.IMSI, C.PERIOD, C.TOKEN).select(
        C.TOKEN,
        C.PERIOD,
        F.col(C.HOME_AREA_ID).alias("true_home_area_id"),
        F.col(C.WORK_AREA_ID).alias("true_work_area_id"),
    )


def _homes_row(
    spark: SparkSession, cfg: Config, truth_tokens: DataFrame, periods: list[str]
) -> Row:
    """home_accuracy's row over the subscribers the origins table saw in the periods."""
    origins = lake.read_required(spark, cfg, tables.ORIGINS, "run `footfall origins` first")
    # only subscribers seen in the period count (the origins table lists every one seen)
    seen = origins.where(F.col(C.PERIOD).isin(periods))
    return home_accuracy(
        seen, truth_tokens.join(seen.select(C.TOKEN, C.PERIOD), [C.TOKEN, C.PERIOD])
    ).first()


def _by_hour(hourly_cells: DataFrame) -> list[dict]:
    """The hourly errors by hour of day, in percent."""
    return [
        {"hour": r[C.HOUR], "cells": r["cells"], "median_ape_pct": _pct(r["median_ape"]),
         "median_bias_pct": _pct(r["median_bias"]), "mean_bias_pct": _pct(r["mean_bias"])}
        for r in error_figures(hourly_cells, C.HOUR).collect()
    ]  # fmt: skip


def run_evaluate(
    spark: SparkSession, cfg: Config, d1: dt.date, d2: dt.date, master_key: bytes
) -> dict:
    """Compute, print and write the accuracy figures for d1..d2."""
    dates = dates_between(d1, d2)
    periods = periods_of(dates)
    all_homes = _truth(spark, cfg, "homes")
    homes = all_homes.where(~F.col("is_roamer"))
    per_period = homes.crossJoin(spark.createDataFrame([(p,) for p in periods], [C.PERIOD]))
    keys = period_keys_frame(spark, master_key, periods)
    truth_tokens = _truth_tokens(per_period, keys)
    homes_row = _homes_row(spark, cfg, truth_tokens, periods)

    in_range = F.col(C.DATE).between(F.lit(d1), F.lit(d2))
    daily = lake.read_required(spark, cfg, tables.RELEASED_DAILY, "run `footfall release` first")
    hourly = lake.read_required(spark, cfg, tables.RELEASED_HOURLY, "run `footfall release` first")
    t_daily = _truth(spark, cfg, "presence_daily").withColumn(C.DATE, F.to_date(C.DATE))
    t_hourly = _truth(spark, cfg, "presence_hourly").withColumn(C.DATE, F.to_date(C.DATE))
    daily_cells = cell_errors(daily.where(in_range), t_daily, [C.DATE, C.AREA_ID])
    hourly_cells = cell_errors(hourly.where(in_range), t_hourly, [C.DATE, C.HOUR, C.AREA_ID])
    by_hour = _by_hour(hourly_cells)
    result = {
        "range": f"{d1} .. {d2}",
        "subscribers_evaluated": homes_row["subscribers"],
        "homes_detected_pct": _pct(homes_row["share_detected"]),
        "homes_correct_pct_of_detected": _pct(homes_row["share_correct"]),
        **_accuracy(error_figures(daily_cells).first(), "daily"),
        **_accuracy(error_figures(hourly_cells).first(), "hourly"),
    }
    out = cfg.path("reports") / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    dp_lines: list[str] = []
    if cfg["release.privacy"] == "dp":  # METHOD 7.1: both mechanisms next to k-anonymity
        from footfall.synthetic.evaluate_dp import dp_accuracy

        truth = {"hourly": t_hourly, "daily": t_daily}
        dp_figures, dp_lines = dp_accuracy(spark, cfg, dates, truth, _median_ape_pct, out)
        result.update(dp_figures)
    breakdowns, confusion = evaluate_breakdowns(
        spark, cfg, d1, d2, keys, truth_tokens, all_homes.select(C.IMSI)
    )
    result.update(breakdowns)
    (out / "evaluation.json").write_text(
        json.dumps(
            {**result, "hourly_by_hour_of_day": by_hour, "class_confusion": confusion}, indent=2
        )
        + "\n"
    )
    page = write_evaluation_report(out, result, by_hour, confusion)
    if dp_lines:
        page.write_text(page.read_text() + "\n".join(dp_lines) + "\n")
    result["written"] = str(out / "evaluation.md")
    return result
