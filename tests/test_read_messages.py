"""Messages that point at the cause (issue "Every failure says what to do", section 3):
exports as Excel and ERPs write them are read, or stopped with the cause and the row as
the user sees it, never a misleading "column missing" or parser jargon."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_INPUTS, invoke
from tests.test_read import write_xlsx

HEADER = ["order_id", "line_no", "order_date", "rep_id", "customer_id", "product", "amount"]
ROWS = [["S1", "1", "2026-10-03", "E005", "C001", "A型泵", "1,234.50"],
        ["S2", "1", "2026-10-04", "E006", "C002", "B型阀", "88"]]


def org(tmp_path: Path, name: str, data: bytes) -> Path:
    """The sample org with ``name`` replaced by ``data``."""
    inputs = tmp_path / "inputs"
    inputs.mkdir(parents=True)
    for path in SAMPLE_INPUTS.iterdir():
        if path.stem != Path(name).stem:
            (inputs / path.name).write_bytes(path.read_bytes())
    (inputs / name).write_bytes(data)
    return inputs


def text(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def validate(inputs: Path, tmp_path: Path):
    return invoke("validate", "--inputs", str(inputs), "--rejects", str(tmp_path / "rejects.csv"))


@pytest.mark.parametrize("delimiter, encoding", [
    (";", "gbk"), ("\t", "utf-16"), ("\t", "utf-16-le"), ("\t", "utf-8-sig"),
], ids=["semicolon-gbk", "unicode-text-with-bom", "unicode-text-without-bom", "tab-utf8"])
def test_semicolon_and_tab_separated_exports_are_read(tmp_path, delimiter, encoding):
    inputs = org(tmp_path, "sales.csv", text([HEADER, *ROWS], delimiter).encode(encoding))
    result = validate(inputs, tmp_path)
    # The two rows are read as rows of seven columns: E005 and E006 are in the roster.
    assert result.exit_code == 0, result.output
    assert "sales      sales.csv               2        2        0" in result.output


def test_a_repeated_header_is_named_as_written(tmp_path):
    inputs = org(tmp_path, "sales.csv", text([[*HEADER, "金额"], [*ROWS[0], "1"]]).encode("gbk"))
    result = validate(inputs, tmp_path)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: sales.csv, column 'amount': columns 'amount' and '金额' both hold amount. "
        "Keep one of them, or rename the other."]
    inputs = org(tmp_path / "again", "sales.csv", text([[*HEADER, "amount"], [*ROWS[0], "1"]]).encode("gbk"))
    result = validate(inputs, tmp_path)
    assert result.output.strip().splitlines() == [
        "Error: sales.csv, column 'amount': the header 'amount' is there twice (columns 7 and 8). "
        "Keep one of them, or rename the other."]


def test_an_unclosed_quote_names_its_row_without_parser_jargon(tmp_path):
    body = text([HEADER, *ROWS]) + 'S3,1,2026-10-05,"E005,C001,A型泵,12\r\nS4,1,2026-10-05,E005,C001,A型泵,13\r\n'
    result = validate(org(tmp_path, "sales.csv", body.encode("gbk")), tmp_path)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        'Error: sales.csv: row 4 has a quote (") that is never closed, so everything after it would be read as '
        'one value. Remove the stray quote or close it (a quote inside a value is written twice: ""), then save '
        "the file again."]


def test_three_decimals_says_so(tmp_path):
    result = validate(org(tmp_path, "sales.csv", text([HEADER, [*ROWS[0][:-1], "12.345"]]).encode("gbk")), tmp_path)
    assert result.exit_code == 2
    rejects = (tmp_path / "rejects.csv").read_text(encoding="utf-8-sig")
    assert ("sales.csv,2,amount,12.345,has more than two decimals: an amount in yuan is exact to the fen (0.01); "
            "check for a thousands separator typed as a point") in rejects


# --- workbooks ---------------------------------------------------------------------------

def workbook(sheets: dict[str, list[list]], tmp_path: Path) -> bytes:
    return write_xlsx(tmp_path / "book.xlsx", sheets).read_bytes()


def test_a_missing_column_names_the_sheet_read_and_the_others(tmp_path):
    data = workbook({"说明": [["这是说明页"]], "明细": [HEADER, *ROWS]}, tmp_path)
    result = validate(org(tmp_path, "sales.xlsx", data), tmp_path)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: sales.xlsx, column 'order_id': required column 'order_id' (订单号) is missing. Rename the header, "
        "or map it in config: inputs.datasets.sales.columns. It read sheet '说明'; the workbook also has '明细' "
        "(choose one with inputs.datasets.sales.sheet)."]


def test_formulas_without_computed_values_say_how_to_fix_them(tmp_path):
    # openpyxl, like many report generators, writes formulas without computing them.
    data = workbook({"Sheet1": [HEADER, ROWS[0][:-1] + ["=100*2"], ROWS[1][:-1] + ["=B3*10"]]}, tmp_path)
    result = validate(org(tmp_path, "sales.xlsx", data), tmp_path)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: sales.xlsx: sheet 'Sheet1' has formulas without computed values (cells G2, G3): it was saved by a "
        "program that does not compute formulas. Open it in Excel (or WPS) and save it, so that every formula "
        "has its value."]


def test_an_old_xls_or_a_protected_workbook_says_what_to_save(tmp_path):
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # the compound-file header of .xls and encrypted .xlsx
    result = validate(org(tmp_path, "sales.xlsx", ole2), tmp_path)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: sales.xlsx: is an old Excel .xls workbook or a password-protected one, not an .xlsx. Open it in "
        "Excel and save it as .xlsx (Excel Workbook) without a password."]
