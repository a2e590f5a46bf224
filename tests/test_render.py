"""render: formatting filters, the translation catalogue, render hygiene (URL
fetcher, warnings as errors) and workbook cells."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from babel.messages.extract import extract_from_dir
from openpyxl import Workbook, load_workbook
from weasyprint.urls import FatalURLFetchingError

from pipeline.errors import RenderError, TemplateError
from pipeline.render import filters
from pipeline.render.i18n import translations
from pipeline.render.pdf import PROJECT_TEMPLATES, GuardedFetcher, environment, render_pdf
from pipeline.render.xlsx import _write_sheet

PROJECT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("fen, zh, en", [
    (692321234, "692.32", "6,923.21"),  # 6,923,212.34 yuan
    (-1_965_000, "-1.97", "-19.65"),    # 19,650.00 yuan -> 1.965 万 -> half up; 19.65 k
    (5_000, "0.01", "0.05"),            # 50 yuan is 0.005 万 -> 0.01
    (0, "0.00", "0.00"),
    (None, "—", "—"),
])
def test_money_in_wan_yuan_and_thousands(fen, zh, en):
    assert filters.money(fen, "zh_CN") == zh
    assert filters.money(fen, "en") == en


@pytest.mark.parametrize("fen, zh, en", [
    (54_567_800, "54.5678", "545.678"),      # a pledge of 545,678 yuan, as signed: not 54.57
    (54_000_000, "54.00", "540.00"),         # a round one keeps money's two decimals
    (123_456_789_012, "123,456.789012", "1,234,567.89012"),  # to the fen
    (None, "—", "—"),
])
def test_exact_money_keeps_every_decimal_an_amount_has(fen, zh, en):
    assert filters.exact_money(fen, "zh_CN") == zh
    assert filters.exact_money(fen, "en") == en


def test_yuan_percent_and_dash():
    assert filters.yuan(123450) == "1,234.50"
    assert filters.pct(0.97315) == "97.3%"
    assert filters.pct(0.00049) == "0.0%"
    assert filters.signed_pct(0.0125) == "+1.3%" and filters.signed_pct(-0.2) == "-20.0%"
    assert filters.pct(pd.NA) == "—" and filters.pct(float("nan")) == "—"
    assert filters.dash_if_empty(None) == "—" and filters.dash_if_empty(3) == 3


def test_every_label_has_a_chinese_translation():
    catalogue = translations("zh_CN")
    labels = set()
    for folder in (PROJECT / "pipeline", PROJECT / "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                folder, method_map=[("**.py", "python"), ("**.html", "jinja2")], options_map={}):
            labels.add(message if isinstance(message, str) else message[0])
    assert len(labels) > 100
    untranslated = sorted(m for m in labels if catalogue.gettext(m) == m and m != ",")
    assert untranslated == []


def test_english_is_the_message_ids():
    env = environment("en")
    assert env.from_string('{{ _("Revenue") }}').render() == "Revenue"
    assert environment("zh_CN").from_string('{{ _("Revenue") }}').render() == "销售额"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.com/x.png",
                                 "https://example.com/font.woff", "ftp://example.com/a"])
def test_fetcher_refuses_anything_but_template_assets(url):
    with pytest.raises(ValueError, match="refused"):
        GuardedFetcher([PROJECT_TEMPLATES]).fetch(url)


def test_fetcher_allows_template_assets_and_data_uris():
    fetcher = GuardedFetcher([PROJECT_TEMPLATES])
    assert b"@page" in fetcher.fetch((PROJECT_TEMPLATES / "base.css").as_uri()).read()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    with pytest.raises(ValueError):  # a path that climbs out of the template folder
        fetcher.fetch((PROJECT_TEMPLATES / ".." / "config" / "salespack.yaml").as_uri())


def test_a_document_pointing_outside_is_not_rendered(tmp_path):
    html = '<html><body><p>x</p><img src="file:///etc/passwd"></body></html>'
    with pytest.raises((RenderError, TemplateError, FatalURLFetchingError)):
        render_pdf(html, tmp_path / "out.pdf", [PROJECT_TEMPLATES], PROJECT_TEMPLATES)
    assert not (tmp_path / "out.pdf").exists()
    assert list(tmp_path.iterdir()) == []  # no half-written temporary either


def test_a_renderer_warning_fails_the_render(tmp_path):
    html = '<html><head><style>p { colour: red; width: banana }</style></head><body><p>x</p></body></html>'
    with pytest.raises(RenderError, match="renderer reported"):
        render_pdf(html, tmp_path / "out.pdf", [PROJECT_TEMPLATES], PROJECT_TEMPLATES)


def test_templates_escape_what_the_data_says():
    env = environment("zh_CN")
    name = '<img src="file:///etc/passwd">'
    assert "&lt;img" in env.from_string("{{ n }}").render(n=name)


def test_workbook_text_is_never_a_formula(tmp_path):
    book = Workbook(write_only=True)
    frame = pd.DataFrame({"name": ['=HYPERLINK("http://x","y")', "+1", "普通"], "revenue": [100, 250, None]})
    _write_sheet(book, "reps", frame, ["name", "revenue"])
    book.save(tmp_path / "kpis.xlsx")
    cells = list(load_workbook(tmp_path / "kpis.xlsx")["reps"].iter_rows(min_row=2))
    assert [c[0].data_type for c in cells] == ["s", "s", "s"]
    assert cells[0][0].value.startswith("=HYPERLINK")
    assert [c[1].value for c in cells] == [1.0, 2.5, None]  # fen -> yuan; empty stays empty


def test_a_jobs_bytes_are_written_only_when_they_arrive_as_made(tmp_path):
    from pipeline.render.output import DamagedResult, Made, land
    made = Made.of({"teams/一部.pdf": b"%PDF-1.7 one", "summary-pack.pdf": b"%PDF-1.7 two"}, value=("kept",))
    assert land(made, tmp_path) == [tmp_path / "teams" / "一部.pdf", tmp_path / "summary-pack.pdf"]
    assert (tmp_path / "teams" / "一部.pdf").read_bytes() == b"%PDF-1.7 one" and made.value == ("kept",)
    name, data, digest = made.files[1]
    damaged = Made((made.files[0], (name, data[:-1], digest)))  # one byte lost on the way
    with pytest.raises(DamagedResult, match="summary-pack.pdf"):
        land(damaged, tmp_path / "other")
    assert not (tmp_path / "other").exists()  # checked before anything is written


def _cut_face(html: str, weight: int):
    import base64
    import re

    import uharfbuzz as hb
    rule = re.search(r'@font-face \{ font-family: "Noto Sans CJK SC cut"; font-weight: ' + str(weight)
                     + r'; src: url\("data:font/otf;base64,([^"]+)"\); \}', html)
    assert rule, html[:500]
    return hb.Font(hb.Face(base64.b64decode(rule.group(1))))


def test_a_pack_carries_its_sans_faces_cut_to_its_text_and_its_charts_labels():
    import base64

    from pipeline.render.documents import with_cut_faces
    chart = "<svg xmlns='http://www.w3.org/2000/svg'><text>鑫淼</text></svg>"
    html = ("<html><head><title>t</title></head><body><p>销售&amp;额 &#x5F20;</p>"
            f'<img src="data:image/svg+xml;base64,{base64.b64encode(chart.encode()).decode()}"></body></html>')
    cut = with_cut_faces(html)
    assert cut.count("<style>@font-face") == 1 and cut.index("</style>") < cut.index("</head>")
    for weight in (400, 700):
        font = _cut_face(cut, weight)
        # the text (entities read as characters), the chart's labels, and what layout adds itself
        for character in "销售&额张鑫淼0%":
            assert font.get_nominal_glyph(ord(character)), (weight, character)
        assert not font.get_nominal_glyph(ord("龘"))  # printed nowhere: not in the cut
    assert with_cut_faces("<p>no head</p>") == "<p>no head</p>"
