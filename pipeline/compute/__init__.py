"""Stage 3, compute: validated frames -> the figures of the period (kpis.md): a month,
a quarter or a year, every figure with the same definition over its months.

Pure functions of their inputs; nothing here reads or writes files. One builder
per grain (rep, team, company); ratios are recomputed from sums at each grain.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default

import datetime as dt

import pandas as pd

from .. import periods
from ..config import Settings
from . import causes, organisation, pledges, sales, targets
from .field import FieldWork, field_work, grain_columns
from .organisation import COMPANY
from .plan import plan_sheet


@dataclass
class PeriodFigures:
    """Everything the pack, the workbook and the mail text show for period P."""

    period: pd.Period           # a month, a quarter or a year (periods.kind)
    reps: pd.DataFrame          # index rep_id
    teams: pd.DataFrame         # index team
    company: pd.DataFrame       # one row, index "company"
    pledges: pd.DataFrame       # the pledges of P itself (a month's: and those of its quarter)
    by_product: pd.DataFrame
    by_customer_class: pd.DataFrame
    team_target_differences: pd.DataFrame
    next_month: pd.DataFrame    # targets of each month of P+1 by team and rep
    certificates: pd.DataFrame  # of P+1 (and the quarter starting at P+1); none after a year
    datasets: tuple[str, ...]
    field: FieldWork            # visits, cadence, funnel, satisfaction, trips of P
    plan: pd.DataFrame          # targets of P+1's first month by team, rep and week
    plan_calendar_known: bool   # False: the holiday library did not cover that month's year
    # Teams whose stretch of P counts rows without a stretch at their target (and whether
    # the company's does): the pack says so under the results.
    stretch_at_target: tuple[list[str], bool] = ([], False)
    # A quarter or a year: its months one by one (grain, key, revenue, target, attainment),
    # the pledges of its months (and quarters) settled each in its own period, and those
    # summarised per pledger. Empty for a month.
    months: pd.DataFrame = default(default_factory=pd.DataFrame)
    pledges_within: pd.DataFrame = default(default_factory=pd.DataFrame)
    pledge_summary: pd.DataFrame = default(default_factory=pd.DataFrame)
    next_period: pd.DataFrame = default(default_factory=pd.DataFrame)  # targets of P+1 by month and team
    in_progress: bool = False   # P has not ended on the run's day: the pack says so
    # The earlier periods a change compares with (P-1, a year earlier) that begin before
    # the sales data do, and the data's first month: the pack says so under the results.
    partly_covered: list[tuple[pd.Period, pd.Period]] = default(default_factory=list)
    history_begins: pd.Period | None = None  # the sales data begin inside P's year: the pack says so


def _ranked(figures: pd.DataFrame, eligible: pd.Series, tie_break: pd.Index) -> pd.DataFrame:
    figures = figures.copy()
    figures["rank_revenue"] = sales.competition_rank(figures["revenue"], eligible)
    figures["rank_attainment"] = sales.competition_rank(figures["attainment"], eligible & figures["attainment"].notna())
    order = pd.DataFrame({"r": figures["rank_revenue"].astype("Float64").fillna(1e9), "id": tie_break})
    return figures.loc[order.sort_values(["r", "id"]).index]


def compute_period(frames: dict[str, pd.DataFrame], period: pd.Period, settings: Settings,
                   today: dt.date | None = None) -> PeriodFigures:
    """The figures of ``period``; ``today`` (the run's day in the configured zone), when
    given, keeps the pledges of a period not yet over unsettled, and counts its visits per
    week and its customers' cadence to that day (``periods.through``)."""
    roster, budget = frames["roster"], frames["budget"].copy()
    budget["period"] = pd.PeriodIndex(budget["period"], freq="M")
    rows = organisation.sales_rows(frames["sales"], roster)
    months = periods.months_of(period)
    in_period = rows[rows["month"].isin(months)]
    goals = targets.budget_by_grain(budget, roster, "target")
    reach, counted_at_target = targets.stretch_by_grain(budget, roster)

    rep_targets = goals["rep_id"].reindex(columns=months)
    rep_targets_now = rep_targets.index[rep_targets.notna().any(axis=1)]
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
    work = field_work(frames, period, settings, today)
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
    settled = pledges.settlement(pledge_rows, period, roster, reps, teams, settings.pledges, today) \
        if pledge_rows is not None else pd.DataFrame()
    within = pledges.within(pledge_rows, period, roster, rows, settings.pledges, today) \
        if pledge_rows is not None else pd.DataFrame()

    own_rows = targets.reps_sum(budget, roster, "target")
    differences = pd.DataFrame({"team_target": sales.range_target(goals["team"], months, goals["team"].index),
                                "reps_target": sales.range_target(own_rows, months, own_rows.index)})
    differences = differences[differences["team_target"].notna() & differences["reps_target"].notna()
                              & (differences["team_target"] != differences["reps_target"])]
    differences = differences.assign(difference=differences["team_target"] - differences["reps_target"])

    coming = period + 1
    next_months = periods.months_of(coming)
    next_month = pd.concat([next_month_targets(roster, goals, month) for month in next_months], ignore_index=True)
    certificate_sheet = pledges.certificates(pledge_rows, roster, goals["rep_id"], goals["team"], coming,
                                             pledges.certificate_periods(coming))
    plan, calendar_known = plan_sheet(next_month[next_month["period"] == str(next_months[0])], next_months[0],
                                      settings.plan)
    figures = PeriodFigures(period, reps, teams, company, settled, by_product, by_class,
                            differences.reset_index(), next_month, certificate_sheet, tuple(frames),
                            work, plan, calendar_known, stretch_at_target(counted_at_target, period, teams.index))
    figures.in_progress = today is not None and periods.last_day(period) >= pd.Timestamp(today)
    figures.partly_covered = partly_covered(rows, period)
    figures.history_begins = history_begins_inside(rows, period)
    if periods.kind(period) != periods.MONTH:
        figures.months = pd.concat([
            sales.month_by_month(rows, "rep_id", reps.index, period, goals["rep_id"]).assign(grain="rep"),
            sales.month_by_month(rows, "team", teams.index, period, goals["team"]).assign(grain="team"),
            sales.month_by_month(rows, COMPANY, company.index, period, goals[COMPANY]).assign(grain=COMPANY),
        ], ignore_index=True)[["period", "grain", "key", "revenue", "target", "attainment"]]
        figures.pledges_within = within
        figures.pledge_summary = pledges.summary(within)
        figures.next_period = next_period_targets(goals, teams.index, next_months)
    return figures


def partly_covered(sales_rows: pd.DataFrame, period: pd.Period) -> list[tuple[pd.Period, pd.Period]]:
    """The periods mom/pop_pct and yoy_pct compare with that the sales data cover only in
    part (the data's first month falls inside them, after their first month), each with
    that first month: a change against them compares with part of a period."""
    if sales_rows.empty:
        return []
    first = sales_rows["month"].min()
    earlier = [period - 1, periods.year_earlier(period)]
    return [(each, first) for each in dict.fromkeys(earlier)
            if periods.months_of(each)[0] < first <= periods.months_of(each)[-1]]


def history_begins_inside(sales_rows: pd.DataFrame, period: pd.Period) -> pd.Period | None:
    """The sales data's first month when it falls after the first month of P's year and
    not after P's last month: the year-to-date figures (and maybe the quarter's) then count
    revenue only from it, against targets from the start of the range, and when it is in P,
    every customer of P is new (kpis.md: "first sales row ever ... is in P"), for want of
    earlier rows."""
    if sales_rows.empty:
        return None
    first, months = sales_rows["month"].min(), periods.months_of(period)
    year_start = pd.Period(year=months[0].year, month=1, freq="M")
    return first if year_start < first <= months[-1] else None


def next_period_targets(goals: dict[str, pd.DataFrame], teams: pd.Index, months: list[pd.Period]) -> pd.DataFrame:
    """The plan of the next quarter or year: each team's and the company's target of each
    of its months, and of the whole period (the summed monthly targets, empty when a
    month has none)."""
    parts = []
    for grain, ids in (("team", teams), (COMPANY, pd.Index([COMPANY]))):
        table = goals[grain].reindex(index=ids, columns=months).astype("Int64")
        table.columns = [str(month) for month in months]
        table["total"] = sales.range_target(goals[grain], months, ids)
        parts.append(table.assign(grain=grain))
    return pd.concat(parts).rename_axis("key").reset_index()


def stretch_at_target(counted: dict[str, pd.DataFrame], period: pd.Period,
                      shown: pd.Index) -> tuple[list[str], bool]:
    """The teams shown whose stretch of ``period`` counts some rows at their target (in
    any of its months), and whether the company's does."""
    def in_period(table: pd.DataFrame) -> pd.Series:
        return table.reindex(columns=periods.months_of(period), fill_value=False).astype(bool).any(axis=1)
    teams = in_period(counted["team"]).reindex(shown, fill_value=False)
    return sorted(teams.index[teams.astype(bool)]), bool(in_period(counted[COMPANY]).any())


def next_month_targets(roster: pd.DataFrame, goals: dict[str, pd.DataFrame], coming: pd.Period) -> pd.DataFrame:
    """Targets of P+1 per team and per active rep (下月销售计划任务书); also a person who
    has left but whom the budget still gives a target (``active`` false): by the team rule
    that target is in the team's, so the rep lines add up to it."""
    def column(table: pd.DataFrame) -> pd.Series:
        return table[coming] if coming in table.columns else pd.Series(dtype="Int64")

    people = roster[roster["role"].isin(["rep", "manager"])]
    reps = people.assign(target=people["rep_id"].map(column(goals["rep_id"])).astype("Int64"))
    reps = reps[(reps["active"] & reps["role"].eq("rep")) | reps["target"].notna()]
    team_rows = pd.DataFrame({"team": column(goals["team"]).index, "target": column(goals["team"]).to_numpy()})
    team_rows["rep_id"], team_rows["name"], team_rows["active"] = pd.NA, pd.NA, True
    plan = pd.concat([team_rows, reps[["team", "rep_id", "name", "active", "target"]]], ignore_index=True)
    plan["period"] = str(coming)
    plan["level"] = plan["rep_id"].isna().map({True: "team", False: "rep"})
    return plan.sort_values(["team", "level", "rep_id"], ascending=[True, False, True], na_position="first") \
        .reset_index(drop=True)[["period", "team", "level", "rep_id", "name", "active", "target"]]


def compute_team(team_frames: dict[str, pd.DataFrame], period: pd.Period, settings: Settings,
                 rep_ranks: pd.DataFrame, team_ranks: pd.DataFrame, today: dt.date | None = None) -> PeriodFigures:
    """The month of one team from its own rows only (``organisation.frames_of_team``);
    ranks stay company-wide (those of the full month), so every figure a team pack
    shows equals the full pack's."""
    figures = compute_period(team_frames, period, settings, today)
    for column in ("rank_revenue", "rank_attainment"):
        figures.reps[column] = rep_ranks[column].reindex(figures.reps.index).astype("Int64")
        figures.teams[column] = team_ranks[column].reindex(figures.teams.index).astype("Int64")
    return figures
