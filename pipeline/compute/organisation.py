"""Who belongs where: the roster's teams and the grains figures are built for.

"A rep or team belongs to the team the roster gives it" (kpis.md): sales and
budget rows are attached to teams through the roster, never through their own
columns.
"""

from __future__ import annotations

import pandas as pd

COMPANY = "company"


def team_of(roster: pd.DataFrame) -> pd.Series:
    """rep_id -> roster team."""
    return roster.set_index("rep_id")["team"]


def teams(roster: pd.DataFrame, budget: pd.DataFrame) -> list[str]:
    """Every team named in the roster, plus teams that only have a budget row."""
    named = set(roster["team"].dropna())
    named |= set(budget.loc[budget["rep_id"].isna(), "team"].dropna())
    return sorted(named)


def sales_rows(sales: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """Sales lines with their month, their rep's roster team and the company key."""
    rows = sales.assign(
        month=sales["order_date"].dt.to_period("M"),
        team=sales["rep_id"].map(team_of(roster)),
    )
    rows[COMPANY] = COMPANY
    return rows


def people_shown(roster: pd.DataFrame, sales_in_period: pd.DataFrame, rep_targets_in_period: pd.Index) -> pd.DataFrame:
    """The reps table's rows: every active rep, plus anyone (an inactive rep, a selling
    manager) with sales or a rep target in the period."""
    involved = set(sales_in_period["rep_id"]) | set(rep_targets_in_period)
    shown = roster[((roster["role"] == "rep") & roster["active"]) | roster["rep_id"].isin(involved)]
    return shown[["rep_id", "name", "role", "team", "active"]].set_index("rep_id")


def frames_of_team(frames: dict[str, pd.DataFrame], team: str) -> dict[str, pd.DataFrame]:
    """Only the rows of one team, as if it were the whole organisation: its people,
    their sales, visits, trips and pledges, the customers they own and those
    customers' surveys, its budget rows. A team pack built from this cannot show
    another team's rows, because they are not there."""
    roster = frames["roster"]
    people = roster[roster["team"] == team]
    ids = set(people["rep_id"])
    subset = {"roster": people}
    for name, column in (("sales", "rep_id"), ("visits", "rep_id"), ("trips", "rep_id"),
                         ("pledges", "pledger_id"), ("customers", "owner_rep_id")):
        if name in frames:
            subset[name] = frames[name][frames[name][column].isin(ids)]
    budget = frames["budget"]
    subset["budget"] = budget[budget["rep_id"].isin(ids) | (budget["rep_id"].isna() & (budget["team"] == team))]
    if "surveys" in frames and "customers" in subset:
        surveys = frames["surveys"]
        subset["surveys"] = surveys[surveys["customer_id"].isin(set(subset["customers"]["customer_id"]))]
    return {name: subset[name] for name in frames if name in subset}
