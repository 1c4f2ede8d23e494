"""Pieces of the analysts' report pages (compare, impact): cells, notes, CSV figures, the frame.

A suppressed value (fewer than k_min subscribers, METHOD 7) is shown as "suppressed", never as 0;
a date not released as a dash; a CSV leaves both cells empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from footfall.core import columns as C
from footfall.core import html
from footfall.core.html import escape

SUPPRESSION_NOTE = (
    "<b>suppressed</b> = fewer than k<sub>min</sub> subscribers behind the value, so it was not "
    "released (disclosure control); it is not zero. Suppressed values are left out of means and "
    "shown as gaps in the charts. <b>&ndash;</b> = date not released."
)


def number_cell(
    value: Any, suppressed: bool = False, partial: bool = False, digits: int = 0
) -> str:
    """One table cell: a number, 'suppressed', or a dash for no data."""
    if suppressed:
        return '<td class="sup">suppressed</td>'
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return '<td class="na">&ndash;</td>'
    mark = "*" if partial else ""
    return f'<td class="num">{value:,.{digits}f}{mark}</td>'


def fmt(value: float, spec: str) -> str:
    """A number formatted by spec, or n/a when it is missing or not finite."""
    return "n/a" if value is None or not np.isfinite(value) else format(value, spec)


def page(title: str, sub: str, banner: str, body: str, warn: bool = False) -> str:
    """A report page: its headline sentence (text) in a banner, amber when warn, then body."""
    return html.page(title, sub, html.banner(escape(banner), "warn" if warn else "") + "\n" + body)


def figure(title: str, png: str, alt: str) -> str:
    """A section heading and its chart."""
    return f'<h2>{title}</h2><img src="{png}" alt="{alt}">'


def files_section(names: Iterable[str]) -> str:
    """Links to the files written next to the page."""
    links = " &middot; ".join(f'<a href="{n}">{n}</a>' for n in names)
    return f"<h2>Files</h2><p>{links}</p>"


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a figure table; missing values (suppressed) are empty cells, counts as integers."""
    out = frame.copy()
    for col in out.columns:
        if col in (C.VISITORS, "visitors_sum"):
            out[col] = out[col].round().astype("Int64")
        elif out[col].dtype.kind == "f":
            out[col] = out[col].round(6)
    out.to_csv(path, index=False, na_rep="")
