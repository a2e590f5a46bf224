"""Render the documents of a run from computed figures: pack, certificates, workbook."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from ..config import Settings
from .contexts import CertificatesContext, PackContext, certificates_context
from .i18n import translator
from .fonts import cut_faces
from .pdf import environment, join_pdfs, render_pages, render_pdf, render_template, template_roots, worker_pool


def pack_html(context: PackContext, user_templates: Path | None = None) -> str:
    return render_template(environment(context.locale, user_templates), "pack/template.html", c=context)


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
    """The arguments of ``render_pages`` for one chunk of certificates."""

    html: str
    combined: Path  # the chunk's part of certificates.pdf
    pages: list[tuple[Path, str]]  # (file, title) per certificate
    roots: list[Path]
    base: Path
    extra_css: str


def certificate_jobs(sheet: pd.DataFrame, folder: Path, coming: pd.Period, settings: Settings,
                     user_templates: Path | None, scratch: Path) -> list[CertificateJob]:
    """One ``render_pages`` job per chunk of certificates.

    Each chunk is laid out once and written page by page to ``certificates/`` plus a
    combined part (in ``scratch``; ``finish_certificates`` joins the parts). The serif
    faces are cut once for all chunks to the characters they print (``fonts``)."""
    _ = translator(settings.locale)
    roots = template_roots(user_templates)
    chunks = [sheet.iloc[start:start + CERTIFICATES_PER_JOB] for start in range(0, len(sheet), CERTIFICATES_PER_JOB)]
    pages_html = [certificates_html(chunk, coming, settings, user_templates) for chunk in chunks]
    faces = cut_faces("".join(pages_html), scratch / "fonts")
    fetch_roots = [*roots, faces.folder] if faces else roots
    jobs = []
    for number, (chunk, text) in enumerate(zip(chunks, pages_html)):
        pages = [(folder / "certificates" / certificate_file_name(row),
                  f"{_('Sales pledge')} {row['name']} {row['period']}") for _i, row in chunk.iterrows()]
        jobs.append(CertificateJob(text, scratch / f"certificates-{number:03d}.pdf", pages, fetch_roots, roots[-1],
                                   faces.css if faces else ""))
    return jobs


def finish_certificates(jobs: list[CertificateJob], folder: Path) -> list[Path]:
    """Join the chunks' combined parts into ``certificates.pdf``; every file written."""
    join_pdfs([job.combined for job in jobs], folder / "certificates.pdf")
    return [folder / "certificates.pdf", *(path for job in jobs for path, _title in job.pages)]


def render_certificates(sheet: pd.DataFrame, folder: Path, coming: pd.Period, settings: Settings,
                        user_templates: Path | None = None) -> list[Path]:
    """``certificates.pdf`` (all, one per page) and one file per certificate under
    ``certificates/``, laid out in chunks across the cores."""
    if sheet.empty:
        return []
    with tempfile.TemporaryDirectory(prefix="salespack-certificates-") as scratch:
        jobs = certificate_jobs(sheet, folder, coming, settings, user_templates, Path(scratch))
        with worker_pool(len(jobs)) as pool:
            for future in [pool.submit(render_pages, *job) for job in jobs]:
                future.result()
        return finish_certificates(jobs, folder)
