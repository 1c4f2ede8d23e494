"""Analysts' commands: DiD arithmetic, control choice, suppression handling, compare figures."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from footfall.analysis import impact as I
from footfall.analysis.impact_report import write_impact_report
from footfall.core import columns as C
from footfall.core import inputs, tables
from footfall.core.errors import UserError

D0 = dt.date(2026, 3, 23)  # intervention day (a Monday)


def _rows(series: dict[str, list[float | None]], first: dt.date) -> pd.DataFrame:
    """Released daily `all` rows from per-area lists; None = no row (suppressed)."""
    out = [
        (first + dt.timedelta(days=k), area, v)
        for area, values in series.items()
        for k, v in enumerate(values)
        if v is not None
    ]
    return pd.DataFrame(out, columns=[C.DATE, C.AREA_ID, C.VISITORS])


def _day(offset: int) -> dt.date:
    return D0 + dt.timedelta(days=offset)


# ---- DiD arithmetic --------------------------------------------------------------------------


def test_did_uplift_is_ratio_of_treated_change_to_control_change():
    rows = _rows({"T": [100, 100, 120, 120], "C1": [50, 50, 50, 50]}, _day(-2))
    r = I.estimate_impact(rows, "T", ["C1"], D0, before=2, after=2)
    assert r.uplift == pytest.approx(0.20, abs=1e-12)
    assert r.ci_low == pytest.approx(0.20) and r.ci_high == pytest.approx(0.20)
    assert r.dropped == ()


def test_did_removes_a_common_control_trend():
    # everyone grows 10%, the treated area 32%: the intervention's own effect is 1.32/1.10 - 1
    rows = _rows(
        {"T": [100, 100, 132, 132], "C1": [50, 50, 55, 55], "C2": [80, 80, 88, 88]}, _day(-2)
    )
    r = I.estimate_impact(rows, "T", ["C1", "C2"], D0, before=2, after=2)
    assert r.uplift == pytest.approx(0.20, abs=1e-12)


def test_control_average_weights_each_control_at_its_own_pre_level():
    # a big control flat, a small control doubling: the average index rises 50%, not ~9%
    rows = _rows(
        {"T": [100, 100, 150, 150], "big": [1000] * 4, "small": [10, 10, 20, 20]}, _day(-2)
    )
    r = I.estimate_impact(rows, "T", ["big", "small"], D0, before=2, after=2)
    assert r.uplift == pytest.approx(0.0, abs=1e-12)


def test_bootstrap_interval_is_reproducible_with_the_seed_and_covers_the_estimate():
    rng = np.random.default_rng(3)
    noisy = {a: list(100 * np.exp(rng.normal(0, 0.05, 10))) for a in ("T", "C1", "C2")}
    rows = _rows(noisy, _day(-5))
    a = I.estimate_impact(rows, "T", ["C1", "C2"], D0, before=5, after=5, seed=11)
    b = I.estimate_impact(rows, "T", ["C1", "C2"], D0, before=5, after=5, seed=11)
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    assert a.ci_low < a.uplift < a.ci_high
    assert len(a.boot) == I.RESAMPLES


def test_block_bootstrap_draws_blocks_of_consecutive_days_wrapping_around():
    idx = I.block_indices(np.random.default_rng(0), n=7, block=3, resamples=50)
    assert idx.shape == (50, 7)
    for row in idx:
        for start in (0, 3):  # blocks at positions 0-2 and 3-5; position 6 opens a third
            assert list(row[start : start + 3]) == [(row[start] + k) % 7 for k in range(3)]


# ---- controls --------------------------------------------------------------------------------


def test_auto_controls_rank_by_pre_period_fit_and_skip_incomplete_areas():
    pre_t = [100, 110, 120, 110, 100]
    rows = _rows(
        {
            "T": [*pre_t, 150, 150],
            "same": [50, 55, 60, 55, 50, 50, 50],  # identical shape: RMSE 0
            "close": [200, 215, 245, 220, 200, 200, 200],
            "flat": [70] * 7,  # does not follow the treated's pre movement
            "gappy": [50, 55, 60, 55, 50, None, 50],  # perfect shape but a suppressed day
        },
        _day(-5),
    )
    ranking = I.choose_controls(rows, "T", ["gappy", "flat", "close", "same", "T"], D0, 5, 2, n=2)
    assert list(ranking.loc[ranking["chosen"], C.AREA_ID]) == ["same", "close"]
    assert "T" not in set(ranking[C.AREA_ID])
    gappy = ranking.set_index(C.AREA_ID).loc["gappy"]
    assert not gappy["complete"] and not gappy["chosen"]


# ---- suppression -----------------------------------------------------------------------------


def test_suppressed_day_is_excluded_from_the_estimate_not_counted_as_zero(tmp_path):
    # the treated area is suppressed on the second post day, a control on the first pre day
    rows = _rows({"T": [30, 100, 100, 120, None, 120], "C1": [None, 50, 50, 50, 50, 50]}, _day(-3))
    r = I.estimate_impact(rows, "T", ["C1"], D0, before=3, after=3)
    assert r.uplift == pytest.approx(0.20, abs=1e-12)
    assert dict(r.dropped) == {_day(-3): "control C1 suppressed", _day(1): "treated T suppressed"}
    assert r.post_days == (_day(0), _day(2))

    ranking = pd.DataFrame({C.AREA_ID: ["C1"], "complete": [False], "rmse": [0.0],
                            "rank": [1], "chosen": [True]})  # fmt: skip
    write_impact_report(tmp_path, result=r, names={}, ranking=ranking, auto=False, summary="s")
    csv = pd.read_csv(tmp_path / "series.csv", keep_default_na=False, dtype=str)
    cell = csv[(csv[C.AREA_ID] == "T") & (csv[C.DATE] == str(_day(1)))].iloc[0]
    assert cell[C.VISITORS] == "" and cell["suppressed"] == "True" and cell["used"] == "False"
    assert "suppressed" in (tmp_path / "index.html").read_text()
    est = pd.read_csv(tmp_path / "estimate.csv").iloc[0]
    assert est["uplift"] == pytest.approx(0.2, abs=1e-4) and est["post_days_used"] == 2


def test_too_few_days_left_after_suppression_is_a_user_error():
    rows = _rows({"T": [100, None, 120], "C1": [50, 50, 50]}, _day(-2))
    with pytest.raises(UserError, match="only 1 pre"):
        I.estimate_impact(rows, "T", ["C1"], D0, before=2, after=1)


# ---- pre-trend check ---------------------------------------------------------------------------


def test_pretrend_check_warns_when_treated_drifts_away_from_controls_before_the_date():
    drifting = [100 * 1.04**k for k in range(7)]
    rows = _rows({"T": [*drifting, 140, 140], "C1": [50] * 9, "C2": [80] * 9}, _day(-7))
    r = I.estimate_impact(rows, "T", ["C1", "C2"], D0, before=7, after=2)
    assert not r.pretrend.ok
    assert r.pretrend.drift == pytest.approx(0.26, abs=0.03)
    parallel = _rows({"T": [100, 102, 99, 101, 100, 98, 101, 120, 120], "C1": [50] * 9}, _day(-7))
    assert I.estimate_impact(parallel, "T", ["C1"], D0, before=7, after=2).pretrend.ok


# ---- recovery of a known uplift ---------------------------------------------------------------


def test_estimate_recovers_a_known_20_percent_uplift_on_synthetic_series():
    """10 areas, 14 days, multiplicative day-of-week effects, noise; +20% on A00 from day 8."""
    rng = np.random.default_rng(2026)
    start = dt.date(2026, 3, 16)
    days = [start + dt.timedelta(days=k) for k in range(14)]
    dow = np.array([1.0, 1.05, 1.1, 1.1, 1.3, 0.8, 0.7])
    areas = [f"A{k:02d}" for k in range(10)]
    rows = []
    for i, area in enumerate(areas):
        base, own = rng.uniform(300, 3000), dow * (1 + rng.normal(0, 0.02, 7))
        for k, day in enumerate(days):
            v = (
                base
                * own[day.weekday()]
                * np.exp(rng.normal(0, 0.01))
                * (1.2 if i == 0 and k >= 7 else 1)
            )
            rows.append((day, area, int(round(v / 10) * 10)))  # released values: multiples of 10
    frame = pd.DataFrame(rows, columns=[C.DATE, C.AREA_ID, C.VISITORS])
    date = days[7]
    ranking = I.choose_controls(frame, "A00", areas[1:], date, before=7, after=7)
    controls = list(ranking.loc[ranking["chosen"], C.AREA_ID])
    assert len(controls) == I.AUTO_CONTROLS
    r = I.estimate_impact(frame, "A00", controls, date, before=7, after=7)
    assert abs(r.uplift - 0.20) < 0.02
    assert r.ci_low <= 0.20 <= r.ci_high
    assert r.pretrend.ok


# ---- Spark edge: the commands on tiny released tables ----------------------------------------

AREAS_CSV = (
    inputs.csv_header(inputs.AREAS_SCHEMA)
    + """
X,Xton,D1,R1,1000
Y,Yford,D1,R1,800
T,Tham,D1,R1,900
A,Aby,D1,R1,700
B,Bury,D1,R1,600
G,Gap,D1,R1,500
Z,Zed,D2,R2,900
"""
)


def _write_released(spark, cfg, daily: list[tuple], hourly: list[tuple]) -> None:
    """Write the released tables and areas.csv under cfg's paths (release_id r1, district)."""
    from footfall.core import lake

    ref = cfg.path("reference")
    ref.mkdir(parents=True, exist_ok=True)
    (ref / "areas.csv").write_text(AREAS_CSV)
    d = [(dd, a, "district", o, v, "r1") for dd, a, o, v in daily]
    lake.append(spark.createDataFrame(d, tables.RELEASED_DAILY.schema), cfg, tables.RELEASED_DAILY)
    h = [(dd, hh, a, "district", C.ORIGIN_ALL, v, "r1") for dd, hh, a, v in hourly]
    lake.append(
        spark.createDataFrame(h, tables.RELEASED_HOURLY.schema), cfg, tables.RELEASED_HOURLY
    )


def test_compare_writes_csvs_with_means_over_released_days_and_suppressed_cells(spark, cfg):
    from footfall.analysis.jobs import run_compare

    mon, tue, mon2 = dt.date(2026, 3, 16), dt.date(2026, 3, 17), dt.date(2026, 3, 23)
    daily = [
        (mon, "X", "all", 100), (mon, "X", "D1", 60), (mon, "X", "other", 40),
        (tue, "X", "all", 200), (tue, "X", "D1", 150), (tue, "X", "other", 50),
        (mon2, "X", "all", 300), (mon2, "X", "D1", 200), (mon2, "X", "D2", 100),
        (mon, "Y", "all", 50), (mon2, "Y", "all", 70),  # Y suppressed on tue
    ]  # fmt: skip
    hourly = [
        (mon, 8, "X", 10), (mon, 9, "X", 20), (tue, 8, "X", 30), (mon2, 8, "X", 50),
        (tue, 9, "Y", 40),  # X suppressed at tue 9; Y at every hour 8 and at mon 9
    ]  # fmt: skip
    _write_released(spark, cfg, daily, hourly)
    out = run_compare(spark, cfg, ["X", "Y"], mon, mon2)
    folder = cfg.path("reports") / "compare" / "X-Y_2026-03-16_2026-03-23"
    assert out["report"] == str(folder / "index.html") and (folder / "hourly_profile.png").is_file()
    assert out["mean_daily_visitors"] == {"X": 200.0, "Y": 60.0}

    read = lambda name: pd.read_csv(folder / name, keep_default_na=False, dtype=str)  # noqa: E731
    hp = read("hourly_profile.csv").set_index([C.AREA_ID, C.HOUR])
    assert float(hp.loc[("X", "8"), "visitors_mean"]) == 30.0
    assert float(hp.loc[("X", "9"), "visitors_mean"]) == 20.0
    assert hp.loc[("X", "9"), "days_suppressed"] == "1"
    assert hp.loc[("Y", "8"), "visitors_mean"] == "" and hp.loc[("Y", "8"), "suppressed"] == "True"
    assert float(hp.loc[("Y", "9"), "visitors_mean"]) == 40.0

    wk = read("weekday.csv").set_index([C.AREA_ID, "weekday"])
    assert float(wk.loc[("X", "Mon"), "visitors_mean"]) == 200.0
    assert float(wk.loc[("Y", "Mon"), "visitors_mean"]) == 60.0
    assert (
        wk.loc[("Y", "Tue"), "suppressed"] == "True" and wk.loc[("Y", "Tue"), "visitors_mean"] == ""
    )

    dl = read("daily.csv").set_index([C.AREA_ID, C.DATE])
    assert dl.loc[("Y", "2026-03-17"), C.VISITORS] == ""
    assert dl.loc[("Y", "2026-03-17"), "suppressed"] == "True"
    assert dl.loc[("X", "2026-03-18"), "status"] == "not released"
    assert dl.loc[("X", "2026-03-18"), "suppressed"] == "False"

    og = read("origins.csv")
    x = og[og[C.AREA_ID] == "X"].set_index(C.ORIGIN_ID)
    assert float(x.loc["D1", "share"]) == pytest.approx(410 / 600, abs=1e-4)
    assert float(x.loc["other", "share"]) == pytest.approx(90 / 600, abs=1e-4)
    assert x.loc["other", "origin_label"].startswith("other")
    assert list(x.sort_values("rank").index) == ["D1", "D2", "other"]
    page = (folder / "index.html").read_text()
    assert "suppressed" in page and "http" not in page.replace("http-equiv", "")


def test_impact_auto_controls_come_from_the_treated_region_with_complete_data(spark, cfg):
    from footfall.analysis.impact_job import run_impact

    series = {
        "T": [100, 100, 100, 120, None, 120],  # suppressed on the 2nd post day
        "A": [50] * 6,
        "B": [80] * 6,
        "G": [60, None, 60, 60, 60, 60],  # same region, incomplete: not a control
        "Z": [100] * 6,  # other region, would halve the uplift: never a control
    }
    daily = [(r[C.DATE], r[C.AREA_ID], "all", int(r[C.VISITORS]))
             for _, r in _rows(series, _day(-3)).iterrows()]  # fmt: skip
    _write_released(spark, cfg, daily, [(_day(0), 0, "T", 10)])
    out = run_impact(spark, cfg, "T", D0, None, before=3, after=3)
    assert out["controls"] == "A,B"
    assert out["uplift"] == pytest.approx(0.2, abs=1e-4)
    assert out["days_dropped"] == 1 and out["pretrend_ok"] is True
    assert "rose 20%" in out["summary"]
    folder = cfg.path("reports") / "impact" / "T_2026-03-23"
    for name in ("index.html", "series.csv", "estimate.csv", "series.png", "bootstrap.png"):
        assert (folder / name).is_file()
    with pytest.raises(UserError, match="unknown area id.*Q9"):
        run_impact(spark, cfg, "T", D0, ["A", "Q9"], before=3, after=3)


def test_compare_unknown_area_is_a_user_error_naming_it(spark, cfg):
    from footfall.analysis.jobs import run_compare

    cfg.path("reference").mkdir(parents=True, exist_ok=True)
    (cfg.path("reference") / "areas.csv").write_text(AREAS_CSV)
    with pytest.raises(UserError, match="NOPE"):
        run_compare(spark, cfg, ["X", "NOPE"], dt.date(2026, 3, 16), dt.date(2026, 3, 17))


def test_a_date_not_released_for_any_area_is_dropped_as_not_released():
    rows = _rows({"T": [100, 100, 100, 120, 120], "C1": [50] * 5}, _day(-3))
    rows = rows[rows[C.DATE] != _day(-1)]  # no release at all that day
    r = I.estimate_impact(rows, "T", ["C1"], D0, before=4, after=2)
    assert dict(r.dropped) == {_day(-4): "not released", _day(-1): "not released"}
    assert r.uplift == pytest.approx(0.20, abs=1e-12)
    assert not r.series.loc[r.series[C.DATE] == _day(-1), "suppressed"].any()
