"""Broken inputs and config as a user meets them (inputs.md, "Bad input").

Part 1: each way a file or the config can be unusable stops ``salespack run`` with
exit code 2, one short message naming the file (and key) and saying what to do, no
traceback, and nothing written under the outputs folder.

Part 2: a property test corrupts the sample CSV exports at random (truncated rows,
swapped columns, junk bytes, another encoding, duplicated rows, a deleted header
column, empty and very long cells) and runs ``salespack validate`` on each: the
exit code is 0 or 2, never a traceback, and for every file that could be read,
rows read = rows used + rows rejected.
"""

from __future__ import annotations

import csv
import io
import pathlib
import re
import shutil
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

import pipeline.month_end as month_end

from .conftest import SAMPLE_INPUTS, invoke

PERIOD = "2026-10"

# A message "says what to do" when it holds an instruction to the user.
HINT = re.compile(r"\b(Add|Check|Export|Fix|Give|Keep|Map|Open|Pass|Put|Remove|Rename|Save|Use|Write)\b")


def run(inputs: Path, outputs: Path, *extra: str):
    return invoke("run", "--inputs", str(inputs), "--outputs", str(outputs), "--period", PERIOD, *extra)


def assert_stopped_cleanly(result, outputs: Path, *expected: str) -> None:
    """Exit 2, a short readable message holding ``expected`` and an instruction,
    no traceback, and no file at all under the outputs folder."""
    output = result.output
    assert result.exit_code == 2, output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output and "Internal error" not in output, output
    lines = output.strip().splitlines()
    assert 1 <= len(lines) <= 6, output
    for text in expected:
        assert text in output, (text, output)
    assert HINT.search(output), f"no instruction in: {output}"
    written = sorted(p for p in outputs.rglob("*") if p.is_file()) if outputs.exists() else []
    assert not written, written
    assert not any(p.suffix in (".pdf", ".xlsx") or p.name == "manifest.json" for p in written)


def write_config(folder: Path, text: str) -> Path:
    path = folder / "salespack-test.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def replace_in_header(path: Path, old: str, new: str, encoding: str) -> None:
    data = path.read_bytes()
    header, newline, rest = data.partition(b"\n")
    assert old.encode(encoding) in header
    path.write_bytes(header.replace(old.encode(encoding), new.encode(encoding), 1) + newline + rest)


# ---------------------------------------------------------------------------
# Part 1: broken files. Each case breaks a copy of the sample and returns the
# extra CLI arguments; the expected texts name the file and what to do.
# ---------------------------------------------------------------------------

def _missing_roster(inputs: Path, tmp: Path):
    (inputs / "roster.xlsx").unlink()
    return []


def _missing_sales(inputs: Path, tmp: Path):
    (inputs / "sales.csv").unlink()
    return []


def _sales_column_misspelt(inputs: Path, tmp: Path):
    replace_in_header(inputs / "sales.csv", "金额", "金 额", "gbk")
    return []


def _budget_target_column_deleted(inputs: Path, tmp: Path):
    path = inputs / "budget.xlsx"
    book = load_workbook(path)
    sheet = book.worksheets[0]
    column = [c.value for c in sheet[1]].index("任务额") + 1
    sheet.delete_cols(column)
    book.save(path)
    return []


def _sales_random_bytes(inputs: Path, tmp: Path):
    import random
    noise = random.Random(20261003)
    data = bytes(noise.randrange(256) for _ in range(6000))
    (inputs / "sales.csv").write_bytes(data[:100] + b"\x00\x00" + data[100:])
    return []


def _roster_is_text(inputs: Path, tmp: Path):
    (inputs / "roster.xlsx").write_text("工号,姓名,岗位,团队\nE001,张三,总监,\n", encoding="utf-8")
    return []


def _roster_truncated(inputs: Path, tmp: Path):
    path = inputs / "roster.xlsx"
    path.write_bytes(path.read_bytes()[:500])
    return []


def _sales_zero_bytes(inputs: Path, tmp: Path):
    (inputs / "sales.csv").write_bytes(b"")
    return []


def _budget_zero_bytes(inputs: Path, tmp: Path):
    (inputs / "budget.xlsx").write_bytes(b"")
    return []


def _sales_only_blank_lines(inputs: Path, tmp: Path):
    (inputs / "sales.csv").write_bytes(b"   \r\n\r\n \t \r\n")
    return []


def _sales_blank_header(inputs: Path, tmp: Path):
    """Header row of empty cells above the data (an export that lost its titles)."""
    path = inputs / "sales.csv"
    header, newline, rest = path.read_bytes().partition(b"\n")
    path.write_bytes(b"," * header.count(b",") + b"\r" + newline + rest)
    return []


def _budget_empty_workbook(inputs: Path, tmp: Path):
    Workbook().save(inputs / "budget.xlsx")
    return []


def _wrong_sheet(inputs: Path, tmp: Path):
    return ["--config", str(write_config(tmp, "inputs: {datasets: {budget: {sheet: 不存在}}}\n"))]


def _ascii_on_gbk_sales(inputs: Path, tmp: Path):
    return ["--config", str(write_config(tmp, "inputs: {datasets: {sales: {encoding: ascii}}}\n"))]


def _ascii_everywhere(inputs: Path, tmp: Path):
    return ["--config", str(write_config(tmp, "inputs: {encoding: ascii}\n"))]


def _utf8_on_gbk_sales(inputs: Path, tmp: Path):
    return ["--config", str(write_config(tmp, "inputs: {datasets: {sales: {encoding: utf-8}}}\n"))]


def _unknown_encoding(inputs: Path, tmp: Path):
    return ["--config", str(write_config(tmp, "inputs: {encoding: klingon}\n"))]


def _no_inputs_folder(inputs: Path, tmp: Path):
    shutil.rmtree(inputs)
    return []


def _inputs_is_a_file(inputs: Path, tmp: Path):
    # The caller passes --inputs; a second --inputs overrides it (click keeps the last).
    return ["--inputs", str(inputs / "sales.csv")]


def _two_sales_files(inputs: Path, tmp: Path):
    shutil.copy(inputs / "budget.xlsx", inputs / "sales.xlsx")
    return []


def _sales_line_with_extra_fields(inputs: Path, tmp: Path):
    path = inputs / "sales.csv"
    lines = path.read_bytes().split(b"\n")
    lines[5] = lines[5].rstrip(b"\r") + b",x,y,z\r"   # file line 6 = record 6
    path.write_bytes(b"\n".join(lines))
    return []


def _sales_parquet_damaged(inputs: Path, tmp: Path):
    (inputs / "sales.csv").unlink()
    (inputs / "sales.parquet").write_bytes(b"PAR1" + b"\x15\x00" * 40 + b"PAR1")
    return []


def _mapped_to_unknown_column(inputs: Path, tmp: Path):
    return ["--config", str(write_config(tmp, "inputs: {datasets: {sales: {columns: {金额: amout}}}}\n"))]


def _budget_duplicate_header(inputs: Path, tmp: Path):
    """Two '任务额' columns in budget.xlsx (a copied column left in the export)."""
    path = inputs / "budget.xlsx"
    book = load_workbook(path)
    sheet = book.worksheets[0]
    source = [c.value for c in sheet[1]].index("任务额") + 1
    extra = sheet.max_column + 1
    for row in range(1, sheet.max_row + 1):
        sheet.cell(row, extra).value = sheet.cell(row, source).value
    book.save(path)
    return []


def _surveys_trailing_comma_on_first_data_line(inputs: Path, tmp: Path):
    """One stray trailing comma on record 2 only: the same comma on record 6 is a clear
    'Expected 7 fields in line 6, saw 8' message."""
    path = inputs / "surveys.csv"
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1].rstrip(b"\r") + b",\r"
    path.write_bytes(b"\n".join(lines))
    return []


def _sales_header_one_name_short(inputs: Path, tmp: Path):
    """The last header cell (备注) deleted: every record has one field more than the header."""
    replace_in_header(inputs / "sales.csv", ",备注", "", "gbk")
    return []


def _customers_utf16_cut_short(inputs: Path, tmp: Path):
    """UTF-16 with its BOM, last byte lost (a copy interrupted)."""
    path = inputs / "customers.csv"
    path.write_bytes(path.read_bytes().decode("utf-8-sig").encode("utf-16")[:-1])
    return []


SHIFT_BUG = ("BUG: when record 2 has one field more than the header, pandas silently takes the first "
             "column as the row index (read_csv without index_col=False), every value of every row shifts "
             "one column left and all rows are rejected with misleading reasons (e.g. surveys.csv row 2 "
             "'date '5' not a date'); expected exit 2 with one message naming the file and line 2, as for "
             "the same fault on any later line")
BOM_BUG = ("BUG: decode() decodes a file that starts with a UTF-8 or UTF-16 BOM without catching "
           "UnicodeDecodeError -> exit 1 'Internal error: UnicodeDecodeError'; expected exit 2 naming "
           "customers.csv and saying to save it again as UTF-8 (or name the encoding in config)")

FILE_CASES = [
    pytest.param(_missing_roster, ["roster", "roster.csv, roster.xlsx or roster.parquet"], id="missing-roster"),
    pytest.param(_missing_sales, ["sales", "sales.csv, sales.xlsx or sales.parquet"], id="missing-sales"),
    pytest.param(_sales_column_misspelt, ["sales.csv", "amount", "金额", "Did you mean '金 额'"],
                 id="sales-column-misspelt"),
    pytest.param(_budget_target_column_deleted, ["budget.xlsx", "target", "任务额", "inputs.datasets.budget.columns"],
                 id="xlsx-column-missing"),
    pytest.param(_sales_random_bytes, ["sales.csv", "binary"], id="csv-random-bytes"),
    pytest.param(_roster_is_text, ["roster.xlsx", "XLSX"], id="xlsx-is-text"),
    pytest.param(_roster_truncated, ["roster.xlsx", "XLSX"], id="xlsx-truncated"),
    pytest.param(_sales_zero_bytes, ["sales.csv", "empty"], id="csv-0-bytes"),
    pytest.param(_budget_zero_bytes, ["budget.xlsx", "empty"], id="xlsx-0-bytes"),
    pytest.param(_sales_only_blank_lines, ["sales.csv", "empty"], id="csv-blank-lines-only"),
    pytest.param(_sales_blank_header, ["sales.csv", "order_id", "订单号"], id="csv-blank-header"),
    pytest.param(_budget_empty_workbook, ["budget.xlsx", "headers"], id="xlsx-empty-workbook"),
    pytest.param(_wrong_sheet, ["budget.xlsx", "不存在", "销售目标", "inputs.datasets.budget.sheet"],
                 id="wrong-sheet"),
    pytest.param(_ascii_on_gbk_sales, ["sales.csv", "ascii", "inputs.encoding"], id="forced-ascii-on-gbk"),
    pytest.param(_ascii_everywhere, ["ascii", ".csv", "inputs.encoding"], id="forced-ascii-everywhere"),
    pytest.param(_utf8_on_gbk_sales, ["sales.csv", "utf-8", "inputs.encoding"], id="forced-utf8-on-gbk"),
    pytest.param(_unknown_encoding, ["klingon", ".csv", "inputs.encoding"], id="unknown-encoding"),
    pytest.param(_no_inputs_folder, ["inputs", "not a folder", "--inputs"], id="no-inputs-folder"),
    pytest.param(_inputs_is_a_file, ["sales.csv", "not a folder", "--inputs"], id="inputs-is-a-file"),
    pytest.param(_two_sales_files, ["sales.csv", "sales.xlsx", "Keep one"], id="two-files-one-dataset"),
    pytest.param(_sales_line_with_extra_fields, ["sales.csv", "line 6"], id="csv-line-with-extra-fields"),
    pytest.param(_sales_parquet_damaged, ["sales.parquet", "Parquet"], id="parquet-damaged"),
    pytest.param(_mapped_to_unknown_column, ["sales.csv", "amout", "amount"], id="config-maps-unknown-column"),
    pytest.param(_budget_duplicate_header, ["budget.xlsx", "任务额"], id="xlsx-duplicate-header"),
    pytest.param(_surveys_trailing_comma_on_first_data_line, ["surveys.csv", "line 2"],
                 id="csv-extra-field-on-first-record"),
    pytest.param(_sales_header_one_name_short, ["sales.csv", "line 2"],
                 id="csv-header-one-name-short"),
    pytest.param(_customers_utf16_cut_short, ["customers.csv"], id="csv-utf16-cut-short"),
]


@pytest.mark.parametrize("break_it, expected", FILE_CASES)
def test_a_broken_file_stops_the_run_with_one_clear_message(sample_copy, tmp_path, break_it, expected):
    outputs = tmp_path / "out"
    extra = break_it(sample_copy, tmp_path)
    result = run(sample_copy, outputs, *extra)
    assert_stopped_cleanly(result, outputs, *expected)


def test_a_csv_that_cannot_be_opened_is_a_user_error(sample_copy, tmp_path):
    real = pathlib.Path.read_bytes

    def locked(self):
        if self.name == "sales.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    outputs = tmp_path / "out"
    with mock.patch.object(pathlib.Path, "read_bytes", locked):
        result = run(sample_copy, outputs)
    assert_stopped_cleanly(result, outputs, "sales.csv")


# ---------------------------------------------------------------------------
# Part 1: periods and config.
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("period", ["2026-13", "abc"])
def test_an_invalid_period_stops_the_run(sample_copy, tmp_path, period):
    outputs = tmp_path / "out"
    result = invoke("run", "--inputs", str(sample_copy), "--outputs", str(outputs), "--period", period)
    assert_stopped_cleanly(result, outputs, f"'{period}'", "YYYY-MM")


CONFIG_CASES = [
    pytest.param("compnay:\n  name: 测试\n", ["key 'compnay'", "Did you mean 'company'"], id="misspelt-key"),
    pytest.param("pledges: {reward_tiers: {team: [{min_attainment: high, amount: 1}]}}\n",
                 ["pledges.reward_tiers.team.0.min_attainment", "number"], id="wrong-type"),
    pytest.param("locale: fr\n", ["key 'locale'", "zh_CN", "en"], id="unknown-locale"),
    pytest.param("timezone: Mars/Olympus\n", ["key 'timezone'", "Mars/Olympus", "Asia/Shanghai"],
                 id="unknown-time-zone"),
    pytest.param("company: [unclosed\n  name: : x\n", ["not valid YAML"], id="invalid-yaml"),
    pytest.param("inputs: {datasets: {salse: {sheet: 明细}}}\n", ["inputs.datasets", "salse"],
                 id="unknown-dataset-name"),
    pytest.param("- locale: en\n- timezone: UTC\n", ["mapping"], id="top-level-list"),
    pytest.param("pack: {long_table_rows: 3}\n", ["pack.long_table_rows", "10"], id="table-broken-every-3-rows"),
]


@pytest.mark.parametrize("text, expected", CONFIG_CASES)
def test_a_config_error_names_file_and_key(sample_copy, tmp_path, text, expected):
    outputs = tmp_path / "out"
    config = write_config(tmp_path, text)
    result = run(sample_copy, outputs, "--config", str(config))
    assert_stopped_cleanly(result, outputs, config.name, *expected)


def test_a_config_file_that_does_not_exist(sample_copy, tmp_path):
    outputs = tmp_path / "out"
    result = run(sample_copy, outputs, "--config", str(tmp_path / "nowhere.yaml"))
    assert_stopped_cleanly(result, outputs, "nowhere.yaml", "not found", "--config")


def test_a_config_path_that_is_a_folder(sample_copy, tmp_path):
    outputs = tmp_path / "out"
    folder = tmp_path / "config-folder"
    folder.mkdir()
    result = run(sample_copy, outputs, "--config", str(folder))
    assert_stopped_cleanly(result, outputs, "config-folder", "--config")


# ---------------------------------------------------------------------------
# Part 2: random corruption of the sample CSVs never gives a traceback and
# every readable file reconciles.
# ---------------------------------------------------------------------------

# The sample CSVs and the encodings they are saved in.
CSV_FILES = {
    "sales.csv": "gbk",
    "customers.csv": "utf-8-sig",
    "visits.csv": "utf-8",
    "pledges.csv": "gb18030",
    "surveys.csv": "utf-8",
}
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le", "utf-16-be"]
JUNK = [
    b"\x00", b"\x00\x00\x00\x00", b"\xff", b"\x80\x81", b"\xc3\x28", b"\xe4\xb8",  # NUL, invalid UTF-8
    b"\x81\x30", b"\xfe\xfe\xfe", b"\xa1",                                            # invalid GBK
    "😀".encode("utf-8"), "\u00e9".encode("latin-1"), b"\r", b"\n", b'"', b",",
    b"\xef\xbb\xbf", b"\xff\xfe",                                                     # stray BOMs
]
JUNK_TEXT = ["😀", "\x00", "\ufffd", "\u200b", '"', "'", ",", "=1+1", "；", "\u3000", "N/A", "-", "  "]

index = st.integers(min_value=0, max_value=10**6)  # taken modulo the real size
text_mutation = st.one_of(
    st.tuples(st.just("truncate_row"), index, st.integers(0, 12)),
    st.tuples(st.just("swap_columns"), index, index, st.lists(index, min_size=1, max_size=8)),
    st.tuples(st.just("duplicate_rows"), index, st.integers(1, 4)),
    st.tuples(st.just("delete_header_column"), index),
    st.tuples(st.just("empty_cells"), index, st.lists(index, min_size=1, max_size=8)),
    st.tuples(st.just("long_cell"), index, index, st.sampled_from([300, 5_000, 200_000])),
    st.tuples(st.just("junk_text"), index, index, st.sampled_from(JUNK_TEXT)),
)
corruption = st.fixed_dictionaries({
    "file": st.sampled_from(sorted(CSV_FILES)),
    "text": st.lists(text_mutation, max_size=4),
    "encoding": st.one_of(st.none(), st.sampled_from(ENCODINGS)),
    "junk": st.lists(st.tuples(index, st.sampled_from(JUNK)), max_size=3),
})


def corrupt_rows(rows: list[list[str]], mutation: tuple) -> None:
    """Apply one text-level mutation to ``rows`` (rows[0] is the header) in place."""
    kind, *args = mutation
    data = range(1, len(rows))
    if kind == "truncate_row":
        row = data[args[0] % len(data)]
        rows[row] = rows[row][:args[1]]
    elif kind == "swap_columns":
        width = len(rows[0])
        a, b = args[0] % width, args[1] % width
        for pick in args[2]:
            row = rows[data[pick % len(data)]]
            if max(a, b) < len(row):
                row[a], row[b] = row[b], row[a]
    elif kind == "duplicate_rows":
        row = data[args[0] % len(data)]
        rows[row + 1:row + 1] = [list(rows[row]) for _ in range(args[1])]
    elif kind == "delete_header_column":
        del rows[0][args[0] % len(rows[0])]
    elif kind == "empty_cells":
        column = args[0] % len(rows[0])
        for pick in args[1]:
            row = rows[data[pick % len(data)]]
            if column < len(row):
                row[column] = ""
    elif kind == "long_cell":
        row = rows[data[args[0] % len(data)]]
        if row:
            row[args[1] % len(row)] = ("长" + "x" * 9) * (args[2] // 10)
    elif kind == "junk_text":
        row = rows[args[0] % len(rows)]  # the header too
        if row:
            cell = args[1] % len(row)
            row[cell] = row[cell][: len(row[cell]) // 2] + args[2] + row[cell][len(row[cell]) // 2:]
    else:  # pragma: no cover
        raise AssertionError(kind)


def corrupt(folder: Path, plan: dict) -> None:
    path = folder / plan["file"]
    original = CSV_FILES[plan["file"]]
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(original), newline="")))
    for mutation in plan["text"]:
        corrupt_rows(rows, mutation)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    text = buffer.getvalue()
    encoding = plan["encoding"] or original
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # an emoji in a GBK file: what Excel's GB18030 would write
        data = text.encode("gb18030")
    for position, junk in plan["junk"]:
        at = position % (len(data) + 1)
        data = data[:at] + junk + data[at:]
    path.write_bytes(data)


ROW = re.compile(r"^(\w+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", re.MULTILINE)


@settings(derandomize=True, max_examples=30, deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plan=corruption)
# Every kind of corruption at least once, whatever the random draw.
@example(plan={"file": "sales.csv", "text": [], "encoding": "utf-8", "junk": []})
@example(plan={"file": "sales.csv", "text": [], "encoding": "utf-16", "junk": []})
@example(plan={"file": "customers.csv", "text": [], "encoding": "gbk", "junk": []})
@example(plan={"file": "sales.csv", "text": [("junk_text", 100, 5, "😀")], "encoding": None,
               "junk": [(200_000, b"\x81\x30")]})
@example(plan={"file": "visits.csv", "encoding": None, "junk": [], "text": [
    ("truncate_row", 10, 3), ("swap_columns", 1, 3, [5, 6, 7]), ("duplicate_rows", 20, 2),
    ("empty_cells", 2, [30, 31]), ("long_cell", 40, 8, 200_000), ("junk_text", 50, 8, "\x00")]})
@example(plan={"file": "pledges.csv", "text": [("delete_header_column", 5)], "encoding": None, "junk": []})
@example(plan={"file": "surveys.csv", "text": [("duplicate_rows", 3, 4)], "encoding": "utf-8-sig",
               "junk": [(9000, b"\x00")]})
def test_random_corruption_never_gives_a_traceback_and_always_reconciles(plan):
    folder = Path(tempfile.mkdtemp(prefix="salespack-fuzz-"))
    try:
        inputs = folder / "inputs"
        shutil.copytree(SAMPLE_INPUTS, inputs)
        corrupt(inputs, plan)

        captured = []
        real = month_end.load_inputs

        def spy(*args, **kwargs):
            captured.append(real(*args, **kwargs))
            return captured[-1]

        with mock.patch.object(month_end, "load_inputs", spy):
            result = invoke("validate", "--inputs", str(inputs))
        output = result.output
        assert result.exit_code in (0, 2), output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in output and "Internal error" not in output, output

        if not captured:  # a file-level error: one short message naming the broken file
            assert result.exit_code == 2, output
            assert plan["file"] in output, output
            assert len(output.strip().splitlines()) <= 6, output
            return

        validated = captured[0]
        assert result.exit_code == (2 if validated.rejected_rows else 0), output
        for name, r in validated.reconciliation.items():
            assert r.rows_read == r.rows_used + r.rows_rejected, (name, r)
            assert len(validated.frames[name]) == r.rows_used, name
            rejected = validated.rejects[validated.rejects["file"] == r.file]
            assert len(rejected) == r.rows_rejected == rejected["row"].nunique(), name
        printed = {m[0]: tuple(map(int, m[2:])) for m in ROW.findall(output) if m[0] != "dataset"}
        assert printed == {name: (r.rows_read, r.rows_used, r.rows_rejected)
                           for name, r in validated.reconciliation.items()}, output
    finally:
        shutil.rmtree(folder, ignore_errors=True)
