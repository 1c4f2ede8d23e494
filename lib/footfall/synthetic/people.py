"""The synthetic population: one row per person, residents of every area and inbound roamers.

Residents get a home by census range (an area's first `subscribers` pids are the operator's
subscribers), roamers a hotel area and a trip; everyone gets identifiers in the formats of
METHOD 1.1 (IMSI, MSISDN, IMEI), CRM traits (age band, gender, METHOD 1.2 `subscribers`) and the
habits their days are made of (work, working hours, phone activity). A Spark plan: every value is
a seeded hash draw of the person's pid.
"""

from __future__ import annotations

import random

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.synthetic.draws import pick, uniform
from footfall.synthetic.gravity import choose_destination
from footfall.synthetic.world import Area

DOMESTIC_PREFIXES = ("23410", "23591")  # IMSI MCC+MNC of the operator's own subscribers
ROAMER_PREFIXES = ("20801", "26202", "31026", "22210", "21407")  # FR, DE, US, IT, ES
ROAMER_COUNTRY_CODES = ("33", "49", "1", "39", "34")
AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65+")
TACS = ("35332011", "35891603", "86753204", "35407115", "01326300")
WORKER_SHARE = 0.72  # of people under 65 (about 0.6 of all people)
WORKER_SHARE_65 = 0.08


def people_frame(
    spark: SparkSession, areas: list[Area], roamers: int, days: int, gravity: DataFrame, seed: int
) -> DataFrame:
    """One row per person: residents (home by census range, the first subscribers of each
    area's range are subscribers) then inbound roamers (a hotel area and a trip)."""
    pid = F.col("pid")
    people = _pids_with_homes(spark, areas, roamers, days)
    people = choose_destination(
        people,
        gravity,
        "hotel",
        F.when(F.col("is_roamer"), F.lit(-1)),
        uniform("hotel", seed, pid),
        "hotel",
    )
    people = people.select(
        pid,
        "is_roamer",
        (~F.col("is_roamer") & (pid < F.col("sub_hi"))).alias("is_subscriber"),
        F.coalesce(F.col("home"), F.col("hotel")).alias("home"),
        *_identifiers(seed),
        *_traits(seed, days),
    )
    people = choose_destination(
        people, gravity, "work", F.col("home"), uniform("work", seed, pid), "_work"
    )
    return people.withColumn("work_area", F.coalesce(F.col("_work"), F.col("home"))).drop("_work")


def _pids_with_homes(spark: SparkSession, areas: list[Area], roamers: int, days: int) -> DataFrame:
    """pids 0 .. residents + roamers - 1, residents joined to their home's census range
    (home, lo, hi, sub_hi) through fixed-size pid buckets; `is_roamer` for the pids after."""
    residents = sum(a.population for a in areas)
    size = max(1, min(a.population for a in areas))
    buckets = spark.createDataFrame(
        [
            (b, a.idx, a.first_pid, a.first_pid + a.population, a.first_pid + a.subscribers)
            for a in areas
            for b in range(a.first_pid // size, (a.first_pid + a.population - 1) // size + 1)
        ],
        "b long, home int, lo long, hi long, sub_hi long",
    )
    parts = max(spark.sparkContext.defaultParallelism, (residents + roamers) * days // 250_000)
    pid = F.col("pid")
    people = spark.range(0, residents + roamers, numPartitions=parts).withColumnRenamed("id", "pid")
    people = people.withColumn("_b", F.floor(pid / size))
    cond = (F.col("_b") == F.col("b")) & (pid >= F.col("lo")) & (pid < F.col("hi"))
    return people.join(F.broadcast(buckets), cond, "left").withColumn("is_roamer", pid >= residents)


def _identifiers(seed: int) -> list[Column]:
    """imsi, roamer_cc, msisdn_digits, imei: unique per person, in the operator's formats."""
    pid = F.col("pid")
    rp = (F.floor(uniform("roamer_net", seed, pid) * len(ROAMER_PREFIXES)) + 1).cast("int")
    prefix = F.when(
        F.col("is_roamer"), F.element_at(F.array(*map(F.lit, ROAMER_PREFIXES)), rp)
    ).otherwise(
        F.when(uniform("mnc", seed, pid) < 0.9, F.lit(DOMESTIC_PREFIXES[0])).otherwise(
            F.lit(DOMESTIC_PREFIXES[1])
        )
    )
    # (pid * odd constant + seed) mod 10^k is a bijection on pids: unique, random-looking numbers
    msin = F.pmod(pid * F.lit(6364136223) + F.lit(_offset(seed, 10**10)), F.lit(10**10))
    msisdn = F.pmod(pid * F.lit(2862933555) + F.lit(_offset(seed, 10**9)), F.lit(10**9))
    serial = F.pmod(pid * F.lit(7046029) + F.lit(_offset(seed, 10**6)), F.lit(10**6))
    imei14 = F.concat(pick(TACS, uniform("tac", seed, pid)), F.lpad(serial.cast("string"), 6, "0"))
    u_imei = uniform("imei_len", seed, pid)
    return [
        F.concat(prefix, F.lpad(msin.cast("string"), 10, "0")).alias("imsi"),
        F.when(
            F.col("is_roamer"),
            F.concat(F.lit("+"), F.element_at(F.array(*map(F.lit, ROAMER_COUNTRY_CODES)), rp)),
        ).alias("roamer_cc"),
        F.concat(F.lit("7"), F.lpad(msisdn.cast("string"), 9, "0")).alias("msisdn_digits"),
        F.when(u_imei < 0.05, imei14)
        .when(u_imei < 0.1, F.concat(imei14, F.lit("01")))
        .otherwise(F.concat(imei14, F.pmod(pid, F.lit(10)).cast("string")))
        .alias("imei"),
    ]


def _traits(seed: int, days: int) -> list[Column]:
    """age_band, gender, worker, working hours (ws..we), activity, a roamer's arrival and stay."""
    pid = F.col("pid")
    age = pick(AGE_BANDS, uniform("age", seed, pid))
    worker = uniform("worker", seed, pid) < F.when(age == "65+", WORKER_SHARE_65).otherwise(
        WORKER_SHARE
    )
    u_act = uniform("activity", seed, pid)
    return [
        age.alias("age_band"),
        pick(("F", "M"), uniform("gender", seed, pid)).alias("gender"),
        (worker & ~F.col("is_roamer")).alias("worker"),
        (8 + F.floor(uniform("ws", seed, pid) * 2)).cast("int").alias("ws"),
        (16 + F.floor(uniform("we", seed, pid) * 2)).cast("int").alias("we"),
        F.when(u_act < 0.2, 2.2).when(u_act < 0.7, 1.0).otherwise(0.5).alias("activity"),
        (F.floor(uniform("arrive", seed, pid) * (days + 3)) - 3).cast("int").alias("arrive"),
        (2 + F.floor(uniform("stay", seed, pid) * 6)).cast("int").alias("stay"),
    ]


def _offset(seed: int, modulus: int) -> int:
    return random.Random(f"offset:{seed}:{modulus}").randrange(modulus)
