"""Shared foundations: config, errors, column names, table contracts, calendar, lake."""
