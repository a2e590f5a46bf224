"""Safe under cron (product.md, Operations): one run at a time per outputs folder, no
half-written file after a crash, and the default period is the last complete month in
the configured zone.

The subprocess story uses a small org (1 director, 1 manager, 2 reps) written here, so
that a whole run takes one team pack and three certificates. In order, on one outputs
folder:

1. a run is SIGKILLed while it is laying out PDFs (a ``.part`` file exists);
2. two runs are then started together: one must refuse at once ("another salespack
   run"), the other completes and cleans up after the killed run.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline import periods
from pipeline.lock import outputs_lock
from tests.conftest import PROJECT, SAMPLE_CONFIG, SAMPLE_INPUTS, invoke

PERIOD = "2026-10"

ROSTER = """\
rep_id,name,role,team,manager_id,email,active
D01,王总,director,,,wang@example.cn,Y
M01,张经理,manager,一部,D01,zhang@example.cn,Y
R01,赵一,rep,一部,M01,zhao@example.cn,Y
R02,钱二,rep,一部,M01,qian@example.cn,Y
"""
SALES = """\
order_id,line_no,order_date,rep_id,customer_id,product,quantity,amount,cost
SO-1,1,2026-10-05,R01,C01,A型泵,2,12000.00,9000.00
SO-2,1,2026-10-20,R02,C02,B型阀,1,8000.00,6000.00
SO-3,1,2026-09-10,R01,C01,A型泵,1,5000.00,4000.00
"""
BUDGET = """\
period,rep_id,team,target
2026-10,R01,一部,10000
2026-10,R02,一部,10000
2026-11,R01,一部,10000
2026-11,R02,一部,10000
"""

RUN_LIMIT_S = 240  # bound on any wait for a run (a loaded 2-core machine renders the small org in ~20 s)


def small_org(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, text in (("roster.csv", ROSTER), ("sales.csv", SALES), ("budget.csv", BUDGET)):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- processes


def _process_group_members(pgid: int) -> list[int]:
    """Live processes of process group ``pgid`` (the run started in its own session)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def _kill(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _wait_gone(pids, limit_s: float) -> list[int]:
    deadline = time.monotonic() + limit_s
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [pid for pid in alive if Path(f"/proc/{pid}").exists() and
                 Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"]
    return alive


def _start_run(inputs: Path, outputs: Path, config: Path, log: Path) -> subprocess.Popen:
    handle = open(log, "wb")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline", "run", "--inputs", str(inputs), "--outputs", str(outputs),
             "--period", PERIOD, "--config", str(config)],
            cwd=PROJECT, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        handle.close()


def qpdf_check(path: Path) -> tuple[bool, str]:
    done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, timeout=120)
    return done.returncode == 0, (done.stdout + done.stderr)[-400:]


def whole_pdf(path: Path) -> bool:
    """Starts as a PDF and ends with %%EOF: not cut off."""
    data = path.read_bytes()
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]


def pdf_problems(folder: Path) -> list[str]:
    problems = []
    for path in sorted(folder.rglob("*.pdf")):
        if not whole_pdf(path):
            problems.append(f"{path.relative_to(folder)}: truncated ({path.stat().st_size} bytes)")
            continue
        ok, detail = qpdf_check(path)
        if not ok:
            problems.append(f"{path.relative_to(folder)}: qpdf --check failed: {detail}")
    return problems


@dataclass
class Story:
    folder: Path
    # the killed run
    killed_pid: int = 0
    workers_at_kill: list[int] = field(default_factory=list)
    pdfs_at_kill: list[str] = field(default_factory=list)
    problems_at_kill: list[str] = field(default_factory=list)
    left_running: list[int] = field(default_factory=list)
    pdfs_after_grace: list[str] = field(default_factory=list)
    problems_after_workers: list[str] = field(default_factory=list)
    published_at_kill: bool = True
    published_after_workers: bool = True
    # the two runs started together
    codes: list[int] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    elapsed: list[float] = field(default_factory=list)
    loser_ended_while_winner_ran: bool = False


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> Story:
    if not (os.path.isdir("/proc") and hasattr(os, "killpg")):
        pytest.skip("needs Linux /proc and POSIX signals")
    base = tmp_path_factory.mktemp("cron")
    inputs, outputs = small_org(base / "inputs"), base / "outputs"
    folder = outputs / PERIOD
    story = Story(folder)
    started: list[subprocess.Popen] = []
    stray: set[int] = set()
    try:
        # 1. kill a run while its workers lay documents out (they hand the PDFs back as bytes;
        # the run writes them in its staging folder)
        run = _start_run(inputs, outputs, SAMPLE_CONFIG, base / "killed.log")
        started.append(run)
        story.killed_pid = run.pid
        deadline = time.monotonic() + RUN_LIMIT_S

        def rendering() -> bool:
            staging = list(outputs.glob(f".{PERIOD}.staging-*")) if outputs.is_dir() else []
            return bool(staging) and any((s / "kpis.xlsx").exists() for s in staging) \
                and len(_process_group_members(run.pid)) > 1
        while time.monotonic() < deadline and run.poll() is None and not rendering():
            time.sleep(0.02)
        assert run.poll() is None, f"the run ended before rendering was seen:\n{(base / 'killed.log').read_text()}"
        assert rendering(), "rendering did not begin within the time limit"
        story.workers_at_kill = [pid for pid in _process_group_members(run.pid) if pid != run.pid]
        stray.update(story.workers_at_kill)
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
        story.pdfs_at_kill = sorted(str(p.relative_to(outputs)) for p in outputs.rglob("*.pdf"))
        story.problems_at_kill = pdf_problems(outputs)
        story.published_at_kill = folder.exists()
        # what the killed run left running (its layout workers, if any), after a grace period
        story.left_running = _wait_gone(_process_group_members(run.pid), 5.0)
        stray.update(story.left_running)
        story.pdfs_after_grace = sorted(str(p.relative_to(outputs)) for p in outputs.rglob("*.pdf"))
        _kill(story.left_running)  # ours: stop them so they cannot write into the next run
        assert not _wait_gone(story.left_running, 10.0), "could not stop the killed run's processes"
        story.problems_after_workers = pdf_problems(outputs)
        story.published_after_workers = folder.exists()

        # 2. two runs started together on the same outputs folder
        clock = time.monotonic()
        pair = [_start_run(inputs, outputs, SAMPLE_CONFIG, base / f"pair-{i}.log") for i in range(2)]
        started += pair
        ended = [None, None]
        deadline = clock + RUN_LIMIT_S
        while time.monotonic() < deadline and None in ended:
            for i, process in enumerate(pair):
                if ended[i] is None and process.poll() is not None:
                    ended[i] = time.monotonic() - clock
                    if pair[1 - i].poll() is None:
                        story.loser_ended_while_winner_ran = True
            time.sleep(0.05)
        assert None not in ended, "a run did not finish within the time limit"
        story.codes = [p.returncode for p in pair]
        story.outputs = [(base / f"pair-{i}.log").read_text(encoding="utf-8", errors="replace") for i in range(2)]
        story.elapsed = ended
        return story
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
            stray.update(_process_group_members(process.pid))
        _kill(stray)
        _wait_gone(stray, 10.0)


# --------------------------------------------------------------------------- the lock


def test_two_runs_together_one_refuses_at_once(story):
    winner = [i for i, code in enumerate(story.codes) if code == 0]
    loser = [i for i, code in enumerate(story.codes) if code != 0]
    assert len(winner) == 1 and len(loser) == 1, f"exit codes {story.codes}:\n" + "\n".join(story.outputs)
    w, l = winner[0], loser[0]
    assert "another salespack run" in story.outputs[l], story.outputs[l]
    assert "Traceback" not in story.outputs[l]
    assert story.loser_ended_while_winner_ran, f"elapsed {story.elapsed}"
    assert story.elapsed[l] < story.elapsed[w] / 2, f"the refused run took {story.elapsed[l]:.1f} s"
    assert f"Period {PERIOD}" in story.outputs[w]


def test_lock_held_here_blocks_every_command(tmp_path):
    outputs = tmp_path / "out"
    with outputs_lock(outputs):
        for command in (["run", "--period", PERIOD],
                        ["send", "--period", PERIOD, "--live"],
                        ["certificates", "--period", "2026-11"]):
            result = invoke(*command, "--inputs", str(SAMPLE_INPUTS), "--outputs", str(outputs),
                            "--config", str(SAMPLE_CONFIG))
            assert result.exit_code != 0, (command, result.output)
            assert "another salespack run" in result.output, (command, result.output)
            assert "Traceback" not in result.output
        # it did nothing: no period folder, no certificates folder
        assert [p.name for p in outputs.iterdir() if not p.name.startswith(".salespack")] == []
    # released with the context: the next command gets past the lock (and stops on the missing run)
    after = invoke("send", "--period", PERIOD, "--inputs", str(SAMPLE_INPUTS), "--outputs", str(outputs),
                   "--config", str(SAMPLE_CONFIG))
    assert "another salespack run" not in after.output
    assert "no finished run" in after.output or "manifest" in after.output, after.output


# --------------------------------------------------------------------------- a killed run


def test_killed_run_leaves_no_partial_pdf(story):
    assert not story.problems_at_kill, "\n".join(story.problems_at_kill)
    assert not story.problems_after_workers, "\n".join(story.problems_after_workers)


def test_killed_run_publishes_no_period_folder(story):
    # It was building in staging: the period folder appears only with a complete run.
    assert not story.published_at_kill and not story.published_after_workers


def test_rerun_after_kill_completes_cleanly(story):
    folder = story.folder
    assert 0 in story.codes, "\n".join(story.outputs)
    leftovers = sorted(str(p.relative_to(folder.parent)) for p in folder.parent.rglob("*.part"))
    assert not leftovers, f"unfinished files left behind: {leftovers}"
    assert [p.name for p in folder.parent.iterdir()] == [folder.name], "the killed run's staging folder is left"
    pdfs = sorted(folder.rglob("*.pdf"))
    names = {str(p.relative_to(folder)) for p in pdfs}
    assert {"summary-pack.pdf", "certificates.pdf", "teams/一部.pdf"} <= names, names
    assert len([n for n in names if n.startswith("certificates/")]) == 3, names
    assert not pdf_problems(folder)
    # the manifest describes exactly the files on disk (nothing rewritten behind its back)
    import hashlib
    import json
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name, digest in manifest["outputs"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_killed_run_leaves_no_process_behind(story):
    if not story.workers_at_kill:
        pytest.skip("the run laid out in-process (one core): no workers to outlive it")
    assert not story.left_running, (
        f"5 s after the run (pid {story.killed_pid}) was killed, its processes {story.left_running} still run; "
        f"PDFs at the kill {story.pdfs_at_kill}, 5 s later {story.pdfs_after_grace}")


def _layout_workers(run_pid: int) -> list[int]:
    """The run's layout processes (multiprocessing's spawned children), not its resource tracker."""
    found = []
    for pid in _process_group_members(run_pid):
        try:
            if pid != run_pid and b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            pass
    return found


def test_a_layout_worker_killed_mid_run_is_exit_75_and_leaves_the_last_run(story):
    """The out-of-memory killer takes one layout process, not the run: the run says what
    happened and what to do, exit 75 (cron may try again), not "internal error"; it
    publishes nothing, and the period keeps its last complete run (the story's)."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: documents are laid out in the run's own process")
    folder = story.folder
    assert (folder / "manifest.json").is_file(), "the story left no complete run"
    before = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    log = folder.parent.parent / "worker-killed.log"
    run = _start_run(folder.parent.parent / "inputs", folder.parent, SAMPLE_CONFIG, log)
    victims: list[int] = []
    try:
        deadline = time.monotonic() + RUN_LIMIT_S
        while time.monotonic() < deadline and run.poll() is None and not victims:
            victims = _layout_workers(run.pid)
            time.sleep(0.02)
        assert victims, f"no layout process was seen:\n{log.read_text(errors='replace')}"
        os.kill(victims[0], signal.SIGKILL)
        run.wait(timeout=RUN_LIMIT_S)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(timeout=30)
        _kill(_process_group_members(run.pid))
    said = log.read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 75, said
    assert "one of the 2 processes laying the documents out died mid-run" in said, said
    assert 'says "Out of memory" when it killed one), then run again' in said
    assert "Traceback" not in said and "Internal error" not in said
    assert f"{folder} still holds the last complete run" in said
    after = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before
    # Beside it, only the failed run's log, named in the message.
    failed = folder.parent / f"{folder.name}.failed"
    assert sorted(p.name for p in folder.parent.iterdir() if not p.name.startswith(".salespack")) == \
        [folder.name, failed.name]
    assert f"This run's log: {failed / 'run.log'}" in said
    assert "died mid-run" in (failed / "run.log").read_text(encoding="utf-8")
    assert not list(failed.rglob("*.pdf")) and not (failed / "manifest.json").exists()


# --------------------------------------------------------------------------- default period


class _Frozen(dt.datetime):
    instant: dt.datetime

    @classmethod
    def now(cls, tz=None):
        return cls.instant.astimezone(tz) if tz else cls.instant.replace(tzinfo=None)


def _freeze(monkeypatch, instant: dt.datetime) -> None:
    frozen = type("Frozen", (_Frozen,), {"instant": instant})
    monkeypatch.setattr(periods, "dt", types.SimpleNamespace(datetime=frozen, date=dt.date,
                                                            timezone=dt.timezone, timedelta=dt.timedelta))


SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("local", "zone", "expected"), [
    # 00:30 on Nov 1 in Shanghai is still Oct 31 16:30 UTC: October is complete there
    (dt.datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI), "Asia/Shanghai", "2026-10"),
    # the same instant in a UTC-configured install: October is not over yet
    (dt.datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI), "UTC", "2026-09"),
    # 00:30 on Dec 1 in Shanghai (= Nov 30 UTC)
    (dt.datetime(2026, 12, 1, 0, 30, tzinfo=SHANGHAI), "Asia/Shanghai", "2026-11"),
    # across the year: 00:05 on Jan 1 in Shanghai
    (dt.datetime(2027, 1, 1, 0, 5, tzinfo=SHANGHAI), "Asia/Shanghai", "2026-12"),
    # the last minute of a month is not its end
    (dt.datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI), "Asia/Shanghai", "2026-10"),
])
def test_last_complete_month_in_the_configured_zone(monkeypatch, local, zone, expected):
    _freeze(monkeypatch, local)
    assert str(periods.last_complete_month(zone)) == expected


def test_last_complete_month_of_a_given_day():
    assert str(periods.last_complete_month("Asia/Shanghai", dt.date(2026, 11, 1))) == "2026-10"
    assert str(periods.last_complete_month("Asia/Shanghai", dt.date(2026, 12, 1))) == "2026-11"
    assert str(periods.last_complete_month("Asia/Shanghai", dt.date(2026, 1, 31))) == "2025-12"


@pytest.mark.parametrize(("zone", "expected"), [("Asia/Shanghai", "2026-10"), ("UTC", "2026-09")])
def test_run_without_period_uses_last_complete_month(monkeypatch, tmp_path, zone, expected):
    """`salespack run` with no --period: the month chosen follows the config's zone."""
    from pipeline import month_end
    from pipeline.errors import SalespackError

    _freeze(monkeypatch, dt.datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI))
    chosen = []

    def stop_here(inputs, outputs, period, settings, **_kwargs):
        chosen.append(str(period))
        raise SalespackError("stopped by the test before rendering")

    monkeypatch.setattr(month_end, "run_month_end", stop_here)
    config = tmp_path / "salespack.yaml"
    config.write_text(SAMPLE_CONFIG.read_text(encoding="utf-8").replace("timezone: Asia/Shanghai",
                                                                        f"timezone: {zone}"),
                      encoding="utf-8")
    result = invoke("run", "--inputs", str(SAMPLE_INPUTS), "--outputs", str(tmp_path / "out"),
                    "--config", str(config))
    assert "stopped by the test" in result.output, result.output
    assert chosen == [expected]


def test_send_without_period_uses_last_complete_month(monkeypatch, tmp_path):
    _freeze(monkeypatch, dt.datetime(2026, 12, 1, 0, 30, tzinfo=SHANGHAI))
    result = invoke("send", "--inputs", str(SAMPLE_INPUTS), "--outputs", str(tmp_path / "out"),
                    "--config", str(SAMPLE_CONFIG))
    assert result.exit_code == 2, result.output
    assert "2026-11" in result.output and "no finished run" in result.output, result.output
