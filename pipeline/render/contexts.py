"""What each document's template receives: typed, documented, already computed.

Values are plain Python: money as int fen, ratios as float, empty as None. The
context builders pick and order rows; they compute no figure.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

import pandas as pd
from babel.dates import format_date

from .. import periods
from ..compute import PeriodFigures
from ..contract import DATASETS
from ..validate import Reconciliation
from . import charts
from .filters import amount_in_unit


def plain(value):
    """NA-free Python value for a template."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def records(frame: pd.DataFrame, index_name: str | None = None) -> list[dict]:
    if index_name:
        frame = frame.reset_index(names=index_name)
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def period_label(period: pd.Period | str, locale: str) -> str:
    """``2026年10月`` / ``October 2026``; ``2026年第3季度`` / ``Q3 2026``; ``2026年`` / ``2026``."""
    period = periods.parse_period(period) if isinstance(period, str) else period
    kind, chinese = periods.kind(period), locale.startswith("zh")
    if kind == periods.QUARTER:
        return f"{period.year}年第{period.quarter}季度" if chinese else f"Q{period.quarter} {period.year}"
    if kind == periods.YEAR:
        return f"{period.year}年" if chinese else str(period.year)
    if chinese:
        return f"{period.year}年{period.month}月"
    return format_date(dt.date(period.year, period.month, 1), "MMMM y", locale="en")


@dataclass
class DatasetRow:
    dataset: str
    title: str
    file: str | None
    rows_read: int | None
    rows_used: int | None
    rows_rejected: int | None
    sha256: str | None
    encoding: str | None
    extra_columns: list[str]
    ids_cleaned: int = 0


@dataclass
class PackContext:
    """The summary pack (销售总结会资料) of one period."""

    locale: str
    company_name: str
    scope: str | None  # None: the whole company; a team name: that team's pack
    period: str
    period_label: str
    next_period_label: str
    generated_at: str
    version: str
    provisional: bool
    rejected_rows: int
    company: dict
    teams: list[dict]
    reps: list[dict]
    reps_without_target: list[str]
    team_target_differences: list[dict]
    stretch_teams_at_target: list[str]  # teams whose stretch counts rows without one at their target
    company_stretch_at_target: bool
    variance_by_team: list[dict]
    variance_by_rep: list[dict]
    product_gains: list[dict]
    product_losses: list[dict]
    class_changes: list[dict]
    pledges: list[dict]
    pledges_available: bool
    customers_available: bool
    next_month: list[dict]
    datasets: list[DatasetRow]
    field_work: object = None  # FieldPages: visits, customers, trips, plan by week
    kind: str = "month"        # the period's: month, quarter or year (periods.kind)
    in_progress: bool = False  # the period has not ended on the run's day
    # A quarter or a year: each grain's months beside the total (company first, then teams),
    # the next period's targets by month and team, and the pledges of its months summarised.
    months: list[dict] = field(default_factory=list)
    next_period: dict = field(default_factory=dict)
    pledge_summary: list[dict] = field(default_factory=list)
    # (earlier period's label, the data's first month's label) for each change that
    # compares with a period the sales data cover only in part
    partly_covered: list[tuple[str, str]] = field(default_factory=list)
    history_begins: str | None = None  # the month the sales data begin, inside the year to date
    history_begins_in_period: bool = False  # ... and inside the period: every customer counts as new
    months_without_target: list[str] = field(default_factory=list)  # the company's, in a quarter or a year
    key_points: list = field(default_factory=list)  # render.key_points.Sentence, in order
    charts: dict[str, str] = field(default_factory=dict)
    chart_counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # chart -> (reps drawn, reps)
    # A table goes on in a new section, on a fresh page, after each this many rows (None:
    # never), so that a long pack can be cut there and laid out in parallel (render.parts).
    long_table_rows: int | None = None


def dataset_title(name: str, locale: str) -> str:
    """The data page's title of a dataset in the document's language."""
    dataset = DATASETS[name]
    return dataset.title_zh if locale.startswith("zh") else (dataset.title_en or name)


def _dataset_rows(reconciliation: dict[str, Reconciliation], locale: str) -> list[DatasetRow]:
    rows = []
    for name in DATASETS:
        seen = reconciliation.get(name)
        rows.append(DatasetRow(name, dataset_title(name, locale), seen.file if seen else None,
                               seen.rows_read if seen else None, seen.rows_used if seen else None,
                               seen.rows_rejected if seen else None, seen.sha256[:12] if seen else None,
                               seen.encoding if seen else None, seen.extra_columns if seen else [],
                               seen.ids_cleaned if seen else 0))
    return rows


def pack_context(figures: PeriodFigures, reconciliation: dict[str, Reconciliation], *, locale: str,
                 company_name: str, generated_at: str, version: str, provisional: bool,
                 rejected_rows: int, gettext, scope: str | None = None, chart_reps: int = 40,
                 long_table_rows: int | None = None) -> PackContext:
    reps, teams = figures.reps, figures.teams
    no_target = reps[reps["active"] & (reps["role"] == "rep") & reps["target"].isna()]["name"].tolist()
    by_variance_team = teams[teams["variance"].notna()].sort_values("variance", ascending=False)
    by_variance_rep = reps[reps["variance"].notna()].sort_values("variance", ascending=False)
    product = figures.by_product
    next_month = []
    for team, group in figures.next_month.groupby("team", sort=True):
        team_row = group[group["level"] == "team"]
        next_month.append({"team": team,
                           "target": plain(team_row["target"].iloc[0]) if len(team_row) else None,
                           "reps": records(group[group["level"] == "rep"])})
    ranked = reps[reps["rank_revenue"].notna()]
    context = PackContext(
        locale=locale, company_name=company_name, scope=scope, period=str(figures.period),
        period_label=period_label(figures.period, locale),
        next_period_label=period_label(figures.period + 1, locale),
        generated_at=generated_at, version=version, provisional=provisional, rejected_rows=rejected_rows,
        company=records(figures.company)[0], teams=records(teams, "team"), reps=records(reps, "rep_id"),
        reps_without_target=no_target, team_target_differences=records(figures.team_target_differences),
        stretch_teams_at_target=figures.stretch_at_target[0], company_stretch_at_target=figures.stretch_at_target[1],
        variance_by_team=records(by_variance_team, "team"), variance_by_rep=records(by_variance_rep, "rep_id"),
        product_gains=records(product[product["change"] > 0]),
        product_losses=records(product[product["change"] < 0].sort_values("change")),
        class_changes=records(figures.by_customer_class),
        pledges=records(figures.pledges), pledges_available="pledges" in figures.datasets,
        customers_available="customers" in figures.datasets,
        next_month=next_month, datasets=_dataset_rows(reconciliation, locale), long_table_rows=long_table_rows,
    )
    by_revenue = charts.ends_of_ranking(ranked.sort_values("rank_revenue", kind="stable"), chart_reps)
    by_attainment = charts.ends_of_ranking(ranked.sort_values("rank_attainment", kind="stable"), chart_reps)
    context.chart_counts = {"rep_revenue": (len(by_revenue), len(ranked)),
                            "rep_attainment": (len(by_attainment), len(ranked))}
    context.charts = {
        "rep_revenue": charts.revenue_against_target(
            by_revenue["name"].tolist(), [amount_in_unit(v, locale) for v in by_revenue["revenue"]],
            [amount_in_unit(v, locale) for v in by_revenue["target"]], gettext),
        "rep_attainment": charts.attainment_bars(
            by_attainment["name"].tolist(), [charts.to_pct(v) for v in by_attainment["attainment"]], gettext),
    }
    if len(teams) > 1:  # a team pack has one team: one bar says nothing its table does not
        context.charts["team_attainment"] = charts.attainment_bars(
            teams.index.tolist(), [charts.to_pct(v) for v in teams["attainment"]], gettext)
    context.kind, context.in_progress = periods.kind(figures.period), figures.in_progress
    context.partly_covered = [(period_label(earlier, locale), period_label(first, locale))
                              for earlier, first in figures.partly_covered]
    if figures.history_begins is not None:
        context.history_begins = period_label(figures.history_begins, locale)
        context.history_begins_in_period = figures.history_begins >= periods.months_of(figures.period)[0]
    if context.kind != periods.MONTH:
        own = figures.months[figures.months["grain"] == ("team" if scope else "company")]
        own = own[own["key"] == (scope or "company")]
        context.months_without_target = [period_label(m, locale) for m in own.loc[own["target"].isna(), "period"]]
        context.months = month_by_month(figures, locale, gettext, scope)
        context.next_period = next_period_by_month(figures, locale)
        context.pledge_summary = records(figures.pledge_summary)
    return context


def month_by_month(figures: PeriodFigures, locale: str, gettext, scope: str | None) -> list[dict]:
    """Per grain shown (the company, unless a team's pack, then each team): its months'
    revenue, target and attainment beside the period's total, and a chart of them."""
    grains = ([] if scope else [("company", "company", figures.company.iloc[0], gettext("Company"))]) + \
        [("team", team, row, team) for team, row in figures.teams.iterrows()]
    months = figures.months
    shown = []
    for grain, key, total, title in grains:
        rows = months[(months["grain"] == grain) & (months["key"] == key)]
        items = [{**record, "label": period_label(record["period"], locale)} for record in records(rows)]
        shown.append({"title": title, "months": items,
                      "total": {"revenue": plain(total["revenue"]), "target": plain(total["target"]),
                                "attainment": plain(total["attainment"])},
                      "chart": charts.revenue_against_target(
                          [item["label"] for item in items], [amount_in_unit(i["revenue"], locale) for i in items],
                          [amount_in_unit(i["target"], locale) for i in items], gettext)})
    return shown


def next_period_by_month(figures: PeriodFigures, locale: str) -> dict:
    """The targets of the next period by month and team (the plan of a quarter or a year)."""
    table = figures.next_period
    months = [c for c in table.columns if c not in ("key", "grain", "total")]
    rows = [{"team": row["key"], "company": row["grain"] == "company",
             "targets": [plain(row[m]) for m in months], "total": plain(row["total"])} for row in records(table)]
    return {"months": [period_label(m, locale) for m in months], "rows": rows,
            "first_month": period_label(months[0], locale) if months else None}


@dataclass
class Certificate:
    number: str
    pledger_id: str
    name: str
    team: str | None
    scope: str
    team_unit: str | None
    period_label: str
    quarterly: bool
    blank: bool
    pledge_amount: int | None
    forfeit_amount: int | None
    reference_target: int | None
    signed_date: str | None
    text_size: str = ""  # the pledge sentence's size: "" (normal), "long" or "longer" (``text_size``)


# Widths (a CJK character counts two) of the name and team printed in the pledge sentence
# up to which each size keeps a certificate on its page with room to spare; beyond the
# last, the smallest size. A name too long even for that makes its certificate spill onto
# a second page, and the render stops (pdf.render_pages counts the pages).
TEXT_SIZES = ((60, ""), (200, "long"))


def display_width(text: str | None) -> int:
    """Printed width in half-width units: a CJK (wide) character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text or "")


def text_size(name: str | None, team: str | None) -> str:
    """The pledge sentence's size class for a name and team of this length: long names
    are printed whole, wrapped and smaller, never over the lines below them."""
    width = display_width(name) + display_width(team)
    return next((size for limit, size in TEXT_SIZES if width <= limit), "longer")


def team_unit(team: str | None, locale: str) -> str | None:
    """The seed's "带领 ___ 销售部": a team already named ...销售部 is not suffixed twice."""
    if team is None or not locale.startswith("zh") or team.endswith(("部", "团队", "组")):
        return team
    return f"{team}销售部"


@dataclass
class CertificatesContext:
    """All certificates (业绩保证书) of one period, one per page."""

    locale: str
    company_name: str
    period_label: str
    reward_terms: dict[str, list[dict]]
    certificates: list[Certificate]


def certificates_context(sheet: pd.DataFrame, *, locale: str, company_name: str, period: pd.Period,
                         reward_tiers: dict) -> CertificatesContext:
    items = []
    for row in records(sheet):
        signed = row.get("signed_date")
        items.append(Certificate(
            number=row["number"], pledger_id=row["pledger_id"], name=row["name"], team=row["team"],
            scope=row["scope"], team_unit=team_unit(row["team"], locale), period_label=period_label(row["period"], locale), quarterly=bool(row["quarterly"]),
            blank=bool(row["blank"]), pledge_amount=row.get("pledge_amount"),
            forfeit_amount=row.get("forfeit_amount"), reference_target=row.get("reference_target"),
            signed_date=signed.strftime("%Y-%m-%d") if signed else None,
            text_size=text_size(row["name"], team_unit(row["team"], locale) if row["scope"] == "team" else None)))
    terms = {scope: [{"min_attainment": float(t.min_attainment), "amount": int(t.amount * 100)}
                     for t in sorted(tiers, key=lambda t: t.min_attainment)]
             for scope, tiers in reward_tiers.items()}
    return CertificatesContext(locale, company_name, period_label(period, locale), terms, items)
