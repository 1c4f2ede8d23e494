"""The data steward's release report: one self-contained HTML page per date, charts as PNG."""

from __future__ import annotations

import datetime as dt
import html
import logging
from pathlib import Path
from typing import Any

from footfall.core import columns as C

log = logging.getLogger(__name__)

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1d2733;
background:#f4f6f8}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px} h2{font-size:19px;margin:28px 0 10px;border-bottom:1px solid
#d5dbe1;padding-bottom:4px} .sub{color:#5b6875;margin:0 0 16px}
.banner{padding:16px 20px;border-radius:8px;color:#fff;font-size:18px;margin:16px 0}
.banner.ok{background:#1e7d3a} .banner.blocked{background:#c62828}
.banner ul{margin:8px 0 0 18px;font-size:15px} .banner li{margin:3px 0}
.banner small{color:#fff;opacity:.92;font-size:13px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}
th,td{border:1px solid #d5dbe1;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#e9edf1} td.num{text-align:right;font-variant-numeric:tabular-nums}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;
color:#fff} .pass{background:#1e7d3a} .fail{background:#c62828} .warn{background:#b26a00}
tr.failrow td{background:#fdecea} tr.warnrow td{background:#fff4e0}
.cards{display:flex;gap:12px;flex-wrap:wrap} .card{background:#fff;border:1px solid #d5dbe1;
border-radius:8px;padding:12px 16px;min-width:160px} .card b{display:block;font-size:22px}
.charts{display:flex;gap:16px;flex-wrap:wrap} .charts img{background:#fff;border:1px solid
#d5dbe1;border-radius:8px;max-width:100%} small,.muted{color:#5b6875}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _status(c: dict[str, Any]) -> str:
    if c["passed"]:
        return '<span class="pill pass">pass</span>'
    if c["critical"]:
        return '<span class="pill fail">FAIL</span>'
    return '<span class="pill warn">warning</span>'


def _chart_volume(
    folder: Path, date: dt.date, volume: dict[str, Any], passed: bool, tolerance: float | None
) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = volume.get("history") or []
    labels = [d.isoformat()[5:] for d, _ in history] + [date.isoformat()[5:]]
    values = [t for _, t in history] + [volume["total"]]
    colours = ["#8aa1b8"] * len(history) + ["#1e7d3a" if passed else "#c62828"]
    fig, ax = plt.subplots(figsize=(5.2, 3.0), dpi=100)
    ax.bar(labels, values, color=colours)
    if volume.get("median") and tolerance is not None:
        low, high = volume["median"] * (1 - tolerance), volume["median"] * (1 + tolerance)
        ax.axhspan(low, high, color="#1e7d3a", alpha=0.08, label=f"tolerance ±{tolerance:.0%}")
    if volume.get("median"):
        ax.axhline(
            volume["median"],
            color="#1d2733",
            linestyle="--",
            linewidth=1,
            label=f"median of previous ({volume['median']:g})",
        )
        ax.legend(loc="lower left", fontsize=8)
    ax.set_title("Daily visitors ('all', all areas): this date vs previous releases", fontsize=10)
    ax.tick_params(axis="x", labelsize=8, rotation=45)
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    fig.savefig(folder / "volume.png")
    plt.close(fig)
    return "volume.png"


def _chart_quarantine(folder: Path, reasons: dict[str, int]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.2, 3.0), dpi=100)
    ax.barh(list(reasons), list(reasons.values()), color="#b26a00")
    ax.invert_yaxis()
    ax.set_title("Quarantined rows by reason (landing days feeding this date)", fontsize=10)
    ax.tick_params(labelsize=8)
    fig.tight_layout()
    fig.savefig(folder / "quarantine.png")
    plt.close(fig)
    return "quarantine.png"


def _checks_table(checks: list[dict[str, Any]]) -> str:
    order = sorted(checks, key=lambda c: (c["passed"], not c["critical"]))
    rows = []
    for c in order:
        cls = "" if c["passed"] else ("failrow" if c["critical"] else "warnrow")
        rows.append(
            f'<tr class="{cls}"><td>{_status(c)}</td><td>{_e(c["table"])}</td>'
            f"<td><b>{_e(c['check'])}</b></td><td>{'critical' if c['critical'] else 'warning'}"
            f"</td><td>{_e(c['observed'])}</td><td>{_e(c['expected'])}</td>"
            f"<td><small>{_e(c['message'])}</small></td></tr>"
        )
    return (
        "<table><tr><th>status</th><th>table</th><th>check</th><th>level</th><th>observed</th>"
        "<th>expected</th><th>message</th></tr>" + "".join(rows) + "</table>"
    )


def _ingest_table(ingest: list[dict[str, Any]]) -> tuple[str, dict[str, int]]:
    reasons = {r: sum(int(row.get(f"q_{r}") or 0) for row in ingest) for r in C.QUARANTINE_REASONS}
    if not ingest:
        return "<p><b>No ingest log rows for the landing days that feed this date.</b></p>", reasons
    head = [
        "landing day",
        "status",
        "read",
        "valid",
        "quarantined",
        "duplicate",
        "quarantine rate",
        *C.QUARANTINE_REASONS,
    ]
    rows = []
    for r in ingest:
        cells = [
            r.get(k) for k in ("rows_read", "rows_valid", "rows_quarantined", "rows_duplicate")
        ]
        cells.append(_pct(r.get("quarantine_rate")))
        cells += [r.get(f"q_{q}") for q in C.QUARANTINE_REASONS]
        rows.append(
            f"<tr><td>{_e(r[C.LANDING_DATE])}</td><td>{_e(r.get('status'))}</td>"
            + "".join(f'<td class="num">{_e(v)}</td>' for v in cells)
            + "</tr>"
        )
    table = (
        "<table><tr>"
        + "".join(f"<th>{_e(h)}</th>" for h in head)
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )
    return table, reasons


def write_report(
    folder: Path,
    *,
    date: dt.date,
    release_id: str,
    passed: bool,
    checks: list[dict[str, Any]],
    facts: dict[str, Any],
    data_docs: Path | None,
    meta: dict[str, str],
) -> Path:
    """Write <folder>/index.html (and its charts) for one release attempt; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    failed = [c for c in checks if c["critical"] and not c["passed"]]
    warned = [c for c in checks if not c["critical"] and not c["passed"]]
    if passed:
        banner = (
            f'<div class="banner ok">RELEASED: all {sum(c["critical"] for c in checks)} '
            f"critical checks passed; {facts['rows']['hourly']} hourly and "
            f"{facts['rows']['daily']} daily rows published as {_e(release_id)}.</div>"
        )
    else:
        items = "".join(
            f"<li><b>{_e(c['table'])}.{_e(c['check'])}</b>: observed {_e(c['observed'])}; "
            f"expected {_e(c['expected'])}"
            + (f"<br><small>{_e(c['note'])}</small>" if c.get("note") else "")
            + "</li>"
            for c in failed
        )
        banner = (
            f'<div class="banner blocked">BLOCKED: {len(failed)} critical check(s) failed, '
            f"nothing was published.<ul>{items}</ul></div>"
        )
    ingest_html, reasons = _ingest_table(facts["ingest"])
    charts = [_chart_volume(folder, date, facts["volume"], passed, facts.get("volume_tolerance"))]
    if any(reasons.values()):
        charts.append(_chart_quarantine(folder, reasons))
    else:
        (folder / "quarantine.png").unlink(missing_ok=True)
    sup, cov, vol = facts["suppression"], facts["coverage"], facts["volume"]
    cards = [
        (
            "hourly suppression",
            _pct(sup["hourly"]["rate"]),
            f"{sup['hourly']['released_subscribers']} of {sup['hourly']['all_subscribers']} "
            "subscriber-hours released",
        ),
        (
            "daily suppression",
            _pct(sup["daily"]["rate"]),
            f"{sup['daily']['released_subscribers']} of {sup['daily']['all_subscribers']} "
            "subscribers released",
        ),
        ("coverage", _pct(cov["share"]), f"{cov['covered']} of {cov['areas']} areas"),
        ("daily total visitors", f"{vol['total']:,}", vol["note"]),
        (
            "hour bins",
            str(len(facts["hours"]["observed"])),
            f"expected {len(facts['hours']['expected'])}",
        ),
    ]
    cards_html = "".join(
        f'<div class="card"><small>{_e(t)}</small><b>{_e(v)}</b><small>{_e(s)}</small></div>'
        for t, v, s in cards
    )
    docs_link = ""
    if data_docs is not None and data_docs.is_file():
        rel = data_docs.relative_to(folder) if data_docs.is_relative_to(folder) else data_docs
        docs_link = (
            f"<p>Great Expectations Data Docs (every expectation and its result): "
            f'<a href="{_e(rel)}">{_e(rel)}</a> <small>(GE loads its styles from CDNs; '
            "offline it shows unstyled, this page does not need the network)</small></p>"
        )
    reason_rows = "".join(
        f'<tr><td>{_e(r)}</td><td class="num">{n}</td></tr>' for r, n in reasons.items()
    )
    meta_rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in meta.items())
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>footfall release {_e(date)}: {"released" if passed else "BLOCKED"}</title>
<style>{CSS}</style></head><body><main>
<h1>Release report for {_e(date)}</h1>
<p class="sub">release attempt {_e(release_id)} &middot; written {
        _e(dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    }</p>
{banner}
<div class="cards">{cards_html}</div>
<h2>Checks ({len(checks) - len(failed) - len(warned)} passed, {len(failed)} failed, {len(warned)}
 warning(s))</h2>
{_checks_table(checks)}
{docs_link}
<h2>Charts</h2>
<div class="charts">{"".join(f'<img src="{c}" alt="{c}">' for c in charts)}</div>
<h2>Ingest of the landing days that feed this date</h2>
{ingest_html}
<h3>Quarantine by reason</h3>
<table style="width:auto"><tr><th>reason</th><th>rows</th></tr>{reason_rows}</table>
<h2>Disclosure control</h2>
<p>k_min = {facts["k_min"]} distinct subscribers; values rounded to {facts["rounding"]}.
Suppression rate = share of subscribers in cells released neither by name nor in <i>other</i>
(hourly: {_pct(sup["hourly"]["rate"])}, daily: {_pct(sup["daily"]["rate"])}); their groups had
fewer than k_min subscribers in all. Merged into <i>other</i> (released, origin not named):
hourly {_pct(sup["hourly"]["other_share"])}, daily {_pct(sup["daily"]["other_share"])}.</p>
<h2>Run</h2>
<table style="width:auto">{meta_rows}</table>
</main></body></html>
"""
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    log.info("report: %s", path)
    return path
