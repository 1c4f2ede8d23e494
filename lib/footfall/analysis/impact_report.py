"""The `impact` report: a DiD estimate, its interval, pre-trend check, controls and daily series.

One self-contained HTML page with PNG charts; series.csv, estimate.csv and controls.csv next to it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from footfall.analysis import charts, impact, pretrend, reports
from footfall.analysis.breakdowns import Measure
from footfall.core import columns as C
from footfall.core import html
from footfall.core.html import escape

IMPACT_CSVS = ("series.csv", "estimate.csv", "controls.csv")
LEFT_OUT_NOTE = (
    "Days where the treated area or any control is suppressed are left out of\nthe estimate."
)


def _impact_cards(r: impact.ImpactResult, auto: bool, measure: Measure) -> str:
    return html.cards(
        [
            ("uplift", f"{r.uplift:+.1%}", f"relative change in {measure.label}"),
            ("95% interval", f"{r.ci_low:+.1%} to {r.ci_high:+.1%}", "block bootstrap over days"),
            (
                "controls",
                str(len(r.controls)),
                "auto: same region, best pre fit" if auto else "given",
            ),
            (
                "days used",
                f"{len(r.pre_days)} pre / {len(r.post_days)} post",
                f"{len(r.dropped)} left out",
            ),
            (
                "pre-trend check",
                "OK" if r.pretrend.ok else "WARNING",
                f"RMSE {r.pretrend.rmse:.1%}",
            ),
        ]
    )


def _pretrend_section(r: impact.ImpactResult) -> str:
    p = r.pretrend
    notes = "".join(f"<li>{escape(n)}</li>" for n in p.notes) or "<li>no issue found</li>"
    return f"""<h2>Pre-trend check: {"OK" if p.ok else "WARNING"}</h2>
<p>Before {r.date}, the treated index minus the control-average index (both at their pre-period
mean = 1) had RMSE {p.rmse:.1%} (warning above {pretrend.MAX_RMSE:.0%}) and a slope of
{reports.fmt(p.slope, "+.2%")} a day (t = {reports.fmt(p.t_stat, ".2f")}; a warning needs |t| &gt;
{reports.fmt(p.t_crit, ".2f")}, the 5% level, and a drift of at least {pretrend.MIN_DRIFT:.0%} over
the pre-period).</p><ul>{notes}</ul>"""


def _controls_section(ranking: pd.DataFrame, names: dict[str, str]) -> str:
    rows = [
        f"<tr><td>{escape(x[C.AREA_ID])} {escape(names.get(x[C.AREA_ID], ''))}</td>"
        f"<td>{'yes' if x['complete'] else 'no (suppressed days)'}</td>"
        f"{reports.number_cell(x['rmse'], digits=3)}<td>{'chosen' if x['chosen'] else ''}</td></tr>"
        for _, x in ranking.iterrows()
    ]
    head = ["area", "complete window", "pre-period RMSE", ""]
    return f"<h2>Control areas</h2>\n{html.table(head, rows, scroll=True)}"


def _series_section(r: impact.ImpactResult, labels: dict[str, str], digits: int = 0) -> str:
    """The daily series: each area's values, both indices, and whether the day was used."""
    reasons = dict(r.dropped)
    rows = []
    for day, g in r.series.groupby(C.DATE, sort=True):
        by = g.set_index(C.AREA_ID)
        cells = [
            reports.number_cell(
                by.at[a, C.VISITORS], by.at[a, "status"] == impact.SUPPRESSED, digits=digits
            )
            for a in (r.treated, *r.controls)
        ]
        cells.append(reports.number_cell(by.at[impact.CONTROL_AVERAGE, "index"], digits=3))
        cells.append(reports.number_cell(by.at[r.treated, "index"], digits=3))
        note = escape(reasons.get(day, "used"))
        cls = ' class="drop"' if day in reasons else ""
        period = by["period"].iloc[0]
        rows.append(f"<tr{cls}><th>{day}</th><td>{period}</td>{''.join(cells)}<td>{note}</td></tr>")
    areas = [labels[a] for a in (r.treated, *r.controls)]
    head = ["date", "period", *areas, "control avg index", "treated index", "used"]
    return f"<h2>Daily series</h2>{html.table(head, rows, scroll=True)}"


def _method_section(r: impact.ImpactResult) -> str:
    return f"""<h2>Method</h2>
<p>Difference in differences on logs: with c<sub>t</sub> the mean of the controls' daily
visitors each divided by its own pre-period mean, and g<sub>t</sub> = log(treated<sub>t</sub>)
&minus; log(c<sub>t</sub>), DiD = mean of g over the post days &minus; mean of g over the pre
days, and uplift = exp(DiD) &minus; 1 (a ratio of geometric-mean ratios).
DiD = {r.did:.4f}. Window: pre days {r.date - dt.timedelta(days=r.before)} to
{r.date - dt.timedelta(days=1)}, post days {r.date} to {r.date + dt.timedelta(days=r.after - 1)}.
The 95% interval is the 2.5&ndash;97.5 percentile range of {r.resamples} circular block
bootstrap resamples (blocks of {r.block_length} consecutive days, drawn separately within the pre
and the post days; seed {r.seed}).</p>"""


def write_impact_report(
    folder: Path,
    *,
    result: impact.ImpactResult,
    names: dict[str, str],
    ranking: pd.DataFrame,
    auto: bool,
    summary: str,
    measure: Measure | None = None,
) -> Path:
    """Write index.html, its PNG charts and series.csv / estimate.csv of an impact run."""
    measure = measure or Measure("daily visitors", "origin_presence_daily")
    folder.mkdir(parents=True, exist_ok=True)
    r = result
    # a share is no visitor count: its own column name, not rounded to a whole number
    series = r.series.rename(columns={C.VISITORS: "share"}) if measure.share else r.series
    reports.write_csv(series, folder / "series.csv")
    reports.write_csv(pd.DataFrame([estimate_row(r)]), folder / "estimate.csv")
    reports.write_csv(ranking, folder / "controls.csv")
    labels = {a: f"{a} {names.get(a, '')}".strip() for a in (r.treated, *r.controls)}
    series_png = charts.impact_series_chart(folder, r.series, r.date, labels)
    boot_png = charts.bootstrap_chart(folder, r.boot, r.uplift, (r.ci_low, r.ci_high))
    body = "\n".join(
        [
            "\n" + _impact_cards(r, auto, measure),
            f"<p>{reports.SUPPRESSION_NOTE} {LEFT_OUT_NOTE}</p>",
            reports.figure("Treated vs controls", series_png, "treated vs control average"),
            reports.figure("Uncertainty", boot_png, "bootstrap distribution"),
            _pretrend_section(r),
            _controls_section(ranking, names),
            _series_section(r, labels, measure.digits),
            _method_section(r),
            reports.files_section(IMPACT_CSVS),
        ]
    )
    name = f" ({names[r.treated]})" if names.get(r.treated) else ""
    sub = (
        f"intervention date {r.date} &middot; {escape(measure.label)} &middot; source: released "
        f"table {escape(measure.table)}"
    )
    page = folder / "index.html"
    title = f"Impact on {r.treated}{name} from {r.date}"
    page.write_text(reports.page(title, sub, summary, body + "\n", warn=not r.pretrend.ok))
    return page


def estimate_row(r: impact.ImpactResult) -> dict[str, Any]:
    """The one row of estimate.csv."""
    p = r.pretrend
    return {
        "treated": r.treated,
        "date": r.date,
        "before": r.before,
        "after": r.after,
        "controls": " ".join(r.controls),
        "pre_days_used": len(r.pre_days),
        "post_days_used": len(r.post_days),
        "days_dropped": "; ".join(f"{d} {why}" for d, why in r.dropped),
        "did_log": r.did,
        "uplift": r.uplift,
        "ci_low": r.ci_low,
        "ci_high": r.ci_high,
        "resamples": r.resamples,
        "block_length": r.block_length,
        "seed": r.seed,
        "pretrend_ok": p.ok,
        "pretrend_slope_per_day": p.slope,
        "pretrend_t": p.t_stat,
        "pretrend_drift": p.drift,
        "pretrend_rmse": p.rmse,
        "pretrend_notes": "; ".join(p.notes),
    }
