"""Disclosure control (METHOD 7): thresholds, the `other` merge, rounding, and a property test."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from footfall.core import columns as C
from footfall.core import tables
from footfall.privacy.disclosure import HOURLY_GROUP, control, round_half_up
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DAY = dt.date(2026, 3, 10)
K = 15


def _audit(spark, groups: dict[int, dict[str, int]], weight: float = 2.0):
    """Hourly audit rows: hour -> {origin: subscribers}, plus each group's `all` row; the
    extrapolated value is subscribers * weight."""
    rows = []
    for hour, origins in groups.items():
        total = sum(origins.values())
        for origin, n in [*origins.items(), (C.ORIGIN_ALL, total)]:
            rows.append((DAY, hour, "A1", "district", origin, n, n * weight))
    return spark.createDataFrame(rows, tables.AUDIT_HOURLY.schema)


def _released(spark, groups, k_min=K, rounding=10, weight=2.0):
    """{(hour, origin): (subscribers, visitors)} of the released rows."""
    out = control(_audit(spark, groups, weight), HOURLY_GROUP, k_min, rounding)
    return {
        (r[C.HOUR], r[C.ORIGIN_ID]): (r[C.SUBSCRIBERS], r[C.VISITORS])
        for r in out.select(C.HOUR, C.ORIGIN_ID, C.SUBSCRIBERS, C.VISITORS).collect()
    }


def test_origin_with_k_min_subscribers_is_released_and_no_empty_other(spark):
    got = _released(spark, {9: {"D1": 15, "D2": 30}})
    assert got == {(9, "D1"): (15, 30), (9, "D2"): (30, 60), (9, "all"): (45, 90)}


def test_origin_with_k_minus_one_is_suppressed_into_other(spark):
    got = _released(spark, {9: {"D1": 14, "D2": 15, "D3": 16, "D4": 30}})
    # other would be 14 < 15: the smallest released origin (D2, 15) is merged into it
    assert got == {
        (9, "D3"): (16, 30),
        (9, "D4"): (30, 60),
        (9, "other"): (29, 60),
        (9, "all"): (75, 150),
    }


def test_merge_tie_on_count_takes_smallest_origin_id(spark):
    got = _released(spark, {9: {"unknown": 3, "D2": 20, "D1": 20}})
    assert got == {(9, "D2"): (20, 40), (9, "other"): (23, 50), (9, "all"): (43, 90)}


def test_other_reaching_k_min_on_its_own_needs_no_merge(spark):
    got = _released(spark, {9: {"D1": 7, "D2": 8, "roamer:208": 20}})
    assert got == {(9, "roamer:208"): (20, 40), (9, "other"): (15, 30), (9, "all"): (35, 70)}


def test_group_of_small_origins_releases_only_other_and_all(spark):
    got = _released(spark, {9: {"D1": 5, "D2": 5, "D3": 5}})
    assert got == {(9, "other"): (15, 30), (9, "all"): (15, 30)}


def test_group_total_under_k_min_releases_nothing(spark):
    got = _released(spark, {9: {"D1": 14}, 10: {"D1": 10, "D2": 4}, 11: {"D1": 15}})
    assert got == {(11, "D1"): (15, 30), (11, "all"): (15, 30)}


def test_group_without_all_row_releases_nothing(spark):
    audit = _audit(spark, {9: {"D1": 20}}).where(f"{C.ORIGIN_ID} != 'all'")
    assert control(audit, HOURLY_GROUP, K, 10).count() == 0


@pytest.mark.parametrize(
    ("value", "rounding", "expected"),
    [
        (15.0, 10, 20),
        (14.999, 10, 10),
        (25.0, 10, 30),
        (4.9, 10, 0),
        (0.0, 10, 0),
        (1234.5, 1, 1235),
        (14.999999999999998, 10, 20),  # float noise of an exact 15 (sum of fractional weights)
    ],
)
def test_visitors_round_half_up_to_the_rounding_base(spark, value, rounding, expected):
    df = spark.createDataFrame([(value,)], "x double")
    assert df.select(round_half_up(df["x"], rounding)).first()[0] == expected


def test_candidate_rows_conform_to_the_candidate_table(spark):
    from footfall.core.lake import conform

    out = conform(
        control(_audit(spark, {9: {"D1": 20}}), HOURLY_GROUP, K, 10), tables.CANDIDATE_HOURLY
    )
    expected = spark.createDataFrame(
        [(DAY, 9, "A1", "district", "D1", 40), (DAY, 9, "A1", "district", "all", 40)],
        tables.CANDIDATE_HOURLY.schema,
    )
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)


# --- property test ---------------------------------------------------------------------------


def _reference(origins: dict[str, int], k: int) -> dict[str, int]:
    """METHOD 7 by the letter, one group, in plain Python: released origin -> subscribers."""
    total = sum(origins.values())
    if total < k:
        return {}
    released = {o: n for o, n in origins.items() if n >= k}
    other = sum(n for o, n in origins.items() if n < k)
    for o, n in sorted(released.items(), key=lambda kv: (kv[1], kv[0])):
        if not 1 <= other < k:
            break
        other += n
        del released[o]
    if other:
        released["other"] = other
    released["all"] = total
    return released


group_st = st.dictionaries(
    st.sampled_from(["D1", "D2", "D3", "D4", "unknown", "roamer:208"]),
    st.integers(min_value=1, max_value=30),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(groups=st.lists(group_st, min_size=1, max_size=4), k=st.integers(min_value=2, max_value=15))
def test_no_released_value_rests_on_fewer_than_k_min_and_none_can_be_subtracted(spark, groups, k):
    by_hour = dict(enumerate(groups))
    got = _released(spark, by_hour, k_min=k, rounding=1, weight=1.0)
    for hour, origins in by_hour.items():
        released = {o: s for (h, o), (s, _) in got.items() if h == hour}
        assert released == _reference(origins, k)
        if not released:
            continue
        # no released value rests on fewer than k subscribers
        assert all(s >= k for s in released.values())
        # all - released named origins = other (>= k), or 0 when nothing was suppressed
        named = sum(s for o, s in released.items() if o not in ("all", "other"))
        rest = released["all"] - named
        assert rest == released.get("other", 0)
        suppressed = [n for o, n in origins.items() if o not in released]
        assert rest == sum(suppressed)
        assert (rest == 0) == (not suppressed)
        # a suppressed origin never equals what subtraction reveals (other holds >= 2 origins)
        assert all(n != rest for n in suppressed) or not suppressed
