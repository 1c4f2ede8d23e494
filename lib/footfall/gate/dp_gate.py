"""The quality gate in DP mode (METHOD 7.1, 9): what changes, and the privacy ledger.

- The k_min support check is left out: noisy values rest on no count of subscribers.
- `public_domain`: every cell of the public domain is in the candidates, nothing else (so which
  cells exist says nothing); one check per table.
- `budget`: the period's cumulative budget per subscriber, with this release, stays within
  `dp.max_rho_per_period` (gaussian, zCDP: rho adds up) or `dp.max_epsilon_per_period` (laplace,
  pure DP: epsilon adds up); over it the date is blocked (exit 3) with the figures.

Each published date appends one `privacy_ledger` row. What a release spends: the hourly and
daily tables' budgets per subscriber-day as OpenDP maps them, and, with the period's first
published release, the noised residents of the weights (dp.epsilon_weights, as zCDP
epsilon^2 / 2 in gaussian mode). Every publication spends, a re-release of a date included (its
noise is fresh); a blocked attempt spends nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.calendar import period_of
from footfall.core.config import Config
from footfall.core.html import escape
from footfall.gate.candidates import GateInputs
from footfall.gate.verdicts import Verdict
from footfall.privacy import dp, dp_release

log = logging.getLogger(__name__)

LEDGER = tables.PRIVACY_LEDGER.name
LEVEL_COLUMNS = {"area": C.AREA_ID, "district": C.DISTRICT_ID, "region": C.REGION_ID}


def enabled(cfg: Config) -> bool:
    return cfg["release.privacy"] == "dp"


def skipped_checks(cfg: Config) -> frozenset[str]:
    """Suite checks that do not hold in DP mode: k_min (no count behind a noisy value), and the
    whole suites of METHOD 5.3's breakdowns, which have no DP candidates yet (presence writes
    none in DP mode, so the gate publishes none of them)."""
    if not enabled(cfg):
        return frozenset()
    return frozenset(
        {"k_min", *(f"{t.name}.*" for t in (tables.RELEASED_DWELL, tables.RELEASED_CLASS))}
    )


@dataclass(frozen=True)
class Spend:
    """What releasing a date spends and where it leaves its period (one ledger row)."""

    date: dt.date
    period: str
    hourly: float
    daily: float
    weights: float
    before: float  # the period's cumulative budget before this release
    cap: float

    @property
    def release(self) -> float:
        return self.hourly + self.daily + self.weights

    @property
    def after(self) -> float:
        return self.before + self.release

    @property
    def within(self) -> bool:
        return self.after <= self.cap * (1 + 1e-12)


def spent_by_period(ledger: DataFrame) -> dict[str, float]:
    """The cumulative budget each period has spent (every published release of the ledger)."""
    rows = ledger.groupBy(C.PERIOD).agg(F.sum("budget_release").alias("b")).collect()
    return {r[C.PERIOD]: float(r["b"] or 0.0) for r in rows}


def plan_spends(
    plan: dp.DpPlan, dates: list[dt.date], passing: set[dt.date], spent: dict[str, float]
) -> dict[dt.date, Spend]:
    """Walk the dates in order: each date's spend against its period's total so far, the
    earlier dates of the batch that will be published (passing and within budget) included."""
    totals = dict(spent)
    out = {}
    hourly, daily = plan.spent(dp.HOURLY), plan.spent(dp.DAILY)
    for d in sorted(dates):
        period = period_of(d)
        weights = 0.0 if period in totals else plan.weights_budget()
        s = Spend(
            d, period, hourly, daily, weights, totals.get(period, 0.0), plan.max_period_budget
        )
        out[d] = s
        if d in passing and s.within:
            totals[period] = s.after
    return out


def budget_check(plan: dp.DpPlan, s: Spend) -> dict[str, Any]:
    """The ledger's check row of a date (the shape of gate.outcomes.check_rows)."""
    m = plan.measure
    observed = f"{m} {s.after:.4g} in {s.period} ({s.before:.4g} before + {s.release:.4g})"
    expected = f"<= {s.cap:g} (dp.max_{m}_per_period)"
    passed = s.within
    message = (
        f"{'passed' if passed else 'FAILED'}: the period's cumulative privacy budget per "
        f"subscriber stays within its cap (METHOD 7.1)."
    )
    if not passed:
        message += f" Observed {observed}; expected {expected}; nothing of {s.date} spent."
    return _row("budget", passed, observed, expected, message)


def domain_check(table: str, missing: int, extra: int, expected: int) -> dict[str, Any]:
    passed = missing == 0 and extra == 0
    observed = f"{missing} cell(s) missing, {extra} outside the domain"
    message = (
        f"{'passed' if passed else 'FAILED'}: every cell of the public domain ({expected} cells: "
        "areas x hour bins x origins, unknown, roamer, all) is released, zeros included."
    )
    return _row(
        "public_domain", passed, observed, f"0 missing of {expected}, 0 outside", message, table
    )


def _row(
    check: str, passed: bool, observed: str, expected: str, message: str, table: str = LEDGER
) -> dict[str, Any]:
    return {
        "check": check,
        "table": table,
        "critical": True,
        "passed": passed,
        "observed": observed,
        "expected": expected,
        "message": message,
        "note": "",
    }


def _domain(spark: SparkSession, cfg: Config, dates: list[dt.date], table: str) -> DataFrame:
    areas = [r.asDict() for r in lake.read_areas(spark, cfg).collect()]  # reference: small
    level = LEVEL_COLUMNS[cfg["origins.level"]]
    origins = [*dp_release.origin_ids([str(a[level]) for a in areas]), C.ORIGIN_ALL]
    area_ids = [str(a[C.AREA_ID]) for a in areas]
    return dp_release.public_domain(spark, area_ids, origins, dates, cfg.zone, table)


def domain_gaps(
    spark: SparkSession, cfg: Config, inp: GateInputs
) -> dict[dt.date, list[dict[str, Any]]]:
    """Per date, the public_domain check of each table: cells missing and cells outside."""
    out: dict[dt.date, list[dict[str, Any]]] = {d: [] for d in inp.dates}
    for table, rows, name in (
        (dp.HOURLY, inp.hourly, tables.RELEASED_HOURLY.name),
        (dp.DAILY, inp.daily, tables.RELEASED_DAILY.name),
    ):
        domain = _domain(spark, cfg, inp.dates, table)
        keys = [c for c in domain.columns]
        got = rows.select(*keys)
        size = {
            r[C.DATE]: r["n"] for r in domain.groupBy(C.DATE).agg(F.count("*").alias("n")).collect()
        }
        missing = _per_date(domain.join(got, keys, "left_anti"))
        extra = _per_date(got.join(domain, keys, "left_anti"))
        for d in inp.dates:
            out[d].append(domain_check(name, missing.get(d, 0), extra.get(d, 0), size.get(d, 0)))
    return out


def _per_date(df: DataFrame) -> dict[dt.date, int]:
    return {r[C.DATE]: int(r["count"]) for r in df.groupBy(C.DATE).count().collect()}


def judge(
    spark: SparkSession, cfg: Config, inp: GateInputs, verdicts: dict[dt.date, Verdict]
) -> tuple[dict[dt.date, Verdict], dict[dt.date, Spend]]:
    """The verdicts with the DP checks added (the budget judged in date order), and each
    date's spend."""
    plan = dp.DpPlan.from_config(cfg)
    gaps = domain_gaps(spark, cfg, inp)
    with_domain = {d: replace(v, checks=[*v.checks, *gaps[d]]) for d, v in verdicts.items()}
    passing = {d for d, v in with_domain.items() if v.passed}
    ledger = lake.read_table(spark, cfg, tables.PRIVACY_LEDGER)
    spends = plan_spends(plan, inp.dates, passing, spent_by_period(ledger))
    out = {
        d: replace(v, checks=[*v.checks, budget_check(plan, spends[d])])
        for d, v in with_domain.items()
    }
    for d, s in spends.items():
        log.info(
            "release %s: DP %s %.4g of %.4g in %s after this release (%s)",
            d,
            plan.measure,
            s.after,
            s.cap,
            s.period,
            "within" if s.within else "OVER: blocked",
        )
    return out, spends


def ledger_rows(cfg: Config, spends: dict[dt.date, Spend], ids: dict[dt.date, str]) -> list[dict]:
    """The ledger rows of the published dates (ids: date -> release id)."""
    plan = dp.DpPlan.from_config(cfg)
    now = dt.datetime.now(dt.timezone.utc)
    rows = []
    for d, release_id in sorted(ids.items()):
        s = spends[d]
        epsilon, delta = plan.as_approx_dp(s.after)
        rows.append(
            {
                C.RELEASE_ID: release_id,
                C.DATE: d,
                C.PERIOD: s.period,
                "mechanism": plan.mechanism,
                "measure": plan.measure,
                "max_hour_cells": plan.max_hour_cells,
                "max_day_areas": plan.max_day_areas,
                "budget_hourly": s.hourly,
                "budget_daily": s.daily,
                "budget_weights": s.weights,
                "budget_release": s.release,
                "noise_hourly": plan.scale(dp.HOURLY),
                "noise_daily": plan.scale(dp.DAILY),
                "period_budget": s.after,
                "period_max": s.cap,
                "epsilon": epsilon,
                "delta": delta,
                "created_at": now,
            }
        )
    return rows


def record(
    spark: SparkSession, cfg: Config, spends: dict[dt.date, Spend], ids: dict[dt.date, str]
) -> None:
    """Append the published dates' rows to the privacy ledger (one commit)."""
    if ids:
        rows = ledger_rows(cfg, spends, ids)
        lake.append(
            spark.createDataFrame(rows, tables.PRIVACY_LEDGER.schema), cfg, tables.PRIVACY_LEDGER
        )


def report_section(cfg: Config, s: Spend) -> str:
    """The steward's report on privacy: mechanism, bounds, budget spent and left, the expected
    error of a count at this budget."""
    plan = dp.DpPlan.from_config(cfg)
    m = plan.measure
    eps, delta = plan.as_approx_dp(s.after)
    noise = "sigma" if plan.mechanism == dp.GAUSSIAN else "scale b"
    left = max(s.cap - s.after, 0.0) if s.within else max(s.cap - s.before, 0.0)
    rows = "".join(
        f"<tr><td>{t}</td><td>{plan.bound(t)}</td><td>{plan.sensitivity(t):.4g}</td>"
        f"<td>{plan.spent(t):.4g}</td><td>{plan.scale(t):.4g}</td><td>{plan.std(t):.4g}</td></tr>"
        for t in (dp.HOURLY, dp.DAILY)
    )
    kind = "discrete Gaussian, rho-zCDP" if m == "rho" else "discrete Laplace, pure epsilon-DP"
    status = "spent" if s.within else "NOT spent (blocked: over the period's cap)"
    return f"""<h2>Differential privacy (METHOD 7.1)</h2>
<p>Mechanism: <b>{escape(plan.mechanism)}</b> ({kind}),
OpenDP's exact sampler; unit of privacy: a subscriber-day. Every cell of the public domain is
released with noise, zeros included; no k_min applies.</p>
<table><tr><th>table</th><th>cells per subscriber-day</th><th>sensitivity</th><th>{m} spent</th>
<th>{noise}</th><th>expected error of a count (std, subscribers)</th></tr>{rows}</table>
<p>This release: {m} {s.release:.4g} ({status}; weights' share {s.weights:.4g}).
Period {escape(s.period)}: {m} {s.before:.4g} spent before, {s.after:.4g} with this release,
of {s.cap:g}: <b>{left:.4g} left</b>. As (epsilon, delta)-DP: epsilon {eps:.4g} at delta
{delta:g}. Released visitors are counts times extrapolation weights, so their error is the
count's times the origin's weight, before rounding to {cfg["release.rounding"]}.</p>"""
