"""Trips of kpis.md (出差计划): expense against budget and plan completion."""

from __future__ import annotations

import pandas as pd

from .. import periods


def trips_of(trips: pd.DataFrame, period: pd.Period) -> pd.DataFrame:
    """The trips of P are those whose dates overlap P."""
    first, last = periods.first_day(period), periods.last_day(period)
    return trips[(trips["start_date"] <= last) & (trips["end_date"] >= first)]


def planned_list(planned_customers: pd.Series) -> pd.Series:
    """Customer ids separated by ``;`` ``,`` or ``、`` -> distinct ids per trip."""
    split = planned_customers.fillna("").str.split(r"\s*[;,、，；]\s*", regex=True)
    return split.map(lambda ids: sorted({i.strip() for i in ids if i.strip()}))


def expense_variance(actual_amount: pd.Series, budget_amount: pd.Series) -> pd.Series:
    """expense_variance = actual_amount - budget_amount, per trip (empty without an actual)."""
    return (actual_amount - budget_amount).astype("Int64")


def plan_completion(trips: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """plan_completion: distinct planned customers that have a visit by the same rep with
    a check-in date from start_date to end_date inclusive / distinct planned customers."""
    planned = trips[["trip_id", "rep_id", "start_date", "end_date"]].assign(
        customer_id=planned_list(trips["planned_customers"])).explode("customer_id").dropna(subset=["customer_id"])
    met = planned.merge(visits[["rep_id", "customer_id", "day"]], on=["rep_id", "customer_id"], how="left")
    met = met[(met["day"] >= met["start_date"]) & (met["day"] <= met["end_date"])]
    visited = met.drop_duplicates(["trip_id", "customer_id"]).groupby("trip_id").size()
    counts = planned.groupby("trip_id").size()
    out = pd.DataFrame({"planned_customers": counts.reindex(trips["trip_id"]).fillna(0).astype("Int64"),
                        "planned_visited": visited.reindex(trips["trip_id"]).fillna(0).astype("Int64")})
    out["plan_completion"] = (out["planned_visited"].astype("Float64")
                              / out["planned_customers"].astype("Float64").mask(out["planned_customers"] == 0))
    return out


def trip_sheet(trips: pd.DataFrame, visits: pd.DataFrame | None, period: pd.Period,
               names: pd.Series) -> pd.DataFrame:
    """The `trips` sheet: one row per trip of P."""
    rows = trips_of(trips, period).copy()
    rows["rep_name"] = rows["rep_id"].map(names)
    rows["expense_variance"] = expense_variance(rows["actual_amount"], rows["budget_amount"])
    visits = visits if visits is not None else pd.DataFrame(columns=["rep_id", "customer_id", "day"])
    completion = plan_completion(rows, visits)
    rows = rows.rename(columns={"planned_customers": "planned_ids"}).join(completion, on="trip_id")
    return rows.sort_values(["start_date", "trip_id"]).reset_index(drop=True)


def expense_by_rep(trip_sheet: pd.DataFrame) -> pd.DataFrame:
    """expense_variance per rep: over that rep's trips of P that have an actual."""
    grouped = trip_sheet.groupby(["rep_id", "rep_name"], dropna=False)
    table = pd.DataFrame({
        "trips": grouped.size(),
        "budget_amount": grouped["budget_amount"].sum(min_count=1),
        "actual_amount": grouped["actual_amount"].sum(min_count=1),
        "expense_variance": grouped["expense_variance"].sum(min_count=1),
    }).reset_index()
    for column in ("budget_amount", "actual_amount", "expense_variance"):
        table[column] = table[column].astype("Int64")
    return table.sort_values(["expense_variance", "rep_id"], ascending=[False, True], na_position="last")
