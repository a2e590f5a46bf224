"""A period not over on the run's day (a quarter's pack run in its second month): its
visits per week and its customers' cadence run to that day, not to its last day, and its
key points do not compare the part of it so far with the whole previous period. Golden
figures from the sample's raw exports, by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipeline.compute import compute_period
from pipeline.compute.key_points import key_points
from pipeline.config import load_settings
from pipeline.month_end import load_inputs

from .conftest import SAMPLE_CONFIG, SAMPLE_INPUTS

TODAY = dt.date(2026, 11, 30)
Q4 = pd.Period("2026Q4", freq="Q")
DAYS_SO_FAR = 31 + 30  # 1 October to 30 November, both counted
CADENCE = {"A": 7, "B": 15, "C": 30}  # the sample config's cadence_days


@pytest.fixture(scope="module")
def settings():
    return load_settings(SAMPLE_CONFIG)


@pytest.fixture(scope="module")
def frames(settings):
    return load_inputs(SAMPLE_INPUTS, settings).frames


@pytest.fixture(scope="module")
def running(frames, settings):
    return compute_period(frames, Q4, settings, TODAY)


@pytest.fixture(scope="module")
def visits():
    """The raw check-ins, each at its local time in the configured zone (the export mixes
    local times and ISO times with an offset)."""
    raw = pd.read_csv(SAMPLE_INPUTS / "visits.csv", encoding="utf-8-sig")
    return raw.assign(checkin_time=raw["checkin_time"].map(local_time))


def local_time(text: str) -> pd.Timestamp:
    moment = pd.Timestamp(text)
    return moment.tz_convert("Asia/Shanghai").tz_localize(None) if moment.tzinfo else moment


def test_the_quarter_is_in_progress(running):
    assert running.in_progress


def test_visits_per_week_are_over_the_days_so_far(running, visits):
    in_q4 = visits[(visits["checkin_time"] >= "2026-10-01") & (visits["checkin_time"] < "2027-01-01")]
    counts = in_q4.groupby("rep_id").size()
    shown = [rep for rep in counts.index if rep in running.reps.index]
    assert len(shown) >= 10
    for rep in shown:
        assert running.reps.loc[rep, "visits_per_week"] == pytest.approx(counts[rep] / (DAYS_SO_FAR / 7)), rep
    company = running.company["visits_per_week"].iloc[0]
    assert company == pytest.approx(len(in_q4) / (DAYS_SO_FAR / 7))


def test_cadence_runs_to_the_run_s_day(running, visits):
    customers = pd.read_csv(SAMPLE_INPUTS / "customers.csv", encoding="utf-8-sig")
    last = visits[visits["checkin_time"].dt.normalize() <= pd.Timestamp(TODAY)].groupby("customer_id")[
        "checkin_time"].max().dt.normalize()
    cadence = running.field.cadence.set_index("customer_id")
    classed = customers[customers["客户等级"].notna()]
    assert len(classed) == len(cadence)
    for row in classed.itertuples(index=False):
        customer, grade = row[0], row[3]
        if customer in last.index:
            days = (pd.Timestamp(TODAY) - last[customer]).days
            assert cadence.loc[customer, "days_since"] == days, customer
            assert cadence.loc[customer, "overdue"] == (days > CADENCE[grade]), customer
        else:
            assert cadence.loc[customer, "overdue"], customer
    # none is counted over days still to come
    assert cadence["days_since"].max() <= (pd.Timestamp(TODAY) - pd.Timestamp("2025-09-01")).days


def test_key_points_do_not_compare_part_of_the_quarter_with_the_whole_previous_one(frames, settings, running):
    kinds = [point.kind for point in key_points(running, settings.key_points,
                                                settings.visits.visits_per_week_standard)]
    # The same figures as if the quarter were over say the change (-63% on one month of three).
    over = compute_period(frames, Q4, settings)
    assert not over.in_progress
    said_over = [point.kind for point in key_points(over, settings.key_points,
                                                    settings.visits.visits_per_week_standard)]
    assert "month_on_month" in said_over
    assert "month_on_month" not in kinds
    assert not [kind for kind in kinds if kind.startswith("moves_")]
    assert kinds[0] == "result"


def test_key_points_of_a_running_month_name_no_one_short_of_its_whole_target(frames, settings):
    """On 15 October everyone is short of October's target: not a point until it is over."""
    october = pd.Period("2026-10", freq="M")
    shortfall = ("below_target", "drivers")

    def said(today):
        figures = compute_period(frames, october, settings, today)
        return [point.kind for point in key_points(figures, settings.key_points,
                                                   settings.visits.visits_per_week_standard)]
    assert [kind for kind in said(dt.date(2026, 11, 1)) if kind.startswith(shortfall)]
    running = said(dt.date(2026, 10, 15))
    assert running[0] == "result" and not [kind for kind in running if kind.startswith(shortfall)]
