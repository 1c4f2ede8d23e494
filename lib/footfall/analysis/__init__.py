"""Analyst tools on released tables: compare areas, estimate an intervention impact."""
