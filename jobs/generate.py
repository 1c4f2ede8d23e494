"""spark-submit entry point: `spark-submit jobs/generate.py --conf conf/cluster.yaml ...` = `footfall generate`."""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["generate", *sys.argv[1:]]))
