"""compute.plan: working days from the holiday library and the weekly split, by hand;
the config's plan dates (ranges, checks at load) and the warning for a year the library
does not know."""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import pytest

from pipeline.compute.plan import ConfigDates, config_dates, plan_sheet, weekly_split, working_days
from pipeline.config import Plan, load_settings
from pipeline.errors import ConfigError


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


# --- the config's dates: ranges, the old name, the checks at load -----------------------------

FIX = " Fix the value; see config/salespack.yaml for an example."


def plan_settings(tmp_path, text: str) -> Plan:
    config = tmp_path / "salespack.yaml"
    config.write_text("plan:\n" + text, encoding="utf-8")
    return load_settings(config, environ={}).plan


def config_error(tmp_path, text: str) -> str:
    config = tmp_path / "salespack.yaml"
    config.write_text("plan:\n" + text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(config, environ={})
    assert raised.value.file == str(config)
    return str(raised.value).removeprefix(f"{config}, ")


def test_a_range_is_every_day_from_first_to_last_and_a_date_is_one_day(tmp_path):
    # Friday 2027-01-29 to Tuesday 2027-02-02 crosses a weekend and a month end.
    plan = plan_settings(tmp_path, "  extra_holidays: [2027-01-29..2027-02-02, 2027-03-08]\n"
                                   "  extra_working_days: [2027-02-20..2027-02-21, 2027-03-13]\n")
    assert plan.extra_holidays == [dt.date(2027, 1, 29), dt.date(2027, 1, 30), dt.date(2027, 1, 31),
                                   dt.date(2027, 2, 1), dt.date(2027, 2, 2), dt.date(2027, 3, 8)]
    assert plan.extra_workdays == [dt.date(2027, 2, 20), dt.date(2027, 2, 21), dt.date(2027, 3, 13)]


def test_a_range_of_one_day_and_of_31_days_are_accepted(tmp_path):
    plan = plan_settings(tmp_path, "  extra_holidays: [2027-01-05..2027-01-05, 2027-03-01..2027-03-31]\n")
    assert plan.extra_holidays == [dt.date(2027, 1, 5)] + [dt.date(2027, 3, day) for day in range(1, 32)]


def test_the_old_name_extra_workdays_is_still_read(tmp_path):
    old = plan_settings(tmp_path, "  extra_workdays: [2027-01-09]\n")
    new = plan_settings(tmp_path, "  extra_working_days: [2027-01-09]\n")
    assert old.extra_workdays == new.extra_workdays == [dt.date(2027, 1, 9)]
    assert old == new  # one attribute whichever name the file uses: the manifest's config stays the same


def test_both_names_of_the_working_days_are_an_error(tmp_path):
    message = config_error(tmp_path, "  extra_working_days: [2027-01-09]\n  extra_workdays: [2027-01-16]\n")
    assert message == ("key 'plan': extra_working_days and extra_workdays are both given; extra_workdays is the old "
                       "name of extra_working_days, so only one of them can count. Move the dates of extra_workdays "
                       "into extra_working_days and delete extra_workdays." + FIX)


def test_a_range_that_ends_before_it_starts_is_an_error(tmp_path):
    message = config_error(tmp_path, "  extra_holidays: [2027-01-04, 2027-01-03..2027-01-01]\n")
    assert message == ("key 'plan.extra_holidays.1': '2027-01-03..2027-01-01' ends before it starts; write the first "
                       "day first (2027-01-01..2027-01-03?)." + FIX)


def test_a_range_longer_than_31_days_is_an_error(tmp_path):
    # a slip of the month: 1月1日至2月3日 instead of 1月1日至3日
    message = config_error(tmp_path, "  extra_holidays: [2027-01-01..2027-02-01]\n")
    assert message == ("key 'plan.extra_holidays.0': '2027-01-01..2027-02-01' spans 32 days, more than 31; a holiday "
                       "of a State Council notice spans a few days. Check the month and day of both ends." + FIX)


def test_a_range_with_an_impossible_end_names_the_entry(tmp_path):
    message = config_error(tmp_path, "  extra_working_days: [2027-02-27..2027-02-30]\n")
    assert message == ("key 'plan.extra_working_days.0': '2027-02-27..2027-02-30' is not a range of two dates (Input "
                       "should be a valid date or datetime, day value is outside expected range); write it as "
                       "first..last, e.g. 2027-01-01..2027-01-03." + FIX)


def test_a_date_in_both_lists_is_an_error(tmp_path):
    message = config_error(tmp_path, "  extra_holidays: [2027-01-01..2027-01-03]\n"
                                     "  extra_working_days: [2027-01-02]\n")
    assert message == ("key 'plan.extra_working_days': 2027-01-02 (Saturday) is also in plan.extra_holidays; a day "
                       "is either off or worked. Keep it in the one list the State Council notice puts it in." + FIX)


def test_a_weekday_as_a_make_up_working_day_is_an_error(tmp_path):
    message = config_error(tmp_path, "  extra_working_days: [2027-01-09, 2027-01-04]\n")
    assert message == ("key 'plan.extra_working_days.1': 2027-01-04 is a Monday, a working day already; a make-up "
                       "working day (调休上班) of a State Council notice is a Saturday or Sunday. Check the date "
                       "against the notice." + FIX)
    message = config_error(tmp_path, "  extra_workdays: [2027-01-09..2027-01-11]\n")
    assert message == ("key 'plan.extra_workdays.0': '2027-01-09..2027-01-11' includes 2027-01-11, a Monday, a "
                       "working day already; a make-up working day (调休上班) of a State Council notice is a "
                       "Saturday or Sunday. Check the date against the notice." + FIX)


def test_holidays_on_a_weekend_and_make_up_days_on_saturday_or_sunday_are_accepted(tmp_path):
    plan = plan_settings(tmp_path, "  extra_holidays: [2027-01-02, 2027-01-03]\n"  # Saturday, Sunday
                                   "  extra_working_days: [2027-01-09..2027-01-10]\n")  # Saturday-Sunday
    assert plan.extra_holidays == [dt.date(2027, 1, 2), dt.date(2027, 1, 3)]
    assert plan.extra_workdays == [dt.date(2027, 1, 9), dt.date(2027, 1, 10)]


# --- a year the library does not know: the config's dates and the warning -----------------------

def test_config_dates_keeps_the_dates_of_the_planned_month_and_names_the_years(tmp_path):
    plan = plan_settings(tmp_path, "  extra_holidays: [2026-12-31..2027-01-03, 2027-02-10]\n"
                                   "  extra_working_days: [2027-01-30, 2027-02-20]\n")
    assert config_dates(pd.Period("2027-01", freq="M"), plan) == ConfigDates(
        holidays=[dt.date(2027, 1, 1), dt.date(2027, 1, 2), dt.date(2027, 1, 3)],
        working_days=[dt.date(2027, 1, 30)], years=[2026, 2027])
    assert config_dates(pd.Period("2027Q1", freq="Q"), plan) == ConfigDates(
        holidays=[dt.date(2027, 1, 1), dt.date(2027, 1, 2), dt.date(2027, 1, 3), dt.date(2027, 2, 10)],
        working_days=[dt.date(2027, 1, 30), dt.date(2027, 2, 20)], years=[2026, 2027])


# Hypothetical dates for the test, not the 2027 schedule: New Year's Day off Friday to Sunday,
# and Saturday 2027-01-30 worked.
JANUARY_2027 = "  extra_holidays: [2027-01-01..2027-01-03]\n  extra_working_days: [2027-01-30]\n"


def test_january_2027_is_split_by_the_config_dates(tmp_path):
    plan = plan_settings(tmp_path, JANUARY_2027)
    next_month = pd.DataFrame({"period": "2027-01", "team": ["一部"], "level": ["team"], "rep_id": [pd.NA],
                               "name": [pd.NA], "target": pd.array([2_100_000], dtype="Int64")})
    sheet, known = plan_sheet(next_month, pd.Period("2027-01", freq="M"), plan)
    assert not known
    # January 2027 starts on a Friday. Week of Fri 1 - Sun 3: the holiday, 1 - 1 = 0 days, so no row;
    # weeks from Mon 4, 11, 18: 5 days each; week from Mon 25: 5 + Saturday 30 = 6 days.
    assert sheet["week_start"].dt.date.tolist() == [dt.date(2027, 1, 4), dt.date(2027, 1, 11),
                                                     dt.date(2027, 1, 18), dt.date(2027, 1, 25)]
    assert sheet["working_days"].tolist() == [5, 5, 5, 5 + 1]
    assert sheet["target"].tolist() == [2_100_000 * 5 // 21, 2_100_000 * 5 // 21, 2_100_000 * 5 // 21,
                                        2_100_000 * 6 // 21]  # 500,000 x3 and 600,000 fen


def test_an_unknown_year_with_config_dates_in_the_month_says_they_are_used(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="salespack")
    working_days(pd.Period("2027-01", freq="M"), plan_settings(tmp_path, JANUARY_2027))
    assert caplog.messages == [
        "the holiday calendar (chinese-calendar) has no data for 2027: 2027-01 is planned Monday-Friday corrected "
        "by the config's dates in it, which are used: 3 in plan.extra_holidays, 1 in plan.extra_working_days. "
        "Check them against the State Council notice 国务院办公厅关于2027年部分节假日安排的通知"]


def test_an_unknown_year_with_config_dates_in_other_months_says_none_are_used(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="salespack")
    working_days(pd.Period("2027-03", freq="M"), plan_settings(tmp_path, JANUARY_2027))
    assert caplog.messages == [
        "the holiday calendar (chinese-calendar) has no data for 2027: 2027-03 is planned Monday-Friday; config "
        "has dates for 2027, none of them in 2027-03, so none are used. If the State Council notice for 2027 has "
        "a holiday or make-up working day in 2027-03, add it to plan.extra_holidays or plan.extra_working_days"]


HOW_TO_ADD_2027 = (
    "Add them from the State Council notice 国务院办公厅关于2027年部分节假日安排的通知 (usually published in "
    "November or December): its days off to plan.extra_holidays, its make-up working days (\"X月X日（周六）上班\") "
    "to plan.extra_working_days, each a date (e.g. 2027-01-04) or a range as the notice reads (e.g. "
    "2027-01-01..2027-01-03); see config/salespack.yaml. Or upgrade chinese-calendar")


def test_an_unknown_year_without_config_dates_says_how_to_add_them(caplog):
    caplog.set_level(logging.WARNING, logger="salespack")
    calendar, known = working_days(pd.Period("2027-01", freq="M"), Plan())
    assert not known and int(calendar["working"].sum()) == 21  # January 2027: 21 weekdays
    assert caplog.messages == [
        "the holiday calendar (chinese-calendar) has no data for 2027: 2027-01 is planned Monday-Friday, without "
        "holidays: config lists no holidays or make-up working days for 2027. " + HOW_TO_ADD_2027]


def test_config_dates_for_another_year_only_are_questioned(tmp_path, caplog):
    # The admin typed last year's dates: 2026-01-01..2026-01-03 instead of 2027.
    plan = plan_settings(tmp_path, "  extra_holidays: [2026-01-01..2026-01-03]\n"
                                   "  extra_working_days: [2026-01-04]\n")
    caplog.set_level(logging.WARNING, logger="salespack")
    working_days(pd.Period("2027-01", freq="M"), plan)
    assert caplog.messages == [
        "the holiday calendar (chinese-calendar) has no data for 2027: 2027-01 is planned Monday-Friday, without "
        "holidays: config has plan dates for 2026 only, none for 2027 (were they meant for 2027? check the year of "
        "each date). " + HOW_TO_ADD_2027]


def test_a_year_the_library_knows_logs_nothing(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="salespack")
    _calendar, known = working_days(pd.Period("2026-10", freq="M"), plan_settings(tmp_path, JANUARY_2027))
    assert known and caplog.messages == []
