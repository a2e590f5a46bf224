"""Find a dataset's file and load it as raw cells, one row per record.

Row numbers are those a user sees: in a CSV the record number with the header as
row 1, in a sheet the sheet's own row number. Fully blank records are not data
and are dropped (their numbers are kept, so later rows still point right).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from charset_normalizer import from_bytes

from ..errors import InputError

SUFFIXES = (".csv", ".xlsx", ".parquet")


def locate(folder: Path, dataset: str) -> Path | None:
    """``folder/dataset.{csv,xlsx,parquet}``; two of them at once is ambiguous."""
    found = [p for p in sorted(folder.iterdir())
             if p.is_file() and p.stem.casefold() == dataset and p.suffix.casefold() in SUFFIXES]
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise InputError(f"two files for dataset '{dataset}' ({names}).", file=str(folder),
                         hint="Keep one of them in the inputs folder.")
    return found[0] if found else None


def near_misses(folder: Path, dataset: str) -> list[str]:
    """Files named like ``dataset`` that are not read, each with what to do: a hidden
    double extension (sales.csv.csv), an old .xls, a text file."""
    said = []
    for path in sorted(folder.iterdir()):
        name = path.name.casefold()
        if not path.is_file() or not name.startswith(dataset) or (path.stem.casefold() == dataset
                                                                  and path.suffix.casefold() in SUFFIXES):
            continue
        inner = Path(path.stem).suffix.casefold()
        if Path(path.stem).stem.casefold() == dataset and inner in SUFFIXES:
            said.append(f"{path.name} (rename it {dataset}{inner}: Windows hides the second extension)")
        elif path.stem.casefold() == dataset and path.suffix.casefold() == ".xls":
            said.append(f"{path.name} (an old Excel workbook: open it and save it as {dataset}.xlsx)")
        elif path.stem.casefold() == dataset:
            said.append(f"{path.name} (not read: save it as {dataset}.csv or {dataset}.xlsx)")
        else:
            said.append(f"{path.name} (not read: only {dataset}.csv, {dataset}.xlsx or {dataset}.parquet is)")
    return said


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def decode(data: bytes, name: str, forced: str | None = None) -> tuple[str, str, dict[int, str]]:
    """Bytes -> (text, encoding, foreign lines). UTF-8 (with or without BOM), then GB18030
    (a superset of GBK, which Chinese Excel writes), then a detector's best guess.

    A file of one encoding with lines pasted in from a file of the other (a GBK export
    with rows from a UTF-8 one) is decoded line by line, each in its own encoding, so no
    name turns to mojibake; ``foreign lines`` maps those lines (0-based) to their encoding,
    and their rows are rejected rather than trusted.
    """
    if forced:
        try:
            return data.decode(forced), forced, {}
        except (LookupError, UnicodeDecodeError) as error:
            raise InputError(f"cannot be read as {forced} ({error.__class__.__name__}).", file=name,
                             hint="Fix the encoding in config (inputs.encoding) or save the file as UTF-8.") from None
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "utf-16", {}
        except UnicodeDecodeError:
            raise InputError("starts with a UTF-16 byte-order mark but is not UTF-16.", file=name,
                             hint="Save the whole file again in one encoding (UTF-8 or GBK).") from None
    wide = _utf16_without_mark(data)
    if wide:
        try:
            return data.decode(wide), wide, {}
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        raise InputError("is a binary file, not a CSV export.", file=name,
                         hint="Export the data as CSV or XLSX and try again.")
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8-sig" if bom else "utf-8"), "utf-8-sig" if bom else "utf-8", {}
    except UnicodeDecodeError:
        pass
    mixed = _mixed_lines(data, bom)
    if mixed is not None:
        return mixed
    if bom:
        raise InputError("starts with a UTF-8 byte-order mark but its text is not UTF-8 (saved as GBK?).", file=name,
                         hint="Save the whole file again in one encoding (UTF-8 or GBK).")
    for encoding in ("gbk", "gb18030"):
        try:
            return data.decode(encoding), encoding, {}
        except UnicodeDecodeError:
            continue
    guess = from_bytes(data).best()
    if guess is None:
        raise InputError("has an encoding that cannot be recognised.", file=name,
                         hint="Save it as UTF-8 or GBK, or name the encoding in config (inputs.encoding).")
    return str(guess), guess.encoding, {}


_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that are not UTF-8, as surrogateescape keeps them


def _utf16_without_mark(data: bytes) -> str | None:
    """Excel's "Unicode text" is UTF-16; without its byte-order mark, text of mostly ASCII
    and CJK shows as a zero in every other byte."""
    head = data[:4096]
    if len(head) < 4 or len(head) % 2:
        head = head[:len(head) - len(head) % 2]
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.6 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.6 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _mixed_lines(data: bytes, bom: bool) -> tuple[str, str, dict[int, str]] | None:
    """UTF-8 lines among GB18030 ones (or the reverse): each line decoded in its own
    encoding, the file's encoding being that of most lines (UTF-8 when it has a BOM).
    None when the file is not such a mix."""
    lines = (data[3:] if bom else data).decode("utf-8", "surrogateescape").split("\n")
    kinds = ["ascii" if line.isascii() else "gb18030" if _NOT_UTF8.search(line) else "utf-8" for line in lines]
    counts = {kind: kinds.count(kind) for kind in ("utf-8", "gb18030")}
    if not counts["utf-8"] or not counts["gb18030"]:
        return None
    main = "utf-8" if bom or counts["utf-8"] > counts["gb18030"] else "gb18030"
    text = "\n".join(line.encode("utf-8", "surrogateescape").decode("gb18030", errors="replace")
                     if kind == "gb18030" else line for line, kind in zip(lines, kinds))
    foreign = {index: kind for index, kind in enumerate(kinds) if kind not in ("ascii", main)}
    return text, ("utf-8-sig" if bom else main), foreign


def _blank(cells: pd.Series) -> pd.Series:
    if cells.dtype == object:
        return cells.map(lambda v: v is None or (isinstance(v, float) and v != v)
                         or (isinstance(v, str) and not v.strip())).astype(bool)
    if pd.api.types.is_string_dtype(cells):
        return (cells.isna() | cells.str.strip().eq("")).fillna(True).astype(bool)
    return cells.isna()


def _numbered(frame: pd.DataFrame, first_row: int) -> pd.DataFrame:
    frame = frame.copy()
    frame.insert(0, "_row", range(first_row, first_row + len(frame)))
    blank = pd.Series(True, index=frame.index)
    for column in frame.columns.drop("_row"):
        blank &= _blank(frame[column])
    return frame.loc[~blank].reset_index(drop=True)


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot be opened ({error.__class__.__name__}).", file=path.name,
                         hint="Check that it is not open in Excel and that you may read it.") from None


def _longer_than_header(text: str, delimiter: str = ",") -> int | None:
    """The record number (header = 1) of the first record with more fields than the header."""
    records = csv.reader(io.StringIO(text), delimiter=delimiter)
    width = len(next(records, []))
    for number, record in enumerate(records, start=2):
        if len(record) > width:
            return number
    return None


def _record_of_lines(text: str, lines: set[int]) -> dict[int, int]:
    """Physical line (0-based) -> CSV record number (header = 1) of the record holding it."""
    records = csv.reader(io.StringIO(text), delimiter=separator(text))
    found, start = {}, 0
    for number, _record in enumerate(records, start=1):
        for line in range(start, records.line_num):
            if line in lines:
                found[line] = number
        start = records.line_num
    return found


def encoding_problems(text: str, encoding: str, foreign: dict[int, str]) -> pd.DataFrame | None:
    """Rows whose bytes are in another encoding than the file's: rejected, with the row
    as decoded in its own encoding so the user can find it."""
    if not foreign:
        return None
    records = _record_of_lines(text, set(foreign))
    physical = text.split("\n")
    rows, values, reasons_en, reasons_zh = [], [], [], []
    file_encoding = "UTF-8" if encoding.startswith("utf-8") else "GBK/GB18030"
    for line, kind in sorted(foreign.items()):
        row = records.get(line)
        if row is None or row == 1 or row in rows:
            continue
        rows.append(row)
        values.append(physical[line].strip()[:60])
        other = "UTF-8" if kind == "utf-8" else "GBK/GB18030"
        reasons_en.append(f"encoding: this row is {other} while the file is {file_encoding} (pasted from another "
                          "file?); save the whole file again in one encoding")
        reasons_zh.append(f"编码不一致：此行为 {other}，而文件为 {file_encoding}（从其他文件粘贴？）；请将整个文件另存为同一编码")
    return pd.DataFrame({"_row": rows, "column": "(row)", "value": values,
                         "reason_en": reasons_en, "reason_zh": reasons_zh}) if rows else None


@dataclass
class Loaded:
    """A file as loaded: its rows (``_row`` = the user's row number) and what a message
    about it needs to say."""

    frame: pd.DataFrame
    encoding: str | None = None
    row_problems: pd.DataFrame | None = None  # rows the file itself spoils (another encoding)
    headers_as_written: dict[str, str] = field(default_factory=dict)  # header as read -> as in the file
    sheet_note: str = ""  # which sheet was read, and the others


SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}


def separator(text: str) -> str:
    """The field separator of a CSV: the one that splits its header line the most (a
    comma when none does). Excel writes ';' in some locales and tabs for "Unicode text"."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {mark: len(next(csv.reader([header], delimiter=mark), [])) for mark in SEPARATORS}
    best = max(counts, key=lambda mark: (counts[mark], mark == ","))
    return best if counts[best] > 1 else ","


def _unclosed_quote(text: str, delimiter: str) -> int | None:
    """The record number (header = 1) of a record whose opening quote is never closed."""
    records = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    number = 0
    try:
        for number, _record in enumerate(records, start=1):
            pass
    except csv.Error:
        return number + 1
    return None


def load_csv(path: Path, forced_encoding: str | None) -> Loaded:
    text, encoding, foreign = decode(read_bytes(path), path.name, forced_encoding)
    if not text.strip():
        raise InputError("is empty.", file=path.name, hint="Export the data again; the file has no header row.")
    mark = separator(text)
    try:
        with warnings.catch_warnings():
            # A record longer than the header must not shift its values into other columns.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), sep=mark, dtype=pd.StringDtype("pyarrow"),
                                keep_default_na=False, skip_blank_lines=False, on_bad_lines="error",
                                engine="c", index_col=False)
    except pd.errors.ParserWarning:
        line = _longer_than_header(text, mark)
        raise InputError(f"line {line} has more fields than the header.", file=path.name,
                         hint="Remove the extra separator (often a trailing comma) or add the missing header.") from None
    except (pd.errors.ParserError, ValueError) as error:
        row = _unclosed_quote(text, mark)
        if row is not None:
            raise InputError(f"row {row} has a quote (\") that is never closed, so everything after it would be "
                             "read as one value.", file=path.name,
                             hint="Remove the stray quote or close it (a quote inside a value is written twice: "
                                  "\"\"), then save the file again.") from None
        detail = str(error).strip().splitlines()[-1]
        raise InputError(f"is not a well-formed CSV ({detail}).", file=path.name,
                         hint="Check the separators and quotes on that line, or save it again from Excel as CSV.") from None
    written = next(csv.reader([text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")], delimiter=mark), [])
    headers = {str(read): str(original).strip() for read, original in zip(frame.columns, written)}
    return Loaded(_numbered(frame, 2), encoding, encoding_problems(text, encoding, foreign), headers)


def load_parquet(path: Path) -> Loaded:
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises many kinds for a damaged file
        raise InputError(f"is not a readable Parquet file ({error.__class__.__name__}).", file=path.name,
                         hint="Write the file again from its source.") from None
    # Typed columns stay typed (values.as_text casts them in Arrow); only Python-object
    # columns (dates, decimals) need a look per cell.
    return Loaded(_numbered(frame, 1))
