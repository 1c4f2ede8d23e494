"""DP mode (METHOD 7.1) without Spark: calibration, the noise's spread, weights, config rules."""

from __future__ import annotations

import math
import statistics

import pytest
from footfall.core.errors import UserError
from footfall.privacy import dp
from footfall.privacy.dp_release import origin_weights, region_weights

N = 20_000  # draws per spread test


def plan(mechanism: str, seed: int | None = 7) -> dp.DpPlan:
    """The METHOD 7.1 defaults."""
    budget, cap = (0.5, 15.0) if mechanism == dp.GAUSSIAN else (1.0, 31.0)
    return dp.DpPlan(mechanism, budget, 0.5, 24, 4, 0.1, 1e-9, cap, seed)


def test_calibration_matches_method_formulas():
    g, lap = plan(dp.GAUSSIAN), plan(dp.LAPLACE)
    # hourly: rho 0.25, L2 sqrt(24): sigma^2 = 24 / (2 * 0.25) = 48; daily: 4 / 0.5 = 8
    assert g.scale(dp.HOURLY) == pytest.approx(math.sqrt(48), rel=1e-9)
    assert g.scale(dp.DAILY) == pytest.approx(math.sqrt(8), rel=1e-9)
    # hourly: epsilon 0.5, L1 24: b = 48; daily: 4 / 0.5 = 8
    assert lap.scale(dp.HOURLY) == pytest.approx(48.0)
    assert lap.scale(dp.DAILY) == pytest.approx(8.0)
    for p in (g, lap):  # OpenDP's own map of the sensitivity stays within each table's budget
        for table in (dp.HOURLY, dp.DAILY):
            assert p.spent(table) <= p.budget(table)
            assert p.spent(table) == pytest.approx(p.budget(table), rel=1e-9)


def test_weights_budget_and_approx_dp_statement():
    g, lap = plan(dp.GAUSSIAN), plan(dp.LAPLACE)
    assert g.weights_budget() == pytest.approx(0.005)  # 0.1-DP is 0.005-zCDP
    assert lap.weights_budget() == pytest.approx(0.1)
    eps, delta = g.as_approx_dp(0.5)
    # rho-zCDP gives (rho + 2 sqrt(rho ln(1/delta)), delta)-DP; OpenDP's conversion is tighter
    assert delta == 1e-9
    assert 0.5 < eps <= 0.5 + 2 * math.sqrt(0.5 * math.log(1e9))
    assert lap.as_approx_dp(3.0) == (3.0, 0.0)


@pytest.mark.parametrize("mechanism", [dp.GAUSSIAN, dp.LAPLACE])
@pytest.mark.parametrize("table", [dp.HOURLY, dp.DAILY])
@pytest.mark.parametrize("seed", [7, None], ids=["test-seed", "opendp"])
def test_noise_spread_matches_the_mechanism(mechanism, table, seed):
    """N draws around a count of 10: their standard deviation is the mechanism's for the
    table's sensitivity and budget (gaussian sigma = sqrt(bound / (2 rho)); laplace scale
    b = bound / epsilon, std sqrt(2 q) / (1 - q), q = exp(-1/b)).

    Tolerance: 5 standard errors of a sample standard deviation, SE = std * sqrt((kappa - 1) /
    (4 N)) with kurtosis kappa = 3 (Gaussian) or 6 (Laplace): 2.5% and 4.0% at N = 20000; the
    mean within 5 std / sqrt(N). With the test seed the draws are fixed; OpenDP's (OS
    randomness) fail by chance with probability under 1e-6."""
    p = plan(mechanism, seed)
    scale = p.scale(table)
    draws = dp.sampler(mechanism, scale, seed)([10] * N, [f"cell{i}" for i in range(N)])
    noise = [x - 10 for x in draws]
    std = p.std(table)
    kappa = 3 if mechanism == dp.GAUSSIAN else 6
    se = std * math.sqrt((kappa - 1) / (4 * N))
    assert abs(statistics.pstdev(noise) - std) < 5 * se
    assert abs(statistics.fmean(noise)) < 5 * std / math.sqrt(N)
    assert all(isinstance(x, int) for x in draws[:100])  # integer noise, no floating point


def test_seeded_noise_is_the_same_for_the_same_cell():
    draw = dp.sampler(dp.GAUSSIAN, 3.0, 11)
    assert draw([0, 0], ["a", "b"]) == draw([0, 0], ["a", "b"])
    assert draw([0] * 50, [f"c{i}" for i in range(50)]) != draw(
        [0] * 50, [f"d{i}" for i in range(50)]
    )


def test_region_weights_follow_method_6_on_noised_counts():
    # K_R1 = 2, K_R2 = 2, unknown 1 (N = 5, K = 4), as METHOD 6's example in test_presence
    weights, unknown = region_weights({"R1": 2, "R2": 2, "unknown": 1}, {"R1": 1000, "R2": 500})
    assert weights == {"R1": pytest.approx(400.0), "R2": pytest.approx(200.0)}
    assert unknown == pytest.approx(300.0)
    # a noised count at or below 0 stays 1 (finite weight); a negative unknown is 0
    weights, unknown = region_weights({"R1": -3, "R2": 4, "unknown": -2}, {"R1": 1000, "R2": 500})
    assert weights["R1"] == pytest.approx(1000 * 5 / (1 * 5))
    assert unknown == pytest.approx(1500 / 5)


def test_origin_weights_cover_the_public_origins():
    areas = [
        {"area_id": "A1", "district_id": "D1", "region_id": "R1", "population": 600},
        {"area_id": "A2", "district_id": "D1", "region_id": "R1", "population": 400},
        {"area_id": "A3", "district_id": "D2", "region_id": "R2", "population": 500},
    ]
    w = origin_weights({"R1": 2, "R2": 2, "unknown": 1}, areas, "district")
    assert w == {
        "D1": pytest.approx(400.0),
        "D2": pytest.approx(200.0),
        "unknown": pytest.approx(300.0),
        "roamer": 1.0,
    }


def test_dp_config_defaults_and_validation(make_cfg):
    cfg = make_cfg()
    assert cfg["release.privacy"] == "k_anonymity"  # the default mode stays k-anonymity
    assert (cfg["dp.mechanism"], cfg["dp.rho_per_day"], cfg["dp.epsilon_per_day"]) == (
        "gaussian",
        0.5,
        1.0,
    )
    assert (cfg["dp.max_hour_cells"], cfg["dp.max_day_areas"], cfg["dp.test_seed"]) == (24, 4, None)
    assert make_cfg(release__privacy="dp", dp__test_seed=3)["dp.test_seed"] == 3
    for bad, what in (
        ({"release__privacy": "differential"}, "release.privacy"),
        ({"dp__mechanism": "uniform"}, "dp.mechanism"),
        ({"dp__rho_per_day": 0}, "dp.rho_per_day"),
        ({"dp__epsilon_weights": -1}, "dp.epsilon_weights"),
        ({"dp__hourly_share": 1}, "dp.hourly_share"),
        ({"dp__max_hour_cells": 0}, "dp.max_hour_cells"),
        ({"dp__test_seed": 3, "run__production": "true"}, "dp.test_seed"),
    ):
        with pytest.raises(UserError, match=what.replace(".", r"\.")):
            make_cfg(**bad)


def test_cluster_profile_is_production():
    import yaml
    from conftest import ROOT

    cluster = yaml.safe_load((ROOT / "conf" / "cluster.yaml").read_text())
    assert cluster["run"]["production"] is True
