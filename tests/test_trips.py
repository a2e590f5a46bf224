"""compute.trips: expense variance and plan completion on small frames, by hand."""

from __future__ import annotations

import pandas as pd

from pipeline.compute.trips import expense_by_rep, planned_list, trip_sheet


def trips() -> pd.DataFrame:
    return pd.DataFrame({
        "trip_id": ["T1", "T2", "T3", "T4"],
        "rep_id": ["R1", "R1", "R2", "R2"],
        "start_date": pd.to_datetime(["2026-09-29", "2026-10-20", "2026-10-30", "2026-11-03"]),
        "end_date": pd.to_datetime(["2026-10-02", "2026-10-22", "2026-11-02", "2026-11-05"]),
        "planned_customers": ["C1;C2", "C3、C3,C4", "C5", "C6"],
        "budget_amount": pd.array([300000, 200000, 500000, 100000], dtype="Int64"),
        "actual_amount": pd.array([350000, None, 420000, 90000], dtype="Int64"),
    })


def visits() -> pd.DataFrame:
    return pd.DataFrame({"rep_id": ["R1", "R9", "R2"], "customer_id": ["C1", "C2", "C5"],
                         "day": pd.to_datetime(["2026-09-30", "2026-10-01", "2026-11-02"])})


def test_trip_sheet_keeps_trips_overlapping_the_month():
    sheet = trip_sheet(trips(), visits(), pd.Period("2026-10", freq="M"), pd.Series({"R1": "张三", "R2": "李四"}))
    assert sheet["trip_id"].tolist() == ["T1", "T2", "T3"]          # T4 is all November
    by_trip = sheet.set_index("trip_id")
    assert by_trip.loc["T1", "expense_variance"] == 350000 - 300000
    assert pd.isna(by_trip.loc["T2", "expense_variance"])           # no actual yet
    assert by_trip.loc["T1", "planned_visited"] == 1                 # C2 was visited by another rep
    assert by_trip.loc["T2", "planned_customers"] == 2               # C3 listed twice counts once
    assert by_trip.loc["T3", "plan_completion"] == 1.0               # visited on its November day


def test_expense_by_rep_sums_trips_with_an_actual():
    sheet = trip_sheet(trips(), visits(), pd.Period("2026-10", freq="M"), pd.Series({"R1": "张三", "R2": "李四"}))
    table = expense_by_rep(sheet).set_index("rep_id")
    assert table.loc["R1", "expense_variance"] == 350000 - 300000    # T2 has no actual
    assert table.loc["R2", "expense_variance"] == 420000 - 500000
    assert table.loc["R1", "trips"] == 2


def test_planned_customers_accept_every_separator():
    assert planned_list(pd.Series(["C1;C2", "C3、C4，C5", "C6, C6", None])).tolist() == [
        ["C1", "C2"], ["C3", "C4", "C5"], ["C6"], []]
