"""Parse the forms real exports write values in, a whole column at a time.

Every parser takes a column of raw cells (str, numbers, or datetimes from XLSX)
and returns ``(values, bad)``: the parsed column with missing values as NA, and a
mask of cells that were given but could not be read. Nothing is "fixed": a bad
cell is reported, never guessed.

Money is held as integer fen (分) in ``Int64`` so totals are exact; ``1,234.50``,
``¥1234.5``, ``￥1234.5`` and ``1234.5元`` are all 123450 fen.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import pandas as pd

EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def as_text(cells: pd.Series) -> pd.Series:
    """Cells as stripped, NFKC-normalised strings; empty -> NA.

    Integral floats from spreadsheets lose their ``.0`` (an ID 1001 stays ``1001``).
    """
    def one(value):
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            return pd.NA
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, (dt.datetime, pd.Timestamp)):
            value = value.isoformat(sep=" ")
        return str(value)

    if cells.dtype == object:
        text = cells.map(one).astype("string")
    else:
        text = cells.astype("string")
    text = text.str.strip()
    if text.str.contains(r"[\uff01-\uff5e\u3000]", regex=True, na=False).any():
        text = text.map(lambda s: unicodedata.normalize("NFKC", s) if isinstance(s, str) else s,
                        na_action="ignore").astype("string")
    return text.mask(text == "")


def _numeric_cells(cells: pd.Series) -> pd.Series:
    """The cells that a spreadsheet or Parquet file already holds as numbers."""
    if cells.dtype != object:
        return pd.to_numeric(cells, errors="coerce") if pd.api.types.is_numeric_dtype(cells) \
            else pd.Series(np.nan, index=cells.index)
    is_number = cells.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool))
    return pd.to_numeric(cells.where(is_number), errors="coerce")


def money_fen(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Yuan amounts -> exact Int64 fen; at most two decimals."""
    numbers = _numeric_cells(cells)
    # A number cell is exact to the fen or it is bad (1234.567 is not rounded away).
    scaled = numbers * 100
    numbers = numbers.where((scaled - scaled.round()).abs() < 1e-6)
    text = as_text(cells.where(_numeric_cells(cells).isna()))
    symbols_off = text.str.replace(r"[\s¥￥元]|^RMB", "", regex=True)
    # Commas only as thousands separators: "1,234.50" yes, "1234,5" is not guessed at.
    grouped = symbols_off.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d*)?", na=False)
    cleaned = symbols_off.where(~symbols_off.str.contains(",", regex=False, na=False) | grouped)
    cleaned = cleaned.str.replace(",", "", regex=False)
    parts = cleaned.str.extract(r"^(-?)(\d+)(?:\.(\d{0,2}))?$")
    whole = pd.to_numeric(parts[1], errors="coerce").astype("Int64")
    frac = pd.to_numeric(parts[2].fillna("").str.ljust(2, "0").replace("", "00"),
                         errors="coerce").astype("Int64")
    sign = parts[0].map({"-": -1, "": 1}).astype("Int64")
    from_text = sign * (whole * 100 + frac)
    from_number = (numbers * 100).round().astype("Int64")
    fen = from_number.fillna(from_text)
    given = _numeric_cells(cells).notna() | text.notna()
    return fen, given & fen.isna()


def decimal_number(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    numbers = _numeric_cells(cells)
    text = as_text(cells.where(numbers.isna()))
    from_text = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype("Float64")
    parsed = numbers.astype("Float64").fillna(from_text)
    given = numbers.notna() | text.notna()
    return parsed, given & parsed.isna()


def integer_number(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    parsed, bad = decimal_number(cells)
    fractional = parsed.notna() & (parsed.fillna(0) % 1 != 0)
    whole = parsed.mask(fractional)
    return whole.round().astype("Int64"), bad | fractional


_DATE = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$"


def _from_parts(year, month, day, hour=None, minute=None, second=None) -> pd.Series:
    parts = pd.DataFrame({"year": year, "month": month, "day": day})
    for name, values in (("hour", hour), ("minute", minute), ("second", second)):
        if values is not None:
            parts[name] = values
    parts = parts.apply(pd.to_numeric, errors="coerce")
    complete = parts.notna().all(axis=1)
    out = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[us]")
    if complete.any():
        out[complete] = pd.to_datetime(parts[complete].astype("int64"), errors="coerce")
    return out


def calendar_date(cells: pd.Series, excel_serials: bool = False) -> tuple[pd.Series, pd.Series]:
    """``2026-10-03``, ``2026/10/3``, ``2026年10月3日``, date cells, Excel serials -> datetime64 (midnight)."""
    stamps = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[us]")
    if cells.dtype == object:
        is_date = cells.map(lambda v: isinstance(v, (dt.date, pd.Timestamp)))
        if is_date.any():
            stamps[is_date] = pd.to_datetime(cells[is_date].map(
                lambda v: pd.Timestamp(v).tz_localize(None) if getattr(v, "tzinfo", None) else pd.Timestamp(v)
            )).dt.normalize()
    elif pd.api.types.is_datetime64_any_dtype(cells):
        stamps = cells.dt.tz_localize(None).dt.normalize() if cells.dt.tz else cells.dt.normalize()
        return stamps.astype("datetime64[us]"), pd.Series(False, index=cells.index)
    rest = cells.where(stamps.isna())
    numbers = _numeric_cells(rest)
    if excel_serials and numbers.notna().any():
        serial = numbers.where((numbers > 0) & (numbers < 2958466) & (numbers % 1 == 0))
        stamps = stamps.fillna(EXCEL_EPOCH + pd.to_timedelta(serial, unit="D"))
    text = as_text(rest.where(numbers.isna()))
    parts = text.str.extract(_DATE)
    stamps = stamps.fillna(_from_parts(parts[0], parts[1], parts[2]))
    given = cells.notna() & (as_text(cells).notna())
    return stamps, given & stamps.isna()


_DATETIME = (r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
             r"\s*(Z|[+-]\d{2}:?\d{2})?$")


def local_datetime(cells: pd.Series, zone: str) -> tuple[pd.Series, pd.Series]:
    """Datetimes -> tz-aware in ``zone``. Without an offset a time is in ``zone``; an
    ISO 8601 offset (``+08:00``, ``Z``) is honoured."""
    text = as_text(cells)
    parts = text.str.extract(_DATETIME)
    wall = _from_parts(parts[0], parts[1], parts[2],
                       parts[3].fillna("0").where(parts[0].notna()),
                       parts[4].fillna("0").where(parts[0].notna()),
                       parts[5].fillna("0").where(parts[0].notna()))
    offset = parts[6]
    has_offset = offset.notna()
    result = pd.Series(pd.NaT, index=cells.index, dtype=f"datetime64[us, {zone}]")
    naive = wall.notna() & ~has_offset
    if naive.any():
        result[naive] = wall[naive].dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    if has_offset.any():
        sign = offset[has_offset].str[0].map({"+": 1, "-": -1, "Z": 0})
        digits = offset[has_offset].str.replace(":", "", regex=False).str[1:]
        minutes = (pd.to_numeric(digits.str[:2], errors="coerce") * 60
                   + pd.to_numeric(digits.str[2:], errors="coerce")).fillna(0) * sign
        utc = (wall[has_offset] - pd.to_timedelta(minutes, unit="min")).dt.tz_localize("UTC")
        result[has_offset] = utc.dt.tz_convert(zone)
    return result, text.notna() & result.isna()


_TRUE = {"是", "y", "yes", "1", "true", "t", "在职", "1.0"}
_FALSE = {"否", "n", "no", "0", "false", "f", "离职", "0.0"}


def yes_no(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """是/否, Y/N, 1/0, true/false (any case) -> boolean; empty stays NA."""
    if pd.api.types.is_bool_dtype(cells):
        return cells.astype("boolean"), pd.Series(False, index=cells.index)
    text = as_text(cells.map(lambda v: str(v) if isinstance(v, bool) else v)).str.casefold()
    parsed = text.map(lambda s: True if s in _TRUE else (False if s in _FALSE else pd.NA),
                      na_action="ignore").astype("boolean")
    return parsed, text.notna() & parsed.isna()


def enumeration(cells: pd.Series, allowed: dict[str, tuple[str, ...]]) -> tuple[pd.Series, pd.Series]:
    """Map any spelling in ``allowed`` (canonical or alias, any case) to the canonical value."""
    spellings = {}
    for canonical, aliases in allowed.items():
        for spelling in (canonical, *aliases):
            spellings[spelling.casefold()] = canonical
            spellings[spelling.casefold().replace("_", " ")] = canonical
    text = as_text(cells)
    parsed = text.str.casefold().map(spellings).astype("string")
    return parsed, text.notna() & parsed.isna()


def month(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``2026-10``, ``2026/10``, ``2026年10月`` or a date cell (Excel turns 2026-10 into a date) -> 'YYYY-MM'."""
    text = as_text(cells)
    parts = text.str.extract(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:[-/.]0?1(?: 00:00:00)?)?$")
    number = pd.to_numeric(parts[1], errors="coerce")
    valid = parts[0].notna() & number.between(1, 12)
    label = (parts[0] + "-" + parts[1].str.zfill(2)).where(valid)
    return label.astype("string"), text.notna() & label.isna()


def pledge_period(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A month (``2026-10``) or a quarter (``2026-Q4``, ``2026Q4``) -> 'YYYY-MM' or 'YYYY-Qn'."""
    months, _ = month(cells)
    text = as_text(cells).str.upper()
    quarter = text.str.extract(r"^(\d{4})\s*-?\s*Q([1-4])$")
    quarters = (quarter[0] + "-Q" + quarter[1]).astype("string")
    parsed = months.fillna(quarters)
    return parsed, text.notna() & parsed.isna()


def email(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = as_text(cells)
    valid = text.str.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+", na=False)
    return text.where(valid), text.notna() & ~valid
