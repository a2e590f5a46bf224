"""Stage 1, read: real export files written to ``tmp_path`` -> raw tables, and the
value parsers applied to the columns read from them (inputs.md, "File formats").

Every expected value is worked out by hand in the test: 1234.50 yuan = 123450 fen,
Excel serial 46298 = 1899-12-30 + 46298 days = 2026-10-03, and so on.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.config import Settings
from pipeline.contract import ROLES
from pipeline.errors import InputError
from pipeline.read import read_inputs, read_table
from pipeline.read import values

SALES = ["order_id", "order_date", "rep_id", "customer_id", "amount"]
ROSTER = ["rep_id", "name", "role", "team", "active"]
VISITS = ["visit_id", "rep_id", "customer_id", "checkin_time"]


def write_csv(path: Path, header: list, rows: list[list], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    """``{sheet title: rows (first row = headers)}``, in workbook order."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def sales_rows(amounts: list, dates: list | None = None) -> list[list]:
    dates = dates or ["2026-10-03"] * len(amounts)
    return [[f"O{i}", date, "R01", "C01", amount] for i, (amount, date) in enumerate(zip(amounts, dates), 1)]


def read(path: Path, dataset: str, settings: Settings | None = None):
    return read_table(path, dataset, settings or Settings())


def fen(table) -> tuple[list, list]:
    parsed, bad = values.money_fen(table.frame["amount"])
    return parsed.tolist(), bad.tolist()


# --- amounts -----------------------------------------------------------------

def test_every_amount_form_of_the_contract_is_the_same_fen(tmp_path):
    path = write_csv(tmp_path / "sales.csv", SALES,
                     sales_rows(["1,234.50", "¥1234.5", "￥1234.5", "1234.5元", "1234.50"]))
    parsed, bad = fen(read(path, "sales"))
    assert parsed == [123450] * 5
    assert bad == [False] * 5


def test_numeric_xlsx_amount_cell_is_the_same_fen_as_text(tmp_path):
    path = write_xlsx(tmp_path / "sales.xlsx", {"Sheet1": [SALES, *sales_rows([1234.5, "¥1,234.50", 88])]})
    parsed, bad = fen(read(path, "sales"))
    assert parsed == [123450, 123450, 8800]
    assert bad == [False, False, False]


def test_negative_amounts_are_returns_kept_negative(tmp_path):
    csv_path = write_csv(tmp_path / "sales.csv", SALES, sales_rows(["-1,234.50", "-¥88", "¥-0.5"]))
    assert fen(read(csv_path, "sales")) == ([-123450, -8800, -50], [False, False, False])
    xlsx_path = write_xlsx(tmp_path / "sales.xlsx", {"Sheet1": [SALES, *sales_rows([-12.5])]})
    assert fen(read(xlsx_path, "sales")) == ([-1250], [False])


def test_amount_that_is_not_plainly_yuan_is_flagged_not_guessed(tmp_path):
    # 12.345 has three decimals (a thousands separator? a typo?): it is reported, not rounded.
    path = write_csv(tmp_path / "sales.csv", SALES, sales_rows(["12.345", "abc", "1.234,50", "12.34", ""]))
    parsed, bad = values.money_fen(read(path, "sales").frame["amount"])
    assert parsed.isna().tolist() == [True, True, True, False, True]
    assert parsed[3] == 1234
    assert bad.tolist() == [True, True, True, False, False]  # empty is missing, not malformed


def test_numeric_xlsx_amount_with_three_decimals_is_flagged(tmp_path):
    path = write_xlsx(tmp_path / "sales.xlsx", {"Sheet1": [SALES, *sales_rows([1234.567])]})
    parsed, bad = fen(read(path, "sales"))
    assert bad == [True]
    assert pd.isna(parsed[0])


def test_misplaced_comma_in_text_amount_is_flagged(tmp_path):
    path = write_csv(tmp_path / "sales.csv", SALES, sales_rows(["1234,5"]))
    parsed, bad = fen(read(path, "sales"))
    assert bad == [True]


def test_a_thousand_ten_fen_amounts_sum_exactly(tmp_path):
    path = write_csv(tmp_path / "sales.csv", SALES, sales_rows(["0.10"] * 1000))
    parsed, bad = values.money_fen(read(path, "sales").frame["amount"])
    assert str(parsed.dtype) == "Int64"
    assert not bad.any()
    assert parsed.sum() == 10000  # 1000 x 10 fen = 100.00 yuan, exactly
    assert sum([0.1] * 1000) != 100.0  # what float yuan would have given


# --- dates, datetimes, booleans, enumerations ----------------------------------

def test_date_text_forms_all_mean_the_same_day(tmp_path):
    path = write_csv(tmp_path / "sales.csv", SALES,
                     sales_rows([1, 2, 3, 4, 5], ["2026-10-03", "2026/10/3", "2026年10月3日", "2026-02-30", "3/10/2026"]))
    parsed, bad = values.calendar_date(read(path, "sales").frame["order_date"])
    day = pd.Timestamp("2026-10-03")
    assert parsed[:3].tolist() == [day, day, day]
    assert parsed[3:].isna().all()  # 30 February does not exist; day-first is ambiguous
    assert bad.tolist() == [False, False, False, True, True]


def test_xlsx_date_cells_and_excel_serials(tmp_path):
    # 46298 days after Excel's epoch 1899-12-30 is 2026-10-03.
    dates = [dt.date(2026, 10, 3), dt.datetime(2026, 10, 3, 14, 30), 46298, "2026/10/3"]
    path = write_xlsx(tmp_path / "sales.xlsx", {"Sheet1": [SALES, *sales_rows([1, 2, 3, 4], dates)]})
    parsed, bad = values.calendar_date(read(path, "sales").frame["order_date"], excel_serials=True)
    assert parsed.tolist() == [pd.Timestamp("2026-10-03")] * 4
    assert not bad.any()


def test_excel_serial_in_a_csv_is_not_a_date(tmp_path):
    path = write_csv(tmp_path / "sales.csv", SALES, sales_rows([1], ["46298"]))
    parsed, bad = values.calendar_date(read(path, "sales").frame["order_date"], excel_serials=False)
    assert parsed.isna().all() and bad.all()


def test_datetimes_without_zone_are_local_and_offsets_are_honoured(tmp_path):
    times = ["2026-10-03 09:05", "2026-10-03T09:05:00+08:00", "2026-09-30T23:30:00Z",
             "2026-10-03T09:05:00-05:00", "2026年10月3日 9:05", "soon"]
    rows = [[f"V{i}", "R01", "C01", t] for i, t in enumerate(times, 1)]
    path = write_csv(tmp_path / "visits.csv", VISITS, rows)
    parsed, bad = values.local_datetime(read(path, "visits").frame["checkin_time"], "Asia/Shanghai")
    local = lambda text: pd.Timestamp(text, tz="Asia/Shanghai")  # noqa: E731
    assert parsed[:5].tolist() == [
        local("2026-10-03 09:05"),
        local("2026-10-03 09:05"),
        local("2026-10-01 07:30"),  # 23:30 UTC + 8 h
        local("2026-10-03 22:05"),  # 09:05 at -05:00 is 14:05 UTC, + 8 h
        local("2026-10-03 09:05"),
    ]
    assert bad.tolist() == [False] * 5 + [True]


def test_xlsx_datetime_cell_without_zone_is_local(tmp_path):
    path = write_xlsx(tmp_path / "visits.xlsx",
                      {"Sheet1": [VISITS, ["V1", "R01", "C01", dt.datetime(2026, 10, 3, 9, 5)]]})
    parsed, bad = values.local_datetime(read(path, "visits").frame["checkin_time"], "Asia/Shanghai")
    assert parsed[0] == pd.Timestamp("2026-10-03 09:05", tz="Asia/Shanghai")
    assert not bad.any()


def test_booleans_in_every_spelling_and_empty_is_na(tmp_path):
    spellings = ["是", "否", "Y", "N", "1", "0", "true", "false", "TRUE", "", "maybe"]
    rows = [[f"R{i}", "某人", "rep", "一部", s] for i, s in enumerate(spellings, 1)]
    path = write_csv(tmp_path / "roster.csv", ROSTER, rows)
    parsed, bad = values.yes_no(read(path, "roster").frame["active"])
    assert parsed[:9].tolist() == [True, False, True, False, True, False, True, False, True]
    assert parsed[9:].isna().all()
    assert bad.tolist() == [False] * 10 + [True]


def test_xlsx_boolean_cells(tmp_path):
    rows = [["R1", "某人", "rep", "一部", True], ["R2", "某人", "rep", "一部", False],
            ["R3", "某人", "rep", "一部", None]]
    path = write_xlsx(tmp_path / "roster.xlsx", {"Sheet1": [ROSTER, *rows]})
    parsed, bad = values.yes_no(read(path, "roster").frame["active"])
    assert parsed[:2].tolist() == [True, False]
    assert pd.isna(parsed[2])
    assert not bad.any()


def test_enumerations_in_chinese_and_english(tmp_path):
    roles = ["经理", "Manager", "总监", "代表", "rep", " 销售员 ", "intern"]
    rows = [[f"R{i}", "某人", role, "一部", ""] for i, role in enumerate(roles, 1)]
    path = write_csv(tmp_path / "roster.csv", ROSTER, rows)
    parsed, bad = values.enumeration(read(path, "roster").frame["role"], ROLES)
    assert parsed[:6].tolist() == ["manager", "manager", "director", "rep", "rep", "rep"]
    assert pd.isna(parsed[6])
    assert bad.tolist() == [False] * 6 + [True]


# --- files and encodings -----------------------------------------------------------

ROSTER_ZH = ["工号", "姓名", "岗位", "团队", "在职"]
ROSTER_ZH_ROWS = [["M01", "张经理", "经理", "华东一部", "是"], ["R01", "赵一", "代表", "华东一部", "否"]]


def test_gbk_csv_with_chinese_headers_is_detected(tmp_path):
    path = write_csv(tmp_path / "roster.csv", ROSTER_ZH, ROSTER_ZH_ROWS, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # really GBK bytes, not UTF-8
    table = read(path, "roster")
    assert table.encoding == "gbk"
    assert table.frame["rep_id"].tolist() == ["M01", "R01"]
    assert table.frame["name"].tolist() == ["张经理", "赵一"]
    assert table.frame["team"].tolist() == ["华东一部", "华东一部"]


def test_utf8_with_bom_first_header_still_matches(tmp_path):
    path = write_csv(tmp_path / "roster.csv", ROSTER_ZH, ROSTER_ZH_ROWS, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = read(path, "roster")
    assert table.encoding == "utf-8-sig"
    assert table.frame["rep_id"].tolist() == ["M01", "R01"]  # 工号 matched despite the BOM
    assert table.extra_columns == []


def test_gb18030_csv_with_a_character_outside_gbk(tmp_path):
    rows = [["R01", "𠮷田", "代表", "一部", "是"]]  # 𠮷 is a four-byte GB18030 character
    path = write_csv(tmp_path / "roster.csv", ROSTER_ZH, rows, encoding="gb18030")
    table = read(path, "roster")
    assert table.frame["name"].tolist() == ["𠮷田"]


def test_gb18030_csv_encoding_label_can_decode_the_file(tmp_path):
    rows = [["R01", "𠮷田", "代表", "一部", "是"]]
    path = write_csv(tmp_path / "roster.csv", ROSTER_ZH, rows, encoding="gb18030")
    table = read(path, "roster")
    path.read_bytes().decode(table.encoding)  # the reported encoding must read the file


def test_xlsx_reads_the_first_sheet(tmp_path):
    path = write_xlsx(tmp_path / "sales.xlsx", {
        "数据": [SALES, *sales_rows(["100"])],
        "说明": [["这是说明页"], ["不是数据"]],
    })
    table = read(path, "sales")
    assert table.frame["order_id"].tolist() == ["O1"]
    assert table.encoding is None


def test_xlsx_a_hidden_first_sheet_is_not_the_export(tmp_path):
    path = write_xlsx(tmp_path / "sales.xlsx", {
        "lookup": [["代码"], ["X"]],
        "明细": [SALES, *sales_rows(["100", "200"])],
    })
    book = openpyxl.load_workbook(path)
    book["lookup"].sheet_state = "hidden"
    book.save(path)
    table = read(path, "sales")
    assert table.frame["order_id"].tolist() == ["O1", "O2"]


def test_xlsx_with_a_stale_declared_size_is_read_whole(tmp_path):
    """Some exporters declare a sheet's size wrong (<dimension ref="A1:C10"/> for 51 rows
    and 6 columns); Excel ignores it, and so must we: no row or column cut off."""
    import re
    import zipfile
    rows = [[*SALES, "cost"], *[[*row, "1.00"] for row in sales_rows([str(n) for n in range(1, 51)])]]
    whole = write_xlsx(tmp_path / "whole.xlsx", {"明细": rows})
    stale = tmp_path / "sales.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(stale, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name.startswith("xl/worksheets/"):
                data, count = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:C10"/>', data)
                assert count == 1
            target.writestr(name, data)
    table = read(stale, "sales")
    assert len(table.frame) == 50
    assert table.frame["order_id"].tolist()[-1] == "O50"
    assert table.frame["cost"].tolist()[:2] == ["1.00", "1.00"]


def test_xlsx_sheet_named_in_config(tmp_path):
    path = write_xlsx(tmp_path / "sales.xlsx", {
        "汇总": [["合计", 999]],
        "明细": [SALES, *sales_rows(["100", "200"])],
    })
    settings = Settings(inputs={"datasets": {"sales": {"sheet": "明细"}}})
    table = read(path, "sales", settings)
    assert table.frame["order_id"].tolist() == ["O1", "O2"]
    assert table.frame["_row"].tolist() == [2, 3]


def test_parquet(tmp_path):
    frame = pd.DataFrame({
        "order_id": ["O1", "O2"], "order_date": [dt.date(2026, 10, 3), dt.date(2026, 10, 4)],
        "rep_id": ["R01", "R01"], "customer_id": ["C01", "C02"], "amount": [1234.5, -12.0],
    })
    frame.to_parquet(tmp_path / "sales.parquet")
    table = read(tmp_path / "sales.parquet", "sales")
    assert table.frame["order_id"].tolist() == ["O1", "O2"]
    assert fen(table) == ([123450, -1200], [False, False])
    dates, bad = values.calendar_date(table.frame["order_date"])
    assert dates.tolist() == [pd.Timestamp("2026-10-03"), pd.Timestamp("2026-10-04")]
    assert table.rows_read == 2


def test_headers_match_ignoring_case_blanks_and_full_width(tmp_path):
    header = [" ORDER_ID ", "订单日期", "ＲＥＰ＿ＩＤ", "Customer_Id", "　金额　"]
    path = write_csv(tmp_path / "sales.csv", header, sales_rows(["1"]))
    table = read(path, "sales")
    assert list(table.frame.columns[:6]) == ["_row", "order_id", "order_date", "rep_id", "customer_id", "amount"]
    assert table.frame.loc[0, "rep_id"] == "R01"
    assert table.frame.loc[0, "amount"] == "1"
    assert table.extra_columns == []


def test_half_width_file_header_padded_with_blanks(tmp_path):
    header = ["order_id", "order_date", " Rep_Id ", "customer_id", "amount"]
    table = read(write_csv(tmp_path / "sales.csv", header, sales_rows(["1"])), "sales")
    assert table.frame.loc[0, "rep_id"] == "R01"


def test_header_mapped_in_config(tmp_path):
    header = ["order_id", "order_date", "rep_id", "customer_id", "含税金额"]
    path = write_csv(tmp_path / "sales.csv", header, sales_rows(["1,234.50"]))
    with pytest.raises(InputError):
        read(path, "sales")  # not known without the mapping
    settings = Settings(inputs={"datasets": {"sales": {"columns": {"含税金额": "amount"}}}})
    table = read(path, "sales", settings)
    assert fen(table) == ([123450], [False])
    assert table.extra_columns == []


def test_extra_columns_are_kept_out_and_listed(tmp_path):
    header = [*SALES, "备注", "Region Code"]
    rows = [[*row, "加急", "E1"] for row in sales_rows(["1"])]
    table = read(write_csv(tmp_path / "sales.csv", header, rows), "sales")
    assert table.extra_columns == ["备注", "Region Code"]
    assert "备注" not in table.frame.columns and "Region Code" not in table.frame.columns
    assert set(table.frame.columns) == {"_row", "order_id", "line_no", "order_date", "rep_id",
                                        "customer_id", "product", "quantity", "amount", "cost"}


def test_blank_csv_lines_are_dropped_and_later_rows_keep_their_numbers(tmp_path):
    text = ("order_id,order_date,rep_id,customer_id,amount\n"  # row 1
            "O1,2026-10-03,R01,C01,1\n"                        # row 2
            "\n"                                               # row 3: blank line
            ",,,,\n"                                           # row 4: only separators
            "O2,2026-10-03,R01,C01,2\n")                       # row 5
    path = tmp_path / "sales.csv"
    path.write_text(text, encoding="utf-8")
    table = read(path, "sales")
    assert table.frame["order_id"].tolist() == ["O1", "O2"]
    assert table.frame["_row"].tolist() == [2, 5]
    assert table.rows_read == 2


def test_blank_xlsx_row_is_dropped_and_later_rows_keep_sheet_numbers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(SALES)
    sheet.append(["O1", "2026-10-03", "R01", "C01", 1])
    for column, value in enumerate(["O2", "2026-10-03", "R01", "C01", 2], 1):
        sheet.cell(row=4, column=column, value=value)  # row 3 left empty
    book.save(tmp_path / "sales.xlsx")
    table = read(tmp_path / "sales.xlsx", "sales")
    assert table.frame["order_id"].tolist() == ["O1", "O2"]
    assert table.frame["_row"].tolist() == [2, 4]


# --- broken inputs: one clear InputError naming the file and what to do ---------------

def required_folder(folder: Path, skip: str = "") -> Path:
    if skip != "roster":
        write_csv(folder / "roster.csv", ["rep_id", "name", "role", "team"], [["R01", "赵一", "rep", "一部"]])
    if skip != "sales":
        write_csv(folder / "sales.csv", SALES, sales_rows(["1"]))
    if skip != "budget":
        write_csv(folder / "budget.csv", ["period", "rep_id", "target"], [["2026-10", "R01", "100"]])
    return folder


def test_complete_folder_reads_required_and_optional_datasets(tmp_path):
    required_folder(tmp_path)
    write_csv(tmp_path / "surveys.csv", ["survey_id", "customer_id", "date"], [["Q1", "C01", "2026-10-03"]])
    tables = read_inputs(tmp_path, Settings())
    assert set(tables) == {"roster", "sales", "budget", "surveys"}  # missing optional ones are fine


def test_missing_required_dataset(tmp_path):
    required_folder(tmp_path, skip="budget")
    with pytest.raises(InputError) as caught:
        read_inputs(tmp_path, Settings())
    message = str(caught.value)
    assert str(tmp_path) in message
    assert "'budget'" in message
    assert "Add budget.csv, budget.xlsx or budget.parquet" in message


@pytest.mark.parametrize("name, said", [
    ("budget.csv.csv", "budget.csv.csv (rename it budget.csv: Windows hides the second extension)"),
    ("budget.xls", "budget.xls (an old Excel workbook: open it and save it as budget.xlsx)"),
    ("budget.txt", "budget.txt (not read: save it as budget.csv or budget.xlsx)"),
    ("budget-2026.csv", "budget-2026.csv (not read: only budget.csv, budget.xlsx or budget.parquet is)"),
])
def test_a_required_dataset_under_another_name_is_named(tmp_path, name, said):
    required_folder(tmp_path, skip="budget")
    (tmp_path / name).write_text("period,rep_id,team,target\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_inputs(tmp_path, Settings())
    assert "required dataset 'budget' (" in str(caught.value)
    assert f"The folder has {said}." in str(caught.value)


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_a_title_row_above_the_headers_is_named_as_such(tmp_path, form):
    title = "2026年销售明细（单位：元）"
    # Excel saves a title row as CSV padded to the sheet's width: "title,,,,"
    rows = [[title], [], SALES, *sales_rows(["100"])] if form == "xlsx" else \
        [[title] + [""] * (len(SALES) - 1), SALES, *sales_rows(["100"])]
    if form == "xlsx":
        path = write_xlsx(tmp_path / "sales.xlsx", {"明细": rows})
    else:
        path = write_csv(tmp_path / "sales.csv", rows[0], rows[1:])
    with pytest.raises(InputError) as caught:
        read(path, "sales")
    header_row, above = (3, "2 rows") if form == "xlsx" else (2, "1 row")
    assert f"its headers are in row {header_row}, not in row 1 (row 1 holds '{title}')" in str(caught.value)
    assert f"Delete the {above} above the headers (a title, say)" in str(caught.value)


def test_an_optional_dataset_under_another_name_is_said(tmp_path, caplog):
    required_folder(tmp_path)
    (tmp_path / "trips.xls").write_bytes(b"\xd0\xcf\x11\xe0 an old workbook")
    with caplog.at_level("WARNING", logger="salespack"):
        tables = read_inputs(tmp_path, Settings())
    assert "trips" not in tables
    assert "no trips dataset is read" in caplog.text
    assert "trips.xls (an old Excel workbook: open it and save it as trips.xlsx)" in caplog.text


@pytest.mark.parametrize("header, near", [("金 额", "金 额"), ("amout", "amout")])
def test_missing_required_column_suggests_the_close_header(tmp_path, header, near):
    path = write_csv(tmp_path / "sales.csv", [*SALES[:-1], header], sales_rows(["1"]))
    with pytest.raises(InputError) as caught:
        read(path, "sales")
    error = caught.value
    assert error.file == "sales.csv" and error.column == "amount"
    assert str(error).startswith("sales.csv")
    assert "required column 'amount' (金额) is missing" in str(error)
    assert f"Did you mean '{near}'?" in str(error)
    assert "map it in config: inputs.datasets.sales.columns" in str(error)


def test_missing_required_column_without_a_close_header(tmp_path):
    path = write_csv(tmp_path / "sales.csv", [*SALES[:-1], "备注"], sales_rows(["1"]))
    with pytest.raises(InputError) as caught:
        read(path, "sales")
    assert "Did you mean" not in str(caught.value)
    assert "Rename the header" in str(caught.value)


@pytest.mark.parametrize("content", [b"", b"  \n\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "sales.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read(path, "sales")
    assert str(caught.value).startswith("sales.csv: is empty.")
    assert "Export the data again" in str(caught.value)


def test_binary_file(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    with pytest.raises(InputError) as caught:
        read(path, "sales")
    assert str(caught.value).startswith("sales.csv: is a binary file")
    assert "Export the data as CSV or XLSX" in str(caught.value)


def test_xlsx_that_is_really_text(tmp_path):
    path = tmp_path / "sales.xlsx"
    path.write_text("order_id,order_date,rep_id,customer_id,amount\nO1,2026-10-03,R01,C01,1\n")
    with pytest.raises(InputError) as caught:
        read(path, "sales")
    assert str(caught.value).startswith("sales.xlsx: is not a readable XLSX workbook")
    assert "save it again as .xlsx" in str(caught.value)


def test_wrong_sheet_name(tmp_path):
    path = write_xlsx(tmp_path / "sales.xlsx", {"Sheet1": [SALES, *sales_rows(["1"])]})
    settings = Settings(inputs={"datasets": {"sales": {"sheet": "明细"}}})
    with pytest.raises(InputError) as caught:
        read(path, "sales", settings)
    message = str(caught.value)
    assert message.startswith("sales.xlsx: has no sheet '明细' (sheets: Sheet1)")
    assert "inputs.datasets.sales.sheet" in message  # the dataset named, not a placeholder


def test_two_files_for_one_dataset(tmp_path):
    required_folder(tmp_path)
    write_xlsx(tmp_path / "sales.xlsx", {"Sheet1": [SALES, *sales_rows(["1"])]})
    with pytest.raises(InputError) as caught:
        read_inputs(tmp_path, Settings())
    message = str(caught.value)
    assert "two files for dataset 'sales' (sales.csv, sales.xlsx)" in message
    assert str(tmp_path) in message
    assert "Keep one of them" in message
