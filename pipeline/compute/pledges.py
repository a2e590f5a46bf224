"""Pledge settlement (奖惩兑现) and the certificates of the coming period (业绩保证书)."""

from __future__ import annotations

import pandas as pd

from .. import periods
from ..config import Pledges as PledgeSettings


def pledges_of(pledges: pd.DataFrame, period: pd.Period) -> pd.DataFrame:
    """The pledges settled or tracked in P: monthly ones of P and quarterly ones of P's quarter."""
    return pledges[pledges["period"].isin([str(period), periods.quarter_label(period)])]


def is_settled(pledge_period: pd.Series, period: pd.Period) -> pd.Series:
    """A monthly pledge is settled in its month; "a quarterly pledge (YYYY-Qn) is
    settled in the quarter's last month"."""
    quarterly = pledge_period.str.contains("Q")
    return ~quarterly | (period == periods.quarter_months(period)[-1])


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


def settlement(pledges: pd.DataFrame, period: pd.Period, roster: pd.DataFrame, rep_figures: pd.DataFrame,
               team_figures: pd.DataFrame, settings: PledgeSettings) -> pd.DataFrame:
    """The `pledges` sheet: one row per pledge row of the period."""
    rows = pledges_of(pledges, period).copy()
    people = roster.set_index("rep_id")
    rows["name"] = rows["pledger_id"].map(people["name"])
    rows["team"] = rows["pledger_id"].map(people["team"])
    rows["settled"] = is_settled(rows["period"], period)
    rows["actual"] = pledge_actual(rows, rep_figures, team_figures, people["team"])
    rows["pledge_attainment"] = pledge_attainment(rows["actual"], rows["pledge_amount"], rows["settled"])
    rows["progress"] = rows["actual"].astype("Float64") / rows["pledge_amount"].astype("Float64")
    rows["met"] = pledge_met(rows["actual"], rows["pledge_amount"], rows["settled"])
    rows["reward"] = reward(rows["pledge_attainment"], rows["scope"], settings)
    rows["forfeit_due"] = forfeit_due(rows["forfeit_amount"], rows["met"])
    order = rows["scope"].map({"team": 0, "individual": 1})
    return rows.assign(_order=order).sort_values(["_order", "period", "team", "pledger_id"]) \
        .drop(columns="_order").reset_index(drop=True)


def certificate_periods(coming: pd.Period) -> list[str]:
    """The pledge periods whose certificates are signed for ``coming``: the month, and
    the quarter when ``coming`` starts one. (The run of P renders those of P+1.)"""
    labels = [str(coming)]
    if periods.quarter_months(coming)[0] == coming:
        labels.append(periods.quarter_label(coming))
    return labels


def certificates(pledges: pd.DataFrame | None, roster: pd.DataFrame, rep_targets: pd.DataFrame,
                 team_targets: pd.DataFrame, coming: pd.Period, labels: list[str]) -> pd.DataFrame:
    """One certificate per pledges row of ``labels``; a blank one for each active rep and
    manager who has none, with their target of ``coming`` as a reference."""
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
    own = rep_targets[coming] if coming in rep_targets.columns else pd.Series(dtype="Int64")
    led = team_targets[coming] if coming in team_targets.columns else pd.Series(dtype="Int64")
    sheet["reference_target"] = sheet["pledger_id"].map(own).where(
        sheet["scope"] == "individual", sheet["team"].map(led)).astype("Int64")
    sheet["quarterly"] = sheet["period"].str.contains("Q")
    sheet = sheet.sort_values(["blank", "team", "scope", "pledger_id"], ascending=[True, True, False, True])
    sheet = sheet.reset_index(drop=True)
    sheet["number"] = [f"BZS-{coming.year}{coming.month:02d}-{i + 1:04d}" for i in range(len(sheet))]
    return sheet
