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
    "spark.driver.memory": "3g",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.databricks.delta.snapshotPartitions": "1",
    "spark.sql.adaptive.enabled": "true",
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
