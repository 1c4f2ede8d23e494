"""spark-submit entry point: `spark-submit jobs/evaluate.py --conf conf/cluster.yaml ...` = `footfall evaluate`."""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["evaluate", *sys.argv[1:]]))
