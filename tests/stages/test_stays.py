"""Stays between events (METHOD 5.1) and their local hour bins (5.2), on tiny event streams.

Each case lists a subscriber's events as local clock times and the hour bins it must be present
in, worked out by hand from METHOD 5.1 with the default limits: same-area gaps up to 720 min are
bridged, other-area gaps up to 120 min split at the midpoint, otherwise 30 min (or half the gap)
on each side; 30 min before the first and after the last event.
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from conftest import both_ways, plan_nodes, require_function, text_schema
from footfall.core import columns as C
from footfall.core import tables
from footfall.runtime.session import session_conf
from footfall.stages.local_clock import (
    HOUR_US,
    MINUTE_US,
    HourMarks,
    hour_marks,
    local_bin,
    local_micros,
    utc_offsets,
)
from footfall.stages.stay_bins import DAY_DWELL_US
from footfall.stages.stay_rule import (
    StayRule,
    reach_bounds,
    stay_settings,
    weekday_reach,
    within_reach,
)
from footfall.stages.stays import (
    DWELL_US,
    NATIVE_BINS,
    NATIVE_SEGMENTS,
    hour_segments,
    present_hours,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyspark.sql import functions as F

RULE = StayRule(720, 120, 30)
LONDON = "Europe/London"


def ev(token, local: str, area: str, zone: str = LONDON, cell: str | None = None, fold: int = 0):
    """An events row at a local clock time `YYYY-MM-DD HH:MM` (the UTC instant as ingest has it)."""
    clock = dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone), fold=fold)
    instant = clock.astimezone(dt.timezone.utc).replace(tzinfo=None)
    date = clock.date()
    cell = cell or f"234-10-1-{area}"
    return (token, instant, date, clock.hour, cell, area, "R1", "234", "data", local[:7], date)


bins_native = both_ways(NATIVE_BINS, "bins_native")


def bins(
    spark,
    native,
    rows,
    first: str,
    last: str | None = None,
    zone: str = LONDON,
    rule=RULE,
    weekday=None,
):
    """{area: sorted [(date, hour)]} present for the rows' subscriber(s) on first..last."""
    d1 = dt.date.fromisoformat(first)
    d2 = dt.date.fromisoformat(last) if last else d1
    got = (
        spark.createDataFrame(rows, text_schema(tables.EVENTS))
        .transform(present_hours(rule, zone, d1, d2, weekday, native))
        .collect()
    )
    out: dict[str, list] = {}
    for r in got:
        out.setdefault(r[C.AREA_ID], []).append((str(r[C.DATE]), r[C.HOUR]))
    return {a: sorted(v) for a, v in out.items()}


def hours(date: str, *hs: int) -> list[tuple[str, int]]:
    return [(date, h) for h in hs]


def test_same_area_bridge_runs_across_midnight_into_the_next_date(spark, bins_native):
    rows = [ev("s", "2026-03-10 22:30", "A1"), ev("s", "2026-03-11 07:30", "A1")]  # 9 h apart
    got = bins(spark, bins_native, rows, "2026-03-10", "2026-03-11")
    assert got == {"A1": hours("2026-03-10", 22, 23) + hours("2026-03-11", *range(8))}


def test_same_area_gap_of_exactly_720_minutes_is_bridged(spark, bins_native):
    rows = [ev("s", "2026-03-10 08:00", "A1"), ev("s", "2026-03-10 20:00", "A1")]
    # 07:30-08:00 edge, 08:00-20:00 bridge, 20:00-20:30 edge
    assert bins(spark, bins_native, rows, "2026-03-10") == {
        "A1": hours("2026-03-10", *range(7, 21))
    }


def test_same_area_gap_of_721_minutes_is_two_edges(spark, bins_native):
    rows = [ev("s", "2026-03-10 08:00", "A1"), ev("s", "2026-03-10 20:01", "A1")]
    # 07:30-08:30 around the first event, 19:31-20:31 around the second
    assert bins(spark, bins_native, rows, "2026-03-10") == {"A1": hours("2026-03-10", 7, 8, 19, 20)}


def test_other_area_gap_of_exactly_120_minutes_is_split_at_the_midpoint(spark, bins_native):
    rows = [ev("s", "2026-03-10 10:10", "A1"), ev("s", "2026-03-10 12:10", "A2")]
    # A1 09:40-11:10 (edge, then half the gap), A2 11:10-12:40
    assert bins(spark, bins_native, rows, "2026-03-10") == {
        "A1": hours("2026-03-10", 9, 10, 11),
        "A2": hours("2026-03-10", 11, 12),
    }


def test_other_area_gap_of_121_minutes_is_two_edges(spark, bins_native):
    rows = [ev("s", "2026-03-10 10:10", "A1"), ev("s", "2026-03-10 12:11", "A2")]
    # A1 09:40-10:40, A2 11:41-12:41: A1 is no longer present at 11
    assert bins(spark, bins_native, rows, "2026-03-10") == {
        "A1": hours("2026-03-10", 9, 10),
        "A2": hours("2026-03-10", 11, 12),
    }


def test_move_between_areas_splits_at_the_midpoint_across_an_hour_boundary(spark, bins_native):
    rows = [ev("s", "2026-03-10 09:50", "A1"), ev("s", "2026-03-10 10:20", "A2")]
    # midpoint 10:05: A1 09:20-10:05 reaches into hour 10; A2 10:05-10:50
    assert bins(spark, bins_native, rows, "2026-03-10") == {
        "A1": hours("2026-03-10", 9, 10),
        "A2": hours("2026-03-10", 10),
    }


def test_a_token_in_twelve_areas_keeps_each_area_apart(spark, bins_native):
    # every 2 hours a new area (gaps of 120 minutes: split at the midpoint, HH:30): more areas
    # than the extension shares one copy of (8), so the last four take their own
    rows = [ev("s", f"2026-03-10 {2 * k:02d}:30", f"A{k:02d}") for k in range(12)]
    expected = {f"A{k:02d}": hours("2026-03-10", 2 * k - 1, 2 * k, 2 * k + 1) for k in range(1, 11)}
    expected |= {"A00": hours("2026-03-10", 0, 1), "A11": hours("2026-03-10", 21, 22)}
    assert bins(spark, bins_native, rows, "2026-03-10") == expected


def test_areas_of_any_length_and_back_again_stay_apart(spark, bins_native):
    # a long id, one sharing all but its last byte, a short one and an empty one, each visited
    # twice (every 2 hours, split at the midpoints): each keeps its own hours
    names = ["AREA-NORTH-1", "AREA-NORTH-2", "A1", "", "AREA-NORTH-1", "AREA-NORTH-2", "A1", ""]
    rows = [ev("s", f"2026-03-10 {2 * k + 4:02d}:30", a) for k, a in enumerate(names)]
    k_hours = {a: [k for k, b in enumerate(names) if b == a] for a in set(names)}
    expected = {
        a: sorted(h for k in ks for h in hours("2026-03-10", 2 * k + 3, 2 * k + 4, 2 * k + 5))
        for a, ks in k_hours.items()
    }
    expected["AREA-NORTH-1"] = sorted(set(expected["AREA-NORTH-1"]) - set(hours("2026-03-10", 3)))
    expected[""] = sorted(set(expected[""]) - set(hours("2026-03-10", 19)))
    assert bins(spark, bins_native, rows, "2026-03-10") == expected


def test_isolated_event_near_the_hour_start_has_an_edge_into_the_previous_hour(spark, bins_native):
    rows = [ev("s", "2026-03-10 10:05", "A1")]  # 09:35-10:35
    assert bins(spark, bins_native, rows, "2026-03-10") == {"A1": hours("2026-03-10", 9, 10)}


def test_events_at_one_instant_in_two_areas_are_ordered_by_cell_id(spark, bins_native):
    # cell c1 (in A2) sorts before c2 (in A1): A2 is first, with the edge before; the gap of 0
    # gives nothing; A1 is last, with the edge after; each keeps its event's own hour
    rows = [
        ev("s", "2026-03-10 10:00", "A1", cell="c2"),
        ev("s", "2026-03-10 10:00", "A2", cell="c1"),
    ]
    assert bins(spark, bins_native, rows, "2026-03-10") == {
        "A2": hours("2026-03-10", 9, 10),
        "A1": hours("2026-03-10", 10),
    }


def test_first_and_last_event_of_a_period_count_only_within_its_dates(spark, bins_native):
    # the edges reach 2026-02-28 23:40 and 2026-04-01 00:20: dates of other periods, whose
    # tokens differ, so presence of 2026-03 dates keeps only the March bins
    rows = [ev("s", "2026-03-01 00:10", "A1"), ev("s", "2026-03-31 23:50", "A1")]
    got = bins(spark, bins_native, rows, "2026-03-01", "2026-03-31")
    assert got == {"A1": hours("2026-03-01", 0) + hours("2026-03-31", 23)}


def test_two_tokens_are_never_linked(spark, bins_native):
    # one person, two periods' tokens: 22:00 and 06:00 the next morning are not bridged
    rows = [ev("march", "2026-03-31 22:00", "A1"), ev("april", "2026-04-01 06:00", "A1")]
    assert bins(spark, bins_native, rows, "2026-04-01") == {"A1": hours("2026-04-01", 5, 6)}


def test_spring_forward_day_has_23_bins_and_no_hour_1(spark, bins_native):
    rows = [ev("s", f"2026-03-29 {t}", "A1") for t in ("00:10", "06:00", "12:00", "18:00")]
    rows.append(ev("s", "2026-03-29 23:50", "A1"))
    got = bins(spark, bins_native, rows, "2026-03-29")["A1"]
    assert [h for _, h in got] == [0, *range(2, 24)]


def test_fall_back_day_repeated_hour_is_one_bin_of_24(spark, bins_native):
    rows = [ev("s", f"2026-10-25 {t}", "A1") for t in ("00:10", "06:00", "12:00", "18:00")]
    rows.append(ev("s", "2026-10-25 23:50", "A1"))
    got = bins(spark, bins_native, rows, "2026-10-25")["A1"]
    assert [h for _, h in got] == list(range(24))


def test_bridge_over_the_skipped_and_the_repeated_hour(spark, bins_native):
    spring = [ev("s", "2026-03-29 00:30", "A1"), ev("s", "2026-03-29 03:30", "A1")]  # 2 h apart
    assert bins(spark, bins_native, spring, "2026-03-29") == {"A1": hours("2026-03-29", 0, 2, 3)}
    # 01:30 BST then 01:10 GMT: 40 minutes later, though the clock went back
    autumn = [ev("a", "2026-10-25 01:30", "A1"), ev("a", "2026-10-25 01:10", "A2", fold=1)]
    assert bins(spark, bins_native, autumn, "2026-10-25") == {
        "A1": hours("2026-10-25", 1),
        "A2": hours("2026-10-25", 1),
    }


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Australia/Adelaide"])
def test_half_hour_offset_zone_bins_are_local_hours(spark, zone, bins_native):
    # 10:20-11:20 local: local hours 10 and 11, though UTC hours start at local :30
    rows = [ev("s", "2026-03-10 10:50", "A1", zone=zone)]
    assert bins(spark, bins_native, rows, "2026-03-10", zone=zone) == {
        "A1": hours("2026-03-10", 10, 11)
    }


def test_hour_marks_follow_the_zone_offset_residue():
    day = dt.date(2026, 3, 10)
    assert hour_marks(LONDON, day, day) == HourMarks(HOUR_US, 0)
    assert hour_marks("Asia/Kolkata", day, day) == HourMarks(HOUR_US, 30 * MINUTE_US)
    assert hour_marks("Asia/Kathmandu", day, day) == HourMarks(HOUR_US, 15 * MINUTE_US)
    # Lord Howe is +11:00 in summer and +10:30 in winter (it changes on 2026-04-05)
    assert hour_marks("Australia/Lord_Howe", dt.date(2026, 4, 4), dt.date(2026, 4, 6)).step_us == (
        30 * MINUTE_US
    )


EVENT_TIMES = st.lists(
    st.tuples(st.integers(0, 3 * 24 * 60 - 1), st.sampled_from(["A1", "A2", "A3"])),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=EVENT_TIMES)
def test_every_event_hour_of_the_first_edition_is_still_present(spark, events, bins_native):
    start = dt.datetime(2026, 10, 24)  # three days over the fall-back day
    rows = [
        ev("s", (start + dt.timedelta(minutes=m)).strftime("%Y-%m-%d %H:%M"), a) for m, a in events
    ]
    got = bins(spark, bins_native, rows, "2026-10-24", "2026-10-26")
    present = {(a, b) for a, bs in got.items() for b in bs}
    assert {(r[5], (str(r[2]), r[3])) for r in rows} <= present


@pytest.mark.parametrize(
    ("zone", "first", "last"),
    [
        ("Europe/London", "2026-03-28", "2026-03-30"),  # spring forward at 01:00 UTC
        ("Europe/London", "2026-10-24", "2026-10-26"),  # fall back at 01:00 UTC
        ("Australia/Lord_Howe", "2026-04-04", "2026-04-06"),  # back by 30 minutes
        ("America/St_Johns", "2026-03-07", "2026-03-09"),  # -03:30 to -02:30
        ("Asia/Kolkata", "2026-03-28", "2026-03-29"),  # +05:30, no DST
    ],
)
def test_local_clock_by_arithmetic_equals_spark_time_zone_rules(spark, zone, first, last):
    # every 7 minutes from a day before first to a day after last: the bins' date and hour
    # from utc_offsets equal those of from_utc_timestamp (the zone's rules, row by row)
    d1, d2 = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    start = dt.datetime.combine(d1 - dt.timedelta(days=1), dt.time(0), tzinfo=dt.timezone.utc)
    n = ((d2 - d1).days + 3) * 24 * 60 // 7
    instants = [
        (int((start + dt.timedelta(minutes=7 * i)).timestamp()) * 1_000_000,) for i in range(n)
    ]
    offsets = utc_offsets(zone, d1, d2)
    date, hour = local_bin(F.col("t"), offsets)
    rules = F.from_utc_timestamp(F.timestamp_micros(F.col("t")), zone)
    frame = spark.createDataFrame(instants, "t long").select(
        F.timestamp_micros(local_micros(F.col("t"), offsets)).alias("clock"),
        date.alias("date"),
        hour.alias("hour"),
        rules.alias("by_rules"),
    )
    differ = (F.col("clock") != F.col("by_rules")) | (F.col("date") != F.to_date("by_rules"))
    assert frame.where(differ | (F.col("hour") != F.hour("by_rules"))).count() == 0
    assert len(utc_offsets(zone, d1, d2).offsets) == (1 if zone == "Asia/Kolkata" else 2)


def test_weekday_hours_filter_keeps_the_stays_that_reach_weekday_daytime_only(spark, bins_native):
    # Monday 2 March 2026 (GMT): A from 08:00 to 12:00 bridged, 30 min edges either side
    # (07:30-12:30); B 18:00-18:30 (after 18:00, the filter's widened end); Saturday 7 March
    # in C; a night in D (22:30 Monday to 06:30 Tuesday)
    rows = [
        ev("t", "2026-03-02 08:00", "A"),
        ev("t", "2026-03-02 12:00", "A"),
        ev("t", "2026-03-02 18:30", "B"),
        ev("u", "2026-03-07 10:00", "C"),
        ev("u", "2026-03-07 11:00", "C"),
        ev("v", "2026-03-02 23:00", "D"),
        ev("v", "2026-03-03 06:00", "D"),
    ]
    kept = bins(spark, bins_native, rows, "2026-03-01", "2026-03-08", weekday=range(9, 17))
    # A's stay 08:00-12:30 is binned whole (8..12); its edge 07:30-08:00 is an interval of its
    # own that ends before 08:00 (09:00 less the hour of margin), like B, C and D: none binned.
    # footfall_stay_bins gives only the bins asked for: 9..12
    first_hour = 9 if bins_native else 8
    assert kept == {"A": [("2026-03-02", h) for h in range(first_hour, 13)]}
    every = bins(spark, bins_native, rows, "2026-03-01", "2026-03-08")
    assert set(every) == {"A", "B", "C", "D"}


def test_reach_bounds_are_the_local_dates_widened_by_the_longest_bridge_and_a_margin():
    # 10 March 2026 is GMT (UTC+0): 00:00 less 12 h (720 min, the longest limit) less the 2 h
    # margin is 9 March 10:00 UTC; the end of 11 March plus 14 h is 12 March 14:00 UTC
    lo, hi = reach_bounds(RULE, LONDON, dt.date(2026, 3, 10), dt.date(2026, 3, 11))
    utc = dt.timezone.utc
    assert lo == int(dt.datetime(2026, 3, 9, 10, tzinfo=utc).timestamp()) * 1_000_000
    assert hi == int(dt.datetime(2026, 3, 12, 14, tzinfo=utc).timestamp()) * 1_000_000
    # twice the edge counts too: with 8 h edges a gap under 16 h still gives each side 8 h
    assert StayRule(60, 30, 480).reach_minutes == 960


def test_events_out_of_reach_change_no_bin_of_the_dates(spark, bins_native):
    # s: 9 March 06:00 (A2) and 08:00 (A1) are out of reach of 10 March (before 9 March
    # 10:00 UTC); 10 March 00:30 in A1 then has no previous event, and its edge before it
    # (00:00-00:30) is the edge the 08:00 event gives it across the 16.5 h gap. t: 9 March 23:00
    # in A3 is within reach and bridged to 10 March 01:00; 11 March 20:00 is out of reach.
    rows = [
        ev("s", "2026-03-09 06:00", "A2"),
        ev("s", "2026-03-09 08:00", "A1"),
        ev("s", "2026-03-10 00:30", "A1"),
        ev("t", "2026-03-09 23:00", "A3"),
        ev("t", "2026-03-10 01:00", "A3"),
        ev("t", "2026-03-11 20:00", "A3"),
    ]
    day = dt.date(2026, 3, 10)
    frame = spark.createDataFrame(rows, text_schema(tables.EVENTS))
    kept = frame.where(within_reach(RULE, LONDON, day, day))
    assert sorted((r[C.TOKEN], r[C.EVENT_HOUR]) for r in kept.collect()) == [
        ("s", 0),
        ("t", 1),
        ("t", 23),
    ]
    present = present_hours(RULE, LONDON, day, day, native=bins_native)
    every = sorted(tuple(r) for r in frame.transform(present).collect())
    assert sorted(tuple(r) for r in kept.transform(present).collect()) == every
    # s: 00:00-01:00 in A1 (the edge and the edge after); t: 00:00-01:30 in A3
    assert sorted(
        (r[C.TOKEN], r[C.AREA_ID], r[C.HOUR], r["dwell_us"] // MINUTE_US)
        for r in kept.transform(present).collect()
    ) == [
        ("s", "A1", 0, 60),
        ("t", "A3", 0, 60),
        ("t", "A3", 1, 30),
    ]


def test_weekend_events_out_of_reach_of_weekday_hours_change_no_weekday_bin(spark, bins_native):
    # Friday 6 to Monday 9 March 2026 (GMT). With 12 h of reach, 2 h of margin and weekday
    # hours widened to 08:00-18:00, Saturday 08:00 to Sunday 18:00 is out of reach: Saturday
    # 12:00 and Sunday 12:00 are dropped, Saturday 07:00 and Sunday 19:00 kept
    rows = [
        ev("w", "2026-03-06 16:00", "A"),
        ev("w", "2026-03-07 07:00", "B"),
        ev("w", "2026-03-07 12:00", "B"),
        ev("w", "2026-03-08 12:00", "C"),
        ev("w", "2026-03-08 19:00", "C"),
        ev("w", "2026-03-09 10:00", "A"),
    ]
    first, last = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
    frame = spark.createDataFrame(rows, text_schema(tables.EVENTS))
    kept = frame.where(weekday_reach(RULE, range(9, 17), utc_offsets(LONDON, first, last)))
    assert sorted((str(r[C.EVENT_DATE]), r[C.EVENT_HOUR]) for r in kept.collect()) == [
        ("2026-03-06", 16),
        ("2026-03-07", 7),
        ("2026-03-08", 19),
        ("2026-03-09", 10),
    ]

    def weekday_daytime(got):  # the bins work areas count: hours 9..16 of Friday and Monday
        days = ("2026-03-06", "2026-03-09")
        out = {a: [b for b in v if b[0] in days and b[1] in range(9, 17)] for a, v in got.items()}
        return {a: v for a, v in out.items() if v}

    # Friday: edges 15:30-16:30 (the next event is 15 h later); Monday: edges 09:30-10:30
    every = weekday_daytime(bins(spark, bins_native, rows, "2026-03-01", "2026-03-31"))
    filtered = weekday_daytime(
        bins(spark, bins_native, rows, "2026-03-01", "2026-03-31", weekday=range(9, 17))
    )
    assert every == {"A": hours("2026-03-06", 15, 16) + hours("2026-03-09", 9, 10)}
    assert filtered == every


# (start, end, marks) -> the pieces, worked out by hand (H an hour, M a minute, in microseconds)
H, M = HOUR_US, MINUTE_US
SEGMENTS = [
    (10 * H + 5 * M, 10 * H + 20 * M, HourMarks(H, 0), [(10 * H + 5 * M, 10 * H + 20 * M)]),
    (10 * H + 50 * M, 12 * H + 10 * M, HourMarks(H, 0),
     [(10 * H + 50 * M, 11 * H), (11 * H, 12 * H), (12 * H, 12 * H + 10 * M)]),
    (11 * H, 11 * H + 1, HourMarks(H, 0), [(11 * H, 11 * H + 1)]),  # from a mark
    (10 * H + 30 * M, 11 * H, HourMarks(H, 0), [(10 * H + 30 * M, 11 * H)]),  # up to one
    (10 * H, 11 * H, HourMarks(H, 30 * M), [(10 * H, 10 * H + 30 * M), (10 * H + 30 * M, 11 * H)]),
    (-90 * M, -10 * M, HourMarks(H, 0), [(-90 * M, -H), (-H, -10 * M)]),  # before 1970
]  # fmt: skip


native = both_ways(NATIVE_SEGMENTS)


def segments_of(spark, rows, marks, native):
    df = spark.createDataFrame(rows, "id int, s long, e long")
    got = df.select("id", hour_segments(F.col("s"), F.col("e"), marks, native).alias("p"))
    return {r.id: [(p["from"], p["to"]) for p in r.p] for r in got.collect()}


def test_an_interval_is_cut_at_each_hour_mark_inside_it(spark, native):
    for i, (start, end, marks, pieces) in enumerate(SEGMENTS):
        assert segments_of(spark, [(i, start, end)], marks, native) == {i: pieces}


def test_the_extension_cuts_every_interval_as_the_builtins_do(spark):
    require_function(spark, NATIVE_SEGMENTS)
    starts = [k * 7 * M + d for k in range(-20, 40) for d in (0, 1)]  # on and just after marks
    lengths = [1, M, 15 * M, H - 1, H, H + 1, 3 * H + 7 * M, 25 * H]
    rows = [(i, s, s + n) for i, (s, n) in enumerate((s, n) for s in starts for n in lengths)]
    df = spark.createDataFrame(rows, "id int, s long, e long")
    for marks in (HourMarks(H, 0), HourMarks(H, 30 * M), HourMarks(15 * M, 0)):
        a, b = (hour_segments(F.col("s"), F.col("e"), marks, n) for n in (False, True))
        differ = df.where(F.to_json(a) != F.to_json(b))
        assert differ.count() == 0, marks
    assert df.count() == 120 * 8


def event_streams(zone: str, first: dt.date, last: dt.date, seed: int) -> list[tuple]:
    """80 tokens' events (1 to 24 each) at random seconds from the day before first to the day
    after last, in three areas of two cells each; a fifth of them at the instant of the token's
    previous event (a tie, ordered by cell and type)."""
    rng, tz = random.Random(seed), ZoneInfo(zone)
    start = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    span = ((last - first).days + 3) * 86_400
    rows = []
    for token in range(80):
        at = None
        for _ in range(rng.randint(1, 24)):
            if at is None or rng.random() > 0.2:
                at = start + dt.timedelta(seconds=rng.randrange(span))
            area = rng.choice(["A1", "A2", "A3"])
            cell, kind = f"{area}-{rng.randint(1, 2)}", rng.choice(["call", "data"])
            local = at.astimezone(tz)
            instant = at.astimezone(dt.timezone.utc).replace(tzinfo=None)
            rows.append((f"t{token}", instant, local.date(), local.hour, cell, area, "R1", "234",
                         kind, local.strftime("%Y-%m"), local.date()))  # fmt: skip
    return rows


@pytest.mark.parametrize(
    ("zone", "first", "last", "rule"),
    [
        (LONDON, "2026-10-24", "2026-10-26", RULE),  # fall back: a repeated hour
        (LONDON, "2026-03-28", "2026-03-30", StayRule(60, 30, 480)),  # edges longer than bridges
        ("Australia/Lord_Howe", "2026-04-04", "2026-04-06", RULE),  # 30-minute marks
        ("Asia/Kolkata", "2026-03-09", "2026-03-11", StayRule(45, 200, 10)),  # :30 marks
    ],
)
def test_the_extension_bins_every_stream_as_the_builtins_do(spark, zone, first, last, rule):
    require_function(spark, NATIVE_BINS)
    d1, d2 = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    rows = event_streams(zone, d1, d2, seed=len(zone) + d1.day)
    events = spark.createDataFrame(rows, text_schema(tables.EVENTS)).cache()
    daytime = F.dayofweek(C.DATE).between(2, 6) & F.col(C.HOUR).isin(list(range(9, 17)))
    for weekday in (None, range(9, 17)):
        a, b = (
            events.transform(present_hours(rule, zone, d1, d2, weekday, n))
            .where(daytime if weekday else F.lit(True))
            .cache()
            for n in (False, True)
        )
        hourly = b.drop(DAY_DWELL_US)
        assert a.exceptAll(hourly).count() == 0 and hourly.exceptAll(a).count() == 0, weekday
        assert a.count() > (100 if weekday else 500)
        # the extension's day dwell: on one row of each (token, date, area), their dwell's sum
        keys = (C.TOKEN, C.DATE, C.AREA_ID)
        sums = a.groupBy(*keys).agg(F.sum(DWELL_US).alias("d"))
        day = F.col(DAY_DWELL_US)
        given = b.where(day.isNotNull()).select(*keys, day.alias("d"))
        assert sums.exceptAll(given).count() == 0 and given.exceptAll(sums).count() == 0, weekday
    events.unpersist()


def sort_fallbacks(df) -> int:
    """Tasks in which df's object hash aggregates (the gathering of tokens' events) ran out of
    hash map keys and sorted the rest (df collected first)."""
    return sum(
        int(node.metrics().apply("numTasksFallBacked").value())
        for node in plan_nodes(df)
        if node.nodeName() == "ObjectHashAggregate"
    )


def test_a_task_gathers_the_configured_tokens_in_memory(spark, make_cfg):
    require_function(spark, NATIVE_BINS)
    # 300 tokens, one event each at 12:00 in A1: each is present 11:30-12:30, in two bins
    events = spark.createDataFrame(
        [ev(f"t{i:03d}", "2026-03-10 12:00", "A1") for i in range(300)],
        text_schema(tables.EVENTS),
    )
    day = dt.date(2026, 3, 10)
    expected = {(day, 11, 30 * MINUTE_US), (day, 12, 30 * MINUTE_US)}

    def gathered(settings):
        with session_conf(spark, {"spark.sql.shuffle.partitions": "1", **settings}):
            got = events.transform(present_hours(RULE, LONDON, day, day, native=True)).select(
                C.DATE, C.HOUR, DWELL_US
            )
            return got.collect(), sort_fallbacks(got)

    # Spark's default keeps 128 tokens in its hash map and sorts the other 172
    rows, fallbacks = gathered({})
    assert (len(rows), {tuple(r) for r in rows}, fallbacks) == (600, expected, 1)
    cfg = make_cfg(presence__stay_tokens_per_task=300)
    rows, fallbacks = gathered(stay_settings(cfg))
    assert (len(rows), {tuple(r) for r in rows}, fallbacks) == (600, expected, 0)
