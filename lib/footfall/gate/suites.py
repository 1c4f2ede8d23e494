"""The quality suites of expectations/ (METHOD 9): YAML files -> Great Expectations -> result rows.

The suites are YAML files, one per table (expectations/<table>.yaml); `build_suites` turns each
into Great Expectations 1.x ExpectationSuites (one per frame it validates) and `run_suites` runs
them with an ephemeral GE context on Spark DataFrames. Every check ends as one result row:
check, table, critical, passed, observed, expected, message, note.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pyspark.sql import DataFrame

from footfall.core import tables
from footfall.core.errors import UserError

log = logging.getLogger(__name__)

SUITES = ("origin_presence_hourly", "origin_presence_daily", "ingest_log")
_VAR = re.compile(r"\$\{(\w+)\}")
_ENTRY_KEYS = {
    "check",
    "frame",
    "type",
    "kwargs",
    "critical",
    "expected",
    "description",
    "for_each",
}


# ---- suites: YAML -> GE ExpectationSuite ----------------------------------------------------


def expectations_dir() -> Path:
    """The suites folder: $FOOTFALL_EXPECTATIONS_DIR, ./expectations, or the repository's."""
    env = os.environ.get("FOOTFALL_EXPECTATIONS_DIR")
    for d in ([Path(env)] if env else []) + [
        Path.cwd() / "expectations",
        Path(__file__).resolve().parents[3] / "expectations",
    ]:
        if (d / f"{SUITES[0]}.yaml").is_file():
            return d
    raise UserError(
        "quality suites not found: run from the repository root "
        "or set FOOTFALL_EXPECTATIONS_DIR to the expectations/ folder"
    )


def load_suite_file(path: Path) -> dict[str, Any]:
    """One suite file, checked for the keys this module understands."""
    spec = yaml.safe_load(path.read_text())
    if not isinstance(spec, dict) or spec.get("contract") not in tables.ALL:
        raise UserError(
            f"{path}: needs `table`, `contract` (a footfall.core.tables name), `expectations`"
        )
    for e in spec.get("expectations") or []:
        unknown = set(e) - _ENTRY_KEYS
        missing = {"check", "frame", "type", "critical", "description"} - set(e)
        if unknown or missing:
            raise UserError(
                f"{path}: check {e.get('check')!r}: unknown keys {sorted(unknown)} "
                f"or missing keys {sorted(missing)}"
            )
    return spec


def fill(value: Any, params: Mapping[str, Any]) -> Any:
    """Replace ${name} by params[name]: the value itself when it is the whole string."""
    if isinstance(value, str):
        whole = _VAR.fullmatch(value)
        if whole:
            return params[whole.group(1)]
        return _VAR.sub(lambda m: _text(params[m.group(1)]), value)
    if isinstance(value, list):
        return [fill(v, params) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, params) for k, v in value.items()}
    return value


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def contract_params(table: tables.Table) -> dict[str, Any]:
    """Suite parameters read from a table contract (columns, keys, required columns)."""
    required = [f.name for f in table.schema.fields if not f.nullable]
    return {
        "columns": table.columns,
        "columns_text": ", ".join(table.columns),
        "keys": list(table.keys),
        "keys_text": "(" + ", ".join(table.keys) + ")",
        "keys_sql": ", ".join(table.keys),
        "required_text": ", ".join(required),
        "null_condition": " OR ".join(f"{c} IS NULL" for c in required),
    }


def _expansions(for_each: str | None, table: tables.Table) -> list[dict[str, Any]]:
    fields = table.schema.fields
    if for_each is None:
        return [{}]
    if for_each == "column":
        return [{"column": f.name, "spark_type": type(f.dataType).__name__} for f in fields]
    raise UserError(f"for_each {for_each!r}: only `column` is defined")


def build_suites(spec: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """GE ExpectationSuites of one suite file, one per frame it validates."""
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    table = tables.ALL[spec["contract"]]
    params = {**params, **contract_params(table)}
    suites: dict[str, Any] = {}
    for i, e in enumerate(spec["expectations"]):
        for j, extra in enumerate(_expansions(e.get("for_each"), table)):
            p = {**params, **extra}
            frame = e["frame"]
            suite = suites.setdefault(frame, ExpectationSuite(name=f"{spec['table']}.{frame}"))
            meta = {
                "check": e["check"],
                "table": spec["table"],
                "critical": bool(e["critical"]),
                "order": i * 1000 + j,
                "each": bool(e.get("for_each")),
                "expected": fill(e.get("expected", ""), p),
                "description": " ".join(str(e["description"]).split()),
            }
            suite.add_expectation_configuration(
                ExpectationConfiguration(
                    type=e["type"],
                    kwargs=fill(e.get("kwargs") or {}, p),
                    meta=meta,
                    description=meta["description"],
                    severity="critical" if e["critical"] else "warning",
                )
            )
    return suites


# ---- running the suites and reading their results --------------------------------------------


def run_suites(
    frames: Mapping[str, Mapping[str, DataFrame]],
    params: Mapping[str, Any],
    docs_dir: Path | None = None,
    notes: Mapping[tuple[str, str], str] | None = None,
) -> list[dict[str, Any]]:
    """Run every suite of expectations/ on its frames; one result row per check."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    folder = expectations_dir()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_spark("footfall")
    raw: list[tuple[dict, Any]] = []
    for name in SUITES:
        spec = load_suite_file(folder / f"{name}.yaml")
        for frame, suite in build_suites(spec, params).items():
            label = f"{spec['table']}.{frame}"
            if frame not in frames.get(spec["table"], {}):
                raise ValueError(f"{folder / name}.yaml: no frame {frame!r} for {spec['table']}")
            log.info("quality: validating %s (%d expectations)", label, len(suite.expectations))
            batch = source.add_dataframe_asset(label).add_batch_definition_whole_dataframe("all")
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=label, data=batch, suite=context.suites.add(suite))
            )
            started = time.monotonic()
            result = definition.run(
                batch_parameters={"dataframe": frames[spec["table"]][frame]},
                result_format="BASIC",
            )
            log.info("quality: %s done in %.1f s", label, time.monotonic() - started)
            raw += [(r.expectation_config.meta, r) for r in result.results]
    if docs_dir is not None:
        _build_data_docs(context, docs_dir)
    return _check_rows(raw, notes or {})


def _build_data_docs(context: Any, docs_dir: Path) -> None:
    """GE's Data Docs of the validations run in context, as static pages in docs_dir."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    context.add_data_docs_site(
        site_name="footfall",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    context.build_data_docs(site_names=["footfall"])


def _check_rows(raw: list[tuple[dict, Any]], notes: Mapping[tuple[str, str], str]) -> list[dict]:
    """One result row per check, merging the expectations of a for_each check."""
    grouped: dict[tuple[str, str], list[tuple[dict, Any]]] = {}
    for meta, r in sorted(raw, key=lambda x: (SUITES.index(x[0]["table"]), x[0]["order"])):
        grouped.setdefault((meta["table"], meta["check"]), []).append((meta, r))
    out = []
    for key, items in grouped.items():
        meta = items[0][0]
        passed = all(bool(r.success) for _, r in items)
        if meta["each"]:
            failing = [
                f"{r.expectation_config.kwargs.get('column')}: {observed_text(r)}"
                for _, r in items
                if not r.success
            ]
            observed = "; ".join(failing) or f"all {len(items)} columns as expected"
        elif passed and items[0][1].expectation_config.type.startswith("expect_table_columns"):
            observed = "as expected"
        else:
            observed = observed_text(items[0][1])
        verdict = "passed" if passed else ("FAILED" if meta["critical"] else "warning")
        message = f"{verdict}: {meta['description']}"
        if not passed:
            message += f" Observed {observed}; expected {meta['expected']}."
        if notes.get(key):
            message += f" {notes[key]}"
        out.append(
            {
                "check": meta["check"],
                "table": meta["table"],
                "critical": meta["critical"],
                "passed": passed,
                "observed": observed,
                "expected": meta["expected"],
                "message": message,
                "note": notes.get(key, ""),
            }
        )
    return out


def observed_text(r: Any) -> str:
    """A short text of what a GE result observed (value, missing or unexpected values)."""
    info = r.exception_info or {}
    # GE gives one info dict, or one per metric that raised
    for i in [info, *(v for v in info.values() if isinstance(v, dict))]:
        if i.get("raised_exception"):
            return f"error: {str(i.get('exception_message'))[:200]}"
    res = r.result or {}
    kind = r.expectation_config.type
    if kind == "unexpected_rows_expectation":
        return f"{res.get('observed_value')} row(s)"
    if "missing_count" in res:
        parts = []
        if res.get("missing_count"):
            parts.append("missing " + _text(res.get("partial_missing_list") or []))
        if res.get("unexpected_count"):
            parts.append("unexpected " + _text(res.get("partial_unexpected_list") or []))
        if parts or not r.success:
            return "; ".join(parts) or "not as expected"
        return "as expected"
    if "observed_value" in res:
        v = res["observed_value"]
        return f"{v:.4g}" if isinstance(v, float) else _text(v)
    if "unexpected_count" in res:
        n, total = res.get("unexpected_count") or 0, res.get("element_count")
        sample = res.get("partial_unexpected_list") or []
        more = f", e.g. {_text(sample[:5])}" if sample else ""
        return f"{n} of {total} rows{more}"
    return "as expected" if r.success else "not as expected"
