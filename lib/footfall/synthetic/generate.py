"""`footfall generate` (METHOD 10): a synthetic country's data, the exam the pipeline sits.

The job: check the generate.* values and build the world (`generate_world`, from `world` and
`clock`; `gravity`), its people and their days (`people`, `schedule`), inject the intervention
(`generate_world`, `intervention`), then write under `--out`:
`reference/` (`reference`: areas.csv, cells.csv, subscribers.csv), `ground_truth/` (`truth`,
intervention.json, faults.json, summary.json) and `landing/events/` (the subscribers' `events`
as `landing` lines with `faults`). The same seed and config give the same files.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession

from footfall.core import columns as C
from footfall.core.config import Config
from footfall.synthetic.clock import DAYS_SCHEMA, first_midnight
from footfall.synthetic.events import subscriber_events
from footfall.synthetic.faults import DUPLICATE, KINDS, FaultRates, invalid_cell
from footfall.synthetic.generate_world import (
    World,
    build_world,
    check_values,
    intervened,
    log_world,
)
from footfall.synthetic.gravity import gravity_frame
from footfall.synthetic.intervention import Intervention
from footfall.synthetic.landing import landing_counts, landing_days, landing_lines, write_landing
from footfall.synthetic.people import people_frame
from footfall.synthetic.reference import write_areas, write_cells, write_subscribers
from footfall.synthetic.schedule import person_days_frame, with_bins
from footfall.synthetic.truth import (
    breakdown_counts,
    homes,
    presence_daily,
    presence_hourly,
    residents,
    stays_daily,
)
from footfall.synthetic.world import area_ids, cells_by_day

log = logging.getLogger(__name__)
SPILL = StorageLevel.MEMORY_AND_DISK
FAULTS_NOTE = (
    "per landing day: lines written, injected rows per quarantine reason, and "
    "duplicated rows (each written twice, so 'duplicate' extra lines)"
)


@dataclass(frozen=True)
class OutputFolders:
    reference: Path
    truth: Path
    landing: Path

    @classmethod
    def under(cls, out: Path) -> OutputFolders:
        """The three folders under `out`, created."""
        out = Path(out).expanduser().resolve()
        folders = cls(out / "reference", out / "ground_truth", out / "landing")
        for folder in (folders.reference, folders.truth, folders.landing):
            folder.mkdir(parents=True, exist_ok=True)
        return folders


def run_generate(
    spark: SparkSession,
    cfg: Config,
    out: Path,
    subscribers: int,
    days: int,
    start: dt.date,
    seed: int,
) -> dict:
    """Write reference files, landing events and ground truth under `out`; return a summary."""
    check_values(cfg, subscribers, days)
    folders = OutputFolders.under(out)
    world = build_world(cfg, subscribers, days, start, seed)
    write_areas(folders.reference / "areas.csv", world.areas)
    write_cells(folders.reference / "cells.csv", world.cells, world.areas)
    log_world(world)

    gravity = gravity_frame(spark, world.areas)
    day_frame = spark.createDataFrame(world.bins, DAYS_SCHEMA)
    people = people_frame(spark, world.areas, world.roamers, days, gravity, seed).persist(SPILL)
    base_days = person_days_frame(people, day_frame, gravity, seed).persist(SPILL)
    person_days, intervention = intervened(base_days, world, cfg)
    person_days = person_days.persist(SPILL)
    rates = FaultRates(
        cfg["generate.fault_rate"], cfg["generate.duplicate_rate"], cfg["generate.late_rate"]
    )
    try:
        person_day_bins = with_bins(person_days, day_frame)
        _write_truth(
            folders.truth, world, people, person_days, person_day_bins, intervention,
            cfg["presence.dwell_bands_minutes"],
        )  # fmt: skip
        write_subscribers(people, folders.reference / "subscribers.csv")
        counts = _write_landing(spark, cfg, folders.landing, world, person_day_bins, rates)
    finally:
        person_days.unpersist()
        base_days.unpersist()
        people.unpersist()

    total = _write_faults(folders.truth, rates, counts)
    summary = _summary(world, total, len(counts), intervention)
    _json(folders.truth / "summary.json", summary)
    log.info(
        "generate: %d events in %d lines over %d landing days",
        summary["events"],
        total["lines"],
        len(counts),
    )
    return {
        **summary,
        "landing": str(folders.landing / "events"),
        "reference": str(folders.reference),
        "ground_truth": str(folders.truth),
    }


# ---------------------------------------------------------------- outputs


def _write_truth(
    truth: Path,
    world: World,
    people: DataFrame,
    person_days: DataFrame,
    person_day_bins: DataFrame,
    intervention: Intervention,
    dwell_bounds: list[int],
) -> None:
    """homes, residents, presence_hourly, presence_daily, stays_daily with its dwell_daily and
    visitor_class_daily counts (Parquet) and intervention.json."""
    area_id = area_ids(world.areas)
    log.info("generate: writing ground truth to %s", truth)
    _parquet(homes(people, area_id), truth / "homes")
    log.info("generate: wrote %s", truth / "homes")
    _parquet(residents(people, area_id), truth / "residents")
    _parquet(presence_hourly(person_day_bins, area_id), truth / "presence_hourly")
    log.info("generate: wrote %s", truth / "presence_hourly")
    _parquet(presence_daily(person_days, area_id), truth / "presence_daily")
    stays = stays_daily(person_day_bins, area_id, dwell_bounds)
    _parquet(stays, truth / "stays_daily")
    stays = stays.sparkSession.read.parquet(str(truth / "stays_daily"))
    _parquet(breakdown_counts(stays, C.DWELL_BAND), truth / "dwell_daily")
    _parquet(breakdown_counts(stays, C.VISITOR_CLASS), truth / "visitor_class_daily")
    log.info("generate: wrote %s, dwell_daily, visitor_class_daily", truth / "stays_daily")
    _json(truth / "intervention.json", intervention.record())


def _write_landing(
    spark: SparkSession,
    cfg: Config,
    landing: Path,
    world: World,
    person_day_bins: DataFrame,
    rates: FaultRates,
) -> dict[str, dict[str, int]]:
    """The landing zone's files; returns the lines and injected faults per landing day."""
    log.info("generate: writing landing events to %s", landing / "events")
    cells = cells_by_day(spark, world.cells, world.start, world.days)
    events = subscriber_events(person_day_bins, cells, world.seed)
    max_late = cfg["ingest.max_lateness_days"]
    lines = landing_lines(
        events,
        world.seed,
        landing_days(world.start, world.days + max_late),
        first_midnight(world.bins),
        rates,
        max_late,
        invalid_cell(world.plan, world.start),
    )
    write_landing(spark, lines, landing, cfg["generate.files_per_day"])
    log.info("generate: counting lines and injected faults per landing day")
    return landing_counts(lines)


def _write_faults(truth: Path, rates: FaultRates, counts: dict) -> dict[str, int]:
    """faults.json: the rates and the injected faults per landing day; returns the totals."""
    total = {kd: sum(c[kd] for c in counts.values()) for kd in ("lines", *KINDS)}
    faults = {
        "rates": asdict(rates),
        "note": FAULTS_NOTE,
        "by_landing_date": counts,
        "total": total,
    }
    _json(truth / "faults.json", faults)
    return total


def _summary(
    world: World, total: dict[str, int], n_landing_days: int, intervention: Intervention
) -> dict:
    """summary.json: the size of the world and of its landing data."""
    subscribers = sum(a.subscribers for a in world.areas)
    events = total["lines"] - total[DUPLICATE]
    return {
        "people": sum(a.population for a in world.areas),
        "subscribers": subscribers,
        "roamers": world.roamers,
        "areas": len(world.areas),
        "cell_versions": len(world.cells),
        "days": world.days,
        "start": world.start.isoformat(),
        "seed": world.seed,
        "events": events,
        "lines": total["lines"],
        "events_per_subscriber_day": round(events / max(1, subscribers * world.days), 1),
        "landing_days": n_landing_days,
        "intervention_uplift": intervention.record().get("uplift"),
    }


def _parquet(df: DataFrame, path: Path) -> None:
    df.coalesce(1).write.mode("overwrite").parquet(str(path))


def _json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=2, default=str) + "\n")
