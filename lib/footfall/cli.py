"""The `footfall` command (METHOD section 10): one subcommand per job, exit codes 0/1/2/3.

Each subcommand parses its arguments, loads and validates the config, loads the token key when
it needs one, and only then builds the SparkSession and calls one `run_<job>` function (the
subcommands themselves: footfall.commands).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from typing import Any

from footfall import __version__
from footfall.commands import COMMANDS
from footfall.core.config import load_config
from footfall.core.errors import FootfallError
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
    _impact_arguments(p)
    return parser


def _impact_arguments(p: argparse.ArgumentParser) -> None:
    """`impact`'s area, date, controls and window, and what it measures (--class or --dwell)."""
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


def _setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("py4j", "great_expectations", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


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
