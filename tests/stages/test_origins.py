"""Home detection (METHOD 4) on hand-checkable events."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from conftest import readable, text_schema
from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.stages.origins import (
    NIGHT_DATE,
    NIGHTLY,
    assign_origins,
    detect_origins,
    flag_nightly_locations,
    night_events,
    nightly_counts,
    period_bounds,
    read_period_events,
    run_origins,
    token_groups,
)
from presence_data import config_under, event, write_areas, write_events
from pyspark.sql import functions as F

D = dt.date.fromisoformat


def _events(spark, rows):
    return spark.createDataFrame(rows, text_schema(tables.EVENTS))


def test_night_date_is_previous_day_after_midnight_and_stays_in_its_period(spark):
    rows = [
        event("t", "2026-03-10", 23, "A1"),  # night of 03-10
        event("t", "2026-03-11", 2, "A1"),  # after midnight: night of 03-10
        event("t", "2026-03-11", 6, "A1"),  # last night hour: night of 03-10
        event("t", "2026-03-11", 7, "A1"),  # day hour
        event("t", "2026-03-11", 21, "A1"),  # evening, not night
        event("t", "2026-03-01", 3, "A1"),  # night of 02-28: another period, no night
        event("t", "2026-03-31", 22, "A1"),  # night of 03-31 (last night of March)
        event("u", "2026-04-01", 2, "A1"),  # night of 03-31 but an April token: no night
    ]
    got = night_events("2026-03")(_events(spark, rows)).select(
        C.EVENT_DATE, C.EVENT_HOUR, NIGHT_DATE
    )
    expected = spark.createDataFrame(
        [
            (D("2026-03-10"), 23, D("2026-03-10")),
            (D("2026-03-11"), 2, D("2026-03-10")),
            (D("2026-03-11"), 6, D("2026-03-10")),
            (D("2026-03-31"), 22, D("2026-03-31")),
        ],
        got.schema,
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def test_nightly_location_tie_goes_to_smallest_area_id(spark):
    rows = [
        event("t", "2026-03-10", 22, "A2"),
        event("t", "2026-03-10", 23, "A1"),
        event("t", "2026-03-11", 1, "A3"),
        event("t", "2026-03-11", 2, "A3"),  # night of 03-10: A3 has 2 events, wins
        event("t", "2026-03-11", 22, "A2"),
        event("t", "2026-03-12", 1, "A1"),  # night of 03-11: A1 and A2 tie, A1 wins
    ]
    got = (
        _events(spark, rows)
        .transform(night_events("2026-03"))
        .transform(nightly_counts)
        .transform(flag_nightly_locations)
        .where(F.col(NIGHTLY))
        .select(C.TOKEN, NIGHT_DATE, C.AREA_ID)
    )
    expected = spark.createDataFrame(
        [("t", D("2026-03-10"), "A3"), ("t", D("2026-03-11"), "A1")], got.schema
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def test_token_groups_count_night_events_and_give_every_token_a_row_from_one_scan(spark):
    rows = [
        event("t", "2026-03-10", 23, "A1"),  # night of 03-10 at A1
        event("t", "2026-03-11", 1, "A1"),  # night of 03-10 at A1
        event("t", "2026-03-11", 12, "A2"),  # daytime: the night-less row
        event("t", "2026-03-11", 13, "A2"),  # daytime: the same row
        event("t", "2026-03-01", 3, "A3"),  # night of 02-28: not a night of March
        event("day", "2026-03-05", 12, "A1"),  # daytime only: a row all the same
        event("roamer", "2026-03-10", 23, "A1", "208"),  # not domestic: no row
    ]
    got = _events(spark, rows).transform(token_groups("2026-03", ["234"]))
    expected = spark.createDataFrame(
        [
            ("t", D("2026-03-10"), "A1", 2),
            ("t", None, None, 3),
            ("day", None, None, 1),
        ],
        got.schema,
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
    # the origins read the events once (the tokens seen came from a second scan), and the
    # areas once: two scans in all
    areas = spark.createDataFrame([("A1", "D1", "R1")], [C.AREA_ID, C.DISTRICT_ID, C.REGION_ID])
    origins = _events(spark, rows).transform(detect_origins("2026-03", ["234"], 1, areas))
    plan = origins._jdf.queryExecution().executedPlan().toString()
    assert plan.count("Scan ExistingRDD") == 2, plan


def _nights(token, area, days, hour=23, mcc="234"):
    return [event(token, f"2026-03-{d:02d}", hour, area, mcc) for d in days]


@pytest.fixture(scope="module")
def origins_2026_03(spark, tmp_path_factory):
    """run_origins for 2026-03 (min_nights 3) over one event table holding every case."""
    cfg = config_under(tmp_path_factory.mktemp("origins"), origins__min_nights=3)
    write_areas(cfg)
    rows = [
        # home: 3 nights at A2 -> known; also one night at A1
        *_nights("home", "A2", [10, 11, 12]),
        *_nights("home", "A1", [13]),
        event("home", "2026-03-14", 12, "A3"),  # daytime: no night
        # short: only 2 nights (min_nights - 1) -> unknown home
        *_nights("short", "A1", [10, 11]),
        # tie_events: 3 nights each at A1 and A3; A3 has more night events in the period,
        # including on nights whose location was A1
        *_nights("tie_events", "A1", [1, 2, 3]),
        *_nights("tie_events", "A1", [1, 2, 3], hour=22),
        *_nights("tie_events", "A3", [4, 5, 6]),
        *_nights("tie_events", "A3", [4, 5, 6], hour=22),
        event("tie_events", "2026-03-02", 5, "A3"),  # night of 03-01, A1 still has 2 of 3
        # tie_area: 3 nights each at A3 and A2, same event counts -> smallest area A2
        *_nights("tie_area", "A3", [1, 2, 3]),
        *_nights("tie_area", "A2", [4, 5, 6]),
        # day_only: domestic with no night events -> unknown, 0 nights
        event("day_only", "2026-03-05", 12, "A1"),
        # roamer with plenty of nights: left out of the table
        *_nights("roamer", "A1", [1, 2, 3, 4, 5], mcc="208"),
        # month edges: 03-01 02:00 is night 02-28 (no night of March); the 04-01 partition is
        # not March's even for the same token, so 03-31 22:00 is one night with 1 event in A1
        event("edge", "2026-03-01", 2, "A2"),
        event("edge", "2026-03-01", 3, "A2"),
        event("edge", "2026-03-31", 22, "A1"),
        event("edge", "2026-04-01", 2, "A3"),
        event("edge", "2026-04-01", 3, "A3"),
        # work areas (METHOD 5.3, min_work_days 5), from the homes just detected: "worker" sleeps
        # at A1 and spends 10:30..14:30 of Monday 16 to Friday 20 at A3 (hours 10..14 present,
        # the edges to 10:00 and 15:00): work area A3 on 5 weekdays. "homeworker" spends them
        # at its home A2: 5 weekdays, no work area
        *_nights("worker", "A1", [16, 17, 18]),
        *[event("worker", f"2026-03-{d}", h, "A3") for d in range(16, 21) for h in (10, 14)],
        *_nights("homeworker", "A2", [16, 17, 18]),
        *[event("homeworker", f"2026-03-{d}", h, "A2") for d in range(16, 21) for h in (10, 14)],
    ]
    write_events(spark, cfg, rows)
    summary = run_origins(spark, cfg, "2026-03")
    return cfg, summary


def test_origins_home_detection_rules(spark, origins_2026_03):
    cfg, summary = origins_2026_03
    got = readable(lake.read_table(spark, cfg, tables.ORIGINS))
    expected = spark.createDataFrame(
        [
            ("home", "2026-03", "A2", "D1", "R1", 4, 3),
            ("short", "2026-03", None, None, None, 2, 0),
            ("tie_events", "2026-03", "A3", "D2", "R2", 6, 3),
            ("tie_area", "2026-03", "A2", "D1", "R1", 6, 3),
            ("day_only", "2026-03", None, None, None, 0, 0),
            ("edge", "2026-03", None, None, None, 1, 0),
            ("worker", "2026-03", "A1", "D1", "R1", 3, 3),
            ("homeworker", "2026-03", "A2", "D1", "R1", 3, 3),
        ],
        text_schema(tables.ORIGINS),
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
    assert summary["domestic_subscribers"] == 8
    assert summary["known_homes"] == 5


def test_origins_writes_the_work_areas_with_the_homes_just_detected(spark, origins_2026_03):
    # every token present in weekday hours 9..16: day_only at 12:30 on Thursday 5 (hour 12, one
    # weekday, no home), and the two workers; the homes come from this run's origins rows
    cfg, summary = origins_2026_03
    got = readable(lake.read_table(spark, cfg, tables.WORK_AREAS))
    expected = spark.createDataFrame(
        [
            ("day_only", "2026-03", None, 1),
            ("worker", "2026-03", "A3", 5),
            ("homeworker", "2026-03", None, 5),
        ],
        text_schema(tables.WORK_AREAS),
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
    assert summary["work_areas_version"] is not None


def test_origins_rerun_replaces_the_period(spark, origins_2026_03):
    cfg, _ = origins_2026_03
    run_origins(spark, cfg, "2026-03")
    got = lake.read_table(spark, cfg, tables.ORIGINS)
    assert got.count() == 8
    assert got.select(C.TOKEN).distinct().count() == 8


def test_period_bounds_cover_the_whole_month():
    assert period_bounds("2026-02") == (D("2026-02-01"), D("2026-02-28"))
    assert period_bounds("2028-02") == (D("2028-02-01"), D("2028-02-29"))


@pytest.mark.parametrize(
    ("level", "home_origin"), [("area", "A1"), ("district", "D1"), ("region", "R1")]
)
def test_origin_id_at_each_level_unknown_and_roamer(spark, level, home_origin):
    origins = spark.createDataFrame(
        [
            ("known", "2026-03", "A1", "D1", "R1", 6, 6),
            ("no_home", "2026-03", None, None, None, 2, 0),
        ],
        text_schema(tables.ORIGINS),
    )
    subscribers = spark.createDataFrame(
        [("known", "234"), ("no_home", "235"), ("not_in_table", "234"), ("visitor", "208")],
        f"{C.TOKEN} string, {C.MCC} string",
    )
    got = assign_origins(subscribers, origins, level, ["234", "235"]).select(C.TOKEN, C.ORIGIN_ID)
    expected = spark.createDataFrame(
        [
            ("known", home_origin),
            ("no_home", "unknown"),
            ("not_in_table", "unknown"),
            ("visitor", "roamer:208"),
        ],
        got.schema,
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def test_roamer_origin_ignores_any_home_row(spark):
    # a roamer token that somehow has an origins row still gets its origin from its mcc
    origins = spark.createDataFrame(
        [("r", "2026-03", "A1", "D1", "R1", 6, 6)], text_schema(tables.ORIGINS)
    )
    subscribers = spark.createDataFrame([("r", "208")], f"{C.TOKEN} string, {C.MCC} string")
    row = assign_origins(subscribers, origins, "district", ["234"]).first()
    assert row[C.ORIGIN_ID] == "roamer:208"
    assert row[C.HOME_REGION_ID] is None


def test_origins_reads_only_the_periods_partitions(spark, origins_2026_03):
    cfg, _ = origins_2026_03
    events = read_period_events(spark, cfg, "2026-03")
    plan = events._jdf.queryExecution().executedPlan().toString()
    assert "event_date" in plan.split("PartitionFilters")[1].split("]")[0]
    assert {r[0] for r in events.select(C.EVENT_DATE).distinct().collect()} <= set(
        D("2026-03-01") + dt.timedelta(days=i) for i in range(31)
    )
