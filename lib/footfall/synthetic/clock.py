"""Local time of the synthetic days: each local date's clock-hour bins in `time.zone` (METHOD 2).

Built on the driver (a few rows per day), then broadcast to person-days. Daylight saving is
modelled as METHOD 2 counts it: the spring-forward day has 23 bins, the fall-back day's
repeated hour is one bin of two clock hours.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pyspark.sql import types as T

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


def day_bins(start: dt.date, days: int, zone: str) -> list[tuple]:
    """(day, date, weekday, bins): each local day's hour bins (hour, utc start, seconds, offsets).

    A bin is a local clock hour: the spring-forward day has 23, the fall-back day's repeated
    hour is one 7200-second bin whose offset changes after its first 3600 seconds.
    """
    tz = ZoneInfo(zone)
    out = []
    for i in range(days):
        d = start + dt.timedelta(days=i)
        out.append((i, d.isoformat(), d.weekday() < 5, _hour_bins(d, tz)))
    return out


def _hour_bins(d: dt.date, tz: ZoneInfo) -> list[tuple]:
    """The local date's bins (hour, utc start, seconds, offset at start, offset at end)."""
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
    return [tuple(b) for b in bins.values()]


def first_midnight(days: list[tuple]) -> int:
    """Epoch seconds of the first day's local midnight (the start of its first bin)."""
    return days[0][3][0][1]


def _offset_text(offset: dt.timedelta | None) -> str:
    minutes = int((offset or dt.timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
