"""One validation for a batch of dates, each date's outcome its own (METHOD 9).

Great Expectations validates the frames of several dates at once (a few dozen small Spark jobs
and about a second of Python per frame, whatever the number of dates); each date then gets the
outcome its own validation would have had:

- table-level checks (columns, types) hold for every date's rows alike;
- row-wise checks (unexpected rows, values in a set) that pass on the batch pass on every date;
- a required set (distinct values containing a set) is checked for the union of the dates' sets;
  the values the batch misses are, for each date, the values of its own set it misses;
- an aggregate (a column's min, max or distinct count between bounds) is computed per date, one
  Spark groupBy for every aggregate of a frame, and judged by GE's own expectation with the
  date's bounds.

An expectation filled in differently for some dates (the 23 local hours of a spring-forward day)
is validated once per group of dates that agree on it. What a batch cannot settle (a row-wise
check that failed, a required value missing, an aggregate of no rows) is validated again on the
date's rows alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core.calendar import span
from footfall.gate.outcomes import Outcome, raised
from footfall.gate.suites import Checker, Entry, by_frame

TAG = "_gate_date"  # the date a row is validated for, in BatchFrame.dated
TABLE_LEVEL = {
    "expect_table_columns_to_match_ordered_list",
    "expect_table_columns_to_match_set",
    "expect_column_values_to_be_of_type",
}
ROW_WISE = {"unexpected_rows_expectation", "expect_column_values_to_be_in_set"}
CONTAINS = {"expect_column_distinct_values_to_contain_set"}
METRICS = {  # expectation type: the GE metric it judges, and the Spark aggregate computing it
    "expect_column_min_to_be_between": ("column.min", F.min),
    "expect_column_max_to_be_between": ("column.max", F.max),
    "expect_column_unique_value_count_to_be_between": (
        "column.distinct_values.count",
        F.count_distinct,
    ),
}
MISSING = "column.distinct_values.missing_from_column"  # GE's metric of a required set
Key = tuple[str, str]  # (table, frame)


@dataclass(frozen=True)
class BatchFrame:
    """A frame the suites validate, for a batch of dates: which rows serve which date."""

    frame: DataFrame  # every row of the batch once
    dated: DataFrame  # each date's rows tagged with TAG (a row may serve several dates)
    column: str  # the column saying which dates a row serves
    owners: Mapping[Any, tuple[dt.date, ...]] | None = None  # column value -> dates; None: a date

    def of(self, dates: Sequence[dt.date]) -> DataFrame:
        """The rows the dates validate (each row once): one date's, as its own release sees."""
        if self.owners is None:
            return self.frame.where(F.col(self.column).isin(list(dates)))
        values = [v for v, ds in self.owners.items() if set(ds) & set(dates)]
        return self.frame.where(F.col(self.column).isin(values))


def by_date(frame: DataFrame, column: str = C.DATE) -> BatchFrame:
    """A batch frame whose rows each serve the date in column."""
    return BatchFrame(frame, frame.withColumn(TAG, F.col(column)), column)


def by_owner(
    spark: SparkSession, frame: DataFrame, column: str, owners: Mapping[Any, Sequence[dt.date]]
) -> BatchFrame:
    """A batch frame whose rows serve the dates owners lists for their column value."""
    pairs = [(v, d) for v, ds in owners.items() for d in ds]
    kind = frame.schema[column].dataType.simpleString()
    tags = spark.createDataFrame(pairs, f"{column} {kind}, {TAG} date")
    owned = {v: tuple(ds) for v, ds in owners.items()}
    return BatchFrame(frame, frame.join(F.broadcast(tags), column), column, owned)


def validate(
    checker: Checker, frames: Mapping[Key, BatchFrame], per_date: Mapping[dt.date, list[Entry]]
) -> dict[dt.date, list[Outcome]]:
    """Validate the frames for every date of per_date (its entries filled in for that date);
    each date's outcomes, as if it had been validated alone."""
    dates = sorted(per_date)
    out: dict[dt.date, list[Outcome]] = {d: [] for d in dates}
    framed = {d: by_frame(per_date[d]) for d in dates}
    for key in framed[dates[0]]:
        entries = {d: framed[d][key] for d in dates}
        for group, positions in plans(entries):
            items = merged([[entries[d][i] for i in positions] for d in group])
            label = f"{key[0]}.{key[1]}" + ("" if group == dates else f" {span(group)}")
            found = checker.validate(label, items, frames[key].of(group))
            if len(group) == 1:
                out[group[0]] += found
                continue
            at = {d: {entries[d][i].order: entries[d][i] for i in positions} for d in group}
            for d, outcomes in _split(checker, key, frames[key], found, at).items():
                out[d] += outcomes
    return out


def plans(per_date: Mapping[dt.date, list[Entry]]) -> list[tuple[list[dt.date], list[int]]]:
    """How to validate one frame's entries for the dates: (dates, entry positions) pairs. An
    entry filled in alike for every date (a required set's values aside) is validated once for
    them all; the others once per group of dates that agree on them."""
    dates = sorted(per_date)
    sig = {d: [_signature(e, d) for e in per_date[d]] for d in dates}
    n = len(sig[dates[0]])
    common = [i for i in range(n) if len({sig[d][i] for d in dates}) == 1]
    varying = [i for i in range(n) if i not in common]
    groups: dict[tuple[str, ...], list[dt.date]] = {}
    for d in dates if varying else []:
        groups.setdefault(tuple(sig[d][i] for i in varying), []).append(d)
    return ([(dates, common)] if common else []) + [(g, varying) for g in groups.values()]


def _signature(e: Entry, date: dt.date) -> str:
    """What must be equal for dates to share an entry's validation: its filled-in kwargs but a
    required set's values (their union is validated); an expectation this module cannot split
    validates on each date alone."""
    if e.type not in TABLE_LEVEL | ROW_WISE | CONTAINS | set(METRICS):
        return f"alone {date}"
    kwargs = {k: v for k, v in e.kwargs.items() if not (e.type in CONTAINS and k == "value_set")}
    return json.dumps([e.type, kwargs], sort_keys=True, default=str)


def merged(dated: Sequence[list[Entry]]) -> list[Entry]:
    """The entries of the group's first date, each required set the union of the dates'."""
    out = []
    for same in zip(*dated, strict=True):
        e = same[0]
        if e.type in CONTAINS:
            union = sorted({v for x in same for v in x.kwargs["value_set"]}, key=str)
            e = Entry(e.table, e.frame, e.type, {**e.kwargs, "value_set": union}, e.meta)
        out.append(e)
    return out


def _split(
    checker: Checker,
    key: Key,
    frame: BatchFrame,
    found: list[Outcome],
    at: Mapping[dt.date, Mapping[int, Entry]],
) -> dict[dt.date, list[Outcome]]:
    """Each date's outcomes from the batch's; what the batch cannot settle is validated again."""
    metrics = _metrics(frame, found, list(at))
    out: dict[dt.date, list[Outcome]] = {d: [] for d in at}
    again: dict[dt.date, list[Entry]] = {d: [] for d in at}
    for o in found:
        for d, entry in ((d, entries[o.meta["order"]]) for d, entries in at.items()):
            mine = _share(o, entry, metrics.get(d, {}).get(o.meta["order"]))
            if mine is None:
                again[d].append(entry)
            else:
                out[d].append(mine)
    for d, entries in again.items():
        if entries:
            out[d] += checker.validate(f"{key[0]}.{key[1]} {d} (alone)", entries, frame.of([d]))
    return out


def _share(o: Outcome, entry: Entry, value: Any) -> Outcome | None:
    """A date's outcome from the batch's o (entry: the date's own); None: validate it alone."""
    if o.type in TABLE_LEVEL or (o.type in ROW_WISE | CONTAINS and o.success):
        return o.restated(entry.meta, entry.kwargs)
    if o.type in CONTAINS and not raised(o):
        missing = o.result.get("partial_missing_list") or []
        if len(missing) == o.result.get("missing_count"):  # complete: GE lists at most 20
            # GE's metric: the values of the set not among the column's, in the set's order
            mine = [v for v in entry.kwargs["value_set"] if v in set(missing)]
            return _judged(entry, {f"{MISSING}.count": len(mine), MISSING: mine})
        return None
    if o.type in METRICS and value is not None:
        return judge(entry, value)
    return None


def _metrics(
    frame: BatchFrame, found: Sequence[Outcome], dates: list[dt.date]
) -> dict[dt.date, dict[int, Any]]:
    """Per date, the value of every aggregate the outcomes judge (one Spark job)."""
    aggs = [  # a column the frame lacks has no value: its dates validate alone (GE's error)
        METRICS[o.type][1](F.col(o.kwargs["column"])).alias(f"m{o.meta['order']}")
        for o in found
        if o.type in METRICS and o.kwargs.get("column") in frame.frame.columns
    ]
    if not aggs:
        return {}
    rows = frame.dated.where(F.col(TAG).isin(dates)).groupBy(TAG).agg(*aggs).collect()
    return {r[TAG]: {int(k[1:]): r[k] for k in r.asDict() if k != TAG} for r in rows}


def judge(entry: Entry, value: Any) -> Outcome:
    """The outcome GE's expectation gives an aggregate's value (the date's bounds, GE's rule)."""
    return _judged(entry, {METRICS[entry.type][0]: value})


def _judged(entry: Entry, metrics: dict[str, Any]) -> Outcome:
    """The outcome of GE's own expectation given the metrics it would have computed."""
    kwargs = json.dumps(entry.kwargs, sort_keys=True)
    judged = _expectation(entry.type, kwargs)._validate(metrics=metrics)
    result = dict(judged.get("result") or {})
    return Outcome(entry.meta, entry.type, entry.kwargs, bool(judged["success"]), result, {})


@functools.lru_cache(maxsize=256)
def _expectation(kind: str, kwargs: str) -> Any:
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    return ExpectationConfiguration(type=kind, kwargs=json.loads(kwargs)).to_domain_obj()


def local_value(entry: Entry, row: Mapping[str, Any]) -> Any:
    """An aggregate of a one-row frame (a date's summary row): the row's value of its column."""
    value = row[entry.kwargs["column"]]
    if entry.type == "expect_column_unique_value_count_to_be_between":
        return 0 if value is None else 1
    return value
