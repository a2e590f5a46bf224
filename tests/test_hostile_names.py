"""Hostile but valid data: names with HTML, formula-like text, emoji, rare CJK and
great length are shown literally, wrapped not overflowing, and never become markup
or formulas."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from .conftest import SAMPLE_CONFIG, invoke, pdf_text

HOSTILE = {
    "E005": '<img src="file:///etc/passwd">',
    "E007": '=HYPERLINK("http://evil.example","点我")',
    "E008": "王䶮😀🚀",
    "E010": "欧阳" + "长" * 60 + "名字",
    "E011": "𠮷野家 & <b>粗体</b>",
}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    import shutil

    from .conftest import SAMPLE_INPUTS
    inputs = tmp_path_factory.mktemp("hostile") / "inputs"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    book = openpyxl.load_workbook(inputs / "roster.xlsx")
    sheet = book.active
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        rep_id = row[header.index("工号")].value
        if rep_id in HOSTILE:
            cell = row[header.index("姓名")]
            cell.value = HOSTILE[rep_id]
            cell.data_type = "s"
    book.save(inputs / "roster.xlsx")
    outputs = inputs.parent / "out"
    result = invoke("run", "--inputs", str(inputs), "--outputs", str(outputs), "--period", "2026-10",
                    "--config", str(SAMPLE_CONFIG))
    assert result.exit_code == 0, result.output
    return outputs / "2026-10"


def raw_text(pdf) -> str:
    """Text in content order with all whitespace removed: a name wrapped inside a
    narrow table cell reads as one run."""
    import subprocess
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def test_names_print_literally_in_the_pack(hostile_run):
    text = raw_text(hostile_run / "summary-pack.pdf")
    for name in HOSTILE.values():
        assert "".join(name.split()) in text, name


def test_names_print_literally_on_certificates(hostile_run):
    text = pdf_text(hostile_run / "certificates" / "E005-2026-11-individual.pdf")
    assert HOSTILE["E005"] in text


def test_workbook_holds_names_as_text_never_formulas(hostile_run):
    book = openpyxl.load_workbook(hostile_run / "kpis.xlsx")
    names = {row[0]: row[1] for row in book["reps"].iter_rows(min_row=2, values_only=True)}
    for rep_id, name in HOSTILE.items():
        assert names[rep_id] == name
    assert not any(cell.data_type == "f" for sheet in book for row in sheet.iter_rows() for cell in row)


def test_long_names_do_not_widen_the_ranking_table(hostile_run):
    # Every line of the ranking page fits the A4 text width: the long name wraps.
    import subprocess
    boxes = subprocess.run(["pdftotext", "-bbox", "-f", "4", "-l", "4", str(hostile_run / "summary-pack.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout
    page_width = 595.3
    right_edges = [float(part.split('"')[1]) for part in boxes.split("xMax=")[1:]]
    assert right_edges and max(right_edges) <= page_width - 16 / 25.4 * 72 + 1


def test_rejects_csv_quotes_formula_like_values(sample_copy, tmp_path):
    text = (sample_copy / "sales.csv").read_bytes().decode("gbk")
    rows = list(csv.reader(io.StringIO(text)))
    rows[3][rows[0].index("金额")] = '=HYPERLINK("http://evil.example","x")'
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    (sample_copy / "sales.csv").write_bytes(buffer.getvalue().encode("gbk"))
    result = invoke("validate", "--inputs", str(sample_copy), "--rejects", str(tmp_path / "rejects.csv"))
    assert result.exit_code == 2
    written = (tmp_path / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in written  # a leading quote keeps a spreadsheet from evaluating it


def test_chart_glyph_warnings_are_said_once_per_document(hostile_run):
    """matplotlib warns once per label drawn, in every worker; the run says it once for
    each document whose charts lack a glyph, naming the document (issue "Every failure
    says what to do": worker warnings once, with the document they concern)."""
    log = (hostile_run / "run.log").read_text(encoding="utf-8")
    warned = [line.split(" WARNING ", 1)[1] for line in log.splitlines() if " WARNING " in line]
    documents = [line.split(":", 1)[0] for line in warned if "the chart font has no" in line]
    assert sorted(documents) == sorted(set(documents)), warned
    assert "summary-pack.pdf" in documents
    assert all(d == "summary-pack.pdf" or d.startswith("teams/") for d in documents), documents
    assert all("😀" in line and "🚀" in line for line in warned if "the chart font has no" in line)
