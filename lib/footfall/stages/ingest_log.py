"""The ingest_log table (METHOD 3, 3.2): one row per landing day, with what its run counted.

`LandingDaySummary` is a landing day's counts, `rows_read = rows_valid + rows_quarantined +
rows_duplicate`, as the job returns them, the CLI prints them and ingest_log stores them.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from pyspark.sql import DataFrame, SparkSession

from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.config import Config
from footfall.core.errors import LandingFileError

log = logging.getLogger(__name__)

VALID = "valid"  # the count key of rows with no quarantine reason (before duplicates are dropped)


@dataclass(frozen=True)
class LandingDaySummary:
    """What one landing day's ingest counted (METHOD 3): the figures of its ingest_log row."""

    landing_date: dt.date
    rows_read: int
    rows_valid: int
    rows_quarantined: int
    rows_duplicate: int
    by_reason: dict[str, int] = field(hash=False)  # every quarantine reason, in METHOD 3 order
    files: tuple[str, ...]  # the names of the landing files read

    @classmethod
    def from_counts(
        cls, landing_date: dt.date, counts: dict[str, int], rows_valid: int, files: list[Path]
    ) -> LandingDaySummary:
        """The summary of a day's rows per reason (VALID: no reason) and its valid events."""
        by_reason = {r: counts.get(r, 0) for r in C.QUARANTINE_REASONS}
        return cls(
            landing_date=landing_date,
            rows_read=sum(counts.values()),
            rows_valid=rows_valid,
            rows_quarantined=sum(by_reason.values()),
            rows_duplicate=counts.get(VALID, 0) - rows_valid,
            by_reason=by_reason,
            files=tuple(f.name for f in files),
        )

    def _counters(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "rows_valid": self.rows_valid,
            "rows_quarantined": self.rows_quarantined,
            "rows_duplicate": self.rows_duplicate,
            **{f"q_{r}": n for r, n in self.by_reason.items()},
        }

    def as_dict(self) -> dict[str, Any]:
        """The summary as the CLI prints it: landing_date text, the counters, number of files."""
        return {
            "landing_date": str(self.landing_date),
            **self._counters(),
            "files": len(self.files),
        }

    def __getitem__(self, key: str) -> Any:
        """`summary["rows_read"]`: the value `as_dict()` holds under key."""
        return self.as_dict()[key]

    def log_row(self) -> dict[str, Any]:
        """The day's ingest_log row (METHOD 3.2): status ok, the counters, the file names."""
        return {
            C.LANDING_DATE: self.landing_date,
            "status": "ok",
            "files": list(self.files),
            **self._counters(),
        }


def _log_frame(spark: SparkSession, rows: list[dict]) -> DataFrame:
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)  # session time zone is UTC
    out = []
    for values in rows:
        row: dict[str, object] = dict.fromkeys(tables.INGEST_LOG.columns)
        row.update({"ingested_at": now, "failed_files": []})
        row.update(values)
        out.append(row)
    return spark.createDataFrame(out, tables.INGEST_LOG.schema)


def landing_between(first: dt.date, last: dt.date) -> lake.Rows:
    """The rows of the landing days first..last (the slice a run replaces in each table)."""
    return lake.Rows(C.LANDING_DATE, first, last)


def write_log(spark: SparkSession, cfg: Config, rows: list[dict]) -> None:
    """Replace the ingest_log rows of the (consecutive) landing days of rows."""
    days = [r[C.LANDING_DATE] for r in rows]
    lake.replace_where(
        _log_frame(spark, rows), cfg, tables.INGEST_LOG, landing_between(min(days), max(days))
    )


def fail_day(
    spark: SparkSession, cfg: Config, landing_date: dt.date, files: list[Path], bad: list[str]
) -> NoReturn:
    """Record a failed landing day in ingest_log, then raise LandingFileError naming the files."""
    message = (
        f"truncated or unreadable landing file(s) {', '.join(bad)} in "
        f"{files[0].parent} (a CSV needs a header of the six METHOD 1.1 columns)"
    )
    row = {
        C.LANDING_DATE: landing_date,
        "status": "failed",
        "files": [f.name for f in files],
        "failed_files": bad,
        "message": message,
    }
    write_log(spark, cfg, [row])
    log.error("ingest %s failed: %s", landing_date, message)
    raise LandingFileError(message)
