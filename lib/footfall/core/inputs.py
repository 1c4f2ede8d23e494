"""Input file contracts (METHOD 1): the reference files' schemas (1.2) and the landing CSV header
(1.1), the header each file must carry. The Delta tables' contracts are `core.tables`."""

from __future__ import annotations

from pyspark.sql import types as T

from footfall.core import columns as C

AREAS_SCHEMA = T.StructType(
    [
        T.StructField(C.AREA_ID, T.StringType(), False),
        T.StructField(C.AREA_NAME, T.StringType(), True),
        T.StructField(C.DISTRICT_ID, T.StringType(), False),
        T.StructField(C.REGION_ID, T.StringType(), False),
        T.StructField(C.POPULATION, T.LongType(), False),
    ]
)
CELLS_SCHEMA = T.StructType(
    [
        T.StructField(C.CELL_ID, T.StringType(), False),
        T.StructField(C.AREA_ID, T.StringType(), False),
        T.StructField(C.LAT, T.DoubleType(), True),
        T.StructField(C.LON, T.DoubleType(), True),
        T.StructField(C.VALID_FROM, T.DateType(), False),
        T.StructField(C.VALID_TO, T.DateType(), True),
    ]
)
# the landing CSV header, in the column order the mediation system writes (METHOD 1.1)
LANDING_HEADER = ",".join(C.RAW_COLUMNS)


def csv_header(schema: T.StructType) -> str:
    """The CSV header line a reference file with this schema carries."""
    return ",".join(f.name for f in schema.fields)
