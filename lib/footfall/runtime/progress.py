"""Progress of long Spark work in the log: a daemon thread that reads Spark's status tracker.

Every `run.progress_seconds` it logs one line per running stage (tasks done of all, tasks
running, how long it has been seen running), so a pass over a large day shows it is moving.
Stage names are Spark call sites (e.g. `collect at ingest.py:388`): no data is logged.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

_started: dict[str, threading.Thread] = {}


def stage_lines(tracker: Any, first_seen: dict[int, float], now: float) -> list[str]:
    """One line per active stage of a Spark status tracker, lowest stage id first; first_seen
    (stage id -> time first seen running) is kept to the active stages, and the time shown
    counts from it."""
    lines, active = [], sorted(tracker.getActiveStageIds())
    for gone in set(first_seen) - set(active):  # finished stages: forget them
        del first_seen[gone]
    for sid in active:
        info = tracker.getStageInfo(sid)
        if info is None:  # finished between the two calls
            continue
        since = first_seen.setdefault(sid, now)
        failed = f", {info.numFailedTasks} failed" if info.numFailedTasks else ""
        lines.append(
            f"stage {sid} ({_short(info.name)}): {info.numCompletedTasks}/{info.numTasks} "
            f"tasks done, {info.numActiveTasks} running{failed}, {now - since:.0f} s"
        )
    return lines


def _short(name: str) -> str:
    """A stage name with its call site's folders dropped: `collect at ingest.py:388`."""
    return re.sub(r"\S*/", "", name)


def _report(tracker: Any, every_s: float) -> None:
    first_seen: dict[int, float] = {}
    while True:
        time.sleep(every_s)
        try:
            lines = stage_lines(tracker, first_seen, time.monotonic())
        except Exception:  # the JVM is stopping: nothing more to report
            return
        for line in lines:
            log.info("progress: %s", line)


def start(spark: Any, every_s: float) -> None:
    """Log running stages every every_s seconds, from one daemon thread per process (0: off)."""
    if every_s <= 0 or "reporter" in _started:
        return
    thread = threading.Thread(
        target=_report,
        args=(spark.sparkContext.statusTracker(), every_s),
        name="footfall-progress",
        daemon=True,
    )
    _started["reporter"] = thread
    thread.start()
