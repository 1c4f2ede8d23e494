"""`make bench`: time each pipeline stage at several scales of synthetic events (bench/README.md).

For each scale (millions of events): generate landing data once into bench/work/<scale>M/input
(reused while its generate.json matches; from 100M on, tiled from the 10M data), then REPEATS
times on a fresh lake run ingest (every landing day), origins (every period), presence and release
(every date), each stage in one fresh driver process (bench/stage.py) under /usr/bin/time -v with
the Spark event log on. Then check the meaning of the last run (bench/stage.py check) and fail
loudly when it does not hold. Medians of the repeats go to bench/results/bench-<timestamp>.json
and bench/results/latest.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
PY = ROOT / ".venv" / "bin" / "python"
FOOTFALL = ROOT / ".venv" / "bin" / "footfall"
STAGES = ("ingest", "origins", "presence", "release")
# measured with footfall generate (seed 42, 14 days): 515,743 events for --subscribers 1000,
# i.e. 36.84 events per requested subscriber and day (roamers included)
EVENTS_PER_SUBSCRIBER_DAY = 36.838
POLL_S = 0.2
# from this scale on, landing data is TILE_BASE's landing data copied scale / TILE_BASE times with
# distinct IMSIs (more subscribers over the same areas): footfall generate needs ~7 min per 10M
# events on 2 cores, tiling ~2 min per 10M
TILE_FROM, TILE_BASE = 100.0, 10.0
ROWS_PER_FILE = 1_000_000  # rows of a landing file (issue 14: realistic files)
TARGETS_CORE_H = (7.0, 3.0, 1.0)  # issue 14: the single-node engine's figure, its best, the goal
# shuffle partitions grow with the data (the profile's value per this many events, at least the
# profile's value), as conf/cluster.yaml sizes them: a fixed 8 would give 100M events' dedup and
# distinct counts ~1.5 GB tasks that spill, and the cost would stop growing linearly
EVENTS_PER_PARTITION_UNIT = 10e6
# copy k of a landing line: the IMSI's first MSIN digit d becomes (d + k) mod 10 when the IMSI
# is 15 digits, spaces around it kept (other lines, e.g. malformed faults, are copied as they are)
TILE_AWK = (
    "NR == 1 { print; next } "
    '{ t = $1; gsub(/^ +| +$/, "", t) } '
    "t ~ /^[0-9]+$/ && length(t) == 15 "
    "{ i = index($1, t); "
    "$1 = substr($1, 1, i + 4) ((substr(t, 6, 1) + k) % 10) substr($1, i + 6) } "
    "{ print }"
)
NEW_STAGE = {"run_ms": 0, "shuffle_write": 0, "tasks": 0}


def log(msg: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {msg}", flush=True)


# ---------------------------------------------------------------- machine and settings


def machine() -> dict:
    mem = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        ),
        0,
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(mem / 1024**2, 1),
        "cpu_model": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "java": java[0] if java else "?",
    }


@functools.cache
def _reference_data() -> bytes:
    """4 MiB of landing-like text lines, the same on every run (digits from a SHA-256 chain)."""
    lines, h = [], hashlib.sha256(b"footfall").digest()
    for _ in range((4 << 20) // 80):
        h = hashlib.sha256(h).digest()
        n = int.from_bytes(h, "big")
        lines.append(
            f"2341{n % 10**11:011d},44{n % 10**10:010d},35{n % 10**13:013d},"
            f"17737{n % 10**8:08d},234-10-{n % 9000 + 1000}-{n % 9},sms_in\n"
        )
    return "".join(lines).encode()


def cpu_reference(tries: int = 3) -> float:
    """Seconds one core takes for a fixed piece of pure-CPU work (SHA-256 and zlib over 4 MiB of
    landing-like text, then inflating it back), the fastest of `tries`: the machine's speed at
    the time, so that a slow spell of the machine is told apart from a change of the code (this
    VM's speed drifted by up to 2x within an hour, bench/README.md "ninth pass")."""
    data, best = _reference_data(), float("inf")
    for _ in range(tries):
        t0 = time.perf_counter()
        for _ in range(8):
            hashlib.sha256(data).digest()
        packed = zlib.compress(data, 6)
        for _ in range(4):
            zlib.decompress(packed)
        best = min(best, time.perf_counter() - t0)
    return round(best, 3)


def versions() -> dict:
    import footfall
    import pyspark
    from footfall.runtime import class_archive, java

    home = java.choose()  # the runtime the stages' drivers start on (`build_spark`)
    runtime = java.version(home) if home is not None else None
    sha = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = bool(
        subprocess.run(
            ["git", "status", "--porcelain", "lib"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    )
    jars = os.environ.get("FOOTFALL_JARS_DIR", str(ROOT / ".cache" / "jars"))
    delta = sorted(p.name for p in Path(jars).glob("*delta-spark*.jar"))
    archive = class_archive.archive_path(Path(jars))
    return {
        "footfall": footfall.__version__,
        "git": sha + ("+dirty" if dirty else ""),
        "pyspark": pyspark.__version__,
        "delta_jar": delta[0] if delta else "?",
        # the drivers' Java (runtime.java): the newest supported unless JAVA_HOME names one
        "java": ".".join(map(str, runtime)) if runtime else "the java on PATH",
        # the drivers' class archive (README "Faster local drivers"), or none
        "class_archive": archive.name if archive is not None and archive.is_file() else "none",
    }


def spark_settings(conf: str, sets: list[str]) -> dict:
    from footfall.core.config import load_config

    cfg = load_config(conf, sets)
    s = cfg.spark
    return {
        "conf": conf,
        "master": s.get("spark.master", "?"),
        "driver_memory": s.get("spark.driver.memory", "1g (Spark default)"),
        "shuffle_partitions": s.get("spark.sql.shuffle.partitions", "200 (Spark default)"),
        "aqe": s.get("spark.sql.adaptive.enabled", "true (Spark default)"),
        "aqe_coalesce": s.get("spark.sql.adaptive.coalescePartitions.enabled", "true"),
        "default_parallelism": s.get("spark.default.parallelism", "?"),
        "files_max_partition_bytes": s.get("spark.sql.files.maxPartitionBytes", "128m"),
        "ingest_max_partition_bytes": cfg["ingest.max_partition_bytes"],
        "serializer": s.get("spark.serializer", "JavaSerializer (Spark default)"),
        "batch_days": cfg["run.batch_days"],
    }


def cores_of(master: str) -> int:
    m = re.fullmatch(r"local\[(\d+|\*)(?:,\d+)?\]", master.strip())
    if not m:
        return 1 if master.strip() == "local" else os.cpu_count() or 1
    return os.cpu_count() or 1 if m.group(1) == "*" else int(m.group(1))


# ---------------------------------------------------------------- generate


def scale_sets(w: Path) -> list[str]:
    return [
        f"paths.landing={w}/input/landing",
        f"paths.reference={w}/input/reference",
        f"paths.ground_truth={w}/input/ground_truth",
        f"paths.lake={w}/lake",
        f"paths.reports={w}/reports",
        f"tokenisation.key_file={WORK}/bench.key",
        "tokenisation.create_key_if_missing=true",
    ]


def _tile_file(src: Path, dst: Path, k: int) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    cmd = f"gzip -dc '{src}' | mawk -F, -v OFS=, -v k={k} '{TILE_AWK}' | gzip -1 > '{dst}'"
    subprocess.run(["bash", "-o", "pipefail", "-c", cmd], check=True)


def tile(scale: float, days: int, seed: int, conf: str) -> dict:
    """Landing data for a large scale: the base scale's landing days copied scale / base times
    (copy k's IMSIs shifted, see TILE_AWK), its reference data as it is."""
    from concurrent.futures import ThreadPoolExecutor

    base = generate(TILE_BASE, days, seed, conf)
    copies = round(scale / TILE_BASE)
    w, src = WORK / f"{scale:g}M", Path(base["work"]) / "input"
    want = {"tiled_from": base["scale"], "copies": copies, "days": days, "seed": seed}
    marker, summary = w / "generate.json", w / "input" / "ground_truth" / "summary.json"
    reused = marker.is_file() and summary.is_file() and json.loads(marker.read_text()) == want
    wall = None
    if not reused:
        shutil.rmtree(w / "input", ignore_errors=True)
        marker.unlink(missing_ok=True)
        log(f"{scale:g}M: tiling {copies} copies of {base['scale']}'s landing data")
        t = time.monotonic()
        shutil.copytree(src / "reference", w / "input" / "reference")
        jobs = [
            (f, w / "input" / f.relative_to(src).parent / f"tile{k:02d}-{f.name}", k)
            for f in sorted((src / "landing").rglob("*.csv.gz"))
            for k in range(copies)
        ]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            list(pool.map(lambda j: _tile_file(*j), jobs))
        s = json.loads((src / "ground_truth" / "summary.json").read_text())
        s.update(
            events=s["events"] * copies,
            lines=s["lines"] * copies,
            subscribers=s["subscribers"] * copies,
            tiled_from=base["scale"],
            copies=copies,
        )
        summary.parent.mkdir(parents=True, exist_ok=True)
        summary.write_text(json.dumps(s, indent=1))
        wall = round(time.monotonic() - t, 1)
        marker.write_text(json.dumps(want))
    return {
        **_described(w, scale, json.loads(summary.read_text())),
        "generate_wall_s": wall,
        "reused": reused,
        "tiled_from": base["scale"],
        "subscribers_requested": None,
    }


def files_per_day(scale: float, days: int) -> int:
    """Gzip files per landing day: about ROWS_PER_FILE rows each, as operators' mediation systems
    write them. A gzip file does not split, so one task reads it: a batch of landing days is read
    by (days x files per day) tasks at most; 10M over 14 days is 1 file a day (~0.7M rows), the
    tiled 100M 10 a day."""
    return max(1, round(scale * 1e6 / days / ROWS_PER_FILE))


def generate(scale: float, days: int, seed: int, conf: str) -> dict:
    """Landing data for `scale` million events (reused when generate.json matches)."""
    if scale >= TILE_FROM:
        return tile(scale, days, seed, conf)
    w = WORK / f"{scale:g}M"
    subscribers = max(1, round(scale * 1e6 / (EVENTS_PER_SUBSCRIBER_DAY * days)))
    files = files_per_day(scale, days)
    want = {"subscribers": subscribers, "days": days, "seed": seed, "files_per_day": files}
    marker, summary = w / "generate.json", w / "input" / "ground_truth" / "summary.json"
    reused = marker.is_file() and summary.is_file() and json.loads(marker.read_text()) == want
    wall = None
    if not reused:
        shutil.rmtree(w / "input", ignore_errors=True)
        w.mkdir(parents=True, exist_ok=True)
        marker.unlink(missing_ok=True)
        log(f"{scale:g}M: generating {subscribers} subscribers x {days} days")
        cmd = [
            str(FOOTFALL),
            "generate",
            "--conf",
            conf,
            *[a for s in scale_sets(w) for a in ("--set", s)],
            "--set",
            f"generate.files_per_day={files}",
            "--out",
            str(w / "input"),
            "--subscribers",
            str(subscribers),
            "--days",
            str(days),
            "--seed",
            str(seed),
        ]
        t = time.monotonic()
        with open(w / "generate.log", "w") as fh:
            rc = subprocess.run(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT).returncode
        wall = round(time.monotonic() - t, 1)
        if rc != 0:
            raise SystemExit(f"bench: footfall generate failed ({rc}); see {w / 'generate.log'}")
        marker.write_text(json.dumps(want))
    return {
        **_described(w, scale, json.loads(summary.read_text())),
        "subscribers_requested": subscribers,
        "generate_wall_s": wall,
        "reused": reused,
    }


def _described(w: Path, scale: float, s: dict) -> dict:
    """A scale's data: its summary, events, landing days, dates and periods."""
    start = dt.date.fromisoformat(s["start"])
    dates = [start + dt.timedelta(days=i) for i in range(s["days"])]
    landing = sorted(p.name.split("=", 1)[1] for p in (w / "input/landing/events").glob("date=*"))
    return {
        "scale": f"{scale:g}M",
        "work": str(w),
        "summary": s,
        "events": s["events"],
        "landing_days": landing,
        "dates": [d.isoformat() for d in dates],
        "periods": sorted({d.strftime("%Y-%m") for d in dates}),
    }


# ---------------------------------------------------------------- loopback cluster

EXECUTOR_CLASS = "CoarseGrainedExecutorBackend"


@contextmanager
def loopback_cluster(cores: int, memory: str) -> Iterator[str]:
    """`footfall.runtime.loopback.standalone` (a master and one worker on 127.0.0.1) with its
    logs in a temporary folder; yields the master URL. The bench's stages then run their driver
    in the measured process and their executor in the worker's, so the driver's memory is
    measured alone (issue 14)."""
    from footfall.runtime import loopback

    run_dir = Path(tempfile.mkdtemp(prefix="footfall-bench-cluster-"))
    try:
        with loopback.standalone(run_dir, cores, memory, timeout_s=120) as cluster:
            log(f"loopback cluster {cluster.url}: 1 worker, {cores} cores, {memory} ({run_dir})")
            yield cluster.url
    except loopback.ClusterStartError as exc:
        raise SystemExit(f"bench: {exc}") from None


def _executors() -> list[int]:
    """Pids of the Spark executor JVMs on this machine (a loopback cluster's)."""
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if EXECUTOR_CLASS in (p / "cmdline").read_text(errors="replace"):
                    out.append(int(p.name))
            except OSError:
                continue
    return out


# ---------------------------------------------------------------- one measured process


def _tree(root: int) -> list[int]:
    """root and its descendants (from /proc/*/stat parent ids)."""
    parents: dict[int, list[int]] = {}
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        parents.setdefault(ppid, []).append(int(p.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(parents.get(pid, []))
    return out


def _rss(pid: int) -> tuple[str, int]:
    """(command name, resident bytes) of a process; ('', 0) when gone."""
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return "", 0
    return comm, pages * os.sysconf("SC_PAGE_SIZE")


def _statm(pid: int) -> tuple[str, ...]:
    try:
        return tuple(Path(f"/proc/{pid}/statm").read_text().split()[:2])
    except OSError:
        return ()


def _own_memory(pids: list[int]) -> list[int]:
    """pids without those that share another's memory: a child the JVM spawns (most likely
    Hadoop's shell commands; posix_spawn's vfork shares the parent's pages) reports the JVM's
    own resident pages until it execs, and counting both made the tree's peak twice the JVM's
    (14.4 GiB for a 7.1 GiB JVM at 100M).
    Two processes whose statm size and resident pages are equal at the same instant share them."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for p in sorted(pids):  # the older process (smaller pid) is kept
        m = _statm(p)
        if m in seen:
            continue
        if m:
            seen.add(m)
        out.append(p)
    return out


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 when gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(cmd: list[str], log_path: Path, executors: bool = False) -> dict:
    """Run cmd under /usr/bin/time -v, polling the process tree's resident memory and CPU time;
    with executors (a loopback cluster), the executor JVMs' too, apart: the tree is then the
    driver alone, and CPU counts both.

    CPU seconds are the last reading of each process of the tree (the JVM is not a waited-for
    child, so rusage never sees it): up to one poll interval of each process's end is missed.
    Unlike wall time they hardly grow when other work shares the machine."""
    time_out = log_path.with_suffix(".time")
    full = ["/usr/bin/time", "-v", "-o", str(time_out), *cmd]
    peak_tree = peak_java = peak_python = peak_exec = 0
    cpu: dict[int, float] = {}
    # an executor of the previous stage's application may still be exiting: its CPU and memory
    # are not this command's (counted, they made presence's CPU exceed wall x cores)
    earlier = set(_executors()) if executors else set()
    t = time.monotonic()
    with open(log_path, "w") as fh:
        proc = subprocess.Popen(full, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)
        while proc.poll() is None:
            pids = _tree(proc.pid)[1:]  # without /usr/bin/time itself
            for p in pids:
                cpu[p] = max(cpu.get(p, 0.0), _cpu_s(p))
            tree = [_rss(p) for p in _own_memory(pids)]
            peak_tree = max(peak_tree, sum(r for _, r in tree))
            peak_java = max([peak_java, *(r for c, r in tree if c == "java")])
            peak_python = max([peak_python, *(r for c, r in tree if c.startswith("python"))])
            if executors:
                ex = [p for p in _executors() if p not in earlier]
                for p in ex:
                    cpu[p] = max(cpu.get(p, 0.0), _cpu_s(p))
                peak_exec = max(peak_exec, sum(_rss(p)[1] for p in _own_memory(ex)))
            time.sleep(POLL_S)
    wall = time.monotonic() - t
    text = time_out.read_text() if time_out.is_file() else ""
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    return {
        "rc": proc.returncode,
        "wall_s": round(wall, 3),
        "cpu_s": round(sum(cpu.values()), 1),
        "maxrss_time_v_mib": round(int(m.group(1)) / 1024, 1) if m else None,
        "peak_tree_rss_mib": round(peak_tree / 2**20, 1),
        "peak_java_rss_mib": round(peak_java / 2**20, 1),
        "peak_python_rss_mib": round(peak_python / 2**20, 1),
        **({"peak_executor_rss_mib": round(peak_exec / 2**20, 1)} if executors else {}),
    }


# ---------------------------------------------------------------- Spark event log


def _event_lines(path: Path):
    """Lines of an app's event log: one file, or Spark 4's rolling eventlog_v2_<app>/ folder."""
    files = [path]
    if path.is_dir():
        files = sorted(path.glob("events_*"), key=lambda f: int(f.name.split("_")[1]))
    for f in files:
        with open(f) as fh:
            yield from fh


def event_log(path: Path, top: int = 6) -> dict:
    """Totals of the task metrics, and the heaviest SQL executions and stages, of one app."""
    totals = dict.fromkeys(
        (
            "shuffle_write_bytes",
            "shuffle_read_bytes",
            "input_bytes",
            "output_bytes",
            "spill_disk_bytes",
            "executor_run_ms",
            "gc_ms",
            "tasks",
        ),
        0,
    )
    stages: dict[int, dict] = {}
    sql: dict[int, dict] = {}
    stage_sql: dict[int, int] = {}
    for line in _event_lines(path):
        ev = json.loads(line)
        kind = ev.get("Event", "")
        if kind == "SparkListenerTaskEnd":
            m = ev.get("Task Metrics") or {}
            sw = (m.get("Shuffle Write Metrics") or {}).get("Shuffle Bytes Written", 0)
            sr = m.get("Shuffle Read Metrics") or {}
            run = m.get("Executor Run Time", 0)
            totals["shuffle_write_bytes"] += sw
            totals["shuffle_read_bytes"] += sr.get("Remote Bytes Read", 0) + sr.get(
                "Local Bytes Read", 0
            )
            totals["input_bytes"] += (m.get("Input Metrics") or {}).get("Bytes Read", 0)
            totals["output_bytes"] += (m.get("Output Metrics") or {}).get("Bytes Written", 0)
            totals["spill_disk_bytes"] += m.get("Disk Bytes Spilled", 0)
            totals["executor_run_ms"] += run
            totals["gc_ms"] += m.get("JVM GC Time", 0)
            totals["tasks"] += 1
            st = stages.setdefault(ev["Stage ID"], dict(NEW_STAGE))
            st["run_ms"] += run
            st["shuffle_write"] += sw
            st["tasks"] += 1
        elif kind == "SparkListenerStageCompleted":
            info = ev["Stage Info"]
            st = stages.setdefault(info["Stage ID"], dict(NEW_STAGE))
            st["name"] = info.get("Stage Name", "")
            if info.get("Submission Time") and info.get("Completion Time"):
                st["wall_ms"] = info["Completion Time"] - info["Submission Time"]
        elif kind == "SparkListenerJobStart":
            ex = (ev.get("Properties") or {}).get("spark.sql.execution.id")
            if ex is not None:
                for sid in ev.get("Stage IDs", []):
                    stage_sql[sid] = int(ex)
        elif kind.endswith("SparkListenerSQLExecutionStart"):
            sql[ev["executionId"]] = {
                "description": (ev.get("description") or "")[:120],
                "start": ev["time"],
            }
        elif kind.endswith("SparkListenerSQLExecutionEnd"):
            if ev["executionId"] in sql:
                sql[ev["executionId"]]["wall_ms"] = ev["time"] - sql[ev["executionId"]]["start"]
    for sid, st in stages.items():
        ex = stage_sql.get(sid)
        if ex is not None and ex in sql:
            sql[ex]["run_ms"] = sql[ex].get("run_ms", 0) + st["run_ms"]
            sql[ex]["shuffle_write"] = sql[ex].get("shuffle_write", 0) + st["shuffle_write"]
    top_sql = sorted(sql.values(), key=lambda s: -s.get("wall_ms", 0))[:top]
    top_stages = sorted(
        ({"stage_id": k, **v} for k, v in stages.items()), key=lambda s: -s["run_ms"]
    )[:top]
    for s in top_sql:
        s.pop("start", None)
    return {**totals, "sql_executions": len(sql), "top_sql": top_sql, "top_stages": top_stages}


# ---------------------------------------------------------------- one scale


def run_stage(
    stage: str, items: list[str], conf: str, sets: list[str], out: Path, cluster: bool = False
) -> dict:
    events_dir = out / "events" / stage
    events_dir.mkdir(parents=True, exist_ok=True)
    sets = [
        *sets,
        "spark.eventLog.enabled=true",
        f"spark.eventLog.dir={events_dir}",
        "spark.eventLog.compress=false",
        f"spark.app.name=footfall-bench-{stage}",
    ]
    result_path = out / f"{stage}.json"
    cmd = [
        str(PY),
        str(ROOT / "bench" / "stage.py"),
        stage,
        "--conf",
        conf,
        *[a for s in sets for a in ("--set", s)],
        "--items",
        ",".join(items),
        "--out",
        str(result_path),
    ]
    m = measured(cmd, out / f"{stage}.log", executors=cluster)
    if m["rc"] != 0:
        tail = (out / f"{stage}.log").read_text().splitlines()[-15:]
        raise SystemExit(f"bench: stage {stage} failed (exit {m['rc']}):\n" + "\n".join(tail))
    r = json.loads(result_path.read_text())
    logs = [p for p in events_dir.glob(f"*{r['app_id']}*") if not p.name.endswith(".inprogress")]
    ev = event_log(logs[0]) if logs else {}
    return {
        **m,
        "startup_s": r["startup_s"],
        "commands": r["commands"],
        "blocked": r["blocked"],
        "shuffle_write_bytes": ev.get("shuffle_write_bytes"),
        "event_log": ev,
    }


def run_scale(
    scale: float, repeats: int, days: int, seed: int, conf: str, cluster: list[str] | None = None
) -> dict:
    """One scale: generate (or reuse) its data, run the stages `repeats` times, check the meaning;
    cluster: the spark.* settings of a loopback cluster to run the stages on (None: local mode)."""
    g = generate(scale, days, seed, conf)
    w = Path(g["work"])
    per_unit = int(spark_settings(conf, scale_sets(w))["shuffle_partitions"].split()[0])
    g["shuffle_partitions"] = per_unit * max(1, round(g["events"] / EVENTS_PER_PARTITION_UNIT))
    sets = [*scale_sets(w), f"spark.sql.shuffle.partitions={g['shuffle_partitions']}"]
    sets += cluster or []
    # ingest, presence and release take their whole range in one command (footfall ingest /
    # presence / release --from --to, in run.batch_days passes: the release validates a pass's
    # dates together and publishes them in one Delta commit per table); origins goes by period
    items = {
        "ingest": [f"{g['landing_days'][0]}..{g['landing_days'][-1]}"],
        "origins": g["periods"],
        "presence": [f"{g['dates'][0]}..{g['dates'][-1]}"],
        "release": [f"{g['dates'][0]}..{g['dates'][-1]}"],
    }
    runs = []
    for k in range(repeats):
        for d in ("lake", "reports", f"runs/{k}"):
            shutil.rmtree(w / d, ignore_errors=True)
        out = w / "runs" / str(k)
        out.mkdir(parents=True)
        load, ref = os.getloadavg()[0], cpu_reference()
        log(f"{g['scale']}: repeat {k + 1}/{repeats} (load {load:.2f}, CPU reference {ref} s)")
        run = {"repeat": k, "load_before": round(load, 2), "reference_s_before": ref, "stages": {}}
        for stage in STAGES:
            r = run_stage(stage, items[stage], conf, sets, out, cluster is not None)
            run["stages"][stage] = r
            executor = r.get("peak_executor_rss_mib")
            log(
                f"{g['scale']}: {stage:8s} {r['wall_s']:8.1f} s  (startup {r['startup_s']:.1f} s, "
                f"peak {r['peak_tree_rss_mib']:.0f} MiB"
                + (f" driver, {executor:.0f} MiB executor" if executor is not None else "")
                + ", shuffle "
                f"{(r['shuffle_write_bytes'] or 0) / 2**20:.1f} MiB"
                + (f", blocked {r['blocked']}" if r["blocked"] else "")
                + ")"
            )
        run["load_after"] = round(os.getloadavg()[0], 2)
        run["reference_s_after"] = cpu_reference()
        runs.append(run)

    # meaning: conservation per landing day and exact presence counts (on the last repeat's lake)
    check_date = g["dates"][len(g["dates"]) // 2]
    check_out = w / "runs" / "check.json"
    cmd = [
        str(PY),
        str(ROOT / "bench" / "stage.py"),
        "check",
        "--conf",
        conf,
        *[a for s in sets for a in ("--set", s)],
        "--items",
        ",".join(g["landing_days"]),
        "--date",
        check_date,
        "--out",
        str(check_out),
    ]
    rc = subprocess.run(
        cmd, cwd=ROOT, stdout=open(w / "runs" / "check.log", "w"), stderr=subprocess.STDOUT
    ).returncode
    check = json.loads(check_out.read_text()) if check_out.is_file() else {"passed": False}
    check["rc"] = rc
    log(
        f"{g['scale']}: check {'passed' if rc == 0 and check.get('passed') else 'FAILED'}: "
        f"{check.get('ingest_totals')} presence {check.get('presence')}"
    )
    return {**g, "runs": runs, "check": check, "medians": medians(runs)}


def medians(runs: list[dict]) -> dict:
    out = {}
    for stage in STAGES:
        rs = [r["stages"][stage] for r in runs]
        out[stage] = {
            "wall_s": statistics.median(r["wall_s"] for r in rs),
            "cpu_s": statistics.median(r.get("cpu_s") or 0 for r in rs),
            "startup_s": statistics.median(r["startup_s"] for r in rs),
            "peak_tree_rss_mib": statistics.median(r["peak_tree_rss_mib"] for r in rs),
            "peak_java_rss_mib": statistics.median(r.get("peak_java_rss_mib") or 0 for r in rs),
            "peak_executor_rss_mib": statistics.median(
                r.get("peak_executor_rss_mib") or 0 for r in rs
            ),
            "maxrss_time_v_mib": statistics.median(r["maxrss_time_v_mib"] or 0 for r in rs),
            "shuffle_write_bytes": statistics.median(r["shuffle_write_bytes"] or 0 for r in rs),
            "walls": [r["wall_s"] for r in rs],
        }
    e2e = [sum(r["stages"][s]["wall_s"] for s in STAGES) for r in runs]
    out["end_to_end"] = {
        "wall_s": statistics.median(e2e),
        "cpu_s": statistics.median(
            sum(r["stages"][s].get("cpu_s") or 0 for s in STAGES) for r in runs
        ),
        "startup_s": sum(out[s]["startup_s"] for s in STAGES),
        "peak_tree_rss_mib": max(out[s]["peak_tree_rss_mib"] for s in STAGES),
        "peak_java_rss_mib": max(out[s]["peak_java_rss_mib"] for s in STAGES),
        "peak_executor_rss_mib": max(out[s]["peak_executor_rss_mib"] for s in STAGES),
        "maxrss_time_v_mib": max(out[s]["maxrss_time_v_mib"] for s in STAGES),
        "shuffle_write_bytes": sum(out[s]["shuffle_write_bytes"] for s in STAGES),
        "walls": e2e,
    }
    return out


# ---------------------------------------------------------------- report


def derive(scales: list[dict], cores: int) -> None:
    """Add throughput, core-hours per billion events and growth to each scale's medians."""
    prev = None
    for s in scales:
        ev = s["events"]
        for name, m in s["medians"].items():
            m["events_per_s_per_core"] = round(ev / m["wall_s"] / cores)
            m["core_hours_per_billion"] = round(m["wall_s"] * cores / 3600 / (ev / 1e9), 3)
            # CPU actually used (all threads of the process tree): holds on a shared machine
            m["cpu_core_hours_per_billion"] = round(m.get("cpu_s", 0) / 3600 / (ev / 1e9), 3)
            if prev is not None:
                pm = prev["medians"][name]
                m["time_ratio"] = round(m["wall_s"] / pm["wall_s"], 2)
                m["events_ratio"] = round(ev / prev["events"], 2)
                # the cost of the extra events alone: fixed costs (JVM, per-command jobs and
                # Delta commits) cancel out, so this is what large scales tend to
                m["marginal_core_hours_per_billion"] = round(
                    (m["wall_s"] - pm["wall_s"]) * cores / 3600 / ((ev - prev["events"]) / 1e9), 3
                )
        prev = s


def _rss_cell(m: dict) -> str:
    """Peak RSS: the measured process tree (in local mode the one JVM is driver and executor);
    on a loopback cluster the driver's tree and, apart, the executor's."""
    if m.get("peak_executor_rss_mib"):
        return f"driver {m['peak_tree_rss_mib']:.0f}, executor {m['peak_executor_rss_mib']:.0f}"
    return f"{m['peak_tree_rss_mib']:.0f}"


def markdown(res: dict) -> str:
    mc, sp, vs = res["machine"], res["spark"], res["versions"]
    lines = [
        f"# footfall bench {res['timestamp']}",
        "",
        f"Machine: {mc['nproc']} cores ({mc['cpu_model']}), {mc['memory_gib']} GiB; "
        f"footfall {vs['footfall']} ({vs['git']}), PySpark {vs['pyspark']}, {vs['delta_jar']}, "
        f"Java {vs.get('java', '?')}, "
        f"drivers' class archive {vs.get('class_archive', 'none')}.",
        f"Spark: master {sp['master']} (cores = {res['cores']}), driver memory "
        f"{sp['driver_memory']}, shuffle partitions {sp['shuffle_partitions']} per 10M events "
        f"(at least {sp['shuffle_partitions']}; AQE coalesces them), AQE {sp['aqe']}, "
        f"ingest split {sp['ingest_max_partition_bytes']}, run.batch_days "
        f"{sp.get('batch_days', 1)}. Medians of the repeats; one fresh "
        "driver per stage (startup included in wall).",
        "",
        "| scale | events | stage | wall s | of which startup s | events/s/core "
        "| core-h per 1e9 ev | CPU s | CPU core-h per 1e9 ev | peak RSS MiB "
        "| shuffle written MiB | time ratio (events ratio) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in res["scales"]:
        loads = ", ".join(f"{r['load_before']:.1f}-{r['load_after']:.1f}" for r in s["runs"])
        for name in (*STAGES, "end_to_end"):
            m = s["medians"][name]
            growth = (
                f"{m['time_ratio']}x ({m['events_ratio']}x); marginal "
                f"{m['marginal_core_hours_per_billion']:.2f} core-h/1e9"
                if "time_ratio" in m
                else ""
            )
            stage = "**end to end**" if name == "end_to_end" else name
            lines.append(
                f"| {s['scale']} (n={len(s['runs'])}, load {loads}) | {s['events']:,} | {stage} "
                f"| {m['wall_s']:.1f} | {m['startup_s']:.1f} | {m['events_per_s_per_core']:,} "
                f"| {m['core_hours_per_billion']:.2f} | {m.get('cpu_s', 0):.0f} "
                f"| {m.get('cpu_core_hours_per_billion', 0):.2f} | {_rss_cell(m)} "
                f"| {m['shuffle_write_bytes'] / 2**20:.1f} | {growth} |"
            )
    lines.append("")
    refs = [
        f"{s['scale']} {r['reference_s_before']:.2f}-{r['reference_s_after']:.2f}"
        for s in res["scales"]
        for r in s["runs"]
        if "reference_s_before" in r
    ]
    if refs:
        lines += [
            "Machine speed: a fixed single-core piece of CPU work (`cpu_reference`: SHA-256 and "
            "zlib over 4 MiB of text; less is faster) took, in s, before and after each repeat: "
            + ", ".join(refs)
            + ". Compare benches by it: this machine's speed drifts.",
            "",
        ]
    for s in res["scales"]:
        c = s["check"]
        lines.append(
            f"Check {s['scale']}: {'passed' if c.get('passed') else 'FAILED'}; ingest "
            f"{c.get('ingest_totals')}; presence 'all' on {c.get('presence_date')}: "
            f"{c.get('presence')}; shuffle partitions {s.get('shuffle_partitions', '?')}"
            + (
                f"; landing data = {s['tiled_from']} x {s['summary'].get('copies')}"
                if s.get("tiled_from")
                else ""
            )
            + "."
        )
    last = res["scales"][-1]["medians"]["end_to_end"]
    wall_ch, cpu_ch = last["core_hours_per_billion"], last.get("cpu_core_hours_per_billion", 0)
    lines += [""]
    for target in TARGETS_CORE_H:
        lines.append(
            f"Target <= {target} core-hours per 1e9 events end to end (issue 14): largest scale "
            f"{'meets' if wall_ch <= target else 'misses'} it by wall x cores ({wall_ch:.2f}), "
            f"{'meets' if cpu_ch <= target else 'misses'} it by CPU used ({cpu_ch:.2f})."
        )
    if "time_ratio" in last:
        ok = last["time_ratio"] <= 1.05 * last["events_ratio"]
        lines.append(
            "Target time ratio <= 1.05 x events ratio (10x the events in at most 10.5x): "
            f"{last['time_ratio']}x time for "
            f"{last['events_ratio']}x events: {'met' if ok else 'missed'}."
        )
    return "\n".join(lines) + "\n"


def write_results(res: dict, stamp: str, suffix: str = "") -> str:
    """bench-<stamp><suffix>.json and latest<suffix>.md of the scales done so far (suffix
    -cluster for a loopback-cluster run); the markdown."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"bench-{stamp}{suffix}.json").write_text(json.dumps(res, indent=2, default=str))
    md = markdown(res)
    (RESULTS / f"latest{suffix}.md").write_text(md)
    return md


def main() -> int:
    p = argparse.ArgumentParser(description="Benchmark footfall's stages at several scales.")
    p.add_argument(
        "--scales",
        default=os.environ.get("BENCH_SCALES", "1,10"),
        help="millions of events, comma-separated (BENCH_SCALES; default 1,10)",
    )
    p.add_argument(
        "--repeats",
        default=os.environ.get("BENCH_REPEATS", ""),
        help="repeats per scale, one number or one per scale, e.g. 3,1 (BENCH_REPEATS; "
        "default 3, 1 from 100M)",
    )
    p.add_argument("--days", type=int, default=int(os.environ.get("BENCH_DAYS", "14")))
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--conf", default=os.environ.get("BENCH_CONF", "conf/local.yaml"))
    p.add_argument(
        "--cluster",
        action="store_true",
        default=os.environ.get("BENCH_CLUSTER", "") == "1",
        help="run the stages on a loopback standalone cluster (one worker with every core), so "
        "that the driver's memory is measured alone (BENCH_CLUSTER=1)",
    )
    for flag, env, default, what in (
        ("--driver-memory", "BENCH_DRIVER_MEMORY", "2g", "the driver's heap"),
        ("--executor-memory", "BENCH_EXECUTOR_MEMORY", "13g", "the worker's (executor's) heap"),
    ):
        p.add_argument(
            flag,
            default=os.environ.get(env, default),
            help=f"{what} with --cluster ({env}; default {default})",
        )
    p.add_argument("--report", metavar="JSON", help="only re-render latest.md from a results file")
    a = p.parse_args()
    if a.report:
        res = json.loads(Path(a.report).read_text())
        derive(res["scales"], res["cores"])
        md = markdown(res)
        (RESULTS / "latest.md").write_text(md)
        print(md)
        return 0
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("FOOTFALL_JARS_DIR", str(ROOT / ".cache" / "jars"))
    scales = [float(x) for x in a.scales.split(",") if x.strip()]
    wanted = [int(x) for x in a.repeats.split(",") if x.strip()]
    if len(wanted) not in (0, 1, len(scales)):
        p.error("--repeats: one number, or one per scale")
    per_scale = wanted if len(wanted) > 1 else wanted * len(scales)
    repeats_of = dict(zip(scales, per_scale, strict=False))
    spark = spark_settings(a.conf, scale_sets(WORK / "x"))
    cores = cores_of(spark["master"])
    with ExitStack() as stack:
        cluster = None
        if a.cluster:
            cores = os.cpu_count() or 1
            url = stack.enter_context(loopback_cluster(cores, a.executor_memory))
            cluster = [
                f"spark.master={url}",
                f"spark.driver.memory={a.driver_memory}",
                f"spark.executor.memory={a.executor_memory}",
                f"spark.executor.cores={cores}",
                "spark.driver.host=127.0.0.1",
                "spark.driver.bindAddress=127.0.0.1",
            ]
            spark.update(
                master=f"loopback standalone cluster ({url}, 1 worker)",
                driver_memory=a.driver_memory,
                executor_memory=a.executor_memory,
            )
        return _bench(a, scales, repeats_of, spark, cores, cluster)


def _bench(a, scales, repeats_of, spark, cores, cluster) -> int:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    res = {
        "timestamp": stamp,
        "machine": machine(),
        "versions": versions(),
        "spark": spark,
        "cores": cores,
        "days": a.days,
        "scales": [],
    }
    log(f"scales {scales}M events, cores {cores}, load {os.getloadavg()[0]:.2f}")
    suffix = "-cluster" if cluster else ""
    failed = []
    for scale in scales:
        repeats = repeats_of.get(scale) or (1 if scale >= 100 else 3)
        s = run_scale(scale, repeats, a.days, a.seed, a.conf, cluster)
        res["scales"].append(s)
        if not (s["check"].get("passed") and s["check"]["rc"] == 0):
            failed.append(f"{s['scale']}: {s['check'].get('problems') or 'check did not run'}")
        derive(res["scales"], cores)
        res["check_failures"] = failed
        # after every scale: a stopped bench keeps what it did
        md = write_results(res, stamp, suffix)
    print(md)
    log(f"wrote {RESULTS / f'bench-{stamp}{suffix}.json'} and {RESULTS / f'latest{suffix}.md'}")
    if failed:
        print("bench: MEANING CHECK FAILED:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
