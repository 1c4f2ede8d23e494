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
