"""spark-submit entry point, the same as `footfall release`:

spark-submit jobs/release.py --conf conf/cluster.yaml ...
"""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["release", *sys.argv[1:]]))
