"""End to end on the bundled sample org: the documents a user gets, opened as a
user would (pdftotext, pdffonts, qpdf), and figures checked against sums taken
straight from the export files."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader

from .conftest import SAMPLE_CONFIG, SAMPLE_INPUTS, SAMPLE_PERIOD, pdf_text

SECTIONS = ["业绩完成情况", "业绩排名", "原因分析", "奖惩兑现", "下月销售计划", "会议记录", "数据说明"]


def sheet_rows(path, name):
    sheet = openpyxl.load_workbook(path)[name]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def roster_people():
    rows = list(openpyxl.load_workbook(SAMPLE_INPUTS / "roster.xlsx").active.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def october_sales_by_rep() -> dict[str, Decimal]:
    """Straight from the GBK export: amounts as Decimal, any of the contract's date forms."""
    totals: dict[str, Decimal] = {}
    with (SAMPLE_INPUTS / "sales.csv").open(encoding="gbk", newline="") as handle:
        for row in csv.DictReader(handle):
            year, month = map(int, re.match(r"(\d{4})\D(\d{1,2})", row["订单日期"]).groups())
            if (year, month) == (2026, 10):
                amount = Decimal(re.sub(r"[,¥￥元]", "", row["金额"]))
                totals[row["销售代表工号"]] = totals.get(row["销售代表工号"], Decimal(0)) + amount
    return totals


def test_the_period_folder_holds_every_document(sample_run):
    for name in ("summary-pack.pdf", "certificates.pdf", "kpis.xlsx", "manifest.json", "rejects.csv"):
        assert (sample_run / name).stat().st_size > 0, name
    pages = len(PdfReader(sample_run / "certificates.pdf").pages)
    files = sorted((sample_run / "certificates").glob("*.pdf"))
    assert pages == len(files) > 0
    assert all(len(PdfReader(f).pages) == 1 for f in files)


def test_pdfs_embed_the_cjk_font_and_pass_qpdf(sample_run):
    for pdf in (sample_run / "summary-pack.pdf", sample_run / "certificates.pdf",
                next((sample_run / "certificates").glob("*.pdf"))):
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        cjk = [line for line in fonts.splitlines() if "CJK" in line]
        assert cjk and all(" yes yes " in line for line in cjk), fonts
        # Digits are emoji bases too: a font stack naming the emoji font draws every
        # number with it. With no emoji in the data, the emoji font must not be used.
        assert "Emoji" not in fonts, fonts
        subprocess.run(["qpdf", "--check", str(pdf)], check=True, capture_output=True)


def test_packs_carry_only_their_cut_faces_charts_included(sample_run):
    """The packs' text and chart labels are set in the sans faces cut to what each pack
    prints, not in the system faces (whose 65,000-glyph table each PDF would pay for)."""
    for pdf in (sample_run / "summary-pack.pdf", *sorted((sample_run / "teams").glob("*.pdf"))):
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        names = sorted({line.split()[0].split("+", 1)[1] for line in fonts.splitlines()[2:]})
        assert names == ["Noto-Sans-CJK-SC-cut", "Noto-Sans-CJK-SC-cut-Bold"], (pdf.name, fonts)
    assert (sample_run / "summary-pack.pdf").stat().st_size < 300_000  # 488 KB with the system faces


def test_company_revenue_equals_the_sum_of_the_export(sample_run):
    expected = sum(october_sales_by_rep().values())
    company = sheet_rows(sample_run / "kpis.xlsx", "company")[0]
    assert Decimal(str(company["revenue"])) == expected
    reps = {r["rep_id"]: r for r in sheet_rows(sample_run / "kpis.xlsx", "reps")}
    for rep_id, total in october_sales_by_rep().items():
        assert Decimal(str(reps[rep_id]["revenue"])) == total, rep_id


def test_pack_prints_every_active_rep_and_the_company_revenue(sample_run):
    text = pdf_text(sample_run / "summary-pack.pdf")
    active_reps = [p["姓名"] for p in roster_people() if p["岗位"] == "代表" and p["在职"] == "是"]
    assert len(active_reps) >= 14
    for name in active_reps:
        assert name in text, name
    revenue = sheet_rows(sample_run / "kpis.xlsx", "company")[0]["revenue"]
    wan = (Decimal(str(revenue)) / 10000).quantize(Decimal("0.01"))
    assert f"{wan:,}" in text


def test_pack_structure_bookmarks_metadata_page_numbers(sample_run):
    reader = PdfReader(sample_run / "summary-pack.pdf")
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    for section in SECTIONS:
        assert any(section in title for title in titles), (section, titles)
    assert "销售总结会资料" in reader.metadata.title and "江南精工仪器有限公司" in reader.metadata.author
    text = pdf_text(sample_run / "summary-pack.pdf")
    assert f"2 / {len(reader.pages)}" in text
    assert "会议记录" in text and "主持人" in text  # minutes page to fill in
    assert "未到期" in text                         # the 2026-Q4 pledge is not yet due in October


def test_workbook_uses_the_fixed_names_and_no_formulas(sample_run):
    book = openpyxl.load_workbook(sample_run / "kpis.xlsx")
    for name in ("reps", "teams", "company", "pledges"):
        assert name in book.sheetnames
    header = [c.value for c in book["reps"][1]]
    assert header[:4] == ["rep_id", "name", "team", "revenue"] and "cadence_compliance" in header
    assert [c.value for c in book["pledges"][1]] == [
        "period", "pledger_id", "name", "scope", "team", "pledge_amount", "actual", "pledge_attainment",
        "met", "reward", "forfeit_due", "settled"]
    assert not any(cell.data_type == "f" for sheet in book for row in sheet.iter_rows() for cell in row)


def test_manifest_reconciles_every_input_and_checksums_it(sample_run):
    manifest = json.loads((sample_run / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["inputs"]) == {"roster", "customers", "sales", "visits", "budget", "pledges",
                                       "surveys", "trips"}
    for name, seen in manifest["inputs"].items():
        assert seen["rows_read"] == seen["rows_used"] + seen["rows_rejected"], name
        assert seen["sha256"] == hashlib.sha256((SAMPLE_INPUTS / seen["file"]).read_bytes()).hexdigest()
    assert manifest["inputs"]["sales"]["encoding"] == "gbk"
    assert manifest["inputs"]["sales"]["rows_read"] == 3912
    for name, digest in manifest["outputs"].items():
        assert hashlib.sha256((sample_run / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("pledger, words", [
    ("E005-2026-11-individual", ["销售业绩保证书", "本人", "本月", "万元的销售业绩", "乐捐人民币"]),
    ("E002-2026-11-team", ["销售团队业绩保证书", "带领", "华东销售部"]),
    ("E006-2026-11-blank", ["销售业绩保证书", "李静", "参考", "华东销售部"]),
])
def test_certificates_read_as_the_seed_words_them(sample_run, pledger, words):
    text = pdf_text(sample_run / "certificates" / f"{pledger}.pdf")
    for word in words:
        assert word in text.replace(" ", ""), (pledger, word)
    assert "江南精工仪器有限公司" in text and "BZS-202611-" in text


def test_filled_certificate_prints_the_pledge_from_its_row(sample_run):
    with (SAMPLE_INPUTS / "pledges.csv").open(encoding="gb18030", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["期间"] == "2026-11" and r["工号"] == "E005")
    pledge = Decimal(re.sub(r"[,¥￥元]", "", row["保证金额"]))
    forfeit = Decimal(re.sub(r"[,¥￥元]", "", row["乐捐金额"]))
    text = pdf_text(sample_run / "certificates" / "E005-2026-11-individual.pdf").replace(" ", "")
    assert f"{(pledge / 10000).quantize(Decimal('0.01')):,}" in text
    assert f"{forfeit.quantize(Decimal('0.01')):,}" in text


def test_each_team_pack_names_only_its_own_people(sample_run):
    people = roster_people()
    teams = sorted({p["团队"] for p in people if p["岗位"] == "经理"})
    assert sorted(p.stem for p in (sample_run / "teams").glob("*.pdf")) == teams
    for team in teams:
        text = pdf_text(sample_run / "teams" / f"{team}.pdf")
        assert team in text
        for person in people:
            if person["团队"] == team and person["岗位"] == "代表" and person["在职"] == "是":
                assert person["姓名"] in text, (team, person["姓名"])
            if person["团队"] and person["团队"] != team:
                assert person["姓名"] not in text, (team, person["姓名"])
        for other in teams:
            if other != team:
                assert other not in text, (team, other)


def test_a_team_pack_shows_the_full_packs_figures_for_its_reps(sample_run):
    reps = {r["rep_id"]: r for r in sheet_rows(sample_run / "kpis.xlsx", "reps")}
    team_text = pdf_text(sample_run / "teams" / "华东销售部.pdf")
    for rep in reps.values():
        if rep["team"] == "华东销售部" and rep["rank_revenue"]:
            wan = (Decimal(str(rep["revenue"])) / 10000).quantize(Decimal("0.01"))
            assert f"{wan:,}" in team_text, rep["name"]


def test_each_certificate_file_is_small_and_reads_like_its_page_of_the_combined_file(sample_run):
    """Each file carries only its own glyphs (the run cuts the faces once): well under
    100 KB, where a file cut from the system font weighs about 240 KB."""
    files = sorted((sample_run / "certificates").glob("*.pdf"))
    combined = PdfReader(sample_run / "certificates.pdf")
    pages_by_number = {}
    for index in range(len(combined.pages)):
        text = pdf_text(sample_run / "certificates.pdf", index + 1)
        pages_by_number[re.search(r"BZS-\d{6}-\d{4}", text).group()] = text
    for path in files:
        assert path.stat().st_size <= 100 * 1024, (path.name, path.stat().st_size)
        text = pdf_text(path)
        assert text == pages_by_number[re.search(r"BZS-\d{6}-\d{4}", text).group()], path.name


def test_certificates_read_the_same_as_one_render_each_with_system_fonts(sample_run, tmp_path):
    """The fast path (chunks, cut faces, one layout) against the naive one (one
    WeasyPrint call per certificate, system fonts): the same text, line for line."""
    import pandas as pd

    from pipeline.compute import compute_period
    from pipeline.config import load_settings
    from pipeline.month_end import load_inputs
    from pipeline.render.documents import certificate_file_name, certificates_html
    from pipeline.render.pdf import render_pdf, template_roots

    settings = load_settings(SAMPLE_CONFIG)
    period = pd.Period(SAMPLE_PERIOD, freq="M")
    sheet = compute_period(load_inputs(SAMPLE_INPUTS, settings).frames, period, settings).certificates
    coming = period + 1
    roots = template_roots(None)
    for index in (0, len(sheet) // 2, len(sheet) - 1):  # a team, an individual and a blank one
        one = sheet.iloc[[index]]
        naive = tmp_path / certificate_file_name(one.iloc[0])
        render_pdf(certificates_html(one, coming, settings), naive, roots, roots[-1])
        assert pdf_text(naive) == pdf_text(sample_run / "certificates" / naive.name), naive.name
        fonts = subprocess.run(["pdffonts", str(naive)], capture_output=True, text=True, check=True).stdout
        assert "Noto-Serif-CJK-SC " in fonts and "-cut" not in fonts  # the system face, not the cut
