"""The cell version of an event (METHOD 3): the versions that can serve the landing window, one
row per cell, so that the parse pass's broadcast join is unique-keyed even where a cell was
re-homed in the window."""

from __future__ import annotations

import datetime as dt

from conftest import plan_nodes
from footfall.core import columns as C
from footfall.stages.cells import AREA_CODE, REGION_CODE, cell_slots, cell_versions
from footfall.stages.ingest import INSTANT, classify
from footfall.stages.landing import FIELDS
from pyspark.sql import functions as F

FIRST, LAST = dt.date(2026, 3, 26), dt.date(2026, 3, 29)  # a landing window: 03-29, 3 days late
D = dt.date.fromisoformat
JOIN = "BroadcastHashJoinExec"


def _cells(spark):
    """c9 re-homed twice (A1, then A2 from 03-21, then A3 from 03-28), c1 never, c7 new in
    October (after the window), c5 retired before it."""
    schema = "cell_id string, area_id string, region_id string, valid_from date, valid_to date"
    rows = [
        ("c9", "A1", "R1", D("2026-01-01"), D("2026-03-20")),
        ("c9", "A2", "R1", D("2026-03-21"), D("2026-03-27")),
        ("c9", "A3", "R2", D("2026-03-28"), None),
        ("c1", "A1", "R1", D("2026-01-01"), None),
        ("c7", "A2", "R1", D("2026-10-01"), None),
        ("c5", "A3", "R2", D("2026-01-01"), D("2026-03-25")),
    ]
    return spark.createDataFrame(rows, schema)


def test_a_cell_has_one_row_with_its_versions_of_the_window_in_slots(spark):
    got = cell_slots(cell_versions(_cells(spark)), FIRST, LAST)
    assert got.slots == 2  # c9's A2 (to 03-27) and A3; A1 ended before the window
    rows = {r["_cell"]: r for r in got.rows.collect()}
    assert sorted(rows) == ["c1", "c9"]  # c7 starts after the window, c5 ended before it
    # the window's areas, coded in order: A1 (c1), A2 and A3 (c9); regions R1, R2
    assert sorted(tuple(r) for r in got.names.collect()) == [
        (0, "A1", "R1"),
        (1, "A2", "R1"),
        (2, "A3", "R2"),
    ]
    assert got.regions == 2
    c9, c1 = rows["c9"], rows["c1"]
    assert (c9["_area0"], c9["_from0"], c9["_to0"]) == (1, D("2026-03-21"), D("2026-03-27"))
    assert (c9["_area1"], c9["_region1"], c9["_to1"]) == (2, 1, D("9999-12-31"))
    assert (c1["_area0"], c1["_region0"], c1["_area1"], c1["_from1"]) == (0, 0, None, None)


def test_an_event_gets_the_version_valid_on_its_date_from_a_unique_keyed_join(spark):
    cells = cell_slots(cell_versions(_cells(spark)), FIRST, LAST)
    schema = (
        f"{C.IMSI} string, {C.CELL_ID} string, {C.EVENT_TYPE} string, {FIELDS} int, "
        f"{INSTANT} timestamp, {C.EVENT_DATE} date, {C.LANDING_DATE} date"
    )

    def event(cell, day):
        at = dt.datetime.combine(D(day), dt.time(12))
        return ("234150000000001", cell, "data", 6, at, D(day), LAST)

    events = [event("c9", "2026-03-27"), event("c9", "2026-03-28"), event("c1", "2026-03-29")]
    events += [event("c7", "2026-03-29"), event("c5", "2026-03-27"), event("x0", "2026-03-29")]
    got = spark.createDataFrame(events, schema).transform(classify(3, cells))
    text = {r[AREA_CODE]: (r[C.AREA_ID], r[C.REGION_ID]) for r in cells.names.collect()}
    regions = {"R1": 0, "R2": 1}
    rows = []
    for r in got.orderBy(C.CELL_ID, C.EVENT_DATE).collect():
        area, region = text.get(r[AREA_CODE], (None, None))
        assert r[REGION_CODE] == regions.get(region)  # the area's region, coded
        rows.append((r[C.CELL_ID], r[C.EVENT_DATE].isoformat(), area, region, r[C.REASON]))
    assert rows == [
        ("c1", "2026-03-29", "A1", "R1", None),
        ("c5", "2026-03-27", None, None, "unknown_cell"),  # retired on 03-25
        ("c7", "2026-03-29", None, None, "unknown_cell"),  # not yet in service
        ("c9", "2026-03-27", "A2", "R1", None),
        ("c9", "2026-03-28", "A3", "R2", None),
        ("x0", "2026-03-29", None, None, "unknown_cell"),
    ]
    # one row per cell: the join's generated code hands its rows on without copying each
    # (joined on the cell and the date range, c9's two versions made it copy every row); the
    # other join is the versions' with their area codes, within `cell_slots`
    joins = [n for n in plan_nodes(got) if n.getClass().getSimpleName() == JOIN]
    assert len(joins) == 2 and not any(j.needCopyResult() for j in joins)
    assert got.where(F.col(C.REASON).isNull()).count() == 3


def test_a_window_without_any_version_gives_no_slots_and_unknown_cells(spark):
    cells = cell_slots(cell_versions(_cells(spark)), D("2025-06-01"), D("2025-06-04"))
    assert (cells.slots, cells.rows.count(), cells.names.count()) == (0, 0, 0)  # all from 2026
    schema = (
        f"{C.IMSI} string, {C.CELL_ID} string, {C.EVENT_TYPE} string, {FIELDS} int, "
        f"{INSTANT} timestamp, {C.EVENT_DATE} date, {C.LANDING_DATE} date"
    )
    at = dt.datetime(2025, 6, 4, 12)
    event = ("234150000000001", "c1", "data", 6, at, D("2025-06-04"), D("2025-06-04"))
    (row,) = spark.createDataFrame([event], schema).transform(classify(3, cells)).collect()
    assert (row[AREA_CODE], row[REGION_CODE], row[C.REASON]) == (None, None, "unknown_cell")
