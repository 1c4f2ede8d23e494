"""The Java runtime of a driver that Python starts (local mode: the demo, the tests, the bench).

Spark 4.2 runs on Java 17, 21 and 25; on 25 from 25.0.3 (earlier updates have a G1 bug that can
corrupt data: JDK-8377811, SPARK-56843). The same jobs wrote the same tables on Java 17 and 25
here, and on 25 took less CPU (bench/README.md, twenty-sixth pass). So when JAVA_HOME is not set,
a driver started from Python runs on the newest supported runtime installed where JDKs live
(`ROOTS`), else on the `java` on PATH as before; a JAVA_HOME that is set is always obeyed. A
driver under spark-submit is already running: its Java is the platform's choice
(docs/cluster.md).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

log = logging.getLogger(__name__)

ROOTS = (Path("/usr/lib/jvm"),)  # where Debian's, Ubuntu's and Red Hat's packages put JDKs
# (feature version, the first supported update): Spark 4.2's documented runtimes
SUPPORTED = {17: (17, 0, 11), 21: (21, 0, 0), 25: (25, 0, 3)}
_VERSION = re.compile(r'^JAVA_VERSION="(\d+)(?:\.(\d+))?(?:\.(\d+))?')


def version(home: Path) -> tuple[int, int, int] | None:
    """The runtime's version from its `release` file, None when it has none (not a JDK home)."""
    try:
        lines = (home / "release").read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        found = _VERSION.match(line)
        if found:
            return tuple(int(part or 0) for part in found.groups())  # type: ignore[return-value]
    return None


def supported(found: tuple[int, int, int]) -> bool:
    """True for a runtime Spark 4.2 supports (`SUPPORTED`)."""
    first = SUPPORTED.get(found[0])
    return first is not None and found >= first


def newest(roots: tuple[Path, ...] = ROOTS) -> Path | None:
    """The home of the newest supported runtime with a `bin/java` under roots, or None."""
    homes = {}
    for root in roots:
        if root.is_dir():
            for home in root.iterdir():
                found = version(home)
                if found and supported(found) and (home / "bin" / "java").is_file():
                    homes.setdefault(home.resolve(), found)
    if not homes:
        return None
    return max(homes, key=lambda home: (homes[home], str(home)))


def choose(roots: tuple[Path, ...] = ROOTS) -> Path | None:
    """Set JAVA_HOME to `newest` when it is not set (Spark's launcher and the class archive read
    it); the home now in JAVA_HOME, or None (the `java` on PATH)."""
    given = os.environ.get("JAVA_HOME")
    if given:
        return Path(given)
    home = newest(roots)
    if home is not None:
        os.environ["JAVA_HOME"] = str(home)
        log.info("driver JVM: Java %s at %s (set JAVA_HOME to choose another)",
                 ".".join(map(str, version(home) or ())), home)  # fmt: skip
    return home
