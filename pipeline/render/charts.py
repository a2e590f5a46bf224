"""Charts of the pack as SVG (glyphs drawn as paths, so no font is needed to view
them). Charts plot figures already computed; they compute nothing."""

from __future__ import annotations

import base64
import contextlib
import contextvars
import io
import re
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .fonts import SANS  # noqa: E402

FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]
BLUE, GREY, RED, GREEN = "#2f5d8a", "#b8c4d0", "#c0392b", "#2e8b57"


def _style():
    return matplotlib.rc_context({
        "font.family": "sans-serif", "font.sans-serif": FONTS, "font.size": 8,
        "svg.fonttype": "none", "svg.hashsalt": "salespack", "axes.spines.top": False,
        "axes.spines.right": False, "axes.unicode_minus": False,
    })


_MISSING_GLYPH = re.compile(r"Glyph (\d+) .*missing from font")
_missing: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("missing_glyphs", default=None)


@contextlib.contextmanager
def glyphs_missing():
    """Collect the characters the charts of one document could not measure in the chart
    font (emoji in a name), so the run says so once for that document, not once per label."""
    found: set[str] = set()
    token = _missing.set(found)
    try:
        yield found
    finally:
        _missing.reset(token)


def _as_data_uri(figure) -> str:
    buffer = io.BytesIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    collector = _missing.get()
    for warning in caught:
        glyph = _MISSING_GLYPH.search(str(warning.message))
        if glyph and collector is not None:
            collector.add(chr(int(glyph.group(1))))
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    # Labels in the pack's cut faces first (render.documents.with_cut_faces), the system ones behind.
    svg = buffer.getvalue().replace(f"font-family: '{FONTS[0]}'".encode(),
                                    f"font-family: '{SANS.family}', '{FONTS[0]}'".encode())
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


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
        # Above the bars, never over them: the longest bar reaches the right edge.
        axis.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False, borderaxespad=0.2)
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


def ends_of_ranking(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The first and last ``limit // 2`` rows of an ordered frame, or all of it when it is
    short enough: a bar per rep stops being readable (and takes minutes to lay out) beyond
    a few dozen reps; the tables beside the chart list everyone."""
    if len(frame) <= limit:
        return frame
    half = limit // 2
    return pd.concat([frame.iloc[:half], frame.iloc[-half:]])


def to_pct(ratio) -> float | None:
    return None if pd.isna(ratio) else float(ratio) * 100


def bars(labels: list[str], values: list[float | None], ylabel: str, *, reference: float | None = None,
         ceiling: float | None = None, value_format: str = "{:.1f}") -> str:
    """Vertical bars with value labels and an optional dashed reference line."""
    with _style():
        figure, axis = plt.subplots(figsize=(6.6, 2.4))
        heights = [0.0 if v is None else v for v in values]
        colours = [GREY if v is None else (BLUE if reference is None or v >= reference else RED) for v in values]
        axis.bar(range(len(labels)), heights, color=colours, width=0.6)
        if reference is not None:
            axis.axhline(reference, color="black", linewidth=0.8, linestyle="--")
        crowded = len(labels) > 8
        axis.set_xticks(range(len(labels)), labels, rotation=45 if crowded else 0, ha="right" if crowded else "center")
        axis.set_ylabel(ylabel)
        for index, value in enumerate(values):
            if value is not None:
                axis.annotate(value_format.format(value), (index, value), ha="center", va="bottom",
                              fontsize=6 if crowded else 7, xytext=(0, 2), textcoords="offset points")
        top = max([v for v in heights if v] + [reference or 0, 1])
        axis.set_ylim(0, ceiling if ceiling is not None else top * 1.18)
        return _as_data_uri(figure)


def horizontal_bars(labels: list[str], values: list[float], xlabel: str, colours: list[str] | None = None) -> str:
    """Horizontal bars, first label on top, with value labels (counts)."""
    with _style():
        figure, axis = plt.subplots(figsize=(6.6, max(1.4, 0.32 * len(labels) + 0.6)))
        positions = list(range(len(labels)))[::-1]
        axis.barh(positions, values, color=colours or BLUE, height=0.6)
        axis.set_yticks(positions, labels)
        axis.set_xlabel(xlabel)
        for position, value in zip(positions, values):
            axis.annotate(f"{value:g}", (value, position), va="center", fontsize=7, xytext=(3, 0),
                          textcoords="offset points")
        axis.set_xlim(0, max(values + [1]) * 1.15)
        return _as_data_uri(figure)
