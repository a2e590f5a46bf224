"""Render the documents of a run from computed figures: pack, certificates, workbook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import Settings
from .contexts import CertificatesContext, PackContext, certificates_context
from .i18n import translator
from .pdf import environment, render_pdf, split_pages, template_roots


def pack_html(context: PackContext, user_templates: Path | None = None) -> str:
    return environment(context.locale, user_templates).get_template("pack/template.html").render(c=context)


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
    return environment(settings.locale, user_templates).get_template("certificate/template.html").render(c=context)


def split_certificates(sheet: pd.DataFrame, folder: Path, settings: Settings) -> list[Path]:
    """``certificates.pdf`` (all, one per page) -> one file per page under ``certificates/``."""
    _ = translator(settings.locale)
    targets = [(folder / "certificates" / certificate_file_name(row),
                f"{_('Sales pledge')} {row['name']} {row['period']}") for _i, row in sheet.iterrows()]
    split_pages(folder / "certificates.pdf", targets)
    return [folder / "certificates.pdf", *(path for path, _title in targets)]


def render_certificates(sheet: pd.DataFrame, folder: Path, coming: pd.Period, settings: Settings,
                        user_templates: Path | None = None) -> list[Path]:
    """All certificates laid out once as one document (``certificates.pdf``), then split
    into one file per page under ``certificates/``."""
    if sheet.empty:
        return []
    roots = template_roots(user_templates)
    render_pdf(certificates_html(sheet, coming, settings, user_templates), folder / "certificates.pdf",
               roots, roots[-1])
    return split_certificates(sheet, folder, settings)
