"""`make demo`'s footfall commands in one driver: `python -m footfall.demo`.

Runs generate, run, evaluate, compare and impact through `footfall.cli.main`, exactly the code
and exit codes of the `footfall` commands, but in one Python process, so they share one Spark
driver JVM instead of starting five (each start is about 8 s of a demo that should take minutes).
Stops at the first command that fails, except evaluate, whose failure is reported and skipped
(as `make demo` always did: the accuracy figures are a bonus of synthetic data).
"""

from __future__ import annotations

import argparse
import sys

from footfall import cli

OPTIONAL = {"evaluate"}


def commands(args: argparse.Namespace) -> list[list[str]]:
    """The demo's footfall command lines, in order."""
    conf = ["--conf", args.conf]
    span = ["--from", args.date_from, "--to", args.date_to]
    return [
        ["generate", *conf],
        ["run", *conf, *span],
        ["evaluate", *conf, *span],
        ["compare", *conf, "--areas", args.compare, *span],
        ["impact", *conf, "--area", args.area, "--date", args.intervention],
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--conf", default="conf/local.yaml")
    p.add_argument("--from", dest="date_from", default="2026-03-16")
    p.add_argument("--to", dest="date_to", default="2026-03-29")
    p.add_argument("--compare", default="A0111,A0108,A0302", help="areas of the compare report")
    p.add_argument("--area", default="A0111", help="area of the impact report")
    p.add_argument("--intervention", default="2026-03-23", help="date of the impact report")
    args = p.parse_args(argv)
    for command in commands(args):
        print(f"\n$ footfall {' '.join(command)}", flush=True)
        rc = cli.main(command)
        if rc != 0 and command[0] not in OPTIONAL:
            return rc
        if rc != 0:
            print(f"footfall {command[0]} exited {rc}; the demo goes on", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
