"""The aggregate rule of footfall's session extension
(jvm/footfall/spark/SinglePassAggregates.java): one aggregate (hash, object hash or sort) where
Spark 4.2 plans a partial and a final one back to back over clustered rows, with the same rows
out. Its functions
are tested beside the built-ins they stand for (tests/privacy/test_tokens.py,
tests/stages/test_parse_instant.py)."""

import pytest
from footfall.runtime.jars import EXTENSION_CLASS
from pyspark.sql import functions as F


@pytest.fixture(scope="module")
def extended(spark):
    if EXTENSION_CLASS not in spark.conf.get("spark.sql.extensions", ""):
        pytest.skip("footfall's Spark extension is not built (no JDK when `make setup` ran)")
    return spark


def hash_aggregates(df, node: str = "HashAggregate") -> int:
    """HashAggregate (or other `node`) nodes in df's final adaptive plan (df collected first)."""
    plan = df._jdf.queryExecution().executedPlan().toString()
    return plan.split("== Initial Plan ==")[0].count(f"{node}(")


ROWS = [("a", 1, "x"), ("a", 1, "x"), ("a", 2, "x"), ("b", 1, "y"), ("b", 1, "y"), ("c", 3, "z")]


@pytest.fixture
def df(extended):
    return extended.createDataFrame(ROWS, "k string, v int, w string")


def test_a_distinct_over_rows_clustered_by_its_keys_is_one_aggregate(df):
    got = df.repartition("k").distinct()
    assert sorted(tuple(r) for r in got.collect()) == [
        ("a", 1, "x"),
        ("a", 2, "x"),
        ("b", 1, "y"),
        ("c", 3, "z"),
    ]
    assert hash_aggregates(got) == 1


def test_sums_counts_and_a_filter_clause_over_clustered_rows_are_one_aggregate(extended, df):
    df.repartition("k").createOrReplaceTempView("clustered")
    got = extended.sql(
        "SELECT k, w, count(*) AS n, sum(v) AS s, count(*) FILTER (WHERE v > 1) AS big "
        "FROM clustered GROUP BY k, w"
    )
    assert sorted(tuple(r) for r in got.collect()) == [
        ("a", "x", 3, 4, 1),
        ("b", "y", 2, 2, 0),
        ("c", "z", 1, 3, 1),
    ]
    assert hash_aggregates(got) == 1


def test_an_aggregate_that_needs_a_shuffle_keeps_its_partial_aggregate(df):
    got = df.groupBy("v").agg(F.count(F.lit(1)).alias("n"))
    assert sorted(tuple(r) for r in got.collect()) == [(1, 4), (2, 1), (3, 1)]
    assert hash_aggregates(got) == 2


def test_a_sort_over_the_single_aggregate_keeps_it_in_its_own_stage(extended):
    # adaptive execution re-plans above each finished stage: the aggregate must not come back
    # there (it did while the rule dropped the final aggregate's link to the logical plan)
    df = extended.createDataFrame(ROWS, "k string, v int, w string")
    got = df.repartition("k").distinct().sort("k", "v")
    assert [tuple(r) for r in got.collect()] == [
        ("a", 1, "x"),
        ("a", 2, "x"),
        ("b", 1, "y"),
        ("c", 3, "z"),
    ]
    assert hash_aggregates(got) == 1


def test_lists_collected_over_clustered_rows_are_one_object_aggregate(extended):
    # 300 keys in one partition: past Spark's 128, the object aggregate falls back to sorting
    # its input, and each key still gets all three of its values
    rows = extended.range(900).select((F.col("id") % 300).alias("k"), F.col("id").alias("v"))
    got = rows.repartition(1, "k").groupBy("k").agg(F.sort_array(F.collect_list("v")).alias("vs"))
    lists = {r.k: r.vs for r in got.collect()}
    assert len(lists) == 300
    assert all(vs == [k, k + 300, k + 600] for k, vs in lists.items())
    assert hash_aggregates(got, "ObjectHashAggregate") == 1


def test_a_sort_aggregate_over_clustered_rows_is_one_aggregate(extended, df):
    extended.conf.set("spark.sql.execution.useObjectHashAggregateExec", "false")
    try:
        got = df.repartition("k").groupBy("k").agg(F.sort_array(F.collect_list("v")).alias("vs"))
        assert sorted((r.k, r.vs) for r in got.collect()) == [
            ("a", [1, 1, 2]),
            ("b", [1, 1]),
            ("c", [3]),
        ]
        assert hash_aggregates(got, "SortAggregate") == 1
    finally:
        extended.conf.unset("spark.sql.execution.useObjectHashAggregateExec")
