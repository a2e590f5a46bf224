"""compute: each figure on a small frame, the expected value worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.compute import compute_period, pledges, sales, targets
from pipeline.config import Settings

P = pd.Period("2026-10", freq="M")


def fen(yuan: float) -> int:
    return round(yuan * 100)


def roster() -> pd.DataFrame:
    return pd.DataFrame({
        "rep_id": ["D1", "M1", "M2", "R1", "R2", "R3", "R4", "R5"],
        "name": ["总监", "经理甲", "经理乙", "张三", "李四", "王五", "赵六", "钱七"],
        "role": ["director", "manager", "manager", "rep", "rep", "rep", "rep", "rep"],
        "team": [None, "一部", "二部", "一部", "一部", "二部", "二部", "二部"],
        "active": [True, True, True, True, True, True, True, False],
    })


def sale(order_id, date, rep, amount, cost=None, customer="C1", product="甲"):
    return {"order_id": order_id, "order_date": pd.Timestamp(date), "rep_id": rep, "customer_id": customer,
            "product": product, "amount": fen(amount), "cost": None if cost is None else fen(cost)}


def frame(rows) -> pd.DataFrame:
    data = pd.DataFrame(rows)
    data["amount"] = data["amount"].astype("Int64")
    data["cost"] = data["cost"].astype("Int64")
    return data


def budget(rows) -> pd.DataFrame:
    data = pd.DataFrame(rows, columns=["period", "rep_id", "team", "target", "stretch"])
    for column in ("target", "stretch"):
        data[column] = data[column].map(lambda v: None if pd.isna(v) else fen(v)).astype("Int64")
    return data


@pytest.fixture(scope="module")
def month():
    sales_rows = frame([
        sale("O1", "2026-10-02", "R1", 1000.10, cost=600),
        sale("O1", "2026-10-02", "R1", 500.00),            # second line, no cost
        sale("O2", "2026-10-05", "R1", 300.00, cost=100),
        sale("T1", "2026-10-09", "R1", -200.00, cost=-120),  # return-only document: not an order
        sale("O3", "2026-10-10", "R2", 1800.00, cost=900),
        sale("O4", "2026-10-11", "R3", 1800.00, cost=1000, product="乙"),   # ties R2 on revenue
        sale("O5", "2026-10-12", "R4", 900.00, product="乙"),
        sale("O6", "2026-10-20", "R5", 5000.00),            # inactive: shown, not ranked
        sale("O7", "2026-09-15", "R1", 800.00, product="乙"),  # P-1
        sale("O8", "2025-10-15", "R1", 1000.00),             # P-12
        sale("O9", "2026-07-15", "R1", 400.00),              # previous quarter, this year
        sale("O10", "2026-11-01", "R1", 99999.00),           # after P: never counted
    ])
    plan = budget([
        ["2026-10", "R1", "一部", 2000, 2400], ["2026-10", "R2", "一部", 1500, None],
        ["2026-10", "R3", "二部", 0, None],     # target 0: attainment empty, variance = revenue
        ["2026-10", None, "二部", 3000, 3600],  # team row wins over R3 + R4
        ["2026-10", "R4", "二部", 1000, None],
        ["2026-11", "R1", "一部", 2100, None], ["2026-11", "R2", "一部", 1600, None],
        ["2026-09", "R1", "一部", 900, None],
    ] + [[f"2026-{m:02d}", "R1", "一部", 1000, None] for m in range(1, 9)])
    pledge_rows = pd.DataFrame({
        "period": ["2026-10", "2026-10", "2026-10", "2026-Q4", "2026-11"],
        "pledger_id": ["R1", "R2", "M2", "M1", "R1"],
        "scope": ["individual", "individual", "team", "team", "individual"],
        "pledge_amount": pd.array([fen(1500), fen(2000), fen(3000), fen(9000), fen(2500)], dtype="Int64"),
        "forfeit_amount": pd.array([fen(200), fen(300), fen(1000), fen(2000), fen(200)], dtype="Int64"),
        "signed_date": [pd.NaT] * 5,
    })
    frames = {"roster": roster(), "sales": sales_rows, "budget": plan, "pledges": pledge_rows}
    return compute_period(frames, P, Settings())


def test_revenue_counts_returns_negative_and_only_rows_of_the_period(month):
    assert month.reps.loc["R1", "revenue"] == fen(1000.10 + 500.00 + 300.00 - 200.00)
    assert month.company.loc["company", "revenue"] == fen(1600.10 + 1800 + 1800 + 900 + 5000)


def test_orders_skip_return_documents(month):
    assert month.reps.loc["R1", "orders"] == 2  # O1, O2; T1 nets negative


def test_gross_margin_uses_rows_with_cost_only(month):
    costed_revenue = 1000.10 + 300.00 - 200.00
    costed_cost = 600 + 100 - 120
    assert month.reps.loc["R1", "gross_margin_pct"] == pytest.approx((costed_revenue - costed_cost) / costed_revenue)
    assert pd.isna(month.reps.loc["R5", "gross_margin_pct"])  # no row with a cost


def test_attainment_variance_and_empty_cases(month):
    reps = month.reps
    assert reps.loc["R1", "attainment"] == pytest.approx(1600.10 / 2000)
    assert reps.loc["R1", "variance"] == fen(1600.10 - 2000)
    assert reps.loc["R1", "stretch_attainment"] == pytest.approx(1600.10 / 2400)
    assert pd.isna(reps.loc["R3", "attainment"]) and reps.loc["R3", "variance"] == fen(1800)  # target 0
    assert pd.isna(reps.loc["R5", "target"]) and pd.isna(reps.loc["R5", "variance"])         # no budget row


def test_team_target_is_its_row_and_company_sums_teams(month):
    assert month.teams.loc["二部", "target"] == fen(3000)          # not R3 + R4 = 1000
    assert month.teams.loc["一部", "target"] == fen(2000 + 1500)   # sum of reps without a team row
    assert month.company.loc["company", "target"] == fen(3000 + 3500)
    assert month.teams.loc["二部", "revenue"] == fen(1800 + 900 + 5000)  # the inactive rep's sales count
    difference = month.team_target_differences.set_index("team").loc["二部"]
    assert difference["difference"] == fen(3000 - 1000)


def test_month_on_month_and_year_on_year(month):
    assert month.reps.loc["R1", "mom_pct"] == pytest.approx(1600.10 / 800 - 1)
    assert month.reps.loc["R1", "yoy_pct"] == pytest.approx(1600.10 / 1000 - 1)
    assert pd.isna(month.reps.loc["R2", "mom_pct"])  # no sales rows in P-1


def test_quarter_and_year_to_date(month):
    r1 = month.reps.loc["R1"]
    assert r1["qtd_revenue"] == fen(1600.10)
    assert r1["ytd_revenue"] == fen(1600.10 + 800 + 400)
    assert r1["ytd_attainment"] == pytest.approx((1600.10 + 800 + 400) / (8 * 1000 + 900 + 2000))
    assert r1["quarter_forecast"] == fen(3 * 1600.10)
    assert pd.isna(month.reps.loc["R2", "ytd_attainment"])  # R2 has no target in Jan..Sep


def test_ranks_share_the_lower_number_on_ties_and_skip_inactive(month):
    reps = month.reps
    # active revenue: R2 1800, R3 1800, R1 1600.10, R4 900 -> 1, 1, 3, 4
    assert list(reps.loc[["R2", "R3", "R1", "R4"], "rank_revenue"]) == [1, 1, 3, 4]
    assert pd.isna(reps.loc["R5", "rank_revenue"])
    # attainment: R2 1.2, R4 0.9, R1 0.80005; R3 has none
    assert list(reps.loc[["R2", "R4", "R1"], "rank_attainment"]) == [1, 2, 3]
    assert pd.isna(reps.loc["R3", "rank_attainment"])
    assert list(reps.index[:2]) == ["R2", "R3"]  # inside a tie, by rep_id


def test_competition_rank_on_its_own():
    values = pd.Series([50, 70, 70, 10, 99], index=list("abcde"))
    eligible = pd.Series([True, True, True, True, False], index=list("abcde"))
    assert sales.competition_rank(values, eligible).tolist()[:4] == [3, 1, 1, 4]


def test_quarter_forecast_in_the_quarters_second_month():
    qtd = pd.Series([fen(1000), fen(333.33)], dtype="Int64")
    forecast = sales.quarter_forecast(qtd, pd.Period("2026-11", freq="M"))
    assert forecast.tolist() == [fen(1000 + 1000 / 2 * 1), round(33333 * 3 / 2)]


def test_pledge_settlement(month):
    sheet = month.pledges.set_index(["pledger_id", "period"])
    met = sheet.loc[("R1", "2026-10")]
    assert met["actual"] == fen(1600.10) and bool(met["met"])
    assert met["pledge_attainment"] == pytest.approx(1600.10 / 1500)
    assert met["reward"] == fen(500) and met["forfeit_due"] == 0       # default tiers: >= 100% -> 500
    missed = sheet.loc[("R2", "2026-10")]
    assert not bool(missed["met"]) and missed["forfeit_due"] == fen(300) and missed["reward"] == 0
    team = sheet.loc[("M2", "2026-10")]
    assert team["actual"] == fen(1800 + 900 + 5000)                    # the pledger's roster team
    assert team["reward"] == fen(5000)                                 # 7700/3000 >= 1.2
    quarterly = sheet.loc[("M1", "2026-Q4")]
    assert not bool(quarterly["settled"]) and quarterly["actual"] == fen(1600.10 + 1800)
    for column in ("met", "pledge_attainment", "reward", "forfeit_due"):
        assert pd.isna(quarterly[column])
    assert ("R1", "2026-11") not in sheet.index


def test_quarterly_pledge_settles_in_the_quarters_last_month():
    settled = pledges.is_settled(pd.Series(["2026-Q4", "2026-12"]), pd.Period("2026-12", freq="M"))
    early = pledges.is_settled(pd.Series(["2026-Q4"]), pd.Period("2026-11", freq="M"))
    assert settled.tolist() == [True, True] and early.tolist() == [False]


def test_certificates_of_next_month(month):
    sheet = month.certificates.set_index("pledger_id")
    assert not sheet.loc["R1", "blank"] and sheet.loc["R1", "pledge_amount"] == fen(2500)
    assert sheet.loc["R2", "blank"] and sheet.loc["R2", "reference_target"] == fen(1600)
    assert sheet.loc["M1", "scope"] == "team"                          # blank team one for a manager
    assert "R5" not in sheet.index and "D1" not in sheet.index          # inactive, director
    assert sheet["number"].is_unique
    assert pledges.certificate_periods(pd.Period("2027-01", freq="M")) == ["2027-01", "2027-Q1"]


def test_cause_analysis(month):
    share = month.reps["variance_share"]
    company_variance = (1600.10 + 1800 + 1800 + 900 + 5000) - 6500
    assert share.loc["R1"] == pytest.approx((1600.10 - 2000) / company_variance)
    product = month.by_product.set_index("product")
    assert product.loc["乙", "change"] == fen(1800 + 900 - 800)
    assert month.by_product["change"].is_monotonic_decreasing


def test_next_month_targets(month):
    plan = month.next_month
    teams = plan[plan["level"] == "team"].set_index("team")["target"]
    assert teams["一部"] == fen(2100 + 1600)
    assert pd.isna(teams["二部"])  # no target yet: shown as missing, not left out
    assert set(plan.loc[plan["level"] == "rep", "rep_id"]) == {"R1", "R2", "R3", "R4"}


def test_missing_stretch_stays_empty_not_zero():
    plan = budget([["2026-10", "R1", "一部", 1000, None]])
    plan["period"] = pd.PeriodIndex(plan["period"], freq="M")
    stretch = targets.rep_budget(plan, "stretch")
    assert pd.isna(stretch.loc["R1", P])


@pytest.mark.parametrize(("first_month", "period", "expected"), [
    ("2026-10", "2026-10", "2026-10"),   # only the month exported
    ("2026-03", "2026-10", "2026-03"),   # inside the year to date
    ("2026-01", "2026-10", None),        # from the year's first month: the year to date is whole
    ("2025-09", "2026-10", None),        # from an earlier year
    ("2026-11", "2026-10", None),        # after the period: nothing of it counts
    ("2026-11", "2026Q4", "2026-11"),    # inside a quarter
])
def test_history_begins_inside_the_year(first_month, period, expected):
    from pipeline.compute import history_begins_inside
    rows = pd.DataFrame({"month": pd.PeriodIndex([first_month, "2026-12"], freq="M")})
    found = history_begins_inside(rows, pd.Period(period, freq="Q" if "Q" in period else "M"))
    assert found == (pd.Period(expected, freq="M") if expected else None)
