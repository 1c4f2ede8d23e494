"""Measures of candidate dates that the quality gate checks (METHOD 9), computed from tables.

Support (the distinct subscribers behind each value, traced in the audit tables: METHOD 7, 8),
suppression, ingest conservation (METHOD 3), coverage of areas and volume against the previous
releases, each one groupBy by date for a whole batch of dates. Pure transforms and small
arithmetic; the date arithmetic (local hours, the landing days feeding a date) is core.calendar's.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from footfall.core import columns as C

SUPPORT = C.SUBSCRIBERS  # the support frame's column: distinct subscribers behind a value


@dataclass(frozen=True)
class SupportStats:
    """Suppression of one release table (hourly or daily) of a date."""

    released_subscribers: int  # behind the released `all` values
    all_subscribers: int  # behind every `all` value of the audit table
    rate: float  # share of subscribers released neither by name nor in `other`
    other_share: float  # share of subscribers merged into `other`
    below_k_min: int  # released values resting on fewer than k_min subscribers


@dataclass(frozen=True)
class Coverage:
    """Areas of areas.csv with a daily `all` value."""

    covered: int
    areas: int
    share: float


@dataclass(frozen=True)
class Volume:
    """The date's daily `all` total against the median of the previous releases."""

    total: int
    median: float | None  # None: no history
    deviation: float  # |total / median - 1|
    history: list[tuple[dt.date, int]]  # (date, total) of the previous releases, oldest first
    note: str


def with_support(
    candidates: DataFrame, audit: DataFrame, group: Sequence[str], part: str = C.ORIGIN_ID
) -> DataFrame:
    """Candidate rows with the distinct subscribers behind each value, traced in the audit table.

    A named part (an origin, a dwell band or a visitor class) or `all` rests on its audit row;
    `other` rests on the sum of the audit subscribers of the group's parts not released by name
    (each subscriber has one origin, one band and one class in a group).
    """
    keys = [*group, part]
    aud = audit.select(*keys, F.col(C.SUBSCRIBERS).alias("_audit"))
    named = aud.where(F.col(part) != C.ORIGIN_ALL)
    merged = (
        named.join(candidates.select(*keys), keys, "left_anti")
        .groupBy(*group)
        .agg(F.sum("_audit").alias("_merged"))
    )
    support = (
        F.when(F.col(part) == C.ORIGIN_OTHER, F.col("_merged"))
        .otherwise(F.col("_audit"))
        .cast("long")
    )
    return (
        candidates.join(aud, keys, "left")
        .join(merged, list(group), "left")
        .select(*keys, C.VISITORS, F.coalesce(support, F.lit(0).cast("long")).alias(SUPPORT))
    )


def support_stats(
    support: DataFrame, audit: DataFrame, k_min: int, part: str = C.ORIGIN_ID
) -> dict[dt.date, SupportStats]:
    """Per date, the suppression rate (share of subscribers in groups released neither by name
    nor in `other`), the share merged into `other`, and the count of values under k_min."""
    origin, value = F.col(part), F.col(SUPPORT)
    agg = support.groupBy(C.DATE).agg(
        F.sum(F.when(origin == C.ORIGIN_ALL, value)).alias("released"),
        F.count(F.when(value < k_min, True)).alias("below"),
        F.sum(F.when(origin == C.ORIGIN_OTHER, value)).alias("other"),
    )
    totals = (
        audit.where(origin == C.ORIGIN_ALL)
        .groupBy(C.DATE)
        .agg(F.sum(C.SUBSCRIBERS).alias("total"))
        .collect()
    )
    total_of = {r[C.DATE]: int(r["total"] or 0) for r in totals}
    out = {}
    for r in agg.collect():
        released, total = int(r["released"] or 0), total_of.get(r[C.DATE], 0)
        out[r[C.DATE]] = SupportStats(
            released_subscribers=released,
            all_subscribers=total,
            rate=1 - released / total if total else 0.0,
            other_share=int(r["other"] or 0) / total if total else 0.0,
            below_k_min=int(r["below"]),
        )
    return out


def below_k_min(
    support: DataFrame,
    k_min: int,
    group: Sequence[str],
    dates: Sequence[dt.date],
    n: int = 5,
    part: str = C.ORIGIN_ID,
) -> dict[dt.date, str]:
    """Per date (of dates), a note naming up to n values under k_min and their subscribers."""
    if not dates:
        return {}
    cols = [*group[1:], part]  # group[0] is the date
    first = Window.partitionBy(C.DATE).orderBy(SUPPORT, *group, part)
    rows = (
        support.where((F.col(SUPPORT) < k_min) & F.col(C.DATE).isin(list(dates)))
        .withColumn("_n", F.row_number().over(first))
        .where(F.col("_n") <= n)
        .orderBy(C.DATE, "_n")
        .collect()
    )
    cells: dict[dt.date, list[str]] = {}
    for r in rows:
        text = "/".join(str(r[c]) for c in cols) + f" rests on {r[SUPPORT]}"
        cells.setdefault(r[C.DATE], []).append(text)
    return {d: f"Values under k_min ({'/'.join(cols)}): {', '.join(c)}." for d, c in cells.items()}


def breakdown_groups(candidates: DataFrame, daily: DataFrame, part: str) -> DataFrame:
    """Per (date, area) of a breakdown of METHOD 5.3 or of the daily origin-presence: the
    breakdown's `all` (group_all), the sum (parts_sum) and number (parts) of its other rows, and
    the daily origin-presence `all` (daily_all); null where one side has no such row."""
    is_all = F.col(part) == C.ORIGIN_ALL
    groups = candidates.groupBy(C.DATE, C.AREA_ID).agg(
        F.max(F.when(is_all, F.col(C.VISITORS))).alias("group_all"),
        F.sum(F.when(~is_all, F.col(C.VISITORS))).alias("parts_sum"),
        F.count(F.when(~is_all, True)).alias("parts"),
    )
    daily_all = daily.where(F.col(C.ORIGIN_ID) == C.ORIGIN_ALL).select(
        C.DATE, C.AREA_ID, F.col(C.VISITORS).alias("daily_all")
    )
    return groups.join(daily_all, [C.DATE, C.AREA_ID], "full")


ALL_MATCHES, PARTS_ADD_UP = "all_matches_daily", "parts_add_up"  # the checks of the groups


def group_notes(groups: DataFrame, rounding: int, n: int = 5) -> dict[dt.date, dict[str, str]]:
    """Per date and check (ALL_MATCHES, PARTS_ADD_UP), a note naming up to n groups out of line:
    an `all` unlike the daily origin-presence `all`, or parts off their `all` by more than the
    rounding of each value (parts + 1 values, each within rounding / 2)."""
    tolerance = (F.coalesce(F.col("parts"), F.lit(0)) + 1) * F.lit(rounding / 2)
    gap = F.abs(F.coalesce(F.col("parts_sum"), F.lit(0)) - F.col("group_all"))
    flags = {
        ALL_MATCHES: ~F.coalesce(F.col("group_all") == F.col("daily_all"), F.lit(False)),
        PARTS_ADD_UP: F.coalesce(gap > tolerance, F.lit(False)),
    }
    # the groups frame is an aggregate (areas x dates): its rows out of line are few
    off = groups.where(flags[ALL_MATCHES] | flags[PARTS_ADD_UP])
    rows = off.select("*", *(f.alias(k) for k, f in flags.items())).orderBy(C.DATE, C.AREA_ID)
    cells: dict[tuple[dt.date, str], list[str]] = {}
    for r in rows.collect():
        for check in (c for c in flags if r[c]):
            cells.setdefault((r[C.DATE], check), []).append(
                f"{r[C.AREA_ID]}: all {r['group_all']}, parts {r['parts_sum']} "
                f"({r['parts']}), daily all {r['daily_all']}"
            )
    out: dict[dt.date, dict[str, str]] = {}
    for (d, check), c in cells.items():
        more = f" and {len(c) - n} more" if len(c) > n else ""
        text = f"Groups out of line (area: all, parts (n), daily all): {'; '.join(c[:n])}{more}."
        out.setdefault(d, {})[check] = text
    return out


def ingest_measures(ingest_log: DataFrame) -> DataFrame:
    """Ingest log rows with their conservation gaps and quarantine rate (METHOD 3)."""
    reasons = [F.coalesce(F.col(f"q_{r}"), F.lit(0)) for r in C.QUARANTINE_REASONS]
    q_sum = reasons[0]
    for r in reasons[1:]:
        q_sum = q_sum + r
    read = F.col("rows_read")
    outcome = F.col("rows_valid") + F.col("rows_quarantined") + F.col("rows_duplicate")
    return ingest_log.select(
        "*",
        F.col(C.LANDING_DATE).cast("string").alias("landing_day"),
        F.abs(read - outcome).alias("conservation_gap"),
        F.abs(q_sum - F.col("rows_quarantined")).alias("reason_gap"),
        F.when(read > 0, F.col("rows_quarantined") / read)
        .otherwise(F.lit(0.0))
        .alias("quarantine_rate"),
    )


def coverage(covered_areas: Iterable[str], area_ids: Sequence[str]) -> Coverage:
    """The areas of area_ids among those with a daily `all` value."""
    covered = set(covered_areas) & set(area_ids)
    share = len(covered) / len(area_ids) if area_ids else 0.0
    return Coverage(covered=len(covered), areas=len(area_ids), share=share)


def released_totals(released_daily: DataFrame, before: dt.date, n: int) -> dict[dt.date, int]:
    """Daily `all` totals of the last n released dates before `before`."""
    if n <= 0:
        return {}
    rows = (
        released_daily.where((F.col(C.DATE) < F.lit(before)) & (F.col(C.ORIGIN_ID) == C.ORIGIN_ALL))
        .groupBy(C.DATE)
        .agg(F.sum(C.VISITORS).alias("total"))
        .orderBy(F.col(C.DATE).desc())
        .limit(n)
        .collect()
    )
    return {r[C.DATE]: int(r["total"]) for r in rows}


def history(totals: Mapping[dt.date, int], date: dt.date, n: int) -> list[tuple[dt.date, int]]:
    """The (date, total) of the last n released dates before date, oldest first."""
    if n <= 0:
        return []
    return sorted((d, t) for d, t in totals.items() if d < date)[-n:]


def volume(total: int, history: Sequence[tuple[dt.date, int]]) -> Volume:
    """The date's total against the median of previous releases; no history: deviation 0."""
    if not history:
        return Volume(total, None, 0.0, [], "no history: first release, nothing to compare with")
    median = statistics.median(t for _, t in history)
    deviation = abs(total / median - 1) if median else float("inf") if total else 0.0
    change = f"{total / median - 1:+.1%}" if median else "n/a"
    note = f"total {total} vs median {median:g} of {len(history)} previous release(s) ({change})"
    return Volume(total, median, deviation, list(history), note)


def ingest_note(rows: Sequence[dict], column: str) -> str:
    """A note naming the landing days whose gap in column is not 0."""
    bad = [f"{r[C.LANDING_DATE]} off by {r[column]}" for r in rows if (r[column] or 0) > 0]
    return f"Landing day(s): {', '.join(bad)}." if bad else ""
