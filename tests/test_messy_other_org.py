"""A messy org that is not in the repo: ``pipeline.sample.generate(seed=4242)`` with bad rows
mixed into its real files, each in that file's own format and encoding.

Guards the contract of "Bad input" (inputs.md) on data the code was not tuned on:
- the rejects name exactly the bad rows (file, row as the user sees it, column, reason);
- every file reconciles (rows read = used + rejected; read = clean read + rows added);
- every figure of the report month equals the clean org's (each bad row is new: new IDs,
  or a later copy of a key, or the work of a rejected person, so rejecting it changes nothing);
- strict ``validate`` exits 2 (never 1) and names the rejects file.

The bad rows: out-of-range clocks and offsets in visits; implausible amounts in sales
(one wraps int64 in fen); a number cell where an XLSX date belongs; a 1905 date in a CSV;
an invalid roster person with a later valid copy of the same id, and that person's sales;
a team budget row for a team not in the roster; a UTF-8 row inside a GBK CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pandas.testing import assert_frame_equal

from pipeline.compute import compute_period
from pipeline.config import load_settings
from pipeline.month_end import load_inputs
from pipeline.sample import generate

from .conftest import SAMPLE_INPUTS, invoke

SEED = 4242
DATASET_OF = {"roster.xlsx": "roster", "customers.csv": "customers", "sales.csv": "sales",
              "visits.csv": "visits", "budget.xlsx": "budget", "pledges.csv": "pledges",
              "surveys.csv": "surveys", "trips.xlsx": "trips"}
COMPARED = ("reps", "teams", "company", "pledges")
NEW_REP = "ZZ901"


@dataclass(frozen=True)
class Bad:
    file: str
    row: int  # as the user sees it: header = row 1; the sheet row in an XLSX
    column: str | None  # a column the reject must name (None: any)
    reasons: tuple[str, ...]  # substrings every one of which reason_en must contain
    kind: str  # a short label, also the test id


# --- appending rows in each file's own format ------------------------------------------

def _records(path: Path, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))


def _append_csv(path: Path, encoding: str, rows: list[list[str]]) -> int:
    """Append ``rows`` to a CSV in ``encoding``; returns the row number of the first one."""
    data = path.read_bytes()
    count = len(_records(path, encoding))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    tail = b"" if data.endswith((b"\n", b"\r")) else b"\r\n"
    path.write_bytes(data + tail + buffer.getvalue().encode(encoding))
    return count + 1


def _append_csv_bytes(path: Path, encoding: str, line: bytes) -> int:
    """Append one raw line (already encoded, maybe not in ``encoding``, the file's own);
    returns its row number. The file must end with CRLF and have one record per line."""
    data = path.read_bytes()
    assert data.endswith(b"\r\n") and data.count(b"\r\n") == len(_records(path, encoding))
    path.write_bytes(data + line + b"\r\n")
    return data.count(b"\r\n") + 1


def _append_xlsx(path: Path, rows: list[tuple]) -> int:
    """Append ``rows`` under the first sheet's data; returns the first one's sheet row."""
    book = load_workbook(path)
    sheet = book.worksheets[0]
    first = sheet.max_row + 1
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return first


def _add(bad: list[Bad], file: str, first: int, specs: list[tuple[str | None, tuple[str, ...], str]]):
    bad += [Bad(file, first + i, *spec) for i, spec in enumerate(specs)]


# --- the messy copy ----------------------------------------------------------------------

def _sale(order: str, amount="1000.00", date="2026-10-15", rep="E005", note="坏数据") -> list[str]:
    # 订单号 行号 订单日期 销售代表工号 客户编号 产品 数量 金额 成本 备注
    return [order, "1", date, rep, "C0001", "数显高度规", "1", amount, "600.00", note]


def _make_messy(inputs: Path) -> list[Bad]:
    """Mix the bad rows into the copy in ``inputs``; return every bad row."""
    bad: list[Bad] = []

    # roster.xlsx: an invalid new person, then a valid later copy of the same rep_id.
    # 工号 姓名 岗位 团队 上级工号 邮箱 入职日期 在职
    path = inputs / "roster.xlsx"
    header = next(load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert header[:3] == ("工号", "姓名", "岗位")
    first = _append_xlsx(path, [
        (NEW_REP, "实习生甲", "intern", "华东销售部", "E002", None, dt.datetime(2026, 7, 1), "是"),
        (NEW_REP, "实习生甲", "代表", "华东销售部", "E002", None, dt.datetime(2026, 7, 1), "是"),
    ])
    roster_first, roster_later = first, first + 1
    bad += [Bad("roster.xlsx", roster_first, "role", (str(roster_later),), "roster-intern-first"),
            Bad("roster.xlsx", roster_later, "rep_id", (str(roster_first),), "roster-valid-later-copy")]

    # sales.csv (GBK): implausible amounts, a 1905 date, the rejected person's sales.
    path = inputs / "sales.csv"
    assert _records(path, "gbk")[0] == ["订单号", "行号", "订单日期", "销售代表工号", "客户编号",
                                         "产品", "数量", "金额", "成本", "备注"]
    rejected_in = ("was rejected in", "roster.xlsx", str(roster_first))
    sales = [
        (_sale("SO9901-00001", amount="1000000000000000000"), "amount", ("implausib",), "sales-amount-1e18"),
        (_sale("SO9901-00002", amount="99999999999999999999999"), "amount", ("implausib",),
         "sales-amount-1e23"),
        (_sale("SO9901-00003", date="1905-07-18"), "order_date", ("implausible date",), "sales-date-1905"),
        (_sale("SO9901-00004", rep=NEW_REP), "rep_id", rejected_in, "sales-of-rejected-rep-1"),
        (_sale("SO9901-00005", rep=NEW_REP, date="2026-10-20"), "rep_id", rejected_in,
         "sales-of-rejected-rep-2"),
        (_sale("SO9901-00006", rep=NEW_REP, date="2026-09-08"), "rep_id", rejected_in,
         "sales-of-rejected-rep-3"),
    ]
    first = _append_csv(path, "gbk", [row for row, *_ in sales])
    _add(bad, "sales.csv", first, [tuple(spec) for _, *spec in sales])

    # sales.csv again: one new row saved as UTF-8, with Chinese, in the GBK file. Three
    # Chinese characters = 9 bytes, so the last byte pairs with CR: not GBK, not GB18030.
    line = ",".join(_sale("SO9901-00007", note="编码错")).encode("utf-8")
    for encoding in ("gbk", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            (line + b"\r\n").decode(encoding)
    row = _append_csv_bytes(path, "gbk", line)
    bad.append(Bad("sales.csv", row, None, ("encoding",), "sales-utf8-row-in-gbk"))

    # visits.csv (UTF-8): clocks out of range and an offset out of range.
    path = inputs / "visits.csv"
    assert _records(path, "utf-8")[0][:4] == ["visit_id", "rep_id", "customer_id", "checkin_time"]
    visits = [[vid, "E005", "C0001", checkin, "", "", "", "跟进", "坏数据"] for vid, checkin in [
        ("V900001", "2026-10-15 24:00"), ("V900002", "2026-10-15 09:60"),
        ("V900003", "2026-10-15T09:00:00+25:00")]]
    first = _append_csv(path, "utf-8", visits)
    _add(bad, "visits.csv", first, [("checkin_time", ("invalid time",), f"visits-{kind}")
                                     for kind in ("24h", "60min", "offset25")])

    # trips.xlsx: the NUMBER 2026 in a date cell (a year typed into Excel = serial 1905-07-18).
    path = inputs / "trips.xlsx"
    header = next(load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert header[:4] == ("出差编号", "工号", "出发日期", "返回日期")
    first = _append_xlsx(path, [("T9001", "E005", 2026, dt.datetime(2026, 10, 20), "C0001", 3000, None)])
    _add(bad, "trips.xlsx", first, [("start_date", ("Excel",), "trips-number-in-date-cell")])

    # budget.xlsx: a team row for a team that is not in the roster, for the report month.
    path = inputs / "budget.xlsx"
    header = next(load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert header == ("月份", "工号", "团队", "任务额", "挑战目标")
    first = _append_xlsx(path, [("2026-10", None, "不存在的团队", 100000, None)])
    _add(bad, "budget.xlsx", first, [("team", ("not in the roster",), "budget-unknown-team")])
    return bad


def _report_period(folder: Path) -> pd.Period:
    """2026-10 when the sales hold it, else the month with the most sales rows."""
    months = Counter()
    for record in _records(folder / "sales.csv", "gbk")[1:]:
        match = re.match(r"(\d{4})\D(\d{1,2})", record[2])
        if match:
            months[f"{match.group(1)}-{int(match.group(2)):02d}"] += 1
    month = "2026-10" if months["2026-10"] else months.most_common(1)[0][0]
    return pd.Period(month, "M")


# --- fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def org(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("messy-other-org")
    clean, messy = base / "clean", base / "messy"
    written = generate(clean, seed=SEED)
    assert {p.name for p in written.values()} == set(DATASET_OF), written
    shutil.copytree(clean, messy)
    bad = _make_messy(messy)
    return {"clean": clean, "messy": messy, "bad": bad, "period": _report_period(clean),
            "settings": load_settings(None)}


@pytest.fixture(scope="module")
def clean_validated(org):
    return load_inputs(org["clean"], org["settings"])


@pytest.fixture(scope="module")
def messy_validated(org):
    return load_inputs(org["messy"], org["settings"])


def _rejects(validated) -> list[dict]:
    return validated.rejects.to_dict("records")


# --- tests -------------------------------------------------------------------------------

def test_the_generated_org_is_clean_and_other_than_the_sample(org, clean_validated):
    assert _rejects(clean_validated) == []
    assert (org["clean"] / "sales.csv").read_bytes() != (SAMPLE_INPUTS / "sales.csv").read_bytes()


def test_rejects_name_exactly_the_bad_rows(org, messy_validated):
    rejects = _rejects(messy_validated)
    seen = Counter((r["file"], int(r["row"])) for r in rejects)
    assert [key for key, n in seen.items() if n > 1] == [], "each rejected row appears once"
    expected = {(b.file, b.row): b for b in org["bad"]}
    missing = sorted(set(expected) - set(seen))
    extra = [r for r in rejects if (r["file"], int(r["row"])) not in expected]
    assert missing == [] and extra == [], (
        f"not rejected: {[expected[k] for k in missing]}; rejected but not bad: {extra}")


KINDS = ("roster-intern-first", "roster-valid-later-copy", "sales-amount-1e18", "sales-amount-1e23",
         "sales-date-1905", "sales-of-rejected-rep-1", "sales-of-rejected-rep-2",
         "sales-of-rejected-rep-3", "sales-utf8-row-in-gbk", "visits-24h", "visits-60min",
         "visits-offset25", "trips-number-in-date-cell", "budget-unknown-team")


@pytest.mark.parametrize("kind", KINDS)
def test_each_reject_names_its_column_and_reason(org, messy_validated, kind):
    assert sorted(b.kind for b in org["bad"]) == sorted(KINDS)
    b = next(b for b in org["bad"] if b.kind == kind)
    found = [r for r in _rejects(messy_validated) if (r["file"], int(r["row"])) == (b.file, b.row)]
    assert found, f"{b.file} row {b.row} not rejected ({b})"
    reject = found[0]
    if b.column is not None:
        assert b.column in str(reject["column"]).split("; "), (b, reject)
    for part in b.reasons:
        if part.isdigit():  # a row number, as a whole number
            assert re.search(rf"(?<!\d){part}(?!\d)", reject["reason_en"]), (b, reject)
        else:
            assert part in reject["reason_en"], (b, reject)
    assert str(reject["reason_zh"]).strip(), reject


def test_every_file_reconciles(org, clean_validated, messy_validated):
    added = Counter(DATASET_OF[b.file] for b in org["bad"])
    clean, messy = clean_validated.reconciliation, messy_validated.reconciliation
    assert set(clean) == set(messy) == set(DATASET_OF.values())
    for dataset, counts in messy.items():
        assert counts.rows_read == counts.rows_used + counts.rows_rejected, dataset
        assert clean[dataset].rows_rejected == 0, dataset
        assert counts.rows_read == clean[dataset].rows_read + added[dataset], dataset
        assert counts.rows_rejected == added[dataset], dataset
        assert counts.rows_used == clean[dataset].rows_used, dataset


@pytest.fixture(scope="module")
def figures(org, clean_validated, messy_validated):
    period = org["period"]
    return (compute_period(clean_validated.frames, period, org["settings"]),
            compute_period(messy_validated.frames, period, org["settings"]))


@pytest.mark.parametrize("table", COMPARED)
def test_figures_equal_the_clean_org(figures, table):
    clean, messy = (getattr(f, table) for f in figures)
    assert len(clean) > 0, table
    assert_frame_equal(messy, clean)


def test_strict_validate_exits_2_and_names_the_rejects_file(org, tmp_path):
    control = invoke("validate", "--inputs", str(org["clean"]), "--rejects", str(tmp_path / "clean.csv"))
    assert control.exit_code == 0, control.output
    path = tmp_path / "rejects.csv"
    result = invoke("validate", "--inputs", str(org["messy"]), "--rejects", str(path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert str(path) in result.output
    assert path.is_file()
