"""What each `footfall` subcommand does once its arguments parse (METHOD section 10).

One `cmd_<name>` per subcommand, in `COMMANDS`: check what argparse cannot (dates, ranges, lists),
load the token key when it needs one, and only then build the SparkSession and call one
`run_<job>` function; ingest, presence and release do a range of days in passes of
run.batch_days days.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from footfall.core.config import Config, parse_date, parse_period
from footfall.core.errors import UserError


def _key(cfg: Config) -> bytes:
    from footfall.privacy.tokens import load_master_key

    return load_master_key(
        cfg["tokenisation.key_file"],
        cfg["tokenisation.key_env"],
        create=cfg["tokenisation.create_key_if_missing"],
    )


def _spark(cfg: Config, job: str | None = None):
    """The session; a driver started for one job gets that job's JVM options (job_settings)."""
    from footfall.runtime import progress
    from footfall.runtime.session import build_spark, job_settings

    spark = build_spark(job_settings(job, cfg.spark))
    progress.start(spark, cfg["run.progress_seconds"])
    return spark


def _range(a: str, b: str) -> tuple[dt.date, dt.date]:
    d1, d2 = parse_date(a, "--from"), parse_date(b, "--to")
    if d2 < d1:
        raise UserError(f"--to {b} is before --from {a}")
    return d1, d2


def cmd_generate(args: argparse.Namespace, cfg: Config) -> Any:
    from footfall.synthetic.generate import run_generate

    out = Path(args.out) if args.out else cfg.path("landing").parent
    start = parse_date(args.start, "--start") if args.start else cfg["generate.start"]
    return run_generate(
        _spark(cfg),
        cfg,
        out=out,
        subscribers=args.subscribers or cfg["generate.subscribers"],
        days=args.days or cfg["generate.days"],
        start=start,
        seed=cfg["generate.seed"] if args.seed is None else args.seed,
    )


def _days(args: argparse.Namespace) -> list[dt.date]:
    """--date, or every day of --from .. --to."""
    if args.date:
        if args.date_to:
            raise UserError("--to goes with --from, not with --date")
        return [parse_date(args.date)]
    if not args.date_to:
        raise UserError("--from needs --to")
    from footfall.core.calendar import dates_between

    return dates_between(*_range(args.date_from, args.date_to))


def _totals(summaries: list[dict]) -> dict:
    """One summary for a range: the single day's, or the per-day figures summed."""
    if len(summaries) == 1:
        return summaries[0]
    out: dict[str, Any] = {"days": len(summaries)}
    for s in summaries:
        for k, v in s.items():
            if isinstance(v, int) and not k.endswith("_version"):
                out[k] = out.get(k, 0) + v
    return out


def cmd_ingest(args: argparse.Namespace, cfg: Config) -> Any:
    days = _days(args)
    key = _key(cfg)
    from footfall.core.calendar import batches
    from footfall.stages.ingest_job import run_ingest_days

    spark = _spark(cfg)
    summaries = []
    for batch in batches(days, cfg["run.batch_days"]):
        summaries += [s.as_dict() for s in run_ingest_days(spark, cfg, batch, key)]
    return _totals(summaries)


def cmd_origins(args: argparse.Namespace, cfg: Config) -> Any:
    from footfall.stages.origins import run_origins

    return run_origins(_spark(cfg), cfg, parse_period(args.period))


def cmd_presence(args: argparse.Namespace, cfg: Config) -> Any:
    days = _days(args)
    from footfall.core.calendar import batches
    from footfall.stages.presence import run_presence_days

    spark = _spark(cfg)
    summaries = []
    for batch in batches(days, cfg["run.batch_days"], by_period=True):
        summaries += run_presence_days(spark, cfg, batch)
    return _totals(summaries)


def cmd_release(args: argparse.Namespace, cfg: Config) -> Any:
    days = _days(args)
    from footfall.core.calendar import batches
    from footfall.gate.release import raise_blocked, run_release_days

    spark = _spark(cfg, "release")
    summaries = []
    for batch in batches(days, cfg["run.batch_days"]):  # a blocked date blocks only itself
        summaries += run_release_days(spark, cfg, batch)
    raise_blocked(summaries)  # exit 3 at the end if any date was blocked
    return _totals(summaries)


def cmd_run(args: argparse.Namespace, cfg: Config) -> Any:
    d1, d2 = _range(args.date_from, args.date_to)
    key = _key(cfg)
    from footfall.pipeline import run_range

    return run_range(_spark(cfg), cfg, d1, d2, key)


def cmd_evaluate(args: argparse.Namespace, cfg: Config) -> Any:
    d1, d2 = _range(args.date_from, args.date_to)
    key = _key(cfg)  # to token the ground truth's IMSIs the way ingest did
    from footfall.synthetic.evaluate import run_evaluate

    return run_evaluate(_spark(cfg), cfg, d1, d2, key)


def cmd_compare(args: argparse.Namespace, cfg: Config) -> Any:
    from footfall.analysis.jobs import run_compare

    d1, d2 = _range(args.date_from, args.date_to)
    areas = [a.strip() for a in args.areas.split(",") if a.strip()]
    if not areas:
        raise UserError("--areas needs at least one area id")
    return run_compare(_spark(cfg), cfg, areas, d1, d2)


def cmd_impact(args: argparse.Namespace, cfg: Config) -> Any:
    from footfall.analysis.impact_job import impact_measure, run_impact

    controls = None if args.controls == "auto" else [a.strip() for a in args.controls.split(",")]
    if args.before < 2 or args.after < 1:
        raise UserError("--before must be >= 2 and --after >= 1")
    dwell = None if args.dwell is None else [b.strip() for b in args.dwell.split(",") if b.strip()]
    impact_measure(cfg, args.visitor_class, dwell)  # a bad class or band: exit 2 before Spark
    return run_impact(
        _spark(cfg),
        cfg,
        args.area,
        parse_date(args.date),
        controls,
        args.before,
        args.after,
        visitor_class=args.visitor_class,
        dwell=dwell,
    )


COMMANDS: dict[str, Callable[[argparse.Namespace, Config], Any]] = {
    "generate": cmd_generate,
    "ingest": cmd_ingest,
    "origins": cmd_origins,
    "presence": cmd_presence,
    "release": cmd_release,
    "run": cmd_run,
    "evaluate": cmd_evaluate,
    "compare": cmd_compare,
    "impact": cmd_impact,
}
