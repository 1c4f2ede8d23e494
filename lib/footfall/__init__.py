"""footfall: anonymised, aggregated origin-presence statistics from mobile network events."""

__version__ = "0.1.0"
