"""Row rules of one dataset: parse each column by its declared kind, then check
required values, enumerations, ranges, cross-column rules and uniqueness.

All failures are collected in one pass, vectorised; a row may fail several rules.
"""

from __future__ import annotations

import pandas as pd

from ..contract import Column, Dataset
from ..read import values as parse
from .problems import problems

KIND_WORDS = {
    "money": ("not an amount in yuan (e.g. 1234.50, ¥1,234.50)", "不是有效金额（如 1234.50、¥1,234.50）"),
    "number": ("not a number", "不是有效数字"),
    "integer": ("not a whole number", "不是整数"),
    "date": ("not a date (e.g. 2026-10-03, 2026/10/3, 2026年10月3日)", "不是有效日期（如 2026-10-03）"),
    "datetime": ("not a date and time (e.g. 2026-10-03 09:05)", "不是有效日期时间（如 2026-10-03 09:05）"),
    "bool": ("not yes/no (是/否, Y/N, 1/0, true/false)", "不是 是/否"),
    "month": ("not a month (YYYY-MM)", "不是有效月份（YYYY-MM）"),
    "pledge_period": ("not a month (YYYY-MM) or quarter (YYYY-Qn)", "不是月份（YYYY-MM）或季度（YYYY-Qn）"),
    "email": ("not an email address", "不是有效邮箱地址"),
}

LINE_BREAK = "[\r\n\v\f\u0085\u2028\u2029]"

# Bad cells whose cause is known say so, with what to do.
CAUSE_WORDS = {
    "invalid_time": ("invalid time: hour 0-23, minute and second 0-59, offset -12:00 to +14:00",
                     "时间无效：小时应为 0-23，分、秒应为 0-59，时区偏移应在 -12:00 至 +14:00 之间"),
    "implausible_date": (f"implausible date: outside {parse.PLAUSIBLE_DATES[0]:%Y-%m-%d} to "
                         f"{parse.PLAUSIBLE_DATES[1]:%Y-%m-%d} (a typo in the year?)",
                         f"日期不合理：不在 {parse.PLAUSIBLE_DATES[0]:%Y-%m-%d} 至 "
                         f"{parse.PLAUSIBLE_DATES[1]:%Y-%m-%d} 之间（年份输错？）"),
    "excel_serial": ("a number in a date column: Excel counts it as days since 1900, which gives an implausible "
                     "date; type the full date (2026-10-03) or format the cell as a date",
                     "日期列中是数字：Excel 将其视为自 1900 年起的天数，得到不合理的日期；请填写完整日期（如 2026-10-03）"),
    "more_than_two_decimals": ("has more than two decimals: an amount in yuan is exact to the fen (0.01); "
                               "check for a thousands separator typed as a point",
                               "小数超过两位：金额精确到分（0.01）；请检查是否把千位分隔符写成了小数点"),
    "implausible_amount": (f"implausible amount: beyond {parse.AMOUNT_BOUND_YUAN:,} yuan (a pasted ID or a "
                           "misplaced decimal point?)",
                           f"金额不合理：超过 {parse.AMOUNT_BOUND_YUAN:,} 元（误贴了编号或小数点错位？）"),
}


def parse_column(cells: pd.Series, column: Column, zone: str, excel: bool) -> parse.Parsed:
    kind = column.kind
    if kind == "text":
        return parse.Parsed(parse.as_text(cells), pd.Series(False, index=cells.index))
    if kind == "id":
        return parse.identifier(cells)
    if kind == "money":
        return parse.money_fen(cells)
    if kind == "number":
        return parse.decimal_number(cells)
    if kind == "integer":
        return parse.integer_number(cells)
    if kind == "date":
        return parse.calendar_date(cells, excel_serials=excel, zone=zone)
    if kind == "datetime":
        return parse.local_datetime(cells, zone)
    if kind == "bool":
        return parse.yes_no(cells)
    if kind == "enum":
        return parse.enumeration(cells, column.enum or {})
    if kind == "month":
        return parse.month(cells)
    if kind == "pledge_period":
        return parse.pledge_period(cells)
    if kind == "email":
        return parse.email(cells)
    raise ValueError(f"unknown column kind {kind}")


def typed_frame(raw: pd.DataFrame, dataset: Dataset, zone: str,
                excel: bool) -> tuple[pd.DataFrame, list[pd.DataFrame], int]:
    """Parse every column; report cells that are malformed, missing, out of range or unknown.
    Also returns how many ID cells were read after dropping invisible characters."""
    typed = pd.DataFrame({"_row": raw["_row"].astype("int64")}, index=raw.index)
    found: list[pd.DataFrame] = []
    cleaned = 0
    rows = raw["_row"]
    for column in dataset.columns:
        parsed = parse_column(raw[column.name], column, zone, excel)
        values, bad = parsed
        typed[column.name] = values
        if parsed.cleaned is not None:
            cleaned += int(parsed.cleaned.sum())
        for cause, mask in parsed.causes.items():
            mask = mask & bad
            if mask.any():
                en, zh = CAUSE_WORDS[cause]
                found.append(problems(rows[mask], column.name, raw.loc[mask, column.name], en, zh))
                bad = bad & ~mask
        if bad.any():
            if column.kind == "enum":
                allowed = " / ".join(f"{k} ({'/'.join(v)})" if v else k for k, v in (column.enum or {}).items())
                found.append(problems(rows[bad], column.name, raw.loc[bad, column.name],
                                      f"unknown value; use one of {allowed}", f"取值无效，应为 {allowed} 之一"))
            else:
                en, zh = KIND_WORDS[column.kind]
                found.append(problems(rows[bad], column.name, raw.loc[bad, column.name], en, zh))
        if column.required:
            missing = values.isna() & ~parsed.bad
            if missing.any():
                found.append(problems(rows[missing], column.name, raw.loc[missing, column.name],
                                      "required value is missing", "必填项为空"))
        found.extend(_range_problems(values, column, rows, raw[column.name]))
        if column.one_line or column.kind == "id":
            broken = values.notna() & values.astype("string").str.contains(LINE_BREAK, regex=True).fillna(False)
            if broken.any():
                found.append(problems(rows[broken], column.name, raw.loc[broken, column.name],
                                      "has a line break (Alt+Enter in Excel); a name or ID is one line",
                                      "含有换行（Excel 中的 Alt+Enter）；名称和编号只能是一行"))
    return typed, found, cleaned


def _range_problems(values: pd.Series, column: Column, rows: pd.Series, cells: pd.Series) -> list[pd.DataFrame]:
    scale = 100 if column.kind == "money" else 1
    found = []
    if column.positive:
        low = values.notna() & (values <= 0)
        if low.any():
            found.append(problems(rows[low], column.name, cells[low], "must be greater than 0", "必须大于 0"))
    if column.minimum is not None:
        low = values.notna() & (values < column.minimum * scale)
        if low.any():
            found.append(problems(rows[low], column.name, cells[low],
                                  f"must be at least {column.minimum:g}", f"不能小于 {column.minimum:g}"))
    if column.maximum is not None:
        high = values.notna() & (values > column.maximum * scale)
        if high.any():
            found.append(problems(rows[high], column.name, cells[high],
                                  f"must be at most {column.maximum:g}", f"不能大于 {column.maximum:g}"))
    return found


def duplicates(typed: pd.DataFrame, key: list[str], eligible: pd.Series, what: tuple[str, str],
               earlier: pd.DataFrame) -> list[pd.DataFrame]:
    """A key that occurs twice is a problem whatever became of its first copy.

    Later copies are rejected, naming the first row: kept when it is otherwise clean,
    else rejected too (``earlier``: reasons by row). A rejected first copy also names its
    later copies, so neither row's reject tells half the story."""
    candidates = typed[eligible & typed[key].notna().all(axis=1)]
    repeated = candidates.duplicated(key, keep="first")
    if not repeated.any():
        return []
    first_rows = candidates.groupby(key, sort=False)["_row"].transform("first")
    later = candidates[repeated]
    first = first_rows[repeated]
    value = later[key].astype("string").agg(" / ".join, axis=1)
    first_rejected = first.isin(earlier.index)
    column = "+".join(key)
    found = [pd.DataFrame({
        "_row": later["_row"].to_numpy(),
        "column": column,
        "value": value.to_numpy(),
        "reason_en": [f"duplicate {what[0]}; the first copy in row {r} was rejected too" if gone
                      else f"duplicate {what[0]}; the first copy in row {r} is kept"
                      for r, gone in zip(first, first_rejected)],
        "reason_zh": [f"{what[1]}重复，第 {r} 行的首条记录也已被拒绝" if gone
                      else f"{what[1]}重复，保留第 {r} 行的首条记录"
                      for r, gone in zip(first, first_rejected)],
    })]
    if first_rejected.any():
        again = later[first_rejected.to_numpy()].groupby(first[first_rejected].to_numpy())["_row"] \
            .agg(lambda r: ", ".join(map(str, r)))
        heads = candidates[candidates["_row"].isin(again.index)].set_index("_row")
        found.append(pd.DataFrame({
            "_row": again.index.to_numpy(),
            "column": column,
            "value": heads.loc[again.index, key].astype("string").agg(" / ".join, axis=1).to_numpy(),
            "reason_en": [f"duplicate {what[0]}: it occurs again in row {r}" for r in again],
            "reason_zh": [f"{what[1]}重复：第 {r} 行再次出现" for r in again],
        }))
    return found
