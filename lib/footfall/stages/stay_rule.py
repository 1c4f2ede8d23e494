"""Which events a stay can reach (METHOD 5.1): the limits of a stay, and the row filters on
events that `stays.present_hours` applies before its shuffle by token. An event dropped by them
can only be the far side of a gap longer than every bridge, so the bins are the same without it
(tested)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pyspark.sql import Column
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core.config import Config
from footfall.stages.local_clock import (
    DAY_US,
    HOUR_US,
    MINUTE_US,
    UtcOffsets,
    local_micros,
    whole,
)


@dataclass(frozen=True)
class StayRule:
    """The three limits of METHOD 5.1, in minutes."""

    bridge_same_area_minutes: int = 720
    bridge_other_area_minutes: int = 120
    edge_minutes: int = 30

    @classmethod
    def from_config(cls, cfg: Config) -> StayRule:
        return cls(
            cfg["presence.bridge_same_area_minutes"],
            cfg["presence.bridge_other_area_minutes"],
            cfg["presence.edge_minutes"],
        )

    @property
    def reach_minutes(self) -> int:
        """How far an event's stays reach: an event further than this before (after) a date's
        start (end) cannot change its bins. A gap longer than both bridges and twice the edge is
        two plain edges, the same as no neighbour at all on that side (`reach_bounds`)."""
        return max(
            self.bridge_same_area_minutes, self.bridge_other_area_minutes, 2 * self.edge_minutes
        )


# local midnights are found with ZoneInfo on the driver; a zone whose DST change skips midnight
# may shift one by its change (an hour, rarely two): the bounds are widened by that much
REACH_MARGIN_US = 2 * HOUR_US


# `stay_bins.native_bins` gathers each token's events with collect_list, an object hash aggregate.
# Past spark.sql.objectHashAggregate.sortBased.fallbackThreshold keys (Spark's default: 128) a
# task stops adding tokens to its hash map and sorts every remaining row by token, then gathers
# them in order: bounded memory, but a sort of almost every event. Measured (presence of 14
# dates on the 10M bench's data, one core): executor time 79.3 -> 67.6 s, its stage 30 -> 21 task
# s with the lists gathered in memory (bench/README.md).
GATHER_THRESHOLD = "spark.sql.objectHashAggregate.sortBased.fallbackThreshold"
# The reach filters are ranges of event_time. Parquet tests them against each row group's
# min/max, then expands the row group's event_time dictionary (tens of thousands of instants)
# into a hash set to test them again; every row group holds a day's instants, so that skips
# nothing here. Without it: presence 74.4 -> 70.8 executor s, the same tables (10M, one core).
DICTIONARY_FILTER = "parquet.filter.dictionary.enabled"


def stay_settings(cfg: Config) -> dict[str, str]:
    """Session settings for reading events for their stays and gathering them: a task holds the
    events of up to `presence.stay_tokens_per_task` tokens in memory (and sorts the rest); no
    Parquet dictionary filter (the reach filters are ranges). Read when a query runs."""
    return {
        GATHER_THRESHOLD: str(cfg["presence.stay_tokens_per_task"]),
        DICTIONARY_FILTER: "false",
    }


def reach_bounds(rule: StayRule, zone: str, first: dt.date, last: dt.date) -> tuple[int, int]:
    """[lo, hi) in UTC microseconds: the events whose stays can reach the local dates
    first..last (METHOD 5.1). The bins of first..last from only these events equal those from
    all of the period's events:

    - every interval that overlaps the dates starts or ends at an event within `reach_minutes`
      of them (no bridge, split or edge is longer): that event is kept;
    - the interval depends on that event and its neighbour across the gap. When the neighbour
      is dropped, the gap is longer than both bridges and twice the edge, so the interval is a
      plain edge of `edge_minutes` at the kept event: the edge it also gets with no neighbour
      on that side.
    """
    tz, reach = ZoneInfo(zone), rule.reach_minutes * MINUTE_US + REACH_MARGIN_US

    def midnight_us(day: dt.date) -> int:
        local = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        return int(local.astimezone(dt.timezone.utc).timestamp()) * 1_000_000

    return midnight_us(first) - reach, midnight_us(last + dt.timedelta(days=1)) + reach


def within_reach(rule: StayRule, zone: str, first: dt.date, last: dt.date) -> Column:
    """True for an events row whose stays can reach the local dates first..last (`reach_bounds`):
    a row filter before the shuffle by token; a constant range on `event_time`, so Parquet can
    skip row groups by their statistics."""
    lo, hi = reach_bounds(rule, zone, first, last)
    t = F.col(C.EVENT_TIME)
    return (t >= F.timestamp_micros(F.lit(lo))) & (t < F.timestamp_micros(F.lit(hi)))


def weekday_reach(rule: StayRule, hours: range, zone: UtcOffsets) -> Column:
    """True for an events row whose stays may reach local `hours` of a Monday to Friday (widened
    by an hour on each side, as `stays.weekday_hours`); false only for a weekend event further than
    `reach_minutes` (and the margin) from both weekday windows around it. A row filter before
    the shuffle by token: the weekday bins are the same without those events (the argument of
    `reach_bounds` holds for every window: a dropped event is the far side of a gap longer than
    every bridge). With the default limits it drops Saturday 08:00 to Sunday 18:00."""
    reach = rule.reach_minutes * MINUTE_US + REACH_MARGIN_US
    local = local_micros(F.unix_micros(F.col(C.EVENT_TIME)), zone)
    day = whole(local, DAY_US)
    monday = day - F.pmod(day + 3, F.lit(7))  # epoch day 0 (1970-01-01) was a Thursday

    def in_weekend_gap(monday: Column) -> Column:  # from Friday's hours to next Monday's
        gap_start = (monday + 4) * DAY_US + (hours.stop + 1) * HOUR_US
        gap_end = (monday + 7) * DAY_US + (hours.start - 1) * HOUR_US
        return (local - reach >= gap_start) & (local + reach < gap_end)

    return ~(in_weekend_gap(monday) | in_weekend_gap(monday - 7))
