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
import io
import logging
import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlparse

import jinja2
from pypdf import PdfReader, PdfWriter
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from ..errors import RenderError
from . import filters
from .i18n import translations
from .output import atomic_target, write_bytes

PROJECT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


class RefusedURL(ValueError):
    pass


class GuardedFetcher(URLFetcher):
    """Fetch only ``data:`` URIs and files under ``roots``; refuse everything else."""

    def __init__(self, roots: list[Path]):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)
        self.roots = [root.resolve() for root in roots]

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlparse(url).path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots):
                return super().fetch(url, headers)
        raise RefusedURL(f"refused to fetch {url[:120]}: only the project's template assets are allowed")


def template_roots(user_templates: Path | None) -> list[Path]:
    roots = [PROJECT_TEMPLATES]
    if user_templates is not None and user_templates.is_dir():
        roots.insert(0, user_templates)
    return roots


@functools.lru_cache(maxsize=8)
def environment(locale: str, user_templates: Path | None = None) -> jinja2.Environment:
    """One environment per locale and template folder in a process: compiling the pack
    template costs about half a second, and a run renders a pack per team. Jinja still
    reloads a template whose file changed."""
    default = jinja2.FileSystemLoader(PROJECT_TEMPLATES)
    loaders: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({"default": default}, delimiter=":"), default]
    if user_templates is not None and user_templates.is_dir():
        loaders.insert(0, jinja2.FileSystemLoader(user_templates))
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
                             undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"],
                             trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(translations(locale), newstyle=True)
    filters.register(env, locale)
    return env


class _WarningsCollected(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def warnings_as_errors(document: str):
    handler = _WarningsCollected()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.messages:
        raise RenderError(f"{document}: the renderer reported: {'; '.join(handler.messages[:3])}",
                          "Fix the template or its stylesheet (or run with --debug for details).")


@contextlib.contextmanager
def render_fault(document: str):
    """Any failure inside the renderer becomes one RenderError naming ``document``."""
    try:
        yield
    except RenderError:
        raise
    except BaseException as error:
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        raise RenderError(f"{document}: could not be rendered ({error}).",
                          "Check the template; run with --debug for details.") from error


def render_pdf(html: str, target: Path, roots: list[Path], base: Path) -> None:
    """Lay out ``html`` and write it atomically to ``target``."""
    # Warnings are checked before the rename: a flawed document never lands.
    with render_fault(target.name), atomic_target(target) as temporary, warnings_as_errors(target.name):
        HTML(string=html, base_url=str(base) + "/", url_fetcher=GuardedFetcher(roots)) \
            .write_pdf(temporary, pdf_variant=None)


def render_pages(html: str, combined: Path, pages: list[tuple[Path, str]], roots: list[Path], base: Path,
                 extra_css: str = "") -> None:
    """Lay ``html`` out once; write page i to ``pages[i]`` (path, title), one file each
    carrying only its own glyphs, and every page to ``combined``.

    ``extra_css`` is a user stylesheet (the run's @font-face rules)."""
    with render_fault(combined.name):
        fetcher = GuardedFetcher(roots)
        font_config = FontConfiguration()
        with warnings_as_errors(combined.name):
            stylesheets = [CSS(string=extra_css, font_config=font_config, url_fetcher=fetcher)] if extra_css else []
            document = HTML(string=html, base_url=str(base) + "/", url_fetcher=fetcher) \
                .render(stylesheets=stylesheets, font_config=font_config)
        if len(document.pages) != len(pages):
            raise RenderError(f"{combined.name}: expected {len(pages)} pages, laid out {len(document.pages)}.",
                              "A certificate overflows one page: shorten the template's text.")
        with warnings_as_errors(combined.name):
            title = document.metadata.title
            for page, (target, page_title) in zip(document.pages, pages):
                document.metadata.title = page_title
                with atomic_target(target) as temporary:
                    document.copy([page]).write_pdf(temporary, pdf_variant=None)
            document.metadata.title = title
            with atomic_target(combined) as temporary:
                document.write_pdf(temporary, pdf_variant=None)


def join_pdfs(parts: list[Path], target: Path) -> None:
    """``parts`` one after the other into ``target`` (outlines and metadata of the first kept)."""
    writer = PdfWriter()
    for part in parts:
        writer.append(part)
    metadata = {k: v for k, v in (PdfReader(parts[0]).metadata or {}).items() if isinstance(v, str)}
    writer.add_metadata(metadata)
    buffer = io.BytesIO()
    writer.write(buffer)
    write_bytes(target, buffer.getvalue())


def worker_pool(jobs: int) -> contextlib.AbstractContextManager:
    """Processes to lay documents out in, one per core: WeasyPrint is CPU-bound and holds
    the GIL. Spawned, not forked: the parent has threads (Arrow's) that a fork would copy
    mid-flight. With one job or one core, everything runs here."""
    workers = min(os.cpu_count() or 1, jobs)
    if workers <= 1:
        return _InProcess()
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_die_with_parent, initargs=(os.getpid(),))


def _die_with_parent(parent: int) -> None:
    """A worker must not outlive its run: when the parent is killed (cron timeout, OOM
    killer, SIGKILL), the kernel kills the worker too, before it writes another file."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


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
