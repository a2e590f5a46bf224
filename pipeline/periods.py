"""Report periods: calendar months ``YYYY-MM`` and quarters ``YYYY-Qn``.

A period is a ``pandas.Period``; the helpers here parse what users type and name
the ranges kpis.md uses (P-1, P-12, QTD, YTD, P+1).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pandas as pd

from .errors import PeriodError

# The years dates in the data may have (read.values.PLAUSIBLE_DATES); a period's next month
# must fall inside them too.
FIRST_YEAR, LAST_YEAR = 1970, 2100
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_QUARTER = re.compile(r"^\s*(\d{4})-?Q([1-4])\s*$", re.IGNORECASE)


def parse_month(text: str) -> pd.Period:
    """``2026-10`` -> Period('2026-10', 'M'); anything else is a PeriodError."""
    match = _MONTH.match(str(text))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise PeriodError(
            f"'{text}' is not a month.",
            "Give the period as YYYY-MM, for example --period 2026-10.",
        )
    year = int(match.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR - 1:
        raise PeriodError(f"'{text}' is outside the years salespack reports on ({FIRST_YEAR}-01 to {LAST_YEAR - 1}-12).",
                          "Check the year; a run also plans the month after the period.")
    return pd.Period(year=year, month=int(match.group(2)), freq="M")


def parse_quarter(text: str) -> pd.Period | None:
    match = _QUARTER.match(str(text))
    if not match:
        return None
    return pd.Period(f"{match.group(1)}Q{match.group(2)}", freq="Q")


def last_complete_month(zone: str, today: dt.date | None = None) -> pd.Period:
    """The month before the current one in ``zone``: the default report period."""
    today = today or dt.datetime.now(ZoneInfo(zone)).date()
    return pd.Period(today, freq="M") - 1


def quarter_months(period: pd.Period) -> list[pd.Period]:
    """The months of P's quarter, first to last."""
    quarter = period.asfreq("Q")
    first = quarter.asfreq("M", how="start")
    return [first + i for i in range(3)]


def quarter_to_date(period: pd.Period) -> list[pd.Period]:
    """The months from the first of P's quarter up to and including P."""
    return [m for m in quarter_months(period) if m <= period]


def year_to_date(period: pd.Period) -> list[pd.Period]:
    return [pd.Period(year=period.year, month=m, freq="M") for m in range(1, period.month + 1)]


def quarter_label(period: pd.Period) -> str:
    """``2026-Q4``: the form pledges use for a quarter."""
    quarter = period.asfreq("Q")
    return f"{quarter.year}-Q{quarter.quarter}"
