"""Accuracy figures of `footfall evaluate` (median absolute error, signed bias, by hour)."""

from __future__ import annotations

import datetime as dt

import pytest
from footfall.core import columns as C
from footfall.synthetic.evaluate import cell_errors, error_figures

D = dt.date(2026, 3, 10)


def test_error_figures_give_median_absolute_error_and_signed_bias_per_hour(spark):
    # hour 9: released 110 vs 100 (+10%), 180 vs 200 (-10%), 60 vs 50 (+20%);
    # hour 10: 90 vs 100 (-10%); the `other` row and a cell with no people do not count
    released = spark.createDataFrame(
        [
            (D, 9, "A1", "all", 110),
            (D, 9, "A2", "all", 180),
            (D, 9, "A3", "all", 60),
            (D, 9, "A3", "other", 20),
            (D, 10, "A1", "all", 90),
            (D, 10, "A2", "all", 30),
        ],
        f"{C.DATE} date, {C.HOUR} int, {C.AREA_ID} string, {C.ORIGIN_ID} string, {C.VISITORS} long",
    )
    truth = spark.createDataFrame(
        [(D, 9, "A1", 100), (D, 9, "A2", 200), (D, 9, "A3", 50), (D, 10, "A1", 100),
         (D, 10, "A2", 0)],
        f"{C.DATE} date, {C.HOUR} int, {C.AREA_ID} string, people long",
    )  # fmt: skip
    cells = cell_errors(released, truth, [C.DATE, C.HOUR, C.AREA_ID])
    overall = error_figures(cells).first()
    assert overall["cells"] == 4
    assert overall["median_ape"] == pytest.approx(0.10)  # of 0.1, 0.1, 0.2, 0.1
    assert overall["median_bias"] == pytest.approx(0.0)  # of -0.1, -0.1, 0.1, 0.2
    assert overall["mean_bias"] == pytest.approx(0.025)
    by_hour = {
        r[C.HOUR]: (r["cells"], r["median_bias"]) for r in error_figures(cells, C.HOUR).collect()
    }
    assert by_hour[9][0] == 3 and by_hour[9][1] == pytest.approx(0.1)
    assert by_hour[10] == (1, pytest.approx(-0.1))
