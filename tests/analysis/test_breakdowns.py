"""Analysts on the released breakdowns of METHOD 5.3: class split, dwell distribution, and the
impact on one class or on the share of long stays; a part merged into `other` is suppressed."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from footfall.analysis import breakdowns as B
from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.errors import UserError
from test_analysis import _write_released

D1, D2 = dt.date(2026, 3, 16), dt.date(2026, 3, 17)
CLASSES = list(C.VISITOR_CLASSES)


def _frame(rows, part):
    return pd.DataFrame(rows, columns=[C.DATE, C.AREA_ID, part, C.VISITORS])


def test_class_split_counts_a_part_merged_into_other_as_suppressed_and_a_missing_one_as_zero():
    rows = _frame(
        [
            (D1, "X", "all", 100), (D1, "X", "resident", 60), (D1, "X", "other", 40),
            (D2, "X", "all", 200), (D2, "X", "resident", 120), (D2, "X", "worker", 50),
            (D2, "X", "visitor", 30),
            (D2, "Y", "all", 50), (D2, "Y", "visitor", 50),  # Y: group not released on D1
        ],
        C.VISITOR_CLASS,
    )  # fmt: skip
    cells = B.part_status(rows, C.VISITOR_CLASS, CLASSES, ["X", "Y"], [D1, D2])
    split = B.part_split(cells, C.VISITOR_CLASS).set_index([C.AREA_ID, C.VISITOR_CLASS])

    def row(area, part):
        r = split.loc[(area, part)]
        return r["visitors_sum"], round(r["share"], 4), r["days_known"], r["days_suppressed"]

    assert row("X", "resident") == (180, 0.6, 2, 0)
    assert row("X", "worker") == (50, 0.25, 1, 1)  # merged into other on D1: 50 of D2's 200
    assert row("X", "other") == (40, round(40 / 300, 4), 2, 0)  # no other row on D2: zero
    assert row("Y", "resident") == (0, 0.0, 1, 1)  # D1 suppressed, D2 none (no other row)
    assert row("Y", "visitor") == (50, 1.0, 1, 1)
    assert not split["suppressed"].any()
    gone = B.part_split(cells[cells[C.AREA_ID] == "Y"].assign(status=B.SUPPRESSED), "visitor_class")
    assert gone["suppressed"].all() and gone["share"].isna().all()


def test_long_stay_share_is_unknown_where_a_band_was_merged_into_other():
    rows = _frame(
        [
            (D1, "X", "all", 100), (D1, "X", "180_360", 30), (D1, "X", "360_plus", 20),
            (D1, "X", "under_60", 50),
            (D2, "X", "all", 100), (D2, "X", "180_360", 40), (D2, "X", "other", 60),
            (D1, "Y", "all", 50), (D1, "Y", "under_60", 50),  # no long stay, nothing merged
        ],
        C.DWELL_BAND,
    )  # fmt: skip
    share = B.share_series(rows, ["180_360", "360_plus"])
    assert [tuple(r) for r in share.itertuples(index=False)] == [(D1, "X", 0.5), (D1, "Y", 0.0)]


def test_impact_on_one_class_and_compare_show_classes_and_dwell(spark, cfg):
    from footfall.analysis.impact_job import impact_measure, run_impact
    from footfall.analysis.jobs import run_compare

    with pytest.raises(UserError, match="resident, worker, visitor"):
        impact_measure(cfg, "tourist", None)
    with pytest.raises(UserError, match="under_60, 60_180, 180_360, 360_plus"):
        impact_measure(cfg, None, ["180_360", "6h"])
    days = [D1 + dt.timedelta(days=k) for k in range(6)]  # intervention on days[3]
    visitors = {"T": [100, 100, 100, 120, 120, 120], "A": [50] * 6, "B": [80] * 6}
    classes, daily = [], []
    for area, values in visitors.items():
        for d, v in zip(days, values, strict=True):
            daily.append((d, area, "all", 2 * v))
            classes += [(d, area, "all", 2 * v), (d, area, "visitor", v)]
            classes += [(d, area, "resident", v)] if area != "B" else [(d, area, "other", v)]
    _write_released(spark, cfg, daily, [(days[0], 0, "T", 10)])
    released = [(*r, "r1") for r in classes]
    lake.append(
        spark.createDataFrame(released, tables.RELEASED_CLASS.schema), cfg, tables.RELEASED_CLASS
    )

    out = run_impact(spark, cfg, "T", days[3], ["A", "B"], 3, 3, visitor_class="visitor")
    assert out["uplift"] == pytest.approx(0.2, abs=1e-9)
    assert out["summary"].startswith("Daily visitors of class visitor in T (Tham) rose 20%")
    assert out["report"].endswith("T_2026-03-19_class-visitor/index.html")

    page = run_compare(spark, cfg, ["T", "B"], days[0], days[-1])["report"]
    folder = cfg.path("reports") / "compare" / "T-B_2026-03-16_2026-03-21"
    split = pd.read_csv(folder / "visitor_classes.csv").set_index([C.AREA_ID, C.VISITOR_CLASS])
    assert split.loc[("T", "visitor"), "share"] == pytest.approx(0.5)
    assert split.loc[("B", "resident"), "suppressed"]  # in B's `other` every day
    assert split.loc[("T", "worker"), "share"] == 0  # no worker row, no `other`: none
    html = open(page).read()
    assert "visitor_classes.png" in html and "dwell.png" in html
    assert html.count('class="sup">suppressed') >= 2  # B's resident and worker
    assert "No released rows for these dates" in html  # no dwell_daily in this lake
