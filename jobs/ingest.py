"""spark-submit entry point: `spark-submit jobs/ingest.py --conf conf/cluster.yaml ...` = `footfall ingest`."""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
