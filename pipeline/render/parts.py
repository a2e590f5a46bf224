"""The company pack laid out in parts, in parallel, and joined: one PDF that reads as the
pack laid out in one piece.

Step: render, for the longest document of a run. ``split`` cuts the pack's HTML where
its stylesheet already starts a page (before each top-level ``<section>``, theme.css's
``section { break-before: page }``; every ``pack.long_table_rows`` rows, a long table may go
on in a ``<section class="continued">``, so no part need hold more than that of one table;
it does so only where a part starts, and flows on elsewhere);
``lay_out_part`` lays one part out (in a worker:
strings in, bytes out), leaving out the page-number footer; ``join`` puts the parts'
pages in order and stamps on each the footer the one-piece pack prints there, laid out
by WeasyPrint from the same ``@page`` rules, with the one-piece's bookmarks and metadata.

What carries across a page break is made right, not assumed:
- running headers: each part after the first also lays out the cover (which sets the
  ``company`` and ``title`` strings) and drops its pages, so its headers come from the
  same ``string-set`` as in one piece; a part that starts inside a section lays out that
  section's heading (the ``section`` string) the same way;
- "X / Y": the margin boxes whose content holds ``counter(page)`` or ``counter(pages)``
  are taken off each part's pages after layout and laid out again, numbered right, in a
  stamp document of as many pages, whose page names follow the parts';
- bookmarks: the outline is rebuilt from every page's bookmarks with WeasyPrint's own
  tree builder, so a part's first heading nests as it would in one piece.

A part whose first element would not start a page in one piece, or whose pages' page
styles differ from the ones the stamp gets, stops with a RenderError (lay the pack out in
one piece then). Reaches into WeasyPrint's laid-out page boxes (``Page._page_box``):
checked against the pinned WeasyPrint 70 by tests/test_pack_parts.py.
"""

from __future__ import annotations

import gc
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, NamedTuple

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, Fit, NameObject
from tinycss2.serializer import serialize_identifier
from weasyprint import HTML
from weasyprint.document import Document

from ..errors import RenderError
from .pdf import GuardedFetcher, render_fault, warnings_as_errors

# The top-level elements before which the pack starts a page (templates/pack/theme.css:
# ``section { break-before: page }``); ``lay_out_part`` checks each cut against the
# stylesheet actually used.
PAGE_STARTS = frozenset({"section"})
PART_MARK = "salespack:part"  # an HTML comment before a part's own first element
INFO_KEY = "SalespackPart"  # a part's pages, as JSON in its PDF's Info (bytes are all a worker returns)
STAMP_NAME = NameObject("/SalespackPageNumber")
VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta source track wbr".split())
SCALE = 0.75  # PDF points per CSS pixel, as WeasyPrint writes at zoom 1


class Layout(NamedTuple):
    """Where the pack's HTML holds its body and the pieces a part is made of."""

    head: str  # up to the body's content, the <body> tag included
    prologue: str  # what comes before the first cut: the cover
    chunks: list[str]  # from one cut to the next
    tail: str  # from </body> on


def split(html: str, parts: int, weigh: Callable[[str], int] | None = None) -> list[str]:
    """``html`` (the pack) as at most ``parts`` complete documents, each with the same
    head, cut only before top-level ``<section>`` elements: consecutive sections, in
    order, grouped so that the largest group (by ``weigh``, ``expected_work`` unless
    given) is as small as it can be, in as few parts as reach that. Every part after the
    first repeats the cover (and the heading of a section it goes on from,
    ``carried_heading``), then a ``<!--salespack:part-->`` mark; ``lay_out_part`` drops
    the pages before the mark. A long table goes on from a fresh page only where a part
    starts; elsewhere it flows (``flowing``). A document without two top-level sections
    comes back whole. ``as_cut`` is the same pack as one document."""
    layout, groups = _grouped(html, parts, weigh)
    if groups is None:
        return [flowing(html)]
    documents = []
    for number, (start, end) in enumerate(groups):
        own = flowing("".join(layout.chunks[start:end]))
        before = "" if number == 0 else f"{carried_heading(layout.chunks, start)}<!--{PART_MARK}-->"
        documents.append(f"{layout.head}{layout.prologue}{before}{own}{layout.tail}")
    return documents


def as_cut(html: str, parts: int, weigh: Callable[[str], int] | None = None) -> str:
    """The pack ``split`` cuts into ``parts``, as one document: its long tables go on
    from a fresh page exactly where a part starts. Laid out in one piece, it reads as
    ``split``'s parts laid out and joined."""
    layout, groups = _grouped(html, parts, weigh)
    if groups is None:
        return flowing(html)
    own = "".join(flowing("".join(layout.chunks[start:end])) for start, end in groups)
    return f"{layout.head}{layout.prologue}{own}{layout.tail}"


def _grouped(html: str, parts: int, weigh: Callable[[str], int] | None):
    layout = layout_of(html)
    if parts <= 1 or len(layout.chunks) <= 1:
        return layout, None
    return layout, balanced_groups([(weigh or expected_work)(chunk) for chunk in layout.chunks], parts)


# Where a long table may go on in a section of its own (templates/pack/template.html's
# go_on): the closing of the table and its section, and the opening of the next.
GO_ON = re.compile(r"<!--salespack:go-on-->.*?<!--/salespack:go-on-->", re.S)


def flowing(html: str) -> str:
    """``html`` with each long table in one piece: every place where it could go on in a
    section of its own taken out, the table closed and opened again there with it. A place
    whose marks ``split`` has parted (a part starts there) is not whole in either part,
    so it stays."""
    return GO_ON.sub("", html)


SECTION_HEADING = re.compile(r"\s*<section\b[^>]*>\s*(<h1\b.*?</h1>)", re.S)


def carried_heading(chunks: list[str], start: int) -> str:
    """What a part starting at ``chunks[start]`` lays out (and drops, as the cover) before
    its own pages so that its running header reads as in one piece: when it starts inside
    a section (a long table's continued section, which has no heading), that section's
    heading, which sets the header's ``section`` string."""
    if SECTION_HEADING.match(chunks[start]):
        return ""
    for chunk in reversed(chunks[:start]):
        if found := SECTION_HEADING.match(chunk):
            return f"<section>{found.group(1)}</section>"
    return ""


def expected_work(chunk: str) -> int:
    """A section's expected layout work: its HTML's length, charts and fonts (``data:``
    URIs) counted as a few table rows rather than by their encoded size."""
    work, position = 0, 0
    while (start := chunk.find("data:", position)) >= 0:
        quote = chunk[start - 1] if start else '"'
        end = chunk.find(quote, start)
        end = len(chunk) if end < 0 else end
        work += start - position + CHART_WORK
        position = end
    return work + len(chunk) - position


CHART_WORK = 2_000  # characters of table a chart costs to lay out, about


def balanced_groups(weights: list[int], parts: int) -> list[tuple[int, int]]:
    """``weights`` cut into at most ``parts`` consecutive, non-empty runs ``(start, end)``
    whose largest sum is the smallest possible (ties: the earliest cuts)."""
    count = len(weights)
    parts = min(parts, count)
    prefix = [0]
    for weight in weights:
        prefix.append(prefix[-1] + weight)
    # best[k][i]: the smallest largest-run sum of weights[:i] in k runs; cut[k][i]: its last cut
    best = [[float("inf")] * (count + 1) for _ in range(parts + 1)]
    cut = [[0] * (count + 1) for _ in range(parts + 1)]
    best[0][0] = 0
    for k in range(1, parts + 1):
        for i in range(k, count + 1):
            for j in range(k - 1, i):
                largest = max(best[k - 1][j], prefix[i] - prefix[j])
                if largest < best[k][i]:
                    best[k][i], cut[k][i] = largest, j
    runs = min(range(1, parts + 1), key=lambda k: (best[k][count], k))
    bounds, end = [], count
    for k in range(runs, 0, -1):
        start = cut[k][end]
        bounds.append((start, end))
        end = start
    return bounds[::-1]


def layout_of(html: str) -> Layout:
    """``html`` cut into head, prologue, chunks (one per top-level page-starting element,
    with whatever follows it up to the next) and tail, by its tags as Python's HTML
    tokenizer reads them. Elements left open (``<p>`` without ``</p>``) only ever make a
    section look nested, so a doubtful section is not cut before, never the reverse."""
    reader = _TopLevel(html)
    if reader.body_start is None:
        return Layout(html, "", [], "")
    body_end = reader.body_end if reader.body_end is not None else len(html)
    cuts = [start for start in reader.cuts if start < body_end]
    if not cuts:
        return Layout(html[:reader.body_start], html[reader.body_start:body_end], [], html[body_end:])
    chunks = [html[start:end] for start, end in zip(cuts, [*cuts[1:], body_end])]
    return Layout(html[:reader.body_start], html[reader.body_start:cuts[0]], chunks, html[body_end:])


class _TopLevel(HTMLParser):
    """Offsets of the body's content, of its end and of each top-level page-starting tag
    (``head_only``: the body's content only, read no further)."""

    def __init__(self, html: str, head_only: bool = False):
        super().__init__(convert_charrefs=False)
        self.head_only = head_only
        self.lines = [0, *(match.end() for match in re.finditer("\n", html))]
        self.body_start: int | None = None
        self.body_end: int | None = None
        self.cuts: list[int] = []
        self.open: list[str] = []  # elements open inside the body
        try:
            self.feed(html)
            self.close()
        except _HeadRead:
            pass

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if self.body_start is None:
            if tag == "body":
                self.body_start = self._offset() + len(self.get_starttag_text())
                if self.head_only:
                    raise _HeadRead
            return
        if self.body_end is not None:
            return
        if not self.open and tag in PAGE_STARTS:
            self.cuts.append(self._offset())
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):  # "/>" closes no HTML element; a void one is never open
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if self.body_start is None or self.body_end is not None:
            return
        if tag in ("body", "html"):
            self.body_end = self._offset()
        elif tag in self.open:  # an end tag closes what its element left open (<p>, <li>)
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]


class _HeadRead(Exception):
    pass


def lay_out_part(html: str, roots: list[Path], base: Path, document: str = "summary-pack.pdf") -> bytes:
    """One part of ``split`` as PDF bytes: its own pages only (a repeated cover's pages
    dropped), without the page-number margin boxes, the running headers kept. Its Info
    carries, per page, what ``join`` needs (page name, page style, bookmarks). Fetches only
    from ``roots``; a renderer warning or fault is an error naming ``document``, as in
    ``pdf.render_pdf``."""
    with render_fault(document):
        with warnings_as_errors(document, len(roots) > 1):
            source = HTML(string=html, base_url=str(base) + "/", url_fetcher=GuardedFetcher(roots))
            laid_out = source.render()
            first = _first_own_page(source, laid_out, document)
            pages = laid_out.pages[first:]
            described = [_described(page, document) for page in pages]
            for page in pages:
                _keep_margin_boxes(page, numbered=False)
            part = laid_out.copy(pages)
            part.metadata.custom = {INFO_KEY: json.dumps(described, ensure_ascii=True)}  # the only custom entry
            data = part.write_pdf(pdf_variant=None, custom_metadata=True)
    del laid_out, part, pages
    gc.collect()  # the laid-out part is garbage now: free its cycles before the next job
    return data


def _first_own_page(source: HTML, laid_out: Document, document: str) -> int:
    """The index of the page where the part's own content starts: 0 without a mark, else
    the page holding the first element after it, which must start a page in one piece."""
    body = source.etree_element.find("body")
    children = list(body) if body is not None else []
    marks = [n for n, child in enumerate(children)
             if child.tag is ElementTree.Comment and (child.text or "").strip() == PART_MARK]
    if not marks:
        return 0
    own = next((child for child in children[marks[0] + 1:] if isinstance(child.tag, str)), None)
    for number, page in enumerate(laid_out.pages if own is not None else []):
        box = next((box for box in page._page_box.descendants() if box.element is own), None)
        if box is None:
            continue
        if box.style["break_before"] != "page":
            raise RenderError(f"{document}: a part starts at <{own.tag}>, which the stylesheet does not start on "
                              f"a new page (break-before: {box.style['break_before']}).",
                              "Lay the pack out in one piece, or give that element break-before: page.")
        return number
    raise RenderError(f"{document}: a part's first element <{getattr(own, 'tag', '?')}> was not laid out.",
                      "Lay the pack out in one piece.")


def _is_numbered(margin_box) -> bool:
    """Whether a margin box prints the page number or count."""
    return any(kind in ("counter()", "counters()") and value[0] in ("page", "pages")
               for kind, value in margin_box.style["content"] if isinstance(value, tuple))


def _margin_boxes(page) -> list:
    return [child for child in page._page_box.children if hasattr(child, "at_keyword")]


def _keep_margin_boxes(page, numbered: bool) -> None:
    """Take off ``page`` the margin boxes that print page numbers (``numbered=False``) or
    everything but them, its backgrounds too (``numbered=True``: a stamp draws only them)."""
    box = page._page_box
    if numbered:
        box.children = [child for child in _margin_boxes(page) if _is_numbered(child)]
        box.background = box.canvas_background = None
    else:
        box.children = [child for child in box.children
                        if not (hasattr(child, "at_keyword") and _is_numbered(child))]


def _described(page, document: str) -> dict:
    """What ``join`` needs of a part's page: its name, its page style and bookmarks. A
    page-number box is stamped alone, so it must print only counters and text, in a row
    of margin boxes of its own (a neighbour's width would move it)."""
    box = page._page_box
    boxes = _margin_boxes(page)
    numbered = [child for child in boxes if _is_numbered(child)]
    for child in numbered:
        neighbours = [other.at_keyword for other in boxes
                      if other is not child and _row(other.at_keyword) == _row(child.at_keyword)]
        if neighbours or any(kind not in ("counter()", "counters()", "string")
                             for kind, _value in child.style["content"]):
            raise RenderError(f"{document}: its {child.at_keyword} margin box prints the page number beside "
                              f"{', '.join(neighbours) or 'running strings'}, which a part cannot lay out alone.",
                              "Lay the pack out in one piece, or give the page number a margin row of its own.")
    return {"name": box.page_type.name, "style": _page_style(page), "numbered": bool(numbered),
            "height": page.height, "bookmarks": [list(mark) for mark in page.bookmarks]}


def _row(at_keyword: str) -> str:
    """The margin row (or column, or corner) a margin box is laid out in with its neighbours."""
    return at_keyword if at_keyword.endswith("-corner") else at_keyword.split("-")[0]


def _page_style(page) -> list:
    """The page's size, margins and margin boxes (as declared): a stamp page must match."""
    box = page._page_box
    declared = sorted([child.at_keyword, repr(child.style["content"])] for child in _margin_boxes(page))
    return [round(value, 3) for value in (page.width, page.height, box.margin_top, box.margin_right,
                                          box.margin_bottom, box.margin_left)] + [declared]


def join(parts: list[bytes], html: str, roots: list[Path], base: Path, document: str = "summary-pack.pdf") -> bytes:
    """The parts of ``lay_out_part``, in order, as one PDF: every page stamped with the
    page-number footer the one-piece pack prints there ("X / Y"), laid out by WeasyPrint
    from the pack's ``@page`` rules (``html``: the pack, or any part: only its head is
    used); the outline the one-piece pack has (titles, nesting, targets, open state); its
    Info (title, author, subject, keywords, creator, producer, dates), language and PDF
    version. Any fault is an error naming ``document``."""
    with render_fault(document):
        return _joined(parts, html, roots, base, document)


def _joined(parts: list[bytes], html: str, roots: list[Path], base: Path, document: str) -> bytes:
    readers = [PdfReader(io.BytesIO(data)) for data in parts]
    pages: list[dict] = []
    for number, reader in enumerate(readers):
        noted = json.loads(str((reader.metadata or {}).get(f"/{INFO_KEY}", "[]")))
        if len(noted) != len(reader.pages):
            raise RenderError(f"{document}: part {number + 1} is not a part of lay_out_part.",
                              "Lay the parts out with parts.lay_out_part.")
        pages += noted
    stamps = PdfReader(io.BytesIO(_stamps(html, pages, roots, base, document)))
    writer = PdfWriter()
    for reader in readers:
        writer.append(reader, import_outline=False, excluded_fields=())
    _stamp(writer, stamps, [page["numbered"] for page in pages])
    _outline(writer, pages)
    first = readers[0]
    info = {key: value for key, value in (first.metadata or {}).items() if key != f"/{INFO_KEY}"}
    writer.add_metadata(info)
    for key in ("/Lang", "/PageMode", "/ViewerPreferences", "/MarkInfo"):
        if key in first.trailer["/Root"]:
            writer.root_object[NameObject(key)] = first.trailer["/Root"][key].clone(writer)
    writer.pdf_header = first.pdf_header
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _stamps(html: str, pages: list[dict], roots: list[Path], base: Path, document: str) -> bytes:
    """A document of ``len(pages)`` pages, named as ``pages`` are, that prints only the
    page-number margin boxes: the pack's head, one empty block per page."""
    reader = _TopLevel(html, head_only=True)
    head = html[:reader.body_start] if reader.body_start is not None else "<html><body>"
    blocks = "".join(
        f'<div style="page: {serialize_identifier(page["name"]) if page["name"] else "auto"}; '
        f'break-before: page"></div>' for page in pages)
    with warnings_as_errors(document, len(roots) > 1):
        laid_out = HTML(string=f"{head}{blocks}</body></html>", base_url=str(base) + "/",
                        url_fetcher=GuardedFetcher(roots)).render()
        if len(laid_out.pages) != len(pages):
            raise RenderError(f"{document}: the page-number stamp has {len(laid_out.pages)} pages for "
                              f"{len(pages)}.", "Lay the pack out in one piece.")
        for number, (page, wanted) in enumerate(zip(laid_out.pages, pages)):
            if _page_style(page) != wanted["style"]:
                raise RenderError(f"{document}: page {number + 1} has a page style (size, margins or margin "
                                  "boxes) that depends on more than its page name (:left, :right, :nth()).",
                                  "Lay the pack out in one piece.")
            _keep_margin_boxes(page, numbered=True)
        return laid_out.write_pdf(pdf_variant=None)


def _stamp(writer: PdfWriter, stamps: PdfReader, numbered: list[bool]) -> None:
    """Draw stamp page i over ``writer``'s page i where it has a page number, as a form
    XObject after the page's own content (wrapped in q/Q so the stamp starts from the
    default coordinates; no content stream of the part is parsed or rewritten)."""
    save = writer._add_object(_stream(b"q\n"))
    for page, stamp, wanted in zip(writer.pages, stamps.pages, numbered):
        if not wanted:
            continue
        form = _stream(stamp.get_contents().get_data())
        form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                     NameObject("/BBox"): ArrayObject(stamp.mediabox),
                     NameObject("/Resources"): stamp.raw_get("/Resources").clone(writer)})
        form_reference = writer._add_object(form.flate_encode())
        resources = DictionaryObject(page["/Resources"].get_object())
        forms = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
        forms[STAMP_NAME] = form_reference
        resources[NameObject("/XObject")] = forms
        page[NameObject("/Resources")] = resources
        contents = page.raw_get("/Contents")
        own = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
        draw = writer._add_object(_stream(b"Q\nq " + STAMP_NAME.encode() + b" Do Q\n"))
        page[NameObject("/Contents")] = ArrayObject([save, *own, draw])


def _stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def _outline(writer: PdfWriter, pages: list[dict]) -> None:
    """The one-piece outline: WeasyPrint's tree of every page's bookmarks, written as
    WeasyPrint writes it (an /XYZ destination at the heading, closed where it says)."""
    seen = SimpleNamespace(pages=[SimpleNamespace(height=page["height"],
                                                  bookmarks=[(level, label, tuple(point), state)
                                                             for level, label, point, state in page["bookmarks"]])
                                  for page in pages])
    tree = Document.make_bookmark_tree(seen, scale=SCALE, transform_pages=True)

    def add(subtrees, parent):
        for label, (page_number, x, y), children, state in subtrees:
            item = writer.add_outline_item(title=label, page_number=page_number, parent=parent, fit=Fit.xyz(x, y, 0),
                                           is_open=state != "closed")
            add(children, item)

    add(tree, None)
