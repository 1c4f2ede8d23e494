"""The landing zone as the operator's mediation system writes it (METHOD 1.1).

True events become CSV lines: times as ISO-8601 with the zone's offset or as epoch
milliseconds, MSISDNs in several national and international formats, some IMEIs empty, a few
valid rows padded with spaces, a share of events landing one to `ingest.max_lateness_days` days
late, and the faults of `footfall.synthetic.faults`. The lines go to gzip CSV files, a fixed
number per landing day, in a stable order.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.core import inputs
from footfall.synthetic.draws import hash_column, thirds
from footfall.synthetic.events import event_type
from footfall.synthetic.faults import (
    KINDS,
    FaultRates,
    copies,
    fault_kind,
    faulty_cell,
    faulty_event_type,
    faulty_imsi,
    faulty_line,
    faulty_time,
)

HEADER = inputs.LANDING_HEADER
EPOCH_SHARE = 0.25  # event times written as epoch milliseconds rather than ISO-8601
WHITESPACE_SHARE = 0.01  # valid rows with spaces around fields (ingest trims them)
IMEI_EMPTY = 0.03


def landing_days(start: dt.date, days: int) -> list[str]:
    """The landing dates of `days` landing days from `start` (day index i lands on the i-th)."""
    return [str(start + dt.timedelta(days=i)) for i in range(days)]


def landing_lines(
    events: DataFrame,
    seed: int,
    landing_dates: list[str],
    epoch0: int,
    rates: FaultRates,
    max_late: int,
    invalid_cell: Column,
) -> DataFrame:
    """Landing day, fault kind and CSV line of every event (a duplicated event gives two
    lines); landing_dates[i] is the landing day of day index i, epoch0 the first local midnight
    (epoch seconds), the origin of the lines' sort key."""
    rows = _landing_rows(events, seed, landing_dates, epoch0, rates, max_late)
    imsi, time = faulty_imsi(), faulty_time(max_late)
    cell, etype = faulty_cell(invalid_cell), faulty_event_type()
    pad = (F.col("kind") == "ok") & F.col("_pad")
    fields = [
        F.when(pad, F.concat(F.lit(" "), imsi, F.lit("  "))).otherwise(imsi),
        F.col("msisdn"),
        F.col("imei_text"),
        time,
        F.when(pad, F.concat(F.lit("  "), cell)).otherwise(cell),
        F.when(pad, F.concat(etype, F.lit(" "))).otherwise(etype),
    ]
    return rows.select(
        "landing_idx",
        "landing",
        "kind",
        "_order",
        "u_file",
        faulty_line(fields).alias(HEADER),
        F.explode(copies()).alias("copy"),
    )


def _landing_rows(
    events: DataFrame,
    seed: int,
    landing_dates: list[str],
    epoch0: int,
    rates: FaultRates,
    max_late: int,
) -> DataFrame:
    """Events with their landing day, sort key, fault kind and fields as written when valid."""
    pid, day, hour, k = F.col("pid"), F.col("day"), F.col("hour"), F.col("k")
    hashed = events
    for i in range(4):
        hashed = hashed.withColumn(f"_h{i}", hash_column(f"line{i}", seed, pid, day, hour, k))
    (u_late, u_lag, u_ms), (u_fmt, uf, uv), (u_type, u_msisdn, u_imei), (u_ws, u_file, _) = [
        thirds(F.col(f"_h{i}")) for i in range(4)
    ]
    lag = F.when(
        (u_late < rates.late_rate) & F.lit(max_late > 0), 1 + F.floor(u_lag * max(max_late, 1))
    )
    lag = F.coalesce(lag, F.lit(0)).cast("int")
    instant = F.col("start") + F.col("sec")
    wall = _wall_clock()
    landing_idx = F.col("day") + lag
    return hashed.select(
        "*",
        lag.alias("lag"),
        landing_idx.alias("landing_idx"),
        F.element_at(F.array(*map(F.lit, landing_dates)), landing_idx + 1).alias("landing"),
        (instant * 1000).alias("_t"),
        # unique per event (a person has at most one event per second): a total order
        F.shiftleft(instant - epoch0, 36).bitwiseOR(pid).alias("_order"),
        fault_kind(uf, rates).alias("kind"),
        _time_text(wall, instant, u_ms, u_fmt).alias("time_text"),
        wall.alias("wall"),
        event_type(u_type).alias("etype"),
        msisdn_text(u_msisdn).alias("msisdn"),
        F.when(u_imei < IMEI_EMPTY, F.lit("")).otherwise(F.col("imei")).alias("imei_text"),
        uv.alias("uv"),
        (u_ws < WHITESPACE_SHARE).alias("_pad"),
        u_file.alias("u_file"),
    )


def _wall_clock() -> Column:
    """The event's local wall-clock time YYYY-MM-DDTHH:MM:SS (no offset)."""
    sec = F.col("sec")
    return F.concat(
        F.col("date"),
        F.lit("T"),
        F.lpad(F.col("hour").cast("string"), 2, "0"),
        F.lit(":"),
        F.lpad(F.floor(F.pmod(sec, F.lit(3600)) / 60).cast("string"), 2, "0"),
        F.lit(":"),
        F.lpad(F.pmod(sec, F.lit(60)).cast("string"), 2, "0"),
    )


def _time_text(wall: Column, instant: Column, u_ms: Column, u_fmt: Column) -> Column:
    """ISO-8601 with the offset in force at the event (it changes within a fall-back bin), or
    epoch milliseconds for EPOCH_SHARE of the events."""
    iso = F.concat(wall, F.when(F.col("sec") < 3600, F.col("off1")).otherwise(F.col("off2")))
    epoch_ms = instant * 1000 + F.floor(u_ms * 1000)
    return F.when(u_fmt < EPOCH_SHARE, epoch_ms.cast("string")).otherwise(iso)


def msisdn_text(u: Column) -> Column:
    """The MSISDN in one of the mediation systems' formats, or empty."""
    digits = F.col("msisdn_digits")
    national = F.concat(
        F.lit("0"), F.substring(digits, 1, 4), F.lit(" "), F.substring(digits, 5, 6)
    )
    domestic = (
        F.when(u < 0.4, F.concat(F.lit("+44"), digits))
        .when(u < 0.7, national)
        .when(u < 0.9, F.concat(F.lit("44"), digits))
        .otherwise(F.lit(""))
    )
    roamer = F.when(u < 0.8, F.concat(F.col("roamer_cc"), digits)).otherwise(F.lit(""))
    return F.when(F.col("roamer_cc").isNotNull(), roamer).otherwise(domestic)


def landing_counts(lines: DataFrame) -> dict[str, dict[str, int]]:
    """Lines and injected faults per landing day (a small aggregate; Spark prunes the lines)."""
    rows = (
        lines.groupBy("landing")
        .agg(
            F.count("*").alias("lines"),
            *[F.count_if((F.col("kind") == kd) & (F.col("copy") == 0)).alias(kd) for kd in KINDS],
        )
        .collect()
    )
    return {
        r["landing"]: {"lines": r["lines"], **{kd: r[kd] for kd in KINDS}} for r in sorted(rows)
    }


# ---------------------------------------------------------------- files


def partition_keys(spark: SparkSession, n: int) -> list[int]:
    """For each target partition j < n an int whose Murmur3 hash puts it in partition j, so
    `repartition(n, key)` sends each (landing day, file) to a task of its own."""
    found: dict[int, int] = {}
    limit = 64 * n
    while len(found) < n:
        cand = spark.range(0, limit).select(F.col("id").cast("int").alias("x"))
        part = F.pmod(F.hash("x"), F.lit(n)).alias("p")
        rows = cand.groupBy(part).agg(F.min("x").alias("x")).collect()
        found = {r["p"]: r["x"] for r in rows}
        limit *= 4
    return [found[j] for j in range(n)]


def write_landing(spark: SparkSession, lines: DataFrame, landing: Path, files_per_day: int) -> None:
    """Write gzip CSV files per landing day, each with the header, lines in a stable order.

    Every task of a partitioned write makes one file per landing day, so `files_per_day`
    tasks make exactly that many files: the event partitions are coalesced when there are
    enough of them (no shuffle), else spread by a hash-free key over `files_per_day` tasks.
    """
    if lines.rdd.getNumPartitions() >= files_per_day:
        spread = lines.coalesce(files_per_day)
    else:
        keys = partition_keys(spark, files_per_day)
        target = F.floor(F.col("u_file") * files_per_day)
        pkey = F.element_at(F.array(*map(F.lit, keys)), (target + 1).cast("int"))
        spread = lines.withColumn("_p", pkey).repartition(files_per_day, "_p")
    out = spread.sortWithinPartitions("landing", "_order").select(
        F.col("landing").alias("date"), HEADER
    )
    path = landing / "events"
    hadoop = spark.sparkContext._jsc.hadoopConfiguration()
    level = hadoop.get("zlib.compress.level")
    hadoop.set("zlib.compress.level", "BEST_SPEED")  # deflate is the write's main cost
    try:
        (
            out.write.mode("overwrite")
            .partitionBy("date")
            .option("header", True)
            .option("compression", "gzip")
            .option("sep", "\u0001")  # the single column holds whole lines: never split or quote
            .option("quote", "\u0000")
            .option("escapeQuotes", False)
            .option("ignoreLeadingWhiteSpace", False)
            .option("ignoreTrailingWhiteSpace", False)
            .csv(str(path))
        )
    finally:
        if level is None:
            hadoop.unset("zlib.compress.level")
        else:
            hadoop.set("zlib.compress.level", level)
    _tidy_landing(path)


def _tidy_landing(path: Path) -> None:
    """Stable file names (part-00000.csv.gz ...) and no Spark bookkeeping files."""
    for junk in list(path.rglob("*.crc")) + list(path.glob("_SUCCESS")):
        junk.unlink()
    for folder in sorted(p for p in path.glob("date=*") if p.is_dir()):
        for i, f in enumerate(sorted(folder.glob("part-*.csv.gz"))):
            f.rename(folder / f"part-{i:05d}.csv.gz")
