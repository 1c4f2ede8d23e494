"""spark-submit entry point, the same as `footfall generate`:

spark-submit jobs/generate.py --conf conf/cluster.yaml ...
"""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main(["generate", *sys.argv[1:]]))
