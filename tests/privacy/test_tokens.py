"""Subscriber tokens (METHOD 3.1): HMAC-SHA256 from Spark built-ins and from footfall's Spark
extension (`footfall_hmac_sha256`) against RFC 4231 and Python."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat

import pytest
from conftest import TEST_KEY, both_ways, require_function
from footfall.core.errors import UserError
from footfall.privacy.tokens import (
    NATIVE_HMAC,
    hmac_sha256_hex,
    load_master_key,
    padded_keys,
    period_keys_frame,
    python_token,
    token_text,
    with_tokens,
)
from pyspark.sql import functions as F

# RFC 4231 section 4: (test case, key, data, HMAC-SHA256). Case 5 (truncated output) is left out.
RFC4231 = [
    (1, b"\x0b" * 20, b"Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (2, b"Jefe", b"what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    (3, b"\xaa" * 20, b"\xdd" * 50,
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    (4, bytes(range(1, 26)), b"\xcd" * 50,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    (6, b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
]  # fmt: skip

IMSI_A = "234150000000001"
# Pinned once from the contract; other systems must compute the same (METHOD 3.1).
TOKEN_A_2026_03 = "06d3d46a786a60026af4e4709e20c82e"
TOKEN_A_2026_10 = "2b1ed77b67524de920a96f01a608cbc8"


native = both_ways(NATIVE_HMAC)


def rfc4231_frame(spark):
    """The RFC 4231 cases as (case, data, ipad, opad), plus case 0: no data (a null HMAC)."""
    rows = [(case, data, *padded_keys(key)) for case, key, data, _ in RFC4231]
    return spark.createDataFrame(
        [*rows, (0, None, *padded_keys(b"k"))], "case int, data binary, ipad binary, opad binary"
    )


def test_rfc4231_vectors_in_the_extension_function(spark):
    require_function(spark, NATIVE_HMAC)
    df = rfc4231_frame(spark)
    got = df.select("case", F.call_function(NATIVE_HMAC, "ipad", "opad", "data").alias("mac"))
    macs = {r.case: r.mac and bytes(r.mac).hex() for r in got.collect()}
    assert macs == {0: None, **{case: mac for case, _, _, mac in RFC4231}}


def test_rfc4231_vectors_in_spark_builtins(spark):
    df = rfc4231_frame(spark).where("case > 0")
    got = df.select(
        "case", hmac_sha256_hex(F.col("data"), F.col("ipad"), F.col("opad")).alias("mac")
    )
    assert {r.case: r.mac for r in got.collect()} == {case: mac for case, _, _, mac in RFC4231}


def test_rfc4231_vectors_match_python_hmac():
    for _, key, data, mac in RFC4231:
        assert hmac.new(key, data, hashlib.sha256).hexdigest() == mac


def test_python_token_follows_the_contract_on_fixed_vectors():
    period_key = hmac.new(TEST_KEY, b"footfall:subscriber:2026-03", hashlib.sha256).digest()
    by_hand = hmac.new(period_key, IMSI_A.encode(), hashlib.sha256).digest()[:16].hex()
    assert python_token(TEST_KEY, "2026-03", IMSI_A) == by_hand == TOKEN_A_2026_03
    assert python_token(TEST_KEY, "2026-10", IMSI_A) == TOKEN_A_2026_10


def test_spark_tokens_equal_python_tokens_per_period_and_null_without_a_key(spark, native):
    keys = period_keys_frame(spark, TEST_KEY, ["2026-03", "2026-10"])
    pairs = [
        (1, IMSI_A, "2026-03"),
        (2, IMSI_A, "2026-10"),
        (3, "208010000000009", "2026-03"),
        (4, IMSI_A, "2026-04"),  # no key for this period
        (5, IMSI_A, None),
    ]
    df = spark.createDataFrame(pairs, "id int, imsi string, period string")
    tokens = with_tokens(df, keys, "imsi", "period", "token", native)
    assert dict(tokens.dtypes)["token"] == "binary"  # the 16 bytes (METHOD 3.1)
    text = tokens.select("id", token_text(F.col("token")).alias("token"))
    got = {r.id: r.token for r in text.collect()}
    assert got == {
        1: TOKEN_A_2026_03,
        2: TOKEN_A_2026_10,
        3: python_token(TEST_KEY, "2026-03", "208010000000009"),
        4: None,
        5: None,
    }


def test_key_frame_carries_no_key_as_a_literal_in_the_plan(spark, native):
    keys = period_keys_frame(spark, TEST_KEY, ["2026-03"])
    df = spark.createDataFrame([(IMSI_A, "2026-03")], "imsi string, period string")
    plan = with_tokens(df, keys, "imsi", "period", "token", native)._jdf.queryExecution().toString()
    assert (NATIVE_HMAC in plan) == native
    ipad, opad = padded_keys(hmac.new(TEST_KEY, b"footfall:subscriber:2026-03", "sha256").digest())
    for secret in (TEST_KEY.hex(), ipad.hex(), opad.hex()):
        assert secret not in plan.lower()


def test_missing_key_says_how_to_provide_one(tmp_path, monkeypatch):
    monkeypatch.delenv("FOOTFALL_NO_SUCH_KEY", raising=False)
    with pytest.raises(UserError, match="tokenisation.key_file"):
        load_master_key(str(tmp_path / "none.key"), "FOOTFALL_NO_SUCH_KEY", create=False)


def test_created_key_file_is_private_and_long_enough(tmp_path):
    path = tmp_path / "demo.key"
    key = load_master_key(str(path), None, create=True)
    assert len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_master_key(str(path), None, create=True) == key  # created once, then reused


def test_readable_or_short_keys_are_refused(tmp_path, monkeypatch):
    path = tmp_path / "open.key"
    path.write_text(TEST_KEY.hex())
    os.chmod(path, 0o644)
    with pytest.raises(UserError, match="chmod 600"):
        load_master_key(str(path), None)
    monkeypatch.setenv("FOOTFALL_SHORT_KEY", "00" * 16)
    with pytest.raises(UserError, match="at least 32"):
        load_master_key(None, "FOOTFALL_SHORT_KEY")
