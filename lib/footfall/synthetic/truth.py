"""Ground truth: what the pipeline should find, computed from the whole synthetic population.

Homes of subscribers and roamers (the exam of METHOD 4), residents per area (the census of
METHOD 1.2, and the subscribers among them), and the true number of people present per local
date, hour bin and area, and per date and area (the exam of METHOD 5.2 and of the METHOD 6
extrapolation), roamers and non-subscribers included.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.stages.dwell import dwell_band
from footfall.synthetic.schedule import area_at, day_areas

AreaIds = Callable[[Column], Column]  # an area index column -> its area_id (world.area_ids)


def homes(people: DataFrame, area_id: AreaIds) -> DataFrame:
    """Every subscriber's and roamer's IMSI, MCC and, for residents, true home area and true work
    area (a worker's work area when it is not the home, METHOD 5.3)."""
    work = F.col("worker") & (F.col("work_area") != F.col("home"))
    return people.where(F.col("is_subscriber") | F.col("is_roamer")).select(
        C.IMSI,
        F.substring(C.IMSI, 1, 3).alias(C.MCC),
        "is_roamer",
        F.when(~F.col("is_roamer"), area_id(F.col("home"))).alias(C.HOME_AREA_ID),
        F.when(work, area_id(F.col("work_area"))).alias(C.WORK_AREA_ID),
    )


def residents(people: DataFrame, area_id: AreaIds) -> DataFrame:
    """People and subscribers living in each area (people = the census population)."""
    return (
        people.where(~F.col("is_roamer"))
        .groupBy("home")
        .agg(F.count("*").alias("people"), F.count_if("is_subscriber").alias(C.SUBSCRIBERS))
        .select(area_id(F.col("home")).alias(C.AREA_ID), "people", C.SUBSCRIBERS)
    )


def presence_hourly(person_day_bins: DataFrame, area_id: AreaIds) -> DataFrame:
    """True people (whole population, roamers included) per local date, hour bin and area."""
    hours = person_day_bins.select("*", F.explode(F.col("bins.hour")).alias(C.HOUR))
    return (
        hours.select("date", C.HOUR, area_at(F.col(C.HOUR)).alias("area"))
        .groupBy("date", C.HOUR, "area")
        .agg(F.count("*").alias("people"))
        .select(
            F.to_date("date").alias(C.DATE),
            C.HOUR,
            area_id(F.col("area")).alias(C.AREA_ID),
            "people",
        )
    )


def presence_daily(person_days: DataFrame, area_id: AreaIds) -> DataFrame:
    """True people present in an area at any hour of a local date."""
    return (
        person_days.select("date", F.explode(day_areas()).alias("area"))
        .groupBy("date", "area")
        .agg(F.count("*").alias("people"))
        .select(F.to_date("date").alias(C.DATE), area_id(F.col("area")).alias(C.AREA_ID), "people")
    )


def stays_daily(person_day_bins: DataFrame, area_id: AreaIds, bounds: list[int]) -> DataFrame:
    """Each person's true (date, area) rows (whole population, roamers included): minutes there
    from the schedule's hour bins, dwell band and true visitor class (METHOD 5.3); with the IMSI
    (subscribers and roamers) for the class confusion table."""
    bins = person_day_bins.select("*", F.explode("bins").alias("_bin"))
    rows = bins.select(
        "pid", "date", "home", "true_work", "is_roamer", C.IMSI,
        area_at(F.col("_bin.hour")).alias("area"), F.col("_bin.seconds").alias("_seconds"),
    )  # fmt: skip
    per_area = rows.groupBy("pid", "date", "area").agg(
        (F.sum("_seconds") / 60.0).alias("minutes"),
        F.first("home").alias("home"),
        F.first("true_work").alias("true_work"),
        F.first("is_roamer").alias("is_roamer"),
        F.first(C.IMSI).alias(C.IMSI),
    )
    area = F.col("area")
    visitor_class = (
        F.when(~F.col("is_roamer") & (area == F.col("home")), F.lit(C.RESIDENT))
        .when(area == F.col("true_work"), F.lit(C.WORKER))
        .otherwise(F.lit(C.VISITOR))
    )
    return per_area.select(
        F.to_date("date").alias(C.DATE),
        area_id(area).alias(C.AREA_ID),
        C.IMSI,
        "minutes",
        dwell_band(F.col("minutes"), bounds).alias(C.DWELL_BAND),
        visitor_class.alias(C.VISITOR_CLASS),
    )


def breakdown_counts(stays: DataFrame, part: str) -> DataFrame:
    """True people per (date, area, dwell band) or (date, area, visitor class)."""
    return stays.groupBy(C.DATE, C.AREA_ID, part).agg(F.count("*").alias("people"))
