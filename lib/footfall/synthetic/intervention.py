"""A known intervention injected into the synthetic world, and its truth (intervention.json).

From `generate.intervention_date` on, extra residents of the area's region spend an afternoon in
`generate.intervention_area`, so its true daily presence rises by `generate.intervention_uplift`
while no other area's changes: the exam of the impact estimate (README "Measuring an
intervention"). The truth is the realised uplift against the no-intervention counterfactual.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from footfall.synthetic.draws import uniform
from footfall.synthetic.schedule import DAY_END, day_areas
from footfall.synthetic.world import Area

INTERVENTION_HOURS = 6  # an injected visit lasts an afternoon (see add_intervention)
DEFINITION = (
    "realised relative change of true daily presence in the area versus the "
    "no-intervention counterfactual, summed over the days from `date` on"
)


@dataclass(frozen=True)
class InterventionDay:
    """One day from the intervention on: true presence without it, and the visits added."""

    date: str
    counterfactual: int
    added: int


@dataclass(frozen=True)
class Intervention:
    """What was configured and, when injected (`days` not None), what it did per day."""

    area_id: str | None
    date: dt.date | None
    configured_uplift: float
    days: tuple[InterventionDay, ...] | None = None

    @property
    def injected(self) -> bool:
        return self.days is not None

    @property
    def added(self) -> int:
        return sum(d.added for d in self.days or ())

    @property
    def uplift(self) -> float:
        """The realised uplift: visits added over counterfactual presence, all days."""
        counterfactual = sum(d.counterfactual for d in self.days or ())
        return self.added / counterfactual if counterfactual else 0.0

    def record(self) -> dict:
        """The content of intervention.json."""
        if not self.injected:
            return {"area_id": self.area_id, "date": self.date, "uplift": 0.0, "injected": False}
        return {
            "area_id": self.area_id,
            "date": self.date,
            "uplift": round(self.uplift, 6),
            "configured_uplift": self.configured_uplift,
            "injected": True,
            "definition": DEFINITION,
            "days": [asdict(d) for d in self.days],
        }


@dataclass(frozen=True)
class _DayTarget:
    date: str
    counterfactual: int
    wanted: int  # visits to add
    pool: int  # residents who could make one


def intervene(
    base: DataFrame,
    areas: list[Area],
    area_id: str | None,
    date: dt.date | None,
    start: dt.date,
    days: int,
    uplift: float,
    seed: int,
) -> tuple[DataFrame, Intervention]:
    """Person-days with the configured intervention injected when its area is set and its date
    lies in the generated days (else `base` unchanged), and its truth."""
    end = start + dt.timedelta(days=days - 1)
    if not area_id or date is None or not start <= date <= end:
        return base, Intervention(area_id, date, uplift)
    idx = next(a.idx for a in areas if a.area_id == area_id)
    region_of = {a.idx: a.region_idx for a in areas}
    person_days, per_day = add_intervention(base, idx, region_of, (date - start).days, uplift, seed)
    return person_days, Intervention(area_id, date, uplift, tuple(per_day))


def add_intervention(
    person_days: DataFrame,
    area_idx: int,
    region_of: dict[int, int],
    from_day: int,
    uplift: float,
    seed: int,
) -> tuple[DataFrame, list[InterventionDay]]:
    """Extra visits to one area from `from_day` on: each day, round(uplift x counterfactual
    daily presence) residents of its region who were not there that day (and did not work, had
    no other visit, and sleep at home) spend an afternoon there (INTERVENTION_HOURS from 11, 12
    or 13), so no other area's daily presence changes. Returns the new person-days and per-day
    counts (counterfactual, added).

    The visits are long on purpose: footfall counts a person in a day only if they have an
    event there, and a 1-3 hour visit goes unseen for ~1 in 4 subscribers, while residents and
    workers are almost always seen. An uplift made of short visits is therefore measured low
    by that detection gap (README "Measuring an intervention"); afternoon-long visits are seen
    as reliably as the area's usual population, so the demo can check its estimator."""
    candidate = _candidate(area_idx, region_of)
    targets = _day_targets(person_days, area_idx, from_day, uplift, candidate)
    if not targets or uplift <= 0:
        return person_days, [InterventionDay(t.date, t.counterfactual, 0) for t in targets.values()]
    chosen = _chosen_visitors(person_days, candidate, targets, from_day, seed)
    added = {r["day"]: r["count"] for r in chosen.groupBy("day").count().collect()}
    days = [
        InterventionDay(t.date, t.counterfactual, int(added.get(k, 0))) for k, t in targets.items()
    ]
    return _with_visits(person_days, chosen, area_idx, seed), sorted(days, key=lambda r: r.date)


def _candidate(area_idx: int, region_of: dict[int, int]) -> Column:
    """A person-day that may make an injected visit: a resident of another area of the region
    who spends the whole day and both nights at home."""
    same_region = [a for a, r in region_of.items() if r == region_of[area_idx] and a != area_idx]
    return (
        ~F.col("is_roamer")
        & F.col("home").isin(same_region)
        & ~F.col("visit_on")
        & ~F.col("work_on")
        & (F.col("early_area") == F.col("home"))
        & (F.col("late_area") == F.col("home"))
        & ~F.array_contains(day_areas(), area_idx)
    )


def _day_targets(
    person_days: DataFrame, area_idx: int, from_day: int, uplift: float, candidate: Column
) -> dict[int, _DayTarget]:
    """Per day index from `from_day`: the area's counterfactual presence, visits wanted, pool."""
    counts = (
        person_days.where(F.col("day") >= from_day)
        .groupBy("day", "date")
        .agg(
            F.count_if(F.array_contains(day_areas(), area_idx)).alias("cf"),
            F.count_if(candidate).alias("pool"),
        )
        .collect()
    )
    return {
        r["day"]: _DayTarget(r["date"], r["cf"], round(uplift * r["cf"]), r["pool"]) for r in counts
    }


def _chosen_visitors(
    person_days: DataFrame,
    candidate: Column,
    targets: dict[int, _DayTarget],
    from_day: int,
    seed: int,
) -> DataFrame:
    """(pid, day, _extra) of the candidates with the day's `wanted` smallest draws."""
    pid, day = F.col("pid"), F.col("day")
    # pre-filter with a margin, then keep the n smallest draws per day: no sort of all people
    q = F.lit(1.0)
    need = F.lit(0)
    for d, t in targets.items():
        q = F.when(day == d, min(1.0, (3 * t.wanted + 50) / max(t.pool, 1))).otherwise(q)
        need = F.when(day == d, t.wanted).otherwise(need)
    u = uniform("intervention", seed, pid, day)
    by_day = Window.partitionBy("day").orderBy("_u", "pid")
    return (
        person_days.where((day >= from_day) & candidate & (u < q))
        .select(pid, day, u.alias("_u"), need.alias("_need"))
        .withColumn("_rank", F.row_number().over(by_day))
        .where(F.col("_rank") <= F.col("_need"))
        .select(pid, day, F.lit(True).alias("_extra"))
    )


def _with_visits(person_days: DataFrame, chosen: DataFrame, area_idx: int, seed: int) -> DataFrame:
    """Person-days whose chosen rows visit the area for INTERVENTION_HOURS from 11, 12 or 13."""
    pid, day = F.col("pid"), F.col("day")
    extra = F.coalesce(F.col("_extra"), F.lit(False))
    start = 11 + F.floor(uniform("intervention_start", seed, pid, day) * 3).cast("int")
    return (
        person_days.join(chosen, ["pid", "day"], "left")
        .withColumn("visit_on", F.col("visit_on") | extra)
        .withColumn("visit_area", F.when(extra, F.lit(area_idx)).otherwise(F.col("visit_area")))
        .withColumn("vs", F.when(extra, start).otherwise(F.col("vs")))
        .withColumn(
            "ve",
            F.when(extra, F.least(start + INTERVENTION_HOURS - 1, F.lit(DAY_END))).otherwise(
                F.col("ve")
            ),
        )
        .drop("_extra")
    )
