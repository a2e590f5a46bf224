"""Key points of the month (会议要点): which figures are worth saying, chosen by rule.

Seed 004 §5.5: the summary meeting speaks "with data", results first, then their causes.
Each point keeps the figures it cites (sheet, key, column, value as in ``kpis.xlsx``), so
every number of every sentence can be traced; the wording is ``render.key_points``'. No
language model: the same figures always give the same points.

A cite whose key is ``count(column=value)`` or ``sum(column=value)`` (``all`` for every
row) is that aggregate of the sheet's rows, e.g. the pledges missed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..config import KeyPoints
from . import PeriodFigures
from .organisation import COMPANY


@dataclass(frozen=True)
class Cite:
    sheet: str
    key: str
    column: str
    value: object       # as the figure is held: fen, fraction, count, text
    form: str           # how the pack prints it: money, yuan, pct, signed_pct, count, number, text


@dataclass
class Point:
    kind: str
    cites: dict[str, Cite] = field(default_factory=dict)           # the point's own figures
    items: list[dict[str, Cite]] = field(default_factory=list)     # named rows it lists (teams, reps, products)

    def all_cites(self) -> list[Cite]:
        return [*self.cites.values(), *(cite for item in self.items for cite in item.values())]


def _plain(value):
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def _cite(sheet: str, key, column: str, value, form: str) -> Cite:
    return Cite(sheet, str(key), column, _plain(value), form)


def result(figures: PeriodFigures, sheet: str, key: str, row: pd.Series) -> Point:
    """The result against target, and the quarter's forecast."""
    cites = {"revenue": _cite(sheet, key, "revenue", row["revenue"], "money"),
             "target": _cite(sheet, key, "target", row["target"], "money"),
             "attainment": _cite(sheet, key, "attainment", row["attainment"], "pct"),
             "variance": _cite(sheet, key, "variance", row["variance"], "money"),
             "quarter_forecast": _cite(sheet, key, "quarter_forecast", row["quarter_forecast"], "money")}
    return Point("result", cites)


def variance_drivers(table: pd.DataFrame, sheet: str, key_column: str, company_variance, settings: KeyPoints,
                     label: str = "name") -> Point | None:
    """The rows that explain most of the variance against target: largest share first,
    cumulative until at least ``variance_explained`` of it, at most ``max_names``."""
    if _plain(company_variance) in (None, 0):
        return None
    rows = table[table["variance_share"].notna() & (table["variance_share"] > 0)]
    rows = rows.sort_values("variance_share", ascending=False)
    items, explained = [], 0.0
    for key, row in rows.iterrows():
        if explained >= settings.variance_explained or len(items) >= settings.max_names:
            break
        items.append({"name": _cite(sheet, key, label, row[label] if label != key_column else key, "text"),
                      "variance": _cite(sheet, key, "variance", row["variance"], "money"),
                      "share": _cite(sheet, key, "variance_share", row["variance_share"], "pct")})
        explained += float(row["variance_share"])
    return Point("drivers_teams" if key_column == "team" else "drivers_reps", items=items) if items else None


def below_target(table: pd.DataFrame, sheet: str, eligible: pd.Series, settings: KeyPoints,
                 label: str | None) -> Point | None:
    """Those below target (attainment under 100%), the furthest below first."""
    rows = table[eligible & table["attainment"].notna() & (table["attainment"] < 1)].sort_values("attainment")
    if rows.empty:
        return None
    items = [{"name": _cite(sheet, key, label, row[label], "text") if label else _cite(sheet, key, sheet[:-1], key,
                                                                                      "text"),
              "attainment": _cite(sheet, key, "attainment", row["attainment"], "pct")}
             for key, row in rows.head(settings.max_names).iterrows()]
    return Point(f"below_target_{sheet}", {"count": _cite(sheet, "count(attainment<1)", "attainment", len(rows),
                                                          "count")}, items)


def largest_moves(changes: pd.DataFrame, sheet: str, key_column: str, previous_total, settings: KeyPoints) -> Point | None:
    """Products or customer classes whose revenue moved most against last month, when the
    move is at least ``move_share`` of last month's company revenue."""
    total = _plain(previous_total)
    if not total:
        return None
    notable = changes[changes["change"].abs() >= settings.move_share * abs(total)]
    if notable.empty:
        return None
    notable = notable.reindex(notable["change"].abs().sort_values(ascending=False).index).head(settings.max_names)
    items = [{"name": _cite(sheet, row[key_column], key_column, row[key_column], "text"),
              "change": _cite(sheet, row[key_column], "change", row["change"], "money")}
             for _i, row in notable.iterrows()]
    return Point(f"moves_{sheet}", items=items)


def pledge_settlement(pledges: pd.DataFrame) -> Point | None:
    """Pledges settled this month: met and missed, rewards and forfeits due."""
    if pledges is None or pledges.empty:
        return None
    settled = pledges[pledges["settled"].fillna(False).astype(bool)]
    if settled.empty:
        return None
    met = settled["met"].fillna(False).astype(bool)
    cites = {"met": _cite("pledges", "count(met=true)", "met", int(met.sum()), "count"),
             "missed": _cite("pledges", "count(met=false)", "met", int((~met).sum()), "count"),
             "reward": _cite("pledges", "sum(settled=true)", "reward", int(settled["reward"].fillna(0).sum()), "yuan"),
             "forfeit": _cite("pledges", "sum(settled=true)", "forfeit_due",
                              int(settled["forfeit_due"].fillna(0).sum()), "yuan")}
    missed = settled[~met].sort_values("pledge_attainment")
    items = [{"name": _cite("pledges", row["pledger_id"], "name", row["name"], "text"),
              "attainment": _cite("pledges", row["pledger_id"], "pledge_attainment", row["pledge_attainment"], "pct")}
             for _i, row in missed.head(5).iterrows()]
    return Point("pledges", cites, items)


def visits_below_standard(reps: pd.DataFrame, standard: float, settings: KeyPoints) -> Point | None:
    """Active reps whose visits per week are below the configured standard."""
    if "visits_per_week" not in reps:
        return None
    eligible = reps["active"] & (reps["role"] == "rep") & reps["visits_per_week"].notna()
    below = reps[eligible & (reps["visits_per_week"] < standard)].sort_values("visits_per_week")
    if below.empty:
        return None
    items = [{"name": _cite("reps", key, "name", row["name"], "text"),
              "visits_per_week": _cite("reps", key, "visits_per_week", row["visits_per_week"], "number")}
             for key, row in below.head(settings.max_names).iterrows()]
    return Point("visits", {"count": _cite("reps", "count(visits_per_week<standard)", "visits_per_week", len(below),
                                           "count"),
                            "standard": Cite("config", "visits", "visits_per_week_standard", standard, "number")},
                 items)


def overdue_a_class(cadence: pd.DataFrame | None) -> Point | None:
    """A-class customers overdue for a visit (cadence at the end of the month)."""
    if cadence is None:
        return None
    overdue = cadence[cadence["overdue"].fillna(False).astype(bool) & (cadence["class"] == "A")]
    if overdue.empty:
        return None
    return Point("overdue", {"count": _cite("overdue_customers", "count(class=A)", "class", len(overdue), "count")})


def month_on_month(row: pd.Series, sheet: str, key: str, settings: KeyPoints) -> Point | None:
    """A change against the previous period large enough to say (``mom_notable``):
    mom_pct for a month, pop_pct for a quarter or a year."""
    column = "pop_pct" if "pop_pct" in row.index else "mom_pct"
    change = _plain(row.get(column))
    if change is None or abs(change) < settings.mom_notable:
        return None
    return Point("month_on_month", {"mom_pct": _cite(sheet, key, column, change, "signed_pct")})


def key_points(figures: PeriodFigures, settings: KeyPoints, visits_standard: float,
               scope: str | None = None) -> list[Point]:
    """The points of the company's pack, or of one team's (``scope``) from its own rows."""
    if scope is None:
        sheet, key, row = "company", COMPANY, figures.company.iloc[0]
    else:
        sheet, key, row = "teams", scope, figures.teams.loc[scope]
    points: list[Point | None] = [result(figures, sheet, key, row)]
    # A change against the previous period is said only when it compares whole periods:
    # not while P is running, nor when the sales data cover the previous period in part.
    whole_change = not figures.in_progress and all(each != figures.period - 1 for each, _first in figures.partly_covered)
    notable: list[Point | None] = [month_on_month(row, sheet, key, settings) if whole_change else None]
    variance = row["variance"]
    reps = figures.reps if scope is None else figures.reps[figures.reps["team"] == scope]
    share = _plain(row["variance_pct"])
    # While P runs, everyone is short of the whole period's target: who is below it, and
    # who drives the shortfall, says nothing yet.
    if share is not None and abs(share) >= settings.variance_notable and not figures.in_progress:
        if scope is None:
            notable.append(variance_drivers(figures.teams, "variance_by_team", "team", variance, settings,
                                            label="team"))
        notable.append(variance_drivers(reps, "variance_by_rep", "rep_id", variance, settings))
    if scope is None and not figures.in_progress:
        notable.append(below_target(figures.teams, "teams", pd.Series(True, index=figures.teams.index), settings,
                                    None))
    if not figures.in_progress:
        notable.append(below_target(reps, "reps", reps["active"] & (reps["role"] == "rep"), settings, "name"))
    if scope is None and whole_change:
        previous = figures.company["previous_revenue"].iloc[0] if "previous_revenue" in figures.company else None
        notable.append(largest_moves(figures.by_product, "change_by_product", "product", previous, settings))
        notable.append(largest_moves(figures.by_customer_class, "change_by_customer_class", "customer_class",
                                     previous, settings))
    notable.append(pledge_settlement(figures.pledges))
    notable.append(visits_below_standard(reps, visits_standard, settings))
    notable.append(overdue_a_class(figures.field.cadence))
    said = [point for point in notable if point is not None]
    return [point for point in points if point is not None] + (said or [Point("nothing_notable")])
