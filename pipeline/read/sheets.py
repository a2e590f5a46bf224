"""Load an XLSX export as raw cells: the sheet's own row numbers, and messages that say
which sheet was read and why a workbook cannot be.

Formulas are read as the values Excel last computed; a workbook saved by a program that
does not compute them has none, and its formula cells would read as empty.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .files import Loaded, _numbered

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old .xls, or any password-protected workbook
# A cell with a formula and no cached value: <c r="B5" ...><f>...</f></c> (or <v/> empty).
_FORMULA_WITHOUT_VALUE = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v></v>)?\s*</c>')


def load_xlsx(path: Path, sheet: str | None, dataset: str) -> Loaded:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException
    with path.open("rb") as handle:
        if handle.read(len(OLE2)) == OLE2:
            raise InputError("is an old Excel .xls workbook or a password-protected one, not an .xlsx.",
                             file=path.name, hint="Open it in Excel and save it as .xlsx (Excel Workbook) "
                                                  "without a password.")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise InputError(f"is not a readable XLSX workbook ({error.__class__.__name__}).", file=path.name,
                         hint="Open it in Excel and save it again as .xlsx.") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(f"has no sheet '{sheet}' (sheets: {', '.join(book.sheetnames)}).", file=path.name,
                             hint=f"Fix the sheet name in config (inputs.datasets.{dataset}.sheet).")
        # Unless told, the first sheet a user sees: a hidden lookup sheet is not the export.
        visible = [each for each in book.worksheets if each.sheet_state == "visible"] or book.worksheets
        worksheet = book[sheet] if sheet else visible[0]
        # Read-only mode trusts the size a workbook declares; some exporters write a stale
        # one, which would cut rows and columns off without a word (Excel ignores it too).
        worksheet.reset_dimensions()
        rows = list(worksheet.iter_rows(values_only=True))
        part, title, names = worksheet._worksheet_path, worksheet.title, book.sheetnames
    finally:
        book.close()
    uncomputed = formulas_without_values(path, part)
    if uncomputed:
        shown = ", ".join(uncomputed[:5]) + (f" and {len(uncomputed) - 5} more" if len(uncomputed) > 5 else "")
        raise InputError(f"sheet '{title}' has formulas without computed values (cells {shown}): it was saved by a "
                         "program that does not compute formulas.", file=path.name,
                         hint="Open it in Excel (or WPS) and save it, so that every formula has its value.")
    others = [name for name in names if name != title]
    note = f"It read sheet '{title}'" + (f"; the workbook also has {', '.join(repr(n) for n in others)}"
                                          if others else "") + f" (choose one with inputs.datasets.{dataset}.sheet)."
    if not rows or all(v is None for v in rows[0]):
        raise InputError(f"sheet '{title}' is empty or its first row holds no headers.", file=path.name,
                         hint="Put the column headers in row 1. " + note)
    # Without a declared size, a row ends at its last cell: the widest row is the sheet's width.
    width = max(len(row) for row in rows)
    written = ["" if v is None else str(v).strip() for v in tuple(rows[0]) + (None,) * (width - len(rows[0]))]
    header = _unique_headers(written)
    body = [tuple(r[:width]) + (None,) * (width - len(r)) for r in rows[1:]]
    frame = _numbered(pd.DataFrame(body, columns=header, dtype=object), 2)
    return Loaded(frame, headers_as_written=dict(zip(header, written)), sheet_note=note)


def formulas_without_values(path: Path, part: str) -> list[str]:
    """Cells of the worksheet ``part`` that hold a formula but no value."""
    try:
        with zipfile.ZipFile(path) as archive:
            xml = archive.read(part)
    except (KeyError, zipfile.BadZipFile, OSError):
        return []
    if b"<f" not in xml:
        return []
    return [cell.decode() for cell in _FORMULA_WITHOUT_VALUE.findall(xml)]


def _unique_headers(headers: list[str]) -> list[str]:
    """A sheet may repeat a header or leave one blank: later copies get a suffix (as CSV
    reading does), so each column stays one column and the first copy is the one used."""
    seen: dict[str, int] = {}
    unique = []
    for index, header in enumerate(headers, start=1):
        header = header.strip() or f"(column {index})"
        count = seen.get(header, 0)
        seen[header] = count + 1
        unique.append(header if count == 0 else f"{header}.{count}")
    return unique
