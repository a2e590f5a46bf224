"""English by config reads as English, and long names stay on their certificate.

The sample org is rendered once in English (``locale: en``). Every CJK character left in
the pack, the team packs and the certificates must be data: a name of a person, team,
customer or product from the exports, the company's name from the config, or a column
of an export that the data page lists as ignored. Amounts read as an English reader
expects (CNY thousands under labels that say so, never "ten-thousand yuan"), and a table
header never breaks a word ("Attainmen / t").

A pledger's name of 300 characters is printed whole on a one-page certificate, wrapped
and smaller, over nothing else; a name too long even for that stops the render with an
error instead of a page where the text runs over the signature lines.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import unicodedata
from decimal import Decimal
from html import unescape
from pathlib import Path

import openpyxl
import pytest
import yaml
from pypdf import PdfReader

from .conftest import SAMPLE_CONFIG, SAMPLE_INPUTS, SAMPLE_PERIOD, invoke, pdf_text

# Ideographs, CJK punctuation (、。「」) and full-width forms (，：（）).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
COMING = "2026-11"


def english_config(folder: Path) -> Path:
    config = folder / "salespack-en.yaml"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    assert "locale: zh_CN" in text
    config.write_text(text.replace("locale: zh_CN", "locale: en"), encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def english_run(tmp_path_factory) -> Path:
    """``salespack run`` on the sample org with ``locale: en``; the period folder."""
    base = tmp_path_factory.mktemp("english")
    result = invoke("run", "--inputs", str(SAMPLE_INPUTS), "--outputs", str(base / "out"),
                    "--period", SAMPLE_PERIOD, "--config", str(english_config(base)))
    assert result.exit_code == 0, result.output
    return base / "out" / SAMPLE_PERIOD


def rows(name: str, encoding: str | None = None) -> list[dict]:
    """The sample's rows as written in its export (Chinese headers)."""
    path = SAMPLE_INPUTS / name
    if path.suffix == ".xlsx":
        values = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
        return [dict(zip(values[0], row)) for row in values[1:]]
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle))


def data_strings(folder: Path) -> list[str]:
    """What the documents may print in Chinese: the exports' names of people, teams,
    customers and products, the company's name, and the ignored columns the data page lists."""
    import json
    roster = rows("roster.xlsx")
    values = {p["姓名"] for p in roster} | {p["团队"] for p in roster}
    values |= {c["客户名称"] for c in rows("customers.csv", "utf-8-sig")}
    values |= {s["产品"] for s in rows("sales.csv", "gbk")}
    values |= {b["团队"] for b in rows("budget.xlsx")}
    values.add(yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))["company"]["name"])
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    values |= {column for seen in manifest["inputs"].values() for column in seen["extra_columns"]}
    # The read stage folds full-width forms (（天津）-> (天津)): compare folded text.
    return sorted(("".join(unicodedata.normalize("NFKC", v).split()) for v in values if v), key=len, reverse=True)


def raw_text(pdf: Path) -> str:
    """Text in content order, all whitespace removed: a name wrapped in a narrow cell
    (or a rotated chart label) reads as one run."""
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return "".join(text.split())


def chinese_left_beside_the_data(pdf: Path, data: list[str]) -> set[str]:
    text = unicodedata.normalize("NFKC", raw_text(pdf))
    for value in data:  # longest first: a team name goes before a shorter name inside it
        text = text.replace(value, " ")
    return set(CJK.findall(text))


def english_documents(folder: Path) -> list[Path]:
    return [folder / "summary-pack.pdf", *sorted((folder / "teams").glob("*.pdf")), folder / "certificates.pdf"]


def test_english_documents_print_no_chinese_but_the_data(english_run):
    data = data_strings(english_run)
    left = {pdf.relative_to(english_run).as_posix(): chinese_left_beside_the_data(pdf, data)
            for pdf in english_documents(english_run)}
    assert len(left) == 5  # the pack, three team packs, the certificates
    assert {name: found for name, found in left.items() if found} == {}


def test_english_amounts_are_cny_under_labels_that_say_so(english_run):
    for pdf in english_documents(english_run):
        text = " ".join(pdf_text(pdf).split())
        for wording in ("ten-thousand", "10k yuan", "RMB", "yuan"):
            assert wording not in text, (pdf.name, wording)
    pack = raw_text(english_run / "summary-pack.pdf")  # a header wrapped in its cell reads as one run
    for label in ("Revenue (CNY k)", "Amounts in CNY thousands.", "Reward (CNY)", "Budget (CNY)"):
        assert "".join(label.split()) in pack, label


def test_english_pack_counts_and_lists_in_english(english_run):
    pack = raw_text(english_run / "summary-pack.pdf")
    # The plan's weeks are named by their Monday; the last November week has one working day.
    assert "Nov25workingdays" in pack and "Nov301workingday" in pack and "1workingdays" not in pack
    for title in ("Roster (roster)", "Customers (customers)", "Sales orders (sales)", "Pledges (pledges)"):
        assert "".join(title.split()) in pack, title  # the data page


def test_attainment_is_one_word_in_the_teams_table_header(english_run):
    text = pdf_text(english_run / "summary-pack.pdf")  # the teams table on "Results against budget"
    header = next(line for line in text.splitlines() if "Manager" in line and "Rank" in line)
    assert "Attainment" in header.split(), header


def header_words_broken_or_overflowing(html: str) -> list[tuple[int, str, list[str]]]:
    """Lay ``html`` out as the renderer does; each table header cell whose lines split a
    word (a break after a hyphen is a word's own) or run past the cell: (page, text, lines)."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    from pipeline.render.pdf import GuardedFetcher, template_roots

    def walk(box):
        yield box
        for child in getattr(box, "children", None) or []:
            yield from walk(child)

    roots = template_roots(None)
    document = HTML(string=html, base_url=str(roots[-1]) + "/", url_fetcher=GuardedFetcher(roots)).render()
    found = []
    for number, page in enumerate(document.pages, 1):
        for cell in walk(page._page_box):
            if not (isinstance(cell, boxes.TableCellBox) and cell.element_tag == "th"):
                continue
            lines = [line for line in walk(cell) if isinstance(line, boxes.LineBox)]
            texts = ["".join(t.text for t in walk(line) if isinstance(t, boxes.TextBox)) for line in lines]
            words: list[str] = []
            for text in texts:
                pieces = text.split()
                if words and words[-1].endswith("-") and pieces:
                    words[-1] += pieces.pop(0)
                words += pieces
            right = cell.content_box_x() + cell.width + 0.01
            overflowing = any(t.position_x + t.width > right for line in lines for t in walk(line)
                              if isinstance(t, boxes.TextBox))
            if words != " ".join(cell.element.itertext()).split() or overflowing:
                found.append((number, " ".join(cell.element.itertext()), texts))
    return found


def test_no_english_table_header_breaks_a_word_or_leaves_its_cell(tmp_path):
    from pipeline.compute import compute_period
    from pipeline.config import load_settings
    from pipeline.month_end import load_inputs
    from pipeline.render.contexts import pack_context
    from pipeline.render.documents import pack_html
    from pipeline.render.field_context import field_pages
    from pipeline.render.i18n import translator

    import pandas as pd
    settings = load_settings(english_config(tmp_path))
    validated = load_inputs(SAMPLE_INPUTS, settings)
    figures = compute_period(validated.frames, pd.Period(SAMPLE_PERIOD, freq="M"), settings)
    gettext = translator("en")
    context = pack_context(figures, validated.reconciliation, locale="en", company_name=settings.company.name,
                           generated_at="2026-11-01T07:00:00+08:00", version="test", provisional=False,
                           rejected_rows=0, gettext=gettext)
    context.field_work = field_pages(figures, locale="en", standard=settings.visits.visits_per_week_standard,
                                     gettext=gettext)
    assert header_words_broken_or_overflowing(pack_html(context)) == []


@pytest.mark.parametrize("pledger, scope, sentence", [
    ("E002", "团队", "I, {name}, leading {team}, pledge to achieve sales of CNY {pledge} thousand this month; "
                    "should we fall short, I will donate CNY {forfeit}."),
    ("E005", "个人", "I, {name}, pledge to achieve sales of CNY {pledge} thousand this month; "
                    "should I fall short, I will donate CNY {forfeit}."),
], ids=["team", "individual"])
def test_english_certificate_sentence(english_run, pledger, scope, sentence):
    person = next(p for p in rows("roster.xlsx") if p["工号"] == pledger)
    pledge = next(r for r in rows("pledges.csv", "gb18030")
                  if r["期间"] == COMING and r["工号"] == pledger and r["类型"] == scope)

    def amount(text: str) -> Decimal:
        return Decimal(re.sub(r"[,¥￥元]", "", text))

    expected = sentence.format(name=person["姓名"], team=person["团队"],
                               pledge=f"{(amount(pledge['保证金额']) / 1000).quantize(Decimal('0.01')):,}",
                               forfeit=f"{amount(pledge['乐捐金额']).quantize(Decimal('0.01')):,}")
    kind = "team" if scope == "团队" else "individual"
    text = " ".join(pdf_text(english_run / "certificates" / f"{pledger}-{COMING}-{kind}.pdf").split())
    assert expected in text, text
    assert " ," not in text and " ." not in text  # no stray space before punctuation


LONG_NAMES = {
    "E005": ("欧阳长名字测试" * 50)[:300],                          # an individual pledge, CJK
    "E002": ("Wolfeschlegelsteinhausenbergerdorff" * 10)[:300],   # a team pledge, one 300-letter word
}


def org_with_names(folder: Path, names: dict[str, str]) -> Path:
    """A copy of the sample whose roster gives ``names`` (pledger id -> name)."""
    inputs = folder / "inputs"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    book = openpyxl.load_workbook(inputs / "roster.xlsx")
    sheet = book.active
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("工号")].value in names:
            row[header.index("姓名")].value = names[row[header.index("工号")].value]
    book.save(inputs / "roster.xlsx")
    return inputs


@pytest.fixture(scope="module", params=["en", "zh_CN"])
def long_name_certificates(request, tmp_path_factory) -> Path:
    """``salespack certificates`` for the coming month of an org with two 300-character
    names, in each language; the folder of the certificate files."""
    base = tmp_path_factory.mktemp(f"long-names-{request.param}")
    config = english_config(base) if request.param == "en" else SAMPLE_CONFIG
    result = invoke("certificates", "--inputs", str(org_with_names(base, LONG_NAMES)), "--outputs",
                    str(base / "out"), "--period", COMING, "--config", str(config))
    assert result.exit_code == 0, result.output
    return base / "out" / "certificates" / COMING / "certificates"


def word_boxes(pdf: Path) -> tuple[tuple[float, float], list[tuple[str, float, float, float, float]]]:
    """(page width, height) and each word's (text, xMin, yMin, xMax, yMax) on page 1."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    words = [(unescape(m[5]), float(m[1]), float(m[2]), float(m[3]), float(m[4])) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', html)]
    return (float(page[1]), float(page[2])), words


@pytest.mark.parametrize("pledger, kind", [("E005", "individual"), ("E002", "team")])
def test_a_300_character_name_stays_whole_on_one_page_over_nothing(long_name_certificates, pledger, kind):
    pdf = long_name_certificates / f"{pledger}-{COMING}-{kind}.pdf"
    name = LONG_NAMES[pledger]
    assert len(name) == 300
    assert len(PdfReader(pdf).pages) == 1
    assert name in raw_text(pdf)
    (width, height), words = word_boxes(pdf)
    assert all(0 <= x0 and x1 <= width and 0 <= y0 and y1 <= height for _w, x0, y0, x1, y1 in words)
    overlapping = [(a[0][:20], b[0][:20]) for i, a in enumerate(words) for b in words[i + 1:]
                   if min(a[3], b[3]) - max(a[1], b[1]) > 0.5 and min(a[4], b[4]) - max(a[2], b[2]) > 0.5]
    assert overlapping == []
    name_bottom = max(y1 for word, _x0, _y0, _x1, y1 in words if word.strip(",，") and word.strip(",，") in name)
    signature = [y0 for word, _x0, y0, _x1, _y1 in words if word.startswith(("Pledger", "保证人"))]
    assert signature, "the signature line is not on the page"
    assert name_bottom < min(signature)


def test_a_name_too_long_for_the_page_stops_the_render(tmp_path):
    inputs = org_with_names(tmp_path, {"E005": "欧阳长名字测试" * 200})  # 1,400 characters
    result = invoke("certificates", "--inputs", str(inputs), "--outputs", str(tmp_path / "out"),
                    "--period", COMING, "--config", str(english_config(tmp_path)))
    assert result.exit_code == 2, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("Error: while making certificates.pdf: 1 certificate(s) do not fit on one page: "
                            "E005-2026-11-individual.pdf (Sales pledge 欧阳长名字测试"), first
    assert "Shorten the name in the roster" in result.output
    assert "Traceback" not in result.output
    assert not list((tmp_path / "out").rglob("*.pdf"))  # nothing half-made lands
