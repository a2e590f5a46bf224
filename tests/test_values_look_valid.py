"""Values that parse but cannot be true: stage 1+2 (read and validate) must reject
them, or understand them correctly, instead of rolling them over, wrapping them,
misdecoding them or letting them vanish (inputs.md, "File formats" and "Bad input").

Guarded here, each against the contract and never against the code:
 1. clock times out of range (24:00, 09:60, +25:00) are rejected, never rolled over;
 2. date columns holding a time (as Excel/ERPs write them) keep the date in the zone;
 3. zoned Parquet timestamps in a date column are converted before the date is taken;
 4. a CSV mixing two encodings never yields mojibake;
 5. a duplicate key whose first copy was rejected rejects both copies;
 6. a reference to a rejected roster row says so, not "not found in roster";
 7. invisible characters inside identifiers are stripped;
 8. amounts beyond 10,000,000,000 yuan are rejected, never wrapped or crashed on;
 9. dates outside 1970-01-01..2100-12-31 (often a number read as an Excel serial);
10. a budget team row for a team that is not in the used roster.

Every inputs folder is written to ``tmp_path`` (roster, sales and budget at least) and
loaded through ``load_inputs``; every load asserts rows read = used + rejected.
Row numbers are as the user sees them: header = row 1, first record = row 2 (a
Parquet file has no visible header, so there rows are compared by position instead).
Money is compared in fen (1 yuan = 100 fen), worked out by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from pipeline.config import load_settings
from pipeline.month_end import load_inputs
from tests.conftest import invoke

ZONE = "Asia/Shanghai"

ROSTER = ["rep_id", "name", "role", "team", "manager_id"]
SALES = ["order_id", "line_no", "order_date", "rep_id", "customer_id", "amount"]
BUDGET = ["period", "rep_id", "team", "target", "stretch"]
VISITS = ["visit_id", "rep_id", "customer_id", "checkin_time", "checkout_time"]
TRIPS = ["trip_id", "rep_id", "start_date", "end_date", "budget_amount"]

# The clean base org: one manager and two reps in teams A and B.
BASE_ROSTER = [  # rows 2..4
    ["M01", "张经理", "manager", "A", ""],
    ["E005", "王五", "rep", "A", "M01"],
    ["E006", "赵六", "rep", "B", "M01"],
]
BASE_SALES = [  # rows 2..3
    ["S1", "1", "2026-10-03", "E005", "C01", "100.00"],
    ["S2", "1", "2026-10-04", "E006", "C02", "250.50"],
]
BASE_BUDGET = [  # rows 2..3
    ["2026-10", "E005", "", "1000", ""],
    ["2026-10", "E006", "", "1000", ""],
]


# --- writing inputs -------------------------------------------------------------------

def csv_bytes(header: list | None, rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def write_csv(path: Path, header: list, rows: list[list], encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_bytes(header, rows, encoding))
    return path


def write_xlsx(path: Path, header: list, rows: list[list]) -> Path:
    """One sheet; each cell keeps its Python type (str stays a text cell)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([None if value == "" else value for value in row])
    book.save(path)
    return path


def write_parquet(path: Path, columns: dict) -> Path:
    pd.DataFrame(columns).to_parquet(path, index=False)
    return path


def org(tmp_path: Path, **replaced) -> Path:
    """The base org as CSV in ``tmp_path/inputs``; ``dataset=None`` leaves that dataset
    out (the test writes it itself, in any format), ``dataset=rows`` writes these rows
    under the dataset's base header."""
    folder = tmp_path / "inputs"
    folder.mkdir(exist_ok=True)
    base = {"roster": (ROSTER, BASE_ROSTER), "sales": (SALES, BASE_SALES), "budget": (BUDGET, BASE_BUDGET)}
    for name, (header, rows) in base.items():
        if name in replaced:
            if replaced[name] is None:
                continue
            rows = replaced[name]
        write_csv(folder / f"{name}.csv", header, rows)
    return folder


# --- loading and checking -------------------------------------------------------------

def config(tmp_path: Path) -> Path:
    path = tmp_path / "salespack.yaml"
    path.write_text(f"timezone: {ZONE}\n", encoding="utf-8")
    return path


def load(folder: Path, tmp_path: Path):
    """``load_inputs`` with the zone configured; every dataset must reconcile."""
    return reconciled(load_inputs(folder, load_settings(config(tmp_path))))


def reconciled(validated):
    """Rows read = rows used + rows rejected, for every dataset."""
    for name, rec in validated.reconciliation.items():
        assert rec.rows_read == rec.rows_used + rec.rows_rejected, (
            f"{name}: read {rec.rows_read} != used {rec.rows_used} + rejected {rec.rows_rejected}")
        assert rec.rows_used == len(validated.frames[name]), name
    return validated


def cli_validate(folder: Path, tmp_path: Path, expected_exit: int = 2):
    """``salespack validate`` ends 0 (all usable) or 2 (rows rejected), never 1 (a crash)."""
    result = invoke("validate", "--inputs", str(folder), "--config", str(config(tmp_path)),
                    "--rejects", str(tmp_path / "rejects.csv"))
    assert result.exit_code == expected_exit, (result.exit_code, result.output, result.exception)
    return result


def rejects_of(validated, file: str) -> dict[int, dict]:
    """Row number -> the reject line of that row, for one file."""
    found = validated.rejects[validated.rejects["file"] == file]
    rows = found[["row", "column", "value", "reason_en"]].to_dict("records")
    assert len({r["row"] for r in rows}) == len(rows), "one reject line per rejected row"
    return {int(r["row"]): r for r in rows}


def used_rows(validated, name: str) -> list[int]:
    return [int(row) for row in validated.frames[name]["_row"]]


def by_row(validated, name: str, column: str, shift: int = 0) -> dict[int, object]:
    frame = validated.frames[name]
    return {int(row) - shift: value for row, value in zip(frame["_row"], frame[column])}


def by_id(validated, name: str, key: str, column: str) -> dict[str, object]:
    frame = validated.frames[name]
    return dict(zip(frame[key], frame[column]))


def parquet_shift(validated, name: str, file: str) -> int:
    """How far a Parquet file's numbering is from CSV's (first record = row 2). A Parquet
    file has no header row the user sees, so its numbering is not what is tested here;
    the rows are compared by their position in the file instead."""
    if not file.endswith(".parquet"):
        return 0
    return min(used_rows(validated, name) + list(rejects_of(validated, file))) - 2


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def local(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=ZONE)


# --- 1. clock times out of range --------------------------------------------------------

BAD_CLOCKS = ["2026-10-31 24:00", "2026-10-31 25:61", "2026-10-30 09:05:60", "2026-10-30 09:60",
              "2026-10-30T09:05:00+25:00", "2026-10-30T09:05:00+05:99"]
GOOD_CLOCKS = {  # as written -> the instant in Shanghai
    "2026-10-30 23:59:59": local("2026-10-30 23:59:59"),
    "2026-10-30T09:05:00+08:00": local("2026-10-30 09:05"),
    "2026-10-30T01:05:00Z": local("2026-10-30 09:05"),
    "2026-10-30 00:00": local("2026-10-30 00:00"),
}


def clock_visits() -> tuple[list[list], dict[int, tuple[str, str]], dict[int, pd.Timestamp]]:
    """Visit rows; the bad ones (row -> (column, value)) and the good ones (row -> checkin)."""
    rows, bad, good = [], {}, {}
    for text in BAD_CLOCKS:  # bad check-in, no check-out
        rows.append([f"V{len(rows) + 1}", "E005", "C01", text, ""])
        bad[len(rows) + 1] = ("checkin_time", text)
    for text in BAD_CLOCKS:  # good check-in, bad check-out
        rows.append([f"V{len(rows) + 1}", "E005", "C01", "2026-10-30 08:00", text])
        bad[len(rows) + 1] = ("checkout_time", text)
    for text, instant in GOOD_CLOCKS.items():
        rows.append([f"V{len(rows) + 1}", "E006", "C02", text, ""])
        good[len(rows) + 1] = instant
    return rows, bad, good


@pytest.mark.parametrize("form", ["csv", "xlsx", "parquet"])
def test_out_of_range_clock_time_is_rejected_not_rolled_over(tmp_path, form):
    """A clock 24:00 / 09:60 / :60 / offset +25:00 must be an invalid time, not the next day."""
    folder = org(tmp_path)
    rows, bad, good = clock_visits()
    if form == "csv":
        write_csv(folder / "visits.csv", VISITS, rows)
    elif form == "xlsx":
        write_xlsx(folder / "visits.xlsx", VISITS, rows)  # the times are text cells
    else:
        columns = {name: [row[i] or None for row in rows] for i, name in enumerate(VISITS)}
        write_parquet(folder / "visits.parquet", columns)  # string columns
    validated = load(folder, tmp_path)

    shift = parquet_shift(validated, "visits", f"visits.{form}")
    found = {row - shift: reject for row, reject in rejects_of(validated, f"visits.{form}").items()}
    assert sorted(found) == sorted(bad)
    for row, (column, text) in bad.items():
        assert found[row]["column"] == column, found[row]
        assert "invalid time" in found[row]["reason_en"], found[row]
        if form == "csv":
            assert found[row]["value"] == text
    assert by_row(validated, "visits", "checkin_time", shift) == good
    cli_validate(folder, tmp_path)


# --- 2. date columns holding a time -------------------------------------------------------

def test_date_column_with_a_time_keeps_the_date_in_the_configured_zone(tmp_path):
    """A date written with a clock is a date (midnight or not), but its clock must be valid
    and an offset moves it into the configured zone before the date is taken."""
    rows = BASE_SALES + [
        ["S3", "1", "2026/10/3 0:00", "E005", "C01", "1"],             # row 4
        ["S4", "1", "2026-10-03 09:05:00", "E005", "C01", "2"],        # row 5
        ["S5", "1", "2026-10-03 00:00:00", "E005", "C01", "3"],        # row 6
        ["S6", "1", "2026-10-03 24:00", "E005", "C01", "4"],           # row 7: invalid
        ["S7", "1", "2026-10-31T23:30:00Z", "E005", "C01", "5"],       # row 8: 07:30 on 1 Nov
    ]
    folder = org(tmp_path, sales=rows)
    validated = load(folder, tmp_path)

    found = rejects_of(validated, "sales.csv")
    assert sorted(found) == [7]
    assert found[7]["column"] == "order_date" and "invalid time" in found[7]["reason_en"]
    assert by_row(validated, "sales", "order_date") == {
        2: day("2026-10-03"), 3: day("2026-10-04"),
        4: day("2026-10-03"), 5: day("2026-10-03"), 6: day("2026-10-03"),
        8: day("2026-11-01"),
    }
    cli_validate(folder, tmp_path)


# --- 3. Parquet timestamps in a date column -------------------------------------------------

def parquet_sales(path: Path, order_dates: pd.Series) -> None:
    n = len(order_dates)
    write_parquet(path, {
        "order_id": [f"S{i}" for i in range(1, n + 1)],
        "line_no": pd.array([1] * n, dtype="Int64"),
        "order_date": order_dates,
        "rep_id": ["E005"] * n,
        "customer_id": ["C01"] * n,
        "amount": [10.0] * n,
    })


def test_zoned_parquet_timestamp_is_converted_before_the_date_is_taken(tmp_path):
    """23:30 UTC on 31 Oct is 07:30 on 1 Nov in Shanghai: the date is 1 Nov."""
    folder = org(tmp_path, sales=None)
    utc = pd.Series(pd.to_datetime(["2026-10-31 23:30", "2026-10-31 15:59", "2026-10-31 16:00",
                                    "2026-10-03 00:00"])).dt.tz_localize("UTC").astype("datetime64[ns, UTC]")
    parquet_sales(folder / "sales.parquet", utc)
    validated = load(folder, tmp_path)
    assert validated.rejects.empty, validated.rejects.to_dict("records")
    assert by_id(validated, "sales", "order_id", "order_date") == {
        "S1": day("2026-11-01"),  # 07:30 Shanghai
        "S2": day("2026-10-31"),  # 23:59 Shanghai
        "S3": day("2026-11-01"),  # 00:00 Shanghai
        "S4": day("2026-10-03"),  # 08:00 Shanghai
    }
    cli_validate(folder, tmp_path, expected_exit=0)


def test_naive_parquet_timestamp_keeps_its_date(tmp_path):
    """A zone-naive timestamp is already local: 2026-10-31 23:30 stays 31 Oct."""
    folder = org(tmp_path, sales=None)
    parquet_sales(folder / "sales.parquet",
                  pd.Series(pd.to_datetime(["2026-10-31 23:30"])).astype("datetime64[ns]"))
    validated = load(folder, tmp_path)
    assert validated.rejects.empty, validated.rejects.to_dict("records")
    assert by_id(validated, "sales", "order_id", "order_date") == {"S1": day("2026-10-31")}


def test_xlsx_datetime_cell_in_a_date_column_gives_its_date(tmp_path):
    """Control (already right): an Excel datetime cell 2026-10-03 09:05 is 3 Oct."""
    folder = org(tmp_path, sales=None)
    write_xlsx(folder / "sales.xlsx", SALES, [["S1", 1, dt.datetime(2026, 10, 3, 9, 5), "E005", "C01", 10]])
    validated = load(folder, tmp_path)
    assert validated.rejects.empty, validated.rejects.to_dict("records")
    assert by_row(validated, "sales", "order_date") == {2: day("2026-10-03")}


# --- 4. a CSV in two encodings --------------------------------------------------------------

SALES_ZH = ["订单号", "行号", "订单日期", "销售代表工号", "客户编号", "产品", "金额"]
SALES_TEXT = ["order_id", "rep_id", "customer_id", "product"]
ROSTER_TEXT = ["rep_id", "name", "team", "manager_id"]

GBK_SALES = [  # rows 2..4, GBK like the rest of the file
    ["S1", "1", "2026-10-03", "E005", "C01", "华北套装", "100.00"],
    ["S2", "1", "2026-10-04", "E006", "C02", "西南礼盒", "250.50"],
    ["S3", "1", "2026-10-05", "E005", "C01", "华中标准版", "80"],
]
PASTED_UTF8_SALES = [  # rows 5..6, pasted from a UTF-8 file
    ["S4", "1", "2026-10-06", "E005", "C01", "华东大区", "300"],
    ["S5", "1", "2026-10-07", "E006", "C02", "华东大区旗舰店", "45.5"],
]
UTF8_ROSTER = BASE_ROSTER  # rows 2..4
PASTED_GBK_ROSTER = [["E009", "华东大区经理", "rep", "A", "M01"]]  # row 5
UTF8_ROSTER_AFTER = [["E010", "孙十", "rep", "B", "M01"]]  # row 6


def mixed_sales(folder: Path) -> tuple[list[list], list[int]]:
    data = (csv_bytes(SALES_ZH, GBK_SALES, "gbk")
            + csv_bytes(None, PASTED_UTF8_SALES, "utf-8"))
    (folder / "sales.csv").write_bytes(data)
    return GBK_SALES + PASTED_UTF8_SALES, [5, 6]


def mixed_roster(folder: Path) -> tuple[list[list], list[int]]:
    data = (csv_bytes(ROSTER, UTF8_ROSTER, "utf-8")
            + csv_bytes(None, PASTED_GBK_ROSTER, "gbk")
            + csv_bytes(None, UTF8_ROSTER_AFTER, "utf-8"))
    (folder / "roster.csv").write_bytes(data)
    return UTF8_ROSTER + PASTED_GBK_ROSTER + UTF8_ROSTER_AFTER, [5]


@pytest.mark.parametrize("dataset, write, text_columns", [
    pytest.param("sales", mixed_sales, SALES_TEXT, id="gbk-file-with-utf8-rows"),
    pytest.param("roster", mixed_roster, ROSTER_TEXT, id="utf8-file-with-a-gbk-row"),
])
def test_csv_mixing_two_encodings_never_gives_mojibake(tmp_path, dataset, write, text_columns):
    """Rows pasted in another encoding are rejected (or the read stops) naming those rows;
    no text decoded with the wrong codec is ever used."""
    folder = org(tmp_path, **{dataset: None})
    rows, pasted = write(folder)
    result = cli_validate(folder, tmp_path)  # rows rejected or the file unusable: 2 either way
    try:
        validated = load_inputs(folder, load_settings(config(tmp_path)))
    except Exception as error:  # the read stopped (exit 2, so not a crash): name the problem and rows
        message = f"{error}\n{result.output}"
        assert "encoding" in message.lower(), message
        for row in pasted:
            assert re.search(rf"(?<!\d){row}(?!\d)", message), (row, message)
        return

    reconciled(validated)
    found = rejects_of(validated, f"{dataset}.csv")
    assert sorted(found) == pasted, found
    for row in pasted:
        assert "encoding" in found[row]["reason_en"].lower(), found[row]
    all_rows = list(range(2, len(rows) + 2))
    assert used_rows(validated, dataset) == [row for row in all_rows if row not in pasted]
    written = {value for row in rows for value in row}
    frame = validated.frames[dataset]
    for column in text_columns:
        for value in frame[column].dropna():
            assert value in written, f"{column}: {value!r} was never written (mojibake?)"


# --- 5. duplicate key whose first copy was rejected ------------------------------------------

DUPLICATE_ROSTER = [
    ["M01", "张经理", "manager", "A", ""],      # row 2
    ["E005", "王五", "intern", "A", "M01"],     # row 3: bad role
    ["E006", "赵六", "rep", "A", "M01"],        # row 4
    ["M02", "李经理", "manager", "B", ""],      # row 5
    ["E005", "王五", "rep", "B", "M02"],        # row 6: same key again
]


def test_duplicate_of_a_rejected_row_is_rejected_too(tmp_path):
    """Two rows claim E005 and the first is invalid: neither may be used silently,
    and each names the other."""
    budget = [["2026-10", "E006", "", "1000", ""]]
    folder = org(tmp_path, roster=DUPLICATE_ROSTER, budget=budget)
    validated = load(folder, tmp_path)

    found = rejects_of(validated, "roster.csv")
    assert sorted(found) == [3, 6]
    assert "unknown value" in found[3]["reason_en"], found[3]                 # the bad role
    assert re.search(r"row 6(?!\d)", found[3]["reason_en"]), found[3]          # ... and the later copy
    assert "rep_id" in found[6]["column"].split("; ")
    assert re.search(r"row 3(?!\d)", found[6]["reason_en"]), found[6]          # names the first copy
    assert "E005" not in set(validated.frames["roster"]["rep_id"])
    assert sorted(rejects_of(validated, "sales.csv")) == [2]                   # E005's sale
    assert used_rows(validated, "sales") == [3]
    cli_validate(folder, tmp_path)


def test_duplicate_of_a_valid_row_keeps_the_first(tmp_path):
    """Control (already right): the first valid copy is kept, the later one names it."""
    roster = [row[:] for row in DUPLICATE_ROSTER]
    roster[1][2] = "rep"  # row 3 now valid
    validated = load(org(tmp_path, roster=roster), tmp_path)

    found = rejects_of(validated, "roster.csv")
    assert sorted(found) == [6]
    assert found[6]["column"] == "rep_id"
    assert re.search(r"row 3(?!\d)", found[6]["reason_en"]), found[6]
    kept = validated.frames["roster"].set_index("rep_id")
    assert kept.loc["E005", "_row"] == 3 and kept.loc["E005", "team"] == "A"
    assert validated.rejects[validated.rejects["file"] != "roster.csv"].empty
    assert used_rows(validated, "sales") == [2, 3]


# --- 6. cascades explain themselves -------------------------------------------------------------

def test_reference_to_a_rejected_roster_row_says_it_was_rejected(tmp_path):
    """'not found in roster' is wrong for an ID that is in the roster but was rejected."""
    roster = [BASE_ROSTER[0], BASE_ROSTER[1],
              ["E007", "周七", "intern", "A", "M01"],  # row 4: bad role
              BASE_ROSTER[2]]
    sales = BASE_SALES + [
        ["S3", "1", "2026-10-05", "E007", "C01", "70"],   # row 4
        ["S4", "1", "2026-10-06", "E007", "C02", "80"],   # row 5
        ["S5", "1", "2026-10-07", "E404", "C01", "90"],   # row 6: truly absent
    ]
    folder = org(tmp_path, roster=roster, sales=sales)
    validated = load(folder, tmp_path)

    assert sorted(rejects_of(validated, "roster.csv")) == [4]
    found = rejects_of(validated, "sales.csv")
    assert sorted(found) == [4, 5, 6]
    for row in (4, 5):
        assert found[row]["column"] == "rep_id" and found[row]["value"] == "E007"
        assert "was rejected in roster.csv row 4" in found[row]["reason_en"], found[row]
        assert "not found in roster" not in found[row]["reason_en"], found[row]
    assert "not found in roster" in found[6]["reason_en"], found[6]
    assert used_rows(validated, "sales") == [2, 3]
    cli_validate(folder, tmp_path)


# --- 7. invisible characters inside identifiers ----------------------------------------------------

INVISIBLE_ROSTER = [
    ["M01", "张经理", "manager", "A", ""],
    ["E005\u00a0", "王五", "rep", "A", "M01"],            # trailing no-break space
    ["E006", "赵六", "rep", "B", "M01"],
]
INVISIBLE_SALES = [
    ["S1", 1, "2026-10-03", "E005", "C01", "100.00"],       # row 2
    ["S2", 1, "2026-10-04", "E006", "C02", "250.50"],       # row 3
    ["S3", 1, "2026-10-05", "E005\u200b", "C01", "20"],      # row 4: zero-width space
    ["S4", 1, "2026-10-05", "\ufeffE005", "C01", "30.50"],   # row 5: BOM inside the cell
    ["S5", 1, "2026-10-05", "E00\u00a05", "C01", "40"],      # row 6: no-break space inside
    ["S6", 1, "2026-10-05", "E005", "C\u200d01", "5.25"],    # row 7: zero-width joiner
]


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_invisible_characters_in_identifiers_are_stripped(tmp_path, form):
    """E005 with a zero-width space, BOM or NBSP is still E005: used, and in its revenue."""
    folder = org(tmp_path, roster=None, sales=None)
    if form == "csv":
        write_csv(folder / "roster.csv", ROSTER, INVISIBLE_ROSTER)
        write_csv(folder / "sales.csv", SALES, INVISIBLE_SALES)
    else:
        write_xlsx(folder / "roster.xlsx", ROSTER, INVISIBLE_ROSTER)
        write_xlsx(folder / "sales.xlsx", SALES, INVISIBLE_SALES)
    validated = load(folder, tmp_path)

    assert validated.rejects.empty, validated.rejects.to_dict("records")
    assert sorted(validated.frames["roster"]["rep_id"]) == ["E005", "E006", "M01"]
    sales = validated.frames["sales"]
    assert used_rows(validated, "sales") == [2, 3, 4, 5, 6, 7]
    assert sales["rep_id"].tolist() == ["E005", "E006", "E005", "E005", "E005", "E005"]
    assert sales["customer_id"].tolist() == ["C01", "C02", "C01", "C01", "C01", "C01"]
    revenue_fen = sales.loc[sales["rep_id"] == "E005", "amount"].sum()
    assert revenue_fen == 100_00 + 20_00 + 30_50 + 40_00 + 5_25
    cli_validate(folder, tmp_path, expected_exit=0)


# --- 8. amounts beyond any sane figure ---------------------------------------------------------------

def sale(order: str, amount) -> list:
    return [order, 1, "2026-10-05", "E005", "C01", amount]


@pytest.mark.parametrize("form", ["csv", "xlsx", "parquet"])
def test_implausible_amount_is_rejected_never_wrapped(tmp_path, form):
    """More than 10,000,000,000 yuan (100亿) is a broken cell: rejected, not an int64
    overflow, not a crash; 9,999,999,999.99 and exactly 10,000,000,000 are kept."""
    folder = org(tmp_path, sales=None)
    if form == "csv":
        amounts = {  # row -> (amount as text, fen or None for rejected)
            2: ("100.00", 100_00), 3: ("1000000000000000000", None),
            4: ("-99999999999999999999", None), 5: ("9999999999.99", 999_999_999_999),
            6: ("10000000000.01", None), 7: ("-9999999999.99", -999_999_999_999),
            8: ("10000000000", 1_000_000_000_000),
        }
        write_csv(folder / "sales.csv", SALES, [sale(f"S{r}", a) for r, (a, _) in amounts.items()])
    elif form == "xlsx":
        amounts = {2: (100.0, 100_00), 3: (1e20, None), 4: (9999999999.99, 999_999_999_999),
                   5: (-1e20, None)}
        write_xlsx(folder / "sales.xlsx", SALES, [sale(f"S{r}", a) for r, (a, _) in amounts.items()])
    else:
        amounts = {2: (100.0, 100_00), 3: (1e19, None), 4: (-1e19, None), 5: (250.5, 250_50)}
        write_parquet(folder / "sales.parquet", {
            "order_id": [f"S{r}" for r in amounts], "line_no": pd.array([1] * len(amounts), dtype="Int64"),
            "order_date": pd.to_datetime(["2026-10-05"] * len(amounts)),
            "rep_id": ["E005"] * len(amounts), "customer_id": ["C01"] * len(amounts),
            "amount": pd.Series([a for a, _ in amounts.values()], dtype="float64"),
        })
    cli_validate(folder, tmp_path)
    validated = load(folder, tmp_path)

    shift = parquet_shift(validated, "sales", f"sales.{form}")
    found = {row - shift: reject for row, reject in rejects_of(validated, f"sales.{form}").items()}
    assert sorted(found) == [r for r, (_, fen) in amounts.items() if fen is None]
    for reject in found.values():
        assert reject["column"] == "amount" and "implausib" in reject["reason_en"], reject
    kept = by_row(validated, "sales", "amount", shift)
    assert kept == {r: fen for r, (_, fen) in amounts.items() if fen is not None}
    revenue_fen = validated.frames["sales"]["amount"].sum()
    assert revenue_fen == sum(fen for _, fen in amounts.values() if fen is not None)
    assert revenue_fen > 0


def test_implausible_budget_and_trip_amounts_are_rejected(tmp_path):
    """target, stretch and trips.budget_amount are money with the same 100亿 bound."""
    budget = BASE_BUDGET + [
        ["2026-10", "", "A", "10000000000.01", ""],                   # row 4: target too big
        ["2026-10", "", "B", "1000", "99999999999999999999"],          # row 5: stretch too big
    ]
    folder = org(tmp_path, budget=budget)
    write_csv(folder / "trips.csv", TRIPS, [
        ["T1", "E005", "2026-10-10", "2026-10-12", "3000"],            # row 2
        ["T2", "E006", "2026-10-10", "2026-10-12", "100000000000"],    # row 3: 1000亿
        ["T3", "E006", "2026-10-13", "2026-10-14", "9999999999.99"],   # row 4: just inside
    ])
    cli_validate(folder, tmp_path)
    validated = load(folder, tmp_path)

    found = rejects_of(validated, "budget.csv")
    assert sorted(found) == [4, 5]
    assert found[4]["column"] == "target" and "implausib" in found[4]["reason_en"], found[4]
    assert found[5]["column"] == "stretch" and "implausib" in found[5]["reason_en"], found[5]
    found = rejects_of(validated, "trips.csv")
    assert sorted(found) == [3]
    assert found[3]["column"] == "budget_amount" and "implausib" in found[3]["reason_en"], found[3]
    assert by_row(validated, "trips", "budget_amount") == {2: 3000_00, 4: 999_999_999_999}


# --- 9. implausible dates ---------------------------------------------------------------------------

def test_number_cell_read_as_an_excel_serial_year_is_rejected(tmp_path):
    """2026 typed into a date cell is Excel serial 1905-07-18: reject it and say why."""
    folder = org(tmp_path, roster=None, sales=None)
    write_xlsx(folder / "roster.xlsx", ROSTER + ["hire_date"], [
        ["M01", "张经理", "manager", "A", "", dt.date(2020, 3, 1)],   # row 2
        ["E005", "王五", "rep", "A", "M01", 46298],                    # row 3: serial = 2026-10-03
        ["E006", "赵六", "rep", "B", "M01", ""],                      # row 4
        ["E009", "钱九", "rep", "B", "M01", 2026],                    # row 5: a year, not a date
    ])
    write_xlsx(folder / "sales.xlsx", SALES, [
        ["S1", 1, dt.date(2026, 10, 3), "E005", "C01", 100],          # row 2: date cell
        ["S2", 1, 46298, "E006", "C02", 250.5],                       # row 3: serial 2026-10-03
        ["S3", 1, 2026, "E005", "C01", 70],                           # row 4: 1905-07-18
    ])
    cli_validate(folder, tmp_path)
    validated = load(folder, tmp_path)

    for file, row, column in [("roster.xlsx", 5, "hire_date"), ("sales.xlsx", 4, "order_date")]:
        found = rejects_of(validated, file)
        assert sorted(found) == [row], found
        assert found[row]["column"] == column and "Excel" in found[row]["reason_en"], found[row]
    assert by_row(validated, "sales", "order_date") == {2: day("2026-10-03"), 3: day("2026-10-03")}
    assert by_row(validated, "roster", "hire_date")[3] == day("2026-10-03")


def test_text_date_outside_1970_to_2100_is_rejected(tmp_path):
    """1905 or 2199 in an order date is a typo, not a sale: the range is 1970-01-01..2100-12-31."""
    sales = BASE_SALES + [
        ["S3", "1", "1905-07-18", "E005", "C01", "1"],   # row 4
        ["S4", "1", "2199-01-01", "E005", "C01", "2"],   # row 5
        ["S5", "1", "1969-12-31", "E005", "C01", "3"],   # row 6
        ["S6", "1", "2101-01-01", "E005", "C01", "4"],   # row 7
        ["S7", "1", "1970-01-01", "E005", "C01", "5"],   # row 8: first plausible day
        ["S8", "1", "2100-12-31", "E005", "C01", "6"],   # row 9: last plausible day
    ]
    folder = org(tmp_path, sales=sales)
    validated = load(folder, tmp_path)

    found = rejects_of(validated, "sales.csv")
    assert sorted(found) == [4, 5, 6, 7]
    for reject in found.values():
        assert reject["column"] == "order_date" and "implausible date" in reject["reason_en"], reject
    assert by_row(validated, "sales", "order_date") == {
        2: day("2026-10-03"), 3: day("2026-10-04"), 8: day("1970-01-01"), 9: day("2100-12-31")}
    cli_validate(folder, tmp_path)


# --- 10. budget team row for a team nobody is in -------------------------------------------------------

@pytest.mark.parametrize("team, rejected", [
    pytest.param("A", False, id="team-of-the-roster"),
    pytest.param("华南", True, id="team-absent-from-roster"),
    pytest.param("C", True, id="team-of-a-rejected-roster-row-only"),
])
def test_budget_team_row_needs_a_team_of_the_roster(tmp_path, team, rejected):
    """A team target for a team no used roster row belongs to would count in the company
    target while nobody can earn it."""
    roster = BASE_ROSTER + [["E008", "吴八", "intern", "C", "M01"]]  # row 5: rejected, team C
    budget = BASE_BUDGET + [["2026-10", "", team, "5000", ""]]       # row 4
    folder = org(tmp_path, roster=roster, budget=budget)
    validated = load(folder, tmp_path)

    assert sorted(rejects_of(validated, "roster.csv")) == [5]
    found = rejects_of(validated, "budget.csv")
    if not rejected:
        assert found == {}
        assert used_rows(validated, "budget") == [2, 3, 4]
        return
    assert sorted(found) == [4]
    assert found[4]["column"] == "team" and found[4]["value"] == team
    if team == "华南":
        assert "not in the roster" in found[4]["reason_en"], found[4]
    else:  # its only member was rejected: the reason may say so instead
        assert "roster" in found[4]["reason_en"], found[4]
    assert used_rows(validated, "budget") == [2, 3]
    cli_validate(folder, tmp_path)


# --- property: out-of-range clocks and huge amounts are never used ----------------------------------------

@st.composite
def bad_datetime(draw) -> str:
    """YYYY-MM-DD HH:MM[:SS][±HH:MM] with at least one field out of range."""
    broken = draw(st.sampled_from(["hour", "minute", "second", "offset_hour", "offset_minute"]))
    fields = {
        "hour": draw(st.integers(24, 99) if broken == "hour" else st.integers(0, 23)),
        "minute": draw(st.integers(60, 99) if broken == "minute" else st.integers(0, 59)),
        "second": draw(st.integers(60, 99) if broken == "second" else st.integers(0, 59)),
        "offset_hour": draw(st.integers(15, 99) if broken == "offset_hour" else st.integers(0, 12)),
        "offset_minute": draw(st.integers(60, 99) if broken == "offset_minute" else st.integers(0, 59)),
    }
    text = f"2026-10-{draw(st.integers(1, 28)):02d} {fields['hour']:02d}:{fields['minute']:02d}"
    if broken == "second" or draw(st.booleans()):
        text += f":{fields['second']:02d}"
    if broken.startswith("offset") or draw(st.booleans()):
        text += f"{draw(st.sampled_from('+-'))}{fields['offset_hour']:02d}:{fields['offset_minute']:02d}"
    return text


huge_amount = st.builds(
    lambda sign, first, rest: f"{sign}{first}{rest}",
    st.sampled_from(["", "-"]), st.sampled_from("123456789"),
    st.text(alphabet="0123456789", min_size=11, max_size=29),
)  # 12 to 30 digits: at least 10^11 yuan


# No shrink phase: shrinking a failing folder can take minutes; the first failing draw is shown.
@hypothesis_settings(max_examples=40, deadline=None, derandomize=True, database=None,
                     phases=[Phase.explicit, Phase.generate],
                     suppress_health_check=[HealthCheck.too_slow])
@given(times=st.lists(bad_datetime(), min_size=1, max_size=4),
       amounts=st.lists(huge_amount, min_size=1, max_size=4))
def test_property_out_of_range_times_and_huge_amounts_are_never_used(times, amounts):
    """Whatever the out-of-range field or the number of digits, the row is rejected."""
    with tempfile.TemporaryDirectory() as name:
        tmp_path = Path(name)
        sales = BASE_SALES + [sale(f"X{i}", amount) for i, amount in enumerate(amounts, 1)]
        folder = org(tmp_path, sales=sales)
        write_csv(folder / "visits.csv", VISITS,
                  [["V0", "E005", "C01", "2026-10-03 09:00", ""]]
                  + [[f"V{i}", "E005", "C01", text, ""] for i, text in enumerate(times, 1)])
        cli_validate(folder, tmp_path)
        validated = load(folder, tmp_path)
        assert used_rows(validated, "sales") == [2, 3], amounts
        assert used_rows(validated, "visits") == [2], times
        assert sorted(rejects_of(validated, "sales.csv")) == list(range(4, 4 + len(amounts)))
        assert sorted(rejects_of(validated, "visits.csv")) == list(range(3, 3 + len(times)))
