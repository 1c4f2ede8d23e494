"""Column names used across stages, so no stage retypes a string literal of another."""

# raw landing columns (METHOD 1.1)
IMSI = "imsi"
MSISDN = "msisdn"
IMEI = "imei"
EVENT_TIME = "event_time"
CELL_ID = "cell_id"
EVENT_TYPE = "event_type"
RAW_COLUMNS = (IMSI, MSISDN, IMEI, EVENT_TIME, CELL_ID, EVENT_TYPE)
EVENT_TYPES = ("call_in", "call_out", "sms_in", "sms_out", "data", "location_update", "handover")

# reference columns (METHOD 1.2)
AREA_ID = "area_id"
AREA_NAME = "area_name"
DISTRICT_ID = "district_id"
REGION_ID = "region_id"
POPULATION = "population"
LAT = "lat"
LON = "lon"
VALID_FROM = "valid_from"
VALID_TO = "valid_to"

# events (METHOD 3.2)
TOKEN = "subscriber_token"
EVENT_DATE = "event_date"
EVENT_HOUR = "event_hour"
MCC = "mcc"
LANDING_DATE = "landing_date"
PERIOD = "period"

# quarantine / ingest log
REASON = "reason"
SOURCE_FILE = "source_file"
QUARANTINE_REASONS = (
    "malformed",
    "bad_imsi",
    "bad_time",
    "out_of_window",
    "bad_event_type",
    "unknown_cell",
)

# origins (METHOD 4)
HOME_AREA_ID = "home_area_id"
HOME_DISTRICT_ID = "home_district_id"
HOME_REGION_ID = "home_region_id"
NIGHTS_OBSERVED = "nights_observed"
NIGHTS_AT_HOME = "nights_at_home"
ORIGIN_ID = "origin_id"
ORIGIN_LEVEL = "origin_level"
ORIGIN_ALL = "all"
ORIGIN_OTHER = "other"
ORIGIN_UNKNOWN = "unknown"
ROAMER_PREFIX = "roamer:"

# presence, audit and release (METHOD 5-8)
DATE = "date"
HOUR = "hour"
SUBSCRIBERS = "subscribers"
EXTRAPOLATED = "extrapolated"
VISITORS = "visitors"
RELEASE_ID = "release_id"
WEIGHT = "weight"

# dwell and visitor class (METHOD 5.3)
WORK_AREA_ID = "work_area_id"
WORK_DAYS = "work_days"
DWELL_BAND = "dwell_band"
VISITOR_CLASS = "visitor_class"
RESIDENT, WORKER, VISITOR = "resident", "worker", "visitor"
VISITOR_CLASSES = (RESIDENT, WORKER, VISITOR)
