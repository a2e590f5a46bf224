"""A dirty org: the sample exports with many kinds of bad rows appended to the real
files, each in its file's own format and encoding (issue "Bad input").

Every bad row is new (new IDs, or a later copy of an existing key, or the work of a
person who is unknown or rejected), so once it is rejected every figure must equal
the clean sample's. Strict mode stops with a readable summary and only rejects.csv and run.log (beside the period folder);
lenient mode renders a provisional pack whose rejects.csv names exactly these rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from .conftest import SAMPLE_CONFIG, SAMPLE_INPUTS, SAMPLE_PERIOD, invoke, pdf_text

DATASET_OF = {"roster.xlsx": "roster", "customers.csv": "customers", "sales.csv": "sales",
              "visits.csv": "visits", "budget.xlsx": "budget", "pledges.csv": "pledges",
              "surveys.csv": "surveys", "trips.xlsx": "trips"}
COMPARED_SHEETS = ("reps", "teams", "company", "pledges")


@dataclass(frozen=True)
class Bad:
    file: str
    row: int  # as the user sees it: header = row 1; the sheet row in an XLSX
    column: str  # the column the reject must name (among others when a row breaks several rules)
    kind: str  # which rule it breaks, for the coverage count and for messages


# --- appending rows in each file's own format ------------------------------------------

def _append_csv(path: Path, encoding: str, rows: list[list[str]]) -> int:
    """Append ``rows`` to a CSV in ``encoding`` (``utf-8-sig`` keeps the one BOM);
    returns the row number the first appended row gets."""
    data = path.read_bytes()
    text = data.decode(encoding)
    records = list(csv.reader(io.StringIO(text)))
    if not text.endswith(("\n", "\r")):
        text += "\r\n"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes((text + buffer.getvalue()).encode(encoding))
    return len(records) + 1


def _append_xlsx(path: Path, rows: list[tuple]) -> int:
    """Append ``rows`` under the first sheet's data, header untouched; returns the
    sheet row of the first appended row."""
    book = load_workbook(path)
    sheet = book.worksheets[0]
    first = sheet.max_row + 1
    for row in rows:
        sheet.append(list(row))
    assert sheet.max_row == first + len(rows) - 1
    book.save(path)
    return first


def _header(path: Path, encoding: str) -> list[str]:
    return next(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))


def _first_rows(path: Path, encoding: str, count: int = 1) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))[1:1 + count]


def _add(bad: list[Bad], file: str, first_row: int, specs: list[tuple[str, str]]) -> None:
    bad += [Bad(file, first_row + i, column, kind) for i, (column, kind) in enumerate(specs)]


def _make_dirty(inputs: Path) -> list[Bad]:
    """Append the bad rows to the copy in ``inputs``; return the list of every bad row."""
    bad: list[Bad] = []
    d = dt.datetime

    # roster.xlsx (Chinese headers): 工号 姓名 岗位 团队 上级工号 邮箱 入职日期 在职
    roster_book = load_workbook(inputs / "roster.xlsx", read_only=True)
    roster_rows = list(roster_book.worksheets[0].iter_rows(values_only=True))
    roster_book.close()
    assert roster_rows[0][:3] == ("工号", "姓名", "岗位")
    e005 = next(r for r in roster_rows if r[0] == "E005")
    assert e005[2] == "代表", "E005 must be a rep for the team-pledge case"
    roster = [
        (("E900", "实习生甲", "intern", "华东销售部", "E002", None, d(2026, 7, 1), "是"),
         "role", "unknown role (intern)"),
        (("E901", "孤儿乙", "代表", "华东销售部", "E999", None, d(2026, 7, 1), "是"),
         "manager_id", "roster manager_id not in roster"),
        (("E902", "孤儿丙", "代表", "华东销售部", "E901", None, d(2026, 7, 1), "是"),
         "manager_id", "roster manager_id names a rejected roster row (cascade)"),
        (("E903", "无团队丁", "代表", None, "E002", None, d(2026, 7, 1), "是"),
         "team", "rep without a team"),
        (("E904", "邮箱戊", "代表", "华东销售部", "E002", "not-an-email", d(2026, 7, 1), "是"),
         "email", "malformed email"),
        (("E905", "在职己", "代表", "华东销售部", "E002", None, d(2026, 7, 1), "可能"),
         "active", "bad yes/no"),
        (e005, "rep_id", "duplicate rep_id (later copy)"),
        (("E906", None, "代表", "华东销售部", "E002", None, d(2026, 7, 1), "是"),
         "name", "missing required value (roster name)"),
        (("E907", "入职庚", "代表", "华东销售部", "E002", None, "2026-02-30", "是"),
         "hire_date", "impossible date in a sheet (text cell)"),
    ]
    first = _append_xlsx(inputs / "roster.xlsx", [r for r, _, _ in roster])
    _add(bad, "roster.xlsx", first, [(c, k) for _, c, k in roster])

    # customers.csv (UTF-8 with BOM, Chinese headers)
    path = inputs / "customers.csv"
    assert _header(path, "utf-8-sig")[:3] == ["客户编号", "客户名称", "负责人工号"]
    c0001 = _first_rows(path, "utf-8-sig")[0]
    assert c0001[0] == "C0001"
    def customer(cid, name="坏数据公司", owner="E005", cls="A", stage="签约", lat="31.2", lon="121.4"):
        return [cid, name, owner, cls, stage, lat, lon, "上海", "2026-01-05"]

    customers = [
        (customer("C9001", cls="D"), "class", "unknown class D"),
        (customer("C9002", stage="流失"), "stage", "unknown stage"),
        (customer("C9003", lat="91"), "lat", "lat 91"),
        (customer("C9004", lon="-181"), "lon", "lon -181"),
        (c0001, "customer_id", "duplicate customer_id (later copy)"),
        (customer("C9005", owner="E999"), "owner_rep_id", "customer owner not in roster"),
        (customer("C9006", name=""), "name", "missing required value (customer name)"),
        (customer("C9007", owner="E900"), "owner_rep_id", "customer owned by a rejected roster row"),
        (customer("C9008", lat="纬度"), "lat", "unparseable number"),
    ]
    first = _append_csv(path, "utf-8-sig", [r for r, _, _ in customers])
    _add(bad, "customers.csv", first, [(c, k) for _, c, k in customers])

    # sales.csv (GBK, Chinese headers, extra column 备注)
    path = inputs / "sales.csv"
    assert _header(path, "gbk") == ["订单号", "行号", "订单日期", "销售代表工号", "客户编号", "产品", "数量",
                                    "金额", "成本", "备注"]
    first_line = _first_rows(path, "gbk")[0]

    def sale(order, amount="1000.00", date="2026-10-15", rep="E005", customer="C0001", line="1", cost="600.00"):
        return [order, line, date, rep, customer, "数字测温仪", "1", amount, cost, "坏数据"]

    sales = [
        (sale("SO9901", date=""), "order_date", "missing required value (order date)"),
        (sale("SO9902", amount="十二元"), "amount", "unparseable amount"),
        (sale("SO9903", amount="1234.567"), "amount", "amount with 3 decimals"),
        (sale("SO9904", amount="1234,5"), "amount", "misplaced comma 1234,5"),
        (sale("SO9905", date="2026-02-30"), "order_date", "bad date"),
        (first_line, "order_id+line_no", "duplicate sales (order_id, line_no) (later copy)"),
        (sale("SO9906", rep="E999"), "rep_id", "sales rep not in roster"),
        (sale("SO9907", rep="E900"), "rep_id", "sales by a rejected roster row (intern)"),
        (sale("SO9908", line="1.5"), "line_no", "line_no not a whole number"),
        (sale("SO9909", cost="成本价"), "cost", "unparseable optional amount (cost)"),
        (sale("SO9910", customer=""), "customer_id", "missing required value (customer)"),
        (sale("SO9911", date="2026年13月1日"), "order_date", "bad Chinese date"),
    ]
    first = _append_csv(path, "gbk", [r for r, _, _ in sales])
    _add(bad, "sales.csv", first, [(c, k) for _, c, k in sales])

    # visits.csv (UTF-8, English headers)
    path = inputs / "visits.csv"
    assert _header(path, "utf-8")[:4] == ["visit_id", "rep_id", "customer_id", "checkin_time"]
    v1 = _first_rows(path, "utf-8")[0]

    def visit(vid, rep="E005", checkin="2026-10-20 09:00:00", checkout="2026-10-20 10:00:00",
              lat="31.2", lon="121.4", kind="跟进"):
        return [vid, rep, "C0001", checkin, checkout, lat, lon, kind, "坏数据"]

    visits = [
        (visit("V900001", checkin="2026-10-32 09:00:00"), "checkin_time", "bad datetime"),
        (visit("V900002", checkout="2026-10-20 08:00:00"), "checkout_time", "checkout before checkin"),
        (visit("V900003", rep="E999"), "rep_id", "visit rep not in roster"),
        (v1, "visit_id", "duplicate visit_id (later copy)"),
        (visit("V900004", lat="91"), "checkin_lat", "check-in lat out of range"),
        (visit("V900005", kind="电话"), "visit_type", "unknown visit type"),
        (visit("V900006", checkin=""), "checkin_time", "missing required value (check-in)"),
    ]
    first = _append_csv(path, "utf-8", [r for r, _, _ in visits])
    _add(bad, "visits.csv", first, [(c, k) for _, c, k in visits])

    # budget.xlsx: 月份 工号 团队 任务额 挑战目标
    book = load_workbook(inputs / "budget.xlsx", read_only=True)
    budget_rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert budget_rows[0] == ("月份", "工号", "团队", "任务额", "挑战目标")
    october = next(r for r in budget_rows if r[0] == SAMPLE_PERIOD and r[1] == "E005")
    budget = [
        (("2027-01", "E005", "华东销售部", 500000, 400000), "stretch", "stretch below target"),
        (("2027-01", None, None, 100000, None), "rep_id", "budget row with neither rep_id nor team"),
        (("2027-01", "E006", "华东销售部", -1000, None), "target", "negative target"),
        (october, "period+rep_id", "duplicate rep target for the month (later copy)"),
        (("2027-01", "E007", "华东销售部", 1000.125, None), "target", "amount with 3 decimals in a number cell"),
        (("2027-13", "E008", "华东销售部", 100000, None), "period", "bad month"),
        (("2027-01", "E999", "华东销售部", 100000, None), "rep_id", "budget rep not in roster"),
        (("2027-01", "E010", "华南销售部", None, None), "target", "missing required value (target)"),
    ]
    first = _append_xlsx(inputs / "budget.xlsx", [r for r, _, _ in budget])
    _add(bad, "budget.xlsx", first, [(c, k) for _, c, k in budget])

    # pledges.csv (GB18030, Chinese headers): 期间 工号 类型 保证金额 乐捐金额 签署日期
    path = inputs / "pledges.csv"
    assert _header(path, "gb18030") == ["期间", "工号", "类型", "保证金额", "乐捐金额", "签署日期"]
    pledges = [
        (["2026-11", "E005", "团队", "300000", "500", "2026-10-31"], "scope", "team pledge by a rep"),
        (["2026-12", "E006", "个人", "0", "300", "2026-11-30"], "pledge_amount", "pledge_amount 0"),
        (["2026-12", "E007", "个人", "400000", "-100", "2026-11-30"], "forfeit_amount", "negative forfeit"),
        (["2026-13", "E008", "个人", "400000", "200", "2026-11-30"], "period", "pledge period 2026-13"),
        (["2026-12", "E900", "个人", "400000", "200", "2026-11-30"], "pledger_id",
         "pledge by a rejected roster row"),
        (["2026-12", "E010", "集体", "400000", "200", "2026-11-30"], "scope", "unknown scope"),
        (["2026-Q5", "E011", "个人", "400000", "200", "2026-11-30"], "period", "pledge quarter Q5"),
    ]
    first = _append_csv(path, "gb18030", [r for r, _, _ in pledges])
    _add(bad, "pledges.csv", first, [(c, k) for _, c, k in pledges])

    # surveys.csv (UTF-8): survey_id customer_id date product_score sales_score service_score comment
    path = inputs / "surveys.csv"
    assert _header(path, "utf-8")[0] == "survey_id"
    s1 = _first_rows(path, "utf-8")[0]
    surveys = [
        (["S9001", "C0001", "2026-10-15", "6", "4", "4", ""], "product_score", "survey score 6"),
        (s1, "survey_id", "duplicate survey_id (later copy)"),
        (["S9002", "C0001", "2026/10/32", "4", "4", "4", ""], "date", "bad survey date"),
        (["S9003", "C0001", "2026-10-15", "4", "3.5", "4", ""], "sales_score", "score not a whole number"),
    ]
    first = _append_csv(path, "utf-8", [r for r, _, _ in surveys])
    _add(bad, "surveys.csv", first, [(c, k) for _, c, k in surveys])

    # trips.xlsx: 出差编号 工号 出发日期 返回日期 计划拜访客户 预算费用 实际费用
    book = load_workbook(inputs / "trips.xlsx", read_only=True)
    trip_rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert trip_rows[0][:2] == ("出差编号", "工号")
    trips = [
        (("T9001", "E005", d(2026, 12, 5), d(2026, 12, 3), "C0001", 3000, None), "end_date", "trip end before start"),
        (("T9002", "E999", d(2026, 12, 5), d(2026, 12, 6), "C0001", 3000, None), "rep_id", "trip rep not in roster"),
        (trip_rows[1], "trip_id", "duplicate trip_id (later copy)"),
        (("T9003", "E005", d(2026, 12, 5), d(2026, 12, 6), "C0001", None, None), "budget_amount",
         "missing required value (trip budget)"),
        (("T9004", "E005", d(2026, 12, 5), d(2026, 12, 6), "C0001", -5, None), "budget_amount",
         "negative trip budget"),
    ]
    first = _append_xlsx(inputs / "trips.xlsx", [r for r, _, _ in trips])
    _add(bad, "trips.xlsx", first, [(c, k) for _, c, k in trips])
    return bad


# --- fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dirty(tmp_path_factory) -> tuple[Path, list[Bad]]:
    inputs = tmp_path_factory.mktemp("dirty-org") / "inputs"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    return inputs, _make_dirty(inputs)


def _run(inputs: Path, outputs: Path, *extra: str):
    return invoke("run", "--inputs", str(inputs), "--outputs", str(outputs), "--period", SAMPLE_PERIOD,
                  "--config", str(SAMPLE_CONFIG), *extra)


@pytest.fixture(scope="module")
def lenient(dirty, tmp_path_factory) -> Path:
    """The lenient run of the dirty org; returns its period folder."""
    outputs = tmp_path_factory.mktemp("dirty-lenient")
    result = _run(dirty[0], outputs, "--lenient")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return outputs / SAMPLE_PERIOD


def _rejects(folder: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((folder / "rejects.csv").read_text(encoding="utf-8-sig"))))


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


# --- tests -------------------------------------------------------------------------------

def test_the_dirty_org_covers_at_least_20_kinds_of_bad_rows(dirty):
    _, bad = dirty
    kinds = {b.kind for b in bad}
    assert len(kinds) >= 20, sorted(kinds)
    assert len(kinds) == len(bad), "each bad row shows a different kind"
    assert len({(b.file, b.row) for b in bad}) == len(bad)
    assert {b.file for b in bad} == set(DATASET_OF), "every input file gets bad rows"


def test_strict_stops_with_a_readable_summary_and_writes_only_rejects(dirty, tmp_path):
    inputs, bad = dirty
    result = _run(inputs, tmp_path / "out")
    output = result.output
    assert result.exit_code == 2, output
    assert "Traceback" not in output and "Internal error" not in output
    assert not (tmp_path / "out" / SAMPLE_PERIOD).exists()  # a period folder only holds a complete run
    folder = tmp_path / "out" / f"{SAMPLE_PERIOD}.failed"
    assert sorted(p.name for p in folder.iterdir()) == ["rejects.csv", "run.log"]
    rejects = _rejects(folder)
    assert f"{len(bad)} input rows were rejected" in output
    for file in sorted({b.file for b in bad}):
        assert f"  {file}: " in output, file
    for reject in rejects:  # every file's reasons, in English
        assert f"  {reject['file']}: " in output and reject["reason_en"] in output, reject
    assert "First rows:" in output
    for reject in rejects[:5]:
        assert f"{reject['file']} row {reject['row']}, column {reject['column']}" in output, reject
    assert str(folder / "rejects.csv") in output
    assert "--lenient" in output


def test_lenient_rejects_name_exactly_the_bad_rows(dirty, lenient):
    _, bad = dirty
    rejects = _rejects(lenient)
    seen = Counter((r["file"], int(r["row"])) for r in rejects)
    assert [key for key, n in seen.items() if n > 1] == [], "each rejected row appears once"
    expected = {(b.file, b.row): b for b in bad}
    missing = sorted(set(expected) - set(seen))
    extra = sorted(set(seen) - set(expected))
    assert missing == [] and extra == [], (
        f"not rejected: {[expected[k].kind for k in missing]}; rejected but clean: "
        f"{[r for r in rejects if (r['file'], int(r['row'])) in extra]}")
    for reject in rejects:
        b = expected[(reject["file"], int(reject["row"]))]
        assert b.column in reject["column"].split("; "), (b, reject)
        assert reject["reason_en"].strip() and reject["reason_zh"].strip(), reject


def test_manifest_reconciles_every_file(dirty, lenient, sample_run):
    _, bad = dirty
    manifest = _manifest(lenient)
    clean = _manifest(sample_run)["inputs"]
    added = Counter(DATASET_OF[b.file] for b in bad)
    assert manifest["provisional"] is True and manifest["mode"] == "lenient"
    assert set(manifest["inputs"]) == set(DATASET_OF.values())
    for dataset, counts in manifest["inputs"].items():
        assert counts["rows_read"] == counts["rows_used"] + counts["rows_rejected"], dataset
        assert clean[dataset]["rows_rejected"] == 0, dataset
        assert counts["rows_rejected"] == added[dataset], dataset
        assert counts["rows_read"] == clean[dataset]["rows_read"] + added[dataset], dataset
        assert counts["rows_used"] == clean[dataset]["rows_used"], dataset


def _sheet(path: Path, name: str) -> list[tuple]:
    book = load_workbook(path, read_only=True)
    try:
        return list(book[name].iter_rows(values_only=True))
    finally:
        book.close()


@pytest.mark.parametrize("sheet", COMPARED_SHEETS)
def test_figures_equal_the_clean_sample(lenient, sample_run, sheet):
    dirty_rows = _sheet(lenient / "kpis.xlsx", sheet)
    clean_rows = _sheet(sample_run / "kpis.xlsx", sheet)
    assert len(dirty_rows) == len(clean_rows) and len(clean_rows) > 1
    for number, (got, want) in enumerate(zip(dirty_rows, clean_rows), start=1):
        assert got == want, f"{sheet} row {number}"


def test_the_pack_is_marked_provisional_with_the_counts(dirty, lenient):
    _, bad = dirty
    pdf = lenient / "summary-pack.pdf"
    cover = pdf_text(pdf, 1, 1)
    assert "临时版本" in cover and re.search(rf"有\s*{len(bad)}\s*行", cover), cover
    pages = [p for p in pdf_text(pdf).split("\f") if p.strip()]
    data_page = pages[-1]
    assert "临时版本" in data_page and re.search(rf"有\s*{len(bad)}\s*行", data_page), data_page
    counts = _manifest(lenient)["inputs"]
    lines = data_page.splitlines()
    for file, dataset in DATASET_OF.items():
        c = counts[dataset]
        line = next((l for l in lines if file in l), None)
        assert line is not None, file
        numbers = [f"{c['rows_read']:,}", f"{c['rows_used']:,}", f"{c['rows_rejected']:,}"]
        assert line.split(file, 1)[1].split()[:3] == numbers, (file, line)
