"""spark-submit entry point: `spark-submit jobs/release.py --conf conf/cluster.yaml ...` = `footfall release`."""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["release", *sys.argv[1:]]))
