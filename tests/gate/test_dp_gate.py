"""The gate in DP mode (METHOD 7.1, 9): the privacy ledger's budget walk and a DP release."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from footfall.core import calendar, inputs, lake, tables
from footfall.core import columns as C
from footfall.core.errors import GateBlocked
from footfall.gate import breakdowns, dp_gate
from footfall.gate.release import raise_blocked, run_release_days
from footfall.privacy import dp

D = dt.date(2026, 3, 29)  # spring-forward day: 23 hour bins
D2 = dt.date(2026, 3, 30)
LEVEL = "district"
AREAS = (
    inputs.csv_header(inputs.AREAS_SCHEMA)
    + "\nA1,One,D1,R1,1000\nA2,Two,D1,R1,2000\nA3,Three,D2,R2,500\n"
)
NOW = dt.datetime(2026, 4, 2, 6, 0, tzinfo=dt.timezone.utc)
ORIGINS = ("D1", "D2", "unknown", "roamer", "all")


def _plan(mechanism=dp.GAUSSIAN):
    budget, cap = (0.5, 15.0) if mechanism == dp.GAUSSIAN else (1.0, 31.0)
    return dp.DpPlan(mechanism, budget, 0.5, 24, 4, 0.1, 1e-9, cap)


def test_ledger_refuses_a_release_that_would_overspend_the_period():
    """14.7 of rho 15 spent in March: a day (0.5) would make 15.2: refused. A fresh April
    pays the weights (0.1-DP = 0.005 zCDP) with its first release only."""
    days = [dt.date(2026, 3, 30), dt.date(2026, 4, 1), dt.date(2026, 4, 2)]
    s = dp_gate.plan_spends(_plan(), days, set(days), {"2026-03": 14.7})
    assert not s[days[0]].within
    assert s[days[0]].after == pytest.approx(15.2)
    assert s[days[1]].weights == pytest.approx(0.005)
    assert s[days[1]].after == pytest.approx(0.505)
    assert s[days[2]].weights == 0.0
    assert s[days[2]].before == pytest.approx(0.505)
    row = dp_gate.budget_check(_plan(), s[days[0]])
    assert row["critical"] and not row["passed"]
    assert "15.2" in row["observed"] and "<= 15" in row["expected"]


def test_a_blocked_date_spends_nothing_for_the_next():
    """Laplace, 30.5 of 31 spent: the first date (1.0) is over the cap; the second is judged
    against 30.5 still (a refused date is not published), and refused too."""
    days = [dt.date(2026, 3, 30), dt.date(2026, 3, 31)]
    s = dp_gate.plan_spends(_plan(dp.LAPLACE), days, set(days), {"2026-03": 30.5})
    assert [x.within for x in s.values()] == [False, False]
    assert s[days[1]].before == pytest.approx(30.5)
    # a date failing another check is not published either: the next date ignores it
    s = dp_gate.plan_spends(_plan(dp.LAPLACE), days, {days[1]}, {"2026-03": 29.0})
    assert s[days[1]].before == pytest.approx(29.0) and s[days[1]].within


def ingest_row(day):
    """A landing day's ingest log row that passes the ingest checks."""
    q = {"q_bad_imsi": 8, "q_malformed": 4}
    return {
        C.LANDING_DATE: day,
        "status": "ok",
        "rows_read": 1000,
        "rows_valid": 980,
        "rows_quarantined": 12,
        "rows_duplicate": 8,
        **{f"q_{r}": q.get(f"q_{r}", 0) for r in C.QUARANTINE_REASONS},
        "files": ["part-0.csv.gz"],
        "failed_files": [],
        "message": None,
        "ingested_at": NOW,
    }


def _candidates(day: dt.date, drop_one: bool = False):
    """The whole public domain of a day with 10 visitors each (one cell missing if drop_one)."""
    hours = calendar.local_hours(day, "Europe/London")
    hourly = [(day, h, a, LEVEL, o, 10) for h in hours for a in ("A1", "A2", "A3") for o in ORIGINS]
    daily = [(day, a, LEVEL, o, 10) for a in ("A1", "A2", "A3") for o in ORIGINS]
    return (hourly[1:] if drop_one else hourly), daily


def _write(spark, cfg):
    """D complete, D2 with one hourly cell missing; audit rows with 1 subscriber behind `all`."""
    frames = {t: [] for t in ("ch", "cd", "ah", "ad")}
    for day in (D, D2):
        hourly, daily = _candidates(day, drop_one=day == D2)
        frames["ch"] += hourly
        frames["cd"] += daily
        frames["ah"] += [
            (d, h, a, LEVEL, "all", 1, 10.0) for d, h, a, _, o, _ in hourly if o == "all"
        ]
        frames["ad"] += [(d, a, LEVEL, "all", 1, 10.0) for d, a, _, o, _ in daily if o == "all"]
    for key, table in (
        ("ch", tables.CANDIDATE_HOURLY),
        ("cd", tables.CANDIDATE_DAILY),
        ("ah", tables.AUDIT_HOURLY),
        ("ad", tables.AUDIT_DAILY),
    ):
        lake.append(spark.createDataFrame(frames[key], table.schema), cfg, table)
    # METHOD 5.3's breakdowns have no DP candidates yet: presence writes none in DP mode
    for b in breakdowns.BREAKDOWNS:
        for table in (b.candidate, b.audit):
            lake.append(spark.createDataFrame([], table.schema), cfg, table)
    days = sorted({x for day in (D, D2) for x in calendar.feeding_landing_days(day, 3)})
    log = [ingest_row(x) for x in days]
    lake.append(spark.createDataFrame(log, tables.INGEST_LOG.schema), cfg, tables.INGEST_LOG)


def test_dp_release_writes_the_ledger_and_blocks_an_overspend(spark, make_cfg):
    """Two dates in one pass, rho cap 0.8: D (every cell of the domain, 1 subscriber behind
    each value: no k_min check in DP mode) is published with one ledger row (0.25 + 0.25 +
    the weights' 0.005); D2 would take March to 1.005 and lacks a cell: blocked (exit 3) on
    both checks, with nothing spent."""
    cfg = make_cfg(release__privacy="dp", release__k_min=15, dp__max_rho_per_period=0.8)
    cfg.path("reference").mkdir(parents=True, exist_ok=True)
    (cfg.path("reference") / "areas.csv").write_text(AREAS)
    _write(spark, cfg)

    summaries = run_release_days(spark, cfg, [D, D2])
    assert [s["passed"] for s in summaries] == [True, False]
    blocked = summaries[1]["blocked"]
    assert "privacy_ledger.budget" in blocked and "origin_presence_hourly.public_domain" in blocked
    with pytest.raises(GateBlocked) as raised:
        raise_blocked(summaries)
    assert raised.value.exit_code == 3
    (row,) = lake.read_table(spark, cfg, tables.PRIVACY_LEDGER).collect()
    assert (row["date"], row["mechanism"], row["measure"]) == (D, "gaussian", "rho")
    assert row["budget_release"] == pytest.approx(0.505)
    assert row["period_budget"] == pytest.approx(0.505) and row["period_max"] == 0.8
    assert row["noise_hourly"] == pytest.approx(48**0.5)
    assert row["epsilon"] > 0 and row["delta"] == 1e-9
    attempts = {r["date"]: r for r in lake.read_table(spark, cfg, tables.RELEASES).collect()}
    checks = {c["check"]: c for c in json.loads(attempts[D2]["suite_results"])}
    assert "k_min" not in checks and not checks["budget"]["passed"]
    assert "1.005" in checks["budget"]["observed"]
    page = (cfg.path("reports") / D.isoformat() / "index.html").read_text()
    assert "Differential privacy" in page and "0.295 left" in page
