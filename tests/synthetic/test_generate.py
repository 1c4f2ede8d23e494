"""Synthetic data generator: determinism, landing format, DST, lateness, faults, ground truth.

Two tiny runs (one region, three days over the spring-forward day) share the module: the main
run with an intervention on its last day, and the same seed without it (the counterfactual).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from footfall.core import columns as C

ROOT = Path(__file__).resolve().parents[2]
START = dt.date(2026, 3, 28)
DAYS = 3
DST_DAY = "2026-03-29"
IV_DATE = "2026-03-30"
ZONE = ZoneInfo("Europe/London")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def _generate(spark, out: Path, uplift: float) -> dict:
    from footfall.core.config import load_config
    from footfall.synthetic.generate import run_generate

    sets = [
        f"paths.landing={out / 'landing'}",
        f"paths.reference={out / 'reference'}",
        f"paths.ground_truth={out / 'ground_truth'}",
        f"paths.lake={out / 'lake'}",
        f"paths.reports={out / 'reports'}",
        "tokenisation.key_file=",
        "tokenisation.key_env=FOOTFALL_TEST_KEY",
        "generate.regions=1",
        "generate.fault_rate=0.01",
        "generate.duplicate_rate=0.005",
        "generate.late_rate=0.05",
        "generate.files_per_day=2",
        "generate.intervention_area=A0101",
        f"generate.intervention_date={IV_DATE}",
        f"generate.intervention_uplift={uplift}",
    ]
    cfg = load_config(ROOT / "conf" / "local.yaml", sets)
    return run_generate(spark, cfg, out=out, subscribers=300, days=DAYS, start=START, seed=7)


@pytest.fixture(scope="module")
def runs(spark, tmp_path_factory):
    base = tmp_path_factory.mktemp("generate")
    main = _generate(spark, base / "main", 0.2)
    counterfactual = _generate(spark, base / "counterfactual", 0.0)
    return base / "main", base / "counterfactual", main, counterfactual


def _landing_lines(out: Path) -> dict[str, list[str]]:
    lines = {}
    for folder in sorted((out / "landing" / "events").glob("date=*")):
        day = folder.name.removeprefix("date=")
        lines[day] = []
        for f in sorted(folder.glob("*.csv.gz")):
            with gzip.open(f, "rt", encoding="utf-8", newline="") as fh:
                lines[day] += fh.read().splitlines()[1:]
    return lines


def _csv(path: Path) -> list[dict]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _parquet(spark, path: Path) -> list:
    return spark.read.parquet(str(path)).collect()


def _instant(text: str) -> dt.datetime | None:
    if re.fullmatch(r"\d{1,15}", text):
        return dt.datetime.fromtimestamp(int(text) / 1000, dt.timezone.utc)
    if ISO.match(text):
        return dt.datetime.fromisoformat(text)
    return None


def _classify(
    line: str, landing: dt.date, cells: dict[str, list[tuple]]
) -> tuple[str, tuple | None]:
    """METHOD 3 quarantine reason of a raw line (or 'valid' and its duplicate key)."""
    fields = [f.strip() for f in line.split(",")]
    if line.count('"') % 2 or len(fields) != len(C.RAW_COLUMNS):
        return "malformed", None
    imsi, _, _, time, cell, etype = fields
    if not re.fullmatch(r"\d{15}", imsi):
        return "bad_imsi", None
    instant = _instant(time)
    if instant is None:
        return "bad_time", None
    local = instant.astimezone(ZONE).date()
    if local > landing or local < landing - dt.timedelta(days=3):
        return "out_of_window", None
    if etype not in C.EVENT_TYPES:
        return "bad_event_type", None
    if not any(lo <= local <= hi for lo, hi, _ in cells.get(cell, [])):
        return "unknown_cell", None
    return "valid", (imsi, instant, cell, etype)


def _cells(out: Path) -> dict[str, list[tuple]]:
    versions = defaultdict(list)
    for r in _csv(out / "reference" / "cells.csv"):
        hi = dt.date.fromisoformat(r["valid_to"]) if r["valid_to"] else dt.date.max
        versions[r["cell_id"]].append((dt.date.fromisoformat(r["valid_from"]), hi, r["area_id"]))
    return versions


def test_same_seed_gives_identical_reference_files_and_landing_lines(runs):
    main, counterfactual, _, _ = runs
    for name in ("areas.csv", "cells.csv", "subscribers.csv"):
        assert (main / "reference" / name).read_bytes() == (
            counterfactual / "reference" / name
        ).read_bytes()
    a, b = _landing_lines(main), _landing_lines(counterfactual)
    # landing days before the intervention hold only events before it: the same in both runs
    for day in ("2026-03-28", "2026-03-29"):
        assert a[day] and sorted(a[day]) == sorted(b[day])
    assert sorted(a[IV_DATE]) != sorted(b[IV_DATE])


def test_every_landing_file_starts_with_the_header(runs):
    main, *_ = runs
    files = sorted((main / "landing" / "events").glob("date=*/*.csv.gz"))
    assert len(files) >= 2 * DAYS
    for f in files:
        with gzip.open(f, "rt", encoding="utf-8", newline="") as fh:
            assert fh.readline() == ",".join(C.RAW_COLUMNS) + "\n", f.name


def test_area_population_is_the_number_of_true_residents(spark, runs):
    main, *_ = runs
    census = {r["area_id"]: int(r["population"]) for r in _csv(main / "reference" / "areas.csv")}
    residents = {
        r["area_id"]: r["people"] for r in _parquet(spark, main / "ground_truth" / "residents")
    }
    assert census == residents
    homes = Counter(
        r["home_area_id"]
        for r in _parquet(spark, main / "ground_truth" / "homes")
        if not r["is_roamer"]
    )
    subscribers = {
        r["area_id"]: r["subscribers"] for r in _parquet(spark, main / "ground_truth" / "residents")
    }
    assert homes == Counter({a: n for a, n in subscribers.items() if n})
    assert "A0101" in census


def test_spring_forward_day_has_no_local_0100_hour_and_offsets_match_the_zone(spark, runs):
    main, *_ = runs
    lines = [ln for day_lines in _landing_lines(main).values() for ln in day_lines]
    iso = [
        f[3].strip()
        for f in (ln.split(",") for ln in lines)
        if len(f) == 6 and ISO.match(f[3].strip())
    ]
    assert any(t.startswith(f"{DST_DAY}T00:") and t.endswith("+00:00") for t in iso)
    assert any(t.startswith(f"{DST_DAY}T02:") and t.endswith("+01:00") for t in iso)
    assert not any(t.startswith(f"{DST_DAY}T01:") for t in iso)
    for t in iso:  # the wall clock written is the zone's local time at that instant
        at = dt.datetime.fromisoformat(t)
        assert at.astimezone(ZONE).replace(tzinfo=None) == at.replace(tzinfo=None), t
    hours = {r[C.HOUR] for r in _parquet(spark, main / "ground_truth" / "presence_hourly")
             if str(r[C.DATE]) == DST_DAY}  # fmt: skip
    assert hours == set(range(24)) - {1}


def test_late_events_land_in_later_landing_folders(runs):
    main, *_ = runs
    lines = _landing_lines(main)
    cells = _cells(main)
    late_by_lag = Counter()
    for day, day_lines in lines.items():
        landing = dt.date.fromisoformat(day)
        for ln in day_lines:
            reason, key = _classify(ln, landing, cells)
            if reason == "valid":
                late_by_lag[(landing - key[1].astimezone(ZONE).date()).days] += 1
    assert late_by_lag[1] > 0 and late_by_lag[3] > 0
    assert set(late_by_lag) <= {0, 1, 2, 3}
    last = START + dt.timedelta(days=DAYS - 1)
    assert str(last + dt.timedelta(days=3)) in lines  # only late events land there


def test_cells_file_has_a_replanned_cell_with_two_consecutive_versions(runs):
    main, *_ = runs
    replanned = [v for v in _cells(main).values() if len(v) == 2]
    assert replanned
    for v1, v2 in (sorted(v) for v in replanned):
        assert v1[1] + dt.timedelta(days=1) == v2[0]
        assert v1[2] != v2[2]
        assert v2[1] == dt.date.max


def test_injected_faults_are_exactly_the_quarantine_reasons_of_each_landing_day(runs):
    main, *_ = runs
    faults = json.loads((main / "ground_truth" / "faults.json").read_text())["by_landing_date"]
    cells = _cells(main)
    for day, day_lines in _landing_lines(main).items():
        reasons, keys = Counter(), []
        for ln in day_lines:
            reason, key = _classify(ln, dt.date.fromisoformat(day), cells)
            reasons[reason] += 1
            keys.append(key)
        valid = [k for k in keys if k is not None]
        expected = faults[day]
        assert expected["lines"] == len(day_lines)
        for reason in C.QUARANTINE_REASONS:
            assert reasons[reason] == expected[reason], (day, reason)
        assert len(valid) - len(set(valid)) == expected["duplicate"], day
    totals = json.loads((main / "ground_truth" / "faults.json").read_text())["total"]
    assert all(totals[r] > 0 for r in (*C.QUARANTINE_REASONS, "duplicate"))


def test_about_thirty_five_events_per_subscriber_day(runs):
    _, _, summary, _ = runs
    assert 25 <= summary["events_per_subscriber_day"] <= 45
    assert summary["subscribers"] == pytest.approx(300, abs=10)


def test_intervention_adds_the_configured_uplift_and_leaves_other_areas_daily_presence(spark, runs):
    main, counterfactual, _, _ = runs
    info = json.loads((main / "ground_truth" / "intervention.json").read_text())
    assert info["area_id"] == "A0101" and info["date"] == IV_DATE
    assert info["uplift"] == pytest.approx(0.2, abs=0.02)

    def daily(out: Path) -> dict:
        rows = _parquet(spark, out / "ground_truth" / "presence_daily")
        return {(str(r[C.DATE]), r[C.AREA_ID]): r["people"] for r in rows}

    with_iv, without = daily(main), daily(counterfactual)
    assert set(with_iv) == set(without)
    changed = {k for k in with_iv if with_iv[k] != without[k]}
    assert changed == {(IV_DATE, "A0101")}
    day = info["days"][0]
    assert without[(IV_DATE, "A0101")] == day["counterfactual"]
    assert with_iv[(IV_DATE, "A0101")] == day["counterfactual"] + day["added"]
    ratio = with_iv[(IV_DATE, "A0101")] / without[(IV_DATE, "A0101")] - 1
    assert ratio == pytest.approx(info["uplift"], abs=1e-6)


def test_partition_keys_send_each_target_to_its_own_partition(spark):
    from footfall.synthetic.landing import partition_keys
    from pyspark.sql import functions as F

    keys = partition_keys(spark, 7)
    df = spark.createDataFrame([(j, k) for j, k in enumerate(keys)], "target int, key int")
    placed = df.repartition(7, "key").select("target", F.spark_partition_id().alias("p")).collect()
    assert sorted((r["target"], r["p"]) for r in placed) == [(j, j) for j in range(7)]
