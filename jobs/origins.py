"""spark-submit entry point: `spark-submit jobs/origins.py --conf conf/cluster.yaml ...` = `footfall origins`."""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["origins", *sys.argv[1:]]))
