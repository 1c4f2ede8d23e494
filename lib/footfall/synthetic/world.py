"""The synthetic world behind `footfall generate`: geography, cells, people and their days.

Small things (areas, cells, gravity tables, local hour bins) are built on the driver with a
seeded `random.Random`; everything person- or event-sized is a Spark plan of built-in functions
whose every random draw is a hash of (tag, seed, ids), so values never depend on partitioning.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

OPERATOR = "234-10"  # MCC-MNC of the operator's cells
DOMESTIC_PREFIXES = ("23410", "23591")  # IMSI MCC+MNC of the operator's own subscribers
ROAMER_PREFIXES = ("20801", "26202", "31026", "22210", "21407")  # FR, DE, US, IT, ES
ROAMER_COUNTRY_CODES = ("33", "49", "1", "39", "34")
AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65+")
TACS = ("35332011", "35891603", "86753204", "35407115", "01326300")

MARKET_SHARE = (0.25, 0.45)  # regional share of people who are subscribers
WORKER_SHARE = 0.72  # of people under 65 (about 0.6 of all people)
WORKER_SHARE_65 = 0.08
DAY_OFF = 0.05  # a worker stays home on a weekday
VISIT_WEEKDAY, VISIT_WEEKEND, VISIT_ROAMER = 0.4, 0.6, 0.8
AWAY_NIGHT = 0.03  # a resident sleeps outside the home area that night
SCALE_KM = {"work": 8.0, "visit": 6.0, "night": 60.0}
TOP_DESTINATIONS = 40  # gravity destinations kept per origin (bounds the broadcast table)
NIGHT_FIRST, NIGHT_LAST = 22, 6  # METHOD 4 night hours 22..6
DAY_START, DAY_END = 7, 21
INTERVENTION_HOURS = 6  # an injected visit lasts an afternoon (see add_intervention)


def uniform(tag: str, seed: int, *cols: Column) -> Column:
    """A uniform in [0, 1) from xxhash64(tag, seed, cols): deterministic, partitioning-free."""
    h = F.xxhash64(F.lit(tag), F.lit(seed), *cols)
    return F.shiftrightunsigned(h, 11).cast("double") / float(1 << 53)


def hash_column(tag: str, seed: int, *cols: Column) -> Column:
    """xxhash64(tag, seed, cols), to be materialised once and split by `thirds`."""
    return F.xxhash64(F.lit(tag), F.lit(seed), *cols)


def thirds(h: Column) -> list[Column]:
    """Three independent uniforms in [0, 1) (21 bits each) from one 64-bit hash column:
    one hash instead of three on event-sized paths."""
    mask = F.lit((1 << 21) - 1)
    return [
        F.shiftrightunsigned(h, 21 * i).bitwiseAND(mask).cast("double") / float(1 << 21)
        for i in range(3)
    ]


def pick(values: tuple, u: Column) -> Column:
    """One of a few literal values, chosen uniformly by u."""
    return F.element_at(
        F.array(*[F.lit(v) for v in values]), (F.floor(u * len(values)) + 1).cast("int")
    )


# ---------------------------------------------------------------- geography (driver, small)


@dataclass(frozen=True)
class Area:
    idx: int
    area_id: str
    name: str
    district_id: str
    region_id: str
    region_idx: int
    district_no: int  # 1-based over the country, the cells' LAC is 1000 + district_no
    lat: float
    lon: float
    population: int
    subscribers: int
    first_pid: int  # residents are pids first_pid .. first_pid + population - 1


@dataclass(frozen=True)
class Cell:
    cell_id: str
    area_idx: int
    lat: float
    lon: float
    valid_from: dt.date
    valid_to: dt.date | None


_SYLLABLES = (
    "ash",
    "brook",
    "ford",
    "ham",
    "ley",
    "mere",
    "stow",
    "ton",
    "wick",
    "bury",
    "den",
    "field",
)


def _name(rng: random.Random) -> str:
    return (rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES)).capitalize()


def build_areas(
    regions: int, districts: int, areas_per_district: int, subscribers: int, seed: int
) -> list[Area]:
    """Areas with coordinates and census populations sized so subscribers ~ the target."""
    rng = random.Random(f"areas:{seed}")
    shares = (
        [sum(MARKET_SHARE) / 2]
        if regions == 1
        else [
            MARKET_SHARE[0] + (MARKET_SHARE[1] - MARKET_SHARE[0]) * r / (regions - 1)
            for r in range(regions)
        ]
    )
    rng.shuffle(shares)
    cols = math.ceil(math.sqrt(regions))
    rw, aw = max(2, len(str(regions))), max(2, len(str(districts * areas_per_district)))
    dw = max(2, len(str(districts)))
    raw = []
    for r in range(regions):
        rlat, rlon = 51.0 + (r // cols) * 0.9, -3.5 + (r % cols) * 1.3
        for d in range(districts):
            angle = 2 * math.pi * d / districts + rng.uniform(-0.3, 0.3)
            dlat, dlon = rlat + 0.22 * math.sin(angle), rlon + 0.32 * math.cos(angle)
            for a in range(areas_per_district):
                k = d * areas_per_district + a + 1
                weight = math.exp(rng.gauss(0, 0.5)) * (2.5 if a == 0 else 1.0)
                lat = dlat + (0 if a == 0 else rng.uniform(-0.06, 0.06))
                lon = dlon + (0 if a == 0 else rng.uniform(-0.09, 0.09))
                raw.append((r, d, k, weight, lat, lon))
    expected_share = sum(w * shares[r] for r, _, _, w, _, _ in raw) / sum(w for *_, w, _, _ in raw)
    people = subscribers / expected_share
    total_w = sum(w for *_, w, _, _ in raw)
    out, first = [], 0
    for idx, (r, d, k, w, lat, lon) in enumerate(raw):
        pop = max(10, round(people * w / total_w))
        out.append(
            Area(
                idx=idx,
                area_id=f"A{r + 1:0{rw}d}{k:0{aw}d}",
                name=f"{_name(rng)} {k}",
                district_id=f"D{r + 1:0{rw}d}{d + 1:0{dw}d}",
                region_id=f"R{r + 1:0{rw}d}",
                region_idx=r,
                district_no=r * districts + d + 1,
                lat=round(lat, 5),
                lon=round(lon, 5),
                population=pop,
                subscribers=round(pop * shares[r]),
                first_pid=first,
            )
        )
        first += pop
    return out


def distance_km(a: Area, b: Area) -> float:
    """Equirectangular distance: plenty for a synthetic country."""
    dx = (b.lon - a.lon) * 111.32 * math.cos(math.radians((a.lat + b.lat) / 2))
    dy = (b.lat - a.lat) * 110.57
    return math.hypot(dx, dy)


def build_cells(areas: list[Area], start: dt.date, days: int, seed: int) -> tuple[list[Cell], dict]:
    """Cells (3 to 5 per area), some re-planned, decommissioned or new mid-period."""
    rng = random.Random(f"cells:{seed}")
    first = start - dt.timedelta(days=30)
    change = start + dt.timedelta(days=max(1, days // 2))
    next_ci: dict[int, int] = {}

    def new_id(area: Area) -> str:
        next_ci[area.district_no] = next_ci.get(area.district_no, 0) + 1
        return f"{OPERATOR}-{1000 + area.district_no}-{next_ci[area.district_no]}"

    def jitter(area: Area) -> tuple[float, float]:
        return round(area.lat + rng.uniform(-0.01, 0.01), 5), round(
            area.lon + rng.uniform(-0.015, 0.015), 5
        )

    cells: list[Cell] = []
    for area in areas:
        for _ in range(3 + rng.randrange(3)):
            cells.append(Cell(new_id(area), area.idx, *jitter(area), first, None))
    n_special = max(1, len(areas) // 10)
    replanned, decommissioned, new = [], [], []
    for area in rng.sample(areas, min(n_special, len(areas))):
        # re-plan the area's first cell to the nearest other area (a neighbour)
        neighbour = min(
            (b for b in areas if b.idx != area.idx),
            key=lambda b: distance_km(area, b),
            default=None,
        )
        if neighbour is None:
            break
        i = next(i for i, c in enumerate(cells) if c.area_idx == area.idx)
        old = cells[i]
        cells[i] = Cell(
            old.cell_id, area.idx, old.lat, old.lon, first, change - dt.timedelta(days=1)
        )
        cells.append(Cell(old.cell_id, neighbour.idx, *jitter(neighbour), change, None))
        replanned.append(old.cell_id)
    for area in rng.sample(areas, min(max(1, len(areas) // 20), len(areas))):
        cell = Cell(new_id(area), area.idx, *jitter(area), first, change - dt.timedelta(days=1))
        cells.append(cell)
        decommissioned.append(cell.cell_id)
        cell = Cell(new_id(area), area.idx, *jitter(area), change, None)
        cells.append(cell)
        new.append(cell.cell_id)
    info = {
        "change_date": change,
        "replanned": replanned,
        "decommissioned": decommissioned,
        "new": new,
    }
    return cells, info


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


# ---------------------------------------------------------------- local time (driver, small)


def day_bins(start: dt.date, days: int, zone: str) -> list[tuple]:
    """(day, date, weekday, bins): each local day's hour bins (hour, utc start, seconds, offsets).

    A bin is a local clock hour: the spring-forward day has 23, the fall-back day's repeated
    hour is one 7200-second bin whose offset changes after its first 3600 seconds.
    """
    tz = ZoneInfo(zone)
    out = []
    for i in range(days):
        d = start + dt.timedelta(days=i)
        t = dt.datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(dt.timezone.utc)
        nxt = d + dt.timedelta(days=1)
        end = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz).astimezone(dt.timezone.utc)
        bins: dict[int, list] = {}
        while t < end:
            local = t.astimezone(tz)
            offset = _offset_text(local.utcoffset())
            if local.hour not in bins:
                bins[local.hour] = [local.hour, int(t.timestamp()), 0, offset, offset]
            bins[local.hour][2] += 3600
            bins[local.hour][4] = offset
            t += dt.timedelta(hours=1)
        out.append((i, d.isoformat(), d.weekday() < 5, [tuple(b) for b in bins.values()]))
    return out


def _offset_text(offset: dt.timedelta | None) -> str:
    minutes = int((offset or dt.timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


BIN = T.StructType(
    [
        T.StructField("hour", T.IntegerType()),
        T.StructField("start", T.LongType()),
        T.StructField("seconds", T.IntegerType()),
        T.StructField("off1", T.StringType()),
        T.StructField("off2", T.StringType()),
    ]
)
DAYS_SCHEMA = T.StructType(
    [
        T.StructField("day", T.IntegerType()),
        T.StructField("date", T.StringType()),
        T.StructField("weekday", T.BooleanType()),
        T.StructField("bins", T.ArrayType(BIN)),
    ]
)


# ---------------------------------------------------------------- people and days (Spark)


def choose(
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


def people_frame(
    spark: SparkSession, areas: list[Area], roamers: int, days: int, gravity: DataFrame, seed: int
) -> DataFrame:
    """One row per person: residents (home by census range, the first subscribers of each
    area's range are subscribers) then inbound roamers (a hotel area and a trip)."""
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
    people = people.join(F.broadcast(buckets), cond, "left").withColumn(
        "is_roamer", pid >= residents
    )
    people = choose(
        people,
        gravity,
        "hotel",
        F.when(F.col("is_roamer"), F.lit(-1)),
        uniform("hotel", seed, pid),
        "hotel",
    )
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
    age = pick(AGE_BANDS, uniform("age", seed, pid))
    worker = uniform("worker", seed, pid) < F.when(age == "65+", WORKER_SHARE_65).otherwise(
        WORKER_SHARE
    )
    u_act = uniform("activity", seed, pid)
    people = people.select(
        pid,
        "is_roamer",
        (~F.col("is_roamer") & (pid < F.col("sub_hi"))).alias("is_subscriber"),
        F.coalesce(F.col("home"), F.col("hotel")).alias("home"),
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
        age.alias("age_band"),
        pick(("F", "M"), uniform("gender", seed, pid)).alias("gender"),
        (worker & ~F.col("is_roamer")).alias("worker"),
        (8 + F.floor(uniform("ws", seed, pid) * 2)).cast("int").alias("ws"),
        (16 + F.floor(uniform("we", seed, pid) * 2)).cast("int").alias("we"),
        F.when(u_act < 0.2, 2.2).when(u_act < 0.7, 1.0).otherwise(0.5).alias("activity"),
        (F.floor(uniform("arrive", seed, pid) * (days + 3)) - 3).cast("int").alias("arrive"),
        (2 + F.floor(uniform("stay", seed, pid) * 6)).cast("int").alias("stay"),
    )
    people = choose(people, gravity, "work", F.col("home"), uniform("work", seed, pid), "_work")
    return people.withColumn("work_area", F.coalesce(F.col("_work"), F.col("home"))).drop("_work")


def _offset(seed: int, modulus: int) -> int:
    return random.Random(f"offset:{seed}:{modulus}").randrange(modulus)


def person_days(people: DataFrame, days: DataFrame, gravity: DataFrame, seed: int) -> DataFrame:
    """One row per person and day present in the country, with that day's schedule (hour bins
    are left out: they are joined back by `with_bins` where needed)."""
    pid, day = F.col("pid"), F.col("day")
    pd = people.crossJoin(F.broadcast(days.select("day", "date", "weekday"))).where(
        ~F.col("is_roamer") | day.between(F.col("arrive"), F.col("arrive") + F.col("stay") - 1)
    )
    work_on = F.col("worker") & F.col("weekday") & (uniform("day_off", seed, pid, day) >= DAY_OFF)
    p_visit = (
        F.when(F.col("is_roamer"), VISIT_ROAMER)
        .when(F.col("weekday"), VISIT_WEEKDAY)
        .otherwise(VISIT_WEEKEND)
    )
    vs = F.when(work_on, F.col("we") + 1 + F.floor(uniform("vs", seed, pid, day) * 3)).otherwise(
        10 + F.floor(uniform("vs", seed, pid, day) * 9)
    )
    length = F.floor(uniform("vlen", seed, pid, day) * 3)
    pd = pd.withColumn("work_on", work_on).withColumn("vs", vs.cast("int"))
    pd = pd.withColumn("ve", F.least(F.col("vs") + length.cast("int"), F.lit(DAY_END)))
    pd = pd.withColumn("visit_on", uniform("visit", seed, pid, day) < p_visit)
    pd = choose(pd, gravity, "visit", F.col("home"), uniform("vdest", seed, pid, day), "_visit")
    # a country of one area has no other destination: the visit stays home
    pd = pd.withColumn("visit_area", F.coalesce(F.col("_visit"), F.col("home"))).drop("_visit")
    # the night that starts on `day` (hours 22, 23) and the one that ends on it (hours 0..6)
    for side, night in (("late", day), ("early", day - 1)):
        away = ~F.col("is_roamer") & (uniform("away", seed, pid, night) < AWAY_NIGHT)
        pd = choose(
            pd,
            gravity,
            "night",
            F.when(away, F.col("home")),
            uniform("ndest", seed, pid, night),
            f"_{side}",
        )
        pd = pd.withColumn(f"{side}_area", F.coalesce(F.col(f"_{side}"), F.col("home"))).drop(
            f"_{side}"
        )
    return pd.drop("arrive", "stay", "worker", "weekday")


def with_bins(pd: DataFrame, days: DataFrame) -> DataFrame:
    """Person-days with their day's local hour bins."""
    return pd.join(F.broadcast(days.select("day", "bins")), "day")


def area_at(hour: Column) -> Column:
    """The area a person-day row is in at a local hour."""
    h = hour
    return (
        F.when(h <= NIGHT_LAST, F.col("early_area"))
        .when(h >= NIGHT_FIRST, F.col("late_area"))
        .when(F.col("work_on") & h.between(F.col("ws"), F.col("we")), F.col("work_area"))
        .when(F.col("visit_on") & h.between(F.col("vs"), F.col("ve")), F.col("visit_area"))
        .otherwise(F.col("home"))
    )


def day_areas() -> Column:
    """The distinct areas a person-day row visits (the areas `area_at` takes over the day).

    Hour 7 is always at home (work starts at 8, visits at 10 or later) and exists on every day
    of zones whose clocks change at night, so the day's areas are known without its hours
    (a higher-order function over the hour bins would run interpreted, ~50x slower)."""
    return F.array_distinct(
        F.array_compact(
            F.array(
                F.col("early_area"),
                F.col("home"),
                F.when(F.col("work_on"), F.col("work_area")),
                F.when(F.col("visit_on"), F.col("visit_area")),
                F.col("late_area"),
            )
        )
    )


def add_intervention(
    pd: DataFrame,
    area_idx: int,
    region_of: dict[int, int],
    from_day: int,
    uplift: float,
    seed: int,
) -> tuple[DataFrame, list[dict]]:
    """Extra visits to one area from `from_day` on: each day, round(uplift x counterfactual
    daily presence) residents of its region who were not there that day (and did not work, had
    no other visit, and sleep at home) spend an afternoon there (INTERVENTION_HOURS from 11, 12
    or 13), so no other area's daily presence changes. Returns the new person-days and per-day
    counts (counterfactual, added).

    The visits are long on purpose: footfall counts a person in a day only if they have an
    event there, and a 1-3 hour visit goes unseen for ~1 in 4 subscribers, while residents and
    workers are almost always seen. An uplift made of short visits is therefore measured low
    by that detection gap (README "Measuring an intervention"); afternoon-long visits are seen
    as reliably as the area's usual population, so the demo can check its estimator."""
    pid, day = F.col("pid"), F.col("day")
    same_region = [a for a, r in region_of.items() if r == region_of[area_idx] and a != area_idx]
    candidate = (
        ~F.col("is_roamer")
        & F.col("home").isin(same_region)
        & ~F.col("visit_on")
        & ~F.col("work_on")
        & (F.col("early_area") == F.col("home"))
        & (F.col("late_area") == F.col("home"))
        & ~F.array_contains(day_areas(), area_idx)
    )
    counts = (
        pd.where(day >= from_day)
        .groupBy("day", "date")
        .agg(
            F.count_if(F.array_contains(day_areas(), area_idx)).alias("cf"),
            F.count_if(candidate).alias("pool"),
        )
        .collect()
    )
    wanted = {r["day"]: (r["date"], r["cf"], round(uplift * r["cf"]), r["pool"]) for r in counts}
    if not wanted or uplift <= 0:
        return pd, [
            {"date": d, "counterfactual": cf, "added": 0} for d, cf, _, _ in wanted.values()
        ]
    # pre-filter with a margin, then keep the n smallest draws per day: no sort of all people
    q = F.lit(1.0)
    need = F.lit(0)
    for d, (_, _, n, pool) in wanted.items():
        q = F.when(day == d, min(1.0, (3 * n + 50) / max(pool, 1))).otherwise(q)
        need = F.when(day == d, n).otherwise(need)
    u = uniform("intervention", seed, pid, day)
    chosen = (
        pd.where((day >= from_day) & candidate & (u < q))
        .select(pid, day, u.alias("_u"), need.alias("_need"))
        .withColumn("_rank", F.row_number().over(_by_day()))
        .where(F.col("_rank") <= F.col("_need"))
        .select(pid, day, F.lit(True).alias("_extra"))
    )
    added = {r["day"]: r["count"] for r in chosen.groupBy("day").count().collect()}
    extra = F.coalesce(F.col("_extra"), F.lit(False))
    start = 11 + F.floor(uniform("intervention_start", seed, pid, day) * 3).cast("int")
    pd = (
        pd.join(chosen, ["pid", "day"], "left")
        .withColumn("visit_on", F.col("visit_on") | extra)
        .withColumn("visit_area", F.when(extra, F.lit(area_idx)).otherwise(F.col("visit_area")))
        .withColumn("vs", F.when(extra, start).otherwise(F.col("vs")))
        .withColumn(
            "ve",
            F.when(extra, F.least(start + INTERVENTION_HOURS - 1, F.lit(DAY_END))).otherwise(
                F.col("ve")
            ),
        )
        .drop("_extra")
    )
    days = [
        {"date": d, "counterfactual": cf, "added": int(added.get(k, 0))}
        for k, (d, cf, _, _) in wanted.items()
    ]
    return pd, sorted(days, key=lambda r: r["date"])


def _by_day():
    from pyspark.sql.window import Window

    return Window.partitionBy("day").orderBy("_u", "pid")
