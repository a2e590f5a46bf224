"""The next month plan (下月销售计划任务书): targets of P+1 split into weeks in
proportion to working days.

Working days are Monday-Friday less public holidays plus make-up working days
(调休), from the maintained ``chinese_calendar`` library, corrected by the dates in
config. A year the library does not know falls back to Monday-Friday, corrected by the
config's dates of that year, and says so in one warning.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import NamedTuple

import chinese_calendar
import pandas as pd

from ..config import Plan as PlanSettings

log = logging.getLogger("salespack")


class ConfigDates(NamedTuple):
    """The config's plan dates that fall in one planned period, and the years all of them cover."""

    holidays: list[dt.date]       # plan.extra_holidays in the period, ascending
    working_days: list[dt.date]   # plan.extra_working_days in the period, ascending
    years: list[int]              # every year the config's dates (in the period or not) fall in, ascending


def config_dates(month: pd.Period, settings: PlanSettings) -> ConfigDates:
    """Which of the config's holidays and make-up working days fall in ``month`` (a month,
    or any period), and which years the config has dates for."""
    first, last = month.start_time.date(), month.end_time.date()

    def in_period(days: list[dt.date]) -> list[dt.date]:
        return sorted({day for day in days if first <= day <= last})

    years = sorted({day.year for day in [*settings.extra_holidays, *settings.extra_workdays]})
    return ConfigDates(in_period(settings.extra_holidays), in_period(settings.extra_workdays), years)


_HOW_TO_ADD = ("Add them from the State Council notice 国务院办公厅关于{year}年部分节假日安排的通知 (usually published "
              "in November or December): its days off to plan.extra_holidays, its make-up working days "
              "(\"X月X日（周六）上班\") to plan.extra_working_days, each a date (e.g. {year}-01-04) or a range as "
              "the notice reads (e.g. {year}-01-01..{year}-01-03); see config/salespack.yaml. Or upgrade "
              "chinese-calendar")


def _unknown_year_warning(month: pd.Period, dates: ConfigDates) -> str:
    """What the plan of ``month`` uses when the holiday library does not know its year, and
    what to do: one message for the log."""
    year = month.year
    lead = f"the holiday calendar (chinese-calendar) has no data for {year}: {month} is planned Monday-Friday"
    if year in dates.years:
        used = len(dates.holidays) + len(dates.working_days)
        if used == 0:
            return (f"{lead}; config has dates for {year}, none of them in {month}, so none are used. If the State "
                    f"Council notice for {year} has a holiday or make-up working day in {month}, add it to "
                    "plan.extra_holidays or plan.extra_working_days")
        return (f"{lead} corrected by the config's dates in it, which are used: {len(dates.holidays)} in "
                f"plan.extra_holidays, {len(dates.working_days)} in plan.extra_working_days. Check them against "
                f"the State Council notice 国务院办公厅关于{year}年部分节假日安排的通知")
    if dates.years:
        listed = ", ".join(map(str, dates.years))
        return (f"{lead}, without holidays: config has plan dates for {listed} only, none for {year} (were they "
                f"meant for {year}? check the year of each date). " + _HOW_TO_ADD.format(year=year))
    return (f"{lead}, without holidays: config lists no holidays or make-up working days for {year}. "
            + _HOW_TO_ADD.format(year=year))


def working_days(month: pd.Period, settings: PlanSettings) -> tuple[pd.DataFrame, bool]:
    """Each day of ``month`` with ``working`` and ``week_start``; and whether the
    holiday library knew the year (False: Monday-Friday and the config's dates only)."""
    days = pd.date_range(month.to_timestamp(how="start"), month.to_timestamp(how="end").normalize(), freq="D")
    try:
        working = [chinese_calendar.is_workday(day.date()) for day in days]
        known = True
    except NotImplementedError:
        working = [day.weekday() < 5 for day in days]
        known = False
        log.warning(_unknown_year_warning(month, config_dates(month, settings)))
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
                         "active": bool(getattr(item, "active", True)), "level": item.level, "week_start": week_start,
                         "working_days": int(days), "target": share})
    sheet = pd.DataFrame(rows, columns=["period", "team", "rep_id", "name", "active", "level", "week_start",
                                        "working_days", "target"])
    sheet["target"] = sheet["target"].astype("Int64")
    return sheet, known


def month_working_days(month: pd.Period, settings: PlanSettings) -> int:
    return int(working_days(month, settings)[0]["working"].sum())


