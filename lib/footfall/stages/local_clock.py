"""Local clock arithmetic for a time zone (METHOD 2): where local hours start, the zone's UTC
offsets as a step function of the instant, and the local date and hour of an instant.

Found once on the driver with `zoneinfo`, then applied per row as integer arithmetic on
microseconds since the epoch (`unix_micros`): no time-zone rules run per row. A test checks the
result against Spark's `from_utc_timestamp` over DST days.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pyspark.sql import Column
from pyspark.sql import functions as F

MINUTE_US = 60_000_000
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class HourMarks:
    """Where local hour bins can begin, as UTC instants: every `step_us` from `phase_us`."""

    step_us: int
    phase_us: int


def hour_marks(zone: str, first: dt.date, last: dt.date) -> HourMarks:
    """The UTC instants at which a local hour can start in zone between first and last.

    With one offset residue (minutes past the hour) all local hours start at UTC instants of
    that phase, an hour apart: `:00` for Europe/London (its DST changes fall on UTC hours too),
    `:30` for Asia/Kolkata and for Australia/Adelaide (+9:30 and +10:30). A zone whose residue
    changes with DST (Australia/Lord_Howe: +10:30, +11:00) gets marks at their common divisor."""
    tz = ZoneInfo(zone)
    start = dt.datetime.combine(first - dt.timedelta(days=2), dt.time(0), tzinfo=dt.timezone.utc)
    hours = int((last - first).days + 5) * 24
    offsets = [(start + dt.timedelta(hours=i)).astimezone(tz).utcoffset() for i in range(hours)]
    residues = {int(o.total_seconds()) // 60 % 60 for o in offsets}
    if len(residues) == 1:
        (residue,) = residues
        return HourMarks(HOUR_US, ((60 - residue) % 60) * MINUTE_US)
    return HourMarks(math.gcd(60, *residues) * MINUTE_US, 0)


@dataclass(frozen=True)
class UtcOffsets:
    """A zone's UTC offset as a step function of the instant: `offsets[0]` before `changes[0]`,
    `offsets[i]` from `changes[i - 1]` on (microseconds); found for the instants from `start`
    to before `stop` (microseconds), and nearest offset outside."""

    changes: tuple[int, ...]
    offsets: tuple[int, ...]
    start: int = -(2**63)
    stop: int = 2**63 - 1


def utc_offsets(zone: str, first: dt.date, last: dt.date) -> UtcOffsets:
    """The zone's offsets and the instants they change at, from a week before first to a week
    after last (wider than any stay of first..last reaches: METHOD 5.1's limits are capped at a
    day; an instant outside it keeps the nearest offset, and its date is filtered out anyway)."""
    tz = ZoneInfo(zone)
    start = dt.datetime.combine(first - dt.timedelta(days=7), dt.time(0), tzinfo=dt.timezone.utc)
    stop = dt.datetime.combine(last + dt.timedelta(days=8), dt.time(0), tzinfo=dt.timezone.utc)

    def offset(at: dt.datetime) -> int:
        return int(at.astimezone(tz).utcoffset().total_seconds()) * 1_000_000

    changes, offsets = [], [offset(start)]
    at = start
    while at < stop:  # hour by hour, then the change found to the second in its hour
        nxt = at + dt.timedelta(hours=1)
        if offset(nxt) != offsets[-1]:
            lo, hi = at, nxt  # offset(lo) is the old one, offset(hi) the new one
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if offset(mid) == offsets[-1] else (lo, mid)
            changes.append(int(hi.timestamp()) * 1_000_000)
            offsets.append(offset(nxt))
        at = nxt
    return UtcOffsets(tuple(changes), tuple(offsets), micros(start), micros(stop))


def micros(at: dt.datetime) -> int:
    """Microseconds since the epoch of an aware datetime, exactly."""
    return (at - EPOCH) // dt.timedelta(microseconds=1)


def local_micros(instant_us: Column, zone: UtcOffsets) -> Column:
    """The local wall clock of a UTC instant, both as microseconds since the epoch: what
    from_utc_timestamp gives, as integer arithmetic (no time-zone rules per row)."""
    offset = F.lit(zone.offsets[-1])
    for change, before in zip(reversed(zone.changes), reversed(zone.offsets[:-1]), strict=True):
        offset = F.when(instant_us < F.lit(change), F.lit(before)).otherwise(offset)
    return instant_us + offset


def local_bin(instant_us: Column, zone: UtcOffsets) -> tuple[Column, Column]:
    """The local date and hour (METHOD 2) of a UTC instant in microseconds."""
    local = local_micros(instant_us, zone)
    date = F.date_from_unix_date(whole(local, DAY_US).cast("int"))
    return date, whole(F.pmod(local, F.lit(DAY_US)), HOUR_US).cast("int")


def local_date_hour(instant: Column, zone: str, offsets: UtcOffsets) -> tuple[Column, Column]:
    """The local date and hour of any timestamp, as Spark's `from_utc_timestamp` gives them: by
    offsets' arithmetic within the instants they were found for, and by the zone's rules (row by
    row, as Spark does) outside them, e.g. for a quarantined event years away."""
    us = F.unix_micros(instant)
    within = (us >= F.lit(offsets.start)) & (us < F.lit(offsets.stop))
    date, hour = local_bin(us, offsets)
    wall = F.from_utc_timestamp(instant, zone)
    return (
        F.when(within, date).otherwise(F.to_date(wall)),
        F.when(within, hour).otherwise(F.hour(wall)),
    )


def month_text(date: Column, first: dt.date, last: dt.date) -> Column:
    """'yyyy-MM' of a date, as `date_format` gives it (see `by_month`)."""
    return by_month(date, first, last, lambda m: f"{m:%Y-%m}", F.date_format(date, "yyyy-MM"))


def month_number(date: Column, first: dt.date, last: dt.date) -> Column:
    """year * 12 + month of a date (see `by_month`)."""
    return by_month(date, first, last, lambda m: m.year * 12 + m.month, month_no(date))


def month_no(date: Column) -> Column:
    """year * 12 + month of a date, by Spark's calendar functions."""
    return F.year(date) * 12 + F.month(date)


def by_month(
    date: Column, first: dt.date, last: dt.date, value: Callable[[dt.date], Any], other: Column
) -> Column:
    """value(first day of the date's month) for a date in the months from first's to last's, by
    comparing its day number with theirs (no calendar per row); other outside them."""
    days = F.unix_date(date)
    month = first.replace(day=1)
    out = F.when(days < F.lit((month - EPOCH.date()).days), other)
    while month <= last:
        after = (month + dt.timedelta(days=31)).replace(day=1)
        out = out.when(days < F.lit((after - EPOCH.date()).days), F.lit(value(month)))
        month = after
    return out.otherwise(other)


def whole(value: Column, unit: int) -> Column:
    """floor(value / unit) for a non-negative long, exactly (an exact multiple divided)."""
    return ((value - F.pmod(value, F.lit(unit))) / F.lit(unit)).cast("long")
