"""Sales figures of kpis.md for one grain (rep, team or company).

Each figure is a function named after what it produces, its parameters named
after its inputs; docstrings quote kpis.md. Money is exact Int64 fen; ratios are
floats computed from sums at each grain (never averaged); empty is NA.
"""

from __future__ import annotations

import pandas as pd

from .. import periods


def month_revenue(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """key x month -> sum of amount; NA where the key has no sales rows that month."""
    return rows.pivot_table(index=key, columns="month", values="amount", aggfunc="sum").astype("Int64")


def revenue(month_revenue: pd.DataFrame, period: pd.Period, ids: pd.Index) -> pd.Series:
    """revenue: sum of `amount` of sales rows dated in P (returns count negative); for
    a quarter or a year, the sum over its months."""
    return range_revenue(month_revenue, periods.months_of(period), ids)


def earlier_revenue(month_revenue: pd.DataFrame, earlier: pd.Period, ids: pd.Index) -> pd.Series:
    """Revenue of an earlier period (P-1, the same period a year before), empty where
    the rep/team has no sales rows in it (so that a change against it is empty)."""
    present = [m for m in periods.months_of(earlier) if m in month_revenue.columns]
    if not present:
        return pd.Series(pd.NA, index=ids, dtype="Int64")
    return month_revenue[present].sum(axis=1, min_count=1).reindex(ids).astype("Int64")


def orders(rows_in_period: pd.DataFrame, key: str, ids: pd.Index) -> pd.Series:
    """orders: number of distinct `order_id` in P whose net amount is > 0 (a return
    document is not an order)."""
    net = rows_in_period.groupby([key, "order_id"], observed=True)["amount"].sum()
    counted = (net > 0).groupby(level=0).sum()
    return counted.reindex(ids).fillna(0).astype("Int64")


def gross_margin_pct(rows_in_period: pd.DataFrame, key: str, ids: pd.Index) -> pd.Series:
    """gross_margin_pct: (revenue - cost) / revenue over rows that have a cost; empty
    when no row has one."""
    costed = rows_in_period[rows_in_period["cost"].notna()]
    sums = costed.groupby(key, observed=True)[["amount", "cost"]].sum().reindex(ids)
    amount = sums["amount"].astype("Float64")
    return ((amount - sums["cost"].astype("Float64")) / amount.mask(amount == 0)).astype("Float64")


def variance(revenue: pd.Series, target: pd.Series) -> pd.Series:
    """variance = revenue - target; empty when the target is missing (revenue - 0 when it is 0)."""
    return (revenue - target).astype("Int64")


def variance_pct(variance: pd.Series, target: pd.Series) -> pd.Series:
    """variance_pct = variance / target."""
    return _ratio(variance, target)


def attainment(revenue: pd.Series, target: pd.Series) -> pd.Series:
    """attainment = revenue / target. Empty (shown "—", never 0 or infinity) when
    target is missing or 0."""
    return _ratio(revenue, target)


def stretch_attainment(revenue: pd.Series, stretch: pd.Series) -> pd.Series:
    """stretch_attainment = revenue / stretch."""
    return _ratio(revenue, stretch)


def change_pct(revenue: pd.Series, earlier_revenue: pd.Series) -> pd.Series:
    """mom_pct = revenue / revenue(P-1) - 1; yoy_pct = revenue / revenue(P-12) - 1;
    empty when the earlier month has no sales rows for that rep/team or its revenue is 0.
    pop_pct (a quarter or a year) = revenue / revenue(previous quarter or year) - 1, and
    yoy_pct against the same period a year earlier, with the same emptiness rules."""
    return (_ratio(revenue, earlier_revenue) - 1).astype("Float64")


def range_revenue(month_revenue: pd.DataFrame, months: list[pd.Period], ids: pd.Index) -> pd.Series:
    """qtd_revenue, ytd_revenue: revenue from the first day of P's quarter / year to
    the last day of P."""
    present = [m for m in months if m in month_revenue.columns]
    if not present:
        return pd.Series(0, index=ids, dtype="Int64")
    return month_revenue[present].sum(axis=1).reindex(ids).fillna(0).astype("Int64")


def range_target(month_targets: pd.DataFrame, months: list[pd.Period], ids: pd.Index) -> pd.Series:
    """The summed monthly targets of a range; empty when any month of the range has no
    target for that rep/team."""
    table = month_targets.reindex(index=ids, columns=months)
    return table.sum(axis=1, min_count=len(months)).where(table.notna().all(axis=1)).astype("Int64")


def range_attainment(range_revenue: pd.Series, range_target: pd.Series) -> pd.Series:
    """qtd/ytd attainment against the summed monthly targets."""
    return _ratio(range_revenue, range_target)


def quarter_forecast(qtd_revenue: pd.Series, period: pd.Period) -> pd.Series:
    """quarter_forecast (run rate): QTD revenue + (QTD revenue / months elapsed) x
    months left, P counting as elapsed (October: 3 x October revenue). Empty for a
    quarter or a year."""
    if periods.kind(period) != periods.MONTH:
        return pd.Series(pd.NA, index=qtd_revenue.index, dtype="Int64")
    elapsed = len(periods.quarter_to_date(period))
    left = 3 - elapsed
    # In fen: exact when divisible; otherwise rounded half away from zero to the fen.
    run_rate = qtd_revenue.astype("Float64") * (elapsed + left) / elapsed
    return run_rate.round().astype("Int64")


def competition_rank(values: pd.Series, eligible: pd.Series) -> pd.Series:
    """rank: 1 = highest. Ties (exact equality) share the lower rank number (1, 2, 2, 4).
    Only ``eligible`` rows are ranked; the rest stay empty."""
    ranked = values.where(eligible).astype("Float64").rank(method="min", ascending=False, na_option="keep")
    return ranked.astype("Int64")


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    denominator = denominator.astype("Float64")
    return (numerator.astype("Float64") / denominator.mask(denominator == 0)).astype("Float64")


def sales_figures(rows: pd.DataFrame, key: str, ids: pd.Index, period: pd.Period,
                  targets: pd.DataFrame, stretches: pd.DataFrame) -> pd.DataFrame:
    """The Sales columns of the workbook for one grain, indexed by ``ids``; for a month,
    a quarter or a year (a quarter or a year adds pop_pct and leaves mom_pct empty)."""
    by_month = month_revenue(rows, key)
    months = periods.months_of(period)
    in_period = rows[rows["month"].isin(months)]
    figures = pd.DataFrame(index=ids)
    figures["revenue"] = revenue(by_month, period, ids)
    figures["orders"] = orders(in_period, key, ids)
    figures["gross_margin_pct"] = gross_margin_pct(in_period, key, ids)
    target = range_target(targets, months, ids)
    stretch = range_target(stretches, months, ids)
    figures["target"] = target
    figures["stretch"] = stretch
    figures["variance"] = variance(figures["revenue"], target)
    figures["variance_pct"] = variance_pct(figures["variance"], target)
    figures["attainment"] = attainment(figures["revenue"], target)
    figures["stretch_attainment"] = stretch_attainment(figures["revenue"], stretch)
    previous = earlier_revenue(by_month, period - 1, ids)
    change = change_pct(figures["revenue"], previous)
    monthly = periods.kind(period) == periods.MONTH
    figures["mom_pct"] = change if monthly else pd.Series(pd.NA, index=ids, dtype="Float64")
    if not monthly:
        figures["pop_pct"] = change
    figures["yoy_pct"] = change_pct(figures["revenue"], earlier_revenue(by_month, periods.year_earlier(period), ids))
    quarter, year = periods.quarter_to_date(period), periods.year_to_date(period)
    if quarter:
        figures["qtd_revenue"] = range_revenue(by_month, quarter, ids)
        figures["qtd_attainment"] = range_attainment(figures["qtd_revenue"], range_target(targets, quarter, ids))
    else:  # "qtd_*: for a year, empty"
        figures["qtd_revenue"] = pd.Series(pd.NA, index=ids, dtype="Int64")
        figures["qtd_attainment"] = pd.Series(pd.NA, index=ids, dtype="Float64")
    figures["ytd_revenue"] = range_revenue(by_month, year, ids)
    figures["ytd_attainment"] = range_attainment(figures["ytd_revenue"], range_target(targets, year, ids))
    figures["quarter_forecast"] = quarter_forecast(figures["qtd_revenue"], period)
    figures["previous_revenue"] = previous.fillna(0).astype("Int64")
    return figures


def month_by_month(rows: pd.DataFrame, key: str, ids: pd.Index, period: pd.Period,
                   targets: pd.DataFrame) -> pd.DataFrame:
    """The `months` sheet of one grain: for each month of P and each key, revenue,
    target and attainment of that month (the same figures as that month's pack)."""
    by_month = month_revenue(rows, key)
    parts = []
    for month in periods.months_of(period):
        one = pd.DataFrame({"revenue": revenue(by_month, month, ids), "target": range_target(targets, [month], ids)})
        one["attainment"] = attainment(one["revenue"], one["target"])
        parts.append(one.rename_axis("key").reset_index().assign(period=str(month)))
    return pd.concat(parts, ignore_index=True)[["period", "key", "revenue", "target", "attainment"]]
