"""`footfall generate`: synthetic national data (reference files, landing events, ground truth).

The world (areas, cells, people and their days) comes from `footfall.synthetic.world`. Here the
subscribers' days become events, events become landing lines with late arrivals and the faults
of every METHOD 3 quarantine reason, and the truth of the whole population is written beside.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import shutil
from pathlib import Path

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core import tables
from footfall.core.config import Config
from footfall.core.errors import UserError
from footfall.synthetic import world as W

log = logging.getLogger(__name__)

HEADER = tables.LANDING_HEADER
# mean events per present local hour (before the subscriber's activity), by hour 0..23
HOUR_PROFILE = (0.25,) * 6 + (0.6, 1.4, 1.4) + (1.6,) * 8 + (1.9,) * 4 + (1.5, 0.9, 0.9)
ACTIVITY_SCALE = 1.15  # with the activity mix, about 35 events per subscriber-day
MAX_PER_HOUR = 40
EVENT_TYPE_SHARES = (
    ("data", 0.30),
    ("location_update", 0.15),
    ("call_in", 0.10),
    ("call_out", 0.10),
    ("sms_in", 0.12),
    ("sms_out", 0.12),
    ("handover", 0.11),
)
EPOCH_SHARE = 0.25  # event times written as epoch milliseconds rather than ISO-8601
WHITESPACE_SHARE = 0.01  # valid rows with spaces around fields (ingest trims them)
IMEI_EMPTY = 0.03
BAD_EVENT_TYPES = ("SMS_IN", "fax", "Data", "call", "mms_out")
UNKNOWN_LAC = 9999  # no cell of cells.csv has this LAC
DUPLICATE = "duplicate"
KINDS = (*C.QUARANTINE_REASONS, DUPLICATE)


# ---------------------------------------------------------------- events (Spark)


def subscriber_events(pd: DataFrame, cells: DataFrame, seed: int) -> DataFrame:
    """One row per event of a subscriber or roamer while present: a geometric (overdispersed
    Poisson-like) count per local hour bin, spread over the bin so no two share a second."""
    rows = pd.where(F.col("is_subscriber") | F.col("is_roamer")).select(
        "*", F.explode("bins").alias("b")
    )
    rows = rows.select(
        "pid",
        "day",
        "date",
        "imsi",
        "roamer_cc",
        "msisdn_digits",
        "imei",
        "activity",
        F.col("b.hour").alias("hour"),
        F.col("b.start").alias("start"),
        F.col("b.seconds").alias("seconds"),
        F.col("b.off1").alias("off1"),
        F.col("b.off2").alias("off2"),
        W.area_at(F.col("b.hour")).alias("area"),
    )
    pid, day, hour = F.col("pid"), F.col("day"), F.col("hour")
    lam = (
        F.element_at(F.array(*map(F.lit, HOUR_PROFILE)), hour + 1)
        * F.lit(ACTIVITY_SCALE)
        * F.col("activity")
        * F.col("seconds")
        / 3600.0
    )
    n = F.floor(F.log(1.0 - W.uniform("count", seed, pid, day, hour)) / F.log(lam / (1.0 + lam)))
    rows = rows.withColumn("n", F.least(n, F.lit(MAX_PER_HOUR)).cast("int")).where(F.col("n") > 0)
    rows = rows.withColumn("k", F.explode(F.sequence(F.lit(0), F.col("n") - 1)))
    k = F.col("k")
    rows = rows.withColumn("_h0", W.hash_column("event0", seed, pid, day, hour, k))
    u_sec, u_cell, _ = W.thirds(F.col("_h0"))
    sec = F.floor((k + u_sec) * F.col("seconds") / F.col("n"))
    rows = rows.withColumn("sec", sec.cast("int")).join(F.broadcast(cells), ["day", "area"], "left")
    cell = F.element_at(F.col("cells"), (F.floor(u_cell * F.size("cells")) + 1).cast("int"))
    return rows.withColumn(C.CELL_ID, cell).drop("cells", "_h0")


def event_type(u: Column) -> Column:
    """One of the seven event types with the shares of EVENT_TYPE_SHARES."""
    out, edge = None, 0.0
    for name, share in EVENT_TYPE_SHARES[:-1]:
        edge += share
        out = F.when(u < edge, F.lit(name)) if out is None else out.when(u < edge, F.lit(name))
    return out.otherwise(F.lit(EVENT_TYPE_SHARES[-1][0]))


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


def landing_lines(
    events: DataFrame,
    seed: int,
    landing_dates: list[str],
    epoch0: int,
    late_rate: float,
    max_late: int,
    fault_rate: float,
    duplicate_rate: float,
    invalid_cell: Column,
) -> DataFrame:
    """Landing day, fault kind and CSV line of every event (a duplicated event gives two
    lines); landing_dates[i] is the landing day of day index i, epoch0 the first local midnight
    (epoch seconds), the origin of the lines' sort key."""
    pid, day, hour, k = F.col("pid"), F.col("day"), F.col("hour"), F.col("k")
    hashed = events
    for i in range(4):
        hashed = hashed.withColumn(f"_h{i}", W.hash_column(f"line{i}", seed, pid, day, hour, k))
    (u_late, u_lag, u_ms), (u_fmt, uf, uv), (u_type, u_msisdn, u_imei), (u_ws, u_file, _) = [
        W.thirds(F.col(f"_h{i}")) for i in range(4)
    ]
    lag = F.when((u_late < late_rate) & F.lit(max_late > 0), 1 + F.floor(u_lag * max(max_late, 1)))
    lag = F.coalesce(lag, F.lit(0)).cast("int")
    instant = F.col("start") + F.col("sec")
    sec = F.col("sec")
    wall = F.concat(
        F.col("date"),
        F.lit("T"),
        F.lpad(hour.cast("string"), 2, "0"),
        F.lit(":"),
        F.lpad(F.floor(F.pmod(sec, F.lit(3600)) / 60).cast("string"), 2, "0"),
        F.lit(":"),
        F.lpad(F.pmod(sec, F.lit(60)).cast("string"), 2, "0"),
    )
    iso = F.concat(wall, F.when(sec < 3600, F.col("off1")).otherwise(F.col("off2")))
    epoch_ms = instant * 1000 + F.floor(u_ms * 1000)
    time_text = F.when(u_fmt < EPOCH_SHARE, epoch_ms.cast("string")).otherwise(iso)

    kind = F.lit("ok")
    n_reasons = len(C.QUARANTINE_REASONS)
    for i, name in reversed(list(enumerate(KINDS))):
        edge = (
            (i + 1) * fault_rate if name != DUPLICATE else n_reasons * fault_rate + duplicate_rate
        )
        kind = F.when(uf < edge, F.lit(name)).otherwise(kind)
    landing_idx = F.col("day") + lag
    ev = hashed.select(
        "*",
        lag.alias("lag"),
        landing_idx.alias("landing_idx"),
        F.element_at(F.array(*map(F.lit, landing_dates)), landing_idx + 1).alias("landing"),
        (instant * 1000).alias("_t"),
        # unique per event (a person has at most one event per second): a total order
        F.shiftleft(instant - epoch0, 36).bitwiseOR(pid).alias("_order"),
        kind.alias("kind"),
        time_text.alias("time_text"),
        wall.alias("wall"),
        event_type(u_type).alias("etype"),
        msisdn_text(u_msisdn).alias("msisdn"),
        F.when(u_imei < IMEI_EMPTY, F.lit("")).otherwise(F.col("imei")).alias("imei_text"),
        uv.alias("uv"),
        (u_ws < WHITESPACE_SHARE).alias("_pad"),
        u_file.alias("u_file"),
    )
    is_ = {name: F.col("kind") == name for name in KINDS}
    uv = F.col("uv")
    day_ms = F.lit(86_400_000)
    # shifts by whole days with a day's margin either side, so a DST hour cannot undo them
    future = F.col("_t") + (F.col("lag") + 2 + F.floor(uv * 6)) * day_ms
    past = F.col("_t") - (max_late + 2 + F.floor(uv * 6)) * day_ms
    imsi = (
        F.when(is_["bad_imsi"] & (uv < 0.5), F.substring("imsi", 1, 14))
        .when(is_["bad_imsi"], F.concat(F.substring("imsi", 1, 12), F.lit("A7B")))
        .otherwise(F.col("imsi"))
    )
    time = (
        F.when(is_["bad_time"] & (uv < 0.4), F.col("wall"))  # ISO without offset: ambiguous
        .when(is_["bad_time"] & (uv < 0.7), F.lit("not-a-time"))
        .when(is_["bad_time"], F.lit(""))
        .when(is_["out_of_window"] & (uv < 0.5), future.cast("string"))
        .when(is_["out_of_window"], past.cast("string"))
        .otherwise(F.col("time_text"))
    )
    etype = F.when(is_["bad_event_type"], W.pick(BAD_EVENT_TYPES, uv)).otherwise(F.col("etype"))
    fake_cell = F.concat(
        F.lit(f"{W.OPERATOR}-{UNKNOWN_LAC}-"), (1 + F.pmod(pid, F.lit(500))).cast("string")
    )
    cell = (
        F.when(is_["unknown_cell"] & (uv < 0.5) & invalid_cell.isNotNull(), invalid_cell)
        .when(is_["unknown_cell"], fake_cell)
        .otherwise(F.col(C.CELL_ID))
    )
    pad = (F.col("kind") == "ok") & F.col("_pad")
    fields = [
        F.when(pad, F.concat(F.lit(" "), imsi, F.lit("  "))).otherwise(imsi),
        F.col("msisdn"),
        F.col("imei_text"),
        time,
        F.when(pad, F.concat(F.lit("  "), cell)).otherwise(cell),
        F.when(pad, F.concat(etype, F.lit(" "))).otherwise(etype),
    ]
    broken = [fields[0], F.concat(F.lit('"'), fields[1]), *fields[2:]]
    line = (
        F.when(is_["malformed"] & (uv < 0.34), F.concat_ws(",", *fields[:2], *fields[3:]))  # 5
        .when(is_["malformed"] & (uv < 0.67), F.concat_ws(",", *fields, F.lit("x")))  # 7 fields
        .when(is_["malformed"], F.concat_ws(",", *broken))  # an unclosed quote
        .otherwise(F.concat_ws(",", *fields))
    )
    copies = F.when(is_[DUPLICATE], F.array(F.lit(0), F.lit(1))).otherwise(F.array(F.lit(0)))
    return ev.select(
        "landing_idx",
        "landing",
        "kind",
        "_order",
        "u_file",
        line.alias(HEADER),
        F.explode(copies).alias("copy"),
    )


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


# ---------------------------------------------------------------- reference files (driver, small)


def write_areas(path: Path, areas: list[W.Area]) -> None:
    """areas.csv: the census population is the number of synthetic residents."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([C.AREA_ID, C.AREA_NAME, C.DISTRICT_ID, C.REGION_ID, C.POPULATION])
        w.writerows([a.area_id, a.name, a.district_id, a.region_id, a.population] for a in areas)


def write_cells(path: Path, cells: list[W.Cell], areas: list[W.Area]) -> None:
    """cells.csv with every version of every cell (empty valid_to = still valid)."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([C.CELL_ID, C.AREA_ID, C.LAT, C.LON, C.VALID_FROM, C.VALID_TO])
        for c in cells:
            to = c.valid_to.isoformat() if c.valid_to else ""
            w.writerow(
                [c.cell_id, areas[c.area_idx].area_id, c.lat, c.lon, c.valid_from.isoformat(), to]
            )


def cells_by_day(spark: SparkSession, cells: list[W.Cell], start: dt.date, days: int) -> DataFrame:
    """(day, area, cells): the cell ids valid in each area on each generated local date."""
    rows = []
    for i in range(days):
        d = start + dt.timedelta(days=i)
        valid: dict[int, list[str]] = {}
        for c in cells:
            if c.valid_from <= d and (c.valid_to is None or d <= c.valid_to):
                valid.setdefault(c.area_idx, []).append(c.cell_id)
        rows += [(i, a, sorted(ids)) for a, ids in sorted(valid.items())]
    return spark.createDataFrame(rows, "day int, area int, cells array<string>")


def _single_csv(df: DataFrame, target: Path) -> None:
    """Write a small frame as one CSV file with a header (via Spark, so no driver collect)."""
    tmp = target.with_name(f".{target.name}.tmp")
    df.coalesce(1).write.mode("overwrite").option("header", True).csv(str(tmp))
    part = next(tmp.glob("part-*.csv"))
    shutil.move(str(part), str(target))
    shutil.rmtree(tmp)


# ---------------------------------------------------------------- ground truth (Spark)


def area_ids(areas: list[W.Area]) -> callable:
    """Column -> Column mapping an area index to its area_id (a folded literal array)."""
    lookup = F.array(*[F.lit(a.area_id) for a in areas])
    return lambda idx: F.element_at(lookup, (idx + 1).cast("int"))


def presence_hourly(pdb: DataFrame, area_id: callable) -> DataFrame:
    """True people (whole population, roamers included) per local date, hour bin and area."""
    hours = pdb.select("*", F.explode(F.col("bins.hour")).alias(C.HOUR))
    return (
        hours.select("date", C.HOUR, W.area_at(F.col(C.HOUR)).alias("area"))
        .groupBy("date", C.HOUR, "area")
        .agg(F.count("*").alias("people"))
        .select(
            F.to_date("date").alias(C.DATE),
            C.HOUR,
            area_id(F.col("area")).alias(C.AREA_ID),
            "people",
        )
    )


def presence_daily(pd: DataFrame, area_id: callable) -> DataFrame:
    """True people present in an area at any hour of a local date."""
    return (
        pd.select("date", F.explode(W.day_areas()).alias("area"))
        .groupBy("date", "area")
        .agg(F.count("*").alias("people"))
        .select(F.to_date("date").alias(C.DATE), area_id(F.col("area")).alias(C.AREA_ID), "people")
    )


def _parquet(df: DataFrame, path: Path) -> None:
    df.coalesce(1).write.mode("overwrite").parquet(str(path))


def _json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=2, default=str) + "\n")


# ---------------------------------------------------------------- the job


def _check(cfg: Config, subscribers: int, days: int) -> None:
    """Value checks of the generate.* keys; each failure names the key to fix."""
    if subscribers < 1 or days < 1:
        raise UserError("generate needs --subscribers >= 1 and --days >= 1")
    for key in ("generate.regions", "generate.districts_per_region", "generate.areas_per_district"):
        if cfg[key] < 1:
            raise UserError(f"{key} must be >= 1")
    if cfg["generate.files_per_day"] < 1:
        raise UserError("generate.files_per_day must be >= 1")
    for key in ("generate.roamer_share", "generate.duplicate_rate", "generate.late_rate"):
        if not 0 <= cfg[key] <= 1:
            raise UserError(f"{key} must be between 0 and 1")
    if len(C.QUARANTINE_REASONS) * cfg["generate.fault_rate"] + cfg["generate.duplicate_rate"] > 1:
        raise UserError("generate.fault_rate x 6 + generate.duplicate_rate must be <= 1")
    if cfg["generate.intervention_uplift"] < 0:
        raise UserError("generate.intervention_uplift must be >= 0")


def run_generate(
    spark: SparkSession,
    cfg: Config,
    out: Path,
    subscribers: int,
    days: int,
    start: dt.date,
    seed: int,
) -> dict:
    """Write reference files, landing events and ground truth under `out`; return a summary."""
    _check(cfg, subscribers, days)
    out = Path(out).expanduser().resolve()
    reference, truth, landing = out / "reference", out / "ground_truth", out / "landing"
    for folder in (reference, truth, landing):
        folder.mkdir(parents=True, exist_ok=True)
    max_late = cfg["ingest.max_lateness_days"]

    areas = W.build_areas(
        cfg["generate.regions"],
        cfg["generate.districts_per_region"],
        cfg["generate.areas_per_district"],
        subscribers,
        seed,
    )
    ids = [a.area_id for a in areas]
    iv_area, iv_date = cfg["generate.intervention_area"], cfg["generate.intervention_date"]
    if iv_area and iv_area not in ids:
        raise UserError(
            f"generate.intervention_area {iv_area} is not a generated area "
            f"({ids[0]} .. {ids[-1]}); choose one of them or leave it empty"
        )
    cells, cell_info = W.build_cells(areas, start, days, seed)
    write_areas(reference / "areas.csv", areas)
    write_cells(reference / "cells.csv", cells, areas)
    n_subs = sum(a.subscribers for a in areas)
    roamers = round(cfg["generate.roamer_share"] * n_subs)
    log.info(
        "generate: %d areas, %d cell versions, %d people, %d subscribers, %d roamers, "
        "%d days from %s",
        len(areas),
        len(cells),
        sum(a.population for a in areas),
        n_subs,
        roamers,
        days,
        start,
    )

    gravity = spark.createDataFrame(
        W.gravity_rows(areas), "kind string, origin int, lo double, hi double, dest int"
    )
    bins = W.day_bins(start, days, cfg.zone)
    day_df = spark.createDataFrame(bins, W.DAYS_SCHEMA)
    people = W.people_frame(spark, areas, roamers, days, gravity, seed).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    base = W.person_days(people, day_df, gravity, seed).persist(StorageLevel.MEMORY_AND_DISK)
    pd, intervention = _intervene(base, areas, iv_area, iv_date, start, days, cfg, seed)
    pd = pd.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        area_id = area_ids(areas)
        log.info("generate: writing ground truth to %s", truth)
        homes = people.where(F.col("is_subscriber") | F.col("is_roamer")).select(
            C.IMSI,
            F.substring(C.IMSI, 1, 3).alias(C.MCC),
            "is_roamer",
            F.when(~F.col("is_roamer"), area_id(F.col("home"))).alias(C.HOME_AREA_ID),
        )
        _parquet(homes, truth / "homes")
        log.info("generate: wrote %s", truth / "homes")
        residents = (
            people.where(~F.col("is_roamer"))
            .groupBy("home")
            .agg(F.count("*").alias("people"), F.count_if("is_subscriber").alias(C.SUBSCRIBERS))
            .select(area_id(F.col("home")).alias(C.AREA_ID), "people", C.SUBSCRIBERS)
        )
        _parquet(residents, truth / "residents")
        pdb = W.with_bins(pd, day_df)
        _parquet(presence_hourly(pdb, area_id), truth / "presence_hourly")
        log.info("generate: wrote %s", truth / "presence_hourly")
        _parquet(presence_daily(pd, area_id), truth / "presence_daily")
        _json(truth / "intervention.json", intervention)
        _single_csv(
            people.where("is_subscriber").select(C.IMSI, "age_band", "gender"),
            reference / "subscribers.csv",
        )

        log.info("generate: writing landing events to %s", landing / "events")
        change_idx = (cell_info["change_date"] - start).days
        invalid_cell = F.when(F.col("day") < change_idx, F.lit(cell_info["new"][0])).otherwise(
            F.lit(cell_info["decommissioned"][0])
        )
        n_landing = days + max_late
        landing_dates = [str(start + dt.timedelta(days=i)) for i in range(n_landing)]
        events = subscriber_events(pdb, cells_by_day(spark, cells, start, days), seed)
        lines = landing_lines(
            events,
            seed,
            landing_dates,
            bins[0][3][0][1],  # the first bin's start: the first local midnight
            cfg["generate.late_rate"],
            max_late,
            cfg["generate.fault_rate"],
            cfg["generate.duplicate_rate"],
            invalid_cell,
        )
        write_landing(spark, lines, landing, cfg["generate.files_per_day"])
        log.info("generate: counting lines and injected faults per landing day")
        counts = landing_counts(lines)
    finally:
        pd.unpersist()
        base.unpersist()
        people.unpersist()

    total = {kd: sum(c[kd] for c in counts.values()) for kd in ("lines", *KINDS)}
    faults = {
        "rates": {k: cfg[f"generate.{k}"] for k in ("fault_rate", "duplicate_rate", "late_rate")},
        "note": "per landing day: lines written, injected rows per quarantine reason, and "
        "duplicated rows (each written twice, so 'duplicate' extra lines)",
        "by_landing_date": counts,
        "total": total,
    }
    _json(truth / "faults.json", faults)
    events_n = total["lines"] - total[DUPLICATE]
    summary = {
        "people": sum(a.population for a in areas),
        "subscribers": n_subs,
        "roamers": roamers,
        "areas": len(areas),
        "cell_versions": len(cells),
        "days": days,
        "start": start.isoformat(),
        "seed": seed,
        "events": events_n,
        "lines": total["lines"],
        "events_per_subscriber_day": round(events_n / max(1, n_subs * days), 1),
        "landing_days": len(counts),
        "intervention_uplift": intervention.get("uplift"),
    }
    _json(truth / "summary.json", summary)
    log.info(
        "generate: %d events in %d lines over %d landing days",
        events_n,
        total["lines"],
        len(counts),
    )
    return {
        **summary,
        "landing": str(landing / "events"),
        "reference": str(reference),
        "ground_truth": str(truth),
    }


def _intervene(
    base: DataFrame,
    areas: list[W.Area],
    iv_area: str | None,
    iv_date: dt.date | None,
    start: dt.date,
    days: int,
    cfg: Config,
    seed: int,
) -> tuple[DataFrame, dict]:
    """Person-days with the configured intervention injected, and intervention.json's content."""
    uplift = cfg["generate.intervention_uplift"]
    end = start + dt.timedelta(days=days - 1)
    if not iv_area or iv_date is None or not start <= iv_date <= end:
        if iv_area:
            log.warning(
                "generate: intervention date %s is outside %s .. %s; none injected",
                iv_date,
                start,
                end,
            )
        return base, {"area_id": iv_area, "date": iv_date, "uplift": 0.0, "injected": False}
    idx = next(a.idx for a in areas if a.area_id == iv_area)
    region_of = {a.idx: a.region_idx for a in areas}
    pd, per_day = W.add_intervention(base, idx, region_of, (iv_date - start).days, uplift, seed)
    cf = sum(d["counterfactual"] for d in per_day)
    added = sum(d["added"] for d in per_day)
    realised = added / cf if cf else 0.0
    log.info(
        "generate: intervention %s from %s: %d extra visits, uplift %.4f",
        iv_area,
        iv_date,
        added,
        realised,
    )
    return pd, {
        "area_id": iv_area,
        "date": iv_date,
        "uplift": round(realised, 6),
        "configured_uplift": uplift,
        "injected": True,
        "definition": "realised relative change of true daily presence in the area versus the "
        "no-intervention counterfactual, summed over the days from `date` on",
        "days": per_day,
    }
