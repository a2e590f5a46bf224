"""Stale documents never pass for current (issue "Nothing silently wrong", part 2).

A period folder is always one complete run: a run builds in staging and swaps in
only when done, so a failed rerun leaves the last complete run untouched and says so;
``send`` mails only a run whose inputs, config and documents are as they were made;
and a run nobody in leadership would receive is refused loudly, not half-sent.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from pipeline.render.output import staged_folder
from tests.conftest import invoke, pdf_text
from tests.test_cron_safety import ROSTER  # D01 director, M01 manager of 一部, reps R01 and R02

PERIOD = "2026-10"

SALES = """\
order_id,line_no,order_date,rep_id,customer_id,product,quantity,amount,cost
SO-1,1,2026-10-05,R01,C01,A型泵,2,12000.00,9000.00
SO-2,1,2026-10-20,R02\u200b,C02,B型阀,1,8000.00,6000.00
SO-3,1,2026-09-10,R01,C01,A型泵,1,5000.00,4000.00
"""  # R02 with a zero-width space, as pasted from a chat app: still R02
# R01 has a stretch, R02 none: the team's stretch counts R02 at its target (12000 + 10000).
BUDGET = """\
period,rep_id,team,target,stretch
2026-10,R01,一部,10000,12000
2026-10,R02,一部,10000,
2026-11,R01,一部,10000,
2026-11,R02,一部,10000,
"""
CONFIG = "company:\n  name: 测试公司\ndelivery:\n  mail_from: reports@example.cn\n  leadership: []\n"


def small_org(folder: Path, roster: str = ROSTER, sales: str = SALES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("roster.csv", roster), ("sales.csv", sales), ("budget.csv", BUDGET)):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def command(name: str, inputs: Path, outputs: Path, config: Path, *extra: str):
    return invoke(name, "--inputs", str(inputs), "--outputs", str(outputs), "--config", str(config), *extra)


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``folder``: checksum and modification time."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def complete_run(tmp_path_factory):
    """One complete run of the small org (the module's runs start from copies of it)."""
    base = tmp_path_factory.mktemp("stale")
    inputs, outputs, config = small_org(base / "inputs"), base / "outputs", base / "salespack.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    result = command("run", inputs, outputs, config, "--period", PERIOD)
    assert result.exit_code == 0, result.output
    return base


@pytest.fixture()
def org(complete_run, tmp_path):
    """A private copy of the complete run: inputs, outputs and config."""
    import shutil
    shutil.copytree(complete_run, tmp_path / "org", symlinks=True)
    base = tmp_path / "org"
    return base / "inputs", base / "outputs", base / "salespack.yaml"


def test_the_pack_says_when_a_stretch_counts_rows_at_their_target(complete_run):
    folder = complete_run / "outputs" / PERIOD
    text = pdf_text(folder / "summary-pack.pdf")
    assert "挑战目标中，未设挑战目标的任务行按其任务额计入" in text
    assert "涉及团队：一部" in text
    import openpyxl
    book = openpyxl.load_workbook(folder / "kpis.xlsx", read_only=True)
    header, *rows = list(book["teams"].iter_rows(values_only=True))
    team = dict(zip(header, rows[0]))
    assert team["stretch"] == pytest.approx(12000 + 10000)  # R02 counted at its target
    assert team["stretch_attainment"] == pytest.approx((12000 + 8000) / 22000, abs=1e-4)
    header, *rows = list(book["reps"].iter_rows(values_only=True))
    reps = {row[header.index("rep_id")]: dict(zip(header, row)) for row in rows}
    assert reps["R01"]["stretch"] == pytest.approx(12000)
    assert reps["R02"]["stretch"] is None and reps["R02"]["stretch_attainment"] is None


def test_the_data_page_counts_the_ids_read_without_invisible_characters(complete_run):
    folder = complete_run / "outputs" / PERIOD
    text = pdf_text(folder / "summary-pack.pdf")
    assert "sales.csv：已从1个编号单元格中删除不可见字符" in "".join(text.split())
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["sales"]["ids_cleaned"] == 1
    assert manifest["inputs"]["sales"]["rows_rejected"] == 0


def test_a_failed_strict_rerun_leaves_the_last_complete_run_untouched(org):
    inputs, outputs, config = org
    folder = outputs / PERIOD
    before = snapshot(folder)
    generated = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["generated_at"]
    with (inputs / "sales.csv").open("a", encoding="utf-8") as sales:
        sales.write("SO-9,1,2026-10-25,R01,C01,A型泵,1,not-money,\n")  # row 5
    result = command("run", inputs, outputs, config, "--period", PERIOD)
    assert result.exit_code == 2, result.output
    assert snapshot(folder) == before  # not one byte or timestamp changed
    assert f"{folder} still holds the last complete run (generated {generated}), untouched." in result.output
    failed = outputs / f"{PERIOD}.failed"
    assert sorted(p.name for p in failed.iterdir()) == ["rejects.csv", "run.log"]
    assert str(failed / "rejects.csv") in result.output
    assert "sales.csv,5,amount" in (failed / "rejects.csv").read_text(encoding="utf-8-sig")
    log = (failed / "run.log").read_text(encoding="utf-8")
    assert "stopped: 1 input rows were rejected" in log and "still holds the last complete run" in log
    assert sorted(p.name for p in outputs.iterdir()) == [PERIOD, f"{PERIOD}.failed"]  # no staging left
    # ... and send refuses it: the inputs are no longer those the pack was made from
    sent = command("send", inputs, outputs, config, "--period", PERIOD)
    assert sent.exit_code == 2, sent.output
    assert "is not current: sales.csv has changed" in sent.output
    assert f"salespack run --period {PERIOD}" in sent.output
    assert not (folder / "outbox").exists()


def test_a_complete_rerun_replaces_the_folder_whole_and_clears_the_failed_one(org):
    inputs, outputs, config = org
    (outputs / f"{PERIOD}.failed").mkdir()
    (outputs / PERIOD / "stray.txt").write_text("left by hand")
    result = command("run", inputs, outputs, config, "--period", PERIOD)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in outputs.iterdir()) == [PERIOD]
    assert not (outputs / PERIOD / "stray.txt").exists()


def test_a_lenient_rerun_after_a_team_was_renamed_leaves_no_old_team_pack(org):
    inputs, outputs, config = org
    assert (outputs / PERIOD / "teams" / "一部.pdf").is_file()
    (inputs / "roster.csv").write_text(ROSTER.replace("一部", "华东部"), encoding="utf-8")
    result = command("run", inputs, outputs, config, "--period", PERIOD, "--lenient")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (outputs / PERIOD / "teams").iterdir()) == ["华东部.pdf"]
    manifest = json.loads((outputs / PERIOD / "manifest.json").read_text(encoding="utf-8"))
    assert not [name for name in manifest["outputs"] if "一部" in name]


def test_send_refuses_a_run_whose_inputs_config_or_documents_changed(org):
    inputs, outputs, config = org
    folder = outputs / PERIOD
    assert command("send", inputs, outputs, config, "--period", PERIOD).exit_code == 0  # current: fine
    pack = folder / "summary-pack.pdf"
    original = pack.read_bytes()
    # one change at a time, each named
    for change, undo, expected in (
        (lambda: (inputs / "visits.csv").write_text("visit_id,rep_id,customer_id,checkin_time\n", encoding="utf-8"),
         lambda: os.remove(inputs / "visits.csv"), "visits.csv is new in"),
        (lambda: config.write_text(CONFIG + "visits:\n  geofence_radius_m: 300\n", encoding="utf-8"),
         lambda: config.write_text(CONFIG, encoding="utf-8"), "config key 'visits.geofence_radius_m' has changed"),
        (lambda: pack.write_bytes(original + b"\n% edited"), lambda: pack.write_bytes(original),
         "summary-pack.pdf was changed after the run"),
        (lambda: (folder / "kpis.xlsx").rename(folder / "kpis.old"), lambda: (folder / "kpis.old").rename(
            folder / "kpis.xlsx"), "kpis.xlsx is missing"),
    ):
        change()
        result = command("send", inputs, outputs, config, "--period", PERIOD, "--live")
        undo()
        assert result.exit_code == 2, result.output
        assert expected in result.output and "Nothing was sent" in result.output, result.output
    # A change to delivery settings alone does not make the documents stale.
    config.write_text(CONFIG.replace("reports@", "pack@"), encoding="utf-8")
    assert command("send", inputs, outputs, config, "--period", PERIOD).exit_code == 0


def test_send_refuses_when_nobody_would_receive_the_company_pack(org):
    inputs, outputs, config = org
    # The director has no email and config names no leadership: 3 letters, no pack.
    (inputs / "roster.csv").write_text(ROSTER.replace("wang@example.cn", ""), encoding="utf-8")
    assert command("run", inputs, outputs, config, "--period", PERIOD).exit_code == 0
    for extra in ((), ("--live",)):
        result = command("send", inputs, outputs, config, "--period", PERIOD, *extra)
        assert result.exit_code == 2, result.output
        assert "nobody would receive the company pack" in result.output
        assert "delivery.leadership" in result.output
        assert not (outputs / PERIOD / "outbox").exists()
    result = command("run", inputs, outputs, config, "--period", PERIOD, "--send")
    assert result.exit_code == 2 and "nobody would receive the company pack" in result.output


def test_send_without_a_complete_run_points_at_the_failed_one(org):
    inputs, outputs, config = org
    with (inputs / "sales.csv").open("a", encoding="utf-8") as sales:
        sales.write("SO-9,1,2026-09-25,R01,C01,A型泵,1,not-money,\n")
    assert command("run", inputs, outputs, config, "--period", "2026-09").exit_code == 2
    assert not (outputs / "2026-09").exists()
    result = command("send", inputs, outputs, config, "--period", "2026-09")
    assert result.exit_code == 2
    assert "no finished run for 2026-09" in result.output
    assert str(outputs / "2026-09.failed" / "run.log") in result.output


def test_the_ledger_outlives_a_rerun(org):
    inputs, outputs, config = org
    (outputs / PERIOD / "ledger.sqlite").write_bytes(b"what was sent")
    assert command("run", inputs, outputs, config, "--period", PERIOD).exit_code == 0
    assert (outputs / PERIOD / "ledger.sqlite").read_bytes() == b"what was sent"


# --- the staging folder itself --------------------------------------------------------

def test_staging_swaps_in_whole_or_not_at_all(tmp_path):
    target = tmp_path / PERIOD
    with staged_folder(target) as staging:
        (staging / "a.pdf").write_text("one")
    assert (target / "a.pdf").read_text() == "one"
    with pytest.raises(RuntimeError), staged_folder(target) as staging:
        (staging / "a.pdf").write_text("two")
        (staging / "run.log").write_text("why")
        raise RuntimeError("render failed")
    assert (target / "a.pdf").read_text() == "one"
    assert (tmp_path / f"{PERIOD}.failed" / "run.log").read_text() == "why"
    assert sorted(p.name for p in tmp_path.iterdir()) == [PERIOD, f"{PERIOD}.failed"]


def test_a_run_killed_between_the_two_renames_gets_its_last_run_back(tmp_path):
    # Killed after moving the complete run aside, before moving the new one in.
    aside = tmp_path / f".{PERIOD}.replaced-abc"
    aside.mkdir()
    (aside / "summary-pack.pdf").write_text("last complete")
    (tmp_path / f".{PERIOD}.staging-abc").mkdir()
    with pytest.raises(RuntimeError), staged_folder(tmp_path / PERIOD):
        raise RuntimeError("this run fails too")
    assert (tmp_path / PERIOD / "summary-pack.pdf").read_text() == "last complete"
    assert not aside.exists() and not (tmp_path / f".{PERIOD}.staging-abc").exists()
