"""Self-contained HTML pages of the reports (the steward's release report, the analysts' pages).

One stylesheet, inlined in every page so a report opens offline; small builders for the page
frame, banners, cards and tables. Every value shown goes through `escape`.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence
from typing import Any

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1d2733;
background:#f4f6f8} main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px} h2{font-size:19px;margin:28px 0 10px;border-bottom:1px solid
#d5dbe1;padding-bottom:4px} h3{font-size:15px;margin:16px 0 6px} .sub{color:#5b6875;margin:0 0 16px}
.banner{padding:16px 20px;border-radius:8px;color:#fff;font-size:17px;margin:16px 0;
background:#1f4e79} .banner.warn{background:#b26a00}
.banner.ok{background:#1e7d3a} .banner.blocked{background:#c62828}
.banner ul{margin:8px 0 0 18px;font-size:15px} .banner li{margin:3px 0}
.banner small{color:#fff;opacity:.92;font-size:13px}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:6px 0 12px}
table.full{width:100%}
th,td{border:1px solid #d5dbe1;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#e9edf1;white-space:nowrap} td.num{text-align:right;font-variant-numeric:tabular-nums}
td.sup{color:#8a5a00;background:#fff4e0;font-style:italic;text-align:right}
td.na{color:#9aa5b1;text-align:right} tr.drop td{background:#f3f4f6;color:#6b7280}
tr.failrow td{background:#fdecea} tr.warnrow td{background:#fff4e0}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;
color:#fff} .pass{background:#1e7d3a} .fail{background:#c62828} .warn{background:#b26a00}
.cards{display:flex;gap:12px;flex-wrap:wrap} .card{background:#fff;border:1px solid #d5dbe1;
border-radius:8px;padding:12px 16px;min-width:160px} .card b{display:block;font-size:22px}
.charts{display:flex;gap:16px;flex-wrap:wrap}
img{background:#fff;border:1px solid #d5dbe1;border-radius:8px;max-width:100%;margin:6px 0}
.scroll{max-height:420px;overflow:auto;display:inline-block} small,.muted{color:#5b6875}
"""


def escape(value: Any) -> str:
    """A value as HTML text (None as empty)."""
    return html.escape("" if value is None else str(value))


def page(title: str, sub: str, body: str, heading: str | None = None) -> str:
    """A whole page: title, heading (the title unless given), sub line (HTML), body (HTML)."""
    written = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{CSS}</style></head><body><main>
<h1>{escape(title if heading is None else heading)}</h1>
<p class="sub">{sub} &middot; written {written}</p>
{body}
</main></body></html>
"""


def banner(inner: str, kind: str = "") -> str:
    """The headline box (inner is HTML); kind: '', 'warn', 'ok' or 'blocked'."""
    return f'<div class="banner{" " + kind if kind else ""}">{inner}</div>'


def cards(items: Iterable[tuple[str, str, str]]) -> str:
    """A row of headline cards, each (title, value, small print)."""
    inner = "".join(
        f'<div class="card"><small>{escape(t)}</small><b>{escape(v)}</b>'
        f"<small>{escape(s)}</small></div>"
        for t, v, s in items
    )
    return f'<div class="cards">{inner}</div>'


def table(
    head: Sequence[str], rows: Iterable[str], *, scroll: bool = False, full: bool = False
) -> str:
    """A table of a header (text) and rows (each a `<tr>` of HTML); scroll: in a capped box."""
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    cls = ' class="full"' if full else ""
    body = f"<table{cls}><tr>{th}</tr>{''.join(rows)}</table>"
    return f'<div class="scroll">{body}</div>' if scroll else body
