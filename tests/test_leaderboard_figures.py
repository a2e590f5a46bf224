"""The in-month leaderboard's figures (kpis.md, "In-month leaderboard"), worked out by
hand on a small org, and, as of a month's last day, equal to the month pack's revenue.

The calendar facts used (State Council notice for 2026, which the holiday library holds):
October 2026 has 22 weekdays; 1, 2, 5, 6 and 7 October are holidays and Saturday 10
October is a make-up working day (调休): 18 working days. September 2026: 22 weekdays,
Sunday 20 September is a make-up working day and Friday 25 September a holiday: its
working days begin 1, 2, 3, 4 September. November has 21 working days, December 23.

As of Monday 12 October, the working days gone are 8, 9, 10 (Saturday) and 12 October:
4 of 18.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pipeline.compute.leaderboard import compute_board, first_day_shown
from pipeline.config import load_settings
from pipeline.month_end import load_inputs

AS_OF = dt.date(2026, 10, 12)
PROGRESS = 4 / 18

ROSTER = """rep_id,name,role,team,manager_id,hire_date,active
M01,张经理,manager,一部,,,Y
M02,李经理,manager,二部,,,Y
R01,赵一,rep,一部,M01,2024-03-01,Y
R02,钱二,rep,一部,M01,2024-03-01,Y
R03,孙三,rep,二部,M02,2026-10-09,Y
R04,李四,rep,一部,M01,2023-01-01,N
"""
# R03 joined on 9 October; R04 has left but sold on the 9th: shown, not ranked.
SALES = """order_id,line_no,order_date,rep_id,customer_id,amount
S01,1,2026-09-02,R01,C1,10000
S02,1,2026-09-10,R01,C1,5000
S03,1,2026-10-08,R01,C1,20000
S04,1,2026-10-12,R01,C1,10000
S05,1,2026-10-13,R01,C1,99999
S06,1,2026-10-09,R02,C2,30000
S07,1,2026-10-12,R03,C3,10000
S08,1,2026-10-09,R04,C4,5000
S09,1,2026-09-04,R01,C1,1000
S10,1,2026-09-07,R01,C1,500
"""
BUDGET = """period,rep_id,team,target
2026-10,R01,一部,100000
2026-10,R02,一部,100000
2026-10,R03,二部,50000
"""
PLEDGES = """period,pledger_id,scope,pledge_amount,forfeit_amount
2026-10,R01,individual,50000,200
2026-Q4,M01,team,500000,1000
"""
# Check-ins: 3 Oct and 12 Oct 23:30 Shanghai count; 12 Oct 16:00 UTC is 13 Oct in Shanghai.
VISITS = """visit_id,rep_id,customer_id,checkin_time
V1,R01,C1,2026-10-03 10:00
V2,R01,C1,2026-10-12T23:30:00+08:00
V3,R01,C1,2026-10-12T16:00:00Z
"""


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    folder = tmp_path_factory.mktemp("board-org")
    for name, text in (("roster", ROSTER), ("sales", SALES), ("budget", BUDGET), ("pledges", PLEDGES),
                       ("visits", VISITS)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    settings = load_settings(None)
    validated = load_inputs(folder, settings)
    assert validated.rejected_rows == 0, validated.rejects
    return validated.frames, settings


@pytest.fixture(scope="module")
def board(frames):
    data, settings = frames
    previous = {"rep_id": pd.DataFrame({"rank_attainment": [2, 1], "rank_revenue": [1, 2]},
                                       index=["R01", "R02"], dtype="Int64")}
    return compute_board(data, AS_OF, settings, previous=previous)


def fen(yuan: int) -> int:
    return yuan * 100


def test_time_progress_counts_the_holidays_and_the_make_up_saturday(board):
    assert (board.working_days_elapsed, board.working_days_in_month) == (4, 18)
    assert board.time_progress == pytest.approx(PROGRESS)
    assert board.calendar_known


def test_revenue_and_attainment_to_date(board):
    reps = board.reps
    assert reps.loc["R01", "revenue_to_date"] == fen(20000 + 10000)  # the 13th is after D
    assert reps.loc["R01", "attainment_to_date"] == pytest.approx(30000 / 100000)
    assert reps.loc["R01", "progress_gap"] == pytest.approx(0.3 - PROGRESS)
    assert reps.loc["R01", "projected_attainment"] == pytest.approx(0.3 / PROGRESS)
    assert reps.loc["R03", "attainment_to_date"] == pytest.approx(10000 / 50000)  # joined mid-month: same rules
    assert pd.isna(reps.loc["R04", "attainment_to_date"])  # no target
    team = board.teams.loc["一部"]
    assert team["revenue_to_date"] == fen(30000 + 30000 + 5000)  # the inactive rep's sale counts for the team
    assert team["target"] == fen(200000)
    assert team["attainment_to_date"] == pytest.approx(65000 / 200000)
    company = board.company.iloc[0]
    assert company["revenue_to_date"] == fen(75000)
    assert company["attainment_to_date"] == pytest.approx(75000 / 250000)
    assert company["progress_gap"] == pytest.approx(0.3 - PROGRESS)


def test_same_point_last_month_is_the_same_number_of_working_days(board):
    # 4 working days gone in October (8, 9, 10 and 12 October): 1-4 September, Tuesday to
    # Friday. The sales of 2 and 4 September count; those of 7 September (the 5th working
    # day) and 10 September are later.
    reps, teams = board.reps, board.teams
    assert reps.loc["R01", "same_point_last_month"] == fen(10000 + 1000)
    assert reps.loc["R01", "to_date_mom_pct"] == pytest.approx(30000 / 11000 - 1)
    assert pd.isna(reps.loc["R02", "to_date_mom_pct"])  # no rows then: empty, not infinite
    assert teams.loc["一部", "to_date_mom_pct"] == pytest.approx(65000 / 11000 - 1)


def test_ranks_share_ties_skip_the_inactive_and_move_against_the_previous_board(board):
    reps = board.reps
    # R01 and R02 are tied (30,000 of 100,000 each): both rank 1, R03 is 3rd; R04 has left.
    assert reps.loc[["R01", "R02", "R03"], "rank_attainment"].tolist() == [1, 1, 3]
    assert reps.loc[["R01", "R02", "R03"], "rank_revenue"].tolist() == [1, 1, 3]
    assert pd.isna(reps.loc["R04", "rank_attainment"]) and pd.isna(reps.loc["R04", "rank_revenue"])
    assert list(reps.index[:3]) == ["R01", "R02", "R03"]  # inside a tie, by rep_id
    # previous attainment ranks: R01 2nd, R02 1st, R03 not on the board
    assert reps.loc["R01", "movement"] == 2 - 1
    assert reps.loc["R02", "movement"] == 0
    assert pd.isna(reps.loc["R03", "movement"])
    assert board.teams["rank_attainment"].to_dict() == {"一部": 1, "二部": 2}


def test_pledge_progress_beside_the_time_progress_of_its_own_period(board):
    pledges = board.pledges.set_index("period")
    month = pledges.loc["2026-10"]
    assert month["revenue_to_date"] == fen(30000)
    assert month["pledge_progress"] == pytest.approx(30000 / 50000)
    assert month["time_progress"] == pytest.approx(PROGRESS)
    quarter = pledges.loc["2026-Q4"]  # a team pledge of M01: team 一部's quarter to date
    assert quarter["revenue_to_date"] == fen(65000)
    assert quarter["pledge_progress"] == pytest.approx(65000 / 500000)
    assert quarter["time_progress"] == pytest.approx(4 / (18 + 21 + 23))


def test_visits_to_date_in_the_configured_zone(board):
    assert board.reps.loc["R01", "visits_to_date"] == 2
    assert board.reps.loc["R01", "visits_per_week_to_date"] == pytest.approx(2 / (12 / 7))


def test_the_weekly_board_ranks_the_week(frames):
    data, settings = frames
    week = compute_board(data, AS_OF, settings, weekly=True)
    assert week.week_start == dt.date(2026, 10, 12)  # Monday 12 October: its week so far
    assert week.reps.loc[["R01", "R02", "R03"], "revenue_of_week"].tolist() == [fen(10000), 0, fen(10000)]
    assert week.reps.loc[["R01", "R02", "R03"], "rank_week"].tolist() == [1, 3, 1]
    assert week.reps.loc["R01", "revenue_to_date"] == fen(30000)  # the month beside it


@pytest.mark.parametrize("as_of, weekly, first", [
    (dt.date(2026, 10, 12), False, dt.date(2026, 10, 1)),  # month to date
    (dt.date(2026, 10, 12), True, dt.date(2026, 10, 1)),   # its week (from the 12th) is inside the month
    (dt.date(2026, 11, 1), True, dt.date(2026, 10, 26)),   # Sunday 1 November: its week began in October
    (dt.date(2026, 11, 1), False, dt.date(2026, 11, 1)),
])
def test_the_first_day_a_board_shows(as_of, weekly, first):
    assert first_day_shown(as_of, weekly) == first


def test_a_board_on_a_holiday_before_any_working_day(frames):
    data, settings = frames
    early = compute_board(data, dt.date(2026, 10, 3), settings)
    assert early.time_progress == 0
    assert early.reps["projected_attainment"].isna().all()  # no pace yet
    assert early.reps["to_date_mom_pct"].isna().all()  # nothing of September compares


# --- as of a month's last day, the board is the month --------------------------------------

def _month_revenue_matches(folder: Path, config: Path | None, period: str, month_kpis: Path) -> None:
    import openpyxl
    settings = load_settings(config)
    frames = load_inputs(folder, settings).frames
    last = pd.Period(period, "M").end_time.date()
    board = compute_board(frames, last, settings)
    book = openpyxl.load_workbook(month_kpis, read_only=True, data_only=True)
    for sheet, table, key in (("reps", board.reps, "rep_id"), ("teams", board.teams, "team")):
        header, *rows = list(book[sheet].iter_rows(values_only=True))
        month = {row[header.index(key)]: row[header.index("revenue")] for row in rows}
        shown = {str(k): round(int(v) / 100, 2) for k, v in table["revenue_to_date"].items()}
        assert {k: shown.get(k) for k in month} == pytest.approx(month)
    header, row = list(book["company"].iter_rows(values_only=True))[:2]
    assert round(int(board.company["revenue_to_date"].iloc[0]) / 100, 2) == pytest.approx(
        row[header.index("revenue")])


def test_the_last_days_board_equals_the_month_pack_on_the_sample(sample_run):
    from tests.conftest import SAMPLE_CONFIG, SAMPLE_INPUTS
    _month_revenue_matches(SAMPLE_INPUTS, SAMPLE_CONFIG, "2026-10", sample_run / "kpis.xlsx")


def test_the_last_days_board_equals_the_month_pack_on_another_org(tmp_path):
    from pipeline.sample import generate
    from tests.conftest import invoke
    inputs = tmp_path / "inputs"
    generate(inputs, seed=777)
    result = invoke("run", "--inputs", str(inputs), "--outputs", str(tmp_path / "out"), "--period", "2026-09")
    assert result.exit_code == 0, result.output
    _month_revenue_matches(inputs, None, "2026-09", tmp_path / "out" / "2026-09" / "kpis.xlsx")
