"""A fresh release driver imports Great Expectations and matplotlib in the background while it
reads its candidates (`gate.suites.prefetch_imports`)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from footfall.gate.suites import prefetch_imports
before = "great_expectations" in sys.modules, "matplotlib.pyplot" in sys.modules
prefetch_imports().join()
import matplotlib
after = "great_expectations" in sys.modules, "matplotlib.pyplot" in sys.modules
print(before, after, matplotlib.get_backend().lower())
"""


def test_the_prefetch_imports_the_gate_and_chart_modules_in_a_fresh_interpreter(tmp_path):
    script = tmp_path / "probe.py"  # a file: `python -c` makes pyspark think doctests run
    script.write_text(PROBE)
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    ).stdout.split("\n")[-2]
    assert out == "(False, False) (True, True) agg"
