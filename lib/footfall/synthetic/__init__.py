"""Synthetic data: a seeded world of areas, cells and people, its events, ground truth.

`generate` is the job; the world it writes, one idea a module: `draws` (seeded hash draws),
`world` (areas, cells), `gravity` (where people go), `clock` (local hour bins), `people`
(persons and identifiers), `schedule` (where each person is each hour), `intervention` (a
known uplift), `events` (the event process), `landing` (lines and files as the mediation system
writes them), `faults` (rows for every quarantine reason), `reference` and `truth` (the files
beside the landing zone). `evaluate` scores a pipeline run against the truth.
"""
