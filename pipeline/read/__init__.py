"""Stage 1, read: exports in a folder -> raw tables with canonical column names.

Cells stay raw (text, numbers or dates as the file holds them); ``validate``
parses and checks them. Only this stage opens input files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import Settings
from ..contract import DATASETS
from ..errors import InputError
from .columns import match_columns
from .files import load_csv, load_parquet, locate, near_misses, sha256
from .sheets import load_xlsx

log = logging.getLogger("salespack")


@dataclass
class RawTable:
    """One dataset's file as read: canonical columns, ``_row`` = the user's row number."""

    dataset: str
    path: Path
    frame: pd.DataFrame
    sha256: str
    encoding: str | None = None
    extra_columns: list[str] = field(default_factory=list)
    row_problems: pd.DataFrame | None = None  # rows the file itself spoils (another encoding): rejected

    @property
    def rows_read(self) -> int:
        return len(self.frame)


def read_table(path: Path, dataset: str, settings: Settings) -> RawTable:
    options = settings.inputs.for_dataset(dataset)
    suffix = path.suffix.casefold()
    if path.stat().st_size == 0:
        raise InputError("is empty.", file=path.name, hint="Export the data again.")
    if suffix == ".csv":
        loaded = load_csv(path, options.encoding or settings.inputs.encoding)
    elif suffix == ".xlsx":
        loaded = load_xlsx(path, options.sheet, dataset)
    else:
        loaded = load_parquet(path)
    frame, encoding, row_problems = loaded.frame, loaded.encoding, loaded.row_problems
    headers = [h for h in frame.columns if h != "_row"]
    first_rows = [(int(number), ["" if cell is None else str(cell) for cell in cells])
                  for number, *cells in frame[["_row", *headers]].head(5).itertuples(index=False)]
    matched, extra = match_columns(headers, DATASETS[dataset], options.columns, path.name,
                                   written=loaded.headers_as_written, sheet_note=loaded.sheet_note,
                                   first_rows=first_rows)
    frame = frame[["_row", *matched]].rename(columns=matched)
    for column in DATASETS[dataset].columns:
        if column.name not in frame:
            frame[column.name] = None
    return RawTable(dataset, path, frame, sha256(path), encoding, extra, row_problems)


def read_inputs(folder: Path, settings: Settings) -> dict[str, RawTable]:
    """Every dataset present in ``folder``; a missing required one is an InputError."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("is not a folder.", file=str(folder),
                         hint="Pass the folder of exports with --inputs.")
    tables: dict[str, RawTable] = {}
    for name, dataset in DATASETS.items():
        path = locate(folder, name)
        if path is None:
            misses = near_misses(folder, name)
            if dataset.required_dataset:
                found = f" The folder has {'; '.join(misses)}." if misses else ""
                raise InputError(f"required dataset '{name}' ({dataset.title_zh}) is missing.{found}",
                                 file=str(folder),
                                 hint=f"Add {name}.csv, {name}.xlsx or {name}.parquet to the inputs folder.")
            if misses:  # an optional dataset left out by its file's name, not by choice
                log.warning("%s: no %s dataset is read (%s); the folder has %s", folder, name, dataset.title_zh,
                            "; ".join(misses))
            continue
        tables[name] = read_table(path, name, settings)
    return tables
