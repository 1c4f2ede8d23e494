"""spark-submit entry point, the same as `footfall run`:

spark-submit jobs/run.py --conf conf/cluster.yaml ...
"""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
