"""``kpis.xlsx``: every table of the pack as data, with the sheet and column names
fixed in kpis.md so other tools can read them.

Money in yuan with 2 decimals, ratios as fractions, empty cells for empty
figures. Text is always written as a text cell: a name like ``=HYPERLINK(...)``
never becomes a formula.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from ..compute import PeriodFigures
from ..compute.field import FIELD_COLUMNS
from ..validate import Reconciliation
from .output import atomic_target

SALES_COLUMNS = [
    "revenue", "orders", "gross_margin_pct", "target", "stretch", "variance", "variance_pct", "attainment",
    "stretch_attainment", "mom_pct", "yoy_pct", "qtd_revenue", "qtd_attainment", "ytd_revenue",
    "ytd_attainment", "quarter_forecast", "rank_revenue", "rank_attainment",
]

PLEDGE_COLUMNS = ["period", "pledger_id", "name", "scope", "team", "pledge_amount", "actual",
                  "pledge_attainment", "met", "reward", "forfeit_due", "settled"]
MONEY = {"revenue", "target", "stretch", "variance", "qtd_revenue", "ytd_revenue", "quarter_forecast",
         "pledge_amount", "actual", "reward", "forfeit_due", "forfeit_amount", "previous_revenue", "change",
         "team_target", "reps_target", "difference", "reference_target"}
RATIOS = {"gross_margin_pct", "variance_pct", "attainment", "stretch_attainment", "mom_pct", "pop_pct", "yoy_pct",
          "qtd_attainment", "ytd_attainment", "pledge_attainment", "variance_share", "cadence_compliance",
          "visit_conversion", "visits_per_week", "satisfaction_product", "satisfaction_sales",
          "satisfaction_service", "plan_completion", "mean", "share_4_plus", "distance_m", "duration_min"}
MONEY |= {"budget_amount", "actual_amount", "expense_variance"}
RATIOS -= {"distance_m", "duration_min"}  # plain numbers, not fractions


def _cell_value(column: str, value):
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if column in MONEY:
        return round(int(value) / 100, 2)
    if isinstance(value, pd.Timestamp):
        value = value.tz_localize(None) if value.tzinfo else value  # local wall time: Excel has no zones
        return value.to_pydatetime().date() if value == value.normalize() else value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value


def _number_format(column: str, value) -> str | None:
    if column in MONEY:
        return "#,##0.00"
    if column in RATIOS:
        return "0.0000"
    if isinstance(value, dt.datetime):
        return "yyyy-mm-dd hh:mm"
    if isinstance(value, dt.date):
        return "yyyy-mm-dd"
    return None


def _write_sheet(book: Workbook, title: str, frame: pd.DataFrame, columns: list[str]) -> None:
    """One sheet, streamed: the workbook is write-only, so memory and time stay linear in rows."""
    sheet = book.create_sheet(title)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(28, len(column) + 2))
    sheet.freeze_panes = "B2"
    sheet.append(columns)
    for row in frame.reindex(columns=columns).itertuples(index=False):
        cells = []
        for column, raw in zip(columns, row):
            value = _cell_value(column, raw)
            if value is None:
                cells.append(None)
                continue
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            else:
                number_format = _number_format(column, value)
                if number_format:
                    cell.number_format = number_format
            cells.append(cell)
        sheet.append(cells)


def sales_columns(figures: PeriodFigures) -> list[str]:
    """kpis.md's Sales columns; a quarter or a year adds pop_pct after mom_pct (left empty)."""
    if "pop_pct" not in figures.company.columns:
        return SALES_COLUMNS
    at = SALES_COLUMNS.index("mom_pct") + 1
    return [*SALES_COLUMNS[:at], "pop_pct", *SALES_COLUMNS[at:]]


def write_workbook(target: Path, figures: PeriodFigures, reconciliation: dict[str, Reconciliation],
                   key_points: list | None = None) -> None:
    book = Workbook(write_only=True)
    reps = figures.reps.reset_index(names="rep_id")
    sales = sales_columns(figures)
    _write_sheet(book, "reps", reps, ["rep_id", "name", "team", *sales, *FIELD_COLUMNS])
    _write_sheet(book, "teams", figures.teams.reset_index(names="team"), ["team", *sales, *FIELD_COLUMNS])
    company_columns = [c for c in sales if not c.startswith("rank_")]
    _write_sheet(book, "company", figures.company, [*company_columns, *FIELD_COLUMNS])
    # A quarter's or a year's pledges: its own, then those of its months (and quarters),
    # each settled in its own period; summarised per pledger in pledge_summary.
    _write_sheet(book, "pledges", pd.concat([figures.pledges, figures.pledges_within], ignore_index=True)
                 if not figures.pledges_within.empty else figures.pledges, PLEDGE_COLUMNS)
    if not figures.months.empty:
        _write_sheet(book, "months", figures.months, ["period", "grain", "key", "revenue", "target", "attainment"])
        _write_sheet(book, "pledge_summary", figures.pledge_summary,
                     ["pledger_id", "name", "team", "scope", "kind", "pledges", "met", "missed", "reward",
                      "forfeit_due"])
    _write_sheet(book, "variance_by_team", figures.teams.reset_index(names="team"),
                 ["team", "variance", "variance_share"])
    _write_sheet(book, "variance_by_rep", reps, ["rep_id", "name", "team", "variance", "variance_share"])
    _write_sheet(book, "change_by_product", figures.by_product,
                 ["product", "revenue", "previous_revenue", "change"])
    _write_sheet(book, "change_by_customer_class", figures.by_customer_class,
                 ["customer_class", "revenue", "previous_revenue", "change"])
    _write_sheet(book, "team_target_differences", figures.team_target_differences,
                 ["team", "team_target", "reps_target", "difference"])
    _write_sheet(book, "next_month_targets", figures.next_month,
                 ["period", "team", "level", "rep_id", "name", "target"])
    _write_sheet(book, "certificates", figures.certificates,
                 ["number", "period", "pledger_id", "name", "team", "scope", "blank", "pledge_amount",
                  "forfeit_amount", "reference_target"])
    work = figures.field
    if work.cadence is not None:
        overdue = work.cadence[work.cadence["overdue"]].sort_values(["class", "rep_id", "customer_id"])
        _write_sheet(book, "overdue_customers", overdue.assign(owner_rep_id=overdue["rep_id"]),
                     ["customer_id", "name", "class", "owner_rep_id", "last_visit", "days_since"])
    if work.trips is not None:
        _write_sheet(book, "trips", work.trips, ["trip_id", "rep_id", "budget_amount", "actual_amount",
                                                 "expense_variance", "planned_customers", "planned_visited",
                                                 "plan_completion"])
    if work.trips_by_rep is not None:
        _write_sheet(book, "trips_by_rep", work.trips_by_rep,
                     ["rep_id", "rep_name", "trips", "budget_amount", "actual_amount", "expense_variance"])
    _write_sheet(book, "plan", figures.plan, ["period", "team", "rep_id", "week_start", "working_days", "target"])
    if work.stage_funnel is not None:
        _write_sheet(book, "stage_funnel", work.stage_funnel.reset_index(),
                     ["stage", *work.stage_funnel.columns])
    if work.satisfaction is not None:
        _write_sheet(book, "satisfaction", work.satisfaction, ["key", "score", "answers", "mean", "share_4_plus"])
    if work.visits_in_period is not None:
        _write_sheet(book, "outside_fence_visits", work.outside_fence,
                     ["visit_id", "rep_id", "customer_id", "checkin_time", "distance_m"])
        _write_sheet(book, "short_visits", work.short_visits,
                     ["visit_id", "rep_id", "customer_id", "checkin_time", "duration_min"])
    if key_points is not None:
        # One row per figure a sentence cites: the sentence repeated, so a filter shows it whole.
        cited = pd.DataFrame([{"order": p.order, "sentence_zh": p.zh, "sentence_en": p.en, "sheet": c.sheet,
                               "key": c.key, "column": c.column,
                               "value": c.value if c.form not in ("money", "yuan") or c.value is None
                               else round(int(c.value) / 100, 2)}
                              for p in key_points for c in (p.cites or [None]) if c is not None]
                             + [{"order": p.order, "sentence_zh": p.zh, "sentence_en": p.en}
                                for p in key_points if not p.cites],
                             columns=["order", "sentence_zh", "sentence_en", "sheet", "key", "column", "value"])
        _write_sheet(book, "key_points", cited.sort_values("order", kind="stable"),
                     ["order", "sentence_zh", "sentence_en", "sheet", "key", "column", "value"])
    sources = pd.DataFrame([{"dataset": name, **vars(r), "extra_columns": ", ".join(r.extra_columns)}
                            for name, r in reconciliation.items()])
    _write_sheet(book, "sources", sources, ["dataset", "file", "rows_read", "rows_used", "rows_rejected",
                                            "encoding", "sha256", "extra_columns"])
    with atomic_target(target) as temporary:
        book.save(temporary)


BOARD_COLUMNS = ["time_progress", "revenue_to_date", "target", "attainment_to_date", "progress_gap",
                 "projected_attainment", "same_point_last_month", "to_date_mom_pct", "rank_attainment",
                 "rank_revenue", "movement", "movement_revenue", "visits_to_date", "visits_per_week_to_date"]
WEEK_COLUMNS = ["revenue_of_week", "visits_of_week", "rank_week"]
BOARD_PLEDGE_COLUMNS = ["period", "pledger_id", "name", "scope", "team", "pledge_amount", "revenue_to_date",
                        "pledge_progress", "time_progress"]
MONEY |= {"revenue_to_date", "same_point_last_month", "revenue_of_week"}
RATIOS |= {"time_progress", "attainment_to_date", "progress_gap", "projected_attainment", "to_date_mom_pct",
           "visits_per_week_to_date", "pledge_progress"}


def write_board_workbook(target: Path, board) -> None:
    """``leaderboard.xlsx``: sheets reps, teams, company, pledges with kpis.md's names."""
    book = Workbook(write_only=True)
    week = WEEK_COLUMNS if board.kind == "week" else []
    _write_sheet(book, "reps", board.reps.reset_index(names="rep_id"),
                 ["rep_id", "name", "team", "active", *BOARD_COLUMNS, *week])
    _write_sheet(book, "teams", board.teams.reset_index(names="team"), ["team", *BOARD_COLUMNS, *week])
    ranks = {"rank_attainment", "rank_revenue", "movement", "movement_revenue", "rank_week"}
    _write_sheet(book, "company", board.company, [c for c in [*BOARD_COLUMNS, *week] if c not in ranks])
    _write_sheet(book, "pledges", board.pledges, BOARD_PLEDGE_COLUMNS)
    with atomic_target(target) as temporary:
        book.save(temporary)
