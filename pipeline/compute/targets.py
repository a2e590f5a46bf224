"""Targets and stretch targets per grain and month, from budget (inputs.md team rule).

Money is Int64 fen. A missing target is NA, never 0.
"""

from __future__ import annotations

import pandas as pd

from .organisation import COMPANY, team_of


def _by_month(rows: pd.DataFrame, key: str, column: str) -> pd.DataFrame:
    """key x month -> sum of ``column``; NA (not 0) where no row has a value."""
    return rows.groupby([key, "period"], observed=True)[column].sum(min_count=1) \
        .unstack("period").astype("Int64")


def rep_budget(budget: pd.DataFrame, column: str) -> pd.DataFrame:
    """rep_id x month -> the rep's own budget row."""
    return _by_month(budget[budget["rep_id"].notna()], "rep_id", column)


def team_budget(budget: pd.DataFrame, roster: pd.DataFrame, column: str) -> pd.DataFrame:
    """team x month: "A team's target is its team row when one exists, else the sum of
    its reps' rows." Reps belong to the team the roster gives them."""
    team_rows = budget[budget["rep_id"].isna()]
    own = _by_month(team_rows, "team", column)
    combined = own.combine_first(reps_sum(budget, roster, column))
    has_row = team_rows.groupby(["team", "period"], observed=True).size().unstack("period").notna()
    has_row = has_row.reindex(index=combined.index, columns=combined.columns, fill_value=False).fillna(False)
    return combined.mask(has_row.astype(bool), own.reindex_like(combined)).astype("Int64")


def reps_sum(budget: pd.DataFrame, roster: pd.DataFrame, column: str) -> pd.DataFrame:
    """team x month -> the sum of its reps' rows (NA when no rep row has a value)."""
    rows = budget[budget["rep_id"].notna()].assign(team=lambda f: f["rep_id"].map(team_of(roster)))
    return _by_month(rows[rows["team"].notna()], "team", column)


def company_budget(team_months: pd.DataFrame) -> pd.DataFrame:
    """"The company's target is the sum of the team targets (so a team row counts, not
    its reps' rows); likewise stretch." NA for a month no team has."""
    total = team_months.sum(axis=0, min_count=1).astype("Int64")
    return pd.DataFrame([total], index=pd.Index([COMPANY], name=COMPANY))


def budget_by_grain(budget: pd.DataFrame, roster: pd.DataFrame, column: str) -> dict[str, pd.DataFrame]:
    teams = team_budget(budget, roster, column)
    return {"rep_id": rep_budget(budget, column), "team": teams, COMPANY: company_budget(teams)}


def stretch_by_grain(budget: pd.DataFrame, roster: pd.DataFrame) -> tuple[dict[str, pd.DataFrame],
                                                                          dict[str, pd.DataFrame]]:
    """Stretch per grain and month, and where a stretch counts rows at their target.

    kpis.md: "When some budget rows of a team (or some teams of the company) have a
    stretch and others do not, a row without one counts at its own target in the sum, so
    a stretch is never below its target; when none has one, the stretch is empty. A rep
    without a stretch keeps stretch and stretch_attainment empty."
    """
    rows = budget.assign(reach=budget["stretch"].fillna(budget["target"]),
                         with_stretch=budget["stretch"].notna().astype("Int64"),
                         one=pd.Series(1, index=budget.index, dtype="Int64"))
    with_stretch = team_budget(rows, roster, "with_stretch")
    teams = team_budget(rows, roster, "reach").where(with_stretch > 0).astype("Int64")
    team_counted = (with_stretch > 0) & (with_stretch < team_budget(rows, roster, "one"))

    team_targets = team_budget(budget, roster, "target")
    team_reach = teams.reindex_like(team_targets).fillna(team_targets)
    any_team = teams.reindex_like(team_targets).notna().any(axis=0)
    company = company_budget(team_reach).where(any_team, axis=1).astype("Int64")
    without = teams.reindex_like(team_targets).isna() & team_targets.notna()
    company_counted = pd.DataFrame([any_team & (without.any(axis=0) | team_counted.reindex_like(
        team_targets).fillna(False).astype(bool).any(axis=0))], index=company.index)
    grains = {"rep_id": rep_budget(budget, "stretch"), "team": teams, COMPANY: company}
    return grains, {"team": team_counted.fillna(False).astype(bool), COMPANY: company_counted}
