"""The event process: when, where and of which type the subscribers' phones make events.

For every local hour bin (METHOD 2) a subscriber or inbound roamer spends in an area, the event
count is geometric (an overdispersed Poisson) with mean HOUR_PROFILE[hour] x ACTIVITY_SCALE x
the person's activity x the bin's share of an hour, capped at MAX_PER_HOUR; the events are
spread over the bin one per stratum (no two share a second) and each is served by a cell of the
area drawn uniformly among those valid that day. The rows are true events; how they are written
to the landing zone (formats, lateness, faults) is `footfall.synthetic.landing`'s business.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.synthetic.draws import hash_column, thirds, uniform
from footfall.synthetic.schedule import area_at

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


def subscriber_events(person_day_bins: DataFrame, cells: DataFrame, seed: int) -> DataFrame:
    """One row per event of a subscriber or roamer while present: a geometric (overdispersed
    Poisson-like) count per local hour bin, spread over the bin so no two share a second."""
    hours = _present_hours(person_day_bins)
    return _placed(_counted(hours, seed), cells, seed)


def _present_hours(person_day_bins: DataFrame) -> DataFrame:
    """One row per hour bin of a phone-carrying person-day, with the area of that hour."""
    rows = person_day_bins.where(F.col("is_subscriber") | F.col("is_roamer")).select(
        "*", F.explode("bins").alias("b")
    )
    return rows.select(
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
        area_at(F.col("b.hour")).alias("area"),
    )


def _counted(hours: DataFrame, seed: int) -> DataFrame:
    """Hours with events: `n` events (geometric, capped), one row per event k < n."""
    pid, day, hour = F.col("pid"), F.col("day"), F.col("hour")
    lam = (
        F.element_at(F.array(*map(F.lit, HOUR_PROFILE)), hour + 1)
        * F.lit(ACTIVITY_SCALE)
        * F.col("activity")
        * F.col("seconds")
        / 3600.0
    )
    n = F.floor(F.log(1.0 - uniform("count", seed, pid, day, hour)) / F.log(lam / (1.0 + lam)))
    rows = hours.withColumn("n", F.least(n, F.lit(MAX_PER_HOUR)).cast("int")).where(F.col("n") > 0)
    return rows.withColumn("k", F.explode(F.sequence(F.lit(0), F.col("n") - 1)))


def _placed(events: DataFrame, cells: DataFrame, seed: int) -> DataFrame:
    """Each event's second in its bin (`sec`, the k-th of n strata) and its serving cell."""
    pid, day, hour, k = F.col("pid"), F.col("day"), F.col("hour"), F.col("k")
    rows = events.withColumn("_h0", hash_column("event0", seed, pid, day, hour, k))
    u_sec, u_cell, _ = thirds(F.col("_h0"))
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
