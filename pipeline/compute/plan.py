"""The next month plan (下月销售计划任务书): targets of P+1 split into weeks in
proportion to working days.

Working days are Monday-Friday less public holidays plus make-up working days
(调休), from the maintained ``chinese_calendar`` library, corrected by the dates in
config. A year the library does not know falls back to Monday-Friday and says so.
"""

from __future__ import annotations

import logging

import chinese_calendar
import pandas as pd

from ..config import Plan as PlanSettings

log = logging.getLogger("salespack")


def working_days(month: pd.Period, settings: PlanSettings) -> tuple[pd.DataFrame, bool]:
    """Each day of ``month`` with ``working`` and ``week_start``; and whether the
    holiday library knew the year (False: Monday-Friday only)."""
    days = pd.date_range(month.to_timestamp(how="start"), month.to_timestamp(how="end").normalize(), freq="D")
    try:
        working = [chinese_calendar.is_workday(day.date()) for day in days]
        known = True
    except NotImplementedError:
        working = [day.weekday() < 5 for day in days]
        known = False
        log.warning("the holiday calendar has no data for %s: weekdays are used; list the holidays in config "
                    "(plan.extra_holidays / plan.extra_workdays) or upgrade chinese-calendar", month.year)
    table = pd.DataFrame({"day": days, "working": working})
    table.loc[table["day"].dt.date.isin(settings.extra_holidays), "working"] = False
    table.loc[table["day"].dt.date.isin(settings.extra_workdays), "working"] = True
    monday = table["day"] - pd.to_timedelta(table["day"].dt.day_of_week, unit="D")
    table["week_start"] = monday.where(monday >= days[0], days[0])
    return table, known


def weekly_split(target_fen: int, weights: list[int]) -> list[int]:
    """Split ``target_fen`` in proportion to ``weights`` exactly: floor shares, then the
    leftover fen to the largest remainders (ties to the earlier week)."""
    total = sum(weights)
    if total == 0:
        return [0] * len(weights)
    exact = [target_fen * w for w in weights]
    shares = [e // total for e in exact]
    remainders = [e % total for e in exact]
    leftover = target_fen - sum(shares)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:leftover]:
        shares[index] += 1
    return shares


def plan_sheet(next_month: pd.DataFrame, month: pd.Period, settings: PlanSettings) -> tuple[pd.DataFrame, bool]:
    """The `plan` sheet: period, team, rep_id, week_start, working_days, target per week."""
    calendar, known = working_days(month, settings)
    weeks = calendar.groupby("week_start")["working"].sum().astype(int)
    weeks = weeks[weeks > 0]  # a week of the month with no working day carries no target
    rows = []
    targets = next_month[next_month["target"].notna()]
    for item in targets.itertuples(index=False):  # one per team and rep: a few thousand at most
        for week_start, days, share in zip(weeks.index, weeks.to_numpy(),
                                           weekly_split(int(item.target), weeks.tolist())):
            rows.append({"period": str(month), "team": item.team, "rep_id": item.rep_id, "name": item.name,
                         "level": item.level, "week_start": week_start, "working_days": int(days), "target": share})
    sheet = pd.DataFrame(rows, columns=["period", "team", "rep_id", "name", "level", "week_start",
                                        "working_days", "target"])
    sheet["target"] = sheet["target"].astype("Int64")
    return sheet, known


def month_working_days(month: pd.Period, settings: PlanSettings) -> int:
    return int(working_days(month, settings)[0]["working"].sum())


