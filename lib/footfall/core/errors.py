"""Errors with the exit codes of METHOD section 10."""

from __future__ import annotations


class FootfallError(Exception):
    """Base error; its message is one line a user can act on. Exit code 1."""

    exit_code = 1


class UserError(FootfallError):
    """Bad arguments, config, reference data or a missing key: stops before any work. Exit 2."""

    exit_code = 2


class GateBlocked(FootfallError):
    """The quality gate blocked a release. Exit 3."""

    exit_code = 3


class LandingFileError(FootfallError):
    """A landing file is truncated or unreadable; the job records it and fails. Exit 1."""

    exit_code = 1


_ID_LIKE = __import__("re").compile(r"\+?\d[\d ]{8,}\d")


def scrub(text: str) -> str:
    """Mask digit runs that could be an IMSI, MSISDN or IMEI before a message is shown or logged."""
    return _ID_LIKE.sub(lambda m: f"<digits:{sum(c.isdigit() for c in m.group())}>", text)
