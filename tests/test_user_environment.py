"""The user's environment and config are not internal faults (issue "Every failure says
what to do", section 2): each case is one message naming the path or key and what to
do, its documented exit code, and nothing half-written."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline.errors import TRY_AGAIN_LATER
from pipeline.lock import outputs_lock
from tests.conftest import SAMPLE_CONFIG, SAMPLE_INPUTS, invoke


def lines(result) -> list[str]:
    return result.output.strip().splitlines()


# --- init -------------------------------------------------------------------------------

def test_init_on_a_file_says_so(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    result = invoke("init", str(target))
    assert result.exit_code == 2
    assert lines(result) == [f"Error: {target} is a file, not a folder. Choose a new folder you may write to."]
    assert target.read_text() == "mine"


def test_init_where_nothing_can_be_created_says_so_and_leaves_nothing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    target = blocker / "org"  # under a file: cannot be created
    result = invoke("init", str(target))
    assert result.exit_code == 2
    assert lines(result) == [f"Error: {target} cannot be written (Not a directory). "
                             "Choose a new folder you may write to."]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


# --- the outputs folder -------------------------------------------------------------------

def run(outputs: Path, *extra: str, inputs: Path = SAMPLE_INPUTS, config: Path = SAMPLE_CONFIG):
    return invoke("run", "--inputs", str(inputs), "--outputs", str(outputs), "--config", str(config), *extra)


def test_outputs_that_is_a_file(tmp_path):
    outputs = tmp_path / "outputs"
    outputs.write_text("")
    result = run(outputs, "--period", "2026-10")
    assert result.exit_code == 2
    assert lines(result) == [f"Error: the outputs folder {outputs} is a file, not a folder. "
                             "Choose a writable folder with --outputs."]


@pytest.fixture()
def read_only_folder(tmp_path):
    """A real read-only file system (root ignores permission bits, not a read-only mount)."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "none", str(folder)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def test_a_read_only_outputs_folder_is_named_with_what_to_do(read_only_folder):
    result = run(read_only_folder, "--period", "2026-10")
    assert result.exit_code == 2, result.output
    assert lines(result) == [
        f"Error: cannot write the period folder 2026-10 in {read_only_folder} (Read-only file system). "
        "Choose a writable folder with --outputs, or free some space, and run again."]
    result = run(read_only_folder / "reports", "--period", "2026-10")
    assert result.exit_code == 2, result.output
    assert lines(result) == [f"Error: the outputs folder {read_only_folder / 'reports'} cannot be created or "
                             "opened (Read-only file system). Choose a writable folder with --outputs."]


@pytest.mark.parametrize("period", ["9999-12", "9999-Q4", "9999", "1969"])
def test_a_period_beyond_the_calendar_leaves_no_folder(tmp_path, period):
    result = run(tmp_path / "out", "--period", period)
    assert result.exit_code == 2
    assert lines(result) == [f"Error: '{period}' is outside the years salespack reports on (1970 to 2099). "
                             "Check the year; a run also plans the period after the one it reports."]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("period", ["2026-Q5", "2026-Q0", "26-Q1", "2026Q", "2026-13", "Q3", "2026-07-01"])
def test_a_period_in_no_known_form_names_the_forms(tmp_path, period):
    result = run(tmp_path / "out", "--period", period)
    assert result.exit_code == 2
    assert lines(result) == [f"Error: '{period}' is not a period. Give the period as YYYY-MM (a month), YYYY-Qn "
                             "(a quarter) or YYYY (a year), for example --period 2026-10, 2026-Q3 or 2026."]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# --- try again later: exit 75 --------------------------------------------------------------

def test_a_held_lock_is_try_again_later(tmp_path):
    outputs = tmp_path / "out"
    with outputs_lock(outputs):
        result = run(outputs, "--period", "2026-10")
    assert result.exit_code == TRY_AGAIN_LATER == 75
    assert lines(result) == [f"Error: another salespack run is using {outputs}. Wait for it to finish; "
                             "this run did nothing."]


def test_exit_codes_are_in_the_help():
    for command in ("run", "send"):
        text = invoke(command, "--help").output
        assert "75 try again later" in " ".join(text.split()), command


# --- a name on two lines --------------------------------------------------------------------

def test_a_roster_name_with_a_line_break_is_rejected_at_validation(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "roster.csv").write_text('rep_id,name,role,team\nM01,张经理,manager,一部\n'
                                       'R01,"赵\n一",rep,一部\nR02,钱二,rep,一部\n', encoding="utf-8")
    (inputs / "sales.csv").write_text("order_id,order_date,rep_id,customer_id,amount\n"
                                      "S1,2026-10-05,R02,C1,100\n", encoding="utf-8")
    (inputs / "budget.csv").write_text("period,rep_id,team,target\n2026-10,R02,一部,100\n", encoding="utf-8")
    report = tmp_path / "rejects.csv"
    result = invoke("validate", "--inputs", str(inputs), "--rejects", str(report))
    assert result.exit_code == 2, result.output
    text = report.read_text(encoding="utf-8-sig")
    assert 'roster.csv,3,name,"赵\n一",has a line break (Alt+Enter in Excel); a name or ID is one line' in text


# --- config ------------------------------------------------------------------------------

CONFIG_CASES = [
    pytest.param("plan:\n  extra_holidays: [2026-02-30]\n",
                 "key 'plan.extra_holidays.0': Input should be a valid date or datetime, day value is outside "
                 "expected range. Fix the value; see config/salespack.yaml for an example.", id="impossible-date"),
    pytest.param("delivery:\n  mail_from: a@b@c\n",
                 "key 'delivery.mail_from': 'a@b@c' is not one valid mail address (give one address per entry). "
                 "Fix the value; see config/salespack.yaml for an example.", id="mail-from-two-ats"),
    pytest.param("delivery:\n  leadership: ['boss@x.cn, evil@example.com']\n",
                 "key 'delivery.leadership.0': 'boss@x.cn, evil@example.com' is not one valid mail address "
                 "(give one address per entry). Fix the value; see config/salespack.yaml for an example.",
                 id="leadership-two-addresses"),
    pytest.param("visits:\n  min_visit_minutes: true\n",
                 "key 'visits.min_visit_minutes': a number is needed here, not true/false. Fix the value; see "
                 "config/salespack.yaml for an example.", id="true-as-minutes"),
    pytest.param("visits:\n  cadence_days: {A: 0, B: 15, C: 30}\n",
                 "key 'visits.cadence_days.A': Input should be greater than 0. Fix the value; see "
                 "config/salespack.yaml for an example.", id="zero-cadence"),
    pytest.param("visits:\n  cadence_days: {A: 7, B: -15, C: 30}\n",
                 "key 'visits.cadence_days.B': Input should be greater than 0. Fix the value; see "
                 "config/salespack.yaml for an example.", id="negative-cadence"),
    pytest.param("locale: en\ncompany:\n  name: A\nlocale: zh_CN\n",
                 "key 'locale' is given twice (lines 1 and 4); only one can count. Keep one of them.",
                 id="duplicate-key"),
    pytest.param("pledges:\n  reward_tiers:\n    individual:\n      - {min_attainment: 1.0, amount: 500}\n"
                 "      - {min_attainment: 1.0, amount: 900}\n",
                 "key 'pledges.reward_tiers': individual: two tiers at min_attainment 1; which amount is due would "
                 "be a guess. Keep one tier per threshold. Fix the value; see config/salespack.yaml for an example.",
                 id="two-tiers-one-threshold"),
]


@pytest.mark.parametrize("text, message", CONFIG_CASES)
def test_a_config_mistake_is_one_message_naming_the_key(tmp_path, text, message):
    config = tmp_path / "salespack.yaml"
    config.write_text(text, encoding="utf-8")
    result = invoke("validate", "--inputs", str(SAMPLE_INPUTS), "--config", str(config))
    assert result.exit_code == 2, result.output
    if message.startswith("key 'locale' is given twice"):
        assert lines(result) == [f"Error: {config}: {message}"]
    else:
        assert lines(result) == [f"Error: {config}, {message}"]


def test_a_sender_with_a_display_name_is_one_address(tmp_path):
    config = tmp_path / "salespack.yaml"
    config.write_text("delivery:\n  mail_from: 销售报表 <reports@example.cn>\n  leadership: [boss@example.cn]\n",
                      encoding="utf-8")
    assert invoke("validate", "--inputs", str(SAMPLE_INPUTS), "--config", str(config)).exit_code == 0


def test_a_scheduler_without_the_cluster_extra_says_what_to_install(tmp_path, monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a))
    result = run(tmp_path / "out", "--period", "2026-10", "--scheduler", "tcp://scheduler.example:8786")
    assert result.exit_code == 2
    assert lines(result)[0].startswith("Error: key 'cluster.scheduler': a scheduler is given (tcp://scheduler.example:8786) but Dask's "
                                       "distributed is not installed here.")
    assert "pip install 'salespack[cluster]'" in result.output
    assert not (tmp_path / "out" / "2026-10").exists()


def test_a_cadence_class_left_out_keeps_its_default(tmp_path):
    """{A: 5} changes A; it must not leave B and C without a limit (every one of their
    customers would count overdue)."""
    from pipeline.config import load_settings
    config = tmp_path / "salespack.yaml"
    config.write_text("visits:\n  cadence_days: {A: 5, B: 10}\n", encoding="utf-8")
    assert load_settings(config).visits.cadence_days == {"A": 5, "B": 10, "C": 30}
