"""spark-submit entry point, the same as `footfall impact`:

spark-submit jobs/impact.py --conf conf/cluster.yaml ...
"""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["impact", *sys.argv[1:]]))
