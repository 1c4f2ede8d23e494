"""Synthetic data: a seeded world of areas, cells and people, its events, ground truth."""
