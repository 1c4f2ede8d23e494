"""The evaluation report (demo / synthetic data): evaluation.md with the accuracy figures, the
hourly error by hour of day as a table, and a chart of it (evaluation_by_hour.png)."""

from __future__ import annotations

from pathlib import Path

CHART = "evaluation_by_hour.png"


def write_evaluation_report(
    folder: Path, result: dict, by_hour: list[dict], confusion: list[dict] = ()
) -> Path:
    """evaluation.md (and its chart) in folder; returns the markdown's path."""
    lines = ["# footfall accuracy against ground truth", "", "| figure | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in result.items()]
    lines += [
        "",
        "## Hourly visitors by hour of day",
        "",
        "Relative error (released - true) / true of released hourly `all` cells, per local hour.",
        "",
        f"![median absolute and signed error by hour of day]({CHART})",
        "",
        "| hour | cells | median abs. error % | median bias % | mean bias % |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['hour']} | {r['cells']} | {r['median_ape_pct']} | {r['median_bias_pct']} "
        f"| {r['mean_bias_pct']} |"
        for r in by_hour
    ]
    lines += _confusion(confusion)
    path = folder / "evaluation.md"
    path.write_text("\n".join(lines) + "\n")
    if by_hour:
        _chart(folder / CHART, by_hour)
    return path


def _confusion(confusion: list[dict]) -> list[str]:
    """The class confusion table: true classes down, detected classes across."""
    if not confusion:
        return []
    classes = ("resident", "worker", "visitor")
    cell = {(r["true"], r["detected"]): r["subscriber_days"] for r in confusion}
    lines = [
        "",
        "## Visitor classes: true (rows) against detected (columns), subscriber-days",
        "",
        "| true \\ detected | " + " | ".join(classes) + " |",
        "|---|" + "---:|" * len(classes),
    ]
    lines += [
        f"| {t} | " + " | ".join(str(cell.get((t, d), 0)) for d in classes) + " |" for t in classes
    ]
    return lines


def _chart(path: Path, by_hour: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hours = [r["hour"] for r in by_hour]
    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=110)
    ax.bar(hours, [r["median_ape_pct"] or 0 for r in by_hour], color="#9ecae1",
           label="median absolute error %")  # fmt: skip
    ax.plot(hours, [r["median_bias_pct"] or 0 for r in by_hour], color="#d62728", marker="o",
            label="median bias %")  # fmt: skip
    ax.axhline(0, color="#555555", linewidth=0.8)
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlabel("local hour of day")
    ax.set_ylabel("% of true presence")
    ax.set_title("Released hourly visitors against ground truth, by hour of day")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
