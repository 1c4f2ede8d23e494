"""The quality suites of expectations/ (METHOD 9): YAML files -> Great Expectations -> outcomes.

The suites are YAML files, one per table (expectations/<table>.yaml); `entries` fills one in for
a set of parameters, `build_suite` turns a frame's entries into a Great Expectations 1.x
ExpectationSuite and a `Checker` (an ephemeral GE context) runs it on a Spark DataFrame. Every
expectation ends as an `Outcome`; `gate.outcomes.check_rows` makes the result rows of a date.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pyspark.sql import DataFrame

from footfall.core import tables
from footfall.core.errors import UserError
from footfall.gate.outcomes import SUITES, Outcome, text

log = logging.getLogger(__name__)

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
        return _VAR.sub(lambda m: text(params[m.group(1)]), value)
    if isinstance(value, list):
        return [fill(v, params) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, params) for k, v in value.items()}
    return value


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


@dataclass(frozen=True)
class Entry:
    """One expectation of a suite file with its ${name}s filled in for one set of parameters."""

    table: str  # the suite's table (origin_presence_hourly, ...)
    frame: str  # the frame it validates (rows, support, summary)
    type: str  # the Great Expectations expectation type
    kwargs: dict[str, Any]
    meta: dict[str, Any]  # check, table, critical, order, each, expected, description

    @property
    def order(self) -> int:
        return self.meta["order"]


def load_suites() -> list[dict[str, Any]]:
    """Every suite file of expectations/, in SUITES order."""
    folder = expectations_dir()
    return [load_suite_file(folder / f"{name}.yaml") for name in SUITES]


def entries(spec: Mapping[str, Any], params: Mapping[str, Any]) -> list[Entry]:
    """The expectations of one suite file, filled in with params (for_each ones repeated)."""
    table = tables.ALL[spec["contract"]]
    params = {**params, **contract_params(table)}
    out = []
    for i, e in enumerate(spec["expectations"]):
        for j, extra in enumerate(_expansions(e.get("for_each"), table)):
            p = {**params, **extra}
            meta = {
                "check": e["check"],
                "table": spec["table"],
                "critical": bool(e["critical"]),
                "order": i * 1000 + j,
                "each": bool(e.get("for_each")),
                "expected": fill(e.get("expected", ""), p),
                "description": " ".join(str(e["description"]).split()),
            }
            out.append(
                Entry(spec["table"], e["frame"], e["type"], fill(e.get("kwargs") or {}, p), meta)
            )
    return out


def by_frame(items: Sequence[Entry]) -> dict[tuple[str, str], list[Entry]]:
    """Entries grouped by the (table, frame) they validate, in suite order."""
    out: dict[tuple[str, str], list[Entry]] = {}
    for e in items:
        out.setdefault((e.table, e.frame), []).append(e)
    return out


def build_suite(name: str, items: Sequence[Entry]) -> Any:
    """A GE ExpectationSuite of the entries (of one frame), one expectation each.

    Built from the list: `add_expectation_configuration` upserts by *domain*, so two checks of
    one type on the same table or column (keys_not_null, keys_unique and visitors_rounded, all
    unexpected-rows queries on the rows; the two landing-day sets of ingest_log) kept only the
    last one, and the others never ran.
    """
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    configs = [
        ExpectationConfiguration(
            type=e.type,
            kwargs=e.kwargs,
            meta=e.meta,
            description=e.meta["description"],
            severity="critical" if e.meta["critical"] else "warning",
        )
        for e in items
    ]
    suite = ExpectationSuite(name=name, expectations=configs)
    if len(suite.expectations) != len(items):
        raise UserError(f"suite {name}: an expectation of {len(items)} is not valid")
    return suite


# ---- running the suites ---------------------------------------------------------------------

# What a release imports only once it has read its candidates: Great Expectations (the Checker)
# and matplotlib (the report's charts), 2-3 s of Python in a fresh driver (`footfall release`,
# jobs/release.py), on the critical path while the driver's threads mostly wait for Spark.


def prefetch_imports() -> threading.Thread:
    """Import Great Expectations and the charts' matplotlib in a background thread, and return
    it: the release's first Spark reads run meanwhile, and `Checker` then finds the module
    imported (or waits for the import under way: Python's per-module import lock). An import
    that fails here fails again, and is reported, where the module is used."""

    def _import() -> None:
        try:
            importlib.import_module("great_expectations")
            from footfall.gate.report_charts import pyplot

            pyplot()
        except Exception:  # noqa: BLE001 (raised again where it is used)
            return

    thread = threading.Thread(target=_import, name="footfall-imports", daemon=True)
    thread.start()
    return thread


class Checker:
    """One ephemeral GE context: it validates Spark frames (no Data Docs: they load their assets
    from CDNs and render as bare text offline; the steward's page shows every check instead)."""

    def __init__(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._source = self.context.data_sources.add_spark("footfall")

    def validate(self, label: str, items: Sequence[Entry], df: DataFrame) -> list[Outcome]:
        """Run the entries (of one frame) on df as validation `label`; one outcome each."""
        gx = self._gx
        suite = self.context.suites.add(build_suite(label, items))
        log.info("quality: validating %s (%d expectations)", label, len(suite.expectations))
        batch = self._source.add_dataframe_asset(label).add_batch_definition_whole_dataframe("all")
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=label, data=batch, suite=suite)
        )
        started = time.monotonic()
        result = definition.run(batch_parameters={"dataframe": df}, result_format="BASIC")
        log.info("quality: %s done in %.1f s", label, time.monotonic() - started)
        return [Outcome.of(r) for r in result.results]
