"""The steward's release page (METHOD 9) opens offline: every asset is inline or beside it."""

from __future__ import annotations

import datetime as dt
import re

from footfall.gate.measures import Coverage, SupportStats, Volume
from footfall.gate.report import ReportFacts, write_report

D = dt.date(2026, 3, 29)
# an attribute loading an asset (src=, href=, url( ) that points to the network
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//""")


def facts() -> ReportFacts:
    support = SupportStats(90, 100, 0.1, 0.05, 0)
    return ReportFacts(
        rows_hourly=46,
        rows_daily=4,
        ingest=[],
        suppression_hourly=support,
        suppression_daily=support,
        coverage=Coverage(2, 3, 2 / 3),
        volume=Volume(1000, None, 0.0, [], "no history: first release, nothing to compare with"),
        hours_observed=[h for h in range(24) if h != 1],
        hours_expected=[h for h in range(24) if h != 1],
        k_min=3,
        rounding=10,
        volume_tolerance=0.5,
    )


def test_steward_page_loads_no_asset_from_the_network_and_shows_observed_and_expected(tmp_path):
    failed = {
        "check": "all_matches_daily",
        "table": "dwell_daily",
        "critical": True,
        "passed": False,
        "observed": "1 row(s)",
        "expected": "0 (date, area) groups whose `all` differs",
        "message": "FAILED: see https://example.org/method for the rule",  # text, not an asset
        "note": "",
    }
    stale = tmp_path / "data_docs"  # Data Docs of an earlier version are removed
    stale.mkdir()
    page = write_report(
        tmp_path, date=D, release_id="r1", passed=False, checks=[failed], facts=facts(), meta={}
    )

    text = page.read_text()
    assert EXTERNAL.findall(text) == []
    assert EXTERNAL.findall('<link rel="stylesheet" href="https://cdn.x/y.css">')  # it can fail
    assert "https://example.org/method" in text  # escaped message text is not an asset
    assert "<td>1 row(s)</td><td>0 (date, area) groups whose `all` differs</td>" in text
    assert "expectations/dwell_daily.yaml" in text
    assert not stale.exists()
    for src in re.findall(r'src="([^"]+)"', text):
        assert (tmp_path / src).is_file()
