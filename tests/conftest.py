"""One SparkSession for the whole test run (local[2], few shuffle partitions, UI off)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("FOOTFALL_JARS_DIR", str(ROOT / ".cache" / "jars"))

# A fixed 32-byte test key (hex). Tests never use real keys or real data.
TEST_KEY_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
TEST_KEY = bytes.fromhex(TEST_KEY_HEX)

TEST_SPARK = {
    "spark.master": "local[2]",
    "spark.app.name": "footfall-tests",
    # 4g: one session runs the whole suite; with 3g a broadcast late in the run failed once to
    # allocate its 64 MiB page ("Java heap space", test_generate's fixture, 190 passed, 9 errors)
    "spark.driver.memory": "4g",
    # broadcasts and cached blocks of finished tests are freed when the driver's GC has found
    # them unreferenced: collect every 2 minutes instead of Spark's 30
    "spark.cleaner.periodicGC.interval": "2min",
    # the serializer the jobs run with (conf/base.yaml)
    "spark.serializer": "org.apache.spark.serializer.KryoSerializer",
    "spark.kryo.referenceTracking": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.databricks.delta.snapshotPartitions": "1",
    "spark.sql.adaptive.enabled": "true",
    # the suite plans the same transforms hundreds of times: keep their compiled code (default 100)
    "spark.sql.codegen.cache.maxEntries": "2000",
    # the jobs' driver collector (conf/base.yaml): tests/gate and test_presence, local[2], one
    # run after the other: G1 326.6 and 320.4 s, throughput collector 306.9 and 299.5 s.
    # Smaller C2 inlining budgets: a quarter of the suite's CPU is the JIT compiling Spark's own
    # code, and the tests' rows are too few to pay it back; the whole suite, one core each at
    # once, 1,123.3 -> 964.3 s (bench/README.md, twenty-seventh pass). The jobs keep the defaults.
    "spark.driver.extraJavaOptions": (
        "-XX:+UseParallelGC -XX:InlineSmallCode=1000 -XX:MaxInlineSize=20 -XX:FreqInlineSize=150"
    ),
}


@pytest.fixture(scope="session")
def spark():
    from footfall.runtime.session import build_spark

    session = build_spark(TEST_SPARK)
    yield session
    session.stop()


def config_under(folder: Path, **overrides):
    """A validated Config with every path under folder and the test key from the environment;
    overrides as dotted keys written with '__' (release__k_min=3)."""
    from footfall.core.config import load_config

    os.environ["FOOTFALL_TEST_KEY"] = TEST_KEY_HEX
    sets = [f"paths.{k}={folder / k}" for k in ("landing", "reference", "lake", "reports")]
    sets += [
        f"paths.ground_truth={folder / 'ground_truth'}",
        "tokenisation.key_file=",
        "tokenisation.key_env=FOOTFALL_TEST_KEY",
        "tokenisation.create_key_if_missing=false",
    ]
    sets += [f"{k.replace('__', '.')}={v}" for k, v in overrides.items()]
    return load_config(ROOT / "conf" / "local.yaml", sets)


@pytest.fixture
def make_cfg(tmp_path):
    """Build a validated Config whose paths live under tmp_path."""
    return lambda **overrides: config_under(tmp_path, **overrides)


@pytest.fixture
def cfg(make_cfg):
    return make_cfg()


def text_schema(table):
    """A table contract's schema with the token as text: for transforms tested on their own,
    which do not care whether a token is its bytes (the contract, METHOD 3.1) or readable text."""
    from footfall.core import columns as C
    from pyspark.sql import types as T

    return T.StructType(
        [
            T.StructField(f.name, T.StringType(), f.nullable) if f.name == C.TOKEN else f
            for f in table.schema.fields
        ]
    )


def contract_frame(spark, rows, table):
    """rows of a table contract (`footfall.core.tables`) whose tokens are written as readable
    text ("u1"), stored as the contract stores tokens: bytes (BINARY), here the text's UTF-8
    bytes. `readable` turns them back into text."""
    from footfall.core import columns as C
    from pyspark.sql import functions as F

    frame = spark.createDataFrame(rows, text_schema(table))
    return frame.withColumn(C.TOKEN, F.col(C.TOKEN).cast("binary"))


def readable(df):
    """df with the BINARY tokens of `contract_frame` shown as their text again."""
    from footfall.core import columns as C
    from pyspark.sql import functions as F

    return df.withColumn(C.TOKEN, F.col(C.TOKEN).cast("string"))


def kept_rdds(spark) -> set[int]:
    """Ids of the RDDs kept in the block stores (a cache's or a local checkpoint's rows), less
    the snapshots of the tables' state that Delta caches for itself."""
    rdds = spark.sparkContext._jsc.getPersistentRDDs()
    return {int(i) for i in rdds.keySet() if not str(rdds.get(i).name()).startswith("Delta ")}


def both_ways(function: str, name: str = "native"):
    """A fixture `name` that runs each test twice: with Spark's built-ins (False) and with the
    extension's `function` (True; skipped when the jar is not built)."""

    @pytest.fixture(name=name, params=[False, True], ids=["builtins", "extension"])
    def _native(request, spark):
        if request.param:
            require_function(spark, function)
        return request.param

    return _native


def require_function(spark, name: str) -> None:
    """Skip the test when the session lacks one of footfall's Spark extension's functions (the
    jar is not built: no JDK when `make setup` ran)."""
    from footfall.runtime.session import has_function

    if not has_function(spark, name):
        pytest.skip(f"footfall's Spark extension is not built ({name}; no JDK at `make setup`)")


def plan_nodes(df):
    """Every node of df's physical plan: adaptive execution's current plan (the initial one
    before df runs, the final one after), its query stages opened."""

    def walk(node):
        name = node.getClass().getSimpleName()
        if name == "AdaptiveSparkPlanExec":
            yield from walk(node.executedPlan())
            return
        if name.endswith("QueryStageExec"):
            yield from walk(node.plan())
            return
        yield node
        children = node.children()
        for i in range(children.size()):
            yield from walk(children.apply(i))

    yield from walk(df._jdf.queryExecution().executedPlan())
