"""Deterministic sample exports of a Chinese sales organisation, for salespack.

The month-end input folder of 江南精工仪器有限公司 (measuring instruments) for period 2026-10:
a director, three departments (华东/华南/华北销售部) of a manager and five reps, 150 customers,
order lines 2025-09..2026-10 with returns, targets to 2026-11, pledges for 2026-10/11/Q4,
check-in visits, quarterly surveys and business trips, in the forms real exports come in:
roster.xlsx, customers.csv (UTF-8 BOM), sales.csv (GBK, mixed amount and date spellings),
visits.csv, budget.xlsx, pledges.csv (GB18030), surveys.csv, trips.xlsx. Every row obeys the
input contract (spec/inputs.md); one seeded numpy Generator and no clock make the files
byte-identical run after run.

Usage: python -m pipeline.sample OUTDIR [--seed N]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import pathlib
import zipfile
from collections import Counter
from decimal import Decimal

import numpy as np
import openpyxl
from openpyxl.writer.excel import ExcelWriter

from .sample_org import (  # the fixed facts of the org
    MONTHS, BUDGET_MONTHS, FIXED_STAMP, EARTH_RADIUS_M, FAR_FUTURE, CITIES, TEAMS, STAFF, LEAVER, LEAVE_DAY,
    SUCCESSOR, NEWCOMER, NO_EMAIL, BIG_OCTOBER, WEAK_OCTOBER, NEW_IN_OCTOBER, NO_PLEDGE, QUARTER_PLEDGER,
    SEASON, HOLIDAYS, PRODUCTS, PRODUCT_SHARE, DISCOUNT_PCT, PURCHASE_WEIGHT, VISIT_WEIGHT, BRANDS, TRADES,
    FIRST_NOTES, FOLLOW_NOTES, SALE_NOTES, RETURN_NOTES, SURVEY_COMMENTS,
)

COMPANY, EMAIL_DOMAIN = "江南精工仪器有限公司", "jnjg.example.cn"
FIRST_DAY, LAST_DAY = dt.date(2025, 9, 1), dt.date(2026, 10, 31)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Weekdays from start to end (inclusive) that are not public holidays."""
    days = (start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5 and not any(_d(a) <= d <= _d(b) for a, b in HOLIDAYS)]


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def destination(lat: float, lon: float, metres: float, bearing: float) -> tuple[float, float]:
    """The point `metres` away along a great circle, rounded to 6 decimals (about 0.1 m)."""
    d, p1, l1 = metres / EARTH_RADIUS_M, math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing))
    l2 = l1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return round(math.degrees(p2), 6), round(math.degrees(l2), 6)


def yuan(cents: int, style: int = 0) -> str:
    """Style 0 `12345.60`, 1 `￥12,345.60`, 2 `12345.6元`, 3 `￥12345.60` (GBK has no half-width ¥)."""
    sign, whole, fen = "-" if cents < 0 else "", abs(cents) // 100, abs(cents) % 100
    if style == 1:
        return f"{sign}￥{whole:,}.{fen:02d}"
    if style == 2:
        return f"{sign}{Decimal(f'{whole}.{fen:02d}').normalize():f}元"
    return f"{sign}{'￥' if style == 3 else ''}{whole}.{fen:02d}"


# ---------------------------------------------------------------- people and customers
def make_staff(rng: np.random.Generator) -> list[dict]:
    boss = {team: sid for sid, _, _, role, team, _, _ in STAFF if role == "经理"}
    staff = []
    for sid, name, login, role, team, city, hire in STAFF:
        staff.append(dict(
            id=sid, name=name, role=role, team=team, city=city, hire=_d(hire),
            email="" if sid == NO_EMAIL else f"{login}@{EMAIL_DOMAIN}",
            manager={"总监": "", "经理": "E001"}.get(role, boss.get(team, "")),
            sell_from=max(_d(hire) + dt.timedelta(days=10), FIRST_DAY),
            leave=LEAVE_DAY if sid == LEAVER else FAR_FUTURE, skill=float(rng.uniform(0.75, 1.3))))
    return staff


def make_customers(rng: np.random.Generator, staff: list[dict]) -> list[dict]:
    """Ten customers per rep; no. 9 is a prospect, no. 8 may first buy in 2026-10, no. 7 is new."""
    reps, taken, customers = [s for s in staff if s["role"] == "代表"], set(), []
    for rep in reps:
        others = [c for c in TEAMS[rep["team"]] if c != rep["city"]]
        mates = [r["id"] for r in reps if r["team"] == rep["team"] and r["id"] not in (rep["id"], LEAVER)]
        for i in range(10):
            city = rep["city"] if rng.random() < 0.6 else str(rng.choice(others))
            name = ""
            while not name or name in taken:  # e.g. 苏州恒力精密机械有限公司, 博远阀门（天津）有限公司
                brand, trade = str(rng.choice(BRANDS)), str(rng.choice(TRADES))
                suffix = "股份有限公司" if rng.random() < 0.15 else "有限公司"
                name = f"{brand}{trade}（{city}）{suffix}" if rng.random() < .1 else f"{city}{brand}{trade}{suffix}"
            taken.add(name)
            lat, lon = destination(*CITIES[city], float(rng.uniform(500, 8000)), float(rng.uniform(0, 2 * math.pi)))
            c = dict(id=f"C{len(customers) + 1:04d}", name=name, city=city,
                     lat=lat, lon=lon, team=rep["team"], owner=rep["id"], prev_owner="", handover=FIRST_DAY,
                     cls=str(rng.choice(["A", "B", "C"], p=[.15, .30, .55])), prospect=i == 9,
                     show_coords=True, first_order=None,
                     created=dt.date(2016, 1, 1) + dt.timedelta(days=int(rng.integers(0, 3530))))
            if rep["id"] == LEAVER:
                c.update(owner=SUCCESSOR, prev_owner=LEAVER, handover=LEAVE_DAY)
            if rep["id"] == NEWCOMER and i < 6:
                c.update(prev_owner=mates[i % len(mates)], handover=rep["hire"])
            elif rep["id"] == NEWCOMER and i == 7:
                c["created"] = rep["hire"] + dt.timedelta(days=int(rng.integers(7, 80)))
            elif i == 7:
                c["created"] = dt.date(2025, 10, 1) + dt.timedelta(days=int(rng.integers(0, 270)))
            elif i == 8 and rep["id"] in NEW_IN_OCTOBER:
                c["created"] = dt.date(2026, 8, 3) + dt.timedelta(days=int(rng.integers(0, 60)))
                c["first_order"] = working_days(dt.date(2026, 10, 12), dt.date(2026, 10, 28))[int(rng.integers(13))]
            elif i == 9:
                c["created"] = dt.date(2024, 1, 1) + dt.timedelta(days=int(rng.integers(0, 1000)))
            lead = dt.timedelta(days=int(rng.integers(14, 45)))
            c["buy_from"] = c["first_order"] or max(c["created"] + lead, FIRST_DAY)
            customers.append(c)
    blanks = rng.choice(len(customers), size=8, replace=False)
    for k in blanks[:4]:
        customers[int(k)]["cls"] = ""
    for k in blanks[4:]:
        customers[int(k)]["show_coords"] = False
    return customers


def owner_on(customer: dict, day: dt.date) -> str:
    return customer["prev_owner"] if customer["prev_owner"] and day < customer["handover"] else customer["owner"]


def pick(rng: np.random.Generator, pool: list[dict], weights: dict) -> dict | None:
    if not pool:
        return None
    w = np.array([weights[c["cls"]] for c in pool])
    return pool[int(rng.choice(len(pool), p=w / w.sum()))]


# ---------------------------------------------------------------- sales, targets, pledges
def capacity(person: dict, year: int, month: int) -> float:
    """Season x ramp-up x share of the month's working days the person could sell in."""
    days = working_days(*month_bounds(year, month))
    own = [d for d in days if person["sell_from"] <= d < person["leave"]]
    since_hire = (year - person["hire"].year) * 12 + month - person["hire"].month
    ramp = [0.4, 0.7, 0.9][since_hire] if 0 <= since_hire < 3 else 1.0
    return SEASON[month] * ramp * len(own) / len(days)


def order_lines(rng: np.random.Generator, cls: str) -> list[list]:
    """1-3 lines of distinct products: [product, quantity, amount in fen, cost in fen or None]."""
    lines = []
    for p in rng.choice(len(PRODUCTS), size=int(rng.choice([1, 2, 3], p=[.45, .35, .2])), replace=False,
                        p=PRODUCT_SHARE):
        name, price, extra, _ = PRODUCTS[int(p)]
        qty = 1 + int(rng.poisson(extra * (1.5 if cls == "A" else 1.0)))
        cents = qty * price * int(rng.choice(DISCOUNT_PCT))  # yuan x percent = fen, exact
        lines.append([name, qty, cents, None if rng.random() < 0.05 else round(cents * rng.uniform(0.60, 0.75))])
    return lines


def make_orders(rng: np.random.Generator, staff: list[dict], customers: list[dict]) -> list[dict]:
    orders = []
    for person in [s for s in staff if s["role"] in ("经理", "代表")]:
        for year, month in MONTHS:
            first, last = month_bounds(year, month)
            days = working_days(max(first, person["sell_from"]), min(last, person["leave"] - dt.timedelta(days=1)))
            if not days:
                continue
            if person["role"] == "经理":  # managers sell a little, to any customer of their team
                n = int(rng.integers(0, 3))
            else:
                form = WEAK_OCTOBER.get(person["id"], 1.0) if (year, month) == (2026, 10) else 1.0
                lam = 10 * person["skill"] * capacity(person, year, month) * form
                n = round(lam * rng.uniform(0.8, 1.2))
                full_month = capacity(person, year, month) == SEASON[month]
                n = min(max(n, round(6 * form)), 14) if full_month else min(n, 14)
            for _ in range(n):
                day = days[int(rng.integers(len(days)))]
                pool = [c for c in customers if not c["prospect"] and c["buy_from"] <= day and (
                    owner_on(c, day) == person["id"] if person["role"] == "代表" else c["team"] == person["team"])]
                if cust := pick(rng, pool, PURCHASE_WEIGHT):
                    orders.append(dict(day=day, rep=person["id"], cust=cust["id"], lines=order_lines(rng, cust["cls"])))
            if person["id"] in BIG_OCTOBER and (year, month) == (2026, 10):
                buyers = [c for c in customers if c["owner"] == person["id"] and c["buy_from"] < days[-3]
                          and not c["prospect"]]
                best = max(buyers, key=lambda c: (PURCHASE_WEIGHT[c["cls"]], c["id"]))
                lines = [["三坐标测量机", 3, 3 * 78000 * 90, 3 * 78000 * 62], ["影像测量仪", 2, 2 * 46000 * 90, None]]
                orders.append(dict(day=days[-3], rep=person["id"], cust=best["id"], lines=lines))
    for c in [c for c in customers if c["first_order"]]:
        orders.append(dict(day=c["first_order"], rep=c["owner"], cust=c["id"], lines=order_lines(rng, c["cls"])))
    orders.sort(key=lambda o: (o["day"], o["rep"], o["cust"]))
    seq: dict[str, int] = {}
    for o in orders:
        month = f"{o['day']:%y%m}"
        seq[month] = seq.get(month, 0) + 1
        o["id"], o["note"] = f"SO{month}-{seq[month]:05d}", str(rng.choice(SALE_NOTES)) if rng.random() < .08 else ""
    return orders + make_returns(rng, staff, customers, orders)


def make_returns(rng: np.random.Generator, staff: list[dict], customers: list[dict], orders: list[dict]) -> list[dict]:
    """About 2% of lines come back later on a TH order: negative quantity, amount and cost."""
    sold = [(o, line) for o in orders if o["day"] <= dt.date(2026, 9, 20) for line in o["lines"]]
    returns = []
    for k in sorted(rng.choice(len(sold), size=round(0.02 * sum(len(o["lines"]) for o in orders)), replace=False)):
        sale, (product, qty, cents, cost) = sold[int(k)]
        day = working_days(sale["day"] + dt.timedelta(days=int(rng.integers(5, 40))), LAST_DAY)[0]
        seller = next(s for s in staff if s["id"] == sale["rep"])
        cust = next(c for c in customers if c["id"] == sale["cust"])
        back = int(rng.integers(1, qty + 1))
        line = [product, -back, -(cents // qty) * back, None if cost is None else -round(cost * back / qty)]
        returns.append(dict(day=day, rep=seller["id"] if day < seller["leave"] else owner_on(cust, day),
                            cust=cust["id"], lines=[line], note=str(rng.choice(RETURN_NOTES))))
    returns.sort(key=lambda o: (o["day"], o["rep"], o["cust"]))
    for i, o in enumerate(returns, 1):
        o["id"] = f"TH{o['day']:%y%m}-{i:04d}"
    return returns


def make_budget(rng: np.random.Generator, staff: list[dict], orders: list[dict]) -> list[list]:
    """Targets near each rep's usual level; 华北销售部 also gets a team row a little above its reps."""
    sold = Counter()
    for o in orders:
        sold[(o["rep"], o["day"].year, o["day"].month)] += sum(line[2] for line in o["lines"])
    rows = []
    for year, month in BUDGET_MONTHS:
        period, north = f"{year}-{month:02d}", 0
        for rep in [s for s in staff if s["role"] == "代表" and capacity(s, year, month) > 0]:
            if rep["id"] == LEAVER and (year, month) >= (LEAVE_DAY.year, LEAVE_DAY.month):
                continue  # no target in the month the rep leaves
            history = [(y, m) for y, m in MONTHS if (y, m) < (2026, 10) and capacity(rep, y, m) > 0]
            usual = sum(sold[(rep["id"], y, m)] for y, m in history) / sum(capacity(rep, y, m) for y, m in history)
            target = int(round(usual / 100 * capacity(rep, year, month) * rng.uniform(0.92, 1.10), -3))
            rows.append([period, rep["id"], rep["team"], target,
                         None if rng.random() < 0.03 else int(round(target * 1.2, -3))])
            north += target if rep["team"] == "华北销售部" else 0
        team_target = int(round(north * rng.uniform(1.03, 1.08), -4))
        rows.append([period, None, "华北销售部", team_target, int(round(team_target * 1.2, -3))])
    return rows


def make_pledges(rng: np.random.Generator, staff: list[dict], budget: list[list]) -> list[list]:
    """Pledges signed at the mobilization meeting: [期间, 工号, 类型, 保证金额, 乐捐金额, 签署日期]."""
    target = {(r[0], r[1]): r[3] for r in budget if r[1]}
    team_of = {s["id"]: s["team"] for s in staff}
    rows = []
    for period, signed in (("2026-10", ("2026-09-29", "2026-09-30", "2026-10-08")),
                           ("2026-11", ("2026-10-30", "2026-10-31", "2026-11-02"))):
        for rep in [s for s in staff if (period, s["id"]) in target and s["id"] not in NO_PLEDGE[period]]:
            amount = math.ceil(target[(period, rep["id"])] * rng.uniform(0.98, 1.15) / 10000) * 10000
            forfeit = int(rng.choice([200, 300, 500, 800, 1000]))
            rows.append([period, rep["id"], "个人", str(amount), str(forfeit), str(rng.choice(signed))])
        for mgr in [s for s in staff if s["role"] == "经理"]:
            team_sum = sum(v for (p, sid), v in target.items() if p == period and team_of[sid] == mgr["team"])
            amount = math.ceil(team_sum * rng.uniform(1.0, 1.08) / 10000) * 10000
            rows.append([period, mgr["id"], "团队", f"¥{amount:,}", "1000", signed[1]])
    north = sum(r[3] for r in budget if r[0] in ("2026-10", "2026-11") and r[1] is None)
    quarter = math.ceil(north * 1.5 / 10000) * 10000  # October + November + a month like them
    rows.append(["2026-Q4", QUARTER_PLEDGER, "团队", f"¥{quarter:,}", "1000", "2026-09-30"])
    return rows


# ---------------------------------------------------------------- field work
def make_trips(rng: np.random.Generator, staff: list[dict], customers: list[dict]) -> list[dict]:
    """1-2 trips per rep and quarter (to 2026-11), mostly to own customers outside the home city."""
    quarters = [("2025-09-01", "2025-09-30"), ("2025-10-01", "2025-12-31"), ("2026-01-01", "2026-03-31"),
                ("2026-04-01", "2026-06-30"), ("2026-07-01", "2026-09-30"), ("2026-10-01", "2026-11-30")]
    trips = []
    for rep in [s for s in staff if s["role"] == "代表"]:
        booked: list[tuple] = []
        for q_start, q_end in quarters:
            days = working_days(max(_d(q_start), rep["sell_from"]), min(_d(q_end), rep["leave"] - dt.timedelta(days=7)))
            month_ends = [d for d in days if (d + dt.timedelta(days=4)).month != d.month] or days
            for _ in range(int(rng.integers(1, 3)) if days else 0):
                starts = month_ends if rng.random() < 0.3 else days
                start = starts[int(rng.integers(len(starts)))]
                end = start + dt.timedelta(days=int(rng.integers(1, 5)))
                own = [c for c in customers if owner_on(c, start) == rep["id"] and c["created"] <= start]
                away = [c for c in own if c["city"] != rep["city"]]
                pool = away if len(away) >= 2 else own
                if any(start <= e + dt.timedelta(days=1) and s <= end + dt.timedelta(days=1) for s, e in booked):
                    continue
                booked.append((start, end))
                chosen = rng.choice(len(pool), size=min(int(rng.integers(2, 6)), len(pool)), replace=False)
                budget = min(8000, int(round(1200 * (end - start).days + rng.uniform(400, 3000), -2)))
                spent = round(budget * rng.uniform(0.7, 1.3), 2)  # not yet claimed for trips ending late
                trips.append(dict(rep=rep["id"], start=start, end=end, customers=[pool[int(k)]["id"] for k in chosen],
                                  sep=str(rng.choice([";", "、", ","])), budget=budget,
                                  actual=None if end > dt.date(2026, 10, 25) else spent))
    return sorted(trips, key=lambda t: (t["start"], t["rep"]))


def make_visits(rng: np.random.Generator, staff: list[dict], customers: list[dict], trips: list[dict]) -> list[list]:
    """Check-ins: trip days visit the planned customers, other working days 0-2 own customers."""
    by_id, visits = {c["id"]: c for c in customers}, []
    for rep in [s for s in staff if s["role"] == "代表"]:
        on_trip: dict[dt.date, list] = {}
        for t in [t for t in trips if t["rep"] == rep["id"]]:
            days = working_days(t["start"], t["end"])
            on_trip.update({d: [] for d in days})
            for j, cid in enumerate(t["customers"]):  # most planned customers get their visit
                if j == 0 or rng.random() < 0.85:
                    on_trip[days[j * len(days) // len(t["customers"])]].append(cid)
        for day in working_days(rep["sell_from"], min(LAST_DAY, rep["leave"] - dt.timedelta(days=1))):
            todays = on_trip.get(day)
            if todays is None:
                pool = [c for c in customers if c["created"] <= day and owner_on(c, day) == rep["id"]]
                todays = [pick(rng, pool, VISIT_WEIGHT)["id"] for _ in range(int(rng.choice(3, p=[.52, .42, .06])))]
            width = 540 // max(1, len(todays))  # the day 08:30-17:30 split into one slot per visit
            for j, cid in enumerate(todays):
                start = j * width + int(rng.integers(0, width if len(todays) == 1 else int(width * 0.6)))
                checkin = dt.datetime.combine(day, dt.time(8, 30, int(rng.integers(60)))) + dt.timedelta(minutes=start)
                r = rng.random()
                stay = None if r < 0.03 else int(rng.integers(2, 10)) if r < 0.08 else int(rng.integers(15, 121))
                r, c, bearing = rng.random(), by_id[cid], float(rng.uniform(0, 2 * math.pi))
                metres = float(rng.uniform(600, 5000) if r < 0.065 else rng.uniform(50, 300))
                spot = None if r < 0.015 else destination(c["lat"], c["lon"], metres, bearing)
                visits.append([checkin, rep["id"], cid, stay, spot, rng.random() < 0.10, rng.random() < 0.05, bearing])
    visits.sort(key=lambda v: (v[0], v[1], v[2]))
    located = [v for v in visits if v[4] and by_id[v[2]]["show_coords"]]
    for k, metres in zip(rng.choice(len(located), size=2, replace=False), (497.0, 503.0)):  # either side of 500 m
        v = located[int(k)]
        v[4] = destination(by_id[v[2]]["lat"], by_id[v[2]]["lon"], metres, v[7])
    rows, seen = [], set()
    for i, (checkin, rep, cid, stay, spot, iso, untyped, _) in enumerate(visits, 1):
        kind = "跟进" if cid in seen else "首访"
        seen.add(cid)
        product = str(rng.choice([p[0] for p in PRODUCTS]))
        note = str(rng.choice(FIRST_NOTES if kind == "首访" else FOLLOW_NOTES)).format(p=product)
        stamp = (lambda t: t.isoformat() + "+08:00") if iso else (lambda t: f"{t:%Y-%m-%d %H:%M:%S}")
        checkout = "" if stay is None else stamp(checkin + dt.timedelta(minutes=stay))
        lat, lon = spot or ("", "")
        rows.append([f"V{i:06d}", rep, cid, stamp(checkin), checkout, lat, lon, "" if untyped else kind, note])
    return rows


def make_surveys(rng: np.random.Generator, customers: list[dict]) -> list[list]:
    """One round of ~40 questionnaires per quarter, to customers who were buying before the round."""
    rounds = [("2025-09-08", "2025-09-26"), ("2025-12-01", "2025-12-19"), ("2026-03-02", "2026-03-20"),
              ("2026-06-01", "2026-06-19"), ("2026-09-01", "2026-09-18"), ("2026-10-12", "2026-10-30")]
    rows = []
    for start, end in rounds:
        days = working_days(_d(start), _d(end))
        pool = [c["id"] for c in customers if not c["prospect"] and c["buy_from"] < _d(start)]
        picked = rng.choice(len(pool), size=min(int(rng.integers(36, 45)), len(pool)), replace=False)
        for day, k in sorted((days[int(rng.integers(len(days)))], int(k)) for k in picked):
            scores = ["" if rng.random() < 0.05 else 1 + int(rng.choice(5, p=[.02, .05, .18, .42, .33]))
                      for _ in range(3)]  # product, sales, service
            comment = str(rng.choice(SURVEY_COMMENTS)) if rng.random() < 0.35 else ""
            rows.append([f"S{len(rows) + 1:04d}", pool[k], day.isoformat(), *scores, comment])
    return rows


def assign_stages(rng: np.random.Generator, customers: list[dict], orders: list[dict]) -> None:
    """Stage from revenue rank: top 10% 大客户, next 20% 重要, other buyers 签约, never bought 拓展中/意向."""
    revenue = Counter()
    for o in orders:
        revenue[o["cust"]] += sum(line[2] for line in o["lines"])
    rank = {cid: i / len(revenue) for i, cid in enumerate(sorted(revenue, key=lambda cid: (-revenue[cid], cid)))}
    for c in customers:
        r = rank.get(c["id"])
        c["stage"] = (("拓展中" if rng.random() < 0.7 else "意向") if r is None
                      else "大客户" if r < 0.1 else "重要" if r < 0.3 else "签约")


# ---------------------------------------------------------------- files
def write_csv(path: pathlib.Path, header: list[str], rows: list[list], encoding: str) -> int:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    path.write_bytes(buf.getvalue().encode(encoding))  # strict: an unencodable character is a bug here
    return len(rows)


def write_xlsx(path: pathlib.Path, header: list[str], rows: list[list], sheet: str) -> int:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in [header, *rows]:
        ws.append(row)
    for cell in (c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, dt.date)):
        cell.number_format = "yyyy-mm-dd"
    wb.properties.creator = COMPANY
    wb.properties.created = wb.properties.modified = FIXED_STAMP
    raw, out = io.BytesIO(), io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()  # save_workbook would stamp now()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():  # re-pack with fixed entry times so the bytes are reproducible
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_STAMP.timetuple()[:6])
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            dst.writestr(entry, src.read(info.filename))
    path.write_bytes(out.getvalue())
    return len(rows)


def sales_rows(rng: np.random.Generator, orders: list[dict]) -> list[list]:
    """Order lines in export form: mixed date and amount spellings; returns in plain numbers."""
    rows = []
    for o in sorted(orders, key=lambda o: (o["day"], o["id"])):
        d = o["day"]
        spellings = [d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日"]
        day = spellings[rng.choice(3, p=[.8, .15, .05])]
        for no, (product, qty, cents, cost) in enumerate(o["lines"], 1):
            style = 0 if cents < 0 else int(rng.choice(4, p=[.82, .10, .05, .03]))
            rows.append([o["id"], no, day, o["rep"], o["cust"], product, qty,
                         yuan(cents, style), None if cost is None else yuan(cost, style), o["note"] if no == 1 else ""])
    return rows


def _build(folder: pathlib.Path, seed: int) -> dict[str, tuple[pathlib.Path, int]]:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    staff = make_staff(rng)
    customers = make_customers(rng, staff)
    orders = make_orders(rng, staff, customers)
    assign_stages(rng, customers, orders)
    budget = make_budget(rng, staff, orders)
    trips = make_trips(rng, staff, customers)
    roster = [[s["id"], s["name"], s["role"], s["team"] or None, s["manager"] or None, s["email"] or None, s["hire"],
               "否" if s["id"] == LEAVER else "是"] for s in staff]
    clients = [[c["id"], c["name"], c["owner"], c["cls"], c["stage"], *((c["lat"], c["lon"]) if c["show_coords"]
               else ("", "")), c["city"], c["created"].isoformat()] for c in customers]
    travel = [[f"T{i:04d}", t["rep"], t["start"], t["end"], t["sep"].join(t["customers"]), t["budget"], t["actual"]]
              for i, t in enumerate(trips, 1)]
    files = [  # file name, header, rows, CSV encoding or XLSX sheet name
        ("roster.xlsx", "工号 姓名 岗位 团队 上级工号 邮箱 入职日期 在职", roster, "人员名单"),
        ("customers.csv", "客户编号 客户名称 负责人工号 客户等级 客户阶段 纬度 经度 区域 建档日期", clients, "utf-8-sig"),
        ("sales.csv", "订单号 行号 订单日期 销售代表工号 客户编号 产品 数量 金额 成本 备注", sales_rows(rng, orders), "gbk"),
        ("visits.csv", "visit_id rep_id customer_id checkin_time checkout_time checkin_lat checkin_lon visit_type "
                       "summary", make_visits(rng, staff, customers, trips), "utf-8"),
        ("budget.xlsx", "月份 工号 团队 任务额 挑战目标", budget, "销售目标"),
        ("pledges.csv", "期间 工号 类型 保证金额 乐捐金额 签署日期", make_pledges(rng, staff, budget), "gb18030"),
        ("surveys.csv", "survey_id customer_id date product_score sales_score service_score comment",
         make_surveys(rng, customers), "utf-8"),
        ("trips.xlsx", "出差编号 工号 出发日期 返回日期 计划拜访客户 预算费用 实际费用", travel, "出差计划"),
    ]
    out = {}
    for name, header, rows, how in files:
        write = write_xlsx if name.endswith(".xlsx") else write_csv
        out[name.split(".")[0]] = (folder / name, write(folder / name, header.split(), rows, how))
    return out


def generate(folder: pathlib.Path, seed: int = 20261031) -> dict[str, pathlib.Path]:
    """Write the eight sample exports into `folder`; returns dataset name -> file path."""
    return {name: path for name, (path, _) in _build(pathlib.Path(folder), seed).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.sample", description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=pathlib.Path, help="folder to write the sample exports into")
    parser.add_argument("--seed", type=int, default=20261031, help="random seed (default 20261031)")
    args = parser.parse_args(argv)
    for path, rows in _build(args.outdir, args.seed).values():
        print(f"{path.name:<14} {rows:>6} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
