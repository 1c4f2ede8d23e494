"""The synthetic country: regions, districts and areas with census populations, and the cells
that serve them, re-planned mid-period (the reference data of METHOD 1.2).

Built on the driver with seeded `random.Random`s (a few hundred rows); only `cells_by_day` and
`area_ids` hand the geography to Spark.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

OPERATOR = "234-10"  # MCC-MNC of the operator's cells
MARKET_SHARE = (0.25, 0.45)  # regional share of people who are subscribers
_SYLLABLES = (
    "ash",
    "brook",
    "ford",
    "ham",
    "ley",
    "mere",
    "stow",
    "ton",
    "wick",
    "bury",
    "den",
    "field",
)


@dataclass(frozen=True)
class Area:
    idx: int
    area_id: str
    name: str
    district_id: str
    region_id: str
    region_idx: int
    district_no: int  # 1-based over the country, the cells' LAC is 1000 + district_no
    lat: float
    lon: float
    population: int
    subscribers: int
    first_pid: int  # residents are pids first_pid .. first_pid + population - 1


@dataclass(frozen=True)
class Cell:
    cell_id: str
    area_idx: int
    lat: float
    lon: float
    valid_from: dt.date
    valid_to: dt.date | None


@dataclass(frozen=True)
class CellPlan:
    """The mid-period network change: cells re-planned to a neighbour area, cells switched off
    the day before `change_date` and cells switched on from it."""

    change_date: dt.date
    replanned: tuple[str, ...]
    decommissioned: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class _Site:
    """An area before its population is known: where it is and its relative size."""

    region: int
    district: int
    number: int  # 1-based within the region
    weight: float
    lat: float
    lon: float


# ---------------------------------------------------------------- areas


def build_areas(
    regions: int, districts: int, areas_per_district: int, subscribers: int, seed: int
) -> list[Area]:
    """Areas with coordinates and census populations sized so subscribers ~ the target."""
    rng = random.Random(f"areas:{seed}")
    shares = _market_shares(regions, rng)
    sites = _sites(regions, districts, areas_per_district, rng)
    rw, aw = max(2, len(str(regions))), max(2, len(str(districts * areas_per_district)))
    dw = max(2, len(str(districts)))
    total_w = sum(s.weight for s in sites)
    expected_share = sum(s.weight * shares[s.region] for s in sites) / total_w
    people = subscribers / expected_share
    out, first = [], 0
    for idx, s in enumerate(sites):
        pop = max(10, round(people * s.weight / total_w))
        out.append(
            Area(
                idx=idx,
                area_id=f"A{s.region + 1:0{rw}d}{s.number:0{aw}d}",
                name=f"{_name(rng)} {s.number}",
                district_id=f"D{s.region + 1:0{rw}d}{s.district + 1:0{dw}d}",
                region_id=f"R{s.region + 1:0{rw}d}",
                region_idx=s.region,
                district_no=s.region * districts + s.district + 1,
                lat=round(s.lat, 5),
                lon=round(s.lon, 5),
                population=pop,
                subscribers=round(pop * shares[s.region]),
                first_pid=first,
            )
        )
        first += pop
    return out


def _market_shares(regions: int, rng: random.Random) -> list[float]:
    """Each region's share of people who are subscribers, spread over MARKET_SHARE."""
    low, high = MARKET_SHARE
    if regions == 1:
        shares = [sum(MARKET_SHARE) / 2]
    else:
        shares = [low + (high - low) * r / (regions - 1) for r in range(regions)]
    rng.shuffle(shares)
    return shares


def _sites(
    regions: int, districts: int, areas_per_district: int, rng: random.Random
) -> list[_Site]:
    """Regions on a grid, districts on a ring around each region's centre, areas scattered
    around their district's centre area (the first, and the largest on average)."""
    cols = math.ceil(math.sqrt(regions))
    sites = []
    for r in range(regions):
        rlat, rlon = 51.0 + (r // cols) * 0.9, -3.5 + (r % cols) * 1.3
        for d in range(districts):
            angle = 2 * math.pi * d / districts + rng.uniform(-0.3, 0.3)
            dlat, dlon = rlat + 0.22 * math.sin(angle), rlon + 0.32 * math.cos(angle)
            for a in range(areas_per_district):
                weight = math.exp(rng.gauss(0, 0.5)) * (2.5 if a == 0 else 1.0)
                lat = dlat + (0 if a == 0 else rng.uniform(-0.06, 0.06))
                lon = dlon + (0 if a == 0 else rng.uniform(-0.09, 0.09))
                sites.append(_Site(r, d, d * areas_per_district + a + 1, weight, lat, lon))
    return sites


def _name(rng: random.Random) -> str:
    return (rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES)).capitalize()


def distance_km(a: Area, b: Area) -> float:
    """Equirectangular distance: plenty for a synthetic country."""
    dx = (b.lon - a.lon) * 111.32 * math.cos(math.radians((a.lat + b.lat) / 2))
    dy = (b.lat - a.lat) * 110.57
    return math.hypot(dx, dy)


def area_ids(areas: list[Area]) -> Callable[[Column], Column]:
    """Column -> Column mapping an area index to its area_id (a folded literal array)."""
    lookup = F.array(*[F.lit(a.area_id) for a in areas])
    return lambda idx: F.element_at(lookup, (idx + 1).cast("int"))


# ---------------------------------------------------------------- cells


class _CellMaker:
    """New cells of an area: the next CI of its district's LAC, a position near its centre."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._next_ci: dict[int, int] = {}

    def new_id(self, area: Area) -> str:
        self._next_ci[area.district_no] = self._next_ci.get(area.district_no, 0) + 1
        return f"{OPERATOR}-{1000 + area.district_no}-{self._next_ci[area.district_no]}"

    def jitter(self, area: Area) -> tuple[float, float]:
        return round(area.lat + self.rng.uniform(-0.01, 0.01), 5), round(
            area.lon + self.rng.uniform(-0.015, 0.015), 5
        )

    def make(self, area: Area, valid_from: dt.date, valid_to: dt.date | None) -> Cell:
        return Cell(self.new_id(area), area.idx, *self.jitter(area), valid_from, valid_to)


def build_cells(
    areas: list[Area], start: dt.date, days: int, seed: int
) -> tuple[list[Cell], CellPlan]:
    """Cells (3 to 5 per area), some re-planned, decommissioned or new mid-period."""
    maker = _CellMaker(random.Random(f"cells:{seed}"))
    first = start - dt.timedelta(days=30)
    change = start + dt.timedelta(days=max(1, days // 2))
    cells: list[Cell] = []
    for area in areas:
        for _ in range(3 + maker.rng.randrange(3)):
            cells.append(maker.make(area, first, None))
    cells, replanned = _replan(cells, areas, maker, first, change)
    decommissioned, new = [], []
    for old_cell, new_cell in _renewals(areas, maker, first, change):
        cells += [old_cell, new_cell]
        decommissioned.append(old_cell.cell_id)
        new.append(new_cell.cell_id)
    return cells, CellPlan(change, tuple(replanned), tuple(decommissioned), tuple(new))


def _replan(
    cells: list[Cell], areas: list[Area], maker: _CellMaker, first: dt.date, change: dt.date
) -> tuple[list[Cell], list[str]]:
    """Re-plan the first cell of a tenth of the areas to the nearest other area (a neighbour)
    from `change` on: one cell_id, two consecutive versions in different areas."""
    cells, replanned = list(cells), []
    n_special = max(1, len(areas) // 10)
    for area in maker.rng.sample(areas, min(n_special, len(areas))):
        neighbour = min(
            (b for b in areas if b.idx != area.idx),
            key=lambda b: distance_km(area, b),
            default=None,
        )
        if neighbour is None:
            break
        i = next(i for i, c in enumerate(cells) if c.area_idx == area.idx)
        old = cells[i]
        cells[i] = Cell(
            old.cell_id, area.idx, old.lat, old.lon, first, change - dt.timedelta(days=1)
        )
        cells.append(Cell(old.cell_id, neighbour.idx, *maker.jitter(neighbour), change, None))
        replanned.append(old.cell_id)
    return cells, replanned


def _renewals(
    areas: list[Area], maker: _CellMaker, first: dt.date, change: dt.date
) -> list[tuple[Cell, Cell]]:
    """(decommissioned, new) cell pairs of a twentieth of the areas: the old one's last day is
    the day before `change`, the new one serves from `change` on."""
    pairs = []
    for area in maker.rng.sample(areas, min(max(1, len(areas) // 20), len(areas))):
        old_cell = maker.make(area, first, change - dt.timedelta(days=1))
        pairs.append((old_cell, maker.make(area, change, None)))
    return pairs


def cells_by_day(spark: SparkSession, cells: list[Cell], start: dt.date, days: int) -> DataFrame:
    """(day, area, cells): the cell ids valid in each area on each generated local date."""
    rows = []
    for i in range(days):
        d = start + dt.timedelta(days=i)
        valid: dict[int, list[str]] = {}
        for c in cells:
            if c.valid_from <= d and (c.valid_to is None or d <= c.valid_to):
                valid.setdefault(c.area_idx, []).append(c.cell_id)
        rows += [(i, a, sorted(ids)) for a, ids in sorted(valid.items())]
    return spark.createDataFrame(rows, "day int, area int, cells array<string>")
