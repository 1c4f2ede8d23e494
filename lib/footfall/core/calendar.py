"""Local dates, hours and periods (METHOD 2, 3.1): ranges, batches and lateness windows.

Every helper here is plain Python on a handful of dates: no Spark. Column-side time logic (local
hour bins of an instant) lives with the stage that needs it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo


def dates_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every date from first to last inclusive."""
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def consecutive(dates: list[dt.date]) -> bool:
    """True when the dates are distinct and follow each other day by day (in any order)."""
    ordered = sorted(dates)
    return ordered == [ordered[0] + dt.timedelta(days=i) for i in range(len(ordered))]


def span(dates: list[dt.date]) -> str:
    """A run of dates as text for logs: `2026-03-02` or `2026-03-02 .. 2026-03-08`."""
    return str(dates[0]) if len(dates) == 1 else f"{dates[0]} .. {dates[-1]}"


def period_of(date: dt.date) -> str:
    """The YYYY-MM token period of a local date (METHOD 3.1)."""
    return date.strftime("%Y-%m")


def periods_of(dates: list[dt.date]) -> list[str]:
    """The YYYY-MM periods the dates touch, in order."""
    return sorted({period_of(d) for d in dates})


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last local date of a YYYY-MM period."""
    first = dt.date.fromisoformat(f"{period}-01")
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def batches(dates: list[dt.date], size: int, by_period: bool = False) -> list[list[dt.date]]:
    """Consecutive dates cut into runs of at most size (and of one period when by_period)."""
    out: list[list[dt.date]] = []
    for d in dates:
        if out and len(out[-1]) < size and not (by_period and periods_of([out[-1][0], d])[1:]):
            out[-1].append(d)
        else:
            out.append([d])
    return out


def window_periods(landing_dates: list[dt.date], max_lateness: int) -> list[str]:
    """The periods of the days the landing days may hold (each day and its late days)."""
    days = {d - dt.timedelta(days=i) for d in landing_dates for i in range(max_lateness + 1)}
    return periods_of(sorted(days))


def feeding_landing_days(date: dt.date, max_lateness_days: int) -> list[dt.date]:
    """Landing days whose events can fall on date: the date and the late-arrival window after it."""
    return [date + dt.timedelta(days=i) for i in range(max_lateness_days + 1)]


def local_hours(date: dt.date, zone: str) -> list[int]:
    """The distinct local clock hours of a date in a zone (METHOD 2): 23 on spring-forward."""
    tz = ZoneInfo(zone)
    start = dt.datetime.combine(date, dt.time(0), tzinfo=tz).astimezone(dt.timezone.utc)
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    end = end.astimezone(dt.timezone.utc)
    hours, t = set(), start
    while t < end:
        hours.add(t.astimezone(tz).hour)
        t += dt.timedelta(hours=1)
    return sorted(hours)
