"""Field work and customers for every grain: the Customers, Visits and Trips columns
of the reps, teams and company sheets, and the lists the pack shows.

Each dataset is optional: without it, its columns stay empty and its lists are None.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .. import periods
from ..config import Settings
from . import customers as customer_figures
from . import trips as trip_figures
from . import visits as visit_figures
from .organisation import COMPANY

FIELD_COLUMNS = [
    "active_customers", "new_customers", "visits", "first_visits", "follow_up_visits", "visits_per_week",
    "visits_verified", "visits_outside_fence", "visits_unverifiable", "short_visits", "cadence_overdue",
    "cadence_compliance", "visit_conversion", "satisfaction_product", "satisfaction_sales",
    "satisfaction_service", "satisfaction_answers",
]


@dataclass
class FieldWork:
    """The lists and tables of the field-work pages; None where the dataset is missing."""

    visits_in_period: pd.DataFrame | None
    outside_fence: pd.DataFrame | None   # visits outside the fence, farthest first
    short_visits: pd.DataFrame | None    # visits under the minimum, shortest first
    no_checkout: int | None              # visits without a checkout, counted apart
    cadence: pd.DataFrame | None
    cadence_by_class: pd.DataFrame | None
    stage_funnel: pd.DataFrame | None
    satisfaction: pd.DataFrame | None
    trips: pd.DataFrame | None
    trips_by_rep: pd.DataFrame | None
    today: dt.date | None = None         # the run's day: a period not over is counted to it


def grain_columns(frames: dict[str, pd.DataFrame], sales_rows: pd.DataFrame, period: pd.Period,
                  key: str, ids: pd.Index, settings: Settings, work: FieldWork) -> pd.DataFrame:
    """The field-work columns of one grain, indexed by ``ids``."""
    out = pd.DataFrame(index=ids, columns=FIELD_COLUMNS, dtype="object")
    in_period = sales_rows[sales_rows["month"].isin(periods.months_of(period))]
    out["active_customers"] = customer_figures.active_customers(in_period, key, ids)
    out["new_customers"] = customer_figures.new_customers(sales_rows, in_period, key, ids, period)
    visits = work.visits_in_period
    if visits is not None:
        out["visits"] = visit_figures.visit_count(visits, key, ids)
        out["first_visits"] = visit_figures.visits_of_type(visits, key, ids, "first")
        out["follow_up_visits"] = visit_figures.visits_of_type(visits, key, ids, "follow_up")
        out["visits_per_week"] = visit_figures.visits_per_week(out["visits"], period, work.today)
        for column, status in (("visits_verified", visit_figures.VERIFIED),
                               ("visits_outside_fence", visit_figures.OUTSIDE),
                               ("visits_unverifiable", visit_figures.UNVERIFIABLE)):
            out[column] = visit_figures.geofence_count(visits, key, ids, status)
        out["short_visits"] = visit_figures.short_visits(visits, key, ids, settings.visits.min_visit_minutes)
        out["visit_conversion"] = visit_figures.visit_conversion(visits, in_period, key, ids)
    if work.cadence is not None:
        out["cadence_overdue"] = visit_figures.cadence_overdue(work.cadence, key, ids)
        out["cadence_compliance"] = visit_figures.cadence_compliance(work.cadence, key, ids)
    surveys = frames.get("surveys")
    if surveys is not None and "customers" in frames:
        rows = customer_figures.surveys_in(surveys, period)
        rows = rows if key == COMPANY else customer_figures.owned(rows, frames["customers"], frames["roster"])
        rows = rows.assign(**{COMPANY: COMPANY})
        for score in customer_figures.SCORES:
            out[f"satisfaction_{score}"] = customer_figures.satisfaction_mean(rows, key, ids, score)
        out["satisfaction_answers"] = customer_figures.satisfaction_answers(rows, key, ids)
    return out


def field_work(frames: dict[str, pd.DataFrame], period: pd.Period, settings: Settings,
               today: dt.date | None = None) -> FieldWork:
    roster, customers = frames["roster"], frames.get("customers")
    visits = None
    if "visits" in frames:
        visits = visit_figures.visit_rows(frames["visits"], roster, customers, settings.visits.geofence_radius_m)
    cadence = funnel = satisfaction = None
    if customers is not None:
        funnel = customer_figures.stage_funnel(customers, roster)
        if visits is not None:
            cadence = visit_figures.customer_cadence(customers, visits, roster, period, settings.visits.cadence_days,
                                                     today)
        if "surveys" in frames:
            rows = customer_figures.surveys_in(frames["surveys"], period).assign(**{COMPANY: COMPANY})
            satisfaction = customer_figures.satisfaction_table(rows, COMPANY)
    names = roster.set_index("rep_id")["name"]
    trips = trip_figures.trip_sheet(frames["trips"], visits, period, names) if "trips" in frames else None
    by_rep = trip_figures.expense_by_rep(trips) if trips is not None else None
    if visits is None:
        return FieldWork(None, None, None, None, cadence, None, funnel, satisfaction, trips, by_rep, today)
    in_period = visits[visits["month"].isin(periods.months_of(period))]
    outside = in_period[in_period["geofence"] == visit_figures.OUTSIDE].sort_values("distance_m", ascending=False)
    short = in_period[in_period["duration_min"] < settings.visits.min_visit_minutes].sort_values("duration_min")
    by_class = visit_figures.compliance_by_class(cadence) if cadence is not None else None
    return FieldWork(in_period, outside, short, int(in_period["checkout_time"].isna().sum()),
                     cadence, by_class, funnel, satisfaction, trips, by_rep, today)
