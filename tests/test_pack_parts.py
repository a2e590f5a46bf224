"""The company pack laid out in parts and joined reads as the pack laid out in one piece:
same pages, text, "X / Y" footers, running headers, bookmarks and metadata, on the sample
org and on a generated org of some 90 pages (render.parts)."""

from __future__ import annotations

import multiprocessing
import re
import subprocess
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from pipeline import __version__, periods
from pipeline.compute import compute_period
from pipeline.compute.key_points import key_points
from pipeline.config import load_settings
from pipeline.errors import RenderError, SalespackError
from pipeline.month_end import load_inputs
from pipeline.render import parts
from pipeline.render.contexts import pack_context
from pipeline.render.documents import pack_html
from pipeline.render.field_context import field_pages
from pipeline.render.i18n import translator
from pipeline.render.key_points import sentences
from pipeline.render.pdf import render_pdf, template_roots

from .conftest import SAMPLE_CONFIG, SAMPLE_INPUTS, SAMPLE_PERIOD

ROOTS = template_roots(None)
BASE = ROOTS[-1]
LARGE_SCALE = 0.15  # 300 reps in 15 teams: about 90 pages


def company_pack_html(inputs: Path, long_table_rows: int | None = None) -> str:
    """The company pack's HTML, made as month_end makes it (the run's day fixed; with the
    places a long table may be cut at); ``long_table_rows``: the config's unless given."""
    settings = load_settings(SAMPLE_CONFIG)
    validated = load_inputs(inputs, settings)
    period = pd.Period(SAMPLE_PERIOD, freq="M")
    figures = compute_period(validated.frames, period, settings, pd.Timestamp("2026-11-01").date())
    gettext = translator(settings.locale)
    context = pack_context(figures, validated.reconciliation, locale=settings.locale,
                           company_name=settings.company.name, generated_at="2026-11-01T06:00:00+08:00",
                           version=__version__, provisional=bool(validated.rejected_rows),
                           rejected_rows=validated.rejected_rows, gettext=gettext,
                           chart_reps=settings.pack.chart_reps,
                           long_table_rows=long_table_rows or settings.pack.long_table_rows)
    context.field_work = field_pages(figures, locale=settings.locale, gettext=gettext,
                                     standard=settings.visits.visits_per_week_standard,
                                     list_limit=settings.pack.list_limit, chart_reps=settings.pack.chart_reps)
    context.key_points = sentences(key_points(figures, settings.key_points,
                                              settings.visits.visits_per_week_standard), kind=periods.kind(period))
    return pack_html(context, cuttable=True)


def one_piece(html: str, target: Path) -> Path:
    render_pdf(html, target, ROOTS, BASE)
    return target


def in_parts(documents: list[str], pool=None) -> bytes:
    if pool is None:
        laid_out = [parts.lay_out_part(document, ROOTS, BASE) for document in documents]
    else:
        laid_out = [future.result() for future in
                    [pool.submit(parts.lay_out_part, document, ROOTS, BASE) for document in documents]]
    return parts.join(laid_out, documents[0], ROOTS, BASE)


def page_texts(pdf: Path) -> list[str]:
    """``pdftotext -layout``, page by page (a form feed ends each page)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return text.split("\f")[:-1]


def outline(pdf: Path) -> list[tuple]:
    """(depth, title, page index, x, y, open) of every bookmark, in order."""
    reader = PdfReader(pdf)
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item),
                              round(float(item.left), 2), round(float(item.top), 2), item.get("/Count", 0) >= 0))

    walk(reader.outline, 0)
    return found


def assert_reads_the_same(joined: Path, whole: Path, pixels: bool = True) -> None:
    texts, expected = page_texts(joined), page_texts(whole)
    assert len(PdfReader(joined).pages) == len(PdfReader(whole).pages) == len(expected)
    assert len(texts) == len(expected)
    for number, (text, wanted) in enumerate(zip(texts, expected), start=1):
        assert text == wanted, f"page {number} reads differently"
    # "X / Y" on every page but the cover, as its last line; the header on every one of them.
    count = len(texts)
    assert texts[0].strip().splitlines()[-1].strip() != f"1 / {count}"
    for number, text in enumerate(texts[1:], start=2):
        lines = [line.strip() for line in text.strip().splitlines()]
        assert lines[-1] == f"{number} / {count}", f"page {number}'s footer: {lines[-1]!r}"
        assert re.match(r"\S.* · \S", lines[0]), f"page {number}'s header: {lines[0]!r}"
    assert outline(joined) == outline(whole) != []
    mine, theirs = PdfReader(joined), PdfReader(whole)
    assert dict(mine.metadata) == dict(theirs.metadata)
    assert {"/Title", "/Author", "/Subject", "/Keywords", "/Creator", "/Producer", "/CreationDate"} <= set(mine.metadata)
    assert mine.trailer["/Root"].get("/Lang") == theirs.trailer["/Root"].get("/Lang") == "zh-CN"
    assert mine.pdf_header == theirs.pdf_header
    check = subprocess.run(["qpdf", "--check", str(joined)], capture_output=True, text=True)
    assert check.returncode == 0 and "No syntax or stream encoding errors" in check.stdout, check.stdout + check.stderr
    if pixels:
        assert_same_pixels(joined, whole)


def assert_same_pixels(joined: Path, whole: Path, dpi: int = 40) -> None:
    """Every page drawn alike (pdftoppm at ``dpi``): stamped footers sit where the one-piece draws them."""
    for pdf in (joined, whole):
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(pdf.with_suffix(""))], check=True)
    drawn = sorted(joined.parent.glob(f"{joined.stem}-*.png"))
    assert len(drawn) == len(PdfReader(joined).pages)
    for mine in drawn:
        theirs = whole.parent / mine.name.replace(joined.stem, whole.stem, 1)
        difference = ImageChops.difference(Image.open(mine).convert("RGB"), Image.open(theirs).convert("RGB"))
        assert difference.getbbox() is None, f"{mine.name} is drawn differently at {difference.getbbox()}"


@pytest.fixture(scope="module")
def sample_html() -> str:
    return company_pack_html(SAMPLE_INPUTS)


@pytest.fixture(scope="module")
def sample_whole(sample_html, tmp_path_factory) -> Path:
    return one_piece(sample_html, tmp_path_factory.mktemp("whole") / "whole.pdf")


# "each": every section its own part (equal weights), the most part boundaries there can be.
@pytest.mark.parametrize("count", [2, 3, "each"])
def test_the_sample_pack_in_parts_reads_as_in_one_piece(sample_html, sample_whole, tmp_path, count):
    sections = len(parts.layout_of(sample_html).chunks)
    if count == "each":
        documents = parts.split(sample_html, sections, weigh=len_one)
        assert len(documents) == sections > 10
    else:
        documents = parts.split(sample_html, count)
        assert len(documents) == count
    joined = tmp_path / "joined.pdf"
    joined.write_bytes(in_parts(documents))
    assert_reads_the_same(joined, sample_whole, pixels=count == "each")  # "each" has every boundary


def len_one(_chunk: str) -> int:
    return 1


def section_pages(texts: list[str], title: str) -> list[list[str]]:
    """The body lines (running header and "X / Y" footer off) of the pages whose running
    header names ``title``."""
    found = []
    for text in texts:
        lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
        if lines and lines[0].endswith(title):
            found.append(lines[1:-1])
    return found


def test_a_long_table_goes_on_from_a_fresh_page_only_where_a_part_starts(sample_html, sample_whole, tmp_path):
    """pack.long_table_rows = 10 on the sample: its 16-row ranking may be cut after 10 rows.
    Where no part starts, the table flows on as without the setting; where one does, the
    part starts on a fresh page under the table's header again, every row once and in the
    same order, and the joined pack reads as the same cuts laid out in one piece."""
    chunked = company_pack_html(SAMPLE_INPUTS, long_table_rows=10)
    assert sample_html.count('<section class="continued">') == 0
    places = chunked.count('<section class="continued">')
    assert places >= 3  # the ranking's and the to-date table's 16 rows, the 31 pledges...
    sections = len(parts.layout_of(chunked).chunks)
    # No part, or parts that start at no such place: the tables flow, as without the setting.
    assert parts.split(chunked, 1) == [parts.flowing(chunked)] and parts.flowing(chunked) == sample_html
    assert parts.as_cut(chunked, 1) == sample_html
    for count in (2, 3):  # a table goes on in a section of its own only right where a part starts
        assert all(document.count('<section class="continued">')
                   == document.count(f'<!--{parts.PART_MARK}--><section class="continued">')
                   for document in parts.split(chunked, count))
    # Cut at every section, those places included: each is a part's start.
    documents = parts.split(chunked, sections, weigh=len_one)
    assert sum(document.count(f'<!--{parts.PART_MARK}--><section class="continued">') for document in documents) \
        == places
    cut = parts.as_cut(chunked, sections, weigh=len_one)
    assert cut.count('<section class="continued">') == places
    whole = one_piece(cut, tmp_path / "whole.pdf")
    texts, before = page_texts(whole), page_texts(sample_whole)
    assert len(texts) > len(before)
    title = translator("zh_CN")("Rankings")
    rankings, rankings_before = section_pages(texts, title), section_pages(before, title)
    assert len(rankings_before) >= 1 and len(rankings) == len(rankings_before) + 2  # both rep tables go on

    def heading(page):  # the table's header lines: those before its first ranked row, as words
        return [line.split() for line in page[:next(i for i, line in enumerate(page) if re.match(r"\d+ ", line))]]

    def ranked(pages):
        return [line.split() for page in pages for line in page if re.match(r"\d+ ", line)]
    # the first page holds the title, the header and rows 1-10; the next the header again, then rows 11 on
    title_line, *header = heading(rankings_before[0])
    assert heading(rankings[0]) == [title_line, *header] and len(header) >= 1
    assert [row[0] for row in ranked(rankings[:1])] == [str(rank) for rank in range(1, 11)]
    assert heading(rankings[1]) == header and ranked(rankings[1:2])[0][0] == "11"
    assert ranked(rankings) == ranked(rankings_before)  # every row once, in the same order, the same figures
    # the parts joined: the same pages, text, footers, outline as the same cuts in one piece
    joined = tmp_path / "joined.pdf"
    joined.write_bytes(in_parts(documents))
    assert_reads_the_same(joined, whole)


def test_split_cuts_only_before_top_level_sections_and_keeps_the_head(sample_html):
    layout = parts.layout_of(sample_html)
    documents = parts.split(sample_html, 3)
    head = sample_html[:sample_html.index("<body>") + len("<body>")]
    cover = sample_html[len(head):sample_html.index("<section>")]
    assert '<div class="cover">' in cover and "<section" not in cover
    own = []
    for number, document in enumerate(documents):
        assert document.startswith(head + cover) and document.endswith("</body>\n</html>")
        body = document[len(head + cover):-len("</body>\n</html>")]
        if number:
            assert body.startswith(f"<!--{parts.PART_MARK}--><section>")
            body = body[len(f"<!--{parts.PART_MARK}-->"):]
        own.append(body)
    # every section once, in order, each whole: the parts' own bodies make up the pack's body
    assert head + cover + "".join(own) + "</body>\n</html>" == sample_html
    assert len(layout.chunks) == sample_html.count("<section>")
    assert all(chunk.startswith("<section>") and chunk.rstrip().endswith("</section>") for chunk in layout.chunks)


def test_split_balances_the_largest_part():
    # [5 | 1 1 1 4]: 7, [5 1 | 1 1 4]: 6, [5 1 1 | 1 4]: 7: the second is best.
    assert parts.balanced_groups([5, 1, 1, 1, 4], 2) == [(0, 2), (2, 5)]
    # 3 parts cannot beat the largest weight (5): the fewest parts that reach it.
    assert parts.balanced_groups([5, 1, 1, 1, 1], 3) == [(0, 1), (1, 5)]
    assert parts.balanced_groups([1, 1, 1], 5) == [(0, 1), (1, 2), (2, 3)]
    # a chart counts as a few table rows, not by the length of its data: URI
    chart = '<img class="chart" src="data:image/svg+xml;base64,' + "A" * 50_000 + '">'
    assert parts.expected_work(chart) == len('<img class="chart" src="') + parts.CHART_WORK + len('">')


def test_a_document_without_sections_comes_back_whole():
    html = "<!DOCTYPE html><html><head></head><body><div>only</div></body></html>"
    assert parts.split(html, 4) == [html]
    assert parts.split("<p>no body tag</p>", 2) == ["<p>no body tag</p>"]


def test_sections_inside_other_elements_are_not_cut_before():
    html = ("<html><head></head><body><div class=cover><p>open paragraph<section>inner</section></div>"
            "<section><h1>A</h1><p>left open<section>nested</section></section>\n"
            "<section><h1>B</h1></section></body></html>")
    layout = parts.layout_of(html)
    assert [chunk[:19] for chunk in layout.chunks] == ["<section><h1>A</h1>", "<section><h1>B</h1>"]
    assert layout.chunks[0].endswith("nested</section></section>\n")


STYLESHEETS = '<link rel="stylesheet" href="base.css"><link rel="stylesheet" href="pack/theme.css">'


def tiny_pack(extra: str = "", section: str = "") -> str:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><title>T</title>{STYLESHEETS}{extra}</head><body>"
            '<div class="cover"><div class="company">C</div><h1>Pack</h1></div>'
            f"<section><h1>One</h1><p>1</p></section><section><h1>Two</h1><p>2</p>{section}</section>"
            "</body></html>")


def test_a_cut_where_the_stylesheet_starts_no_page_stops_the_part():
    documents = parts.split(tiny_pack("<style>section { break-before: auto }</style>"), 2)
    with pytest.raises(RenderError, match="does not start on a new page"):
        parts.lay_out_part(documents[1], ROOTS, BASE)


def test_a_page_style_that_a_part_cannot_know_stops_the_join():
    # Section Two starts on a right page in one piece, on a left one in its part (after the cover).
    documents = parts.split(tiny_pack("<style>@page :left { margin-left: 30mm }</style>"), 2)
    laid_out = [parts.lay_out_part(document, ROOTS, BASE) for document in documents]
    with pytest.raises(RenderError, match="page 3 has a page style"):
        parts.join(laid_out, documents[0], ROOTS, BASE)


def test_a_page_number_beside_another_margin_box_stops_the_part():
    documents = parts.split(tiny_pack('<style>@page { @bottom-left { content: string(section) } }</style>'), 2)
    with pytest.raises(RenderError, match="@bottom-center margin box prints the page number beside @bottom-left"):
        parts.lay_out_part(documents[1], ROOTS, BASE)


def test_a_part_keeps_the_render_hygiene():
    documents = parts.split(tiny_pack(section='<img src="file:///etc/hostname">'), 2)
    with pytest.raises(SalespackError, match="summary-pack.pdf"):
        parts.lay_out_part(documents[1], ROOTS, BASE)


def test_a_pdf_not_laid_out_by_lay_out_part_is_refused(sample_whole):
    with pytest.raises(RenderError, match="not a part"):
        parts.join([sample_whole.read_bytes()], tiny_pack(), ROOTS, BASE)


@pytest.fixture(scope="module")
def large_html(tmp_path_factory) -> str:
    from bench.scale import generate
    inputs = tmp_path_factory.mktemp("large-inputs")
    generate(inputs, LARGE_SCALE)
    return company_pack_html(inputs)


def test_a_large_pack_in_parts_reads_as_in_one_piece(large_html, tmp_path):
    """The one piece and the parts laid out side by side in two processes (the whole
    test's layout takes about as long as the one piece alone)."""
    documents = parts.split(large_html, 4)
    assert len(documents) >= 3
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        whole = pool.submit(one_piece, parts.as_cut(large_html, 4), tmp_path / "whole.pdf")
        joined = tmp_path / "joined.pdf"
        joined.write_bytes(in_parts(documents, pool))
        whole = whole.result()
    assert len(PdfReader(whole).pages) >= 80
    assert_reads_the_same(joined, whole, pixels=False)


def test_the_run_lays_a_long_pack_out_in_parts_that_read_as_one(sample_run, tmp_path, monkeypatch):
    """The month end itself: with the part size lowered so that the sample's pack is cut,
    the published pack reads as the one-piece pack of the session's run, keeps its
    attached workbook, and the manifest times each part as its own job."""
    import json

    from pipeline import month_end

    from .conftest import invoke
    monkeypatch.setattr(month_end, "PACK_PART_CHARACTERS", 18_000)  # the sample's pack: about 73,000
    result = invoke("run", "--inputs", str(SAMPLE_INPUTS), "--outputs", str(tmp_path), "--period", SAMPLE_PERIOD,
                    "--config", str(SAMPLE_CONFIG))
    assert result.exit_code == 0, result.output
    assert "WARNING" not in result.output
    folder = tmp_path / SAMPLE_PERIOD
    jobs = [j["document"] for j in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["document_jobs"]]
    pack_jobs = [job for job in jobs if job.startswith("summary-pack.pdf")]
    assert len(pack_jobs) == 4 and pack_jobs[0] == "summary-pack.pdf part 1 of 4"

    def stamped_away(text: str) -> str:  # the two runs were generated at other moments
        return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", "<time>", text)
    mine, theirs = page_texts(folder / "summary-pack.pdf"), page_texts(sample_run / "summary-pack.pdf")
    assert len(mine) == len(theirs) == 20
    assert [stamped_away(t) for t in mine] == [stamped_away(t) for t in theirs]
    assert outline(folder / "summary-pack.pdf") == outline(sample_run / "summary-pack.pdf")
    attached = subprocess.run(["pdfdetach", "-list", str(folder / "summary-pack.pdf")], capture_output=True,
                              text=True, check=True).stdout
    assert "kpis.xlsx" in attached
