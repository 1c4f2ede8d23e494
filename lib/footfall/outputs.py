"""Print where the demo's tables and reports are (no Spark needed): `python -m footfall.outputs`."""

from __future__ import annotations

import argparse
import sys

from footfall.core.config import load_config
from footfall.core.tables import ALL


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="List footfall's Delta tables and reports.")
    parser.add_argument("--conf", default="conf/local.yaml")
    args = parser.parse_args(argv)
    cfg = load_config(args.conf)
    lake, reports = cfg.path("lake"), cfg.path("reports")
    print("\nfootfall outputs")
    print(f"  Delta tables under {lake}:")
    for name in ALL:
        path = lake / name
        state = "ok" if (path / "_delta_log").is_dir() else "absent"
        print(f"    {name:36s} {state}")
    print(f"  Reports under {reports}:")
    for page in sorted(reports.glob("**/index.html")) + sorted(reports.glob("evaluation/*.md")):
        print(f"    {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
