"""The rules a config value must meet: its declared type (`coerce`) and the value checks
beyond types (`validate`); each failure is a UserError (exit 2) naming the key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from footfall.core.errors import UserError

if TYPE_CHECKING:
    from footfall.core.config import Config

ORIGIN_LEVELS = ("area", "district", "region")
PRIVACY_MODES = ("k_anonymity", "dp")
DP_MECHANISMS = ("gaussian", "laplace")
# ingest.keep_rows, presence.keep_rows (footfall.runtime.kept_rows)
KEEP_ROWS = ("checkpoint", "cache")
MAX_STAY_MINUTES = 1440


NON_NEGATIVE = (
    "ingest.max_lateness_days",
    "origins.min_nights",
    "origins.min_work_days",
    "quality.volume_history",
    "run.progress_seconds",
)
POSITIVE = (
    "presence.stay_tokens_per_task",
    "release.k_min",
    "release.rounding",
    "generate.subscribers",
    "generate.days",
    "run.batch_days",
    "run.write_threads",
)


def coerce(key: str, kind: Any, value: Any, source: str) -> Any:
    """Check (and for --set strings, parse) one value against its declared type."""
    bad = UserError(
        f"config {key}: expected {getattr(kind, '__name__', kind)}, got {value!r} ({source})"
    )
    if value is None:
        if isinstance(kind, str) and kind.endswith("?"):
            return None
        raise bad
    if isinstance(kind, str) and kind.endswith("?"):
        kind = kind[:-1]
        kind = {"str": str, "int": int}.get(kind, kind)
        if value == "":
            return None
    from_text = isinstance(value, str) and source.startswith("--set")
    if kind in (bool, int, float, str):
        return _scalar(kind, value, from_text, bad)
    if kind == "date":
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise bad from None
    if kind in ("list[int]", "list[str]"):
        return _list(kind, value, from_text, bad)
    raise bad


def _scalar(kind: type, value: Any, from_text: bool, bad: UserError) -> Any:
    """A bool, int, float or str value (text from --set is parsed, YAML's must be one already)."""
    if kind is bool:
        if from_text and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if isinstance(value, bool):
            return value
        raise bad
    if kind is int:
        if from_text:
            try:
                return int(value)
            except ValueError:
                raise bad from None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise bad
    if kind is float:
        if from_text:
            try:
                return float(value)
            except ValueError:
                raise bad from None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise bad
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise bad


def _list(kind: str, value: Any, from_text: bool, bad: UserError) -> list:
    """A list[int] or list[str] value (from --set: comma-separated)."""
    if from_text:
        value = [v.strip() for v in value.split(",") if v.strip()]
    if kind == "list[int]":
        try:
            if isinstance(value, list) and all(not isinstance(v, bool) for v in value):
                return [int(v) for v in value]
        except (TypeError, ValueError):
            pass
        raise bad
    if isinstance(value, list):
        return [str(v) for v in value]
    raise bad


def validate(cfg: Config) -> None:
    """Value checks beyond types; each failure names the key and what to set."""
    v = cfg.values
    try:
        ZoneInfo(v["time.zone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(
            f"time.zone {v['time.zone']!r} is not an IANA zone (e.g. Europe/London)"
        ) from None
    if v["tokenisation.period"] != "month":
        raise UserError("tokenisation.period must be 'month' (METHOD 3.1)")
    if not v["tokenisation.key_file"] and not v["tokenisation.key_env"]:
        raise UserError(
            "set tokenisation.key_file or tokenisation.key_env to provide the token key"
        )
    if v["origins.level"] not in ORIGIN_LEVELS:
        raise UserError(f"origins.level must be one of {', '.join(ORIGIN_LEVELS)}")
    if v["ingest.input_format"] not in ("csv", "parquet"):
        raise UserError("ingest.input_format must be csv or parquet")
    for key in ("ingest.keep_rows", "presence.keep_rows"):
        if v[key] not in KEEP_ROWS:
            raise UserError(f"{key} must be one of {', '.join(KEEP_ROWS)}")
    lowest = {key: 0 for key in NON_NEGATIVE} | {key: 1 for key in POSITIVE}
    for key, low in lowest.items():
        if v[key] < low:
            raise UserError(f"{key} must be >= {low}")
    for key in (
        "presence.bridge_same_area_minutes",
        "presence.bridge_other_area_minutes",
        "presence.edge_minutes",
    ):
        # presence of a date reads the events of the dates next to it: no stay may reach further
        if not 0 <= v[key] <= MAX_STAY_MINUTES:
            raise UserError(f"{key} must be between 0 and {MAX_STAY_MINUTES} (one day)")
    bands = v["presence.dwell_bands_minutes"]
    if not bands or any(b < 1 for b in bands) or bands != sorted(set(bands)):
        raise UserError(
            "presence.dwell_bands_minutes must be increasing positive minutes, e.g. [60, 180, 360]"
        )
    for key in ("quality.max_quarantine_rate", "quality.min_coverage", "generate.fault_rate"):
        if not 0 <= v[key] <= 1:
            raise UserError(f"{key} must be between 0 and 1")
    _validate_dp(v)
    if not v["subscribers.home_mccs"] or any(
        len(m) != 3 or not m.isdigit() for m in v["subscribers.home_mccs"]
    ):
        raise UserError("subscribers.home_mccs must be a list of 3-digit MCCs, e.g. ['234', '235']")


def _validate_dp(v: Mapping[str, Any]) -> None:
    """METHOD 7.1: the privacy mode, mechanism, positive budgets, shares in (0, 1), bounds."""
    if v["release.privacy"] not in PRIVACY_MODES:
        raise UserError(f"release.privacy must be one of {', '.join(PRIVACY_MODES)}")
    if v["dp.mechanism"] not in DP_MECHANISMS:
        raise UserError(f"dp.mechanism must be one of {', '.join(DP_MECHANISMS)}")
    for key in (
        "dp.rho_per_day",
        "dp.epsilon_per_day",
        "dp.epsilon_weights",
        "dp.max_rho_per_period",
        "dp.max_epsilon_per_period",
    ):
        if not v[key] > 0:
            raise UserError(f"{key} must be a positive budget")
    for key in ("dp.hourly_share", "dp.delta"):
        if not 0 < v[key] < 1:
            raise UserError(f"{key} must be between 0 and 1 (both excluded)")
    for key in ("dp.max_hour_cells", "dp.max_day_areas"):
        if v[key] < 1:
            raise UserError(f"{key} must be >= 1")
    if v["dp.test_seed"] is not None and v["run.production"]:
        raise UserError(
            "dp.test_seed is for tests only and is refused in a production profile "
            "(run.production: true): remove dp.test_seed"
        )
