"""A quarter is its months: on the sample org (through the CLI, reading the workbooks) and
on another generated org (through the compute stage), the quarter's revenue and target
of every rep, team and the company equal the sums over its three monthly packs, its
`months` sheet repeats those monthly figures, and the monthly pledges a quarter or a
year summarises are settled exactly as the monthly packs settle them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pipeline.compute import compute_period
from pipeline.config import load_settings
from pipeline.month_end import load_inputs
from pipeline.periods import parse_period
from pipeline.sample import generate

from .conftest import SAMPLE_CONFIG, SAMPLE_INPUTS, invoke, workbook_sheets

MONTHS = ["2026-07", "2026-08", "2026-09"]
QUARTER = "2026-Q3"


def sheets(path: Path) -> dict[str, list[dict]]:
    return {title: rows for title, (_header, rows) in workbook_sheets(path).items()}


@pytest.fixture(scope="module")
def sample_outputs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sample-quarter")


@pytest.fixture(scope="module")
def sample_workbooks(sample_outputs) -> dict[str, dict]:
    outputs = sample_outputs
    books = {}
    for period in [*MONTHS, QUARTER]:
        result = invoke("run", "--inputs", str(SAMPLE_INPUTS), "--outputs", str(outputs), "--period", period,
                        "--config", str(SAMPLE_CONFIG))
        assert result.exit_code == 0, result.output
        books[period] = sheets(outputs / period / "kpis.xlsx")
    return books


def summed(books: dict[str, dict], sheet: str, key: str, column: str) -> dict:
    """key -> the sum of ``column`` over the monthly books; None when a month has it empty."""
    totals: dict = {}
    for month in MONTHS:
        for row in books[month][sheet]:
            name = row.get(key, "company")
            value = row[column]
            if name not in totals:
                totals[name] = 0
            totals[name] = None if value is None or totals[name] is None else totals[name] + value
    return totals


@pytest.mark.parametrize("sheet, key", [("reps", "rep_id"), ("teams", "team"), ("company", None)])
def test_the_quarters_revenue_and_target_are_its_months_summed(sample_workbooks, sheet, key):
    quarter = sample_workbooks[QUARTER][sheet]
    revenue = summed(sample_workbooks, sheet, key or "-", "revenue")
    target = summed(sample_workbooks, sheet, key or "-", "target")
    assert quarter, sheet
    for row in quarter:
        name = row[key] if key else "company"
        # A rep shown in the quarter but in none of the monthly packs sold nothing in them.
        assert row["revenue"] == pytest.approx(revenue.get(name, 0), abs=0.005), (sheet, name)
        if name in target:
            expected = target[name]
            assert (row["target"] is None) == (expected is None), (sheet, name, row["target"], expected)
            if expected is not None:
                assert row["target"] == pytest.approx(expected, abs=0.005)
    company = sample_workbooks[QUARTER]["company"][0]
    assert company["revenue"] > 0 and company["mom_pct"] is None and company["pop_pct"] is not None


def test_the_months_sheet_repeats_the_monthly_packs(sample_workbooks):
    rows = sample_workbooks[QUARTER]["months"]
    assert {row["period"] for row in rows} == set(MONTHS)
    for month in MONTHS:
        book = sample_workbooks[month]
        for grain, sheet, key in (("rep", "reps", "rep_id"), ("team", "teams", "team"), ("company", "company", None)):
            monthly = {row[key] if key else "company": row for row in book[sheet]}
            mine = {row["key"]: row for row in rows if row["period"] == month and row["grain"] == grain}
            for name, row in monthly.items():
                assert name in mine, (month, grain, name)
                for column in ("revenue", "target", "attainment"):
                    assert mine[name][column] == pytest.approx(row[column], abs=1e-4) if row[column] is not None \
                        else mine[name][column] is None, (month, grain, name, column)


def test_the_sample_quarter_is_laid_out_as_a_quarter(sample_workbooks):
    assert "pledge_summary" in sample_workbooks[QUARTER] and "months" not in sample_workbooks[MONTHS[0]]
    header = list(sample_workbooks[QUARTER]["reps"][0])
    assert header.index("pop_pct") == header.index("mom_pct") + 1
    assert "pop_pct" not in sample_workbooks[MONTHS[0]]["reps"][0]


def test_the_quarters_letters_name_the_quarter_and_sign_the_next(sample_workbooks, sample_outputs):
    import email
    from email import policy
    result = invoke("send", "--inputs", str(SAMPLE_INPUTS), "--outputs", str(sample_outputs), "--period", QUARTER,
                    "--config", str(SAMPLE_CONFIG))
    assert result.exit_code == 0, result.output
    letters = {path.name: email.message_from_bytes(path.read_bytes(), policy=policy.default)
               for path in sorted((sample_outputs / QUARTER / "outbox").glob("*.eml"))}
    leadership = next(m for name, m in letters.items() if "-leadership-" in name)
    assert leadership["Subject"] == "江南精工仪器有限公司 季度销售总结会资料 2026年第3季度"
    text = leadership.get_body(preferencelist=("plain",)).get_content()
    assert "2026年第3季度 · 季度销售总结会资料" in text and "Q3 2026 · Quarterly sales summary pack" in text
    assert "公司本季度销售额" in text and "本月" not in text
    assert "季度预测" not in text and "Quarter forecast" not in text  # a month's run rate, not a quarter's
    attachments = [part.get_filename() for part in leadership.iter_attachments()]
    assert attachments == ["季度销售总结会资料-2026-Q3.pdf"]
    rep = next(m for name, m in letters.items() if "-rep-" in name)
    assert [part.get_filename() for part in rep.iter_attachments()][0].endswith("-2026-Q4.pdf")
    assert "2026年第4季度的业绩保证书" in rep.get_body(preferencelist=("plain",)).get_content()


# --- another org, through the compute stage -------------------------------------------------

@pytest.fixture(scope="module")
def other_org(tmp_path_factory):
    folder = tmp_path_factory.mktemp("other-org-quarter")
    generate(folder, seed=777)
    settings = load_settings(None)
    return load_inputs(folder, settings).frames, settings


TODAY = dt.date(2027, 2, 1)  # every period below has ended: every pledge is due


def test_another_orgs_quarter_is_its_months(other_org):
    frames, settings = other_org
    quarter = compute_period(frames, parse_period(QUARTER), settings, TODAY)
    months = [compute_period(frames, parse_period(m), settings, TODAY) for m in MONTHS]
    for grain in ("reps", "teams", "company"):
        total = sum(getattr(m, grain)["revenue"].reindex(getattr(quarter, grain).index).fillna(0) for m in months)
        assert (getattr(quarter, grain)["revenue"] == total).all(), grain
    assert quarter.company["revenue"].iloc[0] > 0


def pledge_rows(frame: pd.DataFrame) -> set[tuple]:
    columns = ["period", "pledger_id", "pledge_amount", "actual", "met", "reward", "forfeit_due", "settled"]
    return {tuple(None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row)
            for row in frame[columns].itertuples(index=False)}


@pytest.mark.parametrize("org_name", ["sample", "other"])
def test_the_monthly_pledges_summarised_are_those_the_monthly_packs_settle(other_org, org_name):
    if org_name == "other":
        frames, settings = other_org
    else:
        settings = load_settings(SAMPLE_CONFIG)
        frames = load_inputs(SAMPLE_INPUTS, settings).frames
    # The generated orgs pledge for 2026-10, 2026-11 and 2026-Q4: Q4's pack and the year's.
    for period, inner in (("2026-Q4", ["2026-10", "2026-11", "2026-12"]),
                          ("2026", [f"2026-{m:02d}" for m in range(1, 13)])):
        bigger = compute_period(frames, parse_period(period), settings, TODAY)
        monthly = set()
        for month in inner:
            settled = compute_period(frames, parse_period(month), settings, TODAY).pledges
            monthly |= pledge_rows(settled[settled["period"] == month]) if not settled.empty else set()
        within = bigger.pledges_within
        assert pledge_rows(within[~within["period"].str.contains("Q")]) == monthly, period
        assert len(monthly) >= 15, period  # the org pledges every month it has
        summary = bigger.pledge_summary[bigger.pledge_summary["kind"] == "month"]
        met = sum(1 for row in monthly if row[4] is True)
        missed = sum(1 for row in monthly if row[4] is False)
        assert (int(summary["met"].sum()), int(summary["missed"].sum())) == (met, missed), period
        assert int(summary["pledges"].sum()) == len(monthly)
        assert int(summary["reward"].fillna(0).sum()) == sum(row[5] or 0 for row in monthly)
        assert int(summary["forfeit_due"].fillna(0).sum()) == sum(row[6] or 0 for row in monthly)
    # The quarter's own pledge is settled on the quarter's revenue, the same as December's pack settles it.
    quarter = compute_period(frames, parse_period("2026-Q4"), settings, TODAY).pledges
    december = compute_period(frames, parse_period("2026-12"), settings, TODAY).pledges
    assert pledge_rows(quarter) == pledge_rows(december[december["period"] == "2026-Q4"])
    assert quarter["settled"].all()


def test_a_period_not_over_settles_none_of_its_running_pledges(other_org):
    frames, settings = other_org
    during = compute_period(frames, parse_period("2026-Q4"), settings, dt.date(2026, 11, 20))
    assert during.in_progress
    within = during.pledges_within
    october, november = within[within["period"] == "2026-10"], within[within["period"] == "2026-11"]
    assert len(october) and october["settled"].all() and october["met"].notna().all()
    assert len(november) and not november["settled"].any() and november["met"].isna().all()
    assert november["reward"].isna().all() and november["forfeit_due"].isna().all()
    assert not during.pledges["settled"].any()  # the quarter's own: not yet due
    summary = during.pledge_summary
    assert int(summary["met"].sum() + summary["missed"].sum()) == len(october)
    after = compute_period(frames, parse_period("2026-Q4"), settings, dt.date(2027, 1, 1))
    assert not after.in_progress and after.pledges["settled"].all()
