"""Contribution bounding per subscriber-day (METHOD 7.1), in Spark built-ins.

A subscriber-day keeps at most `dp.max_hour_cells` hourly (hour, area) cells and
`dp.max_day_areas` daily areas; over the bound it keeps the cells with the smallest
HMAC-SHA256(K_p, token || cell), a choice no one can steer without the key (K_p is the token
period key of METHOD 3.1, broadcast as a tiny frame as for the tokens: never a literal in a
plan). The HMAC message is the UTF-8 text

    <token>|h|<YYYY-MM-DD>|<HH>|<area_id>    an hourly cell (HH: two-digit local hour bin)
    <token>|d|<YYYY-MM-DD>|<area_id>         a daily area

where <token> is the subscriber token's text form, its 32 lower-case hex characters (the
tables store its 16 bytes); ties (never seen in
practice) go to the smaller message. Subscriber-days within their bound keep every cell and are
not hashed at all.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.privacy.tokens import IPAD_COL, OPAD_COL, PERIOD_COL, hmac_sha256_hex, token_text

_N, _MSG, _RANK = "_cells", "_msg", "_rank"


def hourly_cell() -> Column:
    """The hourly cell's text: h|<YYYY-MM-DD>|<HH>|<area_id>."""
    return F.concat_ws(
        "|",
        F.lit("h"),
        F.date_format(C.DATE, "yyyy-MM-dd"),
        F.lpad(F.col(C.HOUR).cast("string"), 2, "0"),
        F.col(C.AREA_ID),
    )


def daily_cell() -> Column:
    """The daily cell's text: d|<YYYY-MM-DD>|<area_id>."""
    return F.concat_ws("|", F.lit("d"), F.date_format(C.DATE, "yyyy-MM-dd"), F.col(C.AREA_ID))


def bound_cells(keys: DataFrame, cell: Column, limit: int) -> Callable[[DataFrame], DataFrame]:
    """Distinct (token, date, cell) rows -> at most `limit` rows per (token, date): all of them
    when within the bound, else those with the smallest HMAC(K_p, token || "|" || cell).
    `keys` is tokens.period_keys_frame of the rows' periods."""

    def _apply(rows: DataFrame) -> DataFrame:
        day = Window.partitionBy(C.TOKEN, C.DATE)
        message = F.concat_ws("|", token_text(F.col(C.TOKEN)), cell)
        period = F.date_format(C.DATE, "yyyy-MM")
        joined = rows.join(F.broadcast(keys), period == F.col(PERIOD_COL), "left")
        over = F.col(_N) > limit
        rank = F.when(over, hmac_sha256_hex(F.col(_MSG), F.col(IPAD_COL), F.col(OPAD_COL)))
        return (
            joined.withColumn(_N, F.count(F.lit(1)).over(day))
            .withColumn(_MSG, F.when(over, message))
            .withColumn(_RANK, F.row_number().over(day.orderBy(rank, F.col(_MSG))))
            .where(~over | (F.col(_RANK) <= limit))
            .drop(_N, _MSG, _RANK, PERIOD_COL, IPAD_COL, OPAD_COL)
        )

    return _apply


def bound_hourly(keys: DataFrame, max_hour_cells: int) -> Callable[[DataFrame], DataFrame]:
    """Present rows (token, date, hour, area_id, ...) -> at most max_hour_cells per
    subscriber-day."""
    return bound_cells(keys, hourly_cell(), max_hour_cells)


def bound_daily(keys: DataFrame, max_day_areas: int) -> Callable[[DataFrame], DataFrame]:
    """Distinct (token, date, area_id, ...) rows -> at most max_day_areas per subscriber-day."""
    return bound_cells(keys, daily_cell(), max_day_areas)
