"""Report periods: calendar months ``YYYY-MM``, quarters ``YYYY-Qn`` and years ``YYYY``.

A period is a ``pandas.Period`` (freq M, Q or Y); the helpers here parse what users
type and name the ranges kpis.md uses (P-1, P-12, QTD, YTD, P+1), for a month and for
the "periods longer than a month".
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pandas as pd

from .errors import PeriodError

# The years dates in the data may have (read.values.PLAUSIBLE_DATES); a period's next
# period must fall inside them too.
FIRST_YEAR, LAST_YEAR = 1970, 2100
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_QUARTER = re.compile(r"^\s*(\d{4})-?Q(\d)\s*$", re.IGNORECASE)
_YEAR = re.compile(r"^\s*(\d{4})\s*$")
FORMS = "YYYY-MM (a month), YYYY-Qn (a quarter) or YYYY (a year), for example --period 2026-10, 2026-Q3 or 2026"

MONTH, QUARTER, YEAR = "month", "quarter", "year"


def parse_period(text: str) -> pd.Period:
    """``2026-10``, ``2026-Q3`` or ``2026`` -> a month, quarter or year Period; anything
    else is a PeriodError naming the forms."""
    text = str(text)
    month, quarter, year = _MONTH.match(text), _QUARTER.match(text), _YEAR.match(text)
    if month and 1 <= int(month.group(2)) <= 12:
        number, period = int(month.group(1)), (int(month.group(1)), int(month.group(2)))
        made = lambda: pd.Period(year=period[0], month=period[1], freq="M")  # noqa: E731
    elif quarter and 1 <= int(quarter.group(2)) <= 4:
        number = int(quarter.group(1))
        made = lambda: pd.Period(f"{number}Q{quarter.group(2)}", freq="Q")  # noqa: E731
    elif year:
        number = int(year.group(1))
        made = lambda: pd.Period(year=number, freq="Y")  # noqa: E731
    else:
        raise PeriodError(f"'{text}' is not a period.", f"Give the period as {FORMS}.")
    if not FIRST_YEAR <= number <= LAST_YEAR - 1:
        raise PeriodError(f"'{text}' is outside the years salespack reports on ({FIRST_YEAR} to {LAST_YEAR - 1}).",
                          "Check the year; a run also plans the period after the one it reports.")
    return made()


def kind(period: pd.Period) -> str:
    """``month``, ``quarter`` or ``year``."""
    code = period.freqstr[0]
    return {"M": MONTH, "Q": QUARTER, "Y": YEAR, "A": YEAR}[code]


def label(period: pd.Period) -> str:
    """What users type and folders are named: ``2026-10``, ``2026-Q3``, ``2026``."""
    return {MONTH: lambda: f"{period.year}-{period.month:02d}", QUARTER: lambda: quarter_label(period),
            YEAR: lambda: str(period.year)}[kind(period)]()


def months_of(period: pd.Period) -> list[pd.Period]:
    """The months of P, first to last (one for a month)."""
    first = period.asfreq("M", how="start")
    last = period.asfreq("M", how="end")
    return [first + i for i in range((last - first).n + 1)]


def first_day(period: pd.Period) -> pd.Timestamp:
    return period.start_time.normalize()


def last_day(period: pd.Period) -> pd.Timestamp:
    return period.end_time.normalize()


def days_in(period: pd.Period) -> int:
    return (last_day(period) - first_day(period)).days + 1


def through(period: pd.Period, today: dt.date | None = None) -> pd.Timestamp:
    """The last day ``period``'s figures cover: its last day, or, while it is not over,
    the run's day ``today`` (as the leaderboard's figures run to its day D)."""
    end = last_day(period)
    return end if today is None else min(end, pd.Timestamp(today))


def days_through(period: pd.Period, today: dt.date | None = None) -> int:
    """The calendar days of ``period`` from its first day to ``through``, both counted."""
    return (through(period, today) - first_day(period)).days + 1


def year_earlier(period: pd.Period) -> pd.Period:
    """The same period a year earlier: P-12 for a month, P-4 for a quarter, P-1 for a year."""
    return period - {MONTH: 12, QUARTER: 4, YEAR: 1}[kind(period)]


def last_complete_month(zone: str, today: dt.date | None = None) -> pd.Period:
    """The month before the current one in ``zone``: the default report period."""
    today = today or dt.datetime.now(ZoneInfo(zone)).date()
    return pd.Period(today, freq="M") - 1


def closed_by(month: pd.Period) -> list[pd.Period]:
    """The month, and the quarter and the year it closes (September: the month and Q3;
    December: the month, Q4 and the year)."""
    closed = [month]
    if month == months_of(month.asfreq("Q"))[-1]:
        closed.append(month.asfreq("Q"))
    if month.month == 12:
        closed.append(pd.Period(year=month.year, freq="Y"))
    return closed


def quarter_months(period: pd.Period) -> list[pd.Period]:
    """The months of P's quarter, first to last."""
    return months_of(period.asfreq("Q"))


def quarter_to_date(period: pd.Period) -> list[pd.Period]:
    """The months of kpis.md's QTD: from the first of P's quarter up to and including P
    for a month; the quarter itself for a quarter; none for a year (QTD is empty)."""
    if kind(period) == YEAR:
        return []
    last = months_of(period)[-1]
    return [m for m in quarter_months(last) if m <= last]


def year_to_date(period: pd.Period) -> list[pd.Period]:
    """The months from the first of P's year to the end of P."""
    last = months_of(period)[-1]
    return [pd.Period(year=last.year, month=m, freq="M") for m in range(1, last.month + 1)]


def quarter_label(period: pd.Period) -> str:
    """``2026-Q4``: the form pledges use for a quarter."""
    quarter = period.asfreq("Q")
    return f"{quarter.year}-Q{quarter.quarter}"
