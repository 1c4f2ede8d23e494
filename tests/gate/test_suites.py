"""The suite files of expectations/ become Great Expectations suites with every check in them."""

from __future__ import annotations

import datetime as dt

from footfall.gate import suites
from footfall.gate.measured import suite_params


def test_every_check_of_every_suite_file_is_an_expectation_of_its_suite(cfg):
    # GE's add_expectation_configuration upserts by domain: keys_not_null, keys_unique and
    # visitors_rounded (unexpected-rows queries on the same rows) would leave only the last
    params = suite_params(cfg, dt.date(2026, 3, 29), ["A1"], [dt.date(2026, 3, 29)], [0, 2])
    for spec in suites.load_suites():
        for key, items in suites.by_frame(suites.entries(spec, params)).items():
            built = suites.build_suite(".".join(key), items)
            assert [e.meta["order"] for e in built.expectations] == [e.order for e in items], key
    rows = suites.by_frame(suites.entries(suites.load_suites()[1], params))[
        ("origin_presence_daily", "rows")
    ]
    checks = [e.meta["check"] for e in suites.build_suite("daily.rows", rows).expectations]
    assert {"keys_not_null", "keys_unique", "visitors_rounded"} <= set(checks)
