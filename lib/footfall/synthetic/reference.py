"""The reference files of the synthetic world (METHOD 1.2), as the pipeline reads them.

areas.csv (the census population is the number of synthetic residents), cells.csv (every
version of every cell) and the optional CRM file subscribers.csv; the headers are the reference
schemas of `footfall.core.tables`.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from pyspark.sql import DataFrame

from footfall.core import columns as C
from footfall.core import inputs
from footfall.synthetic.world import Area, Cell


def write_areas(path: Path, areas: list[Area]) -> None:
    """areas.csv: the census population is the number of synthetic residents."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(inputs.AREAS_SCHEMA.fieldNames())
        w.writerows([a.area_id, a.name, a.district_id, a.region_id, a.population] for a in areas)


def write_cells(path: Path, cells: list[Cell], areas: list[Area]) -> None:
    """cells.csv with every version of every cell (empty valid_to = still valid)."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(inputs.CELLS_SCHEMA.fieldNames())
        for c in cells:
            to = c.valid_to.isoformat() if c.valid_to else ""
            w.writerow(
                [c.cell_id, areas[c.area_idx].area_id, c.lat, c.lon, c.valid_from.isoformat(), to]
            )


def write_subscribers(people: DataFrame, path: Path) -> None:
    """subscribers.csv (CRM): imsi, age_band, gender of every subscriber."""
    _single_csv(people.where("is_subscriber").select(C.IMSI, "age_band", "gender"), path)


def _single_csv(df: DataFrame, target: Path) -> None:
    """Write a small frame as one CSV file with a header (via Spark, so no driver collect)."""
    tmp = target.with_name(f".{target.name}.tmp")
    df.coalesce(1).write.mode("overwrite").option("header", True).csv(str(tmp))
    part = next(tmp.glob("part-*.csv"))
    shutil.move(str(part), str(target))
    shutil.rmtree(tmp)
