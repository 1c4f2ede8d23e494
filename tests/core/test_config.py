"""Configuration (METHOD 10): unknown keys, wrong types and bad --set stop a job before any work."""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT
from footfall import cli
from footfall.core.config import load_config
from footfall.core.errors import UserError
from footfall.runtime import session

LOCAL = ROOT / "conf" / "local.yaml"


@pytest.fixture
def no_spark(monkeypatch):
    """Record any attempt to build a SparkSession (there must be none)."""
    calls = []
    monkeypatch.setattr(session, "build_spark", lambda *a, **k: calls.append(a))
    return calls


def profile(tmp_path, text: str):
    """A profile YAML beside a copy of base.yaml."""
    shutil.copy(ROOT / "conf" / "base.yaml", tmp_path / "base.yaml")
    path = tmp_path / "profile.yaml"
    path.write_text(text)
    return path


def test_base_and_local_profiles_load_with_declared_defaults():
    cfg = load_config(LOCAL)
    assert (cfg["ingest.max_lateness_days"], cfg["release.k_min"], cfg.zone) == (
        3,
        15,
        "Europe/London",
    )
    assert cfg["subscribers.home_mccs"] == ["234", "235"]
    assert cfg.spark["spark.master"] == "local[2]"


def test_set_overrides_are_parsed_to_the_declared_type():
    cfg = load_config(
        LOCAL, ["release.k_min=20", "subscribers.home_mccs=234, 208", "run.release=false"]
    )
    assert (cfg["release.k_min"], cfg["subscribers.home_mccs"], cfg["run.release"]) == (
        20,
        ["234", "208"],
        False,
    )


def test_unknown_key_is_a_user_error():
    with pytest.raises(UserError, match="unknown config key 'ingest.max_lateness'"):
        load_config(LOCAL, ["ingest.max_lateness=2"])


def test_unknown_key_in_a_profile_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="unknown config key 'release.kmin'.*profile.yaml"):
        load_config(profile(tmp_path, "release:\n  kmin: 20\n"))


@pytest.mark.parametrize(
    "text",
    [
        "release:\n  k_min: twenty\n",
        "release:\n  k_min: true\n",
        "subscribers:\n  home_mccs: 234\n",
    ],
)
def test_wrong_type_in_a_profile_is_a_user_error(tmp_path, text):
    with pytest.raises(UserError, match="expected"):
        load_config(profile(tmp_path, text))


def test_wrong_type_in_set_is_a_user_error():
    with pytest.raises(UserError, match="config release.k_min: expected int"):
        load_config(LOCAL, ["release.k_min=abc"])


def test_an_unknown_way_of_keeping_ingest_rows_is_a_user_error_naming_the_choices():
    with pytest.raises(UserError, match="ingest.keep_rows must be one of checkpoint, cache"):
        load_config(LOCAL, ["ingest.keep_rows=memory"])


def test_no_tokens_gathered_per_task_is_a_user_error():
    assert load_config(LOCAL)["presence.stay_tokens_per_task"] == 10000
    with pytest.raises(UserError, match="presence.stay_tokens_per_task must be >= 1"):
        load_config(LOCAL, ["presence.stay_tokens_per_task=0"])


def test_set_without_equals_is_a_user_error():
    with pytest.raises(UserError, match="expected KEY=VALUE"):
        load_config(LOCAL, ["release.k_min"])


def test_cli_missing_key_exits_2_before_any_spark_work(tmp_path, monkeypatch, capsys, no_spark):
    monkeypatch.delenv("FOOTFALL_TOKEN_KEY", raising=False)
    monkeypatch.delenv("FOOTFALL_NO_SUCH_KEY", raising=False)
    code = cli.main(
        [
            "ingest", "--conf", str(LOCAL), "--date", "2026-03-16",
            "--set", f"tokenisation.key_file={tmp_path / 'missing.key'}",
            "--set", "tokenisation.create_key_if_missing=false",
            "--set", "tokenisation.key_env=FOOTFALL_NO_SUCH_KEY",
        ]
    )  # fmt: skip
    assert code == 2
    assert "tokenisation.key_file" in capsys.readouterr().err
    assert no_spark == []
    assert not (tmp_path / "missing.key").exists()


def test_cli_unknown_config_key_exits_2_before_any_spark_work(capsys, no_spark):
    code = cli.main(["ingest", "--conf", str(LOCAL), "--date", "2026-03-16", "--set", "nope.key=1"])
    assert code == 2
    assert "unknown config key 'nope.key'" in capsys.readouterr().err
    assert no_spark == []


def test_cli_bad_date_exits_2_before_any_spark_work(no_spark):
    assert cli.main(["ingest", "--conf", str(LOCAL), "--date", "2026-13-01"]) == 2
    assert no_spark == []
