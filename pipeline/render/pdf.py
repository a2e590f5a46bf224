"""HTML -> PDF with WeasyPrint, under render hygiene.

- Templates come from a user folder first (if any), then the project's own;
  ``{% extends "default:pack/template.html" %}`` reaches the original.
- The URL fetcher allows only files under the template folders and ``data:``
  URIs: no other ``file:`` path, no network.
- Any WeasyPrint warning (missing font, bad CSS, refused URL) fails the render.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import io
import logging
import ctypes
import multiprocessing
import os
import signal
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlparse

import jinja2
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from pypdf import PdfReader, PdfWriter
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from ..errors import TRY_AGAIN_LATER, RenderError, SalespackError, TemplateError
from . import filters
from .i18n import translations
from .output import atomic_target, write_bytes

PROJECT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


class RefusedURL(ValueError):
    pass


class MissingTemplateFile(RefusedURL):
    """A template or stylesheet names a file that none of the templates folders holds."""


class GuardedFetcher(URLFetcher):
    """Fetch only ``data:`` URIs and files under ``roots``; refuse everything else.

    Documents are laid out with the project's templates folder as their base, so a
    stylesheet link (``base.css``) names a project file; a user templates folder (the
    first root, when there is one) that holds a file of the same name overrides it."""

    def __init__(self, roots: list[Path]):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)
        self.roots = [root.resolve() for root in roots]
        project = PROJECT_TEMPLATES.resolve()
        self.overrides = [root for root in self.roots[:-1] if root != project and project in self.roots]

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlparse(url).path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots):
                found = self._override(path)
                if not found.is_file():
                    raise MissingTemplateFile(self._missing(path))
                return super().fetch(found.as_uri(), headers)
        raise RefusedURL(f"refused to fetch {url[:120]}: only files of the templates folders are allowed")

    def _missing(self, path: Path) -> str:
        """Where the link was looked for, named as the user wrote it: relative to the
        templates folder (documents take the project's as their base; a user's copy wins)."""
        project = PROJECT_TEMPLATES.resolve()
        named = path.relative_to(project).as_posix() if path.is_relative_to(project) else str(path)
        folders = [str(root) for root in self.overrides] + [f"{project} (the project's)"]
        return f"the templates link to {named}, which is in no templates folder ({'; '.join(folders)})"

    def _override(self, path: Path) -> Path:
        project = PROJECT_TEMPLATES.resolve()
        if path.is_relative_to(project):
            for root in self.overrides:
                mine = (root / path.relative_to(project)).resolve()
                if mine.is_file() and mine.is_relative_to(root):
                    return mine
        return path


@dataclass(frozen=True)
class TemplateBundle:
    """A working folder's templates as data, for a worker on another machine: it lays
    documents out with the same templates without sharing a disk with the run."""

    digest: str
    files: tuple[tuple[str, bytes], ...]  # (path relative to the folder, bytes)


def bundled(folder: Path) -> TemplateBundle:
    files = tuple((path.relative_to(folder).as_posix(), path.read_bytes())
                  for path in sorted(folder.rglob("*")) if path.is_file())
    digest = hashlib.sha256(b"".join(name.encode() + b"\0" + data for name, data in files)).hexdigest()
    return TemplateBundle(digest, files)


def unpacked(source: Path | TemplateBundle | None) -> Path | None:
    """The templates folder a job uses: a path as given, a bundle written once per
    process into a folder of its own (named by its digest, so a rerun reuses it)."""
    if not isinstance(source, TemplateBundle):
        return source
    folder = Path(tempfile.gettempdir()) / f"salespack-templates-{source.digest[:16]}"
    if not (folder / ".complete").is_file():
        for name, data in source.files:
            write_bytes(folder / name, data)
        (folder / ".complete").touch()
    return folder


def template_roots(user_templates: Path | None) -> list[Path]:
    roots = [PROJECT_TEMPLATES]
    if user_templates is not None and user_templates.is_dir():
        roots.insert(0, user_templates)
    return roots


@functools.lru_cache(maxsize=8)
def environment(locale: str, user_templates: Path | None = None, autoescape: bool = True) -> jinja2.Environment:
    """One environment per locale and template folder in a process: compiling the pack
    template costs about half a second, and a run renders a pack per team. Jinja still
    reloads a template whose file changed."""
    default = jinja2.FileSystemLoader(PROJECT_TEMPLATES)
    loaders: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({"default": default}, delimiter=":"), default]
    if user_templates is not None and user_templates.is_dir():
        loaders.insert(0, jinja2.FileSystemLoader(user_templates))
    # Templates in a working folder are user input: the sandbox keeps them from Python's
    # internals (``{{ cycler.__init__.__globals__ }}``), whatever they try.
    env = SandboxedEnvironment(loader=jinja2.ChoiceLoader(loaders), autoescape=autoescape,
                               undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"],
                               trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(translations(locale), newstyle=True)
    filters.register(env, locale)
    return env


def render_template(env: jinja2.Environment, name: str, **context) -> str:
    """``name`` rendered with ``context``. A template the user broke (syntax, an unknown
    field, a missing include, something the sandbox refuses) is a TemplateError naming the
    template file and line; the same in one of the project's own templates is our fault."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as error:
        problem = (error.message or "syntax error", error.filename or error.name or name, error.lineno)
    except jinja2.TemplateNotFound as error:
        problem = (f"includes '{error.name}', which is in no templates folder",
                   *_template_frame(error.__traceback__, name))
    except (jinja2.UndefinedError, SecurityError) as error:
        what = "refused by the sandbox" if isinstance(error, SecurityError) else "unknown field"
        problem = (f"{what}: {error}", *_template_frame(error.__traceback__, name))
    message, file, line = problem
    if Path(file).resolve().is_relative_to(PROJECT_TEMPLATES.resolve()):
        raise RenderError(f"{file}, line {line}: {message}.", "This is a fault of salespack's own template: "
                          "run again with --debug and report it.")
    raise TemplateError(message, file, line)


def _template_frame(traceback, name: str) -> tuple[str, int | None]:
    """The innermost template frame of ``traceback`` (Jinja maps frames to template lines)."""
    found: tuple[str, int | None] = (name, None)
    while traceback is not None:
        file = traceback.tb_frame.f_code.co_filename
        if file.endswith((".html", ".htm", ".css", ".txt")):
            found = (file, traceback.tb_lineno)
        traceback = traceback.tb_next
    return found


class _WarningsCollected(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def warnings_as_errors(document: str, user_templates: bool = False):
    """Any WeasyPrint warning fails ``document``. With a user templates folder in play the
    likely cause is an edit there (a refused URL, bad CSS): the user's to fix (exit 2)."""
    handler = _WarningsCollected()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.messages:
        said = "; ".join(dict.fromkeys(handler.messages[:3]))
        if user_templates:
            raise TemplateError(f"while making {document}, the renderer reported: {said}", hint=(
                "Fix your templates folder's template or stylesheet (links may only name files of the "
                "templates folders), or delete your copy to use the project's."))
        raise RenderError(f"{document}: the renderer reported: {said}",
                          "Fix the template or its stylesheet (or run with --debug for details).")


@contextlib.contextmanager
def render_fault(document: str):
    """Any failure inside the renderer becomes one error naming ``document``: a URL the
    templates may not fetch is the template's fault (exit 2), anything else ours."""
    try:
        yield
    except SalespackError:
        raise
    except BaseException as error:
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        refused = error.__cause__ if isinstance(error.__cause__, RefusedURL) else None
        if isinstance(refused, MissingTemplateFile):
            raise TemplateError(f"while making {document}: {refused}.", hint=(
                "Put the file in your templates folder, at that path, or fix the link in the template or "
                "stylesheet that names it.")) from None
        if refused is not None:
            raise TemplateError(f"while making {document}: {refused}", hint=(
                "Fix the link in your templates folder's template or stylesheet: it may only name files of "
                "the templates folders.")) from None
        raise RenderError(f"{document}: could not be rendered ({error}).",
                          "Check the template; run with --debug for details.") from error


@contextlib.contextmanager
def writing(target: Path, roots: list[Path]):
    """The boundary of one document: yield a temporary path beside ``target``; any fault
    names ``target``, and a renderer warning stops it before the rename, so a flawed
    document never lands."""
    with render_fault(target.name), atomic_target(target) as temporary, \
            warnings_as_errors(target.name, len(roots) > 1):
        yield temporary


def lay_out(html: str, roots: list[Path]):
    """``html`` laid out with the project's templates as its base, fetching only from ``roots``."""
    return HTML(string=html, base_url=str(roots[-1]) + "/", url_fetcher=GuardedFetcher(roots)).render()


def pdf_bytes(html: str, roots: list[Path], base: Path, document: str) -> bytes:
    """``html`` laid out as a PDF, in memory: a document job returns it to the run, which
    writes it (a worker may share no disk with the run). ``document`` names it in messages."""
    with render_fault(document), warnings_as_errors(document, len(roots) > 1):
        data = HTML(string=html, base_url=str(base) + "/", url_fetcher=GuardedFetcher(roots)) \
            .write_pdf(pdf_variant=None)
    gc.collect()  # the laid-out document is garbage now: free its cycles before the next job
    return data


def render_pdf(html: str, target: Path, roots: list[Path], base: Path) -> None:
    """Lay out ``html`` and write it atomically to ``target``."""
    write_bytes(target, pdf_bytes(html, roots, base, target.name))


def render_pages(html: str, pages: list[tuple[str, str]], roots: list[Path], base: Path,
                 extra_css: str = "", document: str = "certificates.pdf") -> tuple[bytes, list[bytes]]:
    """Lay ``html`` out once: every page as one PDF, and page i alone as a PDF titled
    ``pages[i]`` (name, title), each carrying only its own glyphs.

    ``extra_css`` is a user stylesheet (the run's @font-face rules); ``document`` names
    what is being made in messages."""
    with render_fault(document):
        fetcher = GuardedFetcher(roots)
        font_config = FontConfiguration()
        with warnings_as_errors(document, len(roots) > 1):
            stylesheets = [CSS(string=extra_css, font_config=font_config, url_fetcher=fetcher)] if extra_css else []
            laid_out = HTML(string=html, base_url=str(base) + "/", url_fetcher=fetcher) \
                .render(stylesheets=stylesheets, font_config=font_config)
        if len(laid_out.pages) != len(pages):
            raise _overflow(document, laid_out.pages, pages)
        with warnings_as_errors(document, len(roots) > 1):
            title = laid_out.metadata.title
            each = []
            for page, (_name, page_title) in zip(laid_out.pages, pages):
                laid_out.metadata.title = page_title
                each.append(laid_out.copy([page]).write_pdf(pdf_variant=None))
            laid_out.metadata.title = title
            combined = laid_out.write_pdf(pdf_variant=None)
    del laid_out
    gc.collect()  # free the chunk's layout before the next job (the collector runs rarely in workers)
    return combined, each


def _overflow(document: str, laid_out: list, pages: list[tuple[str, str]]) -> SalespackError:
    """A page per certificate was laid out as more: name the certificates that spill over
    (each starts on the first page holding its ``certificate-N`` anchor; a box split over
    two pages carries its anchor on both)."""
    first_page: dict[str, int] = {}
    for number, page in enumerate(laid_out):
        for anchor in page.anchors:
            if anchor.startswith("certificate-"):
                first_page.setdefault(anchor, number)
    starts = sorted(first_page.values())
    ends = [*starts[1:], len(laid_out)]
    spilled = [index for index, (start, end) in enumerate(zip(starts, ends)) if end - start > 1]
    if not spilled or len(starts) != len(pages):
        return RenderError(f"{document}: expected {len(pages)} pages, laid out {len(laid_out)}.",
                           "A certificate overflows one page: shorten the template's text.")
    named = ", ".join(f"{pages[i][0]} ({pages[i][1][:40]}{'…' if len(pages[i][1]) > 40 else ''})"
                      for i in spilled[:3])
    return TemplateError(f"while making {document}: {len(spilled)} certificate(s) do not fit on one page: {named}",
                         hint="Shorten the name in the roster (a name is printed whole, never cut), or the text of "
                              "your certificate template.")


class _Dropping(logging.Filter):
    def __init__(self, prefix: str):
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.prefix)


def attached(pdf: bytes, name: str, data: bytes) -> bytes:
    """``pdf`` with ``data`` embedded as the attachment ``name`` (a forwarded pack keeps
    its figures); pages, bookmarks and metadata are kept."""
    # Cloning a joined pack (render.parts) makes some of its direct objects indirect, and
    # pypdf then warns that it holds more objects than the source's trailer counts:
    # nothing is lost (the tests compare every page), so that one warning is not said.
    quiet = logging.getLogger("pypdf._writer")
    only_that = _Dropping("Object count ")
    quiet.addFilter(only_that)
    try:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    finally:
        quiet.removeFilter(only_that)
    writer.add_attachment(name, data)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def attach_file(pdf: Path, name: str, data: bytes) -> None:
    """Embed ``data`` in the file ``pdf`` (``attached``), rewritten atomically."""
    write_bytes(pdf, attached(pdf.read_bytes(), name, data))


def joined(parts: list[bytes]) -> bytes:
    """``parts`` one after the other (outlines kept, the first part's metadata)."""
    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    metadata = {k: v for k, v in (PdfReader(io.BytesIO(parts[0])).metadata or {}).items() if isinstance(v, str)}
    writer.add_metadata(metadata)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def join_pdfs(parts: list[Path], target: Path) -> None:
    """``parts`` one after the other into ``target`` (``joined``)."""
    write_bytes(target, joined([part.read_bytes() for part in parts]))


class LayoutWorkerLost(SalespackError):
    """A layout process died mid-run, killed from outside (the machine's environment)."""

    exit_code = TRY_AGAIN_LATER


@contextlib.contextmanager
def worker_pool(jobs: int) -> Iterator[ProcessPoolExecutor | _InProcess]:
    """Processes to lay documents out in, one per core: WeasyPrint is CPU-bound and holds
    the GIL. Spawned, not forked: the parent has threads (Arrow's) that a fork would copy
    mid-flight. With one job or one core, everything runs here. A process killed from
    outside (most often by the out-of-memory killer) is LayoutWorkerLost, not an internal
    error: the run stops, and the period's last complete run stays as it was."""
    workers = min(os.cpu_count() or 1, jobs)
    if workers <= 1:
        with _InProcess() as pool:
            yield pool
        return
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
            yield pool
    except BrokenProcessPool:
        raise LayoutWorkerLost(
            f"one of the {workers} processes laying the documents out died mid-run: it was killed from outside, "
            "most often by the system's out-of-memory killer.",
            "Check the machine's free memory (the kernel log, dmesg, says \"Out of memory\" when it killed one), "
            "then run again.") from None


def _die_with_parent(parent: int) -> None:
    """A worker must not outlive its run: when the parent is killed (cron timeout, OOM
    killer, SIGKILL), the kernel kills the worker too, before it writes another file."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
    quiet_collector()


# Layout allocates millions of small objects that live as long as their document; with
# the default first threshold (700) Python's cyclic collector walks them again and again,
# 17-19% of a pack's time (issue 15's profile). A worker does nothing else.
COLLECTOR_THRESHOLDS = (50_000, 50, 100)


def quiet_collector() -> None:
    """In a layout worker: collect less often, and never rescan what the imports made."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


class _InProcess(contextlib.AbstractContextManager):
    """The executor interface, run in this process (no pool to start for one job)."""

    def submit(self, function, *args, **kwargs):
        from concurrent.futures import Future
        future: Future = Future()
        try:
            future.set_result(function(*args, **kwargs))
        except BaseException as error:  # handed back through result(), like a pool's
            future.set_exception(error)
        return future

    def __exit__(self, *exc):
        return None
