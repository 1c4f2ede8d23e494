"""The `compare` report: hour-of-day, day-of-week, daily and origin figures of areas side by side.

One self-contained HTML page with PNG charts, and the figures as CSV files next to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from footfall.analysis import charts, reports
from footfall.core import columns as C
from footfall.core import html
from footfall.core.html import escape

TOP_ORIGINS = 10  # origins shown per area in the compare report (origins.csv has them all)
PARTIAL_NOTE = (
    "<p><small>* mean of the released days only; some days of this cell were suppressed "
    "(see days_suppressed in the CSV).</small></p>"
)
SHARE_NOTE = (
    "<p><small>Share = an origin's visitors summed over the released days / the area's daily\n"
    "visitors summed over the same range. On days an origin was below k<sub>min</sub> it is "
    'counted\nin "other". Rounding to multiples of 10 means shares need not add up to exactly '
    "100%.</small></p>"
)


def _wide_cells(
    frame: pd.DataFrame,
    key: str,
    keys: Sequence[Any],
    areas: Sequence[str],
    value: str,
    label: Callable[[Any], str] = str,
) -> list[str]:
    """Rows of a key x area table of means (or values) with suppressed cells marked."""
    rows = []
    cells = frame.set_index([key, C.AREA_ID])
    for k in keys:
        tds = []
        for a in areas:
            if (k, a) not in cells.index:
                tds.append(reports.number_cell(None))
                continue
            r = cells.loc[(k, a)]
            partial = bool(r.get("days_suppressed", 0)) and not bool(r["suppressed"])
            tds.append(reports.number_cell(r[value], bool(r["suppressed"]), partial))
        rows.append(f"<tr><th>{escape(label(k))}</th>{''.join(tds)}</tr>")
    return rows


def _profile_sections(
    folder: Path, figures: dict[str, pd.DataFrame], areas: Sequence[str], labels: dict[str, str]
) -> str:
    """Hour of day, day of week, daily trend: a chart and a key x area table each."""
    hourly, weekday, daily = figures["hourly_profile"], figures["weekday"], figures["daily"]
    columns = [labels[a] for a in areas]
    hours = sorted(hourly[C.HOUR].unique()) if not hourly.empty else []
    weekdays = sorted(weekday["weekday_no"].unique())
    days = sorted(daily[C.DATE].unique())
    mean = "visitors_mean"
    hour_rows = _wide_cells(hourly, C.HOUR, hours, areas, mean, lambda h: f"{h:02d}:00")
    weekday_rows = _wide_cells(
        weekday, "weekday_no", weekdays, areas, mean, lambda k: charts.WEEKDAYS[k]
    )
    day_rows = _wide_cells(daily, C.DATE, days, areas, C.VISITORS)
    return "\n".join(
        [
            reports.figure(
                "Hour of day",
                charts.hourly_chart(folder, hourly, areas, labels),
                "hour-of-day profile",
            ),
            html.table(["hour", *columns], hour_rows, scroll=True) + PARTIAL_NOTE,
            reports.figure(
                "Day of week",
                charts.weekday_chart(folder, weekday, areas, labels),
                "day-of-week profile",
            ),
            html.table(["weekday", *columns], weekday_rows) + PARTIAL_NOTE,
            reports.figure(
                "Daily trend", charts.daily_chart(folder, daily, areas, labels), "daily visitors"
            ),
            html.table(["date", *columns], day_rows, scroll=True),
        ]
    )


def _origins_section(
    folder: Path, origins: pd.DataFrame, areas: Sequence[str], labels: dict[str, str]
) -> str:
    """The top origins chart and, per area, its top origins with their shares."""
    png = charts.origins_chart(folder, origins, areas, labels, TOP_ORIGINS)
    per_area = []
    for a in areas:
        own = origins[(origins[C.AREA_ID] == a) & (origins["rank"] <= TOP_ORIGINS)]
        rows = [
            f"<tr><td>{r['rank']}</td><td>{escape(r['origin_label'])}</td>"
            f'<td class="num">{r["share"]:.1%}</td>{reports.number_cell(r[C.VISITORS])}'
            f'<td class="num">{r["days"]}</td></tr>'
            for _, r in own.iterrows()
        ]
        per_area.append(
            f"<h3>{escape(labels[a])}</h3>"
            + (
                html.table(["#", "origin", "share", "visitors (sum)", "days"], rows)
                if rows
                else "<p class='muted'>No released origin rows (all suppressed).</p>"
            )
        )
    return f"{reports.figure('Top origins', png, 'top origins')}\n{SHARE_NOTE}\n{''.join(per_area)}"


PARTS = (  # figure name, column, heading, chart file, what the parts are
    ("visitor_classes", C.VISITOR_CLASS, "Visitor classes", "visitor_classes.png", "class"),
    ("dwell", C.DWELL_BAND, "Dwell (minutes present in the area on the date)", "dwell.png", "band"),
)
PARTS_NOTE = (
    "<p><small>Share = a {what}'s visitors summed over the days it is known / the area's daily "
    "visitors summed over the same days (METHOD 5.3; released tables visitor_class_daily and "
    "dwell_daily). A {what} merged into <i>other</i> by disclosure control on a day is "
    "suppressed that day (* = some days suppressed); a {what} with no row in a group with no "
    "<i>other</i> had no one.</small></p>"
)


def _parts_sections(
    folder: Path, figures: dict[str, pd.DataFrame], areas: Sequence[str], labels: dict[str, str]
) -> str:
    """The class split and the dwell distribution: a chart and a part x area table each."""
    out = []
    for name, part, heading, png, what in PARTS:
        split = figures[name]
        chart = charts.parts_chart(folder, split, part, areas, labels, heading, png)
        parts = list(dict.fromkeys(split[part]))
        cells = split.assign(share_pct=split["share"] * 100)
        rows = _wide_cells(cells, part, parts, areas, "share_pct")
        table = (
            html.table([f"{what} (% of visitors)", *[labels[a] for a in areas]], rows)
            if parts
            else "<p class='muted'>No released rows for these dates.</p>"
        )
        out.append(reports.figure(heading, chart, heading) + table + PARTS_NOTE.format(what=what))
    return "\n".join(out)


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
        reports.write_csv(frame, folder / f"{name}.csv")
    labels = {a: f"{a} {names.get(a, '')}".strip() for a in areas}
    body = "\n".join(
        [
            f"\n<p>{reports.SUPPRESSION_NOTE}</p>",
            _profile_sections(folder, figures, areas, labels),
            _origins_section(folder, figures["origins"], areas, labels),
            _parts_sections(folder, figures, areas, labels),
            reports.files_section(f"{n}.csv" for n in figures),
        ]
    )
    sub = (
        f"{date_from} to {date_to} &middot; {len(released)} of {(date_to - date_from).days + 1} "
        "dates released &middot; source: released tables origin_presence_daily/hourly, "
        "visitor_class_daily, dwell_daily"
    )
    page = folder / "index.html"
    page.write_text(reports.page(f"Compare areas: {', '.join(areas)}", sub, summary, body + "\n"))
    return page
