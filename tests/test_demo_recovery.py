"""End to end on the default demo data (issue 7): the generator's injected intervention is
recovered from the released tables by `footfall impact`.

The demo world is generated with conf/base.yaml's generate.* settings (seed 42, 3000 subscribers,
14 days from 2026-03-16, +20% visits to A0111 from 2026-03-23), run through ingest, origins,
presence and the release gate exactly as `make demo` does, then the impact is estimated with the
default auto controls and 7 days either side. The slowest module of the suite (a few minutes).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import TEST_KEY, config_under
from footfall.analysis.impact_job import run_impact
from footfall.pipeline import run_range
from footfall.synthetic.generate import run_generate

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(spark, tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    cfg = config_under(folder)
    start, days = cfg["generate.start"], cfg["generate.days"]
    run_generate(
        spark,
        cfg,
        out=folder,
        subscribers=cfg["generate.subscribers"],
        days=days,
        start=start,
        seed=cfg["generate.seed"],
    )
    result = run_range(spark, cfg, start, start + dt.timedelta(days=days - 1), TEST_KEY)
    truth = json.loads((cfg.path("ground_truth") / "intervention.json").read_text())
    return cfg, result, truth


def test_the_demo_injects_a_20_percent_uplift_and_releases_every_date(demo):
    _, result, truth = demo
    assert (truth["area_id"], truth["date"], truth["injected"]) == ("A0111", "2026-03-23", True)
    assert truth["uplift"] == pytest.approx(0.20, abs=0.005)  # rounding of whole visitors
    assert (result["released"], result["blocked"]) == (14, "none")


def test_impact_recovers_the_injected_uplift_within_2_points(spark, demo):
    cfg, _, truth = demo
    got = run_impact(spark, cfg, "A0111", dt.date(2026, 3, 23), None, 7, 7)
    assert abs(got["uplift"] - truth["uplift"]) <= 0.02, got["summary"]
    assert got["ci_low"] <= truth["uplift"] <= got["ci_high"], got["summary"]
    assert got["pretrend_ok"] and got["days_dropped"] == 0
