"""End to end: the field-work figures in ``kpis.xlsx`` (customers, visits, cadence,
satisfaction, trips, next month plan) for a small organisation that is not the bundled
sample, checked against figures worked out by hand from kpis.md.

Every expected value below is written as the arithmetic from the rows built in
``_write_inputs`` (nothing is computed by pipeline code; only the CLI is imported).
Formats: roster and visits as UTF-8 CSV with English headers, customers as XLSX with
Chinese headers, sales as UTF-8-BOM CSV with Chinese headers, budget as CSV with English
headers, surveys and trips as CSV with Chinese headers. No pledges file (optional).

The organisation (period P = 2026-10, zone Asia/Shanghai, days in P = 31)::

    D01 王总    director
    M01 张经理  manager 一部        M02 李经理  manager 二部
    R01 赵一    rep 一部            R03 孙三    rep 二部
    R02 钱二    rep 一部            R04 周四    rep 二部 (no target for 2026-11)

    customer  class  owner  location                 cadence on 2026-10-31
    K01       A      R01    31.200000, 121.500000    last 10-24 -> 31-24 = 7  <= 7   ok
    K02       A      R01    31.250000, 121.450000    last 10-23 -> 31-23 = 8  >  7   overdue
    K03       B      R01    30.250000, 120.150000    last 10-16 -> 31-16 = 15 <= 15  ok (by R03)
    K04       B      R02    (no coordinates)         last 10-15 -> 31-15 = 16 >  15  overdue
    K05       C      R03    30.300000, 120.200000    last 10-01 -> 31-1  = 30 <= 30  ok (07:45 local)
    K06       C      R03    32.050000, 118.780000    last 09-30 -> 30 + 1 = 31 > 30  overdue
    K07       B      R03    32.000000, 118.800000    never visited                   overdue
    K08       -      R02    31.300000, 120.600000    no class: outside cadence

Ratios are compared allowing the workbook to round them to 4 decimals (0.9731);
money is compared to the cent.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import openpyxl
import pytest

from .conftest import AnyOf, money, ratio, run_workbook

PERIOD = "2026-10"
DAYS_IN_P = 31

CONFIG = """\
company:
  name: 测试贸易有限公司
locale: zh_CN
timezone: Asia/Shanghai
visits:
  geofence_radius_m: 500
  cadence_days: {A: 7, B: 15, C: 30}
  min_visit_minutes: 10
  visits_per_week_standard: 2
plan:
  extra_holidays: ["2026-11-11"]
  extra_workdays: []
"""

FIELD_FIGURES = [
    "active_customers", "new_customers", "visits", "first_visits", "follow_up_visits",
    "visits_per_week", "visits_verified", "visits_outside_fence", "visits_unverifiable",
    "short_visits", "cadence_overdue", "cadence_compliance", "visit_conversion",
    "satisfaction_product", "satisfaction_sales", "satisfaction_service",
    "satisfaction_answers",
]
TRIP_COLUMNS = ["trip_id", "rep_id", "budget_amount", "actual_amount", "expense_variance",
                "planned_customers", "planned_visited", "plan_completion"]
OVERDUE_COLUMNS = ["customer_id", "name", "class", "owner_rep_id", "last_visit", "days_since"]
PLAN_COLUMNS = ["period", "team", "rep_id", "week_start", "working_days", "target"]

EARTH_RADIUS_M = 6371008.8


def per_week(visits):
    """visits / (days in P / 7); October: visits / (31 / 7)."""
    return ratio(visits / (DAYS_IN_P / 7))


# --------------------------------------------------------------------------- inputs

D = dt.date

ROSTER = [
    # rep_id, name, role, team, manager_id, email, active
    ("D01", "王总", "director", "", "", "wang@example.cn", "Y"),
    ("M01", "张经理", "manager", "一部", "D01", "zhang@example.cn", "Y"),
    ("M02", "李经理", "manager", "二部", "D01", "li@example.cn", "Y"),
    ("R01", "赵一", "rep", "一部", "M01", "zhao@example.cn", "Y"),
    ("R02", "钱二", "rep", "一部", "M01", "qian@example.cn", "Y"),
    ("R03", "孙三", "rep", "二部", "M02", "sun@example.cn", "Y"),
    ("R04", "周四", "rep", "二部", "M02", "zhou@example.cn", "Y"),
]
TEAM_OF = {"R01": "一部", "R02": "一部", "R03": "二部", "R04": "二部"}

CUSTOMERS = [
    # 客户编号, 客户名称, 负责人工号, 客户等级, 客户阶段, 纬度, 经度, 区域, 建档日期
    ("K01", "东方机电有限公司", "R01", "A", "重要", 31.200000, 121.500000, "上海", D(2024, 1, 5)),
    ("K02", "南洋五金贸易公司", "R01", "A", "签约", 31.250000, 121.450000, "上海", D(2024, 3, 9)),
    ("K03", "西湖仪表厂", "R01", "B", "签约", 30.250000, 120.150000, "杭州", D(2025, 2, 1)),
    ("K04", "北辰阀门有限公司", "R02", "B", "意向", None, None, "苏州", D(2025, 6, 1)),
    ("K05", "钱塘精密机械", "R03", "C", "签约", 30.300000, 120.200000, "杭州", D(2025, 7, 1)),
    ("K06", "金陵自动化", "R03", "C", "签约", 32.050000, 118.780000, "南京", D(2025, 8, 1)),
    ("K07", "紫金泵业", "R03", "B", "拓展中", 32.000000, 118.800000, "南京", D(2026, 9, 1)),
    ("K08", "姑苏电气", "R02", None, "拓展中", 31.300000, 120.600000, "苏州", D(2026, 9, 20)),
]
NAMES = {row[0]: row[1] for row in CUSTOMERS}

SALES = [
    # 订单号, 行号, 订单日期, 销售代表工号, 客户编号, 产品, 数量, 金额, 成本
    # ---- before P: first sales of K06 (Jul), K02 (Aug), K05, K03, K01 (Sep)
    ("SO-0701", 1, "2026-07-15", "R03", "K06", "A型泵", 1, "1000.00", "700.00"),
    ("SO-0801", 1, "2026-08-10", "R01", "K02", "B型阀", 2, "2000.00", ""),
    ("SO-0901", 1, "2026-09-15", "R01", "K01", "A型泵", 5, "5000.00", ""),
    ("SO-0902", 1, "2026-09-10", "R02", "K03", "C型管", 3, "1500.00", ""),
    ("SO-0903", 1, "2026-09-05", "R03", "K05", "C型管", 1, "700.00", ""),
    # ---- P = 2026-10
    ("SO-1001", 1, "2026-10-05", "R01", "K01", "A型泵", 6, "6000.00", "4500.00"),
    ("SO-1002", 1, "2026-10-12", "R01", "K02", "B型阀", 3, "3000.00", ""),
    ("SO-1003", 1, "2026-10-25", "R01", "K02", "B型阀", -3, "-3000.00", ""),   # K02 nets 0
    ("SO-1004", 1, "2026-10-08", "R02", "K03", "C型管", 4, "4000.00", ""),
    ("SO-1005", 1, "2026-10-20", "R02", "K08", "A型泵", 2, "2500.00", ""),     # K08 first sale ever
    ("SO-1006", 1, "2026-10-03", "R03", "K05", "C型管", 1, "800.00", ""),
    ("SO-1007", 1, "2026-10-18", "R03", "K06", "A型泵", 1, "1200.00", ""),
    ("SO-1008", 1, "2026-10-19", "R03", "K06", "A型泵", -1, "-1500.00", ""),  # K06 nets -300
    ("SO-1009", 1, "2026-10-28", "R04", "K08", "B型阀", 1, "1000.00", ""),     # K08 again, other team
    # ---- after P: K07's first sale is in November (not new in October)
    ("SO-1101", 1, "2026-11-03", "R04", "K07", "C型管", 1, "900.00", ""),
]

VISITS = [
    # visit_id, rep_id, customer_id, checkin_time, checkout_time, checkin_lat, checkin_lon,
    # visit_type, summary
    # ---- R01
    ("V12", "R01", "K01", "2026-09-20 10:00:00", "2026-09-20 10:40:00", "31.200000", "121.500000",
     "follow_up", "九月回访"),                                    # September: not in P
    ("V02", "R01", "K01", "2026-10-10 10:00:00", "2026-10-10 10:08:00", "31.204470", "121.500000",
     "follow_up", "短暂拜访"),  # 0.004470 deg x pi/180 x 6371008.8 = 497.04 m <= 500: verified; 8 min: short
    ("V03", "R01", "K02", "2026-10-23 14:00:00", "2026-10-23 14:30:00", "31.254524", "121.450000",
     "跟进", "送样"),           # 0.004524 deg x pi/180 x 6371008.8 = 503.05 m > 500: outside fence
    ("V01", "R01", "K01", "2026-10-24 09:00:00", "2026-10-24 09:40:00", "31.200000", "121.500000",
     "first", "新产品介绍"),      # 0 m: verified
    ("V04", "R01", "K02", "2026-11-02 10:00:00", "2026-11-02 10:30:00", "31.250000", "121.450000",
     "follow_up", "出差拜访"),    # November (trip T3): not in P, not in cadence
    ("V15", "R01", "K01", "2026-11-02 15:00:00", "2026-11-02 15:30:00", "31.200000", "121.500000",
     "follow_up", "出差拜访"),    # November (trip T3)
    # ---- R02
    ("V13", "R02", "K04", "2026-09-28 10:00:00", "2026-09-28 11:00:00", "31.100000", "121.300000",
     "首访", "出差首访"),          # September (trip T2)
    ("V17", "R02", "K02", "2026-10-09 14:00:00", "2026-10-09 14:30:00", "31.250000", "121.450000",
     "跟进", "协助同事"),          # R02 at R01's customer: 0 m verified
    ("V05", "R02", "K03", "2026-10-03 09:00:00", "2026-10-03 09:45:00", "30.250000", "120.150000",
     "跟进", "回访"),              # 0 m verified; one day after trip T2 ended
    ("V06", "R02", "K04", "2026-10-15 15:00:00", "", "31.100000", "121.300000",
     "首访", "无签退"),            # customer without location: unverifiable; no checkout
    # ---- R03
    ("V08", "R03", "K06", "2026-09-30 23:30:00", "2026-10-01 00:10:00", "32.050000", "118.780000",
     "follow_up", "深夜到访"),    # 23:30 local on 09-30: September
    ("V07", "R03", "K05", "2026-09-30T23:45:00Z", "2026-10-01T00:30:00Z", "30.300000", "120.200000",
     "first", "早访"),            # 07:45 local on 2026-10-01: October; 45 min; 0 m verified
    ("V10", "R03", "K03", "2026-10-16 10:00:00", "2026-10-16 10:10:00", "30.270000", "120.150000",
     "first", "代访"),            # 0.02 deg -> 2223.90 m: outside; exactly 10 min: not short
    # ---- R04
    ("V09", "R04", "K08", "2026-10-20 10:00:00", "2026-10-20 10:20:00", "", "",
     "", "无定位"),                # no check-in location: unverifiable; empty type
    ("V16", "R04", "K08", "2026-10-31T15:50:00Z", "2026-10-31T16:05:00Z", "31.300000", "120.600000",
     "跟进", "月末"),              # 23:50 local on 10-31: October; 0 m verified; 15 min
    ("V11", "R04", "K08", "2026-10-31T16:30:00Z", "2026-10-31T17:00:00Z", "31.300000", "120.600000",
     "跟进", "午夜"),              # 00:30 local on 11-01: November
]

BUDGET = [
    # period, rep_id, team, target, stretch
    ("2026-10", "R01", "一部", "10000", ""),
    ("2026-10", "R02", "一部", "8000", ""),
    ("2026-10", "R03", "二部", "6000", ""),
    ("2026-10", "R04", "二部", "5000", ""),
    ("2026-11", "", "一部", "33333.33", ""),        # team row: wins over R01 + R02
    ("2026-11", "R01", "一部", "20000", ""),
    ("2026-11", "R02", "一部", "10000.01", ""),
    ("2026-11", "R03", "二部", "7000.02", ""),      # 二部 has no team row: 二部 = R03 only
    # R04 (active) has no 2026-11 row: no plan rows for R04
]

SURVEYS = [
    # 问卷编号, 客户编号, 日期, 产品满意度, 销售服务满意度, 售后满意度, 意见
    ("SV1", "K01", "2026-10-05", "5", "4", "3", ""),
    ("SV2", "K02", "2026-10-20", "", "5", "5", "产品未评"),
    ("SV3", "K03", "2026-09-28", "1", "1", "1", "九月: 不计"),
    ("SV4", "K05", "2026-10-31", "4", "5", "5", ""),
    ("SV5", "K06", "2026-10-01", "3", "2", "2", "交货慢"),
    ("SV6", "K08", "2026-10-15", "", "", "", "只留言未打分"),
    ("SV7", "K01", "2026-11-01", "1", "1", "1", "十一月: 不计"),
]

TRIPS = [
    # 出差编号, 工号, 出发日期, 返回日期, 计划拜访客户, 预算费用, 实际费用
    ("T1", "R01", "2026-10-09", "2026-10-10", "K01, K02, K05", "1,500.00", "1320.50"),
    ("T2", "R02", "2026-09-28", "2026-10-02", "K03、K04、K04", "￥2,000", "2450元"),
    ("T3", "R01", "2026-10-30", "2026-11-02", "K02;K01", "3000", "2890"),
    ("T4", "R04", "2026-11-03", "2026-11-05", "K08", "900", "850"),       # all November
    ("T5", "R03", "2026-10-01", "2026-10-01", "K05", "800", ""),          # no actual
    ("T6", "R04", "2026-10-20", "2026-10-21", "", "600", "600"),          # nothing planned
    ("T7", "R02", "2026-09-25", "2026-09-30", "K04", "700", "700"),       # ends before P
]


def _write_csv(path: Path, header, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _write_inputs(folder: Path) -> None:
    folder.mkdir(parents=True)
    _write_csv(folder / "roster.csv",
               ["rep_id", "name", "role", "team", "manager_id", "email", "active"], ROSTER)

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "客户"
    sheet.append(["客户编号", "客户名称", "负责人工号", "客户等级", "客户阶段", "纬度", "经度",
                  "区域", "建档日期"])
    for row in CUSTOMERS:
        sheet.append(list(row))
    for cell in sheet["I"][1:]:
        cell.number_format = "yyyy-mm-dd"
    book.save(folder / "customers.xlsx")

    _write_csv(folder / "sales.csv",
               ["订单号", "行号", "订单日期", "销售代表工号", "客户编号", "产品", "数量", "金额", "成本"],
               SALES, encoding="utf-8-sig")
    _write_csv(folder / "visits.csv",
               ["visit_id", "rep_id", "customer_id", "checkin_time", "checkout_time",
                "checkin_lat", "checkin_lon", "visit_type", "summary"], VISITS)
    _write_csv(folder / "budget.csv", ["period", "rep_id", "team", "target", "stretch"], BUDGET)
    _write_csv(folder / "surveys.csv",
               ["问卷编号", "客户编号", "日期", "产品满意度", "销售服务满意度", "售后满意度", "意见"],
               SURVEYS)
    _write_csv(folder / "trips.csv",
               ["出差编号", "工号", "出发日期", "返回日期", "计划拜访客户", "预算费用", "实际费用"],
               TRIPS)


def test_fixture_distances_are_what_the_comments_say():
    """Guards the hand arithmetic of the geofence cases (test data only, no pipeline)."""
    def haversine(lat1, lon1, lat2, lon2):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        dp, dl = p2 - p1, math.radians(lon2 - lon1)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))

    assert haversine(31.2, 121.5, 31.204470, 121.5) == pytest.approx(497.04, abs=0.01)
    assert haversine(31.25, 121.45, 31.254524, 121.45) == pytest.approx(503.05, abs=0.01)
    assert haversine(30.25, 120.15, 30.27, 120.15) == pytest.approx(2223.90, abs=0.01)


# --------------------------------------------------------------------------- run once


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    """Run the pipeline once; the sheets of kpis.xlsx as (header, rows as dicts)."""
    return run_workbook(tmp_path_factory.mktemp("field_other_org"), _write_inputs, CONFIG, PERIOD)


def _keyed(workbook, sheet, key):
    assert sheet in workbook, f"sheet {sheet} missing; have {list(workbook)}"
    header, rows = workbook[sheet]
    keyed = {row[key]: row for row in rows}
    assert len(keyed) == len(rows), f"duplicate {key} in sheet {sheet}"
    return keyed


def _as_date(value):
    """A date cell reads back as datetime; anything else (a text date) stays as it is."""
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    return value


def _check(row, expected, label):
    """Compare every expected column; report all mismatches at once."""
    problems = []
    for column, want in expected.items():
        got = row.get(column, "<missing column>")
        if want is None:
            ok = got is None
        elif isinstance(want, AnyOf):
            ok = want == got
        elif isinstance(want, dt.date):
            ok = isinstance(got, dt.date | dt.datetime) and _as_date(got) == want
        else:
            ok = got is not None and got == want
        if not ok:
            problems.append(f"{label}.{column}: got {got!r}, expected {want!r}")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- layout


def test_sheets_and_columns(workbook):
    need = {
        "reps": ["rep_id", "name", "team"] + FIELD_FIGURES,
        "teams": ["team"] + FIELD_FIGURES,
        "company": FIELD_FIGURES,
        "trips": TRIP_COLUMNS,
        "overdue_customers": OVERDUE_COLUMNS,
        "plan": PLAN_COLUMNS,
    }
    for sheet, columns in need.items():
        assert sheet in workbook, f"sheet {sheet} missing; have {list(workbook)}"
        header = workbook[sheet][0]
        missing = [c for c in columns if c not in header]
        assert not missing, f"{sheet} lacks columns {missing}"
    assert set(_keyed(workbook, "reps", "rep_id")) >= {"R01", "R02", "R03", "R04"}
    assert set(_keyed(workbook, "teams", "team")) == {"一部", "二部"}
    assert len(workbook["company"][1]) == 1


# --------------------------------------------------------------------------- reps, teams, company
#
# Visits in P (local check-in date in 2026-10), by rep:
#   R01: V02 (K01 10-10, follow_up, 497 m verified, 8 min short),
#        V03 (K02 10-23, 跟进, 503 m outside, 30 min), V01 (K01 10-24, first, 0 m, 40 min)
#   R02: V17 (K02 10-09, 跟进, 0 m, 30 min), V05 (K03 10-03, 跟进, 0 m, 45 min),
#        V06 (K04 10-15, 首访, customer has no location -> unverifiable, no checkout)
#   R03: V07 (K05 10-01 07:45, first, 0 m, 45 min), V10 (K03 10-16, first, 2223.90 m, 10 min)
#   R04: V09 (K08 10-20, no type, no check-in location, 20 min),
#        V16 (K08 10-31 23:50, 跟进, 0 m, 15 min)
#   not in P: V12 (09-20), V13 (09-28), V08 (09-30 23:30), V11 (11-01 00:30), V04, V15 (11-02)
#
# Net revenue in P by (rep, customer):
#   R01: K01 6000, K02 3000 - 3000 = 0      R02: K03 4000, K08 2500
#   R03: K05 800, K06 1200 - 1500 = -300    R04: K08 1000
# First sale ever: K06 07-15, K02 08-10, K05 09-05, K03 09-10, K01 09-15, K08 10-20 (new),
#   K07 11-03 (after P), K04 none.
#
# Surveys in P by owner: R01 (K01, K02, K03): SV1 (5, 4, 3), SV2 (-, 5, 5);
#   R02 (K04, K08): SV6 (-, -, -); R03 (K05, K06, K07): SV4 (4, 5, 5), SV5 (3, 2, 2);
#   R04 owns no customer. SV3 (09-28) and SV7 (11-01) are outside P.


def _expected_reps():
    return {
        "R01": dict(
            active_customers=1,                       # K01 (K02 nets 0)
            new_customers=0,
            visits=3, first_visits=1, follow_up_visits=2,
            visits_per_week=per_week(3),              # 3 / (31 / 7) = 0.6774
            visits_verified=2, visits_outside_fence=1, visits_unverifiable=0,
            short_visits=1,                           # V02: 8 < 10
            cadence_overdue=1,                        # owns K01 ok, K02 overdue, K03 ok
            cadence_compliance=ratio((3 - 1) / 3),
            visit_conversion=ratio(1 / 2),            # visited {K01, K02}; revenue > 0: K01
            satisfaction_product=ratio(5 / 1),        # SV1 5; SV2 empty
            satisfaction_sales=ratio((4 + 5) / 2),
            satisfaction_service=ratio((3 + 5) / 2),
            satisfaction_answers=2,
        ),
        "R02": dict(
            active_customers=2,                       # K03, K08
            new_customers=1,                          # K08: first sale ever 10-20, in R02's rows
            visits=3, first_visits=1, follow_up_visits=2,
            visits_per_week=per_week(3),
            visits_verified=2, visits_outside_fence=0, visits_unverifiable=1,
            short_visits=0,                           # V06 has no checkout: not short
            cadence_overdue=1,                        # owns K04 overdue; K08 has no class
            cadence_compliance=ratio((1 - 1) / 1),
            visit_conversion=ratio(1 / 3),            # visited {K02, K03, K04}; revenue > 0: K03
            satisfaction_product=None,                # SV6 has no scores at all
            satisfaction_sales=None,
            satisfaction_service=None,
            satisfaction_answers=1,                   # one survey row dated in P
        ),
        "R03": dict(
            active_customers=1,                       # K05 (K06 nets -300)
            new_customers=0,
            visits=2, first_visits=2, follow_up_visits=0,
            visits_per_week=per_week(2),              # 2 / (31 / 7) = 0.4516
            visits_verified=1, visits_outside_fence=1, visits_unverifiable=0,
            short_visits=0,                           # V10 lasts exactly 10 min
            cadence_overdue=2,                        # owns K05 ok, K06 overdue, K07 never visited
            cadence_compliance=ratio((3 - 2) / 3),
            visit_conversion=ratio(1 / 2),            # visited {K05, K03}; K03 sold by R02 only
            satisfaction_product=ratio((4 + 3) / 2),
            satisfaction_sales=ratio((5 + 2) / 2),
            satisfaction_service=ratio((5 + 2) / 2),
            satisfaction_answers=2,
        ),
        "R04": dict(
            active_customers=1,                       # K08
            new_customers=1,                          # K08 again: in R04's rows of P too
            visits=2, first_visits=0, follow_up_visits=1,   # V09 has no type
            visits_per_week=per_week(2),
            visits_verified=1, visits_outside_fence=0, visits_unverifiable=1,
            short_visits=0,
            cadence_overdue=0,                        # owns no customer with a class
            cadence_compliance=None,                  # no classed customers: empty
            visit_conversion=ratio(1 / 1),            # visited {K08}; revenue 1000 > 0
            satisfaction_product=None,                # owns no surveyed customer
            satisfaction_sales=None,
            satisfaction_service=None,
            satisfaction_answers=AnyOf(None, 0),      # "empty when none" (0 also accepted)
        ),
    }


def test_rep_field_figures(workbook):
    reps = _keyed(workbook, "reps", "rep_id")
    for rep_id, expected in _expected_reps().items():
        assert reps[rep_id]["team"] == TEAM_OF[rep_id]
        _check(reps[rep_id], expected, rep_id)


def test_team_field_figures(workbook):
    teams = _keyed(workbook, "teams", "team")
    _check(teams["一部"], dict(                       # R01 + R02, from the rows
        active_customers=3,                           # K01 6000, K03 4000, K08 2500; K02 nets 0
        new_customers=1,                              # K08
        visits=3 + 3, first_visits=1 + 1, follow_up_visits=2 + 2,
        visits_per_week=per_week(6),                  # 6 / (31 / 7) = 1.3548
        visits_verified=2 + 2, visits_outside_fence=1 + 0, visits_unverifiable=0 + 1,
        short_visits=1,
        cadence_overdue=2,                            # K02, K04 of K01..K04
        cadence_compliance=ratio((4 - 2) / 4),
        visit_conversion=ratio(2 / 4),                # visited {K01, K02, K03, K04}; > 0: K01, K03
        satisfaction_product=ratio(5 / 1),            # SV1, SV2, SV6
        satisfaction_sales=ratio((4 + 5) / 2),
        satisfaction_service=ratio((3 + 5) / 2),
        satisfaction_answers=3,
    ), "一部")
    _check(teams["二部"], dict(                       # R03 + R04
        active_customers=2,                           # K05 800, K08 1000; K06 nets -300
        new_customers=1,                              # K08
        visits=2 + 2, first_visits=2 + 0, follow_up_visits=0 + 1,
        visits_per_week=per_week(4),                  # 4 / (31 / 7) = 0.9032
        visits_verified=1 + 1, visits_outside_fence=1 + 0, visits_unverifiable=0 + 1,
        short_visits=0,
        cadence_overdue=2,                            # K06, K07 of K05..K07
        cadence_compliance=ratio((3 - 2) / 3),
        visit_conversion=ratio(2 / 3),                # visited {K05, K03, K08}; > 0: K05, K08
        satisfaction_product=ratio((4 + 3) / 2),      # SV4, SV5
        satisfaction_sales=ratio((5 + 2) / 2),
        satisfaction_service=ratio((5 + 2) / 2),
        satisfaction_answers=2,
    ), "二部")


def test_company_field_figures(workbook):
    (company,) = workbook["company"][1]
    _check(company, dict(
        active_customers=4,                           # K01, K03, K05, K08 (3500); not K02 0, K06 -300
        new_customers=1,                              # K08, counted once
        visits=6 + 4, first_visits=2 + 2, follow_up_visits=4 + 1,
        visits_per_week=per_week(10),                 # 10 / (31 / 7) = 2.2581
        visits_verified=4 + 2, visits_outside_fence=1 + 1, visits_unverifiable=1 + 1,
        short_visits=1,
        cadence_overdue=4,                            # K02, K04, K06, K07 of 7 classed
        cadence_compliance=ratio((7 - 4) / 7),
        visit_conversion=ratio(4 / 6),                # visited {K01..K05, K08}; > 0: K01, K03, K05, K08
        satisfaction_product=ratio((5 + 4 + 3) / 3),  # SV1, SV4, SV5 (SV2, SV6 empty)
        satisfaction_sales=ratio((4 + 5 + 5 + 2) / 4),
        satisfaction_service=ratio((3 + 5 + 5 + 2) / 4),
        satisfaction_answers=5,                       # SV1, SV2, SV4, SV5, SV6
    ), "company")


# --------------------------------------------------------------------------- overdue customers


def test_overdue_customers(workbook):
    rows = _keyed(workbook, "overdue_customers", "customer_id")
    # K01 (7 <= 7), K03 (15 <= 15), K05 (30 <= 30) are at their limit, not overdue;
    # K08 has no class.
    assert set(rows) == {"K02", "K04", "K06", "K07"}
    expected = {
        "K02": dict(name=NAMES["K02"], owner_rep_id="R01", last_visit=D(2026, 10, 23),
                    days_since=31 - 23),              # 8 > 7; the 11-02 visit is after P
        "K04": dict(name=NAMES["K04"], owner_rep_id="R02", last_visit=D(2026, 10, 15),
                    days_since=31 - 15),              # 16 > 15
        "K06": dict(name=NAMES["K06"], owner_rep_id="R03", last_visit=D(2026, 9, 30),
                    days_since=(30 - 30) + 31),       # 09-30 -> 10-31: 31 > 30
        "K07": dict(name=NAMES["K07"], owner_rep_id="R03", last_visit=None, days_since=None),
    }
    classes = {"K02": "A", "K04": "B", "K06": "C", "K07": "B"}
    for customer_id, want in expected.items():
        row = rows[customer_id]
        assert row["class"] == classes[customer_id], f"{customer_id}.class: {row['class']!r}"
        _check(row, want, customer_id)
        if want["days_since"] is not None:
            assert isinstance(row["days_since"], int), f"{customer_id}.days_since not an integer"


# --------------------------------------------------------------------------- trips


def test_trips(workbook):
    rows = _keyed(workbook, "trips", "trip_id")
    # T4 (all November) and T7 (ends 09-30) do not overlap P.
    assert set(rows) == {"T1", "T2", "T3", "T5", "T6"}
    expected = {
        "T1": dict(rep_id="R01", budget_amount=money(1500), actual_amount=money(1320.50),
                   expense_variance=money(1320.50 - 1500),          # -179.50
                   planned_customers=3,                              # K01, K02, K05
                   planned_visited=1,                                # K01 by R01 on 10-10; K02 only by R02
                   plan_completion=ratio(1 / 3)),
        "T2": dict(rep_id="R02", budget_amount=money(2000), actual_amount=money(2450),
                   expense_variance=money(2450 - 2000),              # 450
                   planned_customers=2,                              # K03, K04 (K04 listed twice)
                   planned_visited=1,                                # K04 on 09-28 (before P); K03 on 10-03 is after 10-02
                   plan_completion=ratio(1 / 2)),
        "T3": dict(rep_id="R01", budget_amount=money(3000), actual_amount=money(2890),
                   expense_variance=money(2890 - 3000),              # -110
                   planned_customers=2,                              # K02, K01
                   planned_visited=2,                                # both on 11-02, inside the trip
                   plan_completion=ratio(2 / 2)),
        "T5": dict(rep_id="R03", budget_amount=money(800), actual_amount=None,
                   expense_variance=None,
                   planned_customers=1,
                   planned_visited=1,                                # V07: 10-01 07:45 local
                   plan_completion=ratio(1 / 1)),
        "T6": dict(rep_id="R04", budget_amount=money(600), actual_amount=money(600),
                   expense_variance=money(600 - 600),                # 0, not empty
                   planned_customers=0,
                   planned_visited=0,
                   plan_completion=None),
    }
    for trip_id, want in expected.items():
        _check(rows[trip_id], want, trip_id)


# --------------------------------------------------------------------------- next month plan
#
# November 2026 (extra holiday 11-11, a Wednesday):
#   week from  11-01 (Sun)           0 working days
#              11-02 .. 11-06        5
#              11-09 .. 11-13        5 - 1 (11-11) = 4
#              11-16 .. 11-20        5
#              11-23 .. 11-27        5
#              11-30 (Mon)           1
#   month: 0 + 5 + 4 + 5 + 5 + 1 = 20 working days
#
# Split in fen, largest remainder, ties to the earlier week:
#   一部 (team row) 33333.33 = 3333333 fen: x5/20 = 833333.25, x4/20 = 666666.60, x1/20 = 166666.65
#     floors 3 x 833333 + 666666 + 166666 = 3333331, 2 fen left -> .65 (11-30), .60 (11-09)
#   R01 20000.00: 5000, 4000, 5000, 5000, 1000
#   R02 10000.01 = 1000001 fen: x5/20 = 250000.25, x4/20 = 200000.20, x1/20 = 50000.05
#     floors 1000000, 1 fen left -> .25 ties (11-02, 11-16, 11-23): the earliest, 11-02
#   R03 7000.02 = 700002 fen: x5/20 = 175000.50, x4/20 = 140000.40, x1/20 = 35000.10
#     floors 700000, 2 fen left -> .50 ties (11-02, 11-16, 11-23): 11-02 and 11-16
#   二部 (no team row): its reps' rows = R03 only = 7000.02, same split as R03
#   R04: active, no target for 2026-11 -> no rows

WEEKS = [D(2026, 11, 2), D(2026, 11, 9), D(2026, 11, 16), D(2026, 11, 23), D(2026, 11, 30)]
WORKING_DAYS = [5, 4, 5, 5, 1]


def _expected_plan():
    splits = {
        ("一部", None): [8333.33, 6666.67, 8333.33, 8333.33, 1666.67],
        ("一部", "R01"): [5000.00, 4000.00, 5000.00, 5000.00, 1000.00],
        ("一部", "R02"): [2500.01, 2000.00, 2500.00, 2500.00, 500.00],
        ("二部", None): [1750.01, 1400.00, 1750.01, 1750.00, 350.00],
        ("二部", "R03"): [1750.01, 1400.00, 1750.01, 1750.00, 350.00],
    }
    totals = {("一部", None): 33333.33, ("一部", "R01"): 20000, ("一部", "R02"): 10000.01,
              ("二部", None): 7000.02, ("二部", "R03"): 7000.02}
    for key, weeks in splits.items():                 # the hand split adds up to the month
        assert round(sum(weeks), 2) == round(totals[key], 2), key
    return splits


def test_plan_working_days_match_the_holiday_library():
    """Guards the hand calendar: no Chinese public holiday or 调休 in November 2026."""
    chinese_calendar = pytest.importorskip("chinese_calendar")
    for day in range(1, 31):
        date = D(2026, 11, day)
        assert chinese_calendar.is_workday(date) == (date.weekday() < 5), date
    assert sum(WORKING_DAYS) == 20


def test_plan(workbook):
    assert "plan" in workbook, f"sheet plan missing; have {list(workbook)}"
    header, rows = workbook["plan"]
    got = {}
    for row in rows:
        assert str(row["period"]) == "2026-11", f"plan row of period {row['period']!r}"
        week = _as_date(row["week_start"])
        assert isinstance(week, dt.date) and not isinstance(week, dt.datetime), \
            f"week_start is not a date cell: {row['week_start']!r}"
        key = (row["team"], row["rep_id"] or None, week)
        assert key not in got, f"duplicate plan row {key}"
        got[key] = row

    expected = _expected_plan()
    problems = []
    for (team, rep_id), targets in expected.items():
        for week, days, target in zip(WEEKS, WORKING_DAYS, targets):
            row = got.pop((team, rep_id, week), None)
            if row is None:
                problems.append(f"no plan row for {team}/{rep_id}/{week}")
                continue
            if row["working_days"] != days:
                problems.append(f"{team}/{rep_id}/{week}.working_days: got {row['working_days']!r}, "
                                f"expected {days}")
            if row["target"] is None or row["target"] != money(target):
                problems.append(f"{team}/{rep_id}/{week}.target: got {row['target']!r}, "
                                f"expected {target:.2f}")
        # the first partial week (Sunday 11-01, no working day) may be absent or a 0 row
        first = got.pop((team, rep_id, D(2026, 11, 1)), None)
        if first is not None and (first["working_days"] != 0 or first["target"] != money(0)):
            problems.append(f"{team}/{rep_id}/2026-11-01: got {first['working_days']!r} days, "
                            f"{first['target']!r}; expected 0 and 0")
    assert not problems, "\n".join(problems)
    assert not got, f"unexpected plan rows (R04 has no target): {sorted(map(str, got))}"
