"""Where each person is on each day: the person-day schedules of the synthetic world.

A person-day is home by default; a worker is at work in working hours on most weekdays; some
days hold a visit of one to three hours to a nearby area; and a few nights (METHOD 4 night hours
22..6) are spent away. A schedule is a handful of columns, so the area at any local hour
(`area_at`) and the areas of the day (`day_areas`) are expressions, never exploded hours.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from footfall.synthetic.draws import uniform
from footfall.synthetic.gravity import choose_destination

DAY_OFF = 0.05  # a worker stays home on a weekday
VISIT_WEEKDAY, VISIT_WEEKEND, VISIT_ROAMER = 0.4, 0.6, 0.8
AWAY_NIGHT = 0.03  # a resident sleeps outside the home area that night
NIGHT_FIRST, NIGHT_LAST = 22, 6  # METHOD 4 night hours 22..6
DAY_START, DAY_END = 7, 21


def person_days_frame(
    people: DataFrame, day_frame: DataFrame, gravity: DataFrame, seed: int
) -> DataFrame:
    """One row per person and day present in the country, with that day's schedule (hour bins
    are left out: they are joined back by `with_bins` where needed)."""
    day = F.col("day")
    person_days = people.crossJoin(F.broadcast(day_frame.select("day", "date", "weekday"))).where(
        ~F.col("is_roamer") | day.between(F.col("arrive"), F.col("arrive") + F.col("stay") - 1)
    )
    person_days = _with_work_and_visit(person_days, gravity, seed)
    person_days = _with_nights(person_days, gravity, seed)
    # the true work area of METHOD 5.3 (ground truth only): a worker's, unless it is the home
    true_work = F.when(F.col("worker") & (F.col("work_area") != F.col("home")), F.col("work_area"))
    person_days = person_days.withColumn("true_work", true_work)
    return person_days.drop("arrive", "stay", "worker", "weekday")


def _with_work_and_visit(person_days: DataFrame, gravity: DataFrame, seed: int) -> DataFrame:
    """work_on; a visit's hours vs..ve (after work on a working day), visit_on, visit_area."""
    pid, day = F.col("pid"), F.col("day")
    work_on = F.col("worker") & F.col("weekday") & (uniform("day_off", seed, pid, day) >= DAY_OFF)
    p_visit = (
        F.when(F.col("is_roamer"), VISIT_ROAMER)
        .when(F.col("weekday"), VISIT_WEEKDAY)
        .otherwise(VISIT_WEEKEND)
    )
    vs = F.when(work_on, F.col("we") + 1 + F.floor(uniform("vs", seed, pid, day) * 3)).otherwise(
        10 + F.floor(uniform("vs", seed, pid, day) * 9)
    )
    length = F.floor(uniform("vlen", seed, pid, day) * 3)
    person_days = person_days.withColumn("work_on", work_on).withColumn("vs", vs.cast("int"))
    person_days = person_days.withColumn(
        "ve", F.least(F.col("vs") + length.cast("int"), F.lit(DAY_END))
    )
    person_days = person_days.withColumn("visit_on", uniform("visit", seed, pid, day) < p_visit)
    person_days = choose_destination(
        person_days, gravity, "visit", F.col("home"), uniform("vdest", seed, pid, day), "_visit"
    )
    # a country of one area has no other destination: the visit stays home
    return person_days.withColumn("visit_area", F.coalesce(F.col("_visit"), F.col("home"))).drop(
        "_visit"
    )


def _with_nights(person_days: DataFrame, gravity: DataFrame, seed: int) -> DataFrame:
    """late_area and early_area: where the person sleeps the night that starts on `day` (hours
    22, 23) and the one that ends on it (hours 0..6); home unless a resident sleeps away."""
    pid, day = F.col("pid"), F.col("day")
    for side, night in (("late", day), ("early", day - 1)):
        away = ~F.col("is_roamer") & (uniform("away", seed, pid, night) < AWAY_NIGHT)
        person_days = choose_destination(
            person_days,
            gravity,
            "night",
            F.when(away, F.col("home")),
            uniform("ndest", seed, pid, night),
            f"_{side}",
        )
        person_days = person_days.withColumn(
            f"{side}_area", F.coalesce(F.col(f"_{side}"), F.col("home"))
        ).drop(f"_{side}")
    return person_days


def with_bins(person_days: DataFrame, day_frame: DataFrame) -> DataFrame:
    """Person-days with their day's local hour bins."""
    return person_days.join(F.broadcast(day_frame.select("day", "bins")), "day")


def area_at(hour: Column) -> Column:
    """The area a person-day row is in at a local hour."""
    h = hour
    return (
        F.when(h <= NIGHT_LAST, F.col("early_area"))
        .when(h >= NIGHT_FIRST, F.col("late_area"))
        .when(F.col("work_on") & h.between(F.col("ws"), F.col("we")), F.col("work_area"))
        .when(F.col("visit_on") & h.between(F.col("vs"), F.col("ve")), F.col("visit_area"))
        .otherwise(F.col("home"))
    )


def day_areas() -> Column:
    """The distinct areas a person-day row visits (the areas `area_at` takes over the day).

    Hour 7 is always at home (work starts at 8, visits at 10 or later) and exists on every day
    of zones whose clocks change at night, so the day's areas are known without its hours
    (a higher-order function over the hour bins would run interpreted, ~50x slower)."""
    return F.array_distinct(
        F.array_compact(
            F.array(
                F.col("early_area"),
                F.col("home"),
                F.when(F.col("work_on"), F.col("work_area")),
                F.when(F.col("visit_on"), F.col("visit_area")),
                F.col("late_area"),
            )
        )
    )
