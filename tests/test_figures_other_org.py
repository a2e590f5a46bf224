"""End to end: the figures in ``kpis.xlsx`` for a small organisation that is not the
bundled sample, checked against figures worked out by hand from kpis.md.

Every expected value below is written as the arithmetic from the rows built in
``_write_inputs`` (nothing is computed by pipeline code; only the CLI is imported).
The inputs deliberately use other formats than the sample: roster as UTF-8 CSV with
English headers and Y/N, sales as XLSX with real date cells and one amount as text
``¥1,234.50``, budget as GB18030 CSV with Chinese headers, pledges as all-text Parquet.

The organisation (period P = 2026-10)::

    D01 王总    director
    M01 张经理  manager 一部        M02 李经理  manager 二部
    R01 赵一    rep 一部            R04 周四    rep 二部
    R02 钱二    rep 一部            R05 吴五    rep 二部 (target 0 in P)
    R03 孙三    rep 一部 inactive   R06 郑六    rep 二部 (active, no budget row)

Ratios are compared allowing the workbook to round them to 4 decimals (0.9731);
money is compared to the cent.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from .conftest import money, ratio, run_workbook

PERIOD = "2026-10"

CONFIG = """\
company:
  name: 测试贸易有限公司
locale: zh_CN
timezone: Asia/Shanghai
pledges:
  reward_tiers:
    individual:
      - {min_attainment: 1.0, amount: 300}
      - {min_attainment: 1.2, amount: 800}
    team:
      - {min_attainment: 1.0, amount: 2000}
"""

FIGURES = [
    "revenue", "orders", "gross_margin_pct", "target", "stretch", "variance",
    "variance_pct", "attainment", "stretch_attainment", "mom_pct", "yoy_pct",
    "qtd_revenue", "qtd_attainment", "ytd_revenue", "ytd_attainment", "quarter_forecast",
]
RANKS = ["rank_revenue", "rank_attainment"]
OTHER_FIGURES = [
    "active_customers", "new_customers", "visits", "first_visits", "follow_up_visits",
    "visits_per_week", "visits_verified", "visits_outside_fence", "visits_unverifiable",
    "short_visits", "cadence_overdue", "cadence_compliance", "visit_conversion",
    "satisfaction_product", "satisfaction_sales", "satisfaction_service",
    "satisfaction_answers",
]
PLEDGE_COLUMNS = [
    "period", "pledger_id", "name", "scope", "team", "pledge_amount", "actual",
    "pledge_attainment", "met", "reward", "forfeit_due", "settled",
]


# --------------------------------------------------------------------------- inputs

ROSTER = [
    # rep_id, name, role, team, manager_id, email, active
    ("D01", "王总", "director", "", "", "wang@example.cn", "Y"),
    ("M01", "张经理", "manager", "一部", "D01", "zhang@example.cn", "Y"),
    ("M02", "李经理", "manager", "二部", "D01", "li@example.cn", "Y"),
    ("R01", "赵一", "rep", "一部", "M01", "zhao@example.cn", "Y"),
    ("R02", "钱二", "rep", "一部", "M01", "qian@example.cn", "Y"),
    ("R03", "孙三", "rep", "一部", "M01", "", "N"),
    ("R04", "周四", "rep", "二部", "M02", "zhou@example.cn", "Y"),
    ("R05", "吴五", "rep", "二部", "M02", "wu@example.cn", "Y"),
    ("R06", "郑六", "rep", "二部", "M02", "zheng@example.cn", "Y"),
]

D = dt.date
SALES = [
    # order_id, line_no, order_date, rep_id, customer_id, product, quantity, amount, cost
    # ---- P = 2026-10
    ("SO-1001", 1, D(2026, 10, 1), "R01", "C01", "A型泵", 10, 12000.00, 9000.00),
    ("SO-1001", 2, D(2026, 10, 1), "R01", "C01", "B型阀", 5, 3500.50, None),      # no cost
    ("SO-1002", 1, D(2026, 10, 15), "R01", "C02", "A型泵", -1, -800.00, None),    # return-only order
    ("SO-1003", 1, D(2026, 10, 31), "R01", "C03", "B型阀", 2, 2000.00, 1500.00),
    ("SO-2001", 1, D(2026, 10, 10), "R02", "C04", "A型泵", 1, "¥1,234.50", 1000.00),  # text amount
    ("SO-2002", 1, D(2026, 10, 20), "R02", "C05", "C型管", 7, 7765.50, 6000.00),
    ("SO-3001", 1, D(2026, 10, 8), "R03", "C09", "A型泵", 2, 1800.00, 1200.00),   # inactive rep
    ("SO-4001", 1, D(2026, 10, 5), "R04", "C06", "C型管", 9, 9000.00, None),      # R04: no cost at all
    ("SO-5001", 1, D(2026, 10, 12), "R05", "C07", "A型泵", 4, 4000.00, 3000.00),
    ("SO-5001", 2, D(2026, 10, 12), "R05", "C07", "A型泵", -1, -500.00, None),    # return line
    ("SO-6001", 1, D(2026, 10, 31), "R06", "C08", "B型阀", 3, 2500.00, 2000.00),
    # ---- P-1 = 2026-09 (R02 has none; R05 nets to 0)
    ("SO-0901", 1, D(2026, 9, 30), "R01", "C01", "A型泵", 8, 10000.00, 8000.00),
    ("SO-0903", 1, D(2026, 9, 15), "R03", "C09", "A型泵", 2, 2000.00, None),
    ("SO-0904", 1, D(2026, 9, 10), "R04", "C06", "C型管", 6, 6000.00, None),
    ("SO-0905", 1, D(2026, 9, 11), "R05", "C07", "B型阀", 5, 5000.00, None),
    ("SO-0906", 1, D(2026, 9, 20), "R05", "C07", "B型阀", -5, -5000.00, None),
    ("SO-0907", 1, D(2026, 9, 25), "R06", "C08", "B型阀", 3, 3000.00, None),
    # ---- 2026-07 / 2026-08
    ("SO-0701", 1, D(2026, 7, 15), "R01", "C02", "A型泵", 4, 5000.00, None),
    ("SO-0702", 1, D(2026, 7, 31), "R04", "C06", "C型管", 3, 3000.00, None),
    ("SO-0801", 1, D(2026, 8, 15), "R01", "C03", "A型泵", 5, 6000.00, None),
    ("SO-0802", 1, D(2026, 8, 1), "R02", "C04", "B型阀", 4, 4000.00, None),
    ("SO-0803", 1, D(2026, 8, 20), "R06", "C08", "B型阀", 1, 1000.00, None),
    # ---- earlier in 2026
    ("SO-0101", 1, D(2026, 1, 2), "R01", "C01", "A型泵", 2, 2000.00, None),
    ("SO-0301", 1, D(2026, 3, 3), "R05", "C07", "C型管", 1, 1500.00, None),
    ("SO-0501", 1, D(2026, 5, 5), "R02", "C05", "C型管", 1, 500.00, None),
    # ---- P-12 = 2025-10
    ("SO-2510-1", 1, D(2025, 10, 20), "R01", "C01", "A型泵", 7, 8000.00, None),
    ("SO-2510-2", 1, D(2025, 10, 31), "R02", "C04", "B型阀", 6, 7500.00, None),
    ("SO-2510-3", 1, D(2025, 10, 1), "R04", "C06", "C型管", 10, 10000.00, None),
    # ---- outside every range used: last year's December, and the month after P
    ("SO-2512", 1, D(2025, 12, 31), "R04", "C06", "C型管", 4, 4444.00, None),
    ("SO-2611", 1, D(2026, 11, 1), "R04", "C06", "C型管", 7, 7777.00, None),
]

EARLIER_MONTHS = [f"2026-{m:02d}" for m in range(1, 10)]  # 2026-01 .. 2026-09


def _budget_rows():
    # 月份, 工号, 团队, 任务额, 挑战目标
    rows = []
    for month in EARLIER_MONTHS:
        rows.append((month, "", "一部", "20,000.00", ""))    # team row: wins over its reps' rows
        rows.append((month, "R01", "一部", "10000", ""))
        if month != "2026-05":                                 # R02 has no target in May
            rows.append((month, "R02", "一部", "8000", ""))
        rows.append((month, "R04", "二部", "9000", ""))
        rows.append((month, "R05", "二部", "3000", ""))
    rows += [
        (PERIOD, "", "一部", "30,000.00", "36000"),
        (PERIOD, "R01", "一部", "15000", "18000"),
        (PERIOD, "R02", "一部", "10000", ""),
        (PERIOD, "R04", "二部", "12000", "15000"),
        (PERIOD, "R05", "二部", "0", "2000"),
        # R06 (active) has no budget row at all; R03 (inactive) is not targeted.
        # Next month: must not leak into YTD.
        ("2026-11", "", "一部", "50000", ""),
        ("2026-11", "R01", "一部", "20000", ""),
        ("2026-11", "R02", "一部", "15000", ""),
        ("2026-11", "R04", "二部", "15000", ""),
        ("2026-11", "R05", "二部", "5000", ""),
    ]
    return rows


PLEDGES = [
    # period, pledger_id, scope, pledge_amount, forfeit_amount, signed_date
    ("2026-10", "R01", "个人", "14000", "500", "2026-09-28"),
    ("2026-10", "R02", "individual", "10,000.00", "1000", "2026/9/28"),
    ("2026-10", "R04", "个人", "￥7500", "500元", "2026年9月28日"),
    ("2026-10", "M02", "团队", "14000元", "2000", "2026-09-28"),
    ("2026-Q4", "M01", "team", "80000", "3000", "2026-09-28"),
    ("2026-09", "R01", "个人", "9000", "500", "2026-08-28"),      # not of the period
]


def _write_inputs(folder: Path) -> None:
    folder.mkdir(parents=True)

    with open(folder / "roster.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rep_id", "name", "role", "team", "manager_id", "email", "active"])
        writer.writerows(ROSTER)

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "明细"
    sheet.append(["order_id", "line_no", "order_date", "rep_id", "customer_id", "product",
                  "quantity", "amount", "cost", "remark"])
    for row in SALES:
        sheet.append(list(row) + ["导出"])
    for cell in sheet["C"][1:]:
        assert isinstance(cell.value, dt.datetime | dt.date)
        cell.number_format = "yyyy-mm-dd"
    book.save(folder / "sales.xlsx")

    with open(folder / "budget.csv", "w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["月份", "工号", "团队", "任务额", "挑战目标"])
        writer.writerows(_budget_rows())

    frame = pd.DataFrame(PLEDGES, columns=["period", "pledger_id", "scope", "pledge_amount",
                                           "forfeit_amount", "signed_date"]).astype(str)
    frame.to_parquet(folder / "pledges.parquet", index=False)


# --------------------------------------------------------------------------- run once


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    """Run the pipeline once; the sheets of kpis.xlsx as (header, rows as dicts)."""
    return run_workbook(tmp_path_factory.mktemp("other_org"), _write_inputs, CONFIG, PERIOD)


def _keyed(workbook, sheet, key):
    header, rows = workbook[sheet]
    keyed = {row[key]: row for row in rows}
    assert len(keyed) == len(rows), f"duplicate {key} in sheet {sheet}"
    return keyed


def _check(row, expected, label):
    """Compare every expected column; report all mismatches at once."""
    problems = []
    for column, want in expected.items():
        got = row.get(column, "<missing column>")
        if want is None:
            ok = got is None
        elif isinstance(want, bool):
            ok = got is want
        elif column.startswith("rank_"):  # ranks are integers in the workbook
            ok = isinstance(got, int) and not isinstance(got, bool) and got == want
        else:
            ok = got == want
        if not ok:
            problems.append(f"{label}.{column}: got {got!r}, expected {want!r}")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- layout


def test_sheets_columns_and_rows(workbook):
    for sheet in ("reps", "teams", "company", "pledges"):
        assert sheet in workbook, f"sheet {sheet} missing; have {list(workbook)}"

    need = {
        "reps": ["rep_id", "name", "team"] + FIGURES + RANKS + OTHER_FIGURES,
        "teams": ["team"] + FIGURES + RANKS + OTHER_FIGURES,
        "company": FIGURES + OTHER_FIGURES,
        "pledges": PLEDGE_COLUMNS,
    }
    for sheet, columns in need.items():
        header = workbook[sheet][0]
        missing = [c for c in columns if c not in header]
        assert not missing, f"{sheet} lacks columns {missing}"

    reps = _keyed(workbook, "reps", "rep_id")
    # every person with role rep, the inactive one included; managers have neither
    # sales nor a target in P, the director has no team: none of them is listed.
    assert set(reps) == {"R01", "R02", "R03", "R04", "R05", "R06"}
    names = {"R01": "赵一", "R02": "钱二", "R03": "孙三", "R04": "周四", "R05": "吴五", "R06": "郑六"}
    teams = {"R01": "一部", "R02": "一部", "R03": "一部", "R04": "二部", "R05": "二部", "R06": "二部"}
    for rep_id, row in reps.items():
        assert row["name"] == names[rep_id]
        assert row["team"] == teams[rep_id]

    assert set(_keyed(workbook, "teams", "team")) == {"一部", "二部"}
    assert len(workbook["company"][1]) == 1


# --------------------------------------------------------------------------- reps


def _expected_reps():
    return {
        "R01": dict(
            revenue=money(12000 + 3500.50 - 800 + 2000),                 # 16700.50
            orders=2,                                                     # SO-1001, SO-1003; SO-1002 nets -800
            gross_margin_pct=ratio(((12000 + 2000) - (9000 + 1500)) / (12000 + 2000)),
            target=money(15000), stretch=money(18000),
            variance=money(16700.50 - 15000),
            variance_pct=ratio((16700.50 - 15000) / 15000),
            attainment=ratio(16700.50 / 15000),
            stretch_attainment=ratio(16700.50 / 18000),
            mom_pct=ratio(16700.50 / 10000 - 1),
            yoy_pct=ratio(16700.50 / 8000 - 1),
            qtd_revenue=money(16700.50),                                  # Q4 so far = October
            qtd_attainment=ratio(16700.50 / 15000),
            ytd_revenue=money(2000 + 5000 + 6000 + 10000 + 16700.50),     # Jan, Jul, Aug, Sep, Oct
            ytd_attainment=ratio((2000 + 5000 + 6000 + 10000 + 16700.50) / (9 * 10000 + 15000)),
            quarter_forecast=money(16700.50 + 16700.50 / 1 * 2),
            rank_revenue=1, rank_attainment=1,
        ),
        "R02": dict(
            revenue=money(1234.50 + 7765.50),                             # 9000.00, tie with R04
            orders=2,
            gross_margin_pct=ratio(((1234.50 + 7765.50) - (1000 + 6000)) / (1234.50 + 7765.50)),
            target=money(10000), stretch=None,
            variance=money(9000 - 10000),
            variance_pct=ratio((9000 - 10000) / 10000),
            attainment=ratio(9000 / 10000),
            stretch_attainment=None,
            mom_pct=None,                                                 # no sales rows in 2026-09
            yoy_pct=ratio(9000 / 7500 - 1),
            qtd_revenue=money(9000),
            qtd_attainment=ratio(9000 / 10000),
            ytd_revenue=money(500 + 4000 + 9000),                         # May, Aug, Oct
            ytd_attainment=None,                                          # no target for 2026-05
            quarter_forecast=money(3 * 9000),
            rank_revenue=2, rank_attainment=2,
        ),
        "R03": dict(                                                      # inactive: shown, not ranked/targeted
            revenue=money(1800), orders=1,
            gross_margin_pct=ratio((1800 - 1200) / 1800),
            target=None, stretch=None, variance=None, variance_pct=None,
            attainment=None, stretch_attainment=None,
            mom_pct=ratio(1800 / 2000 - 1),
            yoy_pct=None,                                                 # no sales in 2025-10
            qtd_revenue=money(1800), qtd_attainment=None,
            ytd_revenue=money(2000 + 1800), ytd_attainment=None,
            quarter_forecast=money(3 * 1800),
            rank_revenue=None, rank_attainment=None,
        ),
        "R04": dict(
            revenue=money(9000), orders=1,
            gross_margin_pct=None,                                        # no row with a cost
            target=money(12000), stretch=money(15000),
            variance=money(9000 - 12000),
            variance_pct=ratio((9000 - 12000) / 12000),
            attainment=ratio(9000 / 12000),
            stretch_attainment=ratio(9000 / 15000),
            mom_pct=ratio(9000 / 6000 - 1),
            yoy_pct=ratio(9000 / 10000 - 1),
            qtd_revenue=money(9000), qtd_attainment=ratio(9000 / 12000),
            ytd_revenue=money(3000 + 6000 + 9000),                        # not 2025-12-31, not 2026-11-01
            ytd_attainment=ratio((3000 + 6000 + 9000) / (9 * 9000 + 12000)),
            quarter_forecast=money(3 * 9000),
            rank_revenue=2,                                               # 1, 2, 2, 4, 5
            rank_attainment=3,
        ),
        "R05": dict(                                                      # target 0 in P
            revenue=money(4000 - 500), orders=1,
            gross_margin_pct=ratio((4000 - 3000) / 4000),
            target=money(0), stretch=money(2000),
            variance=money(3500 - 0),
            variance_pct=None, attainment=None,
            stretch_attainment=ratio(3500 / 2000),
            mom_pct=None,                                                 # 2026-09 revenue 5000 - 5000 = 0
            yoy_pct=None,
            qtd_revenue=money(3500),
            qtd_attainment=None,                                          # summed target 0
            ytd_revenue=money(1500 + (5000 - 5000) + 3500),
            ytd_attainment=ratio((1500 + (5000 - 5000) + 3500) / (9 * 3000 + 0)),
            quarter_forecast=money(3 * 3500),
            rank_revenue=4, rank_attainment=None,
        ),
        "R06": dict(                                                      # active, no budget row
            revenue=money(2500), orders=1,
            gross_margin_pct=ratio((2500 - 2000) / 2500),
            target=None, stretch=None, variance=None, variance_pct=None,
            attainment=None, stretch_attainment=None,
            mom_pct=ratio(2500 / 3000 - 1),
            yoy_pct=None,
            qtd_revenue=money(2500), qtd_attainment=None,
            ytd_revenue=money(1000 + 3000 + 2500), ytd_attainment=None,
            quarter_forecast=money(3 * 2500),
            rank_revenue=5, rank_attainment=None,
        ),
    }


def test_rep_sales_figures(workbook):
    reps = _keyed(workbook, "reps", "rep_id")
    for rep_id, expected in _expected_reps().items():
        figures = {k: v for k, v in expected.items() if k not in RANKS}
        _check(reps[rep_id], figures, rep_id)


def test_rep_ranks(workbook):
    reps = _keyed(workbook, "reps", "rep_id")
    # revenue: R01 16700.50 > R02 9000.00 == R04 9000.00 > R05 3500 > R06 2500; R03 inactive
    # attainment: R01 16700.50/15000 > R02 0.9 > R04 0.75; R05 (target 0), R06, R03 have none
    for rep_id, expected in _expected_reps().items():
        _check(reps[rep_id], {k: expected[k] for k in RANKS}, rep_id)


# --------------------------------------------------------------------------- teams, company


def test_team_figures(workbook):
    teams = _keyed(workbook, "teams", "team")
    yi_revenue = 16700.50 + 9000 + 1800                                   # R01 + R02 + R03 (inactive keeps team)
    yi_cost_revenue = 12000 + 2000 + 1234.50 + 7765.50 + 1800
    yi_cost = 9000 + 1500 + 1000 + 6000 + 1200
    yi_ytd = (2000 + 5000 + 6000 + 10000 + 16700.50) + (500 + 4000 + 9000) + (2000 + 1800)
    _check(teams["一部"], dict(
        revenue=money(yi_revenue),                                        # 27500.50
        orders=2 + 2 + 1,
        gross_margin_pct=ratio((yi_cost_revenue - yi_cost) / yi_cost_revenue),
        target=money(30000),                                              # team row, not 15000 + 10000
        stretch=money(36000),
        variance=money(27500.50 - 30000),
        variance_pct=ratio((27500.50 - 30000) / 30000),
        attainment=ratio(27500.50 / 30000),
        stretch_attainment=ratio(27500.50 / 36000),
        mom_pct=ratio(27500.50 / (10000 + 2000) - 1),
        yoy_pct=ratio(27500.50 / (8000 + 7500) - 1),
        qtd_revenue=money(27500.50),
        qtd_attainment=ratio(27500.50 / 30000),
        ytd_revenue=money(yi_ytd),                                        # 57000.50
        ytd_attainment=ratio(57000.50 / (9 * 20000 + 30000)),            # team rows every month
        quarter_forecast=money(3 * 27500.50),
        rank_revenue=1,
        rank_attainment=2,
    ), "一部")

    er_revenue = 9000 + 3500 + 2500
    _check(teams["二部"], dict(
        revenue=money(er_revenue),                                        # 15000
        orders=1 + 1 + 1,
        gross_margin_pct=ratio(((4000 + 2500) - (3000 + 2000)) / (4000 + 2500)),
        target=money(12000 + 0),                                          # no team row: R04 + R05
        stretch=money(15000 + 2000),
        variance=money(15000 - 12000),
        variance_pct=ratio((15000 - 12000) / 12000),
        attainment=ratio(15000 / 12000),
        stretch_attainment=ratio(15000 / 17000),
        mom_pct=ratio(15000 / (6000 + (5000 - 5000) + 3000) - 1),
        yoy_pct=ratio(15000 / 10000 - 1),
        qtd_revenue=money(15000),
        qtd_attainment=ratio(15000 / 12000),
        ytd_revenue=money((3000 + 6000 + 9000) + (1500 + 0 + 3500) + (1000 + 3000 + 2500)),
        ytd_attainment=ratio(29500 / (9 * (9000 + 3000) + (12000 + 0))),
        quarter_forecast=money(3 * 15000),
        rank_revenue=2,
        rank_attainment=1,                                                # 1.25 > 0.9167
    ), "二部")


def test_company_figures(workbook):
    (company,) = workbook["company"][1]
    revenue = 27500.50 + 15000
    cost_revenue = (12000 + 2000 + 1234.50 + 7765.50 + 1800) + (4000 + 2500)
    cost = (9000 + 1500 + 1000 + 6000 + 1200) + (3000 + 2000)
    target = 30000 + 12000                                                # sum of team targets
    stretch = 36000 + 17000
    _check(company, dict(
        revenue=money(revenue),                                           # 42500.50
        orders=5 + 3,
        gross_margin_pct=ratio((cost_revenue - cost) / cost_revenue),     # 7600 / 31300
        target=money(target),
        stretch=money(stretch),
        variance=money(42500.50 - 42000),
        variance_pct=ratio((42500.50 - 42000) / 42000),
        attainment=ratio(42500.50 / 42000),
        stretch_attainment=ratio(42500.50 / 53000),
        mom_pct=ratio(42500.50 / (12000 + 9000) - 1),
        yoy_pct=ratio(42500.50 / (15500 + 10000) - 1),
        qtd_revenue=money(42500.50),
        qtd_attainment=ratio(42500.50 / 42000),
        ytd_revenue=money(57000.50 + 29500),
        ytd_attainment=ratio((57000.50 + 29500) / ((9 * 20000 + 30000) + (9 * 12000 + 12000))),
        quarter_forecast=money(3 * 42500.50),
    ), "company")


# --------------------------------------------------------------------------- pledges


def test_pledges(workbook):
    header, rows = workbook["pledges"]
    keyed = {(str(row["period"]), row["pledger_id"]): row for row in rows}
    assert len(keyed) == len(rows)
    # the 2026-09 pledge of R01 is not a pledge of the period
    assert set(keyed) == {("2026-10", "R01"), ("2026-10", "R02"), ("2026-10", "R04"),
                          ("2026-10", "M02"), ("2026-Q4", "M01")}

    # tiers: individual 1.0 -> 300, 1.2 -> 800; team 1.0 -> 2000
    expected = {
        ("2026-10", "R01"): dict(
            name="赵一", scope="individual", team="一部",
            pledge_amount=money(14000), actual=money(16700.50),
            pledge_attainment=ratio(16700.50 / 14000),                    # 1.193: tier 1.0 only
            met=True, reward=money(300), forfeit_due=money(0), settled=True),
        ("2026-10", "R02"): dict(
            name="钱二", scope="individual", team="一部",
            pledge_amount=money(10000), actual=money(9000),
            pledge_attainment=ratio(9000 / 10000),
            met=False, reward=money(0), forfeit_due=money(1000), settled=True),
        ("2026-10", "R04"): dict(
            name="周四", scope="individual", team="二部",
            pledge_amount=money(7500), actual=money(9000),
            pledge_attainment=ratio(9000 / 7500),                         # exactly 1.2: tier 1.2 applies
            met=True, reward=money(800), forfeit_due=money(0), settled=True),
        ("2026-10", "M02"): dict(
            name="李经理", scope="team", team="二部",
            pledge_amount=money(14000), actual=money(9000 + 3500 + 2500),  # 二部 revenue
            pledge_attainment=ratio(15000 / 14000),
            met=True, reward=money(2000), forfeit_due=money(0), settled=True),
        ("2026-Q4", "M01"): dict(                                         # due in December
            name="张经理", scope="team", team="一部",
            pledge_amount=money(80000), actual=money(16700.50 + 9000 + 1800),  # 一部 QTD
            pledge_attainment=None, met=None, reward=None, forfeit_due=None,
            settled=False),
    }
    for key, want in expected.items():
        _check(keyed[key], want, "/".join(key))
