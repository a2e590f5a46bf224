"""Customer figures of kpis.md: active and new customers, stage funnel, satisfaction."""

from __future__ import annotations

import pandas as pd

from .. import periods
from ..contract import STAGES
from .organisation import COMPANY, team_of

SCORES = {"product": "product_score", "sales": "sales_score", "service": "service_score"}


def active_customers(sales_in_period: pd.DataFrame, key: str, ids: pd.Index) -> pd.Series:
    """active customers: distinct customers with net revenue > 0 in P (for a rep or
    team: in its own sales rows)."""
    net = sales_in_period.groupby([key, "customer_id"])["amount"].sum()
    return (net > 0).groupby(level=0).sum().reindex(ids).fillna(0).astype("Int64")


def new_customers(sales: pd.DataFrame, sales_in_period: pd.DataFrame, key: str, ids: pd.Index,
                  period: pd.Period) -> pd.Series:
    """new customers: customers whose first sales row ever (in all sales data) is in P;
    counted for a grain whose own rows in P include the customer."""
    first = sales.groupby("customer_id")["order_date"].min().dt.to_period("M")
    new = set(first[first.isin(periods.months_of(period))].index)
    pairs = sales_in_period.loc[sales_in_period["customer_id"].isin(new), [key, "customer_id"]].drop_duplicates()
    return pairs.groupby(key).size().reindex(ids).fillna(0).astype("Int64")


def owned(frame: pd.DataFrame, customers: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """Rows keyed by customer, with the grains that own the customer (owner_rep_id)."""
    owner = frame["customer_id"].map(customers.set_index("customer_id")["owner_rep_id"])
    return frame.assign(rep_id=owner, team=owner.map(team_of(roster)), **{COMPANY: COMPANY})


def stage_funnel(customers: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """stage funnel: customers by stage (prospect -> intent -> signed -> key -> major),
    for the company and each team (by owner)."""
    rows = customers.assign(team=customers["owner_rep_id"].map(team_of(roster)))
    company = rows.groupby("stage").size().rename(COMPANY)
    teams = rows.groupby(["stage", "team"]).size().unstack("team")
    table = pd.concat([company, teams], axis=1).reindex(list(STAGES)).fillna(0).astype("int64")
    table.index.name = "stage"
    return table


def surveys_in(surveys: pd.DataFrame, period: pd.Period) -> pd.DataFrame:
    """The surveys dated in P (a month, a quarter or a year)."""
    return surveys[surveys["date"].dt.to_period("M").isin(periods.months_of(period))]


def satisfaction_mean(survey_rows: pd.DataFrame, key: str, ids: pd.Index, score: str) -> pd.Series:
    """satisfaction per score: the mean over surveys dated in P (empty scores ignored);
    a rep's or team's figure uses the surveys of customers it owns."""
    return survey_rows.groupby(key)[SCORES[score]].mean().reindex(ids).astype("Float64")


def satisfaction_answers(survey_rows: pd.DataFrame, key: str, ids: pd.Index) -> pd.Series:
    """The number of surveys dated in P behind the grain's satisfaction figures."""
    return survey_rows.groupby(key).size().reindex(ids).fillna(0).astype("Int64")


def satisfaction_table(survey_rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per score: number of answers, mean, and share of that score's answers >= 4."""
    records = []
    for score, column in SCORES.items():
        answered = survey_rows[survey_rows[column].notna()]
        grouped = answered.groupby(key)[column]
        table = pd.DataFrame({"answers": grouped.size(), "mean": grouped.mean(),
                              "share_4_plus": grouped.apply(lambda s: (s >= 4).mean())})
        records.append(table.assign(score=score).reset_index().rename(columns={key: "key"}))
    if not records:
        return pd.DataFrame(columns=["key", "score", "answers", "mean", "share_4_plus"])
    return pd.concat(records, ignore_index=True)[["key", "score", "answers", "mean", "share_4_plus"]]
