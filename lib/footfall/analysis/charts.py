"""PNG charts of the analysts' reports (matplotlib, Agg backend): suppressed values are gaps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from footfall.analysis.compare import WEEKDAYS
from footfall.core import columns as C

TREATED, CONTROL, COUNTERFACTUAL = "#c2410c", "#1d2733", "#6b7280"


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, folder: Path, name: str) -> str:
    fig.tight_layout()
    fig.savefig(folder / name, dpi=100)
    _plt().close(fig)
    return name


def _series(frame: pd.DataFrame, area: str, x: str, y: str, xs: Sequence[Any]) -> np.ndarray:
    """y of one area aligned on xs, NaN (a gap) where suppressed or absent."""
    own = frame[frame[C.AREA_ID] == area].set_index(x)[y].astype(float)
    return own.reindex(list(xs)).to_numpy()


def hourly_chart(folder: Path, hourly: pd.DataFrame, areas: Sequence[str], labels: dict) -> str:
    """Hour-of-day profile: mean visitors per hour, one line per area."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 3.6))
    hours = list(range(24))
    for a in areas:
        ax.plot(
            hours,
            _series(hourly, a, C.HOUR, "visitors_mean", hours),
            marker="o",
            markersize=3,
            label=labels.get(a, a),
        )
    ax.set_xticks(hours)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("local hour")
    ax.set_ylabel("mean visitors")
    ax.set_title("Visitors by hour of day (mean over dates; gaps = suppressed)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, folder, "hourly_profile.png")


def weekday_chart(folder: Path, weekday: pd.DataFrame, areas: Sequence[str], labels: dict) -> str:
    """Mean daily visitors per day of week, grouped bars (no bar where suppressed)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 3.4))
    width = 0.8 / max(1, len(areas))
    x = np.arange(7)
    for i, a in enumerate(areas):
        ys = _series(weekday, a, "weekday_no", "visitors_mean", range(7))
        ax.bar(x + i * width - 0.4 + width / 2, ys, width, label=labels.get(a, a))
    ax.set_xticks(x, WEEKDAYS)
    ax.set_ylabel("mean daily visitors")
    ax.set_title("Visitors by day of week (missing bar = suppressed or no such day)", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, folder, "weekday.png")


def daily_chart(folder: Path, daily: pd.DataFrame, areas: Sequence[str], labels: dict) -> str:
    """Daily visitors over the range, one line per area."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 3.6))
    days = sorted(daily[C.DATE].unique())
    for a in areas:
        ax.plot(
            days,
            _series(daily, a, C.DATE, C.VISITORS, days),
            marker="o",
            markersize=3,
            label=labels.get(a, a),
        )
    ax.set_ylim(bottom=0)
    ax.set_ylabel("daily visitors")
    ax.set_title("Daily visitors (gaps = suppressed or not released)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    return _save(fig, folder, "daily.png")


def origins_chart(
    folder: Path, origins: pd.DataFrame, areas: Sequence[str], labels: dict, top: int
) -> str:
    """Top origins' share of each area's visitors, one horizontal bar panel per area."""
    plt = _plt()
    fig, axes = plt.subplots(
        1, len(areas), figsize=(max(6, 4.2 * len(areas)), 0.35 * top + 1.4), squeeze=False
    )
    for ax, a in zip(axes[0], areas, strict=True):
        own = origins[(origins[C.AREA_ID] == a) & (origins["rank"] <= top)]
        colours = ["#9ca3af" if o == C.ORIGIN_OTHER else "#2563eb" for o in own[C.ORIGIN_ID]]
        ax.barh(own["origin_label"], own["share"] * 100, color=colours)
        ax.invert_yaxis()
        ax.set_title(labels.get(a, a), fontsize=9)
        ax.set_xlabel("% of daily visitors")
        ax.tick_params(labelsize=7)
        if own.empty:
            ax.text(0.5, 0.5, "no released origins", ha="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle(
        "Top origins (grey: 'other' = small origins merged by disclosure control)", fontsize=10
    )
    return _save(fig, folder, "origins.png")


def parts_chart(
    folder: Path,
    split: pd.DataFrame,
    part: str,
    areas: Sequence[str],
    labels: dict,
    title: str,
    name: str,
) -> str:
    """Each part's share of an area's visitors (visitor classes or dwell bands), grouped bars per
    part; a suppressed part is an empty hatched bar marked 'suppressed', never a zero bar."""
    plt = _plt()
    parts = list(dict.fromkeys(split[part])) if not split.empty else []
    wide = 0.7 * max(1, len(parts)) * max(1, len(areas)) + 2
    fig, ax = plt.subplots(figsize=(min(12, max(6, wide)), 3.6))
    width = 0.8 / max(1, len(areas))
    for i, a in enumerate(areas):
        own = split[split[C.AREA_ID] == a].set_index(part).reindex(parts)
        xs = np.arange(len(parts)) + i * width
        shares = (own["share"].astype(float) * 100).to_numpy()
        ax.bar(xs, np.nan_to_num(shares), width, label=labels.get(a, a), color=f"C{i}")
        for x, hidden in zip(xs, own["suppressed"].fillna(True), strict=True):
            if hidden:
                ax.bar(x, 100, width, fill=False, hatch="//", edgecolor="#b26a00", lw=0.5)
                ax.text(x, 50, "suppressed", rotation=90, ha="center", va="center", fontsize=7)
    ax.set_xticks(np.arange(len(parts)) + width * (len(areas) - 1) / 2, parts)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of daily visitors")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    if parts:
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "no released rows", ha="center", transform=ax.transAxes)
    return _save(fig, folder, name)


def impact_series_chart(folder: Path, series: pd.DataFrame, date: dt.date, labels: dict) -> str:
    """Treated vs control-average daily visitors, each indexed to its pre-period mean."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 4))
    days = sorted(series[C.DATE].unique())
    for area in series.loc[series["role"] == "control", C.AREA_ID].unique():
        ax.plot(days, _series(series, area, C.DATE, "index", days), color="#cbd5e1", lw=0.8)
    avg = series[series["role"] == "control_average"]
    treated = series[series["role"] == "treated"]
    t_area = treated[C.AREA_ID].iloc[0]
    t_idx = _series(treated, t_area, C.DATE, "index", days)
    c_idx = _series(avg, avg[C.AREA_ID].iloc[0], C.DATE, "index", days)
    ax.plot(days, c_idx, color=CONTROL, ls="--", marker="o", ms=3, label="control average")
    ax.plot(days, t_idx, color=TREATED, lw=2, marker="o", ms=4, label=labels.get(t_area, t_area))
    used = _series(treated, t_area, C.DATE, "used", days).astype(bool)
    pre = np.array([d < date for d in days]) & used
    if pre.any():  # the treated's expected path had it followed the controls
        ratio = np.exp(np.nanmean(np.log(t_idx[pre]) - np.log(c_idx[pre])))
        post = np.array([d >= date for d in days])
        ax.plot(
            np.array(days)[post],
            (c_idx * ratio)[post],
            color=COUNTERFACTUAL,
            ls=":",
            lw=2,
            label="expected without change",
        )
    ax.axvline(date, color="#b91c1c", lw=1)
    ax.axvspan(date, days[-1], color="#fde68a", alpha=0.25)
    ax.text(date, ax.get_ylim()[1], f" {date}", va="top", fontsize=8, color="#b91c1c")
    ax.set_ylabel("visitors / pre-period mean")
    ax.set_title(
        "Daily visitors indexed to the pre-period mean (grey: each control; gaps = suppressed)",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.autofmt_xdate()
    return _save(fig, folder, "series.png")


def bootstrap_chart(folder: Path, boot: np.ndarray, uplift: float, ci: tuple[float, float]) -> str:
    """Distribution of the block-bootstrap uplifts with the estimate and the 95% interval."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 3))
    ax.hist(boot * 100, bins=50, color="#93c5fd")
    ax.axvline(uplift * 100, color=TREATED, lw=2, label=f"estimate {uplift:+.1%}")
    for bound in ci:
        ax.axvline(bound * 100, color=CONTROL, ls="--", lw=1)
    ax.axvline(0, color="#6b7280", lw=0.8)
    ax.set_xlabel("uplift, % (dashed: 95% interval)")
    ax.set_ylabel("resamples")
    ax.set_title("Block-bootstrap distribution of the uplift", fontsize=10)
    ax.legend(fontsize=8)
    return _save(fig, folder, "bootstrap.png")
