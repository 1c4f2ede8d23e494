"""The data steward's release report (METHOD 9): one self-contained HTML page per date.

The page says whether the date was released or blocked, which check failed and by how much, and
shows the measures behind the checks; charts are PNG files next to it (gate.report_charts).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from footfall.core import columns as C
from footfall.core import html
from footfall.core.html import escape
from footfall.gate.measures import Coverage, SupportStats, Volume
from footfall.gate.report_charts import chart_quarantine, chart_volume

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportFacts:
    """The measures of a release attempt the report shows besides the check results."""

    rows_hourly: int
    rows_daily: int
    ingest: list[dict[str, Any]]  # ingest log rows of the landing days feeding the date
    suppression_hourly: SupportStats
    suppression_daily: SupportStats
    coverage: Coverage
    volume: Volume
    hours_observed: list[int]
    hours_expected: list[int]
    k_min: int
    rounding: int
    volume_tolerance: float | None
    # the breakdowns of METHOD 5.3 (dwell_daily, visitor_class_daily): candidate rows, suppression
    rows_parts: dict[str, int] = field(default_factory=dict)
    suppression_parts: dict[str, SupportStats] = field(default_factory=dict)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _failed(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in checks if c["critical"] and not c["passed"]]


def _banner(checks: list[dict[str, Any]], facts: ReportFacts, passed: bool, release_id: str) -> str:
    if passed:
        parts = "".join(f", {n} {escape(t)}" for t, n in facts.rows_parts.items())
        return html.banner(
            f"RELEASED: all {sum(c['critical'] for c in checks)} critical checks passed; "
            f"rows published as {escape(release_id)}: {facts.rows_hourly} hourly, "
            f"{facts.rows_daily} daily{parts}.",
            "ok",
        )
    failed = _failed(checks)
    items = "".join(
        f"<li><b>{escape(c['table'])}.{escape(c['check'])}</b>: observed {escape(c['observed'])}; "
        f"expected {escape(c['expected'])}"
        + (f"<br><small>{escape(c['note'])}</small>" if c.get("note") else "")
        + "</li>"
        for c in failed
    )
    return html.banner(
        f"BLOCKED: {len(failed)} critical check(s) failed, nothing of this date was published "
        f"(none of its release tables).<ul>{items}</ul>",
        "blocked",
    )


def _cards(facts: ReportFacts) -> str:
    hourly, daily = facts.suppression_hourly, facts.suppression_daily
    cov, vol = facts.coverage, facts.volume
    return html.cards(
        [
            (
                "hourly suppression",
                _pct(hourly.rate),
                f"{hourly.released_subscribers} of {hourly.all_subscribers} "
                "subscriber-hours released",
            ),
            (
                "daily suppression",
                _pct(daily.rate),
                f"{daily.released_subscribers} of {daily.all_subscribers} subscribers released",
            ),
            *(
                (
                    f"{t} suppression",
                    _pct(s.rate),
                    f"{s.released_subscribers} of {s.all_subscribers} subscribers released",
                )
                for t, s in facts.suppression_parts.items()
            ),
            ("coverage", _pct(cov.share), f"{cov.covered} of {cov.areas} areas"),
            ("daily total visitors", f"{vol.total:,}", vol.note),
            ("hour bins", str(len(facts.hours_observed)), f"expected {len(facts.hours_expected)}"),
        ]
    )


def _status(c: dict[str, Any]) -> str:
    if c["passed"]:
        return '<span class="pill pass">pass</span>'
    if c["critical"]:
        return '<span class="pill fail">FAIL</span>'
    return '<span class="pill warn">warning</span>'


def _checks_section(checks: list[dict[str, Any]]) -> str:
    """Every check, failures first, with what it observed and expected (no Data Docs: GE's pages
    load their assets from CDNs and render as bare text offline)."""
    rows = []
    for c in sorted(checks, key=lambda c: (c["passed"], not c["critical"])):
        cls = "" if c["passed"] else ("failrow" if c["critical"] else "warnrow")
        rows.append(
            f'<tr class="{cls}"><td>{_status(c)}</td><td>{escape(c["table"])}</td>'
            f"<td><b>{escape(c['check'])}</b></td><td>{'critical' if c['critical'] else 'warning'}"
            f"</td><td>{escape(c['observed'])}</td><td>{escape(c['expected'])}</td>"
            f"<td><small>{escape(c['message'])}</small></td></tr>"
        )
    head = ["status", "table", "check", "level", "observed", "expected", "message"]
    failed = len(_failed(checks))
    warned = sum(not c["critical"] and not c["passed"] for c in checks)
    passed = len(checks) - failed - warned
    return (
        f"<h2>Checks ({passed} passed, {failed} failed, {warned} warning(s))</h2>\n"
        f"{html.table(head, rows, full=True)}"
    )


def _suites_section(checks: list[dict[str, Any]]) -> str:
    """One line per quality suite (expectations/<table>.yaml): its checks, passed and failed."""
    tally: dict[str, list[int]] = {}
    for c in checks:
        n = tally.setdefault(c["table"], [0, 0, 0, 0])
        n[0] += 1
        n[1 if c["passed"] else (2 if c["critical"] else 3)] += 1
    rows = [
        f"<tr><td><b>{escape(t)}</b></td><td><small>expectations/{escape(t)}.yaml</small></td>"
        + "".join(f'<td class="num">{v}</td>' for v in n)
        + "</tr>"
        for t, n in tally.items()
    ]
    head = ["suite", "file", "checks", "passed", "failed", "warnings"]
    return f"<h2>Quality suites</h2>\n{html.table(head, rows)}"


def _quarantine_reasons(ingest: list[dict[str, Any]]) -> dict[str, int]:
    return {r: sum(int(row.get(f"q_{r}") or 0) for row in ingest) for r in C.QUARANTINE_REASONS}


def _charts_section(folder: Path, date: dt.date, facts: ReportFacts, passed: bool) -> str:
    """The volume chart, and the quarantine chart when a row was quarantined."""
    charts = [chart_volume(folder, date, facts.volume, passed, facts.volume_tolerance)]
    reasons = _quarantine_reasons(facts.ingest)
    if any(reasons.values()):
        charts.append(chart_quarantine(folder, reasons))
    else:
        (folder / "quarantine.png").unlink(missing_ok=True)
    images = "".join(f'<img src="{c}" alt="{c}">' for c in charts)
    return f'<h2>Charts</h2>\n<div class="charts">{images}</div>'


def _ingest_section(ingest: list[dict[str, Any]]) -> str:
    """The ingest log of the landing days feeding the date, and quarantine by reason."""
    counts = ("rows_read", "rows_valid", "rows_quarantined", "rows_duplicate")
    rows = []
    for r in ingest:
        cells = [r.get(k) for k in counts] + [_pct(r.get("quarantine_rate"))]
        cells += [r.get(f"q_{q}") for q in C.QUARANTINE_REASONS]
        rows.append(
            f"<tr><td>{escape(r[C.LANDING_DATE])}</td><td>{escape(r.get('status'))}</td>"
            + "".join(f'<td class="num">{escape(v)}</td>' for v in cells)
            + "</tr>"
        )
    head = ["landing day", "status", "read", "valid", "quarantined", "duplicate"]
    log_table = (
        html.table([*head, "quarantine rate", *C.QUARANTINE_REASONS], rows, full=True)
        if ingest
        else "<p><b>No ingest log rows for the landing days that feed this date.</b></p>"
    )
    reasons = [
        f'<tr><td>{escape(r)}</td><td class="num">{n}</td></tr>'
        for r, n in _quarantine_reasons(ingest).items()
    ]
    return (
        f"<h2>Ingest of the landing days that feed this date</h2>\n{log_table}\n"
        f"<h3>Quarantine by reason</h3>\n{html.table(['reason', 'rows'], reasons)}"
    )


def _disclosure_section(facts: ReportFacts) -> str:
    hourly, daily = facts.suppression_hourly, facts.suppression_daily
    parts = "".join(
        f"<p>{escape(t)} (per (date, area), parts merged into <i>other</i> the same way): "
        f"suppression {_pct(s.rate)}, merged into <i>other</i> {_pct(s.other_share)}.</p>"
        for t, s in facts.suppression_parts.items()
    )
    return f"""<h2>Disclosure control</h2>
<p>k_min = {facts.k_min} distinct subscribers; values rounded to {facts.rounding}.
Suppression rate = share of subscribers in cells released neither by name nor in <i>other</i>
(hourly: {_pct(hourly.rate)}, daily: {_pct(daily.rate)}); their groups had
fewer than k_min subscribers in all. Merged into <i>other</i> (released, origin not named):
hourly {_pct(hourly.other_share)}, daily {_pct(daily.other_share)}.</p>{parts}"""


def _run_section(meta: dict[str, str]) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in meta.items())
    return f"<h2>Run</h2>\n<table>{rows}</table>"


def write_report(
    folder: Path,
    *,
    date: dt.date,
    release_id: str,
    passed: bool,
    checks: list[dict[str, Any]],
    facts: ReportFacts,
    meta: dict[str, str],
    privacy: str | None = None,
) -> Path:
    """Write <folder>/index.html (and its charts) for one release attempt; return its path.
    privacy: an HTML section that replaces the disclosure control one (DP mode)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder / "data_docs", ignore_errors=True)  # left by versions that built them
    sections = [
        _banner(checks, facts, passed, release_id),
        _cards(facts),
        _suites_section(checks),
        _checks_section(checks),
        _charts_section(folder, date, facts, passed),
        _ingest_section(facts.ingest),
        _disclosure_section(facts) if privacy is None else privacy,
        _run_section(meta),
    ]
    page = html.page(
        f"footfall release {date}: {'released' if passed else 'BLOCKED'}",
        f"release attempt {escape(release_id)}",
        "\n".join(sections),
        heading=f"Release report for {date}",
    )
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    log.info("report: %s", path)
    return path
