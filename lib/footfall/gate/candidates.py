"""A date's candidates before the quality gate (METHOD 9): read them, measure them.

`gate_inputs` reads the candidate tables of a date and everything the checks compare them with
(audit tables, ingest log, areas, previous releases); `measure` turns them into the frames the
suites of expectations/ validate, the suites' parameters, the notes added to their messages and
the facts of the steward's report. Frames cached here are cached through `persisted`, which
releases them when the release attempt ends, however it ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from footfall.core import calendar, lake, tables
from footfall.core import columns as C
from footfall.core.config import Config
from footfall.core.errors import UserError
from footfall.gate import measures
from footfall.gate.measures import SupportStats
from footfall.gate.report import ReportFacts

Cache = Callable[[DataFrame], DataFrame]
GROUP_HOURLY = (C.DATE, C.HOUR, C.AREA_ID)  # disclosure groups (METHOD 7)
GROUP_DAILY = (C.DATE, C.AREA_ID)


@contextlib.contextmanager
def persisted() -> Iterator[Cache]:
    """A `cache` function for the block: every frame it caches is unpersisted when it ends."""
    frames: list[DataFrame] = []

    def cache(df: DataFrame) -> DataFrame:
        frames.append(df.cache())
        return frames[-1]

    try:
        yield cache
    finally:
        for df in frames:
            df.unpersist()


@dataclass(frozen=True)
class GateInputs:
    """The candidates of a date and everything the checks compare them with."""

    hourly: DataFrame  # candidate rows of the date (cached)
    daily: DataFrame  # (cached)
    rows_hourly: int
    rows_daily: int
    audit_hourly: DataFrame
    audit_daily: DataFrame
    ingest: DataFrame  # ingest log of the feeding landing days, with its measures (cached)
    landing_days: list[dt.date]
    area_ids: list[str]
    history: list[tuple[dt.date, int]]  # daily `all` totals of the previous releases


@dataclass(frozen=True)
class Support:
    """Candidate rows with the subscribers behind each value, and what they amount to."""

    frame: DataFrame  # (cached)
    stats: SupportStats
    note: str  # the values under k_min, if any


@dataclass(frozen=True)
class Measured:
    """What the suites validate and the report shows."""

    frames: dict[str, dict[str, DataFrame]]  # per suite table, the frames its checks read
    params: dict[str, Any]  # the ${name} values of the suite files
    notes: dict[tuple[str, str], str]  # per (table, check), a sentence added to its message
    facts: ReportFacts


def gate_inputs(spark: SparkSession, cfg: Config, date: dt.date, cache: Cache) -> GateInputs:
    """Read the candidates of date and everything the checks compare them with."""
    hint = f"run `footfall presence --date {date.isoformat()}` first"
    day = lake.Rows(C.DATE, date)
    hourly = cache(lake.read_slice(spark, cfg, tables.CANDIDATE_HOURLY, day))
    daily = cache(lake.read_slice(spark, cfg, tables.CANDIDATE_DAILY, day))
    n_hourly, n_daily = hourly.count(), daily.count()
    if not n_hourly or not n_daily:
        raise UserError(f"no candidate rows for {date.isoformat()}: {hint}")
    days = calendar.feeding_landing_days(date, cfg["ingest.max_lateness_days"])
    ingest = lake.read_slice(
        spark, cfg, tables.INGEST_LOG, lake.Rows(C.LANDING_DATE, days[0], days[-1])
    )
    audit_hourly = lake.read_required(spark, cfg, tables.AUDIT_HOURLY, hint)
    audit_daily = lake.read_required(spark, cfg, tables.AUDIT_DAILY, hint)
    released = lake.read_table(spark, cfg, tables.RELEASED_DAILY)
    return GateInputs(
        hourly=hourly,
        daily=daily,
        rows_hourly=n_hourly,
        rows_daily=n_daily,
        audit_hourly=lake.where(audit_hourly, day),
        audit_daily=lake.where(audit_daily, day),
        ingest=cache(measures.ingest_measures(ingest).orderBy(C.LANDING_DATE)),
        landing_days=days,
        area_ids=sorted(r[0] for r in lake.read_areas(spark, cfg).select(C.AREA_ID).collect()),
        history=measures.history_totals(released, date, cfg["quality.volume_history"]),
    )


def _support(
    cache: Cache, candidates: DataFrame, audit: DataFrame, group: tuple[str, ...], k_min: int
) -> Support:
    frame = cache(measures.with_support(candidates, audit, group))
    stats = measures.support_stats(frame, audit, k_min)
    note = measures.below_k_min(frame, k_min, group) if stats.below_k_min else ""
    return Support(frame, stats, note)


def measure(
    spark: SparkSession, cfg: Config, date: dt.date, inp: GateInputs, cache: Cache
) -> Measured:
    """Frames the suites validate, their parameters, notes and the report's measures."""
    k_min = cfg["release.k_min"]
    hourly = _support(cache, inp.hourly, inp.audit_hourly, GROUP_HOURLY, k_min)
    daily = _support(cache, inp.daily, inp.audit_daily, GROUP_DAILY, k_min)
    coverage, total = measures.coverage_and_total(inp.daily, inp.area_ids)
    facts = ReportFacts(
        rows_hourly=inp.rows_hourly,
        rows_daily=inp.rows_daily,
        ingest=[r.asDict() for r in inp.ingest.drop("files", "failed_files").collect()],
        suppression_hourly=hourly.stats,
        suppression_daily=daily.stats,
        coverage=coverage,
        volume=measures.volume(total, inp.history),
        hours_observed=sorted(r[0] for r in inp.hourly.select(C.HOUR).distinct().collect()),
        hours_expected=calendar.local_hours(date, cfg.zone),
        k_min=k_min,
        rounding=cfg["release.rounding"],
        volume_tolerance=cfg["quality.volume_tolerance"],
    )
    summary = spark.createDataFrame(
        [(coverage.share, float(facts.volume.deviation))],
        "coverage double, volume_deviation double",
    )
    frames = {
        tables.RELEASED_HOURLY.name: {"rows": inp.hourly, "support": hourly.frame},
        tables.RELEASED_DAILY.name: {"rows": inp.daily, "support": daily.frame, "summary": summary},
        tables.INGEST_LOG.name: {"rows": inp.ingest},
    }
    params = suite_params(cfg, date, inp, facts.hours_expected)
    return Measured(frames, params, _notes(facts, hourly.note, daily.note), facts)


def suite_params(
    cfg: Config, date: dt.date, inp: GateInputs, expected_hours: list[int]
) -> dict[str, Any]:
    """The values the suite files refer to as ${name} (besides the table contract's)."""
    return {
        "date": date.isoformat(),  # GE compares value sets as text
        "zone": cfg.zone,
        "k_min": cfg["release.k_min"],
        "rounding": cfg["release.rounding"],
        "origin_level": cfg["origins.level"],
        "area_ids": inp.area_ids,
        "expected_hours": expected_hours,
        "expected_hours_count": len(expected_hours),
        "expected_hours_text": ", ".join(map(str, expected_hours)),
        "min_coverage": cfg["quality.min_coverage"],
        "volume_tolerance": cfg["quality.volume_tolerance"],
        "max_quarantine_rate": cfg["quality.max_quarantine_rate"],
        "landing_days": [d.isoformat() for d in inp.landing_days],
        "landing_days_text": ", ".join(d.isoformat() for d in inp.landing_days),
    }


def _notes(facts: ReportFacts, below_hourly: str, below_daily: str) -> dict[tuple[str, str], str]:
    """What the report adds to a check's message: the measure behind it, in words."""
    hours = facts.hours_observed
    missing = sorted(set(facts.hours_expected) - set(hours))
    missing_text = f"; missing hour(s) {', '.join(map(str, missing))}." if missing else "."
    cov = facts.coverage
    hourly, daily, ingest = (
        tables.RELEASED_HOURLY.name,
        tables.RELEASED_DAILY.name,
        tables.INGEST_LOG.name,
    )
    return {
        (hourly, "hour_bins"): f"{len(hours)} distinct hours in the candidates{missing_text}",
        (daily, "coverage"): f"{cov.covered} of {cov.areas} areas have a daily `all` value "
        f"({cov.share:.1%}).",
        (daily, "volume"): facts.volume.note + ".",
        (hourly, "k_min"): below_hourly,
        (daily, "k_min"): below_daily,
        (ingest, "conservation"): measures.ingest_note(facts.ingest, "conservation_gap"),
        (ingest, "quarantine_reasons"): measures.ingest_note(facts.ingest, "reason_gap"),
    }
