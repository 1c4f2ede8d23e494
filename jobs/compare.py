"""spark-submit entry point, the same as `footfall compare`:

spark-submit jobs/compare.py --conf conf/cluster.yaml ...
"""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["compare", *sys.argv[1:]]))
