"""The packaged jobs run on a real (loopback) Spark standalone cluster: issue 5, docs/cluster.md.

Not part of `make test`; run it on its own (a few minutes; needs the Delta jars of `make setup`):

    .venv/bin/python -m pytest -m cluster tests/test_cluster.py

A master and one worker start as separate processes on 127.0.0.1 (free ports, no web UI clashes),
`scripts/package.sh` builds dist/ into tmp, and `spark-submit dist/jobs/ingest.py` ingests one
landing day of tiny generated data from outside the repository. The events table must hold what a
local-mode ingest of the same day holds, the work must have run on the worker's executor, and the
token key must reach neither the daemons nor the Spark event log.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, TEST_KEY, TEST_KEY_HEX
from footfall.runtime import loopback
from footfall.runtime.session import NO_AUTO_RESET

pytestmark = pytest.mark.cluster

DAY = dt.date(2026, 3, 16)
VENV_BIN = Path(sys.executable).parent
TIMEOUT = 900  # seconds; a shared 2-core machine can be slow


@pytest.fixture
def standalone(tmp_path):
    """A master and one worker (1 core, 2g) on 127.0.0.1; stopped after the test."""
    try:
        with loopback.standalone(tmp_path, cores=1, memory="2g") as cluster:
            yield {"url": cluster.url, "ui": cluster.ui, "work_dir": cluster.work_dir}
    except loopback.ClusterStartError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def dist(tmp_path) -> Path:
    """dist/ built by scripts/package.sh into tmp (zip, jobs, conf, jars; no wheel)."""
    out = tmp_path / "dist"
    env = {**os.environ, "DIST": str(out), "PACKAGE_WHEEL": "0", "PY": sys.executable}
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "package.sh")],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return out


def test_packaged_ingest_runs_on_the_cluster_and_matches_local_mode(
    spark, make_cfg, tmp_path, standalone, dist
):
    from footfall.core import tables
    from footfall.stages.ingest_job import run_ingest
    from footfall.synthetic.generate import run_generate

    # tiny landing data (the operator's side), written by the local session
    cfg_local = make_cfg(**{"paths__lake": tmp_path / "lake-local"})
    run_generate(spark, cfg_local, out=tmp_path, subscribers=200, days=1, start=DAY, seed=7)

    # a cluster conf with absolute shared paths, beside the packaged base.yaml
    conf_dir = tmp_path / "conf"
    conf_dir.mkdir()
    shutil.copy(dist / "conf" / "base.yaml", conf_dir / "base.yaml")
    events_dir = tmp_path / "spark-events"
    events_dir.mkdir()
    profile = {
        "paths": {
            "landing": str(tmp_path / "landing"),
            "reference": str(tmp_path / "reference"),
            "ground_truth": str(tmp_path / "ground_truth"),
            "lake": str(tmp_path / "lake-cluster"),
            "reports": str(tmp_path / "reports-cluster"),
        },
        "tokenisation": {
            "key_file": None,
            "key_env": "FOOTFALL_TOKEN_KEY",
            "create_key_if_missing": False,
        },
        "spark": {
            "executor.cores": 1,
            "executor.memory": "1g",
            "sql.shuffle.partitions": 2,
            "default.parallelism": 2,
            "ui.enabled": False,
            "eventLog.enabled": True,
            "eventLog.compress": False,  # plain text, so the test can search it for the key
            "eventLog.dir": str(events_dir),
        },
    }
    conf = conf_dir / "cluster-test.yaml"
    conf.write_text(yaml.safe_dump(profile))

    # spark-submit the packaged job from outside the repository; the key goes to the driver only
    jars = ",".join(str(j) for j in sorted((dist / "jars").glob("*.jar")))
    run_dir = tmp_path / "submit"
    run_dir.mkdir()
    env = loopback.daemon_env(
        FOOTFALL_TOKEN_KEY=TEST_KEY_HEX, FOOTFALL_EXPECTATIONS_DIR=str(dist / "expectations")
    )
    proc = subprocess.run(
        [
            str(VENV_BIN / "spark-submit"),
            "--master",
            standalone["url"],
            "--deploy-mode",
            "client",
            "--driver-memory",
            "1g",
            "--jars",
            jars,
            "--py-files",
            str(dist / "footfall.zip"),
            str(dist / "jobs" / "ingest.py"),
            "--conf",
            str(conf),
            "--date",
            DAY.isoformat(),
        ],
        cwd=run_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]

    # the same landing day in local mode is the expected result
    run_ingest(spark, cfg_local, DAY, TEST_KEY)

    def read(lake: str, table):
        return spark.read.format("delta").load(str(tmp_path / lake / table.name))

    cluster_events, local_events = (
        read("lake-cluster", tables.EVENTS),
        read("lake-local", tables.EVENTS),
    )
    n = local_events.count()
    assert n > 0
    assert cluster_events.count() == n
    assert cluster_events.exceptAll(local_events).count() == 0
    counters = ["rows_read", "rows_valid", "rows_quarantined", "rows_duplicate"]
    cl = read("lake-cluster", tables.INGEST_LOG).select(counters).collect()
    lo = read("lake-local", tables.INGEST_LOG).select(counters).collect()
    assert cl == lo and cl[0]["rows_valid"] == n

    # it ran on the worker's executor: the master saw the app with cores, the worker ran it
    apps = loopback.master_json(standalone["ui"])
    finished = apps.get("completedapps", []) + apps.get("activeapps", [])
    assert finished and all(a["cores"] >= 1 for a in finished), apps
    app_dirs = list(standalone["work_dir"].glob("app-*"))
    assert len(app_dirs) == 1 and list(app_dirs[0].glob("*/stderr")), app_dirs

    # the key reached neither the daemons nor executors, nor the event log
    def files(folder: Path):
        return [f for f in folder.rglob("*") if f.is_file()]

    for f in files(standalone["work_dir"]) + files(events_dir) + [tmp_path / "worker.log"]:
        data = f.read_bytes()
        assert TEST_KEY_HEX.encode() not in data, f

    # the submitted driver found footfall's jar among --jars: Kryo without its reset, on the
    # executors too (a registrator they could not load would have failed the tasks)
    logged = b"".join(f.read_bytes() for f in files(events_dir))
    assert f'"spark.kryo.registrator":"{NO_AUTO_RESET}"'.encode() in logged
