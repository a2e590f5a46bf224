"""Parse the forms real exports write values in, a whole column at a time.

Every parser takes a column of raw cells (str, numbers, or datetimes from XLSX)
and returns a ``Parsed``, which unpacks as ``(values, bad)``: the parsed column with
missing values as NA, and a mask of cells that were given but could not be read.
Nothing is "fixed": a bad cell is reported, never guessed. Some bad cells have a
cause of their own (an invalid time, an implausible amount) that the reject names.

Money is held as integer fen (分) in ``Int64`` so totals are exact; ``1,234.50``,
``¥1234.5``, ``￥1234.5`` and ``1234.5元`` are all 123450 fen.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
TEXT = pd.StringDtype("pyarrow")

# Characters that print as nothing (zero-width spaces and joiners, direction marks, a BOM
# inside a cell) or as a plain space (no-break spaces): in an ID they only break matching.
INVISIBLE = "[\u00a0\u00ad\u180e\u2007\u200b-\u200f\u202a-\u202f\u2060-\u2064\ufeff]"


@dataclass
class Parsed:
    """One parsed column. ``causes`` names subsets of ``bad`` whose reject says more than
    "not a date" ("invalid time"); ``cleaned`` marks cells read after dropping invisible
    characters. Unpacks as ``values, bad``."""

    values: pd.Series
    bad: pd.Series
    causes: dict[str, pd.Series] = field(default_factory=dict)
    cleaned: pd.Series | None = None

    def __iter__(self):
        return iter((self.values, self.bad))


def as_text(cells: pd.Series) -> pd.Series:
    """Cells as stripped, NFKC-normalised strings; empty -> NA.

    Integral floats from spreadsheets lose their ``.0`` (an ID 1001 stays ``1001``).
    """
    def one(value):
        if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
            return pd.NA
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, (dt.datetime, pd.Timestamp)):
            midnight = (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0)
            value = value.date().isoformat() if midnight else value.isoformat(sep=" ")
        return str(value)

    # Cells from a sheet are Python objects and need a look each; CSV columns arrive as
    # Arrow strings and every step below stays vectorised in Arrow.
    if cells.dtype == object:
        text = cells.map(one)
    elif isinstance(cells.dtype, pd.StringDtype):
        text = cells
    else:
        text = _typed_as_text(cells)
    text = text.astype(TEXT).str.strip()
    wide = pd.Series(pc.match_substring_regex(_arrow(text), pattern="[\uff01-\uff5e\u3000]")
                     .to_numpy(zero_copy_only=False), index=text.index).fillna(False).astype(bool)
    if wide.any():
        text = text.mask(wide, text[wide].map(lambda s: unicodedata.normalize("NFKC", s)).astype(TEXT))
    return text.mask(text == "")


def identifier(cells: pd.Series) -> Parsed:
    """IDs and team names as text, without the invisible characters that copying from
    chat apps and web pages leaves in them (``E005\u200b`` is ``E005``)."""
    text = as_text(cells)
    has_invisible = pd.Series(pc.match_substring_regex(_arrow(text), pattern=INVISIBLE)
                              .to_numpy(zero_copy_only=False), index=text.index).fillna(False).astype(bool)
    if not has_invisible.any():
        return Parsed(text, pd.Series(False, index=cells.index), cleaned=has_invisible)
    cleaned = replace(text, INVISIBLE, "").str.strip()
    cleaned = cleaned.mask(cleaned == "")
    return Parsed(cleaned, pd.Series(False, index=cells.index), cleaned=has_invisible)


def _typed_as_text(cells: pd.Series) -> pd.Series:
    """Typed columns (Parquet) -> Arrow strings in one cast. Nulls stay missing;
    times keep their zone as an ISO offset so nothing is shifted on the way."""
    values = pa.array(cells, from_pandas=True)
    if pa.types.is_timestamp(values.type):
        form = "%Y-%m-%dT%H:%M:%S%z" if values.type.tz else "%Y-%m-%d %H:%M:%S"
        values = pc.strftime(values, format=form)
    elif pa.types.is_date(values.type):
        values = pc.strftime(pc.cast(values, pa.timestamp("s")), format="%Y-%m-%d")
    else:
        values = pc.cast(values, pa.string())  # 1234.0 -> "1234", True -> "true"
    return pd.Series(pd.arrays.ArrowStringArray(values), index=cells.index)


def _arrow(text: pd.Series) -> pa.ChunkedArray:
    return pa.chunked_array(text.astype(TEXT).array.__arrow_array__())


def extract(text: pd.Series, pattern: str) -> pd.DataFrame:
    """Named groups of ``pattern`` (RE2, run by Arrow) as string columns; NA where no match."""
    matched = pc.extract_regex(_arrow(text), pattern=pattern)
    names = [field.name for field in matched.type]
    columns = {}
    for name in names:
        values = pc.struct_field(matched, name)
        # A group that took no part in the match comes back as "": make it missing.
        present = pc.and_(pc.is_valid(matched), pc.not_equal(values, ""))
        values = pc.if_else(present, values, pa.scalar(None, pa.string()))
        columns[name] = pd.Series(pd.arrays.ArrowStringArray(values), index=text.index)
    return pd.DataFrame(columns, index=text.index)


def replace(text: pd.Series, pattern: str, replacement: str) -> pd.Series:
    replaced = pc.replace_substring_regex(_arrow(text), pattern=pattern, replacement=replacement)
    return pd.Series(pd.arrays.ArrowStringArray(replaced), index=text.index)


def integers(digits: pd.Series) -> pd.Series:
    """Columns of digit strings (already matched by a pattern) -> Int64."""
    strings = _arrow(digits)
    strings = pc.if_else(pc.equal(strings, ""), pa.scalar(None, pa.string()), strings)
    array = pc.cast(strings, pa.int64())
    return pd.Series(pd.array(array.to_pandas(types_mapper=pd.ArrowDtype), dtype="Int64"), index=digits.index)


def _numeric_cells(cells: pd.Series) -> pd.Series:
    """The cells that a spreadsheet or Parquet file already holds as numbers."""
    if cells.dtype != object:
        return pd.to_numeric(cells, errors="coerce") if pd.api.types.is_numeric_dtype(cells) \
            else pd.Series(np.nan, index=cells.index)
    is_number = cells.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool))
    return pd.to_numeric(cells.where(is_number), errors="coerce")


# No sales line, target or trip budget comes near 100亿 yuan; beyond it a value is a pasted
# ID or a slipped decimal, and 1M rows of it still sum inside a 64-bit count of fen.
AMOUNT_BOUND_YUAN = 10_000_000_000


def money_fen(cells: pd.Series) -> Parsed:
    """Yuan amounts -> exact Int64 fen; at most two decimals, at most AMOUNT_BOUND_YUAN."""
    numbers = _numeric_cells(cells)
    huge_number = numbers.abs() > AMOUNT_BOUND_YUAN
    numbers = numbers.mask(huge_number)
    # A number cell is exact to the fen or it is bad (1234.567 is not rounded away).
    scaled = numbers * 100
    past_the_fen = numbers.notna() & ((scaled - scaled.round()).abs() >= 1e-6)
    numbers = numbers.mask(past_the_fen)
    text = as_text(cells.where(_numeric_cells(cells).isna()))
    symbols_off = replace(text, r"[\s¥￥元]|^RMB", "")
    # Commas only as thousands separators: "1,234.50" yes, "1234,5" is not guessed at.
    parts = extract(symbols_off, r"^(?P<sign>-?)(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d{0,2}))?$")
    digits = replace(parts["whole"], ",", "")
    # Longer than any amount under the bound: never cast (it would overflow int64).
    huge_text = digits.str.lstrip("0").str.len().fillna(0) > len(str(AMOUNT_BOUND_YUAN))
    whole = integers(digits.mask(huge_text))
    frac = integers(parts["frac"].fillna("").str.pad(2, side="right", fillchar="0")).where(parts["whole"].notna())
    sign = pd.Series(np.where(parts["sign"].fillna("") == "-", -1, 1), index=text.index).astype("Int64")
    from_text = sign * (whole * 100 + frac)
    huge_text |= from_text.abs().fillna(0) > AMOUNT_BOUND_YUAN * 100
    from_text = from_text.mask(huge_text)
    from_number = (numbers * 100).round().astype("Int64")
    fen = from_number.fillna(from_text)
    given = _numeric_cells(cells).notna() | text.notna()
    implausible = (huge_number | huge_text).fillna(False).astype(bool)
    past_the_fen |= symbols_off.str.fullmatch(r"-?[\d,]+\.\d{3,}").fillna(False).astype(bool)
    return Parsed(fen, given & fen.isna(), {"implausible_amount": implausible,
                                            "more_than_two_decimals": past_the_fen.astype(bool) & ~implausible})


def decimal_number(cells: pd.Series) -> Parsed:
    numbers = _numeric_cells(cells)
    text = as_text(cells.where(numbers.isna()))
    from_text = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype("Float64")
    parsed = numbers.astype("Float64").fillna(from_text)
    parsed = parsed.mask(~np.isfinite(parsed.astype("float64").fillna(0)))  # "inf", "1e999"
    given = numbers.notna() | text.notna()
    return Parsed(parsed, given & parsed.isna())


def integer_number(cells: pd.Series) -> Parsed:
    parsed, bad = decimal_number(cells)
    # Past 2**53 a float no longer holds every whole number: such a count is not one.
    fractional = parsed.notna() & ((parsed.fillna(0) % 1 != 0) | (parsed.fillna(0).abs() > 2 ** 53))
    whole = parsed.mask(fractional)
    return Parsed(whole.round().astype("Int64"), bad | fractional)


# Dates the data can plausibly hold (hire dates to plan months); outside it a date is a
# typo in the year or a number that Excel counted as days since 1900.
PLAUSIBLE_DATES = (pd.Timestamp("1970-01-01"), pd.Timestamp("2100-12-31"))

_DAY = r"(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
_CLOCK = r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
_OFFSET = r"(?P<zulu>Z)|(?P<sign>[+-])(?P<offset_hours>\d{2}):?(?P<offset_minutes>\d{2})?"
_DATETIME = rf"^{_DAY}(?:(?:\s*T\s*|\s+){_CLOCK})?\s*(?:{_OFFSET})?$"


def _from_parts(parts: pd.DataFrame) -> pd.Series:
    """Int64 year, month, day, hour, minute, second -> datetime64; NaT where any is missing
    or the day does not exist (30 February). Clocks must already be in range."""
    complete = parts.notna().all(axis=1)
    out = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[us]")
    if complete.any():
        out[complete] = pd.to_datetime(parts[complete].astype("int64"), errors="coerce")
    return out


def _written_times(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Text datetimes -> (wall clock as written, UTC offset in minutes or NA, invalid time).

    A clock or offset out of range (24:00, 09:60, 09:05:60, +25:00, +05:99) is an invalid
    time: never rolled over into the next minute, hour or day.
    """
    index = text.index
    day = extract(text, rf"^{_DAY}$")  # most cells of a date column: the cheap pattern first
    parts = pd.DataFrame({name: integers(day[name]) for name in ("year", "month", "day")}, index=index)
    for name in ("hour", "minute", "second"):
        parts[name] = pd.Series(0, index=index, dtype="Int64").where(parts["year"].notna())
    offset = pd.Series(pd.NA, index=index, dtype="Int64")
    invalid = pd.Series(False, index=index)
    rest = parts["year"].isna() & text.notna()
    if rest.any():
        timed = extract(text[rest], _DATETIME)
        matched = timed["year"].notna()
        numbers = {name: integers(timed[name]) for name in ("year", "month", "day")}
        numbers.update({name: integers(timed[name].fillna("0")).where(matched)
                        for name in ("hour", "minute", "second")})
        sign = timed["sign"].map({"+": 1, "-": -1}).astype("Int64")
        offset_minutes = integers(timed["offset_minutes"].fillna("0")).where(sign.notna())
        signed = (sign * (integers(timed["offset_hours"]) * 60 + offset_minutes)).where(sign.notna(), 0)
        offset[rest] = signed.where(timed["zulu"].notna() | sign.notna())
        invalid[rest] = (matched & ((numbers["hour"] > 23) | (numbers["minute"] > 59) | (numbers["second"] > 59)
                                    | (offset_minutes.fillna(0) > 59)
                                    | ~offset[rest].fillna(0).between(-12 * 60, 14 * 60))).fillna(False)
        for name, values in numbers.items():
            parts.loc[rest, name] = values
    parts = parts.mask(invalid, pd.NA)
    return _from_parts(parts), offset.mask(invalid), invalid.astype(bool)


def _implausible(stamps: pd.Series) -> pd.Series:
    low, high = PLAUSIBLE_DATES
    naive = stamps.dt.tz_localize(None) if getattr(stamps.dt, "tz", None) else stamps
    return (stamps.notna() & ((naive < low) | (naive >= high + pd.Timedelta(days=1)))).astype(bool)


def calendar_date(cells: pd.Series, excel_serials: bool = False, zone: str = "Asia/Shanghai") -> Parsed:
    """``2026-10-03``, ``2026/10/3``, ``2026年10月3日``, date cells, Excel serials -> datetime64 (midnight).

    A date written with a time (``2026/10/3 0:00``, as Excel and ERPs export it) is that
    date; with a zone or offset it is first converted to ``zone``, then its date taken.
    """
    stamps = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[us]")
    from_serial = pd.Series(False, index=cells.index)
    invalid_time = pd.Series(False, index=cells.index)
    if cells.dtype == object:
        is_date = cells.map(lambda v: isinstance(v, (dt.date, pd.Timestamp)))
        if is_date.any():
            stamps[is_date] = pd.to_datetime(cells[is_date].map(
                lambda v: pd.Timestamp(v).tz_convert(zone).tz_localize(None) if getattr(v, "tzinfo", None)
                else pd.Timestamp(v)
            )).dt.normalize()
    elif pd.api.types.is_datetime64_any_dtype(cells):
        stamps = cells.dt.tz_convert(zone).dt.tz_localize(None) if cells.dt.tz else cells
        stamps = stamps.dt.normalize().astype("datetime64[us]")
        implausible = _implausible(stamps)
        return Parsed(stamps.mask(implausible), implausible, {"implausible_date": implausible})
    rest = cells.where(stamps.isna())
    numbers = _numeric_cells(rest)
    if excel_serials and numbers.notna().any():
        serial = numbers.where((numbers > 0) & (numbers < 2958466) & (numbers % 1 == 0))
        stamps = stamps.fillna(EXCEL_EPOCH + pd.to_timedelta(serial, unit="D"))
        from_serial = serial.notna()
    text = as_text(rest.where(numbers.isna()))
    wall, offset, invalid_time = _written_times(text)
    local = wall.where(offset.isna())
    if offset.notna().any():
        utc = (wall - pd.to_timedelta(offset.astype("float64"), unit="min")).dt.tz_localize("UTC")
        local = local.fillna(utc.dt.tz_convert(zone).dt.tz_localize(None))
    stamps = stamps.fillna(local.dt.normalize())
    implausible = _implausible(stamps)
    serial_cause = implausible & from_serial
    given = stamps.notna() | numbers.notna() | text.notna()
    stamps = stamps.mask(implausible)
    return Parsed(stamps, given & stamps.isna(), {"invalid_time": invalid_time, "excel_serial": serial_cause,
                                                  "implausible_date": implausible & ~serial_cause})


def local_datetime(cells: pd.Series, zone: str) -> Parsed:
    """Datetimes -> tz-aware in ``zone``. Without an offset a time is in ``zone``; an
    ISO 8601 offset (``+08:00``, ``Z``) is honoured."""
    text = as_text(cells)
    wall, offset, invalid_time = _written_times(text)
    has_offset = offset.notna()
    result = pd.Series(pd.NaT, index=cells.index, dtype=f"datetime64[us, {zone}]")
    naive = wall.notna() & ~has_offset
    if naive.any():
        result[naive] = wall[naive].dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    if has_offset.any():
        utc = (wall[has_offset] - pd.to_timedelta(offset[has_offset].astype("float64"), unit="min"))
        result[has_offset] = utc.dt.tz_localize("UTC").dt.tz_convert(zone)
    implausible = _implausible(result)
    result = result.mask(implausible)
    return Parsed(result, text.notna() & result.isna(), {"invalid_time": invalid_time,
                                                         "implausible_date": implausible})


_TRUE = {"是", "y", "yes", "1", "true", "t", "在职", "1.0"}
_FALSE = {"否", "n", "no", "0", "false", "f", "离职", "0.0"}


def yes_no(cells: pd.Series) -> Parsed:
    """是/否, Y/N, 1/0, true/false (any case) -> boolean; empty stays NA."""
    if pd.api.types.is_bool_dtype(cells):
        return Parsed(cells.astype("boolean"), pd.Series(False, index=cells.index))
    text = as_text(cells.map(lambda v: str(v) if isinstance(v, bool) else v)).str.casefold()
    parsed = text.map(lambda s: True if s in _TRUE else (False if s in _FALSE else pd.NA),
                      na_action="ignore").astype("boolean")
    return Parsed(parsed, text.notna() & parsed.isna())


def enumeration(cells: pd.Series, allowed: dict[str, tuple[str, ...]]) -> Parsed:
    """Map any spelling in ``allowed`` (canonical or alias, any case) to the canonical value."""
    spellings = {}
    for canonical, aliases in allowed.items():
        for spelling in (canonical, *aliases):
            spellings[spelling.casefold()] = canonical
            spellings[spelling.casefold().replace("_", " ")] = canonical
    text = as_text(cells)
    parsed = text.str.casefold().map(spellings).astype("string")
    return Parsed(parsed, text.notna() & parsed.isna())


def month(cells: pd.Series) -> Parsed:
    """``2026-10``, ``2026/10``, ``2026年10月`` or a date cell (Excel turns 2026-10 into a date) -> 'YYYY-MM'."""
    text = as_text(cells)
    parts = extract(text, r"^(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*月?(?:[-/.]0?1(?: 00:00:00)?)?$")
    valid = parts["year"].notna() & integers(parts["month"]).between(1, 12).fillna(False)
    label = (parts["year"] + "-" + parts["month"].str.zfill(2)).where(valid)
    return Parsed(label.astype("string"), text.notna() & label.isna())


def pledge_period(cells: pd.Series) -> Parsed:
    """A month (``2026-10``) or a quarter (``2026-Q4``, ``2026Q4``) -> 'YYYY-MM' or 'YYYY-Qn'."""
    months, _ = month(cells)
    text = as_text(cells).str.upper()
    quarter = extract(text, r"^(?P<year>\d{4})\s*-?\s*Q(?P<quarter>[1-4])$")
    quarters = (quarter["year"] + "-Q" + quarter["quarter"]).astype("string")
    parsed = months.fillna(quarters)
    return Parsed(parsed, text.notna() & parsed.isna())


def email(cells: pd.Series) -> Parsed:
    text = as_text(cells)
    valid = text.str.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+", na=False)
    return Parsed(text.where(valid), text.notna() & ~valid)
