"""Match a file's headers to the contract: canonical name, Chinese alias or a
name mapped in config; case, surrounding blanks and full-width forms ignored."""

from __future__ import annotations

import difflib
import re
import unicodedata

from ..contract import Dataset
from ..errors import InputError
from .values import INVISIBLE


def fold(header: str) -> str:
    """The header as compared: NFKC, no invisible characters, stripped, case-folded."""
    return re.sub(INVISIBLE, "", unicodedata.normalize("NFKC", str(header))).strip().casefold()


def _repeat_of(header: str, matched: dict[str, str], wanted: dict[str, str]) -> str | None:
    """A repeated header comes back suffixed (``任务额.1``): the column it repeats, if any."""
    base, dot, number = str(header).rpartition(".")
    if dot and number.isdigit() and base in matched:
        return wanted.get(fold(base))
    return None


def match_columns(headers: list[str], dataset: Dataset, mapped: dict[str, str], file: str,
                  written: dict[str, str] | None = None, sheet_note: str = "",
                  first_rows: list[tuple[int, list[str]]] | None = None) -> tuple[dict[str, str], list[str]]:
    """Return ``{header in file: canonical}`` and the extra headers to ignore.

    A required column that is not there is an InputError with the nearest header, or
    naming the row that holds the headers when one of ``first_rows`` (row number, cells)
    does (a title row above them).
    ``written``: headers as the file writes them (a repeated one is read as ``金额.1``);
    ``sheet_note``: which sheet was read, for a workbook.
    """
    written = written or {}

    def as_written(header: str) -> str:
        return written.get(header, header)

    wanted: dict[str, str] = {}
    for column in dataset.columns:
        wanted[fold(column.name)] = column.name
        wanted[fold(column.alias)] = column.name
    for source, canonical in mapped.items():
        if canonical not in {c.name for c in dataset.columns}:
            raise InputError(f"config maps '{source}' to unknown column '{canonical}'.", file=file,
                             hint=f"Use one of: {', '.join(c.name for c in dataset.columns)}.")
        wanted[fold(source)] = canonical
    matched: dict[str, str] = {}
    extra: list[str] = []
    for header in headers:
        canonical = wanted.get(fold(header)) or _repeat_of(header, matched, wanted)
        if canonical in matched.values():
            first = next(h for h, c in matched.items() if c == canonical)
            position = {h: i for i, h in enumerate(headers, start=1)}
            if fold(as_written(first)) == fold(as_written(header)):
                problem = (f"the header '{as_written(header)}' is there twice (columns {position[first]} and "
                           f"{position[header]}).")
            else:
                problem = f"columns '{as_written(first)}' and '{as_written(header)}' both hold {canonical}."
            raise InputError(problem, file=file, column=canonical, hint="Keep one of them, or rename the other.")
        if canonical is None:
            extra.append(header)
        else:
            matched[header] = canonical
    missing = [c for c in dataset.columns if c.required and c.name not in matched.values()]
    required = {c.name for c in dataset.columns if c.required}
    for number, cells in first_rows or []:
        if missing and required <= {wanted.get(fold(cell)) for cell in cells}:
            above = number - 1
            shown = " ".join(cell for cell in (as_written(h).strip() for h in headers)
                             if cell and not cell.startswith("(column"))
            raise InputError(f"its headers are in row {number}, not in row 1 (row 1 holds '{shown[:60]}').",
                             file=file, hint=f"Delete the {above} row{'s' if above > 1 else ''} above the headers "
                                             "(a title, say) and save the file again.")
    if missing:
        column = missing[0]
        extra_written = {fold(h): as_written(h) for h in extra}
        near = difflib.get_close_matches(fold(column.alias), list(extra_written), n=1) or \
            difflib.get_close_matches(fold(column.name), list(extra_written), n=1)
        hint = f"Did you mean '{extra_written[near[0]]}'? " if near else ""
        raise InputError(f"required column '{column.name}' ({column.alias}) is missing.", file=file,
                         column=column.name,
                         hint=hint + f"Rename the header, or map it in config: "
                                     f"inputs.datasets.{dataset.name}.columns." + (f" {sheet_note}" if sheet_note else ""))
    return matched, extra
