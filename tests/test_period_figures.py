"""End to end: periods longer than a month (a quarter ``YYYY-Qn`` and a year ``YYYY``),
for a small organisation that is not the bundled sample, checked against figures worked
out by hand from kpis.md ("Periods longer than a month").

Every expected value below is written as the arithmetic from the rows built in this file
(nothing is computed by pipeline code; only the CLI is run). Formats: roster as UTF-8 CSV
with English headers, sales as XLSX with date cells (one amount as text ``¥12,000.00``),
budget as GB18030 CSV with Chinese headers, customers as XLSX with Chinese headers,
visits and trips as UTF-8 CSV, surveys as GBK CSV with Chinese headers, pledges as
all-text Parquet.

The organisation (zone Asia/Shanghai)::

    D01 王总    director
    M01 张经理  manager 一部        M02 李经理  manager 二部
    R01 赵一    rep 一部            R04 周四    rep 二部
    R02 钱二    rep 一部            R05 吴五    rep 二部
    R03 孙三    rep 一部 (hired 2024-10: no sales before 2024-10)

Sales: one order a month per rep to its home customer (R01 -> K01 on the 1st, R02 -> K02
on the last day of the month, R03 -> K03, R04 -> K04, R05 -> K05 on the 15th), at a
monthly amount that is constant within a quarter:

    monthly amount   2024-07..12   2025-Q1   2025-Q2   2025-Q3   2025-Q4
    R01                 8000         9000     10000     12000     11000
    R02                 6000         7000      8000      9000      9000
    R03        (from 10) 5000        5000      6000      6000      7000
    R04                 7000         8000      8000      8000      9000
    R05                 4000         4000      5000      5000      6000

plus, in 2025-Q3: K06 (R01) 2025-08-15 +3000, first sale ever; K07 (R04) 2025-09-20 +3000,
first sale ever; K08 (R05) 2025-07-10 +2000 and a return document 2025-07-20 -2000 (first
sale ever, nets 0).

Budget: every month of 2025 a team row 一部 26000 (its reps' rows sum to 24000: the team
row wins), R01 10000, R02 8000, R03 6000 (none for 2025-08), R04 9000, R05 6000 (二部 has
no team row: 9000 + 6000 = 15000). Company per month: 26000 + 15000 = 41000.

Reward tiers: individual 1.0 -> 300, 1.2 -> 800; team 1.0 -> 2000.

2025-Q3 has 31 + 31 + 30 = 92 days; 2025 has 365.

The quarter and year reported are 2025-Q3 and 2025 (not 2026): a period is reported "to
today" while it is not over (the run warns so), and this machine's clock reads 2026-11, so
2026 and its fourth quarter are not over; 2025 is over whatever the clock says later.
Ratios are compared allowing the workbook to round them to 4 decimals; money to the cent.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from .conftest import AnyOf, invoke, money, ratio, workbook_sheets

Y = 2025          # the year of the quarter and of the year reported: both over, whatever the clock
QUARTER = f"{Y}-Q3"
YEAR = str(Y)
DAYS_Q3 = 31 + 31 + 30
DAYS_Y = 365                       # 2025 is no leap year

CONFIG = """\
company:
  name: 季度测试贸易有限公司
locale: zh_CN
timezone: Asia/Shanghai
pledges:
  reward_tiers:
    individual:
      - {min_attainment: 1.0, amount: 300}
      - {min_attainment: 1.2, amount: 800}
    team:
      - {min_attainment: 1.0, amount: 2000}
visits:
  geofence_radius_m: 500
  cadence_days: {A: 7, B: 15, C: 30}
  min_visit_minutes: 10
  visits_per_week_standard: 2
"""

FIGURES = [
    "revenue", "orders", "gross_margin_pct", "target", "stretch", "variance",
    "variance_pct", "attainment", "stretch_attainment", "mom_pct", "yoy_pct",
    "qtd_revenue", "qtd_attainment", "ytd_revenue", "ytd_attainment", "quarter_forecast",
]
OTHER_FIGURES = [
    "active_customers", "new_customers", "visits", "first_visits", "follow_up_visits",
    "visits_per_week", "visits_verified", "visits_outside_fence", "visits_unverifiable",
    "short_visits", "cadence_overdue", "cadence_compliance", "visit_conversion",
    "satisfaction_product", "satisfaction_sales", "satisfaction_service",
    "satisfaction_answers",
]
RANKS = ["rank_revenue", "rank_attainment"]
PLEDGE_COLUMNS = [
    "period", "pledger_id", "name", "scope", "team", "pledge_amount", "actual",
    "pledge_attainment", "met", "reward", "forfeit_due", "settled",
]
SUMMARY_COLUMNS = ["pledger_id", "name", "team", "scope", "kind", "pledges", "met", "missed",
                   "reward", "forfeit_due"]
MONTHS_COLUMNS = ["period", "grain", "key", "revenue", "target", "attainment"]
TRIP_COLUMNS = ["trip_id", "rep_id", "budget_amount", "actual_amount", "expense_variance",
                "planned_customers", "planned_visited", "plan_completion"]
OVERDUE_COLUMNS = ["customer_id", "name", "class", "owner_rep_id", "last_visit", "days_since"]


# --------------------------------------------------------------------------- inputs

D = dt.date

ROSTER = [
    # rep_id, name, role, team, manager_id, email, hire_date, active
    ("D01", "王总", "director", "", "", "wang@example.cn", "2020-01-01", "Y"),
    ("M01", "张经理", "manager", "一部", "D01", "zhang@example.cn", "2021-01-01", "Y"),
    ("M02", "李经理", "manager", "二部", "D01", "li@example.cn", "2021-01-01", "Y"),
    ("R01", "赵一", "rep", "一部", "M01", "zhao@example.cn", "2022-03-01", "Y"),
    ("R02", "钱二", "rep", "一部", "M01", "qian@example.cn", "2022-03-01", "Y"),
    ("R03", "孙三", "rep", "一部", "M01", "sun@example.cn", f"{Y - 1}-10-01", "Y"),
    ("R04", "周四", "rep", "二部", "M02", "zhou@example.cn", "2023-05-01", "Y"),
    ("R05", "吴五", "rep", "二部", "M02", "wu@example.cn", "2023-05-01", "Y"),
]
NAMES = {row[0]: row[1] for row in ROSTER}
TEAM_OF = {row[0]: row[3] for row in ROSTER}

HOME = {"R01": "K01", "R02": "K02", "R03": "K03", "R04": "K04", "R05": "K05"}

# the monthly amount of each rep's home order, by block of months (see the module doc)
MONTHLY = {
    "H2 before": {"R01": 8000, "R02": 6000, "R03": 5000, "R04": 7000, "R05": 4000},
    "Q1": {"R01": 9000, "R02": 7000, "R03": 5000, "R04": 8000, "R05": 4000},
    "Q2": {"R01": 10000, "R02": 8000, "R03": 6000, "R04": 8000, "R05": 5000},
    "Q3": {"R01": 12000, "R02": 9000, "R03": 6000, "R04": 8000, "R05": 5000},
    "Q4": {"R01": 11000, "R02": 9000, "R03": 7000, "R04": 9000, "R05": 6000},
}


def _block(year, month):
    if year == Y - 1:
        return "H2 before"
    return f"Q{(month - 1) // 3 + 1}"


def _last_day(year, month):
    following = D(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _months():
    return [(Y - 1, m) for m in range(7, 13)] + [(Y, m) for m in range(1, 13)]


def _sales_rows():
    # order_id, line_no, order_date, rep_id, customer_id, product, quantity, amount, cost
    rows = []
    for year, month in _months():
        for rep_id, amount in MONTHLY[_block(year, month)].items():
            if rep_id == "R03" and (year, month) < (Y - 1, 10):
                continue                                   # hired 2024-10
            day = {"R01": D(year, month, 1), "R02": _last_day(year, month)}.get(
                rep_id, D(year, month, 15))
            value = "¥12,000.00" if (rep_id, year, month) == ("R01", Y, 7) else float(amount)
            rows.append((f"SO-{rep_id}-{year}{month:02d}", 1, day, rep_id, HOME[rep_id],
                         "A型泵", 1, value, None))
    rows += [
        ("SO-K06", 1, D(Y, 8, 15), "R01", "K06", "B型阀", 3, 3000.0, None),
        ("SO-K07", 1, D(Y, 9, 20), "R04", "K07", "B型阀", 3, 3000.0, None),
        ("SO-K08", 1, D(Y, 7, 10), "R05", "K08", "C型管", 2, 2000.0, None),
        ("SO-K08-R", 1, D(Y, 7, 20), "R05", "K08", "C型管", -2, -2000.0, None),  # return document
    ]
    return rows


def _budget_rows():
    # 月份, 工号, 团队, 任务额, 挑战目标
    rows = []
    for month in range(1, 13):
        period = f"{Y}-{month:02d}"
        rows.append((period, "", "一部", "26,000.00", ""))
        rows.append((period, "R01", "一部", "10000", ""))
        rows.append((period, "R02", "一部", "8000", ""))
        if month != 8:
            rows.append((period, "R03", "一部", "6000", ""))    # R03: no target for 2025-08
        rows.append((period, "R04", "二部", "9000", ""))
        rows.append((period, "R05", "二部", "6000", ""))
    return rows


CUSTOMERS = [
    # 客户编号, 客户名称, 负责人工号, 客户等级, 客户阶段, 建档日期
    ("K01", "东方机电", "R01", "A", "重要", D(2024, 1, 5)),
    ("K02", "南洋五金", "R02", "B", "签约", D(2024, 1, 5)),
    ("K03", "西湖仪表", "R03", "C", "签约", D(Y - 1, 9, 1)),
    ("K04", "北辰阀门", "R04", "A", "签约", D(2024, 1, 5)),
    ("K05", "钱塘机械", "R05", "B", "签约", D(2024, 1, 5)),
    ("K06", "金陵自动化", "R01", "C", "意向", D(Y, 8, 1)),
    ("K07", "紫金泵业", "R04", "A", "意向", D(Y, 9, 1)),
    ("K08", "姑苏电气", "R05", None, "拓展中", D(Y, 7, 1)),   # no class: outside cadence
    ("K09", "太湖流体", "R02", "B", "拓展中", D(Y, 1, 1)),    # never visited, never sold
]
CUSTOMER_NAMES = {row[0]: row[1] for row in CUSTOMERS}

VISITS = [
    # visit_id, rep_id, customer_id, checkin_time, checkout_time, visit_type, summary
    # ---- in 2025-Q3 (local check-in date 07-01 .. 09-30)
    ("V01", "R01", "K01", f"{Y}-07-05 10:00:00", f"{Y}-07-05 10:30:00", "follow_up", ""),
    ("V02", "R01", "K01", f"{Y}-09-25 10:00:00", f"{Y}-09-25 10:30:00", "跟进", ""),
    ("V03", "R02", "K02", f"{Y}-07-28 14:00:00", f"{Y}-07-28 14:30:00", "首访", ""),
    ("V04", "R03", "K03", f"{Y}-08-31 09:00:00", f"{Y}-08-31 09:30:00", "follow_up", ""),
    ("V05", "R04", "K04", f"{Y}-09-23 15:00:00", f"{Y}-09-23 15:30:00", "follow_up", ""),
    ("V06", "R05", "K05", f"{Y}-09-10 10:00:00", f"{Y}-09-10 10:30:00", "first", ""),
    ("V07", "R01", "K06", f"{Y}-08-15 11:00:00", f"{Y}-08-15 11:30:00", "first", ""),
    ("V08", "R04", "K07", f"{Y}-09-20 11:00:00", f"{Y}-09-20 11:30:00", "首访", ""),
    ("V12", "R03", "K03", f"{Y}-06-30T16:10:00Z", f"{Y}-06-30T16:40:00Z", "follow_up",
     "07-01 00:10 local: Q3"),
    # ---- not in 2025-Q3
    ("V09", "R05", "K05", f"{Y}-09-30T16:30:00Z", f"{Y}-09-30T17:00:00Z", "follow_up",
     "10-01 00:30 local: October"),
    ("V10", "R02", "K02", f"{Y}-10-02 10:00:00", f"{Y}-10-02 10:30:00", "follow_up", ""),
    ("V11", "R01", "K01", f"{Y}-06-30 23:30:00", f"{Y}-07-01 00:00:00", "follow_up",
     "06-30 local: June"),
    ("V13", "R04", "K04", f"{Y}-10-02 09:00:00", f"{Y}-10-02 09:30:00", "follow_up", "trip T2"),
    ("V14", "R02", "K02", f"{Y - 1}-12-31T16:30:00Z", f"{Y - 1}-12-31T17:00:00Z", "follow_up",
     f"{Y}-01-01 00:30 local: in 2025"),
    ("V15", "R02", "K02", f"{Y - 1}-12-31 23:00:00", f"{Y - 1}-12-31 23:30:00", "follow_up",
     f"{Y - 1}-12-31 local: not in 2025"),
]

SURVEYS = [
    # 问卷编号, 客户编号, 日期, 产品满意度, 销售服务满意度, 售后满意度, 意见
    ("SV1", "K01", f"{Y}-08-10", "5", "4", "4", ""),
    ("SV2", "K04", f"{Y}-09-15", "3", "5", "2", ""),
    ("SV5", "K06", f"{Y}-09-30", "4", "4", "5", "季末最后一天"),
    ("SV3", "K02", f"{Y}-10-05", "1", "1", "1", "十月: 不计"),
    ("SV4", "K03", f"{Y}-06-20", "1", "1", "1", "六月: 不计"),
]

TRIPS = [
    # trip_id, rep_id, start_date, end_date, planned_customers, budget_amount, actual_amount
    ("T1", "R01", f"{Y}-06-29", f"{Y}-07-02", "K01、K06", "1000", "1100"),   # starts before Q3
    ("T2", "R04", f"{Y}-09-28", f"{Y}-10-03", "K04;K07;K05", "2000", "1800"),  # ends after Q3
    ("T3", "R02", f"{Y}-06-01", f"{Y}-06-05", "K02", "500", "500"),          # all June
    ("T4", "R02", f"{Y}-10-05", f"{Y}-10-06", "K02", "500", "500"),          # all October
    ("T5", "R03", f"{Y}-08-30", f"{Y}-09-01", "K03", "500", ""),             # no actual
]

PLEDGES = [
    # period, pledger_id, scope, pledge_amount, forfeit_amount, signed_date
    (f"{Y}-Q3", "R01", "个人", "39,000.00", "1000", f"{Y}-06-28"),  # met exactly: 39000 / 39000
    (f"{Y}-Q3", "M02", "团队", "50000", "3000", f"{Y}-06-28"),      # 二部 42000: missed
    (f"{Y}-07", "R01", "individual", "10000", "500", f"{Y}-06-28"),
    (f"{Y}-08", "R01", "个人", "16000", "500", f"{Y}-07-30"),
    (f"{Y}-09", "R01", "个人", "11000", "500", f"{Y}-08-28"),
    (f"{Y}-07", "R04", "个人", "9000", "400", f"{Y}-06-28"),
    (f"{Y}-09", "R04", "个人", "10000", "400", f"{Y}-08-28"),
    (f"{Y}-08", "M01", "team", "28000", "2000", f"{Y}-07-30"),
    (f"{Y}-09", "M01", "团队", "28000", "2000", f"{Y}-08-28"),
    (f"{Y}-06", "R02", "个人", "7000", "300", f"{Y}-05-28"),
    (f"{Y}-10", "R02", "个人", "10000", "300", f"{Y}-09-28"),
    (f"{Y}-Q4", "R02", "个人", "25000", "1500", f"{Y}-09-28"),
    (f"{Y}-Q1", "M01", "团队", "80000", "3000", f"{Y - 1}-12-28"),
    (f"{Y - 1}-12", "R01", "个人", "5000", "500", f"{Y - 1}-11-28"),       # not of 2025
]


def _write_csv(path: Path, header, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _write_inputs(folder: Path) -> None:
    folder.mkdir(parents=True)
    _write_csv(folder / "roster.csv",
               ["rep_id", "name", "role", "team", "manager_id", "email", "hire_date", "active"],
               ROSTER)

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "明细"
    sheet.append(["order_id", "line_no", "order_date", "rep_id", "customer_id", "product",
                  "quantity", "amount", "cost"])
    for row in _sales_rows():
        sheet.append(list(row))
    for cell in sheet["C"][1:]:
        cell.number_format = "yyyy-mm-dd"
    book.save(folder / "sales.xlsx")

    _write_csv(folder / "budget.csv", ["月份", "工号", "团队", "任务额", "挑战目标"],
               _budget_rows(), encoding="gb18030")

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "客户"
    sheet.append(["客户编号", "客户名称", "负责人工号", "客户等级", "客户阶段", "建档日期"])
    for row in CUSTOMERS:
        sheet.append(list(row))
    for cell in sheet["F"][1:]:
        cell.number_format = "yyyy-mm-dd"
    book.save(folder / "customers.xlsx")

    _write_csv(folder / "visits.csv",
               ["visit_id", "rep_id", "customer_id", "checkin_time", "checkout_time",
                "visit_type", "summary"], VISITS)
    _write_csv(folder / "surveys.csv",
               ["问卷编号", "客户编号", "日期", "产品满意度", "销售服务满意度", "售后满意度", "意见"],
               SURVEYS, encoding="gbk")
    _write_csv(folder / "trips.csv",
               ["trip_id", "rep_id", "start_date", "end_date", "planned_customers",
                "budget_amount", "actual_amount"], TRIPS)

    frame = pd.DataFrame(PLEDGES, columns=["period", "pledger_id", "scope", "pledge_amount",
                                           "forfeit_amount", "signed_date"]).astype(str)
    frame.to_parquet(folder / "pledges.parquet", index=False)


def test_fixture_sales_are_what_the_doc_says():
    """Guards the hand arithmetic (test data only, no pipeline): quarter sums by rep."""
    def total(rep_id, first, last):
        out = 0.0
        for order_id, _, day, rep, *_rest in _sales_rows():
            amount = _rest[-2]
            if rep == rep_id and first <= day <= last:
                out += 12000.0 if isinstance(amount, str) else amount
        return out

    q3 = (D(Y, 7, 1), D(Y, 9, 30))
    assert total("R01", *q3) == 3 * 12000 + 3000
    assert total("R02", *q3) == 3 * 9000 == total("R04", *q3) == 3 * 8000 + 3000
    assert total("R05", *q3) == 3 * 5000 + 2000 - 2000
    assert total("R03", D(Y - 1, 7, 1), D(Y - 1, 9, 30)) == 0
    assert total("R02", D(Y, 6, 30), D(Y, 6, 30)) == 8000       # last day of the month
    assert (_last_day(Y, 9), _last_day(Y, 12), _last_day(Y, 2)) == (
        D(Y, 9, 30), D(Y, 12, 31), D(Y, 2, 28))


# --------------------------------------------------------------------------- runs


def _run(org: Path, outputs: Path, period: str, *extra: str):
    return invoke("run", "--inputs", str(org / "inputs"), "--outputs", str(outputs),
                  "--period", period, "--config", str(org / "salespack.yaml"), *extra)


def _run_ok(org: Path, outputs: Path, period: str, *extra: str):
    import traceback
    result = _run(org, outputs, period, *extra)
    if result.exit_code != 0:
        detail = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else ""
        pytest.fail(f"run --period {period} {' '.join(extra)} exited {result.exit_code}:\n"
                    f"{result.output}\n{detail}")
    return result


@pytest.fixture(scope="module")
def org(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("period_org")
    _write_inputs(base / "inputs")
    (base / "salespack.yaml").write_text(CONFIG, encoding="utf-8")
    return base


@pytest.fixture(scope="module")
def quarter_folder(org) -> Path:
    _run_ok(org, org / "out-quarter", QUARTER)
    return org / "out-quarter" / QUARTER


@pytest.fixture(scope="module")
def quarter(quarter_folder) -> dict:
    return workbook_sheets(quarter_folder / "kpis.xlsx")


@pytest.fixture(scope="module")
def year_folder(org) -> Path:
    _run_ok(org, org / "out-year", YEAR)
    return org / "out-year" / YEAR


@pytest.fixture(scope="module")
def year(year_folder) -> dict:
    return workbook_sheets(year_folder / "kpis.xlsx")


def _keyed(workbook, sheet, key):
    assert sheet in workbook, f"sheet {sheet} missing; have {list(workbook)}"
    header, rows = workbook[sheet]
    keyed = {}
    for row in rows:
        k = tuple(str(row[part]) if part == "period" else row[part] for part in key) \
            if isinstance(key, tuple) else row[key]
        assert k not in keyed, f"duplicate {key} {k} in sheet {sheet}"
        keyed[k] = row
    return keyed


def _as_date(value):
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
        elif isinstance(want, bool):
            ok = got is want
        elif isinstance(want, dt.date):
            ok = isinstance(got, dt.date | dt.datetime) and _as_date(got) == want
        elif column.startswith("rank_") or column in ("orders", "pledges", "met", "missed"):
            ok = isinstance(got, int) and not isinstance(got, bool) and got == want
        else:
            ok = got is not None and got == want
        if not ok:
            problems.append(f"{label}.{column}: got {got!r}, expected {want!r}")
    assert not problems, "\n".join(problems)


def _check_all(keyed, expected, label):
    problems = []
    for key, want in expected.items():
        if key not in keyed:
            problems.append(f"{label}: no row {key}")
            continue
        try:
            _check(keyed[key], want, f"{label}[{key}]")
        except AssertionError as error:
            problems.append(str(error))
    assert not problems, "\n".join(problems)


# =========================================================================== 2025-Q3


def test_quarter_writes_its_folder_and_documents(quarter_folder):
    for name in ("summary-pack.pdf", "kpis.xlsx", "manifest.json"):
        assert (quarter_folder / name).is_file() and (quarter_folder / name).stat().st_size > 0, name
    assert {p.name for p in (quarter_folder / "teams").glob("*.pdf")} == {"一部.pdf", "二部.pdf"}
    manifest = json.loads((quarter_folder / "manifest.json").read_text(encoding="utf-8"))
    assert str(manifest["period"]) == QUARTER


def test_quarter_sheets_and_columns(quarter):
    need = {
        "reps": ["rep_id", "name", "team", "pop_pct"] + FIGURES + RANKS + OTHER_FIGURES,
        "teams": ["team", "pop_pct"] + FIGURES + RANKS + OTHER_FIGURES,
        "company": ["pop_pct"] + FIGURES + OTHER_FIGURES,
        "months": MONTHS_COLUMNS,
        "pledges": PLEDGE_COLUMNS,
        "pledge_summary": SUMMARY_COLUMNS,
        "trips": TRIP_COLUMNS,
        "overdue_customers": OVERDUE_COLUMNS,
        "next_month_targets": ["period"],
        "plan": ["period", "team", "rep_id", "week_start", "working_days", "target"],
    }
    problems = []
    for sheet, columns in need.items():
        if sheet not in quarter:
            problems.append(f"sheet {sheet} missing; have {list(quarter)}")
            continue
        missing = [c for c in columns if c not in quarter[sheet][0]]
        if missing:
            problems.append(f"{sheet} lacks columns {missing}")
    assert not problems, "\n".join(problems)
    reps = _keyed(quarter, "reps", "rep_id")
    assert set(reps) == {"R01", "R02", "R03", "R04", "R05"}
    for rep_id, row in reps.items():
        assert (row["name"], row["team"]) == (NAMES[rep_id], TEAM_OF[rep_id])
    assert set(_keyed(quarter, "teams", "team")) == {"一部", "二部"}
    assert len(quarter["company"][1]) == 1


# Quarter revenue (home orders x 3 + extras):
#   R01 3 x 12000 + 3000 (K06) = 39000      R04 3 x 8000 + 3000 (K07) = 27000
#   R02 3 x 9000 = 27000 (tie with R04)     R05 3 x 5000 + 2000 - 2000 (K08) = 15000
#   R03 3 x 6000 = 18000
# 2025-Q2: R01 30000, R02 24000, R03 18000, R04 24000, R05 15000
# 2024-Q3: R01 24000, R02 18000, R03 none (hired 2024-10), R04 21000, R05 12000
# YTD (Q1 + Q2 + Q3): R01 27000 + 30000 + 39000, R02 21000 + 24000 + 27000,
#   R03 15000 + 18000 + 18000, R04 24000 + 24000 + 27000, R05 12000 + 15000 + 15000


def _quarter_reps():
    return {
        "R01": dict(
            revenue=money(3 * 12000 + 3000), orders=3 + 1,
            target=money(3 * 10000), stretch=None,
            variance=money(39000 - 30000), variance_pct=ratio((39000 - 30000) / 30000),
            attainment=ratio(39000 / 30000), stretch_attainment=None,
            mom_pct=None, pop_pct=ratio(39000 / 30000 - 1), yoy_pct=ratio(39000 / 24000 - 1),
            qtd_revenue=money(39000), qtd_attainment=ratio(39000 / 30000),
            ytd_revenue=money(27000 + 30000 + 39000),
            ytd_attainment=ratio((27000 + 30000 + 39000) / (9 * 10000)),
            quarter_forecast=None,
            rank_revenue=1, rank_attainment=1),                  # 1.3
        "R02": dict(
            revenue=money(3 * 9000), orders=3,
            target=money(3 * 8000), stretch=None,
            variance=money(27000 - 24000), variance_pct=ratio((27000 - 24000) / 24000),
            attainment=ratio(27000 / 24000), stretch_attainment=None,
            mom_pct=None, pop_pct=ratio(27000 / 24000 - 1), yoy_pct=ratio(27000 / 18000 - 1),
            qtd_revenue=money(27000), qtd_attainment=ratio(27000 / 24000),
            ytd_revenue=money(21000 + 24000 + 27000),
            ytd_attainment=ratio((21000 + 24000 + 27000) / (9 * 8000)),
            quarter_forecast=None,
            rank_revenue=2, rank_attainment=2),                  # tie 27000 with R04; 1.125
        "R03": dict(                                             # no target for 2025-08
            revenue=money(3 * 6000), orders=3,
            target=None, stretch=None, variance=None, variance_pct=None,
            attainment=None, stretch_attainment=None,
            mom_pct=None,
            pop_pct=ratio(18000 / 18000 - 1),                    # 0, not empty
            yoy_pct=None,                                        # no sales rows in 2024-Q3
            qtd_revenue=money(18000), qtd_attainment=None,
            ytd_revenue=money(15000 + 18000 + 18000), ytd_attainment=None,
            quarter_forecast=None,
            rank_revenue=4, rank_attainment=None),
        "R04": dict(
            revenue=money(3 * 8000 + 3000), orders=3 + 1,
            target=money(3 * 9000), stretch=None,
            variance=money(27000 - 27000),                       # 0, not empty
            variance_pct=ratio(0 / 27000),
            attainment=ratio(27000 / 27000), stretch_attainment=None,
            mom_pct=None, pop_pct=ratio(27000 / 24000 - 1), yoy_pct=ratio(27000 / 21000 - 1),
            qtd_revenue=money(27000), qtd_attainment=ratio(27000 / 27000),
            ytd_revenue=money(24000 + 24000 + 27000),
            ytd_attainment=ratio((24000 + 24000 + 27000) / (9 * 9000)),
            quarter_forecast=None,
            rank_revenue=2, rank_attainment=3),                  # shares rank 2; 1.0
        "R05": dict(
            revenue=money(3 * 5000 + 2000 - 2000),
            orders=3 + 1,                                        # SO-K08 (+2000); the return document is no order
            target=money(3 * 6000), stretch=None,
            variance=money(15000 - 18000), variance_pct=ratio((15000 - 18000) / 18000),
            attainment=ratio(15000 / 18000), stretch_attainment=None,
            mom_pct=None, pop_pct=ratio(15000 / 15000 - 1), yoy_pct=ratio(15000 / 12000 - 1),
            qtd_revenue=money(15000), qtd_attainment=ratio(15000 / 18000),
            ytd_revenue=money(12000 + 15000 + 15000),
            ytd_attainment=ratio((12000 + 15000 + 15000) / (9 * 6000)),
            quarter_forecast=None,
            rank_revenue=5, rank_attainment=4),                  # 1, 2, 2, 4, 5
    }


def test_quarter_rep_sales_figures(quarter):
    reps = _keyed(quarter, "reps", "rep_id")
    expected = {rep_id: {k: v for k, v in want.items() if k not in RANKS}
                for rep_id, want in _quarter_reps().items()}
    _check_all(reps, expected, "reps")


def test_quarter_rep_ranks_with_a_tie(quarter):
    # revenue: R01 39000 > R02 27000 == R04 27000 > R03 18000 > R05 15000 -> 1, 2, 2, 4, 5
    # attainment: R01 1.3 > R02 1.125 > R04 1.0 > R05 0.8333; R03 has none
    reps = _keyed(quarter, "reps", "rep_id")
    expected = {rep_id: {k: want[k] for k in RANKS} for rep_id, want in _quarter_reps().items()}
    _check_all(reps, expected, "reps")


def test_quarter_team_figures(quarter):
    teams = _keyed(quarter, "teams", "team")
    yi = 39000 + 27000 + 18000                                   # 84000
    er = 27000 + 15000                                           # 42000
    _check_all(teams, {
        "一部": dict(
            revenue=money(yi), orders=4 + 3 + 3,
            target=money(3 * 26000),                             # team row, not 3 x (10000 + 8000 + 6000)
            stretch=None,                                        # R03's missing month does not empty it
            variance=money(84000 - 78000), variance_pct=ratio((84000 - 78000) / 78000),
            attainment=ratio(84000 / 78000),
            mom_pct=None,
            pop_pct=ratio(84000 / (30000 + 24000 + 18000) - 1),
            yoy_pct=ratio(84000 / (24000 + 18000) - 1),
            qtd_revenue=money(84000), qtd_attainment=ratio(84000 / 78000),
            ytd_revenue=money((27000 + 30000 + 39000) + (21000 + 24000 + 27000)
                              + (15000 + 18000 + 18000)),
            ytd_attainment=ratio(219000 / (9 * 26000)),
            quarter_forecast=None,
            rank_revenue=1, rank_attainment=1),                  # 1.0769 > 0.9333
        "二部": dict(
            revenue=money(er), orders=4 + 4,
            target=money(3 * (9000 + 6000)),                     # no team row: its reps' rows
            stretch=None,
            variance=money(42000 - 45000), variance_pct=ratio((42000 - 45000) / 45000),
            attainment=ratio(42000 / 45000),
            mom_pct=None,
            pop_pct=ratio(42000 / (24000 + 15000) - 1),
            yoy_pct=ratio(42000 / (21000 + 12000) - 1),
            qtd_revenue=money(42000), qtd_attainment=ratio(42000 / 45000),
            ytd_revenue=money((24000 + 24000 + 27000) + (12000 + 15000 + 15000)),
            ytd_attainment=ratio(117000 / (9 * 15000)),
            quarter_forecast=None,
            rank_revenue=2, rank_attainment=2),
    }, "teams")


def test_quarter_company_figures(quarter):
    (company,) = quarter["company"][1]
    revenue = 84000 + 42000
    target = 3 * 26000 + 3 * 15000                               # sum of the team targets
    _check(company, dict(
        revenue=money(revenue), orders=10 + 8,
        target=money(target), stretch=None,
        variance=money(126000 - 123000), variance_pct=ratio((126000 - 123000) / 123000),
        attainment=ratio(126000 / 123000),
        mom_pct=None,
        pop_pct=ratio(126000 / (72000 + 39000) - 1),             # vs 2025-Q2
        yoy_pct=ratio(126000 / (42000 + 33000) - 1),             # vs 2024-Q3
        qtd_revenue=money(126000), qtd_attainment=ratio(126000 / 123000),
        ytd_revenue=money(219000 + 117000),
        ytd_attainment=ratio(336000 / (9 * 41000)),
        quarter_forecast=None,
    ), "company")


# Customers in 2025-Q3 (net revenue > 0 in the rep's own rows; first sale ever):
#   R01: K01, K06 (new: 2025-08-15)    R02: K02    R03: K03 (first 2024-10)
#   R04: K04, K07 (new: 2025-09-20)    R05: K05; K08 new (first 2025-07-10) but nets 0
# Visits in Q3 (local check-in date):
#   R01: V01 07-05 follow_up, V02 09-25 跟进, V07 08-15 first     -> 3 (1 first, 2 follow)
#   R02: V03 07-28 首访                                           -> 1 (1 first)
#   R03: V04 08-31 follow_up, V12 07-01 00:10 local follow_up     -> 2 (2 follow)
#   R04: V05 09-23 follow_up, V08 09-20 首访                       -> 2 (1 first, 1 follow)
#   R05: V06 09-10 first                                          -> 1 (1 first)
#   not: V09 10-01 00:30 local, V10/V13 10-02, V11 06-30 23:30 local, V14, V15
#   no coordinates anywhere: every visit unverifiable; every visit lasts 30 min.
# Cadence at 2025-09-30 (A 7, B 15, C 30 days; visits after 09-30 do not count):
#   K01 A R01 last 09-25: 5 ok          K06 C R01 last 08-15: 16 + 30 = 46 overdue
#   K02 B R02 last 07-28: 3 + 31 + 30 = 64 overdue (10-02 is after P)
#   K09 B R02 never visited: overdue    K03 C R03 last 08-31: 30 ok (at the limit)
#   K04 A R04 last 09-23: 7 ok          K07 A R04 last 09-20: 10 overdue
#   K05 B R05 last 09-10: 20 overdue (V09 is 10-01 local)       K08: no class
#   (At 2025-07-31, the last day of the quarter's first month, K01 would be overdue
#   (07-05: 26 days) and K02 not (3 days), K04 never visited: 7 overdue, not 5.)
# Surveys in Q3: SV1 K01 08-10 (5, 4, 4), SV2 K04 09-15 (3, 5, 2), SV5 K06 09-30 (4, 4, 5);
#   SV3 (10-05) and SV4 (06-20) are outside.


def per_week(visits, days=DAYS_Q3):
    return ratio(visits / (days / 7))


def test_quarter_rep_field_figures(quarter):
    reps = _keyed(quarter, "reps", "rep_id")
    _check_all(reps, {
        "R01": dict(active_customers=2, new_customers=1,
                    visits=3, first_visits=1, follow_up_visits=2, visits_per_week=per_week(3),
                    visits_verified=0, visits_outside_fence=0, visits_unverifiable=3,
                    short_visits=0,
                    cadence_overdue=1, cadence_compliance=ratio((2 - 1) / 2),
                    satisfaction_product=ratio((5 + 4) / 2), satisfaction_sales=ratio((4 + 4) / 2),
                    satisfaction_service=ratio((4 + 5) / 2), satisfaction_answers=2),
        "R02": dict(active_customers=1, new_customers=0,
                    visits=1, first_visits=1, follow_up_visits=0, visits_per_week=per_week(1),
                    cadence_overdue=2, cadence_compliance=ratio(0 / 2),
                    satisfaction_product=None, satisfaction_answers=AnyOf(None, 0)),
        "R03": dict(active_customers=1, new_customers=0,
                    visits=2, first_visits=0, follow_up_visits=2, visits_per_week=per_week(2),
                    cadence_overdue=0, cadence_compliance=ratio(1 / 1),
                    satisfaction_product=None, satisfaction_answers=AnyOf(None, 0)),  # SV4 is June
        "R04": dict(active_customers=2, new_customers=1,
                    visits=2, first_visits=1, follow_up_visits=1, visits_per_week=per_week(2),
                    cadence_overdue=1, cadence_compliance=ratio((2 - 1) / 2),
                    satisfaction_product=ratio(3 / 1), satisfaction_sales=ratio(5 / 1),
                    satisfaction_service=ratio(2 / 1), satisfaction_answers=1),
        "R05": dict(active_customers=1,                          # K08 nets 0
                    new_customers=1,                             # K08: first row ever in P
                    visits=1, first_visits=1, follow_up_visits=0, visits_per_week=per_week(1),
                    cadence_overdue=1, cadence_compliance=ratio(0 / 1),  # K08 has no class
                    satisfaction_product=None, satisfaction_answers=AnyOf(None, 0)),
    }, "reps")


def test_quarter_team_and_company_field_figures(quarter):
    teams = _keyed(quarter, "teams", "team")
    _check_all(teams, {
        "一部": dict(active_customers=2 + 1 + 1, new_customers=1,
                   visits=3 + 1 + 2, first_visits=1 + 1 + 0, follow_up_visits=2 + 0 + 2,
                   visits_per_week=per_week(6),
                   cadence_overdue=1 + 2 + 0,
                   cadence_compliance=ratio((5 - 3) / 5),      # K01, K06, K02, K09, K03
                   satisfaction_product=ratio((5 + 4) / 2), satisfaction_answers=2),
        "二部": dict(active_customers=2 + 1, new_customers=1 + 1,
                   visits=2 + 1, first_visits=1 + 1, follow_up_visits=1 + 0,
                   visits_per_week=per_week(3),
                   cadence_overdue=1 + 1,
                   cadence_compliance=ratio((3 - 2) / 3),      # K04, K07, K05
                   satisfaction_product=ratio(3 / 1), satisfaction_answers=1),
    }, "teams")
    (company,) = quarter["company"][1]
    _check(company, dict(
        active_customers=7,                                      # K01..K07; K08 nets 0
        new_customers=3,                                         # K06, K07, K08
        visits=9, first_visits=4, follow_up_visits=5,
        visits_per_week=per_week(9),                             # 9 / (92 / 7) = 0.6848
        visits_verified=0, visits_outside_fence=0, visits_unverifiable=9, short_visits=0,
        cadence_overdue=5,                                       # K02, K05, K06, K07, K09
        cadence_compliance=ratio((8 - 5) / 8),
        satisfaction_product=ratio((5 + 3 + 4) / 3),
        satisfaction_sales=ratio((4 + 5 + 4) / 3),
        satisfaction_service=ratio((4 + 2 + 5) / 3),
        satisfaction_answers=3,                                  # SV1, SV2, SV5
    ), "company")


def test_quarter_overdue_customers_at_the_last_day_of_the_quarter(quarter):
    rows = _keyed(quarter, "overdue_customers", "customer_id")
    assert set(rows) == {"K02", "K05", "K06", "K07", "K09"}
    _check_all(rows, {
        "K02": dict(name=CUSTOMER_NAMES["K02"], owner_rep_id="R02", last_visit=D(Y, 7, 28),
                    days_since=3 + 31 + 30),
        "K05": dict(name=CUSTOMER_NAMES["K05"], owner_rep_id="R05", last_visit=D(Y, 9, 10),
                    days_since=30 - 10),
        "K06": dict(name=CUSTOMER_NAMES["K06"], owner_rep_id="R01", last_visit=D(Y, 8, 15),
                    days_since=(31 - 15) + 30),
        "K07": dict(name=CUSTOMER_NAMES["K07"], owner_rep_id="R04", last_visit=D(Y, 9, 20),
                    days_since=30 - 20),
        "K09": dict(name=CUSTOMER_NAMES["K09"], owner_rep_id="R02", last_visit=None,
                    days_since=None),
    }, "overdue_customers")


def test_quarter_trips_overlapping_its_boundaries(quarter):
    rows = _keyed(quarter, "trips", "trip_id")
    assert set(rows) == {"T1", "T2", "T5"}                      # T3 all June, T4 all October
    _check_all(rows, {
        "T1": dict(rep_id="R01", budget_amount=money(1000), actual_amount=money(1100),
                   expense_variance=money(1100 - 1000),
                   planned_customers=2,                          # K01, K06
                   planned_visited=1,                            # K01 by R01 on 06-30 (V11); K06 on 08-15 is after
                   plan_completion=ratio(1 / 2)),
        "T2": dict(rep_id="R04", budget_amount=money(2000), actual_amount=money(1800),
                   expense_variance=money(1800 - 2000),
                   planned_customers=3,                          # K04, K07, K05
                   planned_visited=1,                            # K04 by R04 on 10-02 (V13), inside the trip
                   plan_completion=ratio(1 / 3)),
        "T5": dict(rep_id="R03", budget_amount=money(500), actual_amount=None,
                   expense_variance=None,
                   planned_customers=1, planned_visited=1,       # K03 on 08-31 (V04)
                   plan_completion=ratio(1 / 1)),
    }, "trips")


def _attain(revenue, target):
    return None if target is None else ratio(revenue / target)


QUARTER_MONTHS = {
    # (month, grain, key): (revenue, target)
    (f"{Y}-07", "rep", "R01"): (12000, 10000),
    (f"{Y}-08", "rep", "R01"): (12000 + 3000, 10000),
    (f"{Y}-09", "rep", "R01"): (12000, 10000),
    (f"{Y}-07", "rep", "R02"): (9000, 8000),
    (f"{Y}-08", "rep", "R02"): (9000, 8000),
    (f"{Y}-09", "rep", "R02"): (9000, 8000),
    (f"{Y}-07", "rep", "R03"): (6000, 6000),
    (f"{Y}-08", "rep", "R03"): (6000, None),                    # no budget row
    (f"{Y}-09", "rep", "R03"): (6000, 6000),
    (f"{Y}-07", "rep", "R04"): (8000, 9000),
    (f"{Y}-08", "rep", "R04"): (8000, 9000),
    (f"{Y}-09", "rep", "R04"): (8000 + 3000, 9000),
    (f"{Y}-07", "rep", "R05"): (5000 + 2000 - 2000, 6000),
    (f"{Y}-08", "rep", "R05"): (5000, 6000),
    (f"{Y}-09", "rep", "R05"): (5000, 6000),
    (f"{Y}-07", "team", "一部"): (12000 + 9000 + 6000, 26000),
    (f"{Y}-08", "team", "一部"): (15000 + 9000 + 6000, 26000),   # team row: R03's gap does not matter
    (f"{Y}-09", "team", "一部"): (12000 + 9000 + 6000, 26000),
    (f"{Y}-07", "team", "二部"): (8000 + 5000, 9000 + 6000),
    (f"{Y}-08", "team", "二部"): (8000 + 5000, 9000 + 6000),
    (f"{Y}-09", "team", "二部"): (11000 + 5000, 9000 + 6000),
    (f"{Y}-07", "company", "company"): (27000 + 13000, 26000 + 15000),
    (f"{Y}-08", "company", "company"): (30000 + 13000, 26000 + 15000),
    (f"{Y}-09", "company", "company"): (27000 + 16000, 26000 + 15000),
}


def test_quarter_months_sheet(quarter):
    header, rows = quarter["months"]
    for row in rows:
        assert isinstance(row["period"], str), f"months.period is not text: {row['period']!r}"
    keyed = _keyed(quarter, "months", ("period", "grain", "key"))
    assert set(keyed) == set(QUARTER_MONTHS), sorted(set(keyed) ^ set(QUARTER_MONTHS))
    expected = {key: dict(revenue=money(revenue),
                          target=None if target is None else money(target),
                          attainment=_attain(revenue, target))
                for key, (revenue, target) in QUARTER_MONTHS.items()}
    _check_all(keyed, expected, "months")
    # the months add up to the quarter
    assert sum(r for (m, g, k), (r, t) in QUARTER_MONTHS.items() if g == "company") == 126000


# Pledges settled within 2025-Q3 (tiers: individual 1.0 -> 300, 1.2 -> 800; team 1.0 -> 2000)
#   2025-Q3 R01 39000 on R01's quarter 39000: 1.0 exactly -> met, 300, forfeit 0
#   2025-Q3 M02 50000 on 二部's quarter 42000: missed, forfeit 3000
#   2025-07 R01 10000 on 12000: 1.2 -> 800       2025-08 R01 16000 on 15000: missed, 500
#   2025-09 R01 11000 on 12000: 1.0909 -> 300    2025-07 R04 9000 on 8000: missed, 400
#   2025-09 R04 10000 on 11000: 1.1 -> 300       2025-08 M01 28000 on 一部 30000: 2000
#   2025-09 M01 28000 on 一部 27000: missed, 2000
# Not of the quarter: 2025-06 R02, 2025-10 R02, 2025-Q4 R02, 2025-Q1 M01, 2024-12 R01.

def _pledge(period, pledger_id, scope, amount, actual, forfeit_amount, tiers):
    attainment = actual / amount
    reward = 0
    for minimum, value in tiers:
        if attainment >= minimum:
            reward = value
    met = actual >= amount
    return (period, pledger_id), dict(
        name=NAMES[pledger_id], scope=scope, team=TEAM_OF[pledger_id],
        pledge_amount=money(amount), actual=money(actual), pledge_attainment=ratio(attainment),
        met=met, reward=money(reward), forfeit_due=money(0 if met else forfeit_amount),
        settled=True)


INDIVIDUAL = [(1.0, 300), (1.2, 800)]
TEAM = [(1.0, 2000)]

QUARTER_PLEDGES = dict([
    _pledge(f"{Y}-Q3", "R01", "individual", 39000, 3 * 12000 + 3000, 1000, INDIVIDUAL),
    _pledge(f"{Y}-Q3", "M02", "team", 50000, 27000 + 15000, 3000, TEAM),
    _pledge(f"{Y}-07", "R01", "individual", 10000, 12000, 500, INDIVIDUAL),
    _pledge(f"{Y}-08", "R01", "individual", 16000, 12000 + 3000, 500, INDIVIDUAL),
    _pledge(f"{Y}-09", "R01", "individual", 11000, 12000, 500, INDIVIDUAL),
    _pledge(f"{Y}-07", "R04", "individual", 9000, 8000, 400, INDIVIDUAL),
    _pledge(f"{Y}-09", "R04", "individual", 10000, 8000 + 3000, 400, INDIVIDUAL),
    _pledge(f"{Y}-08", "M01", "team", 28000, 15000 + 9000 + 6000, 2000, TEAM),
    _pledge(f"{Y}-09", "M01", "team", 28000, 12000 + 9000 + 6000, 2000, TEAM),
])


def test_hand_pledge_outcomes_are_what_the_comments_say():
    """Guards the hand arithmetic of the pledge table (test data only)."""
    outcome = {key: (row["met"], row["reward"], row["forfeit_due"])
               for key, row in QUARTER_PLEDGES.items()}
    assert outcome[(f"{Y}-Q3", "R01")] == (True, 300, 0)
    assert outcome[(f"{Y}-Q3", "M02")] == (False, 0, 3000)
    assert outcome[(f"{Y}-07", "R01")] == (True, 800, 0)
    assert outcome[(f"{Y}-08", "M01")] == (True, 2000, 0)
    assert outcome[(f"{Y}-09", "M01")] == (False, 0, 2000)


def test_quarter_pledges(quarter):
    keyed = _keyed(quarter, "pledges", ("period", "pledger_id"))
    assert set(keyed) == set(QUARTER_PLEDGES), sorted(set(keyed) ^ set(QUARTER_PLEDGES))
    _check_all(keyed, QUARTER_PLEDGES, "pledges")
    # the quarterly individual pledge met exactly at its amount
    _check(keyed[(f"{Y}-Q3", "R01")], dict(pledge_attainment=ratio(1.0), met=True,
                                           reward=money(300), forfeit_due=money(0)), "Q3/R01")


def test_quarter_pledge_summary(quarter):
    # monthly pledges of the quarter's months only (the quarter's own pledges are in `pledges`)
    keyed = _keyed(quarter, "pledge_summary", ("pledger_id", "kind"))
    expected = {
        ("R01", "month"): dict(name="赵一", team="一部", scope="individual",
                               pledges=3, met=2, missed=1,
                               reward=money(800 + 0 + 300), forfeit_due=money(0 + 500 + 0)),
        ("R04", "month"): dict(name="周四", team="二部", scope="individual",
                               pledges=2, met=1, missed=1,
                               reward=money(0 + 300), forfeit_due=money(400 + 0)),
        ("M01", "month"): dict(name="张经理", team="一部", scope="team",
                               pledges=2, met=1, missed=1,
                               reward=money(2000 + 0), forfeit_due=money(0 + 2000)),
    }
    assert set(keyed) == set(expected), sorted(map(str, set(keyed) ^ set(expected)))
    _check_all(keyed, expected, "pledge_summary")


def test_quarter_next_period_targets_and_plan(quarter):
    # next period 2025-Q4: 2025-10, 2025-11, 2025-12, each R01 10000, 一部 26000, 二部 15000
    header, rows = quarter["next_month_targets"]
    assert {str(row["period"]) for row in rows} == {f"{Y}-10", f"{Y}-11", f"{Y}-12"}
    for column in ("team", "rep_id", "target"):
        assert column in header, f"next_month_targets lacks {column}; has {header}"
    for month in (f"{Y}-10", f"{Y}-11", f"{Y}-12"):
        of_month = [row for row in rows if str(row["period"]) == month]
        r01 = [row for row in of_month if row["rep_id"] == "R01"]
        assert len(r01) == 1 and r01[0]["target"] == money(10000), (month, r01)
        r03 = [row for row in of_month if row["rep_id"] == "R03"]
        assert len(r03) == 1 and r03[0]["target"] == money(6000), (month, r03)
        teams = {row["team"]: row["target"] for row in of_month if not row["rep_id"]}
        assert teams == {"一部": money(26000), "二部": money(9000 + 6000)}, (month, teams)

    # plan: the weeks of 2025-10 (the next period's first month)
    header, rows = quarter["plan"]
    assert rows, "plan sheet is empty"
    totals = {}
    for row in rows:
        assert str(row["period"]) == f"{Y}-10", f"plan row of period {row['period']!r}"
        week = _as_date(row["week_start"])
        assert isinstance(week, dt.date) and (week.year, week.month) == (Y, 10), week
        key = (row["team"], row["rep_id"] or None)
        totals[key] = totals.get(key, 0) + (row["target"] or 0)
    assert totals == {("一部", None): money(26000), ("一部", "R01"): money(10000),
                      ("一部", "R02"): money(8000), ("一部", "R03"): money(6000),
                      ("二部", None): money(9000 + 6000), ("二部", "R04"): money(9000),
                      ("二部", "R05"): money(6000)}


def test_quarter_certificates_are_of_the_next_quarter(quarter_folder):
    # 2025-Q4: R02 filled (25000 = 2.50 万元, forfeit 1,500.00 元); blanks for the other
    # active reps and the managers, their reference the summed quarter target; none for D01.
    files = sorted((quarter_folder / "certificates").glob("*.pdf"))
    q4 = {}
    for path in files:
        if f"{Y}-Q4" in path.name:
            q4.setdefault(path.name.split("-")[0], []).append(path)
    assert set(q4) == {"R01", "R02", "R03", "R04", "R05", "M01", "M02"}, [p.name for p in files]
    assert all(len(paths) == 1 for paths in q4.values()), q4

    def text(pledger):
        return subprocess.run(["pdftotext", "-layout", str(q4[pledger][0]), "-"], check=True,
                              capture_output=True, text=True).stdout

    filled = text("R02")
    assert "blank" not in q4["R02"][0].name
    assert "2.50 万元" in filled.replace("\n", " ") or "2.50" in filled, filled
    assert "1,500.00" in filled, filled
    assert "本季度" in filled, filled

    references = {"R01": 3 * 10000, "R03": 3 * 6000, "R04": 3 * 9000, "R05": 3 * 6000,
                  "M01": 3 * 26000, "M02": 3 * (9000 + 6000)}
    problems = []
    for pledger, target in references.items():
        page = text(pledger)
        wan = f"{target / 10000:,.2f} 万元"
        if wan not in page:
            problems.append(f"{pledger}: reference {wan} not on the certificate:\n{page}")
        if "本季度" not in page:
            problems.append(f"{pledger}: not worded for a quarter (本季度):\n{page}")
    assert not problems, "\n".join(problems)


# =========================================================================== 2025

# Year revenue: Q1 + Q2 + Q3 + Q4 (Q4 = 3 x the 2025-Q4 amounts)
#   R01 27000 + 30000 + 39000 + 33000 = 129000    R04 24000 + 24000 + 27000 + 27000 = 102000
#   R02 21000 + 24000 + 27000 + 27000 = 99000     R05 12000 + 15000 + 15000 + 18000 = 60000
#   R03 15000 + 18000 + 18000 + 21000 = 72000
# 2024 (July..December only): R01 6 x 8000, R02 6 x 6000, R03 3 x 5000, R04 6 x 7000,
#   R05 6 x 4000


def _year_reps():
    def rep(revenue, target, last_year, rank_revenue, rank_attainment):
        return dict(
            revenue=money(revenue),
            target=None if target is None else money(target),
            variance=None if target is None else money(revenue - target),
            attainment=_attain(revenue, target),
            mom_pct=None,
            pop_pct=ratio(revenue / last_year - 1),
            yoy_pct=ratio(revenue / last_year - 1),              # the same period a year earlier = 2024
            qtd_revenue=None, qtd_attainment=None,
            ytd_revenue=money(revenue), ytd_attainment=_attain(revenue, target),
            quarter_forecast=None,
            rank_revenue=rank_revenue, rank_attainment=rank_attainment)

    return {
        "R01": rep(27000 + 30000 + 39000 + 33000, 12 * 10000, 6 * 8000, 1, 1),   # 1.075
        "R02": rep(21000 + 24000 + 27000 + 27000, 12 * 8000, 6 * 6000, 3, 2),    # 1.03125
        "R03": rep(15000 + 18000 + 18000 + 21000, None, 3 * 5000, 4, None),      # no 2025-08 target
        "R04": rep(24000 + 24000 + 27000 + 27000, 12 * 9000, 6 * 7000, 2, 3),    # 0.9444
        "R05": rep(12000 + 15000 + 15000 + 18000, 12 * 6000, 6 * 4000, 5, 4),    # 0.8333
    }


def test_year_writes_its_folder_and_no_certificates(year_folder):
    for name in ("summary-pack.pdf", "kpis.xlsx", "manifest.json"):
        assert (year_folder / name).is_file() and (year_folder / name).stat().st_size > 0, name
    assert {p.name for p in (year_folder / "teams").glob("*.pdf")} == {"一部.pdf", "二部.pdf"}
    assert not list((year_folder / "certificates").glob("*.pdf")), "a year renders no certificates"
    manifest = json.loads((year_folder / "manifest.json").read_text(encoding="utf-8"))
    assert str(manifest["period"]) == YEAR
    assert not manifest.get("deliverables", {}).get("certificates"), manifest["deliverables"]


def test_year_rep_figures(year):
    reps = _keyed(year, "reps", "rep_id")
    assert set(reps) == {"R01", "R02", "R03", "R04", "R05"}
    _check_all(reps, _year_reps(), "reps")


def test_year_team_and_company_figures(year):
    teams = _keyed(year, "teams", "team")
    yi, yi_before = 129000 + 99000 + 72000, 48000 + 36000 + 15000       # 300000, 99000
    er, er_before = 102000 + 60000, 42000 + 24000                       # 162000, 66000
    _check_all(teams, {
        "一部": dict(revenue=money(yi), target=money(12 * 26000), variance=money(300000 - 312000),
                   attainment=ratio(300000 / 312000), mom_pct=None,
                   pop_pct=ratio(300000 / 99000 - 1), yoy_pct=ratio(300000 / 99000 - 1),
                   qtd_revenue=None, qtd_attainment=None,
                   ytd_revenue=money(300000), ytd_attainment=ratio(300000 / 312000),
                   quarter_forecast=None, rank_revenue=1, rank_attainment=1),
        "二部": dict(revenue=money(er), target=money(12 * (9000 + 6000)),
                   variance=money(162000 - 180000),
                   attainment=ratio(162000 / 180000), mom_pct=None,
                   pop_pct=ratio(162000 / 66000 - 1), yoy_pct=ratio(162000 / 66000 - 1),
                   qtd_revenue=None, qtd_attainment=None,
                   ytd_revenue=money(162000), ytd_attainment=ratio(162000 / 180000),
                   quarter_forecast=None, rank_revenue=2, rank_attainment=2),
    }, "teams")
    assert (yi, yi_before, er, er_before) == (300000, 99000, 162000, 66000)

    (company,) = year["company"][1]
    _check(company, dict(
        revenue=money(300000 + 162000),
        target=money(12 * 26000 + 12 * 15000),                   # every month has a target
        variance=money(462000 - 492000),
        variance_pct=ratio((462000 - 492000) / 492000),
        attainment=ratio(462000 / 492000),
        mom_pct=None,
        pop_pct=ratio(462000 / (99000 + 66000) - 1),             # 2024 has only Jul..Dec: still a revenue
        yoy_pct=ratio(462000 / (99000 + 66000) - 1),
        qtd_revenue=None, qtd_attainment=None,
        ytd_revenue=money(462000), ytd_attainment=ratio(462000 / 492000),
        quarter_forecast=None,
        active_customers=7,                                      # K01..K07; K08 nets 0
        new_customers=3,                                         # K06, K07, K08
        visits=14,                                               # V01..V14 (V14 is 2025-01-01 local); not V15
        visits_per_week=per_week(14, DAYS_Y),
        cadence_overdue=8,                                       # at 2025-12-31 nobody visited since 10-02
        cadence_compliance=ratio(0 / 8),
        satisfaction_product=ratio((5 + 3 + 4 + 1 + 1) / 5),    # SV1, SV2, SV5, SV3, SV4
        satisfaction_sales=ratio((4 + 5 + 4 + 1 + 1) / 5),
        satisfaction_service=ratio((4 + 2 + 5 + 1 + 1) / 5),
        satisfaction_answers=5,
    ), "company")


def test_year_months_sheet(year):
    keyed = _keyed(year, "months", ("period", "grain", "key"))
    months = [f"{Y}-{m:02d}" for m in range(1, 13)]
    keys = ([(m, "rep", r) for m in months for r in ("R01", "R02", "R03", "R04", "R05")]
            + [(m, "team", t) for m in months for t in ("一部", "二部")]
            + [(m, "company", "company") for m in months])
    assert set(keyed) == set(keys), sorted(map(str, set(keyed) ^ set(keys)))
    _check_all(keyed, {
        (f"{Y}-08", "rep", "R03"): dict(revenue=money(6000), target=None, attainment=None),
        (f"{Y}-01", "team", "一部"): dict(revenue=money(9000 + 7000 + 5000), target=money(26000),
                                        attainment=ratio(21000 / 26000)),
        (f"{Y}-12", "company", "company"): dict(revenue=money(11000 + 9000 + 7000 + 9000 + 6000),
                                                target=money(41000),
                                                attainment=ratio(42000 / 41000)),
        (f"{Y}-06", "rep", "R02"): dict(revenue=money(8000), target=money(8000),
                                        attainment=ratio(1.0)),   # ordered on 06-30
    }, "months")


# Pledges of 2025 (each on its own period's revenue):
#   monthly: 2025-06 R02 7000 on 8000 (1.1429 -> 300), 2025-10 R02 10000 on 9000 (missed, 300),
#            and the seven of Q3 above
#   quarterly: 2025-Q1 M01 80000 on 一部 Q1 27000 + 21000 + 15000 = 63000 (missed, 3000),
#              2025-Q3 R01, 2025-Q3 M02 (above), 2025-Q4 R02 25000 on 3 x 9000 = 27000 (1.08 -> 300)
#   not: 2024-12 R01.

YEAR_PLEDGES = dict([
    *QUARTER_PLEDGES.items(),
    _pledge(f"{Y}-06", "R02", "individual", 7000, 8000, 300, INDIVIDUAL),
    _pledge(f"{Y}-10", "R02", "individual", 10000, 9000, 300, INDIVIDUAL),
    _pledge(f"{Y}-Q1", "M01", "team", 80000, 27000 + 21000 + 15000, 3000, TEAM),
    _pledge(f"{Y}-Q4", "R02", "individual", 25000, 3 * 9000, 1500, INDIVIDUAL),
])


def test_year_pledges(year):
    keyed = _keyed(year, "pledges", ("period", "pledger_id"))
    assert set(keyed) == set(YEAR_PLEDGES), sorted(map(str, set(keyed) ^ set(YEAR_PLEDGES)))
    _check_all(keyed, YEAR_PLEDGES, "pledges")


def test_year_pledge_summary(year):
    keyed = _keyed(year, "pledge_summary", ("pledger_id", "kind"))
    expected = {
        ("R01", "month"): dict(name="赵一", team="一部", scope="individual", pledges=3, met=2,
                               missed=1, reward=money(800 + 300), forfeit_due=money(500)),
        ("R01", "quarter"): dict(name="赵一", team="一部", scope="individual", pledges=1, met=1,
                                 missed=0, reward=money(300), forfeit_due=money(0)),
        ("R02", "month"): dict(name="钱二", team="一部", scope="individual", pledges=2, met=1,
                               missed=1, reward=money(300), forfeit_due=money(300)),
        ("R02", "quarter"): dict(name="钱二", team="一部", scope="individual", pledges=1, met=1,
                                 missed=0, reward=money(300), forfeit_due=money(0)),
        ("R04", "month"): dict(name="周四", team="二部", scope="individual", pledges=2, met=1,
                               missed=1, reward=money(300), forfeit_due=money(400)),
        ("M01", "month"): dict(name="张经理", team="一部", scope="team", pledges=2, met=1,
                               missed=1, reward=money(2000), forfeit_due=money(2000)),
        ("M01", "quarter"): dict(name="张经理", team="一部", scope="team", pledges=1, met=0,
                                 missed=1, reward=money(0), forfeit_due=money(3000)),
        ("M02", "quarter"): dict(name="李经理", team="二部", scope="team", pledges=1, met=0,
                                 missed=1, reward=money(0), forfeit_due=money(3000)),
    }
    assert set(keyed) == set(expected), sorted(map(str, set(keyed) ^ set(expected)))
    _check_all(keyed, expected, "pledge_summary")


# =========================================================================== CLI


def _no_files(folder: Path) -> bool:
    """Nothing written: the folder may exist (a run lock) but holds no file."""
    return not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


@pytest.mark.parametrize("period", [f"{Y}-Q5", f"{Y}-Q0", "26-Q1", "2025Q"])
def test_a_bad_period_exits_2_naming_the_accepted_forms(org, tmp_path, period):
    result = _run(org, tmp_path / "out", period)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    for form in ("YYYY-MM", "YYYY-Qn", "YYYY"):
        assert form in result.output, (form, result.output)
    assert _no_files(tmp_path / "out")


def test_a_year_before_1970_exits_2_naming_the_accepted_years(org, tmp_path):
    # 1969 has the form YYYY; what is wrong is the year: the message names the years accepted
    result = _run(org, tmp_path / "out", "1969")
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert "1969" in result.output and "1970" in result.output, result.output
    assert _no_files(tmp_path / "out")


def test_the_current_year_with_a_quarterly_pledge_not_yet_due_runs(tmp_path):
    """A year's run before the year is over (the clock's own year): its fourth quarter's
    pledge is not yet settled. The run still succeeds (exit 0, not an internal fault)."""
    from zoneinfo import ZoneInfo

    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    now = today.year
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    _write_csv(inputs / "roster.csv",
               ["rep_id", "name", "role", "team", "manager_id", "email", "hire_date", "active"],
               ROSTER)
    _write_csv(inputs / "sales.csv",
               ["order_id", "order_date", "rep_id", "customer_id", "amount"],
               [(f"SO-{rep_id}-{month}", f"{now}-{month:02d}-01", rep_id, HOME[rep_id], "1000")
                for month in range(1, today.month + 1) for rep_id in HOME])
    _write_csv(inputs / "budget.csv", ["period", "rep_id", "team", "target"],
               [(f"{now}-{month:02d}", rep_id, TEAM_OF[rep_id], "1000")
                for month in range(1, 13) for rep_id in HOME])
    _write_csv(inputs / "pledges.csv",
               ["period", "pledger_id", "scope", "pledge_amount", "forfeit_amount"],
               [(f"{now}-Q4", "R02", "individual", "2500", "100"),
                (f"{now}-Q1", "M01", "team", "9000", "100"),
                (f"{now}-01", "R01", "individual", "900", "100")])
    config = tmp_path / "salespack.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    result = invoke("run", "--inputs", str(inputs), "--outputs", str(tmp_path / "out"),
                    "--period", str(now), "--config", str(config))
    assert result.exit_code == 0, result.output
    keyed = _keyed(workbook_sheets(tmp_path / "out" / str(now) / "kpis.xlsx"), "pledges",
                   ("period", "pledger_id"))
    assert (f"{now}-Q4", "R02") in keyed, sorted(keyed)


@pytest.fixture(scope="module")
def closed_december(org) -> Path:
    _run_ok(org, org / "out-closed-12", f"{Y}-12", "--with-closed-periods")
    return org / "out-closed-12"


def test_with_closed_periods_in_december_renders_month_quarter_and_year(closed_december, year):
    folders = {p.name for p in closed_december.iterdir() if p.is_dir() and not p.name.startswith(".")}
    assert folders == {f"{Y}-12", f"{Y}-Q4", YEAR}, folders
    for name in folders:
        for document in ("summary-pack.pdf", "kpis.xlsx", "manifest.json"):
            assert (closed_december / name / document).is_file(), (name, document)
    companies = {name: workbook_sheets(closed_december / name / "kpis.xlsx")["company"][1][0]
                 for name in folders}
    q4 = 3 * (11000 + 9000 + 7000 + 9000 + 6000)
    assert companies[f"{Y}-12"]["revenue"] == money(11000 + 9000 + 7000 + 9000 + 6000)
    assert companies[f"{Y}-Q4"]["revenue"] == money(q4)
    assert companies[f"{Y}-Q4"]["target"] == money(3 * 41000)
    assert companies[f"{Y}-Q4"]["pop_pct"] == ratio(q4 / 126000 - 1)   # vs 2025-Q3
    assert companies[YEAR]["revenue"] == money(462000)
    # the year of the closing run reads as the year run on its own
    (alone,) = year["company"][1]
    for column in ("revenue", "target", "attainment", "pop_pct", "yoy_pct"):
        assert companies[YEAR][column] == alone[column], column


def test_with_closed_periods_in_november_renders_only_the_month(org):
    outputs = org / "out-closed-11"
    _run_ok(org, outputs, f"{Y}-11", "--with-closed-periods")
    folders = {p.name for p in outputs.iterdir() if p.is_dir() and not p.name.startswith(".")}
    assert folders == {f"{Y}-11"}, folders
    assert (outputs / f"{Y}-11" / "kpis.xlsx").is_file()
