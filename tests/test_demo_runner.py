"""`python -m footfall.demo` (make demo): the five footfall commands, in order, each one the CLI
accepts as it stands (no Spark: argument parsing only)."""

from __future__ import annotations

import argparse

from footfall import cli, demo


def test_demo_runs_the_five_commands_in_order_with_arguments_the_cli_accepts():
    args = argparse.Namespace(
        conf="conf/local.yaml",
        date_from="2026-03-16",
        date_to="2026-03-29",
        compare="A0111,A0108",
        area="A0111",
        intervention="2026-03-23",
    )
    lines = demo.commands(args)
    assert [c[0] for c in lines] == ["generate", "run", "evaluate", "compare", "impact"]
    parser = cli.build_parser()
    parsed = [parser.parse_args(c) for c in lines]
    assert parsed[3].areas == "A0111,A0108"
    assert (parsed[4].area, parsed[4].date) == ("A0111", "2026-03-23")
