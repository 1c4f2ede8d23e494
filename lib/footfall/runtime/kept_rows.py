"""Rows a job reads more than once, kept for the job's run: a local checkpoint or Spark's cache
(`ingest.keep_rows`, `presence.keep_rows`).

checkpoint: a local checkpoint, the rows as Spark's own rows in the executors' block stores
(memory, then local disk), built by the tasks of the first action that reads them, in the same
pass. Its lineage is cut: a lost executor fails the run, and the run is re-run (every write is an
idempotent replace). cache: Spark's columnar cache (a lost block is recomputed from the job's
input), which AQE builds as a stage of its own that the first action then reads back, and which
gathers every column's min/max as it builds (per value, strings compared byte by byte).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from pyspark import StorageLevel
from pyspark.sql import DataFrame

from footfall.core.config_checks import KEEP_ROWS

log = logging.getLogger(__name__)

CHECKPOINT, CACHE = KEEP_ROWS


def keep(rows: DataFrame, how: str) -> tuple[DataFrame, Callable[[], None]]:
    """The rows kept as `how` says (CHECKPOINT or CACHE), and the function that frees them."""
    if how == CACHE:
        cached = rows.persist(StorageLevel.MEMORY_AND_DISK)
        return cached, cached.unpersist
    if how != CHECKPOINT:
        raise ValueError(f"keep rows as one of {', '.join(KEEP_ROWS)}, not {how!r}")
    kept = rows.localCheckpoint(eager=False, storageLevel=StorageLevel.MEMORY_AND_DISK)
    return kept, lambda: free_checkpoint(kept)


def free_checkpoint(kept: DataFrame) -> None:
    """Drop a local checkpoint's blocks now (the context cleaner would, once the frame is
    collected); its plan is the checkpointed RDD (an internal API: if it ever changes, the
    cleaner still frees them). Through the context, not `RDD.unpersist`, which warns on every
    run that a checkpointed RDD "cannot be recomputed after unpersisting": true, and meant."""
    try:
        rdd_id = kept._jdf.queryExecution().logical().rdd().id()
        kept.sparkSession.sparkContext._jsc.sc().unpersistRDD(rdd_id, False)
    except Exception as exc:  # freeing early is an optimisation only
        log.debug("checkpoint left to the context cleaner (%s)", type(exc).__name__)
