"""Formatting of figures for people: the only place numbers become text.

Money arrives as integer fen; ratios as fractions; empty as None/NA, which
prints as "—". Rounding is exact decimal (half up), never float formatting of money.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from babel.numbers import format_decimal

DASH = "—"


def is_empty(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def dash_if_empty(value):
    return DASH if is_empty(value) or value == "" else value


def _babel_locale(locale: str) -> str:
    return "zh_Hans_CN" if locale.startswith("zh") else "en_US"


def money(fen, locale: str = "zh_CN") -> str:
    """Amounts as the pack shows them: 万元 with 2 decimals (zh), CNY thousands with 2
    decimals (en). The labels of each locale name its unit."""
    if is_empty(fen):
        return DASH
    value = (Decimal(int(fen)) / Decimal(UNIT_FEN[_unit(locale)])).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return format_decimal(value, format="#,##0.00", locale=_babel_locale(locale))


UNIT_FEN = {"wan": 1_000_000, "thousand": 100_000}


def exact_money(fen, locale: str = "zh_CN") -> str:
    """An amount as ``money`` shows it, with the further decimals it needs to be exact
    (545,678 yuan: 54.5678 万元, not 54.57): what a pledge promises is what it is settled on."""
    if is_empty(fen):
        return DASH
    value = Decimal(int(fen)) / Decimal(UNIT_FEN[_unit(locale)])
    decimals = max(2, -value.normalize().as_tuple().exponent)
    return format_decimal(value, format="#,##0." + "0" * decimals, locale=_babel_locale(locale))


def _unit(locale: str) -> str:
    return "wan" if locale.startswith("zh") else "thousand"


def amount_in_unit(fen, locale: str) -> float | None:
    """A chart coordinate in the locale's display unit (tables use ``money``)."""
    return None if is_empty(fen) else int(fen) / UNIT_FEN[_unit(locale)]


def yuan(fen, locale: str = "zh_CN") -> str:
    """Amounts in yuan with 2 decimals (乐捐、奖励 are stated in 元)."""
    if is_empty(fen):
        return DASH
    value = (Decimal(int(fen)) / Decimal(100)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return format_decimal(value, format="#,##0.00", locale=_babel_locale(locale))


def wan_yuan(fen) -> str:
    """Fen as 万元 with 2 decimals, whatever the locale (the certificate's unit)."""
    return money(fen, "zh_CN")


def percentage(ratio) -> Decimal:
    """A fraction in percent, one decimal, half up: 0.97315 -> 97.3 (also percentage points)."""
    return (Decimal(repr(float(ratio))) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def pct(ratio, signed: bool = False) -> str:
    """A fraction as a percentage with one decimal: 0.9731 -> 97.3%."""
    if is_empty(ratio):
        return DASH
    value = percentage(ratio)
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{value}%"


def signed_pct(ratio) -> str:
    return pct(ratio, signed=True)


def number(value, decimals: int = 1) -> str:
    """A plain figure with a fixed number of decimals (visits per week, minutes, means)."""
    if is_empty(value):
        return DASH
    return f"{Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP):,}"


def count(value) -> str:
    return DASH if is_empty(value) else f"{int(round(float(value))):,}"


def list_separator(locale: str) -> str:
    """Between the items of a run-in list: the enumeration comma 、 in Chinese, ", " in English."""
    return "、" if locale.startswith("zh") else ", "


def listing(items, locale: str = "zh_CN") -> str:
    """Names as a run-in list: 张伟、李静 (zh), 张伟, 李静 (en)."""
    return list_separator(locale).join(str(item) for item in items)


def register(environment, locale: str) -> None:
    environment.filters.update({
        "money": lambda v: money(v, locale),
        "exact_money": lambda v: exact_money(v, locale),
        "yuan": lambda v: yuan(v, locale),
        "wan_yuan": wan_yuan,
        "pct": pct,
        "signed_pct": signed_pct,
        "count": count,
        "number": number,
        "dash_if_empty": dash_if_empty,
        "listing": lambda items: listing(items, locale),
    })
    environment.globals["list_separator"] = list_separator(locale)
