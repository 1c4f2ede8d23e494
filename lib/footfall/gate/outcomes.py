"""Outcomes of the quality suites (METHOD 9) and the result rows a date's release records.

An `Outcome` is what one expectation found: GE's result for it, or a date's share of a batch's
result (gate.split). `check_rows` turns a date's outcomes into one row per check: check, table,
critical, passed, observed, expected, message, note (the `releases` row and the report show them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

SUITES = (
    "origin_presence_hourly",
    "origin_presence_daily",
    "dwell_daily",
    "visitor_class_daily",
    "ingest_log",
)


@dataclass(frozen=True)
class Outcome:
    """One expectation's result: success, GE's result dict and exception info, and the meta
    (check, table, critical, order, each, expected, description) of the entry it ran."""

    meta: dict[str, Any]
    type: str
    kwargs: dict[str, Any]
    success: bool
    result: dict[str, Any]
    exception_info: dict[str, Any]

    @classmethod
    def of(cls, r: Any) -> Outcome:
        """The outcome of a GE ExpectationValidationResult."""
        config = r.expectation_config
        return cls(
            meta=dict(config.meta),
            type=config.type,
            kwargs=dict(config.kwargs),
            success=bool(r.success),
            result=dict(r.result or {}),
            exception_info=dict(r.exception_info or {}),
        )

    def restated(self, meta: dict[str, Any], kwargs: dict[str, Any]) -> Outcome:
        """The same finding under another entry's meta and kwargs (a date's copy)."""
        return replace(self, meta=meta, kwargs=kwargs)


def check_rows(outcomes: Sequence[Outcome], notes: Mapping[tuple[str, str], str]) -> list[dict]:
    """One result row per check, merging the expectations of a for_each check."""
    grouped: dict[tuple[str, str], list[Outcome]] = {}
    for o in sorted(outcomes, key=lambda o: (SUITES.index(o.meta["table"]), o.meta["order"])):
        grouped.setdefault((o.meta["table"], o.meta["check"]), []).append(o)
    return [_row(items, notes.get(key, "")) for key, items in grouped.items()]


def _row(items: list[Outcome], note: str) -> dict[str, Any]:
    meta = items[0].meta
    passed = all(o.success for o in items)
    if meta["each"]:
        failing = [f"{o.kwargs.get('column')}: {observed_text(o)}" for o in items if not o.success]
        observed = "; ".join(failing) or f"all {len(items)} columns as expected"
    elif passed and items[0].type.startswith("expect_table_columns"):
        observed = "as expected"
    else:
        observed = observed_text(items[0])
    verdict = "passed" if passed else ("FAILED" if meta["critical"] else "warning")
    message = f"{verdict}: {meta['description']}"
    if not passed:
        message += f" Observed {observed}; expected {meta['expected']}."
    if note:
        message += f" {note}"
    return {
        "check": meta["check"],
        "table": meta["table"],
        "critical": meta["critical"],
        "passed": passed,
        "observed": observed,
        "expected": meta["expected"],
        "message": message,
        "note": note,
    }


def observed_text(o: Outcome) -> str:
    """A short text of what an expectation observed (value, missing or unexpected values)."""
    error = raised(o)
    if error:
        return f"error: {error[:200]}"
    res = o.result
    if o.type == "unexpected_rows_expectation":
        return f"{res.get('observed_value')} row(s)"
    if "missing_count" in res:
        parts = []
        if res.get("missing_count"):
            parts.append("missing " + text(res.get("partial_missing_list") or []))
        if res.get("unexpected_count"):
            parts.append("unexpected " + text(res.get("partial_unexpected_list") or []))
        if parts or not o.success:
            return "; ".join(parts) or "not as expected"
        return "as expected"
    if "observed_value" in res:
        v = res["observed_value"]
        return f"{v:.4g}" if isinstance(v, float) else text(v)
    if "unexpected_count" in res:
        n, total = res.get("unexpected_count") or 0, res.get("element_count")
        sample = res.get("partial_unexpected_list") or []
        more = f", e.g. {text(sample[:5])}" if sample else ""
        return f"{n} of {total} rows{more}"
    return "as expected" if o.success else "not as expected"


def raised(o: Outcome) -> str:
    """The message of the exception the expectation raised ('' when none did)."""
    info = o.exception_info
    # GE gives one info dict, or one per metric that raised
    for i in [info, *(v for v in info.values() if isinstance(v, dict))]:
        if i.get("raised_exception"):
            return str(i.get("exception_message") or "an exception")
    return ""


def text(value: Any) -> str:
    """A value as text: lists and tuples joined with ', '."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def failed(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The critical checks that failed."""
    return [c for c in rows if c["critical"] and not c["passed"]]
