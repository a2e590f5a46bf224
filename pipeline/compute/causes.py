"""Cause analysis (原因分析) of kpis.md: who made the variance, and what moved since P-1."""

from __future__ import annotations

import pandas as pd

from .. import periods

UNCLASSIFIED = "unclassified"


def variance_share(variance: pd.Series, company_variance) -> pd.Series:
    """Each team's and rep's share of the company variance against target."""
    if company_variance is pd.NA or company_variance is None or company_variance == 0:
        return pd.Series(pd.NA, index=variance.index, dtype="Float64")
    return (variance.astype("Float64") / float(company_variance)).astype("Float64")


def change_by(rows: pd.DataFrame, dimension: str, period: pd.Period) -> pd.DataFrame:
    """The change against P-1 (the previous month, quarter or year) by ``dimension``
    (product, customer class): revenue in P, in P-1 and the change, largest positive
    first, largest negative last."""
    now, before = periods.months_of(period), periods.months_of(period - 1)
    window = rows[rows["month"].isin(now + before)]
    window = window.assign(side=window["month"].isin(now).map({True: "revenue", False: "previous_revenue"}))
    table = window.pivot_table(index=dimension, columns="side", values="amount", aggfunc="sum")
    table = table.reindex(columns=["revenue", "previous_revenue"]).fillna(0).astype("Int64")
    table.columns = ["revenue", "previous_revenue"]
    table["change"] = table["revenue"] - table["previous_revenue"]
    table.index.name = dimension
    return table.sort_values(["change", "revenue"], ascending=[False, False]).reset_index()


def customer_class(rows: pd.DataFrame, customers: pd.DataFrame | None) -> pd.Series:
    """Each sales row's customer class; rows of customers unknown or without one are 'unclassified'."""
    if customers is None:
        return pd.Series(UNCLASSIFIED, index=rows.index)
    return rows["customer_id"].map(customers.set_index("customer_id")["class"]).fillna(UNCLASSIFIED)
