"""Seeded random draws of the synthetic world, as Spark columns of built-in functions.

Every draw is a hash of (tag, seed, ids): it depends only on what it is about (a person, a
person-day, an event), never on partitioning or row order, so the same seed gives the same data
on two cores or a cluster. The tag names the draw, so no two draws of a row are correlated.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F


def uniform(tag: str, seed: int, *cols: Column) -> Column:
    """A uniform in [0, 1) from xxhash64(tag, seed, cols): deterministic, partitioning-free."""
    h = F.xxhash64(F.lit(tag), F.lit(seed), *cols)
    return F.shiftrightunsigned(h, 11).cast("double") / float(1 << 53)


def hash_column(tag: str, seed: int, *cols: Column) -> Column:
    """xxhash64(tag, seed, cols), to be materialised once and split by `thirds`."""
    return F.xxhash64(F.lit(tag), F.lit(seed), *cols)


def thirds(h: Column) -> list[Column]:
    """Three independent uniforms in [0, 1) (21 bits each) from one 64-bit hash column:
    one hash instead of three on event-sized paths."""
    mask = F.lit((1 << 21) - 1)
    return [
        F.shiftrightunsigned(h, 21 * i).bitwiseAND(mask).cast("double") / float(1 << 21)
        for i in range(3)
    ]


def pick(values: tuple, u: Column) -> Column:
    """One of a few literal values, chosen uniformly by u."""
    return F.element_at(
        F.array(*[F.lit(v) for v in values]), (F.floor(u * len(values)) + 1).cast("int")
    )
