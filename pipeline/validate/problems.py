"""Rejected cells, in the words a user reads (English and Chinese)."""

from __future__ import annotations

import pandas as pd

from ..read.values import as_text

PROBLEM_COLUMNS = ["_row", "column", "value", "reason_en", "reason_zh"]


def problems(rows: pd.Series, column: str, values: pd.Series, reason_en: str, reason_zh: str) -> pd.DataFrame:
    """One problem per row in ``rows`` (the user's row numbers) for ``column``."""
    return pd.DataFrame({
        "_row": rows.to_numpy(),
        "column": column,
        "value": as_text(values.astype(object)).fillna("").to_numpy() if len(values) else [],
        "reason_en": reason_en,
        "reason_zh": reason_zh,
    })


def none() -> pd.DataFrame:
    return pd.DataFrame(columns=PROBLEM_COLUMNS)
