"""What looks like a raw identifier, and how it is shown instead (METHOD 3: no IMSI, MSISDN or
IMEI is ever written, logged or shown).

One rule for every place: a run of at least 10 digits, spaces allowed inside and a `+` before,
could be an IMSI (15 digits), an MSISDN or an IMEI (14 to 16). A table field that is such a run
is replaced by its shape (`digits:15`); a message or log line has each run masked
(`<digits:15>`). A value's shape never carries the value.
"""

from __future__ import annotations

import re

from pyspark.sql import Column
from pyspark.sql import functions as F

IDENTIFIER_RUN = r"(?:\+ *)?[0-9][0-9 ]{8,}[0-9]"
_RUN = re.compile(IDENTIFIER_RUN)
_EPOCH_MS = r"^[0-9]{13}$"  # an epoch-millisecond time: plausible as a time, kept readable


def shape(col: Column) -> Column:
    """A value's shape, never the value: empty, digits:N, plus_digits:N or chars:N."""
    return (
        F.when(col.isNull() | (col == ""), F.lit("empty"))
        .when(col.rlike(r"^[0-9]+$"), F.concat(F.lit("digits:"), F.length(col)))
        .when(col.rlike(r"^\+[0-9]+$"), F.concat(F.lit("plus_digits:"), F.length(col) - 1))
        .otherwise(F.concat(F.lit("chars:"), F.length(col)))
    )


def scrubbed(col: Column, is_time: bool = False) -> Column:
    """A (trimmed) text field as it is, or only its shape when it looks like an identifier."""
    looks_like_id = col.rlike(f"^{IDENTIFIER_RUN}$")
    if is_time:  # a 13-digit epoch-ms time is plausible and stays readable
        looks_like_id = looks_like_id & ~col.rlike(_EPOCH_MS)
    return F.when(looks_like_id, shape(col)).otherwise(col)


def scrub(text: str) -> str:
    """Mask digit runs that could be an IMSI, MSISDN or IMEI before a message is shown or logged."""
    return _RUN.sub(lambda m: f"<digits:{sum(c.isdigit() for c in m.group())}>", text)
