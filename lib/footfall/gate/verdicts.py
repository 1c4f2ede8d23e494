"""Each date's verdict in a batch of releases (METHOD 9): its checks, its volume, its report facts.

The suites run once for the batch (gate.split); then the dates are judged in order, because a
date's volume is compared with the previous releases, and those include the earlier dates of the
batch that pass, as if the dates were released one by one. The coverage and volume checks (the
`summary` frame) are judged per date in that walk, with GE's own expectations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from footfall.core import tables
from footfall.core.config import Config
from footfall.gate import measures, split, suites
from footfall.gate.candidates import GateInputs
from footfall.gate.measured import Measured
from footfall.gate.outcomes import check_rows
from footfall.gate.report import ReportFacts
from footfall.gate.suites import Checker

SUMMARY = (tables.RELEASED_DAILY.name, "summary")


@dataclass(frozen=True)
class Verdict:
    """A date's checks, the critical ones that failed, the warnings and its report facts."""

    checks: list[dict[str, Any]]
    facts: ReportFacts

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if c["critical"] and not c["passed"]]

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if not c["critical"] and not c["passed"]]

    @property
    def passed(self) -> bool:
        return not self.failed


def _skipped(entry: suites.Entry, skip: frozenset[str]) -> bool:
    """Whether skip names the entry's check (`k_min`) or its whole table (`dwell_daily.*`)."""
    return entry.meta["check"] in skip or f"{entry.table}.*" in skip


def judge(
    cfg: Config,
    checker: Checker,
    inp: GateInputs,
    m: Measured,
    skip: frozenset[str] = frozenset(),
) -> dict[dt.date, Verdict]:
    """Validate the batch and judge its dates in order; each date's verdict. Checks named in
    skip are left out: a check by name, a table's whole suite as `table.*` (gate.dp_gate)."""
    specs = suites.load_suites()
    per_date = {
        d: [e for s in specs for e in suites.entries(s, m.params[d]) if not _skipped(e, skip)]
        for d in inp.dates
    }
    framed = {
        d: [e for e in items if (e.table, e.frame) != SUMMARY] for d, items in per_date.items()
    }
    outcomes = split.validate(checker, m.frames, framed)
    totals, out = dict(inp.released), {}
    for d in inp.dates:  # oldest first: a date that passes is history for the next ones
        history = measures.history(totals, d, cfg["quality.volume_history"])
        volume = measures.volume(inp.counts[d].total, history)
        facts = ReportFacts(**m.facts[d], volume=volume)
        row = {
            "date": d,
            "coverage": facts.coverage.share,
            "volume_deviation": float(volume.deviation),
        }
        summary = [
            split.judge(e, split.local_value(e, row))
            for e in per_date[d]
            if (e.table, e.frame) == SUMMARY
        ]
        verdict = Verdict(check_rows(outcomes[d] + summary, {**notes(facts), **m.notes[d]}), facts)
        if verdict.passed:
            totals[d] = inp.counts[d].total
        out[d] = verdict
    return out


def notes(facts: ReportFacts) -> dict[tuple[str, str], str]:
    """What the report adds to a check's message: the measure behind it, in words (the values
    out of line that the checks count come with the measures: Measured.notes)."""
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
        (ingest, "conservation"): measures.ingest_note(facts.ingest, "conservation_gap"),
        (ingest, "quarantine_reasons"): measures.ingest_note(facts.ingest, "reason_gap"),
    }
