"""`footfall evaluate` for METHOD 5.3: work areas found, released dwell-band and visitor-class
visitors against the true counts, and a confusion table of visitor classes.

The confusion table takes each subscriber's true presence in (date, area) from the generator's
schedules and compares the true class (its true home and work area) with the class the pipeline
gives it there (its detected home and work area): a measure of home and work detection, not of
presence.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.config import Config
from footfall.privacy.tokens import with_tokens

TRUTH = {C.DWELL_BAND: "dwell_daily", C.VISITOR_CLASS: "visitor_class_daily"}
RELEASED = {C.DWELL_BAND: tables.RELEASED_DWELL, C.VISITOR_CLASS: tables.RELEASED_CLASS}


def work_area_accuracy(work: DataFrame, truth_tokens: DataFrame) -> dict:
    """Work areas detected and the share of them that is the true work area."""
    joined = work.where(F.col(C.WORK_AREA_ID).isNotNull()).join(
        truth_tokens, [C.TOKEN, C.PERIOD], "inner"
    )
    row = joined.agg(
        F.count("*").alias("detected"),
        F.count_if(F.col(C.WORK_AREA_ID) == F.col("true_work_area_id")).alias("correct"),
    ).first()
    share = row["correct"] / row["detected"] if row["detected"] else None
    return {
        "work_areas_detected": row["detected"],
        "work_areas_correct_pct_of_detected": None if share is None else round(100 * share, 2),
    }


def part_errors(released: DataFrame, truth: DataFrame, part: str) -> DataFrame:
    """Relative error of released named parts (not `all`, not `other`) against true people."""
    named = released.where(~F.col(part).isin(C.ORIGIN_ALL, C.ORIGIN_OTHER))
    joined = named.join(truth, [C.DATE, C.AREA_ID, part], "inner").where(F.col("people") > 0)
    error = (F.col(C.VISITORS) - F.col("people")) / F.col("people")
    return joined.withColumn("error", error).withColumn("ape", F.abs(F.col("error")))


def class_confusion(
    stays: DataFrame, keys: DataFrame, origins: DataFrame, work: DataFrame
) -> list[dict]:
    """(true class, detected class, subscriber-days) over subscribers' true presence."""
    rows = stays.withColumn(C.PERIOD, F.date_format(C.DATE, "yyyy-MM"))
    rows = with_tokens(rows, keys, C.IMSI, C.PERIOD, C.TOKEN)
    rows = rows.join(origins.select(C.TOKEN, C.PERIOD, C.HOME_AREA_ID), [C.TOKEN, C.PERIOD], "left")
    rows = rows.join(work.select(C.TOKEN, C.PERIOD, C.WORK_AREA_ID), [C.TOKEN, C.PERIOD], "left")
    area = F.col(C.AREA_ID)
    detected = (
        F.when(area == F.col(C.HOME_AREA_ID), F.lit(C.RESIDENT))
        .when(area == F.col(C.WORK_AREA_ID), F.lit(C.WORKER))
        .otherwise(F.lit(C.VISITOR))
    )
    counts = rows.groupBy(F.col(C.VISITOR_CLASS).alias("true"), detected.alias("detected")).count()
    return [
        {"true": r["true"], "detected": r["detected"], "subscriber_days": r["count"]}
        for r in counts.orderBy("true", "detected").collect()
    ]


def evaluate_breakdowns(
    spark: SparkSession,
    cfg: Config,
    d1: dt.date,
    d2: dt.date,
    keys: DataFrame,
    truth_tokens: DataFrame,
    subscribers: DataFrame,
) -> tuple[dict, list[dict]]:
    """The METHOD 5.3 figures for d1..d2, and the class confusion table. truth_tokens carries
    true_work_area_id per (token, period); subscribers the IMSIs of subscribers and roamers."""
    from footfall.synthetic.evaluate import _pct, _truth, error_figures

    in_range = F.col(C.DATE).between(F.lit(d1), F.lit(d2))
    work = lake.read_table(spark, cfg, tables.WORK_AREAS)
    result = work_area_accuracy(work, truth_tokens)
    for part, name in ((C.DWELL_BAND, "dwell_band"), (C.VISITOR_CLASS, "visitor_class")):
        truth = _truth(spark, cfg, TRUTH[part]).where(in_range)
        released = lake.read_table(spark, cfg, RELEASED[part]).where(in_range)
        row = error_figures(part_errors(released, truth, part)).first()
        result[f"{name}_cells_compared"] = row["cells"]
        result[f"{name}_visitors_median_ape_pct"] = _pct(row["median_ape"])
        result[f"{name}_visitors_median_bias_pct"] = _pct(row["median_bias"])
    stays = _truth(spark, cfg, "stays_daily").where(in_range).join(subscribers, C.IMSI, "inner")
    origins = lake.read_table(spark, cfg, tables.ORIGINS)
    return result, class_confusion(stays, keys, origins, work)
