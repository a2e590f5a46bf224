"""The in-month leaderboard (业绩展示, seed 004 §5.4): figures to date for an as-of day.

kpis.md, "In-month leaderboard": for an as-of day D inside month P, attainment to date
(完成率) against time progress (时间进度), both in working days of the same calendar as
the next month plan. Pure functions of validated frames; one builder per grain, ratios
from sums at each grain, ranks by the month ranking's tie and inactive rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import periods
from ..config import Plan as PlanSettings
from ..config import Settings
from . import organisation, sales, targets
from .organisation import COMPANY
from .plan import working_days

GRAINS = ("rep_id", "team", COMPANY)


@dataclass
class Board:
    """Everything a board shows for one as-of day (and, for a weekly board, its week)."""

    as_of: dt.date
    period: pd.Period            # the month of as_of
    kind: str                    # "day" (month to date) or "week"
    week_start: dt.date | None   # the weekly board's Monday
    working_days_elapsed: int
    working_days_in_month: int
    time_progress: float
    calendar_known: bool         # False: the holiday library did not know the year
    reps: pd.DataFrame           # index rep_id: name, team, role, active, then the figures
    teams: pd.DataFrame          # index team
    company: pd.DataFrame        # one row, index "company"
    pledges: pd.DataFrame        # one row per pledge of P and of P's quarter


# --- time --------------------------------------------------------------------------------

def working_calendar(months: list[pd.Period], plan: PlanSettings) -> tuple[pd.DataFrame, bool]:
    """Each day of ``months`` and whether it is a working day (holidays and 调休 included)."""
    tables, known = [], True
    for month in months:
        table, month_known = working_days(month, plan)
        tables.append(table[["day", "working"]])
        known &= month_known
    return pd.concat(tables, ignore_index=True), known


def working_days_to(calendar: pd.DataFrame, first: dt.date, last: dt.date) -> int:
    days = calendar["day"].dt.date
    return int(calendar.loc[(days >= first) & (days <= last), "working"].sum())


def time_progress(elapsed_working_days: int, working_days_in_period: int) -> float | None:
    """time_progress (时间进度) = working days from the 1st of P to D inclusive / working days in P."""
    return elapsed_working_days / working_days_in_period if working_days_in_period else None


def week_start(as_of: dt.date) -> dt.date:
    """The weekly board's week: the ISO week ending on D runs from its Monday to D."""
    return as_of - dt.timedelta(days=as_of.weekday())


def first_day_shown(as_of: dt.date, weekly: bool) -> dt.date:
    """The first day a board's sales figures cover: the 1st of P (month to date); for a
    weekly board the Monday of its week when that is earlier (a week begun in P-1)."""
    first = as_of.replace(day=1)
    return min(first, week_start(as_of)) if weekly else first


def working_days_shown(as_of: dt.date, weekly: bool, plan: PlanSettings) -> int:
    """The working days among the days a board's sales figures cover (``first_day_shown``
    to D): none in a holiday such as the National Day week, when no sale is expected."""
    first = first_day_shown(as_of, weekly)
    months = list(pd.period_range(pd.Period(first, freq="M"), pd.Period(as_of, freq="M"), freq="M"))
    calendar, _known = working_calendar(months, plan)
    return working_days_to(calendar, first, as_of)


def same_point_end(previous_month: pd.DataFrame, elapsed_working_days: int) -> dt.date | None:
    """The k-th working day of P-1, k = working days elapsed in P up to D (the whole of
    P-1 when it has fewer); None when k is 0 (nothing of P-1 compares)."""
    if elapsed_working_days == 0:
        return None
    working = previous_month.loc[previous_month["working"], "day"].dt.date.tolist()
    if len(working) < elapsed_working_days:
        return previous_month["day"].dt.date.max()
    return working[elapsed_working_days - 1]


# --- figures of one grain ------------------------------------------------------------------

def revenue_between(rows: pd.DataFrame, key: str, ids: pd.Index, first: dt.date, last: dt.date | None) -> pd.Series:
    """Revenue of sales rows dated from ``first`` to ``last`` inclusive (returns negative)."""
    if last is None:
        return pd.Series(0, index=ids, dtype="Int64")
    day = rows["order_date"].dt.date
    picked = rows[(day >= first) & (day <= last)]
    return picked.groupby(key)["amount"].sum().reindex(ids).fillna(0).astype("Int64")


def has_rows_between(rows: pd.DataFrame, key: str, ids: pd.Index, first: dt.date, last: dt.date | None) -> pd.Series:
    if last is None:
        return pd.Series(False, index=ids)
    day = rows["order_date"].dt.date
    present = set(rows.loc[(day >= first) & (day <= last), key].dropna())
    return pd.Series(ids.isin(list(present)), index=ids)


def attainment_to_date(revenue_to_date: pd.Series, target: pd.Series) -> pd.Series:
    """attainment_to_date (完成率) = revenue_to_date / target(P); empty when the target is missing or 0."""
    return sales.attainment(revenue_to_date, target)


def progress_gap(attainment_to_date: pd.Series, time_progress: float | None) -> pd.Series:
    """progress_gap = attainment_to_date - time_progress (positive = ahead of pace)."""
    if time_progress is None:
        return pd.Series(pd.NA, index=attainment_to_date.index, dtype="Float64")
    return (attainment_to_date - time_progress).astype("Float64")


def projected_attainment(attainment_to_date: pd.Series, time_progress: float | None) -> pd.Series:
    """projected_attainment = attainment_to_date / time_progress (empty when time_progress is 0)."""
    if not time_progress:
        return pd.Series(pd.NA, index=attainment_to_date.index, dtype="Float64")
    return (attainment_to_date / time_progress).astype("Float64")


def to_date_mom_pct(revenue_to_date: pd.Series, same_point_last_month: pd.Series,
                    has_rows: pd.Series) -> pd.Series:
    """to_date_mom_pct = revenue_to_date / same_point_last_month - 1, empty when that is 0 or has no rows."""
    earlier = same_point_last_month.astype("Float64").where(has_rows & (same_point_last_month != 0))
    return (revenue_to_date.astype("Float64") / earlier - 1).astype("Float64")


def visits_between(visits: pd.DataFrame | None, key: str, ids: pd.Index, first: dt.date, last: dt.date) -> pd.Series:
    """Visits with check-in (in the configured zone) from ``first`` to ``last`` inclusive."""
    if visits is None:
        return pd.Series(pd.NA, index=ids, dtype="Int64")
    day = visits["checkin_time"].dt.tz_localize(None).dt.date
    picked = visits[(day >= first) & (day <= last)]
    return picked.groupby(key).size().reindex(ids).fillna(0).astype("Int64")


def visits_per_week_to_date(visits_to_date: pd.Series, calendar_days_elapsed: int) -> pd.Series:
    """visits_per_week_to_date = visits_to_date / (calendar days elapsed / 7)."""
    return (visits_to_date.astype("Float64") / (calendar_days_elapsed / 7)).astype("Float64")


def movement(rank: pd.Series, previous_rank: pd.Series | None) -> pd.Series:
    """movement = previous rank - rank against the last published board of the same
    period and kind; empty (shown "新") for one not ranked on that board."""
    if previous_rank is None:
        return pd.Series(pd.NA, index=rank.index, dtype="Int64")
    before = previous_rank.reindex(rank.index).astype("Int64")
    return (before - rank.astype("Int64")).astype("Int64")


# --- the board ------------------------------------------------------------------------------

def _grain_figures(rows, visits, key: str, ids: pd.Index, goals, month: pd.Period, as_of: dt.date,
                   progress: float | None, previous_end: dt.date | None, week_start: dt.date | None) -> pd.DataFrame:
    first = month.start_time.date()
    figures = pd.DataFrame(index=ids)
    figures["revenue_to_date"] = revenue_between(rows, key, ids, first, as_of)
    figures["target"] = sales.range_target(goals, [month], ids)
    figures["time_progress"] = pd.Series(progress, index=ids, dtype="Float64")
    figures["attainment_to_date"] = attainment_to_date(figures["revenue_to_date"], figures["target"])
    figures["progress_gap"] = progress_gap(figures["attainment_to_date"], progress)
    figures["projected_attainment"] = projected_attainment(figures["attainment_to_date"], progress)
    previous_first = (month - 1).start_time.date()
    figures["same_point_last_month"] = revenue_between(rows, key, ids, previous_first, previous_end)
    figures["to_date_mom_pct"] = to_date_mom_pct(figures["revenue_to_date"], figures["same_point_last_month"],
                                                 has_rows_between(rows, key, ids, previous_first, previous_end))
    figures["visits_to_date"] = visits_between(visits, key, ids, first, as_of)
    figures["visits_per_week_to_date"] = visits_per_week_to_date(figures["visits_to_date"], as_of.day)
    if week_start is not None:
        figures["revenue_of_week"] = revenue_between(rows, key, ids, week_start, as_of)
        figures["visits_of_week"] = visits_between(visits, key, ids, week_start, as_of)
    return figures


def _ranked(figures: pd.DataFrame, eligible: pd.Series, weekly: bool) -> pd.DataFrame:
    """Ranks by attainment to date (those with a target) and by revenue to date; a weekly
    board also ranks the week's revenue. Ties share the lower number; order by rank, then key."""
    figures = figures.copy()
    figures["rank_attainment"] = sales.competition_rank(figures["attainment_to_date"],
                                                        eligible & figures["attainment_to_date"].notna())
    figures["rank_revenue"] = sales.competition_rank(figures["revenue_to_date"], eligible)
    if weekly:
        figures["rank_week"] = sales.competition_rank(figures["revenue_of_week"], eligible)
    first = "rank_week" if weekly else "rank_attainment"
    order = pd.DataFrame({"a": figures[first].astype("Float64").fillna(1e9),
                          "r": figures["rank_revenue"].astype("Float64").fillna(1e9), "key": figures.index})
    return figures.loc[order.sort_values(["a", "r", "key"]).index]


def pledge_progress(pledges: pd.DataFrame | None, roster: pd.DataFrame, reps: pd.DataFrame, teams: pd.DataFrame,
                    quarter_revenue: dict[str, pd.Series], month: pd.Period, month_progress: float | None,
                    quarter_progress: float | None) -> pd.DataFrame:
    """Each pledge of P and of P's quarter: revenue to date (the quarter's for a quarterly
    pledge; the pledger's roster team for a team pledge) / pledge_amount, beside the time
    progress of its own period."""
    columns = ["period", "pledger_id", "name", "scope", "team", "pledge_amount", "revenue_to_date",
               "pledge_progress", "time_progress"]
    if pledges is None:
        return pd.DataFrame(columns=columns)
    rows = pledges[pledges["period"].isin([str(month), periods.quarter_label(month)])].copy()
    quarterly = rows["period"].str.contains("Q")
    team = rows["pledger_id"].map(organisation.team_of(roster))
    own_month = rows["pledger_id"].map(reps["revenue_to_date"])
    own_quarter = rows["pledger_id"].map(quarter_revenue["rep_id"])
    led_month, led_quarter = team.map(teams["revenue_to_date"]), team.map(quarter_revenue["team"])
    individual = rows["scope"] == "individual"
    revenue = own_month.where(~quarterly, own_quarter).where(individual, led_month.where(~quarterly, led_quarter))
    rows["name"] = rows["pledger_id"].map(roster.set_index("rep_id")["name"])
    rows["team"] = team
    rows["revenue_to_date"] = revenue.fillna(0).astype("Int64")
    rows["pledge_progress"] = (rows["revenue_to_date"].astype("Float64")
                               / rows["pledge_amount"].astype("Float64")).astype("Float64")
    rows["time_progress"] = pd.Series(np.where(quarterly, quarter_progress, month_progress),
                                      index=rows.index).astype("Float64")
    return rows.sort_values(["period", "scope", "pledger_id"])[columns].reset_index(drop=True)


def compute_board(frames: dict[str, pd.DataFrame], as_of: dt.date, settings: Settings, *, weekly: bool = False,
                  previous: dict[str, pd.DataFrame] | None = None) -> Board:
    """The board as of ``as_of``. ``previous``: ranks of the last published board of the
    same period and kind (by grain: rank_attainment, rank_revenue), for movement."""
    month = pd.Period(as_of, freq="M")
    roster, budget = frames["roster"], frames["budget"].copy()
    budget["period"] = pd.PeriodIndex(budget["period"], freq="M")
    rows = organisation.sales_rows(frames["sales"], roster)
    visits = _visit_rows(frames.get("visits"), roster)
    quarter = periods.quarter_months(month)
    calendar, known = working_calendar(sorted({month - 1, *quarter}), settings.plan)
    first = month.start_time.date()
    elapsed = working_days_to(calendar, first, as_of)
    in_month = working_days_to(calendar, first, month.end_time.date())
    progress = time_progress(elapsed, in_month)
    previous_month = calendar[calendar["day"].dt.to_period("M") == month - 1]
    previous_end = same_point_end(previous_month, elapsed)
    quarter_first = quarter[0].start_time.date()
    quarter_progress = time_progress(working_days_to(calendar, quarter_first, as_of),
                                     working_days_to(calendar, quarter_first, quarter[-1].end_time.date()))
    monday = week_start(as_of) if weekly else None

    goals = targets.budget_by_grain(budget, roster, "target")
    rep_targets = goals["rep_id"][month].dropna().index if month in goals["rep_id"].columns else pd.Index([])
    in_month_rows = rows[(rows["order_date"].dt.date >= first) & (rows["order_date"].dt.date <= as_of)]
    people = organisation.people_shown(roster, in_month_rows, rep_targets)
    ids = {"rep_id": people.index, "team": pd.Index(organisation.teams(roster, budget), name="team"),
           COMPANY: pd.Index([COMPANY], name=COMPANY)}
    built = {key: _grain_figures(rows, visits, key, ids[key], goals[key], month, as_of, progress, previous_end,
                                 monday) for key in GRAINS}
    reps = people[["name", "team", "role", "active"]].join(
        _ranked(built["rep_id"], people["active"] & (people["role"] == "rep"), weekly))
    teams = _ranked(built["team"], pd.Series(True, index=ids["team"]), weekly)
    for table, key in ((reps, "rep_id"), (teams, "team")):
        before = (previous or {}).get(key)
        table["movement"] = movement(table["rank_attainment"],
                                     before["rank_attainment"] if before is not None else None)
        table["movement_revenue"] = movement(table["rank_revenue"],
                                             before["rank_revenue"] if before is not None else None)
    quarter_revenue = {key: revenue_between(rows, key, ids[key], quarter_first, as_of) for key in ("rep_id", "team")}
    board_pledges = pledge_progress(frames.get("pledges"), roster, reps, teams, quarter_revenue, month, progress,
                                    quarter_progress)
    return Board(as_of, month, "week" if weekly else "day", monday, elapsed, in_month, progress, known,
                 reps, teams, built[COMPANY], board_pledges)


def _visit_rows(visits: pd.DataFrame | None, roster: pd.DataFrame) -> pd.DataFrame | None:
    if visits is None:
        return None
    rows = visits.assign(team=visits["rep_id"].map(organisation.team_of(roster)))
    rows[COMPANY] = COMPANY
    return rows
