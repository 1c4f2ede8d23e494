"""spark-submit entry point, the same as `footfall presence`:

spark-submit jobs/presence.py --conf conf/cluster.yaml ...
"""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["presence", *sys.argv[1:]]))
