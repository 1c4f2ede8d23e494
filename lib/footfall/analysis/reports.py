"""Self-contained HTML pages and CSV figures of the `compare` and `impact` reports."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from footfall.analysis import charts
from footfall.analysis import impact as I
from footfall.core import columns as C

IMPACT_CSVS = ("series.csv", "estimate.csv", "controls.csv")
TOP_ORIGINS = 10  # origins shown per area in the compare report (origins.csv has them all)

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1d2733;
background:#f4f6f8} main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px} h2{font-size:19px;margin:28px 0 10px;border-bottom:1px solid
#d5dbe1;padding-bottom:4px} h3{font-size:15px;margin:16px 0 6px} .sub{color:#5b6875;margin:0 0 16px}
.banner{padding:16px 20px;border-radius:8px;color:#fff;font-size:17px;margin:16px 0;
background:#1f4e79} .banner.warn{background:#b26a00}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:6px 0 12px}
th,td{border:1px solid #d5dbe1;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#e9edf1;white-space:nowrap} td.num{text-align:right;font-variant-numeric:tabular-nums}
td.sup{color:#8a5a00;background:#fff4e0;font-style:italic;text-align:right}
td.na{color:#9aa5b1;text-align:right} tr.drop td{background:#f3f4f6;color:#6b7280}
.cards{display:flex;gap:12px;flex-wrap:wrap} .card{background:#fff;border:1px solid #d5dbe1;
border-radius:8px;padding:12px 16px;min-width:150px} .card b{display:block;font-size:22px}
img{background:#fff;border:1px solid #d5dbe1;border-radius:8px;max-width:100%;margin:6px 0}
.scroll{max-height:420px;overflow:auto;display:inline-block} small,.muted{color:#5b6875}
"""
SUPPRESSION_NOTE = (
    "<b>suppressed</b> = fewer than k<sub>min</sub> subscribers behind the value, so it was not "
    "released (disclosure control); it is not zero. Suppressed values are left out of means and "
    "shown as gaps in the charts. <b>&ndash;</b> = date not released."
)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: Any, suppressed: bool = False, partial: bool = False, digits: int = 0) -> str:
    """One table cell: a number, 'suppressed', or a dash for no data."""
    if suppressed:
        return '<td class="sup">suppressed</td>'
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return '<td class="na">&ndash;</td>'
    mark = "*" if partial else ""
    return f'<td class="num">{value:,.{digits}f}{mark}</td>'


def _table(head: Sequence[str], rows: Sequence[str], scroll: bool = False) -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = f"<table><tr>{th}</tr>{''.join(rows)}</table>"
    return f'<div class="scroll">{body}</div>' if scroll else body


def _page(title: str, sub: str, banner: str, body: str, warn: bool = False) -> str:
    written = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>
<style>{CSS}</style></head><body><main>
<h1>{_e(title)}</h1><p class="sub">{sub} &middot; written {written}</p>
<div class="banner{" warn" if warn else ""}">{_e(banner)}</div>
{body}
</main></body></html>
"""


def _csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a figure table; missing values (suppressed) are empty cells, counts as integers."""
    out = frame.copy()
    for col in out.columns:
        if col in (C.VISITORS, "visitors_sum"):
            out[col] = out[col].round().astype("Int64")
        elif out[col].dtype.kind == "f":
            out[col] = out[col].round(6)
    out.to_csv(path, index=False, na_rep="")


def _wide_cells(
    frame: pd.DataFrame,
    key: str,
    keys: Sequence[Any],
    areas: Sequence[str],
    value: str,
    label: Any = str,
) -> list[str]:
    """Rows of a key x area table of means (or values) with suppressed cells marked."""
    rows = []
    cells = frame.set_index([key, C.AREA_ID])
    for k in keys:
        tds = []
        for a in areas:
            if (k, a) not in cells.index:
                tds.append(_num(None))
                continue
            r = cells.loc[(k, a)]
            partial = bool(r.get("days_suppressed", 0)) and not bool(r["suppressed"])
            tds.append(_num(r[value], bool(r["suppressed"]), partial))
        rows.append(f"<tr><th>{_e(label(k))}</th>{''.join(tds)}</tr>")
    return rows


def write_compare_report(
    folder: Path,
    *,
    areas: Sequence[str],
    names: dict[str, str],
    date_from: dt.date,
    date_to: dt.date,
    released: Sequence[dt.date],
    figures: dict[str, pd.DataFrame],
    summary: str,
) -> Path:
    """Write index.html, its PNG charts and the CSV figures of a compare run; return the page."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in figures.items():
        _csv(frame, folder / f"{name}.csv")
    labels = {a: f"{a} {names.get(a, '')}".strip() for a in areas}
    hourly, weekday = figures["hourly_profile"], figures["weekday"]
    daily, origins = figures["daily"], figures["origins"]
    pngs = [
        charts.hourly_chart(folder, hourly, areas, labels),
        charts.weekday_chart(folder, weekday, areas, labels),
        charts.daily_chart(folder, daily, areas, labels),
        charts.origins_chart(folder, origins, areas, labels, TOP_ORIGINS),
    ]
    head = ["", *[labels[a] for a in areas]]
    hours = sorted(hourly[C.HOUR].unique()) if not hourly.empty else []
    wk = sorted(weekday["weekday_no"].unique())
    days = sorted(daily[C.DATE].unique())
    partial_note = (
        "<p><small>* mean of the released days only; some days of this cell were suppressed "
        "(see days_suppressed in the CSV).</small></p>"
    )
    origin_tables = []
    for a in areas:
        own = origins[(origins[C.AREA_ID] == a) & (origins["rank"] <= TOP_ORIGINS)]
        rows = [
            f"<tr><td>{r['rank']}</td><td>{_e(r['origin_label'])}</td>"
            f'<td class="num">{r["share"]:.1%}</td>{_num(r[C.VISITORS])}'
            f'<td class="num">{r["days"]}</td></tr>'
            for _, r in own.iterrows()
        ]
        origin_tables.append(
            f"<h3>{_e(labels[a])}</h3>"
            + (
                _table(["#", "origin", "share", "visitors (sum)", "days"], rows)
                if rows
                else "<p class='muted'>No released origin rows (all suppressed).</p>"
            )
        )
    body = f"""
<p>{SUPPRESSION_NOTE}</p>
<h2>Hour of day</h2><img src="{pngs[0]}" alt="hour-of-day profile">
{
        _table(
            ["hour", *head[1:]],
            _wide_cells(hourly, C.HOUR, hours, areas, "visitors_mean", lambda h: f"{h:02d}:00"),
            scroll=True,
        )
    }{partial_note}
<h2>Day of week</h2><img src="{pngs[1]}" alt="day-of-week profile">
{
        _table(
            ["weekday", *head[1:]],
            _wide_cells(
                weekday, "weekday_no", wk, areas, "visitors_mean", lambda k: charts.WEEKDAYS[k]
            ),
        )
    }{partial_note}
<h2>Daily trend</h2><img src="{pngs[2]}" alt="daily visitors">
{_table(["date", *head[1:]], _wide_cells(daily, C.DATE, days, areas, C.VISITORS), scroll=True)}
<h2>Top origins</h2><img src="{pngs[3]}" alt="top origins">
<p><small>Share = an origin's visitors summed over the released days / the area's daily
visitors summed over the same range. On days an origin was below k<sub>min</sub> it is counted
in "other". Rounding to multiples of 10 means shares need not add up to exactly 100%.</small></p>
{"".join(origin_tables)}
<h2>Files</h2><p>{" &middot; ".join(f'<a href="{n}.csv">{n}.csv</a>' for n in figures)}</p>
"""
    sub = (
        f"{date_from} to {date_to} &middot; {len(released)} of {(date_to - date_from).days + 1} "
        "dates released &middot; source: released tables origin_presence_daily/hourly"
    )
    page = folder / "index.html"
    page.write_text(_page(f"Compare areas: {', '.join(areas)}", sub, summary, body))
    return page


def _series_rows(result: I.ImpactResult) -> list[str]:
    s = result.series
    reasons = dict(result.dropped)
    rows = []
    for day, g in s.groupby(C.DATE, sort=True):
        by = g.set_index(C.AREA_ID)
        cells = [
            _num(by.at[a, C.VISITORS], by.at[a, "status"] == I.SUPPRESSED)
            for a in (result.treated, *result.controls)
        ]
        cells.append(_num(by.at[I.CONTROL_AVERAGE, "index"], digits=3))
        cells.append(_num(by.at[result.treated, "index"], digits=3))
        note = _e(reasons.get(day, "used"))
        cls = ' class="drop"' if day in reasons else ""
        period = by["period"].iloc[0]
        rows.append(f"<tr{cls}><th>{day}</th><td>{period}</td>{''.join(cells)}<td>{note}</td></tr>")
    return rows


def write_impact_report(
    folder: Path,
    *,
    result: I.ImpactResult,
    names: dict[str, str],
    ranking: pd.DataFrame,
    auto: bool,
    summary: str,
) -> Path:
    """Write index.html, its PNG charts and series.csv / estimate.csv of an impact run."""
    folder.mkdir(parents=True, exist_ok=True)
    r, p = result, result.pretrend
    _csv(r.series, folder / "series.csv")
    estimate = pd.DataFrame([estimate_row(r)])
    _csv(estimate, folder / "estimate.csv")
    _csv(ranking, folder / "controls.csv")
    labels = {a: f"{a} {names.get(a, '')}".strip() for a in (r.treated, *r.controls)}
    pngs = [
        charts.impact_series_chart(folder, r.series, r.date, labels),
        charts.bootstrap_chart(folder, r.boot, r.uplift, (r.ci_low, r.ci_high)),
    ]
    cards = [
        ("uplift", f"{r.uplift:+.1%}", "relative change in daily visitors"),
        ("95% interval", f"{r.ci_low:+.1%} to {r.ci_high:+.1%}", "block bootstrap over days"),
        ("controls", str(len(r.controls)), "auto: same region, best pre fit" if auto else "given"),
        (
            "days used",
            f"{len(r.pre_days)} pre / {len(r.post_days)} post",
            f"{len(r.dropped)} left out",
        ),
        ("pre-trend check", "OK" if p.ok else "WARNING", f"RMSE {p.rmse:.1%}"),
    ]
    cards_html = "".join(
        f'<div class="card"><small>{_e(t)}</small><b>{_e(v)}</b><small>{_e(s)}</small></div>'
        for t, v, s in cards
    )
    rank_rows = [
        f"<tr><td>{_e(x[C.AREA_ID])} {_e(names.get(x[C.AREA_ID], ''))}</td>"
        f"<td>{'yes' if x['complete'] else 'no (suppressed days)'}</td>"
        f"{_num(x['rmse'], digits=3)}<td>{'chosen' if x['chosen'] else ''}</td></tr>"
        for _, x in ranking.iterrows()
    ]
    head = [
        "date",
        "period",
        *[labels[a] for a in (r.treated, *r.controls)],
        "control avg index",
        "treated index",
        "used",
    ]
    pre_notes = "".join(f"<li>{_e(n)}</li>" for n in p.notes) or "<li>no issue found</li>"
    body = f"""
<div class="cards">{cards_html}</div>
<p>{SUPPRESSION_NOTE} Days where the treated area or any control is suppressed are left out of
the estimate.</p>
<h2>Treated vs controls</h2><img src="{pngs[0]}" alt="treated vs control average">
<h2>Uncertainty</h2><img src="{pngs[1]}" alt="bootstrap distribution">
<h2>Pre-trend check: {"OK" if p.ok else "WARNING"}</h2>
<p>Before {r.date}, the treated index minus the control-average index (both at their pre-period
mean = 1) had RMSE {p.rmse:.1%} (warning above {I.PRETREND_MAX_RMSE:.0%}) and a slope of
{_fmt(p.slope, "+.2%")} a day (t = {_fmt(p.t_stat, ".2f")}; a warning needs |t| &gt;
{_fmt(p.t_crit, ".2f")}, the 5% level, and a drift of at least {I.PRETREND_MIN_DRIFT:.0%} over
the pre-period).</p><ul>{pre_notes}</ul>
<h2>Control areas</h2>
{_table(["area", "complete window", "pre-period RMSE", ""], rank_rows, scroll=True)}
<h2>Daily series</h2>{_table(head, _series_rows(r), scroll=True)}
<h2>Method</h2>
<p>Difference in differences on logs: with c<sub>t</sub> the mean of the controls' daily
visitors each divided by its own pre-period mean, and g<sub>t</sub> = log(treated<sub>t</sub>)
&minus; log(c<sub>t</sub>), DiD = mean of g over the post days &minus; mean of g over the pre
days, and uplift = exp(DiD) &minus; 1 (a ratio of geometric-mean ratios).
DiD = {r.did:.4f}. Window: pre days {r.date - dt.timedelta(days=r.before)} to
{r.date - dt.timedelta(days=1)}, post days {r.date} to {r.date + dt.timedelta(days=r.after - 1)}.
The 95% interval is the 2.5&ndash;97.5 percentile range of {r.resamples} circular block
bootstrap resamples (blocks of {r.block_length} consecutive days, drawn separately within the pre
and the post days; seed {r.seed}).</p>
<h2>Files</h2><p>{" &middot; ".join(f'<a href="{n}">{n}</a>' for n in IMPACT_CSVS)}</p>
"""
    name = f" ({names[r.treated]})" if names.get(r.treated) else ""
    sub = f"intervention date {r.date} &middot; source: released table origin_presence_daily"
    page = folder / "index.html"
    title = f"Impact on {r.treated}{name} from {r.date}"
    page.write_text(_page(title, sub, summary, body, warn=not p.ok))
    return page


def _fmt(value: float, spec: str) -> str:
    return "n/a" if value is None or not np.isfinite(value) else format(value, spec)


def estimate_row(r: I.ImpactResult) -> dict[str, Any]:
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
