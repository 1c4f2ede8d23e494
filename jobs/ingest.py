"""spark-submit entry point, the same as `footfall ingest`:

spark-submit jobs/ingest.py --conf conf/cluster.yaml ...
"""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
