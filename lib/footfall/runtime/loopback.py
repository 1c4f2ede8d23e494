"""A Spark standalone master and one worker on 127.0.0.1, for the cluster test
(tests/runtime/test_cluster.py) and the bench's driver-memory run (`bench/run.py --cluster`);
scripts/cluster_demo.sh starts the same daemons from bash. Free ports, no token key in the
daemons' environment, logs in the run folder, both stopped on exit."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from footfall.runtime import java

HIDDEN = ("FOOTFALL_TOKEN_KEY", "FOOTFALL_JARS_DIR")  # never in a daemon's environment


class ClusterStartError(RuntimeError):
    """The daemons died or the worker did not register in time."""


@dataclass(frozen=True)
class Cluster:
    url: str  # spark://127.0.0.1:<port>
    ui: int  # the master's web UI port (its /json/ lists workers and applications)
    work_dir: Path  # the worker's folder (one app-* folder per application)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def daemon_env(**extra: str) -> dict[str, str]:
    """A Spark process's environment: loopback only, this venv's Python, the Java that local
    drivers run on (`java.choose`), and no token key."""
    import pyspark

    java.choose()
    env = {k: v for k, v in os.environ.items() if k not in HIDDEN}
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


def master_json(ui: int) -> dict:
    """The master's status (workers, applications) from its web UI."""
    with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json/", timeout=5) as resp:
        return json.load(resp)


def _alive_workers(ui: int) -> int:
    try:
        return int(master_json(ui).get("aliveworkers", 0))
    except (OSError, ValueError):
        return 0


@contextmanager
def standalone(run_dir: Path, cores: int, memory: str, timeout_s: int = 180) -> Iterator[Cluster]:
    """A master and one worker (cores, memory) with their logs and folders in run_dir; a
    ClusterStartError with the end of their logs when the worker has not registered in
    timeout_s."""
    spark_class = str(Path(sys.executable).parent / "spark-class")
    port, ui = free_port(), free_port()
    url = f"spark://127.0.0.1:{port}"
    work_dir = run_dir / "worker"
    work_dir.mkdir(parents=True, exist_ok=True)
    commands = {
        "master": ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                   "--port", str(port), "--webui-port", str(ui)],
        "worker": ["org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1",
                   "--cores", str(cores), "--memory", memory,
                   "--webui-port", str(free_port()), "--work-dir", str(work_dir)],
    }  # fmt: skip
    env = daemon_env(SPARK_LOCAL_DIRS=str(run_dir / "local"))
    daemons: list[subprocess.Popen] = []
    with ExitStack() as logs:
        try:
            for name, args in commands.items():
                log = logs.enter_context(open(run_dir / f"{name}.log", "w"))
                daemons.append(
                    subprocess.Popen([spark_class, *args], env=env, stdout=log, stderr=log)
                )
            deadline = time.monotonic() + timeout_s
            while _alive_workers(ui) < 1:
                if time.monotonic() > deadline or any(d.poll() is not None for d in daemons):
                    text = "".join((run_dir / f"{n}.log").read_text() for n in commands)
                    raise ClusterStartError(
                        f"loopback cluster did not come up ({run_dir}):\n{text[-3000:]}"
                    )
                time.sleep(1)
            yield Cluster(url, ui, work_dir)
        finally:
            for d in reversed(daemons):
                d.terminate()
            for d in daemons:
                try:
                    d.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    d.kill()
                    d.wait()
