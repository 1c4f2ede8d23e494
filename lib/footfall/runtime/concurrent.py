"""Independent Spark work of one job run at the same time, from threads of the driver.

A job's last steps are often several writes to different Delta tables, each a few small Spark
jobs (its scan planned, the table's snapshot read, the files written, the commit): one after the
other, most of their wall time is the driver's, and one executor core idles while the other runs
a write's last task. From threads their jobs share the executors (Spark runs the jobs of
concurrent threads side by side) and their driver work overlaps. Each thread is PySpark's
inheritable target of the session, so its JVM thread has the caller's local properties and tags
(`pyspark.util`).

Only for work whose result does not depend on the order: writes to different tables, reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from pyspark.sql import SparkSession
from pyspark.util import inheritable_thread_target

log = logging.getLogger(__name__)

T = TypeVar("T")


def run_together(spark: SparkSession, work: list[Callable[[], T]], threads: int) -> list[T]:
    """Each callable's result, in the order given, the callables run by up to `threads` threads
    at once (in the caller's thread alone when `threads` <= 1 or there is one), each with the
    session's local properties and tags. Every callable runs to its end; then the first failure
    (in the order given) is raised."""
    if threads <= 1 or len(work) <= 1:
        return [w() for w in work]
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="footfall") as pool:
        futures = [pool.submit(inheritable_thread_target(spark)(w)) for w in work]
        errors = [f.exception() for f in futures]
    for error in errors:
        if error is not None:
            raise error
    return [f.result() for f in futures]
