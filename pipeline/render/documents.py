"""Render the documents of a run from computed figures: pack, certificates, workbook."""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from ..config import Settings
from .contexts import CertificatesContext, PackContext, certificates_context
from .i18n import translator
from .fonts import SANS, cut_faces
from .output import Made, land, write_bytes
from .parts import flowing
from .pdf import (TemplateBundle, environment, joined, render_pages, render_pdf, render_template, template_roots,
                  unpacked, worker_pool)


def pack_html(context: PackContext, user_templates: Path | None = None, cuttable: bool = False) -> str:
    """The pack's HTML, with the sans faces cut to what it prints (``with_cut_faces``).
    ``cuttable``: with the places where a long table may go on from a fresh page, for
    ``parts.split`` to cut at; otherwise each table flows (``parts.flowing``)."""
    html = render_template(environment(context.locale, user_templates), "pack/template.html", c=context)
    return with_cut_faces(html if cuttable else flowing(html))


_SVG_IMAGE = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")


def with_cut_faces(html: str) -> str:
    """``html`` with the sans faces cut to the characters of its text and of its charts'
    labels, as @font-face rules at the end of its head, for the family pack/theme.css
    names first. Laid out in parts, each part then carries small faces rather than a
    65,000-glyph table per weight (``fonts``). Unchanged without a head or the faces."""
    if "</head>" not in html:
        return html
    charts = []
    for image in _SVG_IMAGE.finditer(html):
        with contextlib.suppress(binascii.Error, UnicodeDecodeError):
            charts.append(base64.b64decode(image.group(1)).decode("utf-8"))
    faces = cut_faces(html + "".join(charts), SANS)
    return html.replace("</head>", f"<style>{faces.css}</style>\n</head>", 1) if faces else html


def render_pack(context: PackContext, target: Path, user_templates: Path | None = None) -> None:
    roots = template_roots(user_templates)
    render_pdf(pack_html(context, user_templates), target, roots, roots[-1])


def certificate_file_name(row: dict | pd.Series) -> str:
    kind = "blank" if row["blank"] else row["scope"]
    return f"{row['pledger_id']}-{row['period']}-{kind}.pdf"


def certificates_html(sheet: pd.DataFrame, coming: pd.Period, settings: Settings,
                      user_templates: Path | None = None) -> str:
    context: CertificatesContext = certificates_context(
        sheet, locale=settings.locale, company_name=settings.company.name, period=coming,
        reward_tiers=settings.pledges.reward_tiers)
    return render_template(environment(settings.locale, user_templates), "certificate/template.html", c=context)


# Certificates laid out per job: enough jobs to keep both cores busy beside the packs,
# few enough that each job's layout set-up (stylesheets, fonts) is paid rarely.
CERTIFICATES_PER_JOB = 250


class CertificateJob(NamedTuple):
    """One chunk of certificates to lay out (``render_certificate_job``): data only, so it
    runs in any worker process, on this machine or another."""

    html: str
    part: int                      # its place in certificates.pdf
    pages: list[tuple[str, str]]   # (file under certificates/, title) per certificate
    user_templates: Path | TemplateBundle | None
    extra_css: str                 # the cut faces' @font-face rules


def certificate_jobs(sheet: pd.DataFrame, coming: pd.Period, settings: Settings,
                     user_templates: Path | None) -> list[CertificateJob]:
    """One job per chunk of certificates. The serif faces are cut once for all chunks to
    the characters they print (``fonts``) and travel with each job as data."""
    _ = translator(settings.locale)
    chunks = [sheet.iloc[start:start + CERTIFICATES_PER_JOB] for start in range(0, len(sheet), CERTIFICATES_PER_JOB)]
    pages_html = [certificates_html(chunk, coming, settings, user_templates) for chunk in chunks]
    faces = cut_faces("".join(pages_html))
    return [CertificateJob(text, number, [(certificate_file_name(row), f"{_('Sales pledge')} {row['name']} {row['period']}")
                                          for _i, row in chunk.iterrows()], user_templates, faces.css if faces else "")
            for number, (chunk, text) in enumerate(zip(chunks, pages_html))]


def render_certificate_job(job: CertificateJob) -> Made:
    """A chunk laid out once: each certificate's file, and the chunk's part of
    certificates.pdf (``certificates-part-N.pdf``, joined by ``finish_certificates``)."""
    roots = template_roots(unpacked(job.user_templates))
    combined, each = render_pages(job.html, job.pages, roots, roots[-1], job.extra_css)
    files = {f"certificates/{name}": data for (name, _title), data in zip(job.pages, each)}
    return Made.of(files, value=combined)


def finish_certificates(made: list[Made], folder: Path) -> list[Path]:
    """Write every certificate of the chunks (in order) and ``certificates.pdf``, their
    parts joined; every file written."""
    written = [path for chunk in made for path in land(chunk, folder)]
    write_bytes(folder / "certificates.pdf", joined([chunk.value for chunk in made]))
    return [folder / "certificates.pdf", *written]


def render_certificates(sheet: pd.DataFrame, folder: Path, coming: pd.Period, settings: Settings,
                        user_templates: Path | None = None, pool=None,
                        shipped: Path | TemplateBundle | None = None) -> list[Path]:
    """``certificates.pdf`` (all, one per page) and one file per certificate under
    ``certificates/``, laid out in chunks across the cores (or ``pool``'s workers, which
    get the templates as ``shipped``, when given)."""
    if sheet.empty:
        return []
    jobs = certificate_jobs(sheet, coming, settings, user_templates)
    if shipped is not None:
        jobs = [job._replace(user_templates=shipped) for job in jobs]
    with (contextlib.nullcontext(pool) if pool is not None else worker_pool(len(jobs))) as workers:
        made = [future.result() for future in [workers.submit(render_certificate_job, job) for job in jobs]]
    return finish_certificates(made, folder)
