"""The release report's charts (METHOD 9): PNG files written next to its page, with matplotlib.

Each function writes one chart into the report's folder and returns its file name.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from footfall.gate.measures import Volume


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend (files only, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def chart_volume(
    folder: Path, date: dt.date, volume: Volume, passed: bool, tolerance: float | None
) -> str:
    """volume.png: the date's daily total beside the previous releases', with their median and
    the tolerance band around it."""
    plt = pyplot()
    history = volume.history or []
    labels = [d.isoformat()[5:] for d, _ in history] + [date.isoformat()[5:]]
    values = [t for _, t in history] + [volume.total]
    colours = ["#8aa1b8"] * len(history) + ["#1e7d3a" if passed else "#c62828"]
    fig, ax = plt.subplots(figsize=(5.2, 3.0), dpi=100)
    ax.bar(labels, values, color=colours)
    if volume.median and tolerance is not None:
        low, high = volume.median * (1 - tolerance), volume.median * (1 + tolerance)
        ax.axhspan(low, high, color="#1e7d3a", alpha=0.08, label=f"tolerance ±{tolerance:.0%}")
    if volume.median:
        ax.axhline(
            volume.median,
            color="#1d2733",
            linestyle="--",
            linewidth=1,
            label=f"median of previous ({volume.median:g})",
        )
        ax.legend(loc="lower left", fontsize=8)
    ax.set_title("Daily visitors ('all', all areas): this date vs previous releases", fontsize=10)
    ax.tick_params(axis="x", labelsize=8, rotation=45)
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    fig.savefig(folder / "volume.png")
    plt.close(fig)
    return "volume.png"


def chart_quarantine(folder: Path, reasons: dict[str, int]) -> str:
    """quarantine.png: the quarantined rows of the landing days feeding the date, by reason."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 3.0), dpi=100)
    ax.barh(list(reasons), list(reasons.values()), color="#b26a00")
    ax.invert_yaxis()
    ax.set_title("Quarantined rows by reason (landing days feeding this date)", fontsize=10)
    ax.tick_params(labelsize=8)
    fig.tight_layout()
    fig.savefig(folder / "quarantine.png")
    plt.close(fig)
    return "quarantine.png"
