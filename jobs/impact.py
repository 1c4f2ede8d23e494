"""spark-submit entry point: `spark-submit jobs/impact.py --conf conf/cluster.yaml ...` = `footfall impact`."""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["impact", *sys.argv[1:]]))
