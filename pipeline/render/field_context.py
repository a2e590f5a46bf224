"""What the field-work pages show: visits, geofence, cadence, customers, trips, and
the next month plan by week. Rows picked and ordered here; every figure comes
from compute."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from babel.dates import format_date

from ..compute import PeriodFigures
from . import charts
from .contexts import plain, records

def N_(message: str) -> str:
    """Marks a label for the catalogue; it is translated where it is shown."""
    return message


STAGE_LABELS = {"prospect": N_("Prospect"), "intent": N_("Intent"), "signed": N_("Signed"),
                "key": N_("Key account"), "major": N_("Major account")}
SCORE_LABELS = {"product": N_("Product"), "sales": N_("Sales service"), "service": N_("After-sales service")}


def _label(labels: dict[str, str], key: str, translate) -> str:
    message = labels[key]
    return translate(message)


def _local_time(value) -> str | None:
    return None if value is None or value is pd.NaT else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


@dataclass
class FieldPages:
    visits_available: bool
    customers_available: bool
    surveys_available: bool
    trips_available: bool
    standard_per_rep: float
    company: dict
    reps: list[dict]
    teams: list[dict]
    no_checkout: int | None
    outside_fence: list[dict]
    short_visits: list[dict]
    overdue: list[dict]
    compliance_by_class: list[dict]
    funnel: list[dict]
    satisfaction: list[dict]
    trips: list[dict]
    trips_over_budget: list[dict]
    trips_by_rep: list[dict]
    plan_weeks: list[dict]
    plan_rows: list[dict]
    plan_calendar_known: bool
    # list name -> its full length, for the lists the company pack shortens
    full_lengths: dict[str, int] = field(default_factory=dict)
    charts: dict[str, str] = field(default_factory=dict)
    chart_counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # chart -> (reps drawn, reps)


def week_label(start, locale: str) -> str:
    """A plan week's column by its first day: 11-02 (zh), Nov 2 (en; 11-02 would be
    read either way round)."""
    return start.strftime("%m-%d") if locale.startswith("zh") else format_date(start, "MMM d", locale="en")


def _plan(figures: PeriodFigures, locale: str) -> tuple[list[dict], list[dict]]:
    plan = figures.plan
    if plan.empty:
        return [], []
    weeks = plan[["week_start", "working_days"]].drop_duplicates("week_start").sort_values("week_start")
    first_month = figures.next_month[figures.next_month["period"] == plan["period"].iloc[0]]
    week_list = [{"start": week_label(w, locale), "working_days": int(d)} for w, d in
                 zip(weeks["week_start"], weeks["working_days"])]
    rows = []
    for (level, team, rep_id), group in plan.groupby(["level", "team", "rep_id"], dropna=False, sort=False):
        ordered = group.set_index("week_start").reindex(weeks["week_start"])
        rows.append({"level": level, "team": team, "rep_id": plain(rep_id), "name": plain(group["name"].iloc[0]),
                     "active": bool(group["active"].iloc[0]),
                     "weeks": [plain(v) for v in ordered["target"]],
                     "target": plain(first_month.set_index(["team", "rep_id"])["target"].get(
                         (team, rep_id if isinstance(rep_id, str) else pd.NA)))})
    order = {"team": 0, "rep": 1}
    rows.sort(key=lambda r: (r["team"] or "", order[r["level"]], r["rep_id"] or ""))
    return week_list, rows


def _most_severe(frame: pd.DataFrame | None, limit: int | None, by: list[str], ascending: list[bool],
                 name: str, full_lengths: dict[str, int], missing_first: bool = False) -> pd.DataFrame | None:
    """At most ``limit`` rows, the most severe first, keeping the list's own order among
    them. A leadership pack of 2,000 reps cannot print 30,000 overdue customers and stay
    readable (or be rendered by morning); the workbook and the team packs print all."""
    if frame is None:
        return None
    full_lengths[name] = len(frame)
    if limit is None or len(frame) <= limit:
        return frame
    kept = frame.sort_values(by, ascending=ascending, kind="stable",
                             na_position="first" if missing_first else "last").index[:limit]
    return frame.loc[frame.index.isin(kept)]


def field_pages(figures: PeriodFigures, *, locale: str, standard: float, gettext,
                list_limit: int | None = None, chart_reps: int = 40) -> FieldPages:
    """``list_limit`` shortens the exception lists (company pack); ``None`` prints them all."""
    _ = gettext
    work = figures.field
    reps = figures.reps[figures.reps["active"] & (figures.reps["role"] == "rep")]
    cadence = work.cadence
    full_lengths: dict[str, int] = {}
    overdue_frame = None if cadence is None else _most_severe(
        cadence[cadence["overdue"]].sort_values(["class", "team", "owner_name", "customer_id"]), list_limit,
        ["class", "days_since"], [True, False], "overdue", full_lengths, missing_first=True)  # never visited
    overdue = [] if overdue_frame is None else records(overdue_frame)
    for row in overdue:
        row["last_visit"] = row["last_visit"].strftime("%Y-%m-%d") if row.get("last_visit") else None
    listed = {}
    for name, frame, severity, ascending in (("outside_fence", work.outside_fence, "distance_m", False),
                                             ("short_visits", work.short_visits, "duration_min", True)):
        frame = _most_severe(frame, list_limit, [severity], [ascending], name, full_lengths)
        items = [] if frame is None else records(frame)
        for row in items:
            row["checkin_time"] = _local_time(row["checkin_time"])
        listed[name] = items
    trip_frame = _most_severe(work.trips, list_limit, ["expense_variance"], [False], "trips", full_lengths)
    over_budget = None if work.trips is None else work.trips[work.trips["expense_variance"].fillna(0) > 0]
    over_budget = _most_severe(over_budget, list_limit, ["expense_variance"], [False], "trips_over_budget",
                               full_lengths)
    trips = [] if trip_frame is None else records(trip_frame)
    for row in trips:
        for column in ("start_date", "end_date"):
            row[column] = row[column].strftime("%Y-%m-%d") if row.get(column) else None
    weeks, plan_rows = _plan(figures, locale)
    funnel = [] if work.stage_funnel is None else [
        {"stage": _label(STAGE_LABELS, stage, gettext), "count": int(row["company"])}
        for stage, row in work.stage_funnel.iterrows()]
    satisfaction = [] if work.satisfaction is None else [
        {**row, "label": _label(SCORE_LABELS, row["score"], gettext)} for row in records(work.satisfaction)]
    pages = FieldPages(
        visits_available=work.visits_in_period is not None, customers_available="customers" in figures.datasets,
        surveys_available=work.satisfaction is not None, trips_available=work.trips is not None,
        standard_per_rep=standard, company=records(figures.company)[0], reps=records(reps, "rep_id"),
        teams=records(figures.teams, "team"), no_checkout=work.no_checkout,
        outside_fence=listed["outside_fence"], short_visits=listed["short_visits"], overdue=overdue,
        compliance_by_class=[] if work.cadence_by_class is None else records(work.cadence_by_class),
        funnel=funnel, satisfaction=satisfaction, trips=trips,
        trips_over_budget=[] if over_budget is None else records(over_budget),
        trips_by_rep=[] if work.trips_by_rep is None else records(work.trips_by_rep),
        plan_weeks=weeks, plan_rows=plan_rows, plan_calendar_known=figures.plan_calendar_known,
        full_lengths=full_lengths,
    )
    if pages.visits_available:
        # Many reps: the busiest and the least busy, since the chart is read against the standard.
        drawn = reps if len(reps) <= chart_reps else charts.ends_of_ranking(
            reps.sort_values("visits_per_week", ascending=False, kind="stable"), chart_reps)
        pages.chart_counts["visits_per_week"] = (len(drawn), len(reps))
        pages.charts["visits_per_week"] = charts.bars(
            drawn["name"].tolist(), [plain(v) for v in drawn["visits_per_week"]], _("Visits per week"),
            reference=standard)
        company = pages.company
        pages.charts["geofence"] = charts.horizontal_bars(
            [_("Verified"), _("Outside the fence"), _("Unverifiable")],
            [company["visits_verified"] or 0, company["visits_outside_fence"] or 0,
             company["visits_unverifiable"] or 0], _("Visits"),
            colours=[charts.GREEN, charts.RED, charts.GREY])
    if pages.compliance_by_class:
        pages.charts["cadence"] = charts.bars(
            [row["class"] for row in pages.compliance_by_class],
            [row["compliance"] * 100 for row in pages.compliance_by_class], _("Cadence compliance (%)"),
            reference=100, ceiling=115, value_format="{:.1f}%")
    if funnel:
        pages.charts["funnel"] = charts.horizontal_bars([f["stage"] for f in funnel], [f["count"] for f in funnel],
                                                        _("Customers"))
    if satisfaction:
        means = [s for s in satisfaction if s["score"] in SCORE_LABELS]
        pages.charts["satisfaction"] = charts.bars([s["label"] for s in means], [s["mean"] for s in means],
                                                   _("Mean score (1-5)"), ceiling=5.5, value_format="{:.2f}")
    return pages


