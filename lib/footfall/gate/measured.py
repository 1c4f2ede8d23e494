"""What the quality gate measures of a batch of dates' candidates (METHOD 9), read by
`gate.candidates`: the frames the suites of expectations/ validate (for every date at once:
gate.split), each date's suite parameters and the measures of its report (the breakdowns' of
METHOD 5.3: gate.breakdowns). A date's volume is not among them: its history holds the earlier
dates of the batch that pass (gate.verdicts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from footfall.core import calendar, tables
from footfall.core import columns as C
from footfall.core.config import Config
from footfall.gate import breakdowns, measures, split
from footfall.gate.breakdowns import BREAKDOWNS
from footfall.gate.candidates import GROUP_DAILY, GROUP_HOURLY, Cache, GateInputs
from footfall.gate.split import BatchFrame
from footfall.runtime.concurrent import run_together


@dataclass(frozen=True)
class Measured:
    """What the suites validate and the reports show, for every date of a batch."""

    frames: dict[split.Key, BatchFrame]  # per (suite table, frame), what its checks read
    params: dict[dt.date, dict[str, Any]]  # per date, the ${name} values of the suite files
    facts: dict[dt.date, dict[str, Any]]  # per date, the report's measures but the volume
    notes: dict[dt.date, dict[split.Key, str]]  # per date, (table, check): values out of line


def measure(spark: SparkSession, cfg: Config, inp: GateInputs, cache: Cache) -> Measured:
    """The frames the suites validate, every date's parameters, report measures and notes."""
    k_min = cfg["release.k_min"]
    support_hourly = cache(
        measures.with_support(inp.hourly, inp.audit_hourly, GROUP_HOURLY).coalesce(1)
    )
    support_daily = cache(
        measures.with_support(inp.daily, inp.audit_daily, GROUP_DAILY).coalesce(1)
    )
    # the tables' measures (a few small Spark jobs each) at once (`run.write_threads`)
    measured = run_together(
        spark,
        [
            partial(_support_measures, support_hourly, inp.audit_hourly, k_min, GROUP_HOURLY),
            partial(_support_measures, support_daily, inp.audit_daily, k_min, GROUP_DAILY),
            *[
                partial(_measure_part, b, inp, k_min, cfg["release.rounding"], cache)
                for b in BREAKDOWNS
            ],
        ],
        cfg["run.write_threads"],
    )
    (stats_hourly, below_hourly), (stats_daily, below_daily) = measured[:2]
    parts = {b.released.name: part for b, part in zip(BREAKDOWNS, measured[2:], strict=True)}
    ingest = [r.asDict() for r in inp.ingest.drop("files", "failed_files").collect()]
    ingest.sort(key=lambda r: r[C.LANDING_DATE])
    frames = _frames(spark, inp, support_hourly, support_daily, parts)
    hourly, daily = tables.RELEASED_HOURLY.name, tables.RELEASED_DAILY.name
    params, facts = {}, {}
    for d in inp.dates:
        n = inp.counts[d]
        expected = calendar.local_hours(d, cfg.zone)
        params[d] = suite_params(cfg, d, inp.area_ids, inp.landing_days[d], expected)
        facts[d] = {
            "rows_hourly": n.rows_hourly,
            "rows_daily": n.rows_daily,
            "ingest": [r for r in ingest if r[C.LANDING_DATE] in inp.landing_days[d]],
            "suppression_hourly": stats_hourly[d],
            "suppression_daily": stats_daily[d],
            "coverage": measures.coverage(n.covered, inp.area_ids),
            "hours_observed": n.hours,
            "hours_expected": expected,
            "k_min": k_min,
            "rounding": cfg["release.rounding"],
            "volume_tolerance": cfg["quality.volume_tolerance"],
            "rows_parts": inp.part_rows[d],
            "suppression_parts": {name: p.stats[d] for name, p in parts.items() if d in p.stats},
        }
    notes = {
        d: {
            (hourly, "k_min"): below_hourly.get(d, ""),
            (daily, "k_min"): below_daily.get(d, ""),
            **{k: v for p in parts.values() for k, v in p.notes.get(d, {}).items()},
        }
        for d in inp.dates
    }
    return Measured(frames, params, facts, notes)


def _frames(
    spark: SparkSession,
    inp: GateInputs,
    support_hourly: DataFrame,
    support_daily: DataFrame,
    parts: dict[str, breakdowns.Part],
) -> dict[split.Key, BatchFrame]:
    """Per (suite table, frame), what its checks read, for every date of the batch."""
    hourly, daily = tables.RELEASED_HOURLY.name, tables.RELEASED_DAILY.name
    owners = {x: [d for d in inp.dates if x in inp.landing_days[d]] for x in _days(inp)}
    frames = {
        (hourly, "rows"): split.by_date(inp.hourly),
        (hourly, "support"): split.by_date(support_hourly),
        (daily, "rows"): split.by_date(inp.daily),
        (daily, "support"): split.by_date(support_daily),
        (tables.INGEST_LOG.name, "rows"): split.by_owner(spark, inp.ingest, C.LANDING_DATE, owners),
    }
    for name, p in parts.items():
        frames.update({(name, f): split.by_date(df) for f, df in p.frames.items()})
    return frames


def _support_measures(
    support: DataFrame, audit: DataFrame, k_min: int, group: tuple[str, ...]
) -> tuple[dict[dt.date, measures.SupportStats], dict[dt.date, str]]:
    """A table's support statistics per date, and its groups under k_min on the dates with
    any (`measures.below_k_min`)."""
    stats = measures.support_stats(support, audit, k_min)
    below = [d for d, s in stats.items() if s.below_k_min]
    return stats, measures.below_k_min(support, k_min, group, below)


def _measure_part(
    b: breakdowns.Breakdown, inp: GateInputs, k_min: int, rounding: int, cache: Cache
) -> breakdowns.Part:
    """One breakdown's measures (gate.breakdowns), from the batch's rows of it."""
    rows, audit = inp.parts[b.released.name]
    return breakdowns.measure_part(b, rows, audit, inp.daily, inp.dates, k_min, rounding, cache)


def _days(inp: GateInputs) -> list[dt.date]:
    return sorted({x for days in inp.landing_days.values() for x in days})


def suite_params(
    cfg: Config,
    date: dt.date,
    area_ids: list[str],
    landing_days: list[dt.date],
    expected_hours: list[int],
) -> dict[str, Any]:
    """The values the suite files refer to as ${name} (besides the table contract's)."""
    return {
        "date": date.isoformat(),  # GE compares value sets as text
        "zone": cfg.zone,
        "k_min": cfg["release.k_min"],
        "rounding": cfg["release.rounding"],
        "origin_level": cfg["origins.level"],
        "area_ids": area_ids,
        "expected_hours": expected_hours,
        "expected_hours_count": len(expected_hours),
        "expected_hours_text": ", ".join(map(str, expected_hours)),
        "min_coverage": cfg["quality.min_coverage"],
        "volume_tolerance": cfg["quality.volume_tolerance"],
        "max_quarantine_rate": cfg["quality.max_quarantine_rate"],
        "landing_days": [d.isoformat() for d in landing_days],
        "landing_days_text": ", ".join(d.isoformat() for d in landing_days),
        **breakdowns.part_values(cfg["presence.dwell_bands_minutes"]),
    }
