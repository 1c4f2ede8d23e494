"""Independent Spark work run at once from driver threads (footfall.runtime.concurrent)."""

from __future__ import annotations

import threading

import pytest
from footfall.runtime.concurrent import run_together


def test_results_come_in_the_order_given_from_work_that_runs_at_the_same_time(spark):
    # each callable waits at a barrier for the other: only together do they get past it
    barrier = threading.Barrier(2, timeout=30)

    def count(n: int) -> int:
        barrier.wait()
        return spark.range(n).count()

    assert run_together(spark, [lambda: count(3), lambda: count(5)], threads=2) == [3, 5]


def test_one_thread_runs_the_work_in_turn_in_the_callers_thread(spark):
    caller = threading.get_ident()
    ran = []
    got = run_together(spark, [lambda: ran.append(threading.get_ident()) or 1] * 3, threads=1)
    assert got == [1, 1, 1]
    assert ran == [caller] * 3


def test_every_callable_runs_to_its_end_then_the_first_failure_in_order_is_raised(spark):
    done = []

    def fails(message: str):
        raise ValueError(message)

    work = [lambda: fails("first"), lambda: done.append("ran") or 2, lambda: fails("second")]
    with pytest.raises(ValueError, match="first"):
        run_together(spark, work, threads=3)
    assert done == ["ran"]


def test_threads_keep_the_callers_local_properties(spark):
    sc = spark.sparkContext
    sc.setLocalProperty("footfall.test.owner", "gate")
    try:
        got = run_together(
            spark, [lambda: sc.getLocalProperty("footfall.test.owner")] * 2, threads=2
        )
    finally:
        sc.setLocalProperty("footfall.test.owner", None)
    assert got == ["gate", "gate"]
