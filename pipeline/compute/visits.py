"""Visit discipline of kpis.md (客户拓展): visits, geofence, durations, cadence, conversion.

"A visit belongs to the day and month of its check-in in the configured zone."
Every figure is per grain (rep, team, company) from the visit rows of that grain.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .. import periods
from .organisation import COMPANY, team_of

EARTH_RADIUS_M = 6_371_008.8
VERIFIED, OUTSIDE, UNVERIFIABLE = "verified", "outside", "unverifiable"


def great_circle_m(lat1, lon1, lat2, lon2) -> pd.Series:
    """Great-circle (haversine) distance in metres, earth radius 6,371,008.8 m."""
    phi1, phi2 = np.radians(lat1.astype("float64")), np.radians(lat2.astype("float64"))
    dphi = phi2 - phi1
    dlambda = np.radians(lon2.astype("float64")) - np.radians(lon1.astype("float64"))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    return pd.Series(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a)), index=lat1.index)


def geofence(distance_m: pd.Series, radius_m: float) -> pd.Series:
    """verified when the check-in is within the radius (inclusive); unverifiable when
    either location is missing; else outside-fence."""
    status = pd.Series(OUTSIDE, index=distance_m.index)
    status = status.mask(distance_m <= radius_m, VERIFIED)
    return status.mask(distance_m.isna(), UNVERIFIABLE)


def visit_rows(visits: pd.DataFrame, roster: pd.DataFrame, customers: pd.DataFrame | None,
               radius_m: float) -> pd.DataFrame:
    """Visits with their local day and month, team, duration and geofence result."""
    local = visits["checkin_time"].dt.tz_localize(None)
    rows = visits.assign(day=local.dt.normalize(), month=local.dt.to_period("M"),
                         team=visits["rep_id"].map(team_of(roster)),
                         rep_name=visits["rep_id"].map(roster.set_index("rep_id")["name"]))
    rows[COMPANY] = COMPANY
    rows["duration_min"] = (visits["checkout_time"] - visits["checkin_time"]).dt.total_seconds() / 60
    if customers is not None:
        located = customers.set_index("customer_id")
        lat, lon = rows["customer_id"].map(located["lat"]), rows["customer_id"].map(located["lon"])
        rows["customer_name"] = rows["customer_id"].map(located["name"])
    else:
        lat = lon = pd.Series(np.nan, index=rows.index)
        rows["customer_name"] = pd.NA
    rows["distance_m"] = great_circle_m(rows["checkin_lat"].astype("Float64").fillna(np.nan),
                                        rows["checkin_lon"].astype("Float64").fillna(np.nan),
                                        lat.astype("Float64").fillna(np.nan), lon.astype("Float64").fillna(np.nan))
    rows["geofence"] = geofence(rows["distance_m"], radius_m)
    return rows


def _count(rows: pd.DataFrame, key: str, ids: pd.Index) -> pd.Series:
    return rows.groupby(key).size().reindex(ids).fillna(0).astype("Int64")


def visit_count(visits_in_period: pd.DataFrame, key: str, ids: pd.Index) -> pd.Series:
    """visits: visits with checkin in P."""
    return _count(visits_in_period, key, ids)


def visits_of_type(visits_in_period: pd.DataFrame, key: str, ids: pd.Index, visit_type: str) -> pd.Series:
    """first_visits and follow_up_visits by visit_type (an empty type counts as neither)."""
    return _count(visits_in_period[visits_in_period["visit_type"] == visit_type], key, ids)


def visits_per_week(visits: pd.Series, period: pd.Period, today: dt.date | None = None) -> pd.Series:
    """visits_per_week = visits / (days in P / 7), a total for teams and the company
    (a quarter or a year: over all its days). While P is not over on the run's day
    ``today``, over its days up to that day, as the leaderboard's visits_per_week_to_date:
    dividing by days still to come would understate every rep."""
    return (visits.astype("Float64") / (periods.days_through(period, today) / 7)).astype("Float64")


def short_visits(visits_in_period: pd.DataFrame, key: str, ids: pd.Index, minimum_minutes: float) -> pd.Series:
    """duration = checkout - checkin in minutes; visits shorter than the configured
    minimum are short (visits without a checkout are counted apart)."""
    return _count(visits_in_period[visits_in_period["duration_min"] < minimum_minutes], key, ids)


def geofence_count(visits_in_period: pd.DataFrame, key: str, ids: pd.Index, status: str) -> pd.Series:
    """Shown: verified, outside-fence, unverifiable."""
    return _count(visits_in_period[visits_in_period["geofence"] == status], key, ids)


def customer_cadence(customers: pd.DataFrame, visits: pd.DataFrame, roster: pd.DataFrame,
                     period: pd.Period, cadence_days: dict[str, int], today: dt.date | None = None) -> pd.DataFrame:
    """Per customer with a class: "overdue when the calendar days from the date of its
    last visit (by any rep, up to the end of P) to the last day of P exceed" its class's
    cadence; "a customer never visited is overdue". While P is not over on the run's day
    ``today``, to that day: days not yet lived are no one's delay."""
    last_day = periods.through(period, today)
    seen = visits[visits["day"] <= last_day].groupby("customer_id")["day"].max()
    classed = customers[customers["class"].notna()].copy()
    classed["last_visit"] = classed["customer_id"].map(seen)
    classed["days_since"] = (last_day - classed["last_visit"]).dt.days.astype("Int64")
    limit = classed["class"].map(cadence_days).astype("Int64")
    classed["overdue"] = (classed["days_since"] > limit).fillna(True).astype(bool)
    # Cadence is the owner's duty: a customer counts for its owner and the owner's team.
    classed["rep_id"] = classed["owner_rep_id"]
    classed["owner_name"] = classed["owner_rep_id"].map(roster.set_index("rep_id")["name"])
    classed["team"] = classed["owner_rep_id"].map(team_of(roster))
    classed[COMPANY] = COMPANY
    return classed


def cadence_overdue(cadence: pd.DataFrame, key: str, ids: pd.Index) -> pd.Series:
    return cadence[cadence["overdue"]].groupby(key).size().reindex(ids).fillna(0).astype("Int64")


def cadence_compliance(cadence: pd.DataFrame, key: str, ids: pd.Index) -> pd.Series:
    """Compliance = owned customers not overdue / owned customers with a class."""
    owned = cadence.groupby(key).size().reindex(ids)
    on_time = cadence[~cadence["overdue"]].groupby(key).size().reindex(ids).fillna(0)
    return (on_time / owned).astype("Float64")


def visit_conversion(visits_in_period: pd.DataFrame, sales_in_period: pd.DataFrame, key: str,
                     ids: pd.Index) -> pd.Series:
    """visit conversion: visited customers in P that also have revenue > 0 in P /
    visited customers in P (revenue in the grain's own sales rows)."""
    visited = visits_in_period[[key, "customer_id"]].drop_duplicates()
    net = sales_in_period.groupby([key, "customer_id"])["amount"].sum()
    buying = net[net > 0].reset_index()[[key, "customer_id"]].assign(bought=True)
    joined = visited.merge(buying, on=[key, "customer_id"], how="left")
    converted = joined[joined["bought"].eq(True)].groupby(key).size().reindex(ids).fillna(0)
    total = visited.groupby(key).size().reindex(ids)
    return (converted / total).astype("Float64")


def compliance_by_class(cadence: pd.DataFrame) -> pd.DataFrame:
    """Cadence compliance of the company by customer class (A, B, C)."""
    table = cadence.groupby("class").agg(customers=("customer_id", "size"), overdue=("overdue", "sum"))
    table["compliance"] = (table["customers"] - table["overdue"]) / table["customers"]
    return table.reset_index()
