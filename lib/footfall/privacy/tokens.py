"""Subscriber tokens (METHOD 3.1) as Spark built-in expressions, and the master key.

HMAC-SHA256(K, m) = SHA256((K ^ opad) || SHA256((K ^ ipad) || m)) for a key of at most 64
bytes (RFC 2104). The period key K_p is computed on the driver (one per period, not per event);
the per-event HMAC is footfall's `footfall_hmac_sha256` where its Spark extension is loaded
(jvm/footfall/spark/HmacSha256.java: the same bytes, without converting them to hex text and
back four times per row), else two `sha2` calls over `concat` of binaries. The padded keys reach
the executors as columns of a tiny broadcast DataFrame, never as literals, so no key material is
printed in a query plan, the Spark UI or the event log. Delta tables store the token as its 16
bytes (`BINARY`, METHOD 3.1); `token_text` gives its text form (32 lower-case hex characters)
for files, reports, messages and other systems.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from footfall.core.errors import UserError
from footfall.runtime.session import has_function

BLOCK = 64
MIN_KEY_BYTES = 32
IPAD_COL = "_k_ipad"
OPAD_COL = "_k_opad"
PERIOD_COL = "_k_period"
NATIVE_HMAC = "footfall_hmac_sha256"  # registered by footfall's Spark extension (jvm/)


def period_key(master_key: bytes, period: str) -> bytes:
    """K_p = HMAC-SHA256(master_key, UTF-8("footfall:subscriber:" + period))."""
    return hmac.new(master_key, f"footfall:subscriber:{period}".encode(), hashlib.sha256).digest()


def python_token(master_key: bytes, period: str, imsi: str) -> str:
    """Reference implementation of the token contract, in its text form (tests, other systems)."""
    digest = hmac.new(period_key(master_key, period), imsi.encode(), hashlib.sha256).digest()
    return digest[:16].hex()


def token_text(token: Column) -> Column:
    """The text form of a stored (BINARY) token: its 16 bytes as 32 lower-case hex characters."""
    return F.lower(F.hex(token))


def padded_keys(key: bytes) -> tuple[bytes, bytes]:
    """(K ^ ipad, K ^ opad) for an HMAC-SHA256 key, hashing keys longer than the block."""
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\x00")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def hmac_sha256_hex(message: Column, ipad_key: Column, opad_key: Column) -> Column:
    """Lower-case hex HMAC-SHA256 of a string/binary column, from padded-key columns."""
    inner = F.unhex(F.sha2(F.concat(ipad_key, message.cast("binary")), 256))
    return F.sha2(F.concat(opad_key, inner), 256)


def period_keys_frame(spark: SparkSession, master_key: bytes, periods: list[str]) -> DataFrame:
    """A tiny (period, ipad, opad) DataFrame to broadcast-join onto events by period."""
    schema = T.StructType(
        [
            T.StructField(PERIOD_COL, T.StringType(), False),
            T.StructField(IPAD_COL, T.BinaryType(), False),
            T.StructField(OPAD_COL, T.BinaryType(), False),
        ]
    )
    rows = [(p, *padded_keys(period_key(master_key, p))) for p in sorted(set(periods))]
    return spark.createDataFrame(rows, schema)


def with_tokens(
    df: DataFrame,
    keys: DataFrame,
    imsi_col: str,
    period_col: str,
    token_col: str,
    native: bool | None = None,
) -> DataFrame:
    """Add token_col = the first 16 bytes of HMAC(K_period, imsi), as BINARY (METHOD 3.1); null
    where either is null. native: use `footfall_hmac_sha256` (default: when it is registered)."""
    joined = df.join(F.broadcast(keys), df[period_col] == keys[PERIOD_COL], "left")
    message, ipad, opad = F.col(imsi_col), F.col(IPAD_COL), F.col(OPAD_COL)
    if has_function(df.sparkSession, NATIVE_HMAC) if native is None else native:
        token = F.substring(F.call_function(NATIVE_HMAC, ipad, opad, message.cast("binary")), 1, 16)
    else:
        token = F.unhex(F.substring(hmac_sha256_hex(message, ipad, opad), 1, 32))
    return joined.withColumn(token_col, token).drop(PERIOD_COL, IPAD_COL, OPAD_COL)


def load_master_key(key_file: str | None, key_env: str | None, create: bool = False) -> bytes:
    """The master key from a file or environment variable (hex), or a UserError saying how."""
    how = (
        "provide it as hex (64+ hex chars) in the file named by tokenisation.key_file "
        f"or in the environment variable named by tokenisation.key_env ({key_env or 'unset'})"
    )
    text = None
    if key_file:
        path = Path(key_file).expanduser()
        if not path.is_file() and create:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
        if path.is_file():
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                raise UserError(
                    f"key file {path} is readable by others (mode {mode:o}): chmod 600 it"
                )
            text = path.read_text().strip()
        elif not key_env or key_env not in os.environ:
            raise UserError(f"missing key file {path}: {how}")
    if text is None and key_env:
        text = os.environ.get(key_env, "").strip() or None
    if text is None:
        raise UserError(f"no token key found: {how}")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise UserError(f"the token key is not hex: {how}") from None
    if len(key) < MIN_KEY_BYTES:
        raise UserError(f"the token key has {len(key)} bytes, needs at least {MIN_KEY_BYTES}")
    return key
