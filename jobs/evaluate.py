"""spark-submit entry point, the same as `footfall evaluate`:

spark-submit jobs/evaluate.py --conf conf/cluster.yaml ...
"""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["evaluate", *sys.argv[1:]]))
