"""Pledge settlement (奖惩兑现) and the certificates of the coming period (业绩保证书)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import periods
from ..config import Pledges as PledgeSettings
from . import sales


def pledges_of(pledges: pd.DataFrame, period: pd.Period) -> pd.DataFrame:
    """The pledges settled or tracked in P: for a month, its monthly ones and the
    quarterly ones of its quarter; for a quarter, its quarterly ones; a year has none of
    its own (pledges are made by month or quarter)."""
    labels = {periods.MONTH: [periods.label(period), periods.quarter_label(period)],
              periods.QUARTER: [periods.label(period)], periods.YEAR: []}[periods.kind(period)]
    return pledges[pledges["period"].isin(labels)]


def is_settled(pledge_period: pd.Series, period: pd.Period) -> pd.Series:
    """A monthly pledge is settled in its month; "a quarterly pledge (YYYY-Qn) is
    settled in the quarter's last month" (and in the quarter's own pack)."""
    quarterly = pledge_period.str.contains("Q")
    last_month = periods.months_of(period)[-1] == periods.quarter_months(period)[-1]
    return ~quarterly | last_month


def pledge_actual(pledge_rows: pd.DataFrame, rep_figures: pd.DataFrame, team_figures: pd.DataFrame,
                  team_of: pd.Series) -> pd.Series:
    """Revenue a pledge is measured on: the pledger's own (individual) or that of the
    pledger's roster team (team); QTD revenue for a quarterly pledge."""
    quarterly = pledge_rows["period"].str.contains("Q")
    pledger = pledge_rows["pledger_id"]
    # Someone not in the reps table sold nothing in the period: their revenue is 0.
    own = pledger.map(rep_figures["revenue"]).where(~quarterly, pledger.map(rep_figures["qtd_revenue"])).fillna(0)
    team = pledger.map(team_of)
    led = team.map(team_figures["revenue"]).where(~quarterly, team.map(team_figures["qtd_revenue"]))
    led = led.fillna(0).where(team.notna())
    actual = own.where(pledge_rows["scope"] == "individual", led)
    return actual.astype("Int64")


def pledge_attainment(actual: pd.Series, pledge_amount: pd.Series, settled: pd.Series) -> pd.Series:
    """pledge_attainment = revenue / pledge_amount (empty before a quarterly pledge is due)."""
    return (actual.astype("Float64") / pledge_amount.astype("Float64")).where(settled).astype("Float64")


def pledge_met(actual: pd.Series, pledge_amount: pd.Series, settled: pd.Series) -> pd.Series:
    """A pledge is met when revenue >= pledge_amount."""
    return (actual >= pledge_amount).astype("boolean").where(settled)


def forfeit_due(forfeit_amount: pd.Series, met: pd.Series) -> pd.Series:
    """forfeit due (乐捐) = forfeit_amount when missed, else 0."""
    due = forfeit_amount.where(met == False, 0)  # noqa: E712 (NA stays NA)
    return due.where(met.notna()).astype("Int64")


def reward(pledge_attainment: pd.Series, scope: pd.Series, settings: PledgeSettings) -> pd.Series:
    """reward: from the reward tiers in config (attainment thresholds -> amount): the
    highest tier reached, 0 when none is."""
    result = pd.Series(0, index=pledge_attainment.index, dtype="Int64")
    for kind in ("individual", "team"):
        for tier in settings.tiers(kind):
            reached = (scope == kind) & (pledge_attainment >= tier.min_attainment).fillna(False)
            result = result.mask(reached, int(tier.amount * 100))
    return result.where(pledge_attainment.notna()).astype("Int64")


def not_over(pledge_period: pd.Series, today: dt.date | None) -> pd.Series:
    """Pledges whose own period has not ended by ``today``: not yet due, whatever the
    revenue so far (a pack of a period in progress settles nothing early)."""
    if today is None:
        return pd.Series(False, index=pledge_period.index)
    ends = pledge_period.map(lambda text: periods.last_day(periods.parse_period(text)))
    return (ends >= pd.Timestamp(today)).astype(bool)


def settlement(pledges: pd.DataFrame, period: pd.Period, roster: pd.DataFrame, rep_figures: pd.DataFrame,
               team_figures: pd.DataFrame, settings: PledgeSettings, today: dt.date | None = None) -> pd.DataFrame:
    """The `pledges` sheet: one row per pledge row of the period."""
    rows = pledges_of(pledges, period).copy()
    people = roster.set_index("rep_id")
    rows["name"] = rows["pledger_id"].map(people["name"])
    rows["team"] = rows["pledger_id"].map(people["team"])
    rows["settled"] = is_settled(rows["period"], period) & ~not_over(rows["period"], today)
    rows["actual"] = pledge_actual(rows, rep_figures, team_figures, people["team"])
    rows["pledge_attainment"] = pledge_attainment(rows["actual"], rows["pledge_amount"], rows["settled"])
    rows["progress"] = rows["actual"].astype("Float64") / rows["pledge_amount"].astype("Float64")
    rows["met"] = pledge_met(rows["actual"], rows["pledge_amount"], rows["settled"])
    rows["reward"] = reward(rows["pledge_attainment"], rows["scope"], settings)
    rows["forfeit_due"] = forfeit_due(rows["forfeit_amount"], rows["met"])
    order = rows["scope"].map({"team": 0, "individual": 1})
    return rows.assign(_order=order).sort_values(["_order", "period", "team", "pledger_id"]) \
        .drop(columns="_order").reset_index(drop=True)


def within(pledges: pd.DataFrame, period: pd.Period, roster: pd.DataFrame, sales_rows: pd.DataFrame,
           settings: PledgeSettings, today: dt.date | None = None) -> pd.DataFrame:
    """The pledges of the shorter periods inside a quarter or a year (its months' monthly
    pledges; a year's quarterly ones too), each settled on its own period's revenue
    exactly as that period's pack settles it; empty for a month."""
    kind = periods.kind(period)
    inner = [] if kind == periods.MONTH else periods.months_of(period)
    if kind == periods.YEAR:
        inner += [pd.Period(f"{period.year}Q{q}", freq="Q") for q in range(1, 5)]
    people = roster.set_index("rep_id")
    reps, teams = sales.month_revenue(sales_rows, "rep_id"), sales.month_revenue(sales_rows, "team")
    parts = []
    for inner_period in inner:
        rows = pledges[pledges["period"] == periods.label(inner_period)]
        if rows.empty:
            continue
        revenue_of = {}
        for name, table, ids in (("reps", reps, pd.Index(rows["pledger_id"]).union(people.index)),
                                 ("teams", teams, pd.Index(people["team"].dropna().unique()))):
            revenue_of[name] = pd.DataFrame({
                "revenue": sales.revenue(table, inner_period, ids),
                "qtd_revenue": sales.range_revenue(table, periods.quarter_to_date(inner_period), ids)})
        parts.append(settlement(rows, inner_period, roster, revenue_of["reps"], revenue_of["teams"], settings,
                                today))
    if not parts:
        return settlement(pledges.iloc[0:0], period, roster, pd.DataFrame(columns=["revenue", "qtd_revenue"]),
                          pd.DataFrame(columns=["revenue", "qtd_revenue"]), settings)
    return pd.concat(parts, ignore_index=True)


def summary(settled: pd.DataFrame) -> pd.DataFrame:
    """The pledges of a period's months (and a year's quarters) summarised per pledger:
    "pledges made, met, missed, reward and forfeit_due summed"."""
    columns = ["pledger_id", "name", "team", "scope", "kind", "pledges", "met", "missed", "reward", "forfeit_due"]
    if settled.empty:
        return pd.DataFrame(columns=columns)
    rows = settled.assign(kind=settled["period"].str.contains("Q").map({True: "quarter", False: "month"}),
                          made=1, kept=settled["met"].eq(True).fillna(False).astype(int),
                          broken=settled["met"].eq(False).fillna(False).astype(int))
    table = rows.groupby(["pledger_id", "scope", "kind"], dropna=False).agg(
        name=("name", "first"), team=("team", "first"), pledges=("made", "sum"), met=("kept", "sum"),
        missed=("broken", "sum"), reward=("reward", lambda s: s.sum(min_count=1)),
        forfeit_due=("forfeit_due", lambda s: s.sum(min_count=1))).reset_index()
    for column in ("reward", "forfeit_due"):
        table[column] = table[column].astype("Int64")
    order = table["scope"].map({"team": 0, "individual": 1})
    return table.assign(_order=order).sort_values(["_order", "kind", "team", "pledger_id"]) \
        .drop(columns="_order").reset_index(drop=True)[columns]


def certificate_periods(coming: pd.Period) -> list[str]:
    """The pledge periods whose certificates are signed for ``coming``: the month, and
    the quarter when ``coming`` starts one (the run of P renders those of P+1); a
    quarter's own; none for a year (pledges are by month or quarter)."""
    kind = periods.kind(coming)
    if kind != periods.MONTH:
        return [periods.label(coming)] if kind == periods.QUARTER else []
    labels = [periods.label(coming)]
    if periods.quarter_months(coming)[0] == coming:
        labels.append(periods.quarter_label(coming))
    return labels


def certificates(pledges: pd.DataFrame | None, roster: pd.DataFrame, rep_targets: pd.DataFrame,
                 team_targets: pd.DataFrame, coming: pd.Period, labels: list[str]) -> pd.DataFrame:
    """One certificate per pledges row of ``labels``; a blank one for each active rep and
    manager who has none, with their target of ``coming`` as a reference. None when no
    pledge period is signed for ``coming`` (a year)."""
    if not labels:
        return pd.DataFrame(columns=["number", "period", "pledger_id", "name", "team", "scope", "blank",
                                     "pledge_amount", "forfeit_amount", "reference_target", "signed_date",
                                     "quarterly"])
    people = roster.set_index("rep_id")
    filled = pledges[pledges["period"].isin(labels)].copy() if pledges is not None else \
        pd.DataFrame(columns=["period", "pledger_id", "scope", "pledge_amount", "forfeit_amount", "signed_date"])
    filled["blank"] = False
    pledged = set(filled["pledger_id"])
    candidates = roster[roster["active"] & roster["role"].isin(["rep", "manager"]) & ~roster["rep_id"].isin(pledged)]
    blank = pd.DataFrame({
        "period": labels[0],
        "pledger_id": candidates["rep_id"].to_numpy(),
        "scope": candidates["role"].map({"manager": "team", "rep": "individual"}).to_numpy(),
        "blank": True,
    })
    sheet = pd.concat([filled, blank], ignore_index=True)
    sheet["name"] = sheet["pledger_id"].map(people["name"])
    sheet["team"] = sheet["pledger_id"].map(people["team"])
    # The target of ``coming`` (a quarter's: its months' summed, empty with one missing).
    months = periods.months_of(coming)
    own = sales.range_target(rep_targets, months, rep_targets.index)
    led = sales.range_target(team_targets, months, team_targets.index)
    sheet["reference_target"] = sheet["pledger_id"].map(own).where(
        sheet["scope"] == "individual", sheet["team"].map(led)).astype("Int64")
    sheet["quarterly"] = sheet["period"].str.contains("Q")
    sheet = sheet.sort_values(["blank", "team", "scope", "pledger_id"], ascending=[True, True, False, True])
    sheet = sheet.reset_index(drop=True)
    sheet["number"] = [f"BZS-{periods.label(coming).replace('-', '')}-{i + 1:04d}" for i in range(len(sheet))]
    return sheet
