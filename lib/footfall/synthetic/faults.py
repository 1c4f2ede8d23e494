"""Injected faults: landing rows for every METHOD 3 quarantine reason, and exact duplicates.

Each landing row draws one kind: `ok`, one of the six quarantine reasons (each at
`generate.fault_rate`) or `duplicate` (at `generate.duplicate_rate`, written twice). A faulty
row is broken in exactly the way its reason names, and in no earlier reason's way, so ingest's
first-applicable-reason rule (METHOD 3) must quarantine it under that reason; faults.json counts
them per landing day for the exam.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pyspark.sql import Column
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.synthetic.draws import pick
from footfall.synthetic.world import OPERATOR, CellPlan

BAD_EVENT_TYPES = ("SMS_IN", "fax", "Data", "call", "mms_out")
UNKNOWN_LAC = 9999  # no cell of cells.csv has this LAC
DUPLICATE = "duplicate"
KINDS = (*C.QUARANTINE_REASONS, DUPLICATE)


@dataclass(frozen=True)
class FaultRates:
    """The generate.* rates of injected faults and late arrivals (faults.json "rates")."""

    fault_rate: float  # of each quarantine reason
    duplicate_rate: float
    late_rate: float  # landing one to max_late days after the event's date


def fault_kind(u: Column, rates: FaultRates) -> Column:
    """`ok` or the kind of fault of a row: consecutive ranges of u, one per kind."""
    kind = F.lit("ok")
    n_reasons = len(C.QUARANTINE_REASONS)
    for i, name in reversed(list(enumerate(KINDS))):
        edge = (
            (i + 1) * rates.fault_rate
            if name != DUPLICATE
            else n_reasons * rates.fault_rate + rates.duplicate_rate
        )
        kind = F.when(u < edge, F.lit(name)).otherwise(kind)
    return kind


def invalid_cell(plan: CellPlan, start: dt.date) -> Column:
    """A real cell id that is not valid on the event's date (column `day`): a new cell before
    the network change, a decommissioned one from it on."""
    change_idx = (plan.change_date - start).days
    return F.when(F.col("day") < change_idx, F.lit(plan.new[0])).otherwise(
        F.lit(plan.decommissioned[0])
    )


# The functions below read a landing row's columns: kind, uv (a uniform choosing the variant of
# a fault), imsi, wall, time_text, _t (epoch ms), lag, etype, cell_id, pid.


def _is(kind: str) -> Column:
    return F.col("kind") == kind


def faulty_imsi() -> Column:
    """bad_imsi: 14 digits, or letters in it; otherwise the IMSI."""
    uv = F.col("uv")
    return (
        F.when(_is("bad_imsi") & (uv < 0.5), F.substring("imsi", 1, 14))
        .when(_is("bad_imsi"), F.concat(F.substring("imsi", 1, 12), F.lit("A7B")))
        .otherwise(F.col("imsi"))
    )


def faulty_time(max_late: int) -> Column:
    """bad_time: no offset, not a time, or empty; out_of_window: after the landing day or more
    than max_late days before it; otherwise the event's time text."""
    uv = F.col("uv")
    day_ms = F.lit(86_400_000)
    # shifts by whole days with a day's margin either side, so a DST hour cannot undo them
    future = F.col("_t") + (F.col("lag") + 2 + F.floor(uv * 6)) * day_ms
    past = F.col("_t") - (max_late + 2 + F.floor(uv * 6)) * day_ms
    return (
        F.when(_is("bad_time") & (uv < 0.4), F.col("wall"))  # ISO without offset: ambiguous
        .when(_is("bad_time") & (uv < 0.7), F.lit("not-a-time"))
        .when(_is("bad_time"), F.lit(""))
        .when(_is("out_of_window") & (uv < 0.5), future.cast("string"))
        .when(_is("out_of_window"), past.cast("string"))
        .otherwise(F.col("time_text"))
    )


def faulty_event_type() -> Column:
    """bad_event_type: a near miss (wrong case, unknown type); otherwise the event type."""
    return F.when(_is("bad_event_type"), pick(BAD_EVENT_TYPES, F.col("uv"))).otherwise(
        F.col("etype")
    )


def faulty_cell(invalid: Column) -> Column:
    """unknown_cell: a real cell outside its validity (`invalid`), or a LAC no cell has."""
    fake_cell = F.concat(
        F.lit(f"{OPERATOR}-{UNKNOWN_LAC}-"), (1 + F.pmod(F.col("pid"), F.lit(500))).cast("string")
    )
    return (
        F.when(_is("unknown_cell") & (F.col("uv") < 0.5) & invalid.isNotNull(), invalid)
        .when(_is("unknown_cell"), fake_cell)
        .otherwise(F.col(C.CELL_ID))
    )


def faulty_line(fields: list[Column]) -> Column:
    """The CSV line of the six fields; malformed: five fields, seven, or an unclosed quote."""
    uv = F.col("uv")
    broken = [fields[0], F.concat(F.lit('"'), fields[1]), *fields[2:]]
    return (
        F.when(_is("malformed") & (uv < 0.34), F.concat_ws(",", *fields[:2], *fields[3:]))  # 5
        .when(_is("malformed") & (uv < 0.67), F.concat_ws(",", *fields, F.lit("x")))  # 7 fields
        .when(_is("malformed"), F.concat_ws(",", *broken))  # an unclosed quote
        .otherwise(F.concat_ws(",", *fields))
    )


def copies() -> Column:
    """[0, 1] for a duplicated row (written twice), else [0]."""
    return F.when(_is(DUPLICATE), F.array(F.lit(0), F.lit(1))).otherwise(F.array(F.lit(0)))
