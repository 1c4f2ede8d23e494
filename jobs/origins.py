"""spark-submit entry point, the same as `footfall origins`:

spark-submit jobs/origins.py --conf conf/cluster.yaml ...
"""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["origins", *sys.argv[1:]]))
