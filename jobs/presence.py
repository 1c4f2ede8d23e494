"""spark-submit entry point: `spark-submit jobs/presence.py --conf conf/cluster.yaml ...` = `footfall presence`."""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["presence", *sys.argv[1:]]))
