"""`salespack leaderboard` as a director's admin runs it: the board's files, movement
against yesterday's board, a team's group that never sees another team, posting to real
(loopback) robots through the CLI, and the dates and inputs a hurried admin gives."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import openpyxl
import pytest

from tests.chat_robots import DINGTALK_SECRET, FEISHU_SECRET, Robots
from tests.conftest import SAMPLE_CONFIG, SAMPLE_INPUTS, invoke, pdf_text

GROUPS = [
    {"name": "销售全员群", "platform": "wecom", "webhook_env": "SALESPACK_WECOM_ALL"},
    {"name": "华东群", "platform": "dingtalk", "webhook_env": "SALESPACK_DINGTALK_EAST",
     "secret_env": "SALESPACK_DINGTALK_EAST_SECRET", "board": "华东销售部"},
    {"name": "North team", "platform": "feishu", "webhook_env": "SALESPACK_FEISHU_NORTH",
     "secret_env": "SALESPACK_FEISHU_NORTH_SECRET", "board": "华北销售部", "locale": "en"},
]


def with_groups(path: Path, groups: list[dict]) -> Path:
    """The sample config with these chat groups."""
    import yaml
    settings = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    settings["leaderboard"]["groups"] = groups
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return path
NORTH_REPS = ("杨帆", "刘洋", "马晓雪", "孙振宇", "高鹏")  # 华北销售部's reps in the sample roster


def leaderboard(outputs: Path, config: Path, *extra: str, inputs: Path = SAMPLE_INPUTS):
    return invoke("leaderboard", "--inputs", str(inputs), "--outputs", str(outputs), "--config", str(config),
                  *extra)


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Path:
    return with_groups(tmp_path_factory.mktemp("board-config") / "salespack.yaml", GROUPS)


@pytest.fixture(scope="module")
def two_days(tmp_path_factory, config) -> Path:
    """The boards of 15 and 16 October, the second posted as a dry run."""
    outputs = tmp_path_factory.mktemp("boards")
    first = leaderboard(outputs, config, "--as-of", "2026-10-15")
    assert first.exit_code == 0, first.output
    second = leaderboard(outputs, config, "--as-of", "2026-10-16", "--post")
    assert second.exit_code == 0, second.output
    assert "销售全员群 (wecom): 2 messages written to outbox/, nothing posted (dry run)" in second.output
    return outputs / "leaderboard"


def test_the_board_writes_its_files(two_days):
    folder = two_days / "2026-10-16"
    for name in ("leaderboard.pdf", "leaderboard.png", "leaderboard.xlsx", "leaderboard.md", "snapshot.json",
                 "teams/华东销售部.pdf", "teams/华北销售部.en.png", "run.log"):
        assert (folder / name).is_file(), name
    width, height = struct.unpack(">II", (folder / "leaderboard.png").read_bytes()[16:24])
    assert 1000 <= width <= 1200 and (folder / "leaderboard.png").stat().st_size <= 2 * 1024 * 1024
    # 16 October: working days 8, 9, 10 (make-up Saturday), 12-16 = 8 of 18.
    assert "时间进度 44.4%" in pdf_text(folder / "leaderboard.pdf")
    book = openpyxl.load_workbook(folder / "leaderboard.xlsx", read_only=True)
    assert book.sheetnames == ["reps", "teams", "company", "pledges"]
    header = next(book["reps"].iter_rows(values_only=True))
    for column in ("rep_id", "name", "team", "time_progress", "revenue_to_date", "attainment_to_date",
                   "progress_gap", "projected_attainment", "same_point_last_month", "to_date_mom_pct",
                   "rank_attainment", "rank_revenue", "movement", "visits_to_date", "visits_per_week_to_date"):
        assert column in header, column


def test_movement_is_against_the_last_board_of_the_same_month(two_days):
    first = json.loads((two_days / "2026-10-15" / "snapshot.json").read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(two_days / "2026-10-16" / "leaderboard.xlsx", read_only=True)
    header, *rows = list(book["reps"].iter_rows(values_only=True))
    checked = 0
    for row in rows:
        rep = dict(zip(header, row))
        before = first["ranks"]["rep_id"].get(rep["rep_id"], {}).get("rank_attainment")
        if rep["rank_attainment"] is not None and before is not None:
            assert rep["movement"] == before - rep["rank_attainment"], rep["rep_id"]
            checked += 1
    assert checked >= 10
    assert any(dict(zip(header, row))["movement"] not in (0, None) for row in rows)  # the day moved someone


def test_a_teams_group_never_sees_another_team(two_days):
    outbox = two_days / "2026-10-16" / "outbox"
    east = json.loads((outbox / "03-华东群-dingtalk-markdown.json").read_text(encoding="utf-8"))
    text = east["markdown"]["text"]
    assert "华东销售部" in text
    assert not [name for name in NORTH_REPS if name in text]
    north = (outbox / "04-North_team-feishu-card.json").read_text(encoding="utf-8")
    assert "Sales leaderboard" in north and "杨帆" in north  # the English group's own team


@pytest.fixture()
def robots(monkeypatch, no_proxy):
    server = Robots()
    monkeypatch.setenv("SALESPACK_WECOM_ALL", server.url("wecom"))
    monkeypatch.setenv("SALESPACK_DINGTALK_EAST", server.url("dingtalk"))
    monkeypatch.setenv("SALESPACK_DINGTALK_EAST_SECRET", DINGTALK_SECRET)
    monkeypatch.setenv("SALESPACK_FEISHU_NORTH", server.url("feishu"))
    monkeypatch.setenv("SALESPACK_FEISHU_NORTH_SECRET", FEISHU_SECRET)
    yield server
    server.stop()


def test_live_post_then_a_rerun_posts_nothing_and_a_wrong_secret_names_the_group(two_days, config, robots,
                                                                                 tmp_path, monkeypatch):
    import shutil
    outputs = tmp_path / "out"
    shutil.copytree(two_days, outputs / "leaderboard")
    result = leaderboard(outputs, config, "--as-of", "2026-10-16", "--post", "--live")
    assert result.exit_code == 0, result.output
    assert {r.platform for r in robots.accepted()} == {"wecom", "dingtalk", "feishu"}
    posted = len(robots.accepted())
    again = leaderboard(outputs, config, "--as-of", "2026-10-16", "--post", "--live")
    assert again.exit_code == 0, again.output
    assert len(robots.accepted()) == posted  # nothing twice

    monkeypatch.setenv("SALESPACK_DINGTALK_EAST_SECRET", "SECwrong")
    wrong = leaderboard(outputs, config, "--as-of", "2026-10-17", "--post", "--live")
    assert wrong.exit_code == 2, wrong.output
    assert "华东群 (dingtalk): " in wrong.output and "310000" in wrong.output


def test_a_rerun_of_the_same_board_posts_nothing_and_a_changed_figure_is_a_changed_board(config, robots, tmp_path):
    outputs = tmp_path / "out"
    first = leaderboard(outputs, config, "--as-of", "2026-10-16", "--post", "--live")
    assert first.exit_code == 0, first.output
    posted = len(robots.accepted())

    # The same inputs again, with leave to repost a changed board: it is the same board (its
    # picture was made again, at another second), so nothing goes twice.
    again = leaderboard(outputs, config, "--as-of", "2026-10-16", "--post", "--live", "--repost-changed")
    assert again.exit_code == 0, again.output
    assert "销售全员群 (wecom): 2 already posted before" in again.output
    assert "other content" not in again.output
    assert len(robots.accepted()) == posted

    # One sale of 12 October ten times larger: the text and the picture both show other figures.
    inputs = tmp_path / "inputs"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    sale = "SO2610-00017,1,2026-10-12,E003,C0057,数字测温仪,7,14660.80,9686.15,加急发货"
    text = (inputs / "sales.csv").read_bytes().decode("gb18030")
    assert text.count(sale) == 1
    (inputs / "sales.csv").write_bytes(text.replace(sale, sale.replace("14660.80", "146608.00")).encode("gb18030"))
    changed = leaderboard(outputs, config, "--as-of", "2026-10-16", "--post", "--live", inputs=inputs)
    assert changed.exit_code == 0, changed.output
    assert ("销售全员群 (wecom): 2 posted before with other content, not posted again (pass --repost-changed to "
            "post them)") in changed.output
    assert len(robots.accepted()) == posted


def test_a_malformed_webhook_url_is_exit_2_before_any_group_is_posted_to(config, robots, tmp_path, monkeypatch):
    monkeypatch.setenv("SALESPACK_DINGTALK_EAST", "http://127.0.0.1:abc/robot/send?access_token=t")
    result = leaderboard(tmp_path / "out", config, "--as-of", "2026-10-16", "--post", "--live")
    assert result.exit_code == 2, result.output
    assert ("group '华东群' (dingtalk): SALESPACK_DINGTALK_EAST is not a webhook URL (its port is not a number "
            "from 1 to 65535). Nothing was posted to any group." in result.output)
    assert "Internal error" not in result.output and "Traceback" not in result.output
    assert robots.requests == []  # not even to the group before it


@pytest.mark.parametrize("as_of, message", [
    ("2026-13-01", "Error: '2026-13-01' is not a date. Give --as-of as YYYY-MM-DD, for example --as-of 2026-11-27."),
    ("2999-01-01", "is in the future"),
])
def test_a_date_that_is_not_a_day_of_the_past_is_exit_2(tmp_path, as_of, message):
    result = leaderboard(tmp_path / "out", SAMPLE_CONFIG, "--as-of", as_of)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "out" / "leaderboard").exists()


def test_a_group_for_a_team_that_does_not_exist_is_a_config_error(tmp_path):
    config = with_groups(tmp_path / "c.yaml", [{**GROUPS[1], "board": "华东部"}])
    result = leaderboard(tmp_path / "out", config, "--as-of", "2026-10-16")
    assert result.exit_code == 2, result.output
    assert "leaderboard.groups names team '华东部', which is not a team of the roster" in result.output


def test_a_stale_export_is_not_posted_as_a_board_of_zeros(tmp_path):
    # The sample's sales end on 30 October: a board as of 20 November would show no revenue.
    result = leaderboard(tmp_path / "out", SAMPLE_CONFIG, "--as-of", "2026-11-20")
    assert result.exit_code == 2, result.output
    assert ("the sales export has no row dated from 2026-11-01 to 2026-11-20 (its newest row is dated 2026-10-30)"
            in result.output)
    assert "--allow-empty" in result.output
    assert not (tmp_path / "out" / "leaderboard" / "2026-11-20").exists()
    allowed = leaderboard(tmp_path / "out", SAMPLE_CONFIG, "--as-of", "2026-11-20", "--allow-empty")
    assert allowed.exit_code == 0, allowed.output


def test_a_weekly_board_whose_month_has_not_sold_yet_shows_its_week(tmp_path):
    """Sunday 1 November: the month has no sale yet, but the ISO week (Monday 26 October
    to 1 November) does; the Monday cron's board is made, not refused as a stale export."""
    import datetime as dt

    from pipeline.config import load_settings
    from pipeline.month_end import load_inputs
    sales = load_inputs(SAMPLE_INPUTS, load_settings(SAMPLE_CONFIG)).frames["sales"]
    day = sales["order_date"].dt.date
    week = sales.loc[(day >= dt.date(2026, 10, 26)) & (day <= dt.date(2026, 11, 1)), "amount"]
    assert len(week) > 0 and not (day == dt.date(2026, 11, 1)).any()
    result = leaderboard(tmp_path / "out", SAMPLE_CONFIG, "--week", "--as-of", "2026-11-01")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "out" / "leaderboard" / "2026-11-01-week" / "leaderboard.xlsx",
                                  read_only=True)
    header, row = list(book["company"].iter_rows(values_only=True))[:2]
    company = dict(zip(header, row))
    assert company["revenue_of_week"] == pytest.approx(int(week.sum()) / 100)  # fen to yuan
    assert company["revenue_to_date"] == 0


def without_early_october(folder: Path) -> Path:
    """A copy of the sample whose sales export lacks the rows of 1-12 October 2026 (it still
    runs to 30 October): a gap of working days inside the export."""
    import re
    import shutil
    inputs = folder / "inputs"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    sales = inputs / "sales.csv"
    lines = sales.read_text(encoding="gb18030").splitlines(keepends=True)

    def early_october(line: str) -> bool:
        fields = line.split(",")
        year, month, day = (int(part) for part in re.findall(r"\d+", fields[2])[:3])
        return (year, month) == (2026, 10) and day <= 12
    kept = [lines[0]] + [line for line in lines[1:] if not early_october(line)]
    assert len(kept) < len(lines)
    sales.write_text("".join(kept), encoding="gb18030")
    return inputs


@pytest.mark.parametrize("extra, gap, said, hint", [
    (("--as-of", "2026-10-12"), True,
     "no sale is dated from 2026-10-01 to 2026-10-12 in the sales export, whose rows run from 2025-09-01 to "
     "2026-10-30: the board would show no revenue at all.",
     "If nothing was sold on those days (a holiday, say), pass --allow-empty"),
    (("--as-of", "2025-08-15"), False,
     "no sale is dated from 2025-08-01 to 2025-08-15 in the sales export, whose rows run from 2025-09-01 to "
     "2026-10-30: 2025-08-15 is before its first row",
     "Check --as-of (the export starts on 2025-09-01)"),
])
def test_days_without_a_sale_inside_or_before_the_export_say_so(tmp_path, extra, gap, said, hint):
    """The export is not stale (it has rows after these days): the message says which days
    have no sale and where the export's rows are, and does not ask to export it again."""
    inputs = without_early_october(tmp_path) if gap else SAMPLE_INPUTS
    result = leaderboard(tmp_path / "out", SAMPLE_CONFIG, *extra, inputs=inputs)
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert said in text and hint in text
    assert "newest row" not in text and "Export the sales again and rerun" not in text


@pytest.mark.parametrize("extra", [
    ("--as-of", "2026-10-03"),            # 1-3 October: the National Day holiday
    ("--week", "--as-of", "2026-10-07"),  # its week and the month so far: all holiday
])
def test_a_board_of_holidays_only_is_made_without_sales(tmp_path, extra):
    """No working day among the days shown: no sale is expected, so zeros are no sign of a
    stale export (the daily cron runs through the holiday without --allow-empty)."""
    result = leaderboard(tmp_path / "out", SAMPLE_CONFIG, *extra)
    assert result.exit_code == 0, result.output
    made = [path for path in (tmp_path / "out" / "leaderboard").iterdir()]
    assert len(made) == 1, made
    company = list(openpyxl.load_workbook(made[0] / "leaderboard.xlsx", read_only=True)["company"].values)
    header, row = company[0], company[1]
    assert row[header.index("revenue_to_date")] == 0


def test_a_month_without_target_in_the_budget_keeps_the_revenue_ranking(tmp_path):
    """Early in a month, before the budgets are loaded: the budget has no October row. The
    chat text and the phone image keep the ranking by revenue to date and say why there
    is no attainment."""
    import shutil
    inputs = tmp_path / "inputs"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    book = openpyxl.load_workbook(inputs / "budget.xlsx")
    sheet = book.worksheets[0]
    october = [row for row in range(2, sheet.max_row + 1) if str(sheet.cell(row, 1).value).startswith("2026-10")]
    assert october
    for row in reversed(october):
        sheet.delete_rows(row)
    book.save(inputs / "budget.xlsx")
    result = leaderboard(tmp_path / "out", SAMPLE_CONFIG, "--as-of", "2026-10-15", inputs=inputs)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "leaderboard" / "2026-10-15"
    teams = {row[0]: row for row in openpyxl.load_workbook(folder / "leaderboard.xlsx", read_only=True)["teams"]
             .iter_rows(values_only=True)}
    header = teams.pop("team")
    by_revenue = sorted(teams, key=lambda team: -teams[team][header.index("revenue_to_date")])
    text = (folder / "leaderboard.md").read_text(encoding="utf-8")
    assert "预算中尚无2026年10月的任务额" in text
    ranking = text.split("**团队排名**\n")[1].split("\n\n")[0].splitlines()
    assert [line.split()[:3] for line in ranking] == [["-", f"**{n}**", team] for n, team in enumerate(by_revenue, 1)]
    assert "**个人排名前 10**" in text
    assert (folder / "leaderboard.png").stat().st_size > 0
