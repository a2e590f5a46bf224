"""compute.plan: working days from the holiday library and the weekly split, by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipeline.compute.plan import plan_sheet, weekly_split, working_days
from pipeline.config import Plan


def test_national_day_and_its_make_up_saturday():
    # October 2026: 1-7 National Day holiday; Saturday the 10th is a make-up working day (调休).
    calendar, known = working_days(pd.Period("2026-10", freq="M"), Plan())
    working = calendar.set_index(calendar["day"].dt.date)["working"]
    assert known
    assert not working[dt.date(2026, 10, 1)] and not working[dt.date(2026, 10, 7)]
    assert working[dt.date(2026, 10, 10)]                       # Saturday, worked
    assert not working[dt.date(2026, 10, 11)]                   # Sunday
    # 22 weekdays (Oct 1 is a Thursday), less the holiday weekdays 1, 2, 5, 6, 7, plus Saturday the 10th.
    assert int(working.sum()) == 22 - 5 + 1


def test_config_dates_correct_the_library():
    settings = Plan(extra_holidays=[dt.date(2026, 11, 11)], extra_workdays=[dt.date(2026, 11, 14)])
    calendar, _known = working_days(pd.Period("2026-11", freq="M"), settings)
    working = calendar.set_index(calendar["day"].dt.date)["working"]
    assert not working[dt.date(2026, 11, 11)] and working[dt.date(2026, 11, 14)]
    assert int(working.sum()) == 21 - 1 + 1


def test_a_year_the_library_does_not_know_falls_back_to_weekdays():
    calendar, known = working_days(pd.Period("2030-01", freq="M"), Plan())
    assert not known
    assert int(calendar["working"].sum()) == 23  # January 2030: 23 weekdays


def test_weekly_split_is_exact_to_the_fen():
    assert weekly_split(100, [5, 5, 5, 5, 1]) == [24, 24, 24, 24, 4]  # 23.8 x4 and 4.76: leftover 4 fen
    assert weekly_split(2, [1, 1, 1]) == [1, 1, 0]                     # ties go to the earlier week
    assert sum(weekly_split(1_000_003, [3, 5, 5, 5, 2])) == 1_000_003
    assert weekly_split(500, [0, 0]) == [0, 0]


def test_plan_sheet_rows_per_team_rep_and_week():
    next_month = pd.DataFrame({"period": "2026-11", "team": ["一部", "一部"], "level": ["team", "rep"],
                               "rep_id": [pd.NA, "R1"], "name": [pd.NA, "张三"],
                               "target": pd.array([2_100_000, None], dtype="Int64")})
    sheet, known = plan_sheet(next_month, pd.Period("2026-11", freq="M"), Plan())
    assert known and len(sheet) == 5                      # weeks from 11-02, 09, 16, 23, 30; R1 has no target
    assert sheet["working_days"].tolist() == [5, 5, 5, 5, 1]
    assert sheet["target"].sum() == 2_100_000
    assert sheet["target"].iloc[0] == 2_100_000 * 5 // 21  # 500,000 fen
