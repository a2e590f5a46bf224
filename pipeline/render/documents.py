"""Render the documents of a run from computed figures: pack, certificates, workbook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import Settings
from .contexts import CertificatesContext, PackContext, certificates_context
from .i18n import translator
from .pdf import environment, render_pdf, split_pages, template_roots


def render_pack(context: PackContext, target: Path, user_templates: Path | None = None) -> None:
    env = environment(context.locale, user_templates)
    html = env.get_template("pack/template.html").render(c=context)
    roots = template_roots(user_templates)
    render_pdf(html, target, roots, roots[-1])


def certificate_file_name(row: dict | pd.Series) -> str:
    kind = "blank" if row["blank"] else row["scope"]
    return f"{row['pledger_id']}-{row['period']}-{kind}.pdf"


def render_certificates(sheet: pd.DataFrame, folder: Path, coming: pd.Period, settings: Settings,
                        user_templates: Path | None = None) -> list[Path]:
    """All certificates laid out once as one document (``certificates.pdf``), then split
    into one file per page under ``certificates/``."""
    context: CertificatesContext = certificates_context(
        sheet, locale=settings.locale, company_name=settings.company.name, period=coming,
        reward_tiers=settings.pledges.reward_tiers)
    combined = folder / "certificates.pdf"
    if sheet.empty:
        return []
    env = environment(settings.locale, user_templates)
    html = env.get_template("certificate/template.html").render(c=context)
    roots = template_roots(user_templates)
    render_pdf(html, combined, roots, roots[-1])
    _ = translator(settings.locale)
    targets = [(folder / "certificates" / certificate_file_name(row),
                f"{_('Sales pledge')} {row['name']} {row['period']}") for _i, row in sheet.iterrows()]
    split_pages(combined, targets)
    return [combined, *(path for path, _title in targets)]
