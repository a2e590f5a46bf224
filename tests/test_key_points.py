"""Key points (会议要点): every number of every sentence is one of the figures the
sentence cites, printed as the pack prints it; every cited figure is a cell (or an
aggregate of cells) of kpis.xlsx; and a month with nothing notable says so."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.compute import compute_period
from pipeline.compute.key_points import key_points
from pipeline.config import load_settings
from pipeline.month_end import load_inputs
from pipeline.render.key_points import sentences, show
from tests.conftest import SAMPLE_CONFIG, SAMPLE_INPUTS, invoke, pdf_text

NUMBER = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?%?")


def printed_forms(cite, locale: str) -> set[str]:
    """The ways a sentence may print a cited figure: as the pack does, signed or not."""
    text = show(cite, locale)
    bare = text.lstrip("+-")
    return {text, bare, f"+{bare}", f"-{bare}"}


def numbers_in(sentence: str) -> list[str]:
    # A class letter ("A 类", "class A") is text; numbers start with a digit or a sign.
    return NUMBER.findall(sentence)


def trace(points) -> None:
    for point in points:
        for locale, sentence in (("zh_CN", point.zh), ("en", point.en)):
            found = numbers_in(sentence)
            if found:
                assert point.cites, f"cites nothing: {sentence}"
            allowed = set().union(*(printed_forms(c, locale) for c in point.cites)) if point.cites else set()
            missing = [n for n in found if n not in allowed]
            assert not missing, f"{missing} in '{sentence}' are not among its cited figures"


def month_points(inputs: Path, config: Path | None, period: str, settings=None):
    settings = settings or load_settings(config)
    frames = load_inputs(inputs, settings).frames
    figures = compute_period(frames, pd.Period(period, "M"), settings)
    return sentences(key_points(figures, settings.key_points, settings.visits.visits_per_week_standard))


def test_every_number_of_the_samples_key_points_is_a_cited_figure():
    points = month_points(SAMPLE_INPUTS, SAMPLE_CONFIG, "2026-10")
    assert len(points) >= 5
    trace(points)
    first = points[0].zh
    assert first == ("公司本月销售额 692.32 万元，完成任务额 602.80 万元的 114.9%，超出 89.52 万元；"
                     "按当前节奏，本季度预计 2,076.96 万元。")


def test_the_pack_and_the_workbook_carry_the_key_points(sample_run):
    text = "".join(pdf_text(sample_run / "summary-pack.pdf", 2, 2).split())
    assert "会议要点" in text and "公司本月销售额692.32万元" in text
    book = openpyxl.load_workbook(sample_run / "kpis.xlsx", read_only=True)
    header, *rows = list(book["key_points"].iter_rows(values_only=True))
    assert header == ("order", "sentence_zh", "sentence_en", "sheet", "key", "column", "value")
    assert rows[0][3:] == ("company", "company", "revenue", 6923185.2)
    team_text = "".join(pdf_text(sample_run / "teams" / "华南销售部.pdf", 2, 2).split())
    assert "华南销售部本月销售额" in team_text and "公司本月销售额" not in team_text


def _cell(book, cite):
    """The kpis.xlsx value a cite names: a cell, or count/sum over the rows a filter picks."""
    if cite.sheet == "config":
        return cite.value
    header, *rows = list(book[cite.sheet].iter_rows(values_only=True))
    records = [dict(zip(header, row)) for row in rows]
    aggregate = re.fullmatch(r"(count|sum)\((.+)\)", cite.key)
    if aggregate:
        how, rule = aggregate.groups()
        test = {"met=true": lambda r: r["met"] is True, "met=false": lambda r: r["met"] is False,
                "settled=true": lambda r: r["settled"] is True, "class=A": lambda r: r["class"] == "A",
                "attainment<1": lambda r: r["attainment"] is not None and r["attainment"] < 1,
                }.get(rule)
        if rule == "visits_per_week<standard":
            standard = load_settings(None).visits.visits_per_week_standard
            test = lambda r: r["visits_per_week"] is not None and r["visits_per_week"] < standard  # noqa: E731
            records = [r for r in records if r["rank_revenue"] is not None]  # ranked = active reps
        assert test is not None, rule
        if cite.sheet == "reps" and rule == "attainment<1":
            picked = [r for r in records if test(r) and r["rank_revenue"] is not None]  # ranked = active reps
        else:
            picked = [r for r in records if test(r)]
        return len(picked) if how == "count" else round(sum(r[cite.column] or 0 for r in picked), 2)
    key_column = {"company": None, "teams": "team", "reps": "rep_id", "pledges": "pledger_id",
                  "variance_by_team": "team", "variance_by_rep": "rep_id",
                  "change_by_product": "product", "change_by_customer_class": "customer_class"}[cite.sheet]
    row = records[0] if key_column is None else next(r for r in records if str(r[key_column]) == cite.key)
    return row[cite.column]


def test_on_another_org_every_cited_figure_is_in_its_workbook(tmp_path):
    from pipeline.sample import generate
    inputs = tmp_path / "inputs"
    generate(inputs, seed=4242)
    result = invoke("run", "--inputs", str(inputs), "--outputs", str(tmp_path / "out"), "--period", "2026-10")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "out" / "2026-10" / "kpis.xlsx", data_only=True)
    points = month_points(inputs, None, "2026-10")
    trace(points)
    for point in points:
        for cite in point.cites:
            expected = _cell(book, cite)
            if expected is None:
                continue
            value = round(int(cite.value) / 100, 2) if cite.form in ("money", "yuan") else cite.value
            if isinstance(expected, float) or isinstance(value, float):
                assert value == pytest.approx(expected, abs=1e-4), cite
            else:
                assert str(value) == str(expected), cite


def test_a_month_with_nothing_notable_says_so(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "roster.csv").write_text("rep_id,name,role,team\nM01,张经理,manager,一部\nR01,赵一,rep,一部\n"
                                       "R02,钱二,rep,一部\n", encoding="utf-8")
    (inputs / "sales.csv").write_text("order_id,order_date,rep_id,customer_id,amount\n"
                                      "S1,2026-10-05,R01,C1,10100\nS2,2026-10-06,R02,C2,10000\n", encoding="utf-8")
    (inputs / "budget.csv").write_text("period,rep_id,team,target\n2026-10,R01,一部,10000\n2026-10,R02,一部,10000\n",
                                       encoding="utf-8")
    points = month_points(inputs, None, "2026-10")
    trace(points)
    assert [p.zh for p in points][1:] == ["本月无重大偏差。"]
    assert points[0].zh.startswith("公司本月销售额 2.01 万元，完成任务额 2.00 万元的 100.5%")
    assert points[1].en == "No notable deviation this month."


# --- the pack carries its figures ----------------------------------------------------------

def test_the_packs_embed_their_workbooks(sample_run, tmp_path):
    import hashlib
    import subprocess
    out = tmp_path / "company"
    out.mkdir()
    subprocess.run(["pdfdetach", "-saveall", "-o", str(out), str(sample_run / "summary-pack.pdf")], check=True)
    assert [p.name for p in out.iterdir()] == ["kpis.xlsx"]
    digest = lambda path: hashlib.sha256(path.read_bytes()).hexdigest()  # noqa: E731
    assert digest(out / "kpis.xlsx") == digest(sample_run / "kpis.xlsx")
    subprocess.run(["qpdf", "--check", str(sample_run / "summary-pack.pdf")], check=True, capture_output=True)

    team = tmp_path / "team"
    team.mkdir()
    subprocess.run(["pdfdetach", "-saveall", "-o", str(team), str(sample_run / "teams" / "华东销售部.pdf")],
                   check=True)
    embedded, = team.iterdir()
    assert embedded.name == "kpis-华东销售部.xlsx"
    book = openpyxl.load_workbook(embedded, read_only=True)
    company = openpyxl.load_workbook(sample_run / "kpis.xlsx", read_only=True)
    assert book.sheetnames[:4] == company.sheetnames[:4] == ["reps", "teams", "company", "pledges"]
    header, *rows = list(book["reps"].iter_rows(values_only=True))
    assert {row[header.index("team")] for row in rows} == {"华东销售部"}  # that team's rows only
    header, *teams = list(book["teams"].iter_rows(values_only=True))
    assert [row[header.index("team")] for row in teams] == ["华东销售部"]
