"""The breakdowns of METHOD 5.3 at the quality gate (METHOD 9): dwell_daily and
visitor_class_daily, gated and published with origin presence (METHOD 8).

Which tables a breakdown is (`BREAKDOWNS`), its candidate rows per date, what the gate measures
of it for a batch of dates (rows, support, its (date, area) groups beside the daily `all`, and
notes of the values out of line) and the parts its suite files allow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyspark.sql import DataFrame

from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.gate import measures, split
from footfall.stages.dwell import band_labels

GROUP = (C.DATE, C.AREA_ID)  # a breakdown's disclosure groups (METHOD 7): the daily table's


@dataclass(frozen=True)
class Breakdown:
    """A daily breakdown of METHOD 5.3, gated and published with origin-presence (METHOD 8)."""

    released: tables.Table
    candidate: tables.Table
    audit: tables.Table
    part: str  # the column of its parts (dwell_band, visitor_class)


BREAKDOWNS = (
    Breakdown(tables.RELEASED_DWELL, tables.CANDIDATE_DWELL, tables.AUDIT_DWELL, C.DWELL_BAND),
    Breakdown(tables.RELEASED_CLASS, tables.CANDIDATE_CLASS, tables.AUDIT_CLASS, C.VISITOR_CLASS),
)


@dataclass(frozen=True)
class Part:
    """What the gate measures of one breakdown for a batch of dates."""

    frames: dict[str, DataFrame]  # rows, support, groups
    stats: dict[dt.date, measures.SupportStats]
    notes: dict[dt.date, dict[split.Key, str]]


def part_rows(dates: list[dt.date], frames: dict[str, DataFrame]) -> dict[dt.date, dict]:
    """Candidate rows of every breakdown per date (one small job for all of them)."""
    counts = lake.rows_per_date(frames)
    return {d: {name: counts.get((d, name), 0) for name in frames} for d in dates}


def measure_part(
    b: Breakdown,
    rows: DataFrame,
    audit: DataFrame,
    daily: DataFrame,
    dates: list[dt.date],
    k_min: int,
    rounding: int,
    cache: Callable[[DataFrame], DataFrame],
) -> Part:
    """A breakdown's rows, its support (traced in its audit table) and its (date, area) groups
    beside the daily origin-presence `all` (`daily`), with the notes of the values out of line."""
    support = cache(measures.with_support(rows, audit, GROUP, b.part).coalesce(1))
    groups = cache(measures.breakdown_groups(rows, daily, b.part).coalesce(1))
    stats = measures.support_stats(support, audit, k_min, b.part)
    below = measures.below_k_min(
        support, k_min, GROUP, [d for d, s in stats.items() if s.below_k_min], part=b.part
    )
    off = measures.group_notes(groups, rounding)
    name = b.released.name
    notes = {
        d: {(name, "k_min"): below.get(d, ""), **{(name, c): t for c, t in off.get(d, {}).items()}}
        for d in dates
    }
    return Part({"rows": rows, "support": support, "groups": groups}, stats, notes)


def part_values(bounds: list[int]) -> dict[str, Any]:
    """The allowed dwell bands and visitor classes (METHOD 5.3), with `all` and `other`."""
    extra = [C.ORIGIN_ALL, C.ORIGIN_OTHER]
    bands, classes = [*band_labels(bounds), *extra], [*C.VISITOR_CLASSES, *extra]
    return {
        "dwell_bands": bands,
        "dwell_bands_text": ", ".join(bands),
        "visitor_classes": classes,
        "visitor_classes_text": ", ".join(classes),
    }
