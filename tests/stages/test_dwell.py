"""Dwell bands, work areas and visitor classes (METHOD 5.3) and their disclosure control (7)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import plan_nodes
from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.privacy.disclosure import BREAKDOWN_GROUP, control
from footfall.stages.dwell import band_labels, breakdown, daily_stays, dwell_band, work_areas
from footfall.stages.local_clock import MINUTE_US
from footfall.stages.presence import run_presence
from footfall.stages.stay_bins import DAY_DWELL_US, DWELL_US
from presence_data import event, write_areas, write_events, write_origins
from pyspark.sql import functions as F

MONDAY = dt.date(2026, 3, 9)
WEEK = [MONDAY + dt.timedelta(days=i) for i in range(7)]  # Monday .. Sunday
BOUNDS = [60, 180, 360]
PRESENT = f"{C.DATE} date, {C.HOUR} int, {C.AREA_ID} string, {C.TOKEN} string"


def _present(token, area, days, hours):
    return [(d, h, area, token) for d in days for h in hours]


def test_band_labels_and_each_bounds_lower_edge_belongs_to_the_band_above(spark):
    assert band_labels(BOUNDS) == ["under_60", "60_180", "180_360", "360_plus"]
    minutes = [0.0, 59.99, 60.0, 179.0, 180.0, 359.99, 360.0, 1500.0]
    df = spark.createDataFrame([(m,) for m in minutes], "m double")
    got = [r[0] for r in df.select(dwell_band(F.col("m"), BOUNDS)).collect()]
    assert got == ["under_60", "under_60", "60_180", "60_180", "180_360", "180_360", "360_plus",
                   "360_plus"]  # fmt: skip


def test_work_area_is_the_modal_weekday_daytime_area_with_enough_days_and_not_home(spark):
    rows = (
        _present("w", "A2", WEEK[:5], range(9, 17))  # 5 weekdays at A2: works there
        + _present("few", "A2", WEEK[:4], range(9, 17))  # 4 weekdays: too few
        + _present("tie", "A3", WEEK[:5], range(9, 13))  # 20 bins each: smallest area wins
        + _present("tie", "A2", WEEK[:5], range(13, 17))
        + _present("home", "A1", WEEK[:5], range(9, 17))  # modal area is its home: none
        + _present("home", "A3", WEEK[:5], range(9, 10))
        + _present("wkend", "A3", WEEK[3:7], range(9, 17))  # Thu, Fri + the weekend: 2 days
        + _present("late", "A2", WEEK[:5], [8, 17, 18])  # outside hours 9..16: not counted
    )
    homes = spark.createDataFrame(
        [("w", "A1"), ("few", "A1"), ("tie", None), ("home", "A1"), ("wkend", "A1")],
        f"{C.TOKEN} string, {C.HOME_AREA_ID} string",
    )
    got = spark.createDataFrame(rows, PRESENT).transform(work_areas("2026-03", 5, homes))
    found = {r[C.TOKEN]: (r[C.WORK_AREA_ID], r[C.WORK_DAYS]) for r in got.collect()}
    assert found == {
        "w": ("A2", 5),
        "few": (None, 4),
        "tie": ("A2", 5),
        "home": (None, 5),
        "wkend": (None, 2),
    }


def test_visitor_class_per_case_and_dwell_from_the_hours_minutes(spark):
    # (date, hour, area, token, dwell_us, weight, home, work); origin_id O<token>
    hour_us = 60 * MINUTE_US
    rows = [
        (MONDAY, 9, "A1", "res", hour_us, 2.0, "A1", "A2"),  # at home: resident
        (MONDAY, 10, "A1", "res", 20 * MINUTE_US, 2.0, "A1", "A2"),  # 80 min in all
        (MONDAY, 9, "A2", "wrk", 3 * hour_us, 3.0, "A1", "A2"),  # at work: worker
        (MONDAY, 9, "A3", "vis", 0, 4.0, "A1", "A2"),  # elsewhere: visitor, an event only
        (MONDAY, 9, "A1", "unk", hour_us, 5.0, None, None),  # unknown home: visitor
        (MONDAY, 9, "A3", "roam", 6 * hour_us, 1.0, None, "A3"),  # a roamer at its work area
    ]
    schema = (
        f"{C.DATE} date, {C.HOUR} int, {C.AREA_ID} string, {C.TOKEN} string, {DWELL_US} long, "
        f"{C.WEIGHT} double, {C.HOME_AREA_ID} string, {C.WORK_AREA_ID} string, "
        f"{C.ORIGIN_ID} string"
    )
    rows = [(*r, f"O{r[3]}") for r in rows]
    expected = {  # one row per (date, area, token): res's two hours are summed
        "res": ("A1", "resident", "60_180", "Ores", 2.0),
        "wrk": ("A2", "worker", "180_360", "Owrk", 3.0),
        "vis": ("A3", "visitor", "under_60", "Ovis", 4.0),
        "unk": ("A1", "visitor", "60_180", "Ounk", 5.0),
        "roam": ("A3", "worker", "360_plus", "Oroam", 1.0),
    }
    # summed by the aggregate; and as footfall_stay_bins gives them, each (date, area, token)'s
    # dwell on one of its rows (res: 80 minutes on its 9:00 row, none on its 10:00 row)
    given = [(*r, 80 * MINUTE_US if r[3] == "res" else r[4]) for r in rows]
    given[1] = (*given[1][:-1], None)
    for frame, aggregates in (
        (spark.createDataFrame(rows, schema), True),
        (spark.createDataFrame(given, f"{schema}, {DAY_DWELL_US} long"), False),
    ):
        daily = frame.transform(daily_stays(BOUNDS))
        got = daily.collect()
        assert any("Aggregate" in n.nodeName() for n in plan_nodes(daily)) == aggregates
        found = {
            r[C.TOKEN]: (
                r[C.AREA_ID],
                r[C.VISITOR_CLASS],
                r[C.DWELL_BAND],
                r[C.ORIGIN_ID],
                r[C.WEIGHT],
            )
            for r in got
        }
        assert found == expected


def _audit(spark, part, rows):
    schema = (
        f"{C.DATE} date, {C.AREA_ID} string, {part} string, subscribers long, extrapolated double"
    )
    return spark.createDataFrame([(MONDAY, "A1", *r) for r in rows], schema)


@pytest.mark.parametrize(
    ("part", "names"),
    [(C.DWELL_BAND, ("under_60", "60_180", "180_360")), (C.VISITOR_CLASS, C.VISITOR_CLASSES)],
)
def test_small_part_is_merged_into_other_with_the_smallest_released_one(spark, part, names):
    # k_min 15: the third part (3) is suppressed; other = 3 < 15, so the smallest released part
    # (17) joins it: other = 20 subscribers, 17.4 + 3.3 = 20.7 -> 20 visitors; all stays
    a, b, c = names
    audit = _audit(spark, part, [("all", 40, 41.0), (a, 20, 20.3), (b, 17, 17.4), (c, 3, 3.3)])
    got = control(audit, BREAKDOWN_GROUP, 15, 10, part)
    found = {r[part]: (r[C.SUBSCRIBERS], r[C.VISITORS]) for r in got.collect()}
    assert found == {"all": (40, 40), a: (20, 20), "other": (20, 20)}


def test_a_group_under_k_min_releases_nothing_of_its_breakdowns(spark):
    audit = _audit(spark, C.DWELL_BAND, [("all", 14, 14.0), ("under_60", 14, 14.0)])
    assert control(audit, BREAKDOWN_GROUP, 15, 10, C.DWELL_BAND).count() == 0


def test_breakdown_counts_each_subscriber_once_with_the_all_total(spark):
    rows = [(MONDAY, "A1", "t1", 2.0, "under_60", "visitor"), (MONDAY, "A1", "t2", 3.0,
            "under_60", "resident"), (MONDAY, "A1", "t3", 5.0, "360_plus", "resident")]  # fmt: skip
    schema = (
        f"{C.DATE} date, {C.AREA_ID} string, {C.TOKEN} string, {C.WEIGHT} double, "
        f"{C.DWELL_BAND} string, {C.VISITOR_CLASS} string"
    )
    daily = spark.createDataFrame(rows, schema)
    got = daily.transform(breakdown(C.VISITOR_CLASS)).collect()
    found = {r[C.VISITOR_CLASS]: (r[C.SUBSCRIBERS], r[C.EXTRAPOLATED]) for r in got}
    assert found == {"all": (3, 10.0), "visitor": (1, 2.0), "resident": (2, 8.0)}


def test_presence_writes_dwell_and_class_audit_tables_from_the_stays(spark, make_cfg):
    # h1: 08:00 and 20:00 in A1 (bridged 12 h) -> 07:30-20:30, 780 min: 360_plus, resident;
    # h3 (home A3): one event at 10:00 in A1 -> 09:30-10:30, exactly 60 min: 60_180, visitor
    cfg = make_cfg(release__k_min=1, release__rounding=1)
    write_areas(cfg)
    write_origins(spark, cfg, "2026-03", {"h1": "A1", "h3": "A3"})
    write_events(
        spark,
        cfg,
        [
            event("h1", "2026-03-10", 8, "A1", minute=0),
            event("h1", "2026-03-10", 20, "A1", minute=0),
            event("h3", "2026-03-10", 10, "A1", minute=0),
        ],
    )
    run_presence(spark, cfg, dt.date(2026, 3, 10))
    dwell = lake.read_table(spark, cfg, tables.AUDIT_DWELL).collect()
    assert {(r[C.DWELL_BAND], r[C.SUBSCRIBERS]) for r in dwell} == {
        ("all", 2),
        ("360_plus", 1),
        ("60_180", 1),
    }
    classes = lake.read_table(spark, cfg, tables.AUDIT_CLASS).collect()
    assert {(r[C.VISITOR_CLASS], r[C.SUBSCRIBERS]) for r in classes} == {
        ("all", 2),
        ("resident", 1),
        ("visitor", 1),
    }
    released = lake.read_table(spark, cfg, tables.CANDIDATE_CLASS).collect()
    assert {r[C.VISITOR_CLASS] for r in released} == {"all", "resident", "visitor"}
