"""The driver-side world of one `footfall generate` run: the generate.* value checks, the areas
and cells sized for the subscribers, the roamers and the local hour bins (`World`), and the
configured intervention injected into the person-days.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from pyspark.sql import DataFrame

from footfall.core import columns as C
from footfall.core.config import Config
from footfall.core.errors import UserError
from footfall.synthetic.clock import day_bins
from footfall.synthetic.intervention import Intervention, intervene
from footfall.synthetic.world import Area, Cell, CellPlan, build_areas, build_cells

# the job's log lines keep the name they had before the world left synthetic.generate
log = logging.getLogger("footfall.synthetic.generate")


@dataclass(frozen=True)
class World:
    """The driver-side world of one run: geography, network plan, calendar and seed."""

    areas: list[Area]
    cells: list[Cell]
    plan: CellPlan
    roamers: int
    start: dt.date
    days: int
    bins: list[tuple]  # clock.day_bins
    seed: int


def check_values(cfg: Config, subscribers: int, days: int) -> None:
    """Value checks of the generate.* keys; each failure names the key to fix."""
    if subscribers < 1 or days < 1:
        raise UserError("generate needs --subscribers >= 1 and --days >= 1")
    for key in ("generate.regions", "generate.districts_per_region", "generate.areas_per_district"):
        if cfg[key] < 1:
            raise UserError(f"{key} must be >= 1")
    if cfg["generate.files_per_day"] < 1:
        raise UserError("generate.files_per_day must be >= 1")
    for key in ("generate.roamer_share", "generate.duplicate_rate", "generate.late_rate"):
        if not 0 <= cfg[key] <= 1:
            raise UserError(f"{key} must be between 0 and 1")
    if len(C.QUARANTINE_REASONS) * cfg["generate.fault_rate"] + cfg["generate.duplicate_rate"] > 1:
        raise UserError("generate.fault_rate x 6 + generate.duplicate_rate must be <= 1")
    if cfg["generate.intervention_uplift"] < 0:
        raise UserError("generate.intervention_uplift must be >= 0")


def build_world(cfg: Config, subscribers: int, days: int, start: dt.date, seed: int) -> World:
    """Areas sized for `subscribers`, their cells, the roamers and the local hour bins."""
    areas = build_areas(
        cfg["generate.regions"],
        cfg["generate.districts_per_region"],
        cfg["generate.areas_per_district"],
        subscribers,
        seed,
    )
    ids = [a.area_id for a in areas]
    iv_area = cfg["generate.intervention_area"]
    if iv_area and iv_area not in ids:
        raise UserError(
            f"generate.intervention_area {iv_area} is not a generated area "
            f"({ids[0]} .. {ids[-1]}); choose one of them or leave it empty"
        )
    cells, plan = build_cells(areas, start, days, seed)
    roamers = round(cfg["generate.roamer_share"] * sum(a.subscribers for a in areas))
    bins = day_bins(start, days, cfg.zone)
    return World(areas, cells, plan, roamers, start, days, bins, seed)


def log_world(world: World) -> None:
    log.info(
        "generate: %d areas, %d cell versions, %d people, %d subscribers, %d roamers, "
        "%d days from %s",
        len(world.areas),
        len(world.cells),
        sum(a.population for a in world.areas),
        sum(a.subscribers for a in world.areas),
        world.roamers,
        world.days,
        world.start,
    )


def intervened(base_days: DataFrame, world: World, cfg: Config) -> tuple[DataFrame, Intervention]:
    """Person-days with the configured intervention injected (if it falls in the days)."""
    area_id, date = cfg["generate.intervention_area"], cfg["generate.intervention_date"]
    person_days, intervention = intervene(
        base_days,
        world.areas,
        area_id,
        date,
        world.start,
        world.days,
        cfg["generate.intervention_uplift"],
        world.seed,
    )
    if intervention.injected:
        log.info(
            "generate: intervention %s from %s: %d extra visits, uplift %.4f",
            area_id,
            date,
            intervention.added,
            intervention.uplift,
        )
    elif area_id:
        log.warning(
            "generate: intervention date %s is outside %s .. %s; none injected",
            date,
            world.start,
            world.start + dt.timedelta(days=world.days - 1),
        )
    return person_days, intervention
