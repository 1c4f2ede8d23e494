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
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, TEST_KEY, TEST_KEY_HEX

pytestmark = pytest.mark.cluster

DAY = dt.date(2026, 3, 16)
VENV_BIN = Path(sys.executable).parent
TIMEOUT = 900  # seconds; a shared 2-core machine can be slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spark_env(**extra: str) -> dict[str, str]:
    """The daemons' environment: loopback only, this venv's Python, and no token key."""
    import pyspark

    hidden = ("FOOTFALL_TOKEN_KEY", "FOOTFALL_JARS_DIR")
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    env.update(
        SPARK_HOME=str(Path(pyspark.__file__).parent),
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_MASTER_HOST="127.0.0.1",
        SPARK_DAEMON_MEMORY="512m",
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
    )
    env.update(extra)
    return env


def _master_json(ui_port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=5) as resp:
        return json.load(resp)


@pytest.fixture
def standalone(tmp_path):
    """A master and one worker (1 core, 2g) on 127.0.0.1; stopped after the test."""
    master_port, master_ui, worker_ui = _free_port(), _free_port(), _free_port()
    work_dir = tmp_path / "worker"
    work_dir.mkdir()
    spark_class = str(VENV_BIN / "spark-class")
    procs = []
    logs = []
    try:
        log = open(tmp_path / "master.log", "w")  # noqa: SIM115 (closed below)
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [
                    spark_class,
                    "org.apache.spark.deploy.master.Master",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(master_port),
                    "--webui-port",
                    str(master_ui),
                ],
                env=_spark_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [
                    spark_class,
                    "org.apache.spark.deploy.worker.Worker",
                    f"spark://127.0.0.1:{master_port}",
                    "--host",
                    "127.0.0.1",
                    "--cores",
                    "1",
                    "--memory",
                    "2g",
                    "--webui-port",
                    str(worker_ui),
                    "--work-dir",
                    str(work_dir),
                ],
                env=_spark_env(SPARK_LOCAL_DIRS=str(tmp_path / "local")),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        deadline = time.monotonic() + 180
        while True:
            try:
                if _master_json(master_ui).get("aliveworkers", 0) >= 1:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                text = "".join((tmp_path / f).read_text() for f in ("master.log", "worker.log"))
                pytest.fail(f"standalone cluster did not come up:\n{text[-3000:]}")
            time.sleep(1)
        yield {"url": f"spark://127.0.0.1:{master_port}", "ui": master_ui, "work_dir": work_dir}
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for log in logs:
            log.close()


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
    env = _spark_env(
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
    apps = _master_json(standalone["ui"])
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
