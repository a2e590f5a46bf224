"""The command line as a user meets it: help with examples, exit codes 0/1/2, one
readable message and no traceback for a user's mistake, nothing written when the
input is unusable."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from pipeline.cli import main

from .conftest import SAMPLE_CONFIG, invoke, pdf_text


def no_files(folder) -> bool:
    """Nothing written: the folder may exist (the run lock is taken on it first) but holds no file."""
    return not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


def test_every_command_has_help_with_examples():
    for command in main.commands:
        result = invoke(command, "--help")
        assert result.exit_code == 0, command
        assert "Example" in result.output, command
    assert "salespack run --period" in invoke("--help").output


@pytest.mark.parametrize("period", ["2026-13", "202610", "October", "2026-10-01"])
def test_an_invalid_period_is_one_line_and_exit_2(sample_copy, tmp_path, period):
    result = invoke("run", "--inputs", str(sample_copy), "--outputs", str(tmp_path / "out"), "--period", period)
    assert result.exit_code == 2
    assert "YYYY-MM" in result.output and "Traceback" not in result.output
    assert no_files(tmp_path / "out")


def test_a_missing_required_file_stops_before_anything_is_written(sample_copy, tmp_path):
    (sample_copy / "budget.xlsx").unlink()
    result = invoke("run", "--inputs", str(sample_copy), "--outputs", str(tmp_path / "out"), "--period", "2026-10")
    assert result.exit_code == 2
    assert "budget" in result.output and "budget.csv, budget.xlsx or budget.parquet" in result.output
    assert no_files(tmp_path / "out")


def test_a_misspelt_config_key_names_file_and_key(sample_copy, tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("company:\n  nmae: 测试\n", encoding="utf-8")
    result = invoke("run", "--inputs", str(sample_copy), "--outputs", str(tmp_path / "out"),
                    "--period", "2026-10", "--config", str(config))
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "company.nmae" in result.output and "name" in result.output
    assert no_files(tmp_path / "out")


def test_an_internal_fault_is_exit_1_without_traceback_unless_debug(sample_copy, tmp_path, monkeypatch):
    import pipeline.month_end as month_end

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(month_end, "compute_period", broken)
    args = ["run", "--inputs", str(sample_copy), "--outputs", str(tmp_path / "out"), "--period", "2026-10"]
    result = invoke(*args)
    assert result.exit_code == 1 and "Internal error" in result.output and "--debug" in result.output
    assert "Traceback" not in result.output
    debug = invoke(*args, "--debug")
    assert isinstance(debug.exception, ZeroDivisionError)


def _break_a_sales_row(inputs, row_number: int):
    """Rewrite sales.csv (GBK) with one amount made unreadable; returns the bad value."""
    text = (inputs / "sales.csv").read_bytes().decode("gbk")
    rows = list(csv.reader(io.StringIO(text)))
    amount = rows[0].index("金额")
    rows[row_number - 1][amount] = "十二元"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    (inputs / "sales.csv").write_bytes(buffer.getvalue().encode("gbk"))


def test_strict_mode_stops_on_a_rejected_row_and_writes_only_rejects(sample_copy, tmp_path):
    _break_a_sales_row(sample_copy, 7)
    result = invoke("run", "--inputs", str(sample_copy), "--outputs", str(tmp_path / "out"),
                    "--period", "2026-10", "--config", str(SAMPLE_CONFIG))
    assert result.exit_code == 2
    assert "sales.csv row 7, column amount: '十二元'" in result.output
    assert "--lenient" in result.output and "Traceback" not in result.output
    # No complete run of the month exists: no period folder; the attempt's rejects and log beside it.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["2026-10.failed"]
    written = sorted(p.name for p in (tmp_path / "out" / "2026-10.failed").iterdir())
    assert written == ["rejects.csv", "run.log"]
    log = (tmp_path / "out" / "2026-10.failed" / "run.log").read_text("utf-8")
    assert "stopped: 1 input rows were rejected" in log and "No complete run of 2026-10 exists yet" in log
    assert result.output.count("1 input rows were rejected") == 1  # said once, not logged twice


def test_lenient_mode_renders_a_provisional_pack_that_reconciles(sample_copy, tmp_path):
    _break_a_sales_row(sample_copy, 7)
    result = invoke("run", "--inputs", str(sample_copy), "--outputs", str(tmp_path / "out"),
                    "--period", "2026-10", "--config", str(SAMPLE_CONFIG), "--lenient")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "2026-10"
    rejects = list(csv.DictReader(io.StringIO((folder / "rejects.csv").read_text(encoding="utf-8-sig"))))
    assert [(r["file"], r["row"], r["column"], r["value"]) for r in rejects] == [("sales.csv", "7", "amount", "十二元")]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    sales = manifest["inputs"]["sales"]
    assert (sales["rows_read"], sales["rows_used"], sales["rows_rejected"]) == (3912, 3911, 1)
    assert manifest["provisional"] is True
    text = pdf_text(folder / "summary-pack.pdf", 1, 1)
    assert "临时版本" in text and "1" in text


def test_validate_prints_the_reconciliation(sample_copy):
    result = invoke("validate", "--inputs", str(sample_copy))
    assert result.exit_code == 0, result.output
    assert "sales" in result.output and "3912" in result.output and "All rows are usable." in result.output


def test_validate_exits_2_on_a_rejected_row(sample_copy, tmp_path):
    _break_a_sales_row(sample_copy, 9)
    result = invoke("validate", "--inputs", str(sample_copy), "--rejects", str(tmp_path / "r.csv"))
    assert result.exit_code == 2
    assert "sales.csv row 9" in result.output
    assert "十二元" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")


def test_certificates_of_any_period(sample_copy, tmp_path):
    result = invoke("certificates", "--inputs", str(sample_copy), "--outputs", str(tmp_path / "out"),
                    "--period", "2026-10", "--config", str(SAMPLE_CONFIG))
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "certificates" / "2026-10"
    names = {p.name for p in (folder / "certificates").iterdir()}
    # 2026-10 starts Q4: the quarterly team pledge of 2026-Q4 is among them.
    assert "E004-2026-Q4-team.pdf" in names and "E009-2026-10-blank.pdf" in names
    assert "2026年第4季度" in pdf_text(folder / "certificates" / "E004-2026-Q4-team.pdf")


def test_validate_says_what_the_exports_hold_for_a_period(sample_copy):
    result = invoke("validate", "--inputs", str(sample_copy), "--period", "2026-Q4", "--config", str(SAMPLE_CONFIG))
    assert result.exit_code == 0, result.output
    # The sample's sales stop at October, its budget at November; pledges: 15 + 15 monthly, one quarterly.
    assert "Period 2026-Q4:\n  2026-10: 273 sales rows, 15 budget rows\n" \
           "  2026-11: 0 sales rows, 15 budget rows - no sales rows\n" \
           "  2026-12: 0 sales rows, 0 budget rows - no sales rows; no budget: the period's target will be empty\n" \
           "  pledges: 2026-10 15, 2026-11 15, 2026-Q4 1\n" in result.output
    assert invoke("validate", "--inputs", str(sample_copy), "--period", "2026-Q7").exit_code == 2


def test_a_quarters_certificates_are_its_quarterly_pledges_and_a_years_are_refused(sample_copy, tmp_path):
    out = tmp_path / "out"
    result = invoke("certificates", "--inputs", str(sample_copy), "--outputs", str(out), "--period", "2026-Q4",
                    "--config", str(SAMPLE_CONFIG))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (out / "certificates" / "2026-Q4" / "certificates").iterdir())
    # The one quarterly pledge (E004's team pledge), and a blank quarterly one for every other active
    # rep and manager: 17 active reps and managers in the sample roster.
    assert "E004-2026-Q4-team.pdf" in names and len(names) == 17
    assert all("-2026-Q4-" in name for name in names)
    assert "2026年第4季度" in pdf_text(out / "certificates" / "2026-Q4" / "certificates" / "E005-2026-Q4-blank.pdf")
    year = invoke("certificates", "--inputs", str(sample_copy), "--outputs", str(out), "--period", "2026",
                  "--config", str(SAMPLE_CONFIG))
    assert year.exit_code == 2
    assert year.output.strip() == ("Error: '2026' is a year; pledges are made by month or quarter. Give the month "
                                   "or quarter the certificates are for, e.g. --period 2027-01 or 2027-Q1.")
    assert not (out / "certificates" / "2026").exists()


def test_closed_periods_need_a_month(sample_copy, tmp_path):
    result = invoke("run", "--inputs", str(sample_copy), "--outputs", str(tmp_path / "out"), "--period", "2026-Q3",
                    "--with-closed-periods")
    assert result.exit_code == 2
    assert "--with-closed-periods needs a month; 2026-Q3 is a quarter." in result.output
    assert no_files(tmp_path / "out")


def test_a_send_of_closed_periods_tries_each_period_and_names_every_one_it_could_not_do(sample_copy, tmp_path):
    """On 1 October: the month's run is missing, and the quarter's letters do not wait on
    it; both are named at the end, with exit 2 (a person must run them)."""
    result = invoke("send", "--inputs", str(sample_copy), "--outputs", str(tmp_path / "out"), "--period", "2026-09",
                    "--with-closed-periods", "--config", str(SAMPLE_CONFIG))
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[:4] == ["Period 2026-09:", f"  not done: {tmp_path / 'out' / '2026-09'}: there is no finished run "
                         "for 2026-09 (no manifest.json).", "Period 2026-Q3:",
                         f"  not done: {tmp_path / 'out' / '2026-Q3'}: there is no finished run for 2026-Q3 "
                         "(no manifest.json)."]
    assert lines[4].startswith("Error: 2026-09: ") and lines[5].startswith("2026-Q3: ")
    assert "Run `salespack run --period 2026-09` first." in lines and "Run `salespack run --period 2026-Q3` first." \
        in lines


def test_init_makes_a_working_folder_and_refuses_a_full_one(tmp_path):
    target = tmp_path / "my-org"
    result = invoke("init", str(target))
    assert result.exit_code == 0, result.output
    for part in ("config/salespack.yaml", "inputs/sales.csv", "templates/pack/template.html"):
        assert (target / part).exists(), part
    assert invoke("init", str(target)).exit_code == 2


def test_kpis_workbook_columns_are_fixed(sample_run):
    header = [c.value for c in load_workbook(sample_run / "kpis.xlsx")["teams"][1]]
    assert header[0] == "team" and "rank_attainment" in header


def test_english_by_config(sample_copy, tmp_path):
    config = tmp_path / "en.yaml"
    config.write_text(SAMPLE_CONFIG.read_text(encoding="utf-8").replace("locale: zh_CN", "locale: en"),
                      encoding="utf-8")
    (sample_copy / "customers.csv").unlink()  # an optional dataset left out
    result = invoke("run", "--inputs", str(sample_copy), "--outputs", str(tmp_path / "out"),
                    "--period", "2026-10", "--config", str(config))
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "2026-10"
    text = pdf_text(folder / "summary-pack.pdf")
    for label in ("Monthly sales summary pack", "October 2026", "Results against budget", "Revenue (CNY k)",
                  "Rewards and penalties", "Not yet due", "Meeting minutes", "Data sources",
                  "No customers file was given", "Not given: its sections are left out"):
        assert label in text, label
    for chinese_label in ("销售总结会资料", "业绩完成情况", "万元", "未到期"):
        assert chinese_label not in text, chinese_label
    certificate = pdf_text(folder / "certificates" / "E005-2026-11-individual.pdf")
    assert "pledge to achieve sales of CNY" in " ".join(certificate.split())


def test_certificates_are_stopped_only_by_rows_they_use(sample_copy, tmp_path):
    """A rejected sales row changes nothing on a certificate: said, not a stop. A rejected
    pledges row would: exit 2 offering --lenient, which makes them from the usable rows."""
    with open(sample_copy / "sales.csv", "a", encoding="gb18030") as sales:
        sales.write("SO9999-1,1,2026-10-05,E005,C0004,影像测量仪,1,十二元,1,\n")
    out = tmp_path / "out"
    args = ("--inputs", str(sample_copy), "--outputs", str(out), "--period", "2026-12", "--config", str(SAMPLE_CONFIG))
    made = invoke("certificates", *args)
    assert made.exit_code == 0, made.output
    assert "sales.csv: 1 x not an amount in yuan" in made.output
    assert "None of them is a roster, budget or pledges row: the certificates do not use them." in made.output
    folder = out / "certificates" / "2026-12"
    assert "sales.csv,3914,amount,十二元" in (folder / "rejects.csv").read_text(encoding="utf-8-sig")

    with open(sample_copy / "pledges.csv", "a", encoding="gb18030") as pledges:
        pledges.write("2026-12,E006,个人,-5,300,2026-12-01\n")
    stopped = invoke("certificates", *args)
    assert stopped.exit_code == 2, stopped.output
    assert "pledges.csv: 1 x" in stopped.output
    assert "or pass --lenient to make the certificates from the usable rows" in stopped.output
    lenient = invoke("certificates", *args, "--lenient")
    assert lenient.exit_code == 0, lenient.output
    assert "The certificates are made from the usable rows (--lenient)." in lenient.output
    # E006's rejected pledge is not on a certificate: E006 gets a blank one, as without the row
    assert "E006-2026-12-blank.pdf" in {p.name for p in (folder / "certificates").iterdir()}


def test_a_period_that_has_not_begun_is_refused(sample_copy, tmp_path):
    result = invoke("run", "--inputs", str(sample_copy), "--outputs", str(tmp_path / "out"), "--period", "2099-03",
                    "--config", str(SAMPLE_CONFIG))
    assert result.exit_code == 2
    assert "Error: 2099-03 has not begun yet (today is " in result.output
    assert "its pack would be all zeros" in result.output
    assert not (tmp_path / "out" / "2099-03").exists()


def test_sales_that_begin_inside_the_year_are_said_under_the_results(sample_copy, tmp_path):
    """Exporting only the month is a common shortcut: the year to date then counts October
    alone against ten months of targets, and every customer is new. The pack says so."""
    sales = sample_copy / "sales.csv"
    lines = sales.read_text(encoding="gb18030").splitlines(keepends=True)
    kept = [lines[0]] + [line for line in lines[1:] if line.split(",")[0].startswith("SO2610")]
    assert 200 < len(kept) < len(lines)
    sales.write_text("".join(kept), encoding="gb18030")
    out = tmp_path / "out"
    result = invoke("run", "--inputs", str(sample_copy), "--outputs", str(out), "--period", "2026-10",
                    "--config", str(SAMPLE_CONFIG))
    assert result.exit_code == 0, result.output
    text = pdf_text(out / "2026-10" / "summary-pack.pdf").replace("\n", "")
    assert "销售数据始于2026年10月：累计数据的销售额从该月算起，而任务额从其区间之初算起。" in text
    assert "由于没有更早的销售数据，本期所有有订单的客户均计为新客户。" in text


def test_a_certificate_prints_the_pledge_as_signed_to_the_fen(sample_copy, tmp_path):
    pledges = sample_copy / "pledges.csv"
    text = pledges.read_text(encoding="gb18030")
    row = next(line for line in text.splitlines() if line.startswith("2026-11,E005,"))
    fields = row.split(",")
    fields[3] = "545678.90"
    pledges.write_text(text.replace(row, ",".join(fields)), encoding="gb18030")
    out = tmp_path / "out"
    result = invoke("certificates", "--inputs", str(sample_copy), "--outputs", str(out), "--period", "2026-11",
                    "--config", str(SAMPLE_CONFIG))
    assert result.exit_code == 0, result.output
    folder = out / "certificates" / "2026-11" / "certificates"
    certificate = next(path for path in folder.iterdir() if path.name.startswith("E005-2026-11-"))
    assert "54.56789" in pdf_text(certificate).replace(" ", "")  # 545,678.90 yuan in 万元, not 54.57


def test_a_rep_who_left_but_keeps_a_budget_row_is_on_the_plan_so_it_adds_up(sample_copy, tmp_path):
    """张伟 (E005) has left, yet the budget gives him 2026-11's target: by the team rule it
    is in 华东销售部's target, so the plan lists him, marked as left, and its rep lines add
    up to the team's."""
    book = load_workbook(sample_copy / "roster.xlsx")
    sheet = book.worksheets[0]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "E005")
    sheet.cell(row, 8).value = "否"
    book.save(sample_copy / "roster.xlsx")
    out = tmp_path / "out"
    result = invoke("run", "--inputs", str(sample_copy), "--outputs", str(out), "--period", "2026-10",
                    "--config", str(SAMPLE_CONFIG))
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(out / "2026-10" / "kpis.xlsx", read_only=True)["next_month_targets"].values)
    header, body = rows[0], [dict(zip(rows[0], values)) for values in rows[1:]]
    assert list(header) == ["period", "team", "level", "rep_id", "name", "target"]
    east = [r for r in body if r["team"] == "华东销售部"]
    team = next(r["target"] for r in east if r["level"] == "team")
    assert "E005" in [r["rep_id"] for r in east]
    assert sum(r["target"] for r in east if r["level"] == "rep") == pytest.approx(team)
    assert "张伟 (已离职)" in pdf_text(out / "2026-10" / "summary-pack.pdf")
