"""Charts of the pack as SVG (glyphs drawn as paths, so no font is needed to view
them). Charts plot figures already computed; they compute nothing."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]
BLUE, GREY, RED, GREEN = "#2f5d8a", "#b8c4d0", "#c0392b", "#2e8b57"


def _style():
    return matplotlib.rc_context({
        "font.family": "sans-serif", "font.sans-serif": FONTS, "font.size": 8,
        "svg.fonttype": "path", "svg.hashsalt": "salespack", "axes.spines.top": False,
        "axes.spines.right": False, "axes.unicode_minus": False,
    })


def _as_data_uri(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def revenue_against_target(labels: list[str], revenue: list[float], target: list[float | None],
                           _) -> str:
    """Horizontal bars of revenue (in the locale's amount unit) in rank order, a tick at each target."""
    with _style():
        height = max(2.0, 0.28 * len(labels) + 0.8)
        figure, axis = plt.subplots(figsize=(6.6, height))
        positions = list(range(len(labels)))[::-1]
        axis.barh(positions, revenue, color=BLUE, height=0.6, label=_("Revenue"))
        marks = [(p, t) for p, t in zip(positions, target) if t is not None]
        if marks:
            axis.scatter([t for _p, t in marks], [p for p, _t in marks], marker="|", s=160, color=RED,
                         linewidths=2, label=_("Target"), zorder=3)
        axis.set_yticks(positions, labels)
        axis.set_xlabel(_("Revenue (CNY k)"))
        axis.legend(loc="lower right", frameon=False)
        axis.axvline(0, color="black", linewidth=0.6)
        return _as_data_uri(figure)


def attainment_bars(labels: list[str], attainment_pct: list[float | None], _) -> str:
    """Vertical bars of attainment (%), green at or above 100%, a line at 100%."""
    with _style():
        figure, axis = plt.subplots(figsize=(6.6, 2.6))
        values = [0.0 if v is None else v for v in attainment_pct]
        colours = [GREY if v is None else (GREEN if v >= 100 else RED) for v in attainment_pct]
        axis.bar(range(len(labels)), values, color=colours, width=0.6)
        axis.axhline(100, color="black", linewidth=0.8, linestyle="--")
        axis.set_xticks(range(len(labels)), labels, rotation=45 if len(labels) > 6 else 0,
                        ha="right" if len(labels) > 6 else "center")
        axis.set_ylabel(_("Attainment (%)"))
        crowded = len(labels) > 8
        for index, value in enumerate(attainment_pct):
            if value is not None:
                axis.annotate(f"{value:.1f}%", (index, value), ha="center", va="bottom",
                              fontsize=6 if crowded else 7, rotation=90 if crowded else 0,
                              xytext=(0, 2), textcoords="offset points")
        axis.set_ylim(0, max([v for v in values if v] + [100]) * (1.22 if crowded else 1.1))
        return _as_data_uri(figure)


def to_pct(ratio) -> float | None:
    return None if pd.isna(ratio) else float(ratio) * 100
