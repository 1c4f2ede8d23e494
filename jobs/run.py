"""spark-submit entry point: `spark-submit jobs/run.py --conf conf/cluster.yaml ...` = `footfall run`."""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
