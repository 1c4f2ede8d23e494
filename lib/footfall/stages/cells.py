"""The cells reference (METHOD 1.2, 3): cell versions, their checks, and the versions that can
serve a landing window as one row per cell (`cell_slots`), which ingest's `classify` joins."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core.errors import UserError

OPEN_END = dt.date(9999, 12, 31)


def cell_versions(cells: DataFrame) -> DataFrame:
    """Cell versions as (cell, area, region, from, to) with an open valid_to made explicit."""
    return cells.select(
        F.col(C.CELL_ID).alias("_cell"),
        C.AREA_ID,
        C.REGION_ID,
        F.col(C.VALID_FROM).alias("_from"),
        F.coalesce(F.col(C.VALID_TO), F.lit(OPEN_END)).alias("_to"),
    )


def check_cells(cells: DataFrame) -> None:
    """UserError when a cell version has no known area, a reversed range, or overlaps another."""
    v = cell_versions(cells)
    prev_to = F.lag("_to").over(Window.partitionBy("_cell").orderBy("_from", "_to"))
    problem = (
        F.when(F.col(C.REGION_ID).isNull(), "area_id not in areas.csv")
        .when(F.col("_to") < F.col("_from"), "valid_to before valid_from")
        .when(F.col("_from") <= prev_to, "overlapping versions")
    )
    try:
        found = (
            v.select("_cell", problem.alias("p")).where(F.col("p").isNotNull()).limit(5).collect()
        )
    except Exception as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise UserError(f"cells.csv or areas.csv could not be parsed: {first}") from None
    if found:
        listed = "; ".join(f"{r['_cell']}: {r['p']}" for r in found)
        raise UserError(f"cells.csv: fix the cell versions ({listed})")


AREA_CODE, REGION_CODE = "_area", "_region"


@dataclass(frozen=True)
class CellSlots:
    """The cell versions that can serve a landing window, one row per cell: `_cell` and, for
    each slot i < slots, the cell's i-th version (by valid_from) as `_from{i}`, `_to{i}`,
    `_area{i}` and `_region{i}` (null when the cell has fewer versions).

    Areas and regions are small integer codes; `names` is the table back to text: one row per
    area of the window, (`_area`, area_id, region_id); `regions`: how many regions it has."""

    rows: DataFrame
    slots: int
    names: DataFrame
    regions: int


def cell_slots(versions: DataFrame, first: dt.date, last: dt.date) -> CellSlots:
    """`CellSlots` of the versions (`cell_versions`) valid on any date of first..last (the
    landing window: a valid event's local date lies in it). Two small Spark jobs over the
    reference table: its areas (one row each) and the slots' count.

    One row per cell makes the events' broadcast join unique-keyed. Joined on the cell and the
    date range, a re-homed cell (two versions) made the join's keys non-unique, and Spark then
    copied every row the parse pass's generated code output, whatever its cell (copies were a
    tenth of that pass in a 10M profile: half this one, half the checkpoint's own):
    bench/README.md, twenty-fourth pass.

    Codes, not text: an area and a region are 8 bytes of an event's row as an int, 16 or more as
    text, in ingest's kept rows, its shuffle and its dedup's keys; the events get their text
    back after the dedup (`footfall.stages.ingest.valid_events`). An area lies in one region
    (areas.csv), so the area's code gives both."""
    window = versions.where((F.col("_to") >= F.lit(first)) & (F.col("_from") <= F.lit(last)))
    areas = sorted(tuple(r) for r in window.select(C.AREA_ID, C.REGION_ID).distinct().collect())
    region_code = {region: i for i, region in enumerate(sorted({r for _, r in areas}))}
    # one table of codes: the slots' (by area_id) and the way back to text (`names`)
    table = versions.sparkSession.createDataFrame(
        [(i, region_code[region], area, region) for i, (area, region) in enumerate(areas)],
        f"{AREA_CODE} int, {REGION_CODE} int, {C.AREA_ID} string, {C.REGION_ID} string",
    )
    coded = window.join(F.broadcast(table.drop(C.REGION_ID)), C.AREA_ID)
    numbered = coded.withColumn(
        "_slot", F.row_number().over(Window.partitionBy("_cell").orderBy("_from")) - 1
    )
    slots = numbered.agg(F.max("_slot")).first()[0]
    slots = 0 if slots is None else int(slots) + 1
    fields = ("_from", "_to", AREA_CODE, REGION_CODE)
    slotted = [
        F.max(F.when(F.col("_slot") == i, F.col(name))).alias(f"{name}{i}")
        for i in range(slots)
        for name in fields
    ]
    # no version in the window: no rows, and every event's cell is unknown (`_of_version`)
    rows = numbered.groupBy("_cell").agg(*slotted) if slots else numbered.select("_cell")
    return CellSlots(rows, slots, table.drop(REGION_CODE), len(region_code))


def of_version(date: Column, slots: int, name: str) -> Column:
    """The code `name` (AREA_CODE, REGION_CODE) of the cell's version valid on date (null when
    none is)."""
    if not slots:
        return F.lit(None).cast("int")

    def valid(i: int) -> Column:
        return date.between(F.col(f"_from{i}"), F.col(f"_to{i}"))

    picked = F.when(valid(0), F.col(f"{name}0"))
    for i in range(1, slots):
        picked = picked.when(valid(i), F.col(f"{name}{i}"))
    return picked
