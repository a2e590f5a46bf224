"""Stage 3, compute: validated frames -> the figures of the month (kpis.md).

Pure functions of their inputs; nothing here reads or writes files. One builder
per grain (rep, team, company); ratios are recomputed from sums at each grain.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..config import Settings
from . import causes, organisation, pledges, sales, targets
from .field import FieldWork, field_work, grain_columns
from .organisation import COMPANY
from .plan import plan_sheet


@dataclass
class MonthFigures:
    """Everything the pack, the workbook and the mail text show for period P."""

    period: pd.Period
    reps: pd.DataFrame          # index rep_id
    teams: pd.DataFrame         # index team
    company: pd.DataFrame       # one row, index "company"
    pledges: pd.DataFrame
    by_product: pd.DataFrame
    by_customer_class: pd.DataFrame
    team_target_differences: pd.DataFrame
    next_month: pd.DataFrame    # targets of P+1 by team and rep
    certificates: pd.DataFrame  # of P+1 (and the quarter starting at P+1)
    datasets: tuple[str, ...]
    field: FieldWork            # visits, cadence, funnel, satisfaction, trips of P
    plan: pd.DataFrame          # targets of P+1 by team, rep and week
    plan_calendar_known: bool   # False: the holiday library did not cover P+1's year
    # Teams whose stretch of P counts rows without a stretch at their target (and whether
    # the company's does): the pack says so under the results.
    stretch_at_target: tuple[list[str], bool] = ([], False)


def _ranked(figures: pd.DataFrame, eligible: pd.Series, tie_break: pd.Index) -> pd.DataFrame:
    figures = figures.copy()
    figures["rank_revenue"] = sales.competition_rank(figures["revenue"], eligible)
    figures["rank_attainment"] = sales.competition_rank(figures["attainment"], eligible & figures["attainment"].notna())
    order = pd.DataFrame({"r": figures["rank_revenue"].astype("Float64").fillna(1e9), "id": tie_break})
    return figures.loc[order.sort_values(["r", "id"]).index]


def compute_month(frames: dict[str, pd.DataFrame], period: pd.Period, settings: Settings) -> MonthFigures:
    roster, budget = frames["roster"], frames["budget"].copy()
    budget["period"] = pd.PeriodIndex(budget["period"], freq="M")
    rows = organisation.sales_rows(frames["sales"], roster)
    in_period = rows[rows["month"] == period]
    goals = targets.budget_by_grain(budget, roster, "target")
    reach, counted_at_target = targets.stretch_by_grain(budget, roster)

    rep_targets_now = goals["rep_id"].index[goals["rep_id"].get(period, pd.Series(dtype="Int64")).notna()] \
        if period in goals["rep_id"].columns else pd.Index([])
    people = organisation.people_shown(roster, in_period, rep_targets_now)
    reps = sales.sales_figures(rows, "rep_id", people.index, period, goals["rep_id"], reach["rep_id"])
    reps = people[["name", "team", "role", "active"]].join(reps)
    # "Reps are ranked company-wide ... inactive reps are shown but not ranked"; a manager
    # who sells a little is shown too, but is not a rep and is not ranked among them.
    reps = _ranked(reps, reps["active"] & (reps["role"] == "rep"), reps.index)

    team_ids = pd.Index(organisation.teams(roster, budget), name="team")
    teams = sales.sales_figures(rows, "team", team_ids, period, goals["team"], reach["team"])
    teams = _ranked(teams, pd.Series(True, index=teams.index), teams.index)
    managers = roster[roster["role"] == "manager"].drop_duplicates("team").set_index("team")["name"]
    teams.insert(0, "manager", teams.index.map(managers))

    company = sales.sales_figures(rows, COMPANY, pd.Index([COMPANY], name=COMPANY), period,
                                  goals[COMPANY], reach[COMPANY])
    work = field_work(frames, period, settings)
    reps = reps.join(grain_columns(frames, rows, period, "rep_id", reps.index, settings, work))
    teams = teams.join(grain_columns(frames, rows, period, "team", teams.index, settings, work))
    company = company.join(grain_columns(frames, rows, period, COMPANY, company.index, settings, work))
    company_variance = company["variance"].iloc[0]
    reps["variance_share"] = causes.variance_share(reps["variance"], company_variance)
    teams["variance_share"] = causes.variance_share(teams["variance"], company_variance)

    with_class = rows.assign(customer_class=causes.customer_class(rows, frames.get("customers")))
    by_product = causes.change_by(with_class.assign(product=with_class["product"].fillna("—")), "product", period)
    by_class = causes.change_by(with_class, "customer_class", period)

    pledge_rows = frames.get("pledges")
    settled = pledges.settlement(pledge_rows, period, roster, reps, teams, settings.pledges) \
        if pledge_rows is not None else pd.DataFrame()

    own_rows = targets.reps_sum(budget, roster, "target")
    differences = pd.DataFrame({"team_target": goals["team"].reindex(columns=[period]).iloc[:, 0],
                                "reps_target": own_rows.reindex(columns=[period]).iloc[:, 0]})
    differences = differences[differences["team_target"].notna() & differences["reps_target"].notna()
                              & (differences["team_target"] != differences["reps_target"])]
    differences = differences.assign(difference=differences["team_target"] - differences["reps_target"])

    coming = period + 1
    next_month = next_month_targets(roster, goals, coming)
    certificate_sheet = pledges.certificates(pledge_rows, roster, goals["rep_id"], goals["team"], coming,
                                             pledges.certificate_periods(coming))
    plan, calendar_known = plan_sheet(next_month, coming, settings.plan)
    return MonthFigures(period, reps, teams, company, settled, by_product, by_class,
                        differences.reset_index(), next_month, certificate_sheet, tuple(frames),
                        work, plan, calendar_known, stretch_at_target(counted_at_target, period, teams.index))


def stretch_at_target(counted: dict[str, pd.DataFrame], period: pd.Period,
                      shown: pd.Index) -> tuple[list[str], bool]:
    """The teams shown whose stretch of ``period`` counts some rows at their target, and
    whether the company's does."""
    def in_period(table: pd.DataFrame) -> pd.Series:
        return table[period] if period in table.columns else pd.Series(False, index=table.index)
    teams = in_period(counted["team"]).reindex(shown, fill_value=False)
    return sorted(teams.index[teams.astype(bool)]), bool(in_period(counted[COMPANY]).any())


def next_month_targets(roster: pd.DataFrame, goals: dict[str, pd.DataFrame], coming: pd.Period) -> pd.DataFrame:
    """Targets of P+1 per team and per active rep (下月销售计划任务书)."""
    def column(table: pd.DataFrame) -> pd.Series:
        return table[coming] if coming in table.columns else pd.Series(dtype="Int64")

    active = roster[roster["active"] & roster["role"].isin(["rep", "manager"])]
    reps = active.assign(target=active["rep_id"].map(column(goals["rep_id"])).astype("Int64"))
    reps = reps[reps["role"].eq("rep") | reps["target"].notna()]
    team_rows = pd.DataFrame({"team": column(goals["team"]).index, "target": column(goals["team"]).to_numpy()})
    team_rows["rep_id"], team_rows["name"] = pd.NA, pd.NA
    plan = pd.concat([team_rows, reps[["team", "rep_id", "name", "target"]]], ignore_index=True)
    plan["period"] = str(coming)
    plan["level"] = plan["rep_id"].isna().map({True: "team", False: "rep"})
    return plan.sort_values(["team", "level", "rep_id"], ascending=[True, False, True], na_position="first") \
        .reset_index(drop=True)[["period", "team", "level", "rep_id", "name", "target"]]


def compute_team(team_frames: dict[str, pd.DataFrame], period: pd.Period, settings: Settings,
                 rep_ranks: pd.DataFrame, team_ranks: pd.DataFrame) -> MonthFigures:
    """The month of one team from its own rows only (``organisation.frames_of_team``);
    ranks stay company-wide (those of the full month), so every figure a team pack
    shows equals the full pack's."""
    figures = compute_month(team_frames, period, settings)
    for column in ("rank_revenue", "rank_attainment"):
        figures.reps[column] = rep_ranks[column].reindex(figures.reps.index).astype("Int64")
        figures.teams[column] = team_ranks[column].reindex(figures.teams.index).astype("Int64")
    return figures
