"""The `footfall` command (METHOD section 10): one subcommand per job, exit codes 0/1/2/3.

Each subcommand parses its arguments, loads and validates the config, loads the token key when
it needs one, and only then builds the SparkSession and calls one `run_<job>` function.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from footfall import __version__
from footfall.core.config import Config, load_config, parse_date, parse_period
from footfall.core.errors import FootfallError, UserError
from footfall.privacy.identifiers import scrub

log = logging.getLogger("footfall")

EPILOG = "Exit codes: 0 done; 1 failure; 2 bad arguments, config or missing key; 3 release blocked."


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--conf",
        default="conf/local.yaml",
        help="profile YAML, overlaid on base.yaml beside it (default: conf/local.yaml)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a dotted config key, e.g. --set release.k_min=20 (repeatable)",
    )


def _day_or_range(p: argparse.ArgumentParser, what: str) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--date", help=f"{what} YYYY-MM-DD")
    g.add_argument(
        "--from",
        dest="date_from",
        help=f"first {what} of a range (with --to), done in passes of run.batch_days days",
    )
    p.add_argument("--to", dest="date_to", help=f"last {what} of the range")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="footfall",
        description="Anonymised origin-presence statistics from mobile network events.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"footfall {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_, epilog=EPILOG)
        _common(p)
        return p

    p = add("generate", "Write synthetic landing data, reference files and ground truth.")
    p.add_argument("--out", help="output root (default: the parent of paths.landing)")
    p.add_argument("--subscribers", type=int, help="synthetic people (generate.subscribers)")
    p.add_argument("--days", type=int, help="days of events (generate.days)")
    p.add_argument("--start", help="first day YYYY-MM-DD (generate.start)")
    p.add_argument("--seed", type=int, help="random seed (generate.seed)")

    p = add("ingest", "Validate, tokenise and partition a landing day (METHOD 3).")
    _day_or_range(p, "landing day")

    p = add("origins", "Detect homes for one period and write the origins table (METHOD 4).")
    p.add_argument("--period", required=True, help="period YYYY-MM")

    p = add("presence", "Write audit and candidate origin-presence tables for a date (METHOD 5-7).")
    _day_or_range(p, "local date")

    p = add("release", "Run the quality gate for dates, then publish or block (METHOD 8-9).")
    _day_or_range(p, "local date")

    p = add("run", "Ingest, origins, presence and release for a date range, in order.")
    p.add_argument("--from", dest="date_from", required=True, help="first date YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, help="last date YYYY-MM-DD")

    p = add("evaluate", "Compare detected homes and released visitors with the ground truth.")
    p.add_argument("--from", dest="date_from", required=True, help="first date YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, help="last date YYYY-MM-DD")

    p = add("compare", "Compare areas side by side from the released tables (report).")
    p.add_argument("--areas", required=True, help="comma-separated area ids")
    p.add_argument("--from", dest="date_from", required=True, help="first date YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, help="last date YYYY-MM-DD")

    p = add("impact", "Difference-in-differences estimate of a change in an area's visitors.")
    p.add_argument("--area", required=True, help="treated area id")
    p.add_argument("--date", required=True, help="first day of the intervention YYYY-MM-DD")
    p.add_argument("--controls", default="auto", help="auto, or comma-separated area ids")
    p.add_argument("--before", type=int, default=7, help="days before the date (default 7)")
    p.add_argument("--after", type=int, default=7, help="days from the date on (default 7)")
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--class",
        dest="visitor_class",
        help="the effect on one visitor class (visitor_class_daily)",
    )
    what.add_argument(
        "--dwell", help="comma-separated dwell bands: the effect on their share (dwell_daily)"
    )
    return parser


def _setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("py4j", "great_expectations", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _key(cfg: Config) -> bytes:
    from footfall.privacy.tokens import load_master_key

    return load_master_key(
        cfg["tokenisation.key_file"],
        cfg["tokenisation.key_env"],
        create=cfg["tokenisation.create_key_if_missing"],
    )


def _spark(cfg: Config):
    from footfall.runtime import progress
    from footfall.runtime.session import build_spark

    spark = build_spark(cfg.spark)
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

    spark = _spark(cfg)
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
    from footfall.analysis.jobs import impact_measure, run_impact

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


def _cause(exc: Exception) -> str:
    """The first line of an error's deepest cause: for a Py4J error, the JVM exception's root
    (its top line is only "An error occurred while calling o123.save")."""
    text = str(exc)
    java = getattr(exc, "java_exception", None)
    try:
        depth = 0
        while java is not None and depth < 20:
            text, java, depth = str(java.toString()), java.getCause(), depth + 1
    except Exception:  # the JVM is gone: keep what we have
        pass
    text = text.strip()
    return text.splitlines()[0] if text else type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `footfall` and of every jobs/*.py file; returns the exit code."""
    _setup_logging()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 on bad arguments, 0 on --help
        return int(exc.code or 0)
    started = time.monotonic()
    try:
        cfg = load_config(args.conf, args.overrides)
        result = COMMANDS[args.command](args, cfg)
    except FootfallError as exc:
        print(f"footfall {args.command}: {scrub(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a Py4J/Spark error: one line (its root cause), scrubbed
        print(
            f"footfall {args.command}: failed: {type(exc).__name__}: {scrub(_cause(exc)[:500])}",
            file=sys.stderr,
        )
        log.debug("%s", scrub(str(exc)))
        return 1
    log.info("%s finished in %.1f s", args.command, time.monotonic() - started)
    if result is not None:
        print(_summary(result))
    return 0


def _summary(result: Any) -> str:
    if isinstance(result, dict):
        return "\n".join(f"{k}: {v}" for k, v in result.items())
    return str(result)


if __name__ == "__main__":
    sys.exit(main())
