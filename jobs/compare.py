"""spark-submit entry point: `spark-submit jobs/compare.py --conf conf/cluster.yaml ...` = `footfall compare`."""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["compare", *sys.argv[1:]]))
