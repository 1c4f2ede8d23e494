"""Configuration: conf/base.yaml, overlaid by a profile and --set KEY=VALUE, validated once.

Every key is declared in SPEC with its type and a one-line doc; unknown keys, wrong types and
bad values (core.config_checks) stop a job before it starts (UserError, exit 2). Secrets are
never config values: the token key is named by `tokenisation.key_file` or `tokenisation.key_env`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from footfall.core.config_checks import coerce, validate
from footfall.core.errors import UserError

# key -> (type, doc). Types: str, int, float, bool, "str?" (optional str), "list[str]", "date".
SPEC: dict[str, tuple[Any, str]] = {
    "paths.landing": (str, "landing zone root; events under <landing>/events/date=YYYY-MM-DD/"),
    "paths.reference": (str, "folder with cells.csv, areas.csv and optional subscribers.csv"),
    "paths.lake": (str, "Delta Lake root; each table is <lake>/<table>"),
    "paths.reports": (str, "quality and analysis reports land here, one folder per date"),
    "paths.ground_truth": (str, "generator's ground truth (demo/evaluation only)"),
    "time.zone": (str, "IANA zone of local days and hours (METHOD 2)"),
    "tokenisation.period": (str, "token period; only 'month' is defined by METHOD 3.1"),
    "tokenisation.key_file": ("str?", "file holding the master key as hex (>= 32 bytes)"),
    "tokenisation.key_env": ("str?", "environment variable holding the master key as hex"),
    "tokenisation.create_key_if_missing": (
        bool,
        "create a random key file (mode 0600) on first use; local demo profile only",
    ),
    "ingest.max_lateness_days": (int, "late events accepted up to this many days before landing"),
    "ingest.input_format": (str, "landing file format: csv (csv.gz) or parquet"),
    "ingest.max_partition_bytes": (str, "input split size for landing files (e.g. 128m)"),
    "ingest.keep_rows": (
        str,
        "how ingest keeps its parsed rows for the counts and the writes: checkpoint (rows, "
        "faster; a lost executor fails the run) or cache (columnar; lost rows are recomputed)",
    ),
    "subscribers.home_mccs": ("list[str]", "MCCs of domestic subscribers; others are roamers"),
    "origins.level": (str, "origin granularity: area, district or region"),
    "origins.min_nights": (int, "nights at the modal area needed for a known home"),
    "origins.min_work_days": (
        int,
        "weekdays present in the modal daytime area needed for a work area (METHOD 5.3)",
    ),
    "presence.bridge_same_area_minutes": (
        int,
        "a gap between two events in one area up to this long is a stay there (METHOD 5.1)",
    ),
    "presence.bridge_other_area_minutes": (
        int,
        "a gap between events in two areas up to this long is split at its midpoint (5.1)",
    ),
    "presence.edge_minutes": (
        int,
        "otherwise each side of a gap (and before a first, after a last event) counts this long",
    ),
    "presence.stay_tokens_per_task": (
        int,
        "tokens whose events one task gathers in memory for their stays; past it the task sorts "
        "the rest (less memory, slower)",
    ),
    "presence.keep_rows": (
        str,
        "how presence keeps its hourly and daily rows for its four outputs: checkpoint (rows, "
        "faster; a lost executor fails the run) or cache (columnar; lost rows are recomputed)",
    ),
    "presence.dwell_bands_minutes": (
        "list[int]",
        "dwell band bounds in minutes (METHOD 5.3): [60, 180, 360] gives under_60 .. 360_plus",
    ),
    "release.privacy": (
        str,
        "k_anonymity (METHOD 7, the default) or dp (differential privacy, METHOD 7.1)",
    ),
    "release.k_min": (int, "minimum distinct subscribers behind any released value"),
    "release.rounding": (int, "released values are rounded half-up to a multiple of this"),
    "dp.mechanism": (str, "gaussian (discrete Gaussian, rho-zCDP) or laplace (discrete, pure DP)"),
    "dp.rho_per_day": (float, "zCDP budget of one subscriber-day's release (gaussian)"),
    "dp.epsilon_per_day": (float, "pure-DP budget of one subscriber-day's release (laplace)"),
    "dp.delta": (float, "delta of the (epsilon, delta) statement of a zCDP budget (ledger)"),
    "dp.hourly_share": (float, "share of the day's budget for the hourly table; rest: daily"),
    "dp.max_hour_cells": (int, "hourly (hour, area) cells kept per subscriber-day"),
    "dp.max_day_areas": (int, "daily areas kept per subscriber-day"),
    "dp.epsilon_weights": (float, "pure-DP budget of the noised residents per region, per period"),
    "dp.max_rho_per_period": (float, "a release over this cumulative rho in a period is blocked"),
    "dp.max_epsilon_per_period": (
        float,
        "a release over this cumulative epsilon in a period is blocked (laplace)",
    ),
    "dp.test_seed": ("int?", "tests only: seeded exact sampler instead of OpenDP; refused in prod"),
    "quality.max_quarantine_rate": (float, "critical: quarantined/rows_read must stay under"),
    "quality.min_coverage": (float, "critical: share of areas with a released daily value"),
    "quality.volume_tolerance": (
        float,
        "critical: |daily total / median of previous releases - 1| must stay under",
    ),
    "quality.volume_history": (int, "how many previous releases the volume check looks at"),
    "generate.subscribers": (int, "synthetic population's subscribers (before market share)"),
    "generate.days": (int, "days of events to generate"),
    "generate.start": ("date", "first generated day"),
    "generate.seed": (int, "seed: the same seed gives the same files"),
    "generate.regions": (int, "synthetic regions"),
    "generate.districts_per_region": (int, "districts per region"),
    "generate.areas_per_district": (int, "areas per district"),
    "generate.roamer_share": (float, "share of inbound roamers among subscribers"),
    "generate.fault_rate": (float, "rate of each injected quarantine fault"),
    "generate.duplicate_rate": (float, "rate of exact duplicate rows"),
    "generate.late_rate": (float, "share of events landing one to three days late"),
    "generate.intervention_area": ("str?", "area whose visits get an uplift (empty: none)"),
    "generate.intervention_date": ("date?", "first day of the uplift"),
    "generate.intervention_uplift": (float, "relative uplift of visits, e.g. 0.2"),
    "generate.files_per_day": (int, "CSV.gz files per landing day"),
    "run.production": (
        bool,
        "marks a production profile (conf/cluster.yaml): test-only settings are refused",
    ),
    "run.release": (bool, "footfall run ends each date with the release gate"),
    "run.batch_days": (
        int,
        "footfall run ingests (and computes presence for) up to this many consecutive days in "
        "one Spark pass: many amortise per-job costs on small data; 1 for national-scale days",
    ),
    "run.progress_seconds": (
        int,
        "log the running Spark stages (tasks done of all) this often during long work; 0: off",
    ),
    "run.write_threads": (
        int,
        "how many of a job's independent table writes (and the release's table reads) run at "
        "once, from threads of the driver; 1: one after the other",
    ),
}
# `spark.*` keys are free-form and passed to the SparkSession as they are (e.g. spark.master).
SPARK_PREFIX = "spark."


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


@dataclass(frozen=True)
class Config:
    """Validated configuration: flat dotted keys, plus the spark.* settings."""

    values: Mapping[str, Any]
    spark: Mapping[str, str]
    sources: tuple[str, ...]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def path(self, key: str) -> Path:
        """A `paths.*` value as an absolute Path."""
        return Path(self.values[f"paths.{key}"]).expanduser().resolve()

    def table(self, name: str) -> str:
        """Location of a Delta table under paths.lake."""
        return str(self.path("lake") / name)

    @property
    def zone(self) -> str:
        return self.values["time.zone"]

    def hash(self) -> str:
        """A stable hash of every value (spark settings excluded), recorded with releases."""
        blob = json.dumps({k: str(v) for k, v in sorted(self.values.items())}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def with_overrides(self, **overrides: Any) -> Config:
        """A copy with some dotted keys replaced (keys written with '__' for '.')."""
        values = dict(self.values)
        for k, v in overrides.items():
            values[k.replace("__", ".")] = v
        return Config(values=values, spark=self.spark, sources=self.sources)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UserError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise UserError(
            f"config file {path} is not valid YAML: {str(exc).splitlines()[0]}"
        ) from None
    if not isinstance(data, dict):
        raise UserError(f"config file {path} must hold a mapping of sections")
    return data


def load_config(conf: str | Path, overrides: Iterable[str] = ()) -> Config:
    """Load base.yaml (beside the profile), the profile itself, then --set KEY=VALUE overrides."""
    profile = Path(conf)
    layers: list[tuple[str, dict[str, Any]]] = []
    base = profile.parent / "base.yaml"
    if profile.name != "base.yaml" and base.is_file():
        layers.append((str(base), _flatten(_read_yaml(base))))
    layers.append((str(profile), _flatten(_read_yaml(profile))))
    sets: dict[str, Any] = {}
    for item in overrides:
        if "=" not in item:
            raise UserError(f"--set {item!r}: expected KEY=VALUE, e.g. --set release.k_min=20")
        key, value = item.split("=", 1)
        sets[key.strip()] = value
    layers.append(("--set", sets))

    values: dict[str, Any] = {}
    spark: dict[str, str] = {}
    for source, flat in layers:
        for key, value in flat.items():
            if key.startswith(SPARK_PREFIX):
                spark[key] = str(value).lower() if isinstance(value, bool) else str(value)
                continue
            if key not in SPEC:
                raise UserError(
                    f"unknown config key {key!r} in {source}; see README 'Configuration'"
                )
            values[key] = coerce(key, SPEC[key][0], value, source)
    missing = [k for k in SPEC if k not in values]
    if missing:
        raise UserError(
            f"config keys missing: {', '.join(missing)} (is conf/base.yaml beside {profile}?)"
        )
    cfg = Config(values=values, spark=spark, sources=tuple(s for s, _ in layers))
    validate(cfg)
    return cfg


def parse_date(text: str, what: str = "--date") -> dt.date:
    """A YYYY-MM-DD argument, or a UserError that says so."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{what} {text!r}: expected YYYY-MM-DD") from None


def parse_period(text: str) -> str:
    """A YYYY-MM argument, or a UserError that says so."""
    try:
        dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise UserError(f"--period {text!r}: expected YYYY-MM") from None
    if len(text) != 7:
        raise UserError(f"--period {text!r}: expected YYYY-MM")
    return text
