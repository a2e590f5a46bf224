"""render: the in-month leaderboard (业绩展示) as a PDF, a phone PNG and chat text.

The sample org's board as of 2026-10-15 is computed once per module (one rep, E008, set
inactive to show the unranked rule) and each variant rendered once: WeasyPrint is slow.
Figures are checked against arithmetic on the board's own numbers, done here by hand.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from pipeline.compute.leaderboard import compute_board
from pipeline.config import load_settings
from pipeline.errors import RenderError
from pipeline.month_end import load_inputs
from pipeline.render import board as render

from .conftest import SAMPLE_CONFIG, SAMPLE_INPUTS, pdf_text

AS_OF = dt.date(2026, 10, 15)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")


def percent(numerator, denominator) -> str:
    """numerator / denominator as the board prints it: one decimal, half up."""
    return f"{(Decimal(int(numerator)) * 100 / Decimal(int(denominator))).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def points(attainment: Decimal, progress: Decimal) -> Decimal:
    return ((attainment - progress) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def wan(fen) -> str:
    """Fen in 万元, two decimals (the zh board's unit)."""
    return f"{(Decimal(int(fen)) / 1_000_000).quantize(Decimal('0.01'), ROUND_HALF_UP):,}"


def line_of(text: str, name: str) -> str:
    """The first line of ``text`` naming ``name`` (the rep table comes before the pledges)."""
    return next(line for line in text.splitlines() if name in line)


@pytest.fixture(scope="module")
def sample():
    settings = load_settings(SAMPLE_CONFIG)
    frames = dict(load_inputs(SAMPLE_INPUTS, settings).frames)
    roster = frames["roster"].copy()
    roster.loc[roster["rep_id"] == "E008", "active"] = False  # left mid-month, has October sales
    frames["roster"] = roster
    return settings, frames


@pytest.fixture(scope="module")
def boards(sample):
    """The day board against a previous board built by hand: the rep ranked 1st was 3rd
    (↑2), the 2nd was 1st (↓1), the 5th was 5th (=); nobody else was on it (新)."""
    settings, frames = sample
    first = compute_board(frames, AS_OF, settings)
    by_rank = first.reps.dropna(subset=["rank_attainment"]).sort_values("rank_attainment")
    up, down, same = by_rank.index[0], by_rank.index[1], by_rank.index[4]
    previous = {"rep_id": pd.DataFrame({"rank_attainment": [3, 1, 5], "rank_revenue": [1, 2, 3]},
                                       index=[up, down, same]),
                "team": first.teams[["rank_attainment", "rank_revenue"]]}
    day = compute_board(frames, AS_OF, settings, previous=previous)
    week = compute_board(frames, AS_OF, settings, weekly=True)
    return {"day": day, "week": week, "up": up, "down": down, "same": same}


def context(board, settings, locale="zh_CN", **options):
    return render.board_context(board, locale=locale, company_name=settings.company.name,
                                generated_at="2026-10-16T08:30:00+08:00", version="test",
                                visits_standard=float(settings.visits.visits_per_week_standard), **options)


@pytest.fixture(scope="module")
def rendered(sample, boards, tmp_path_factory):
    """Every variant, rendered once: {name: (context, pdf text, pdf path)}; the PNG beside."""
    settings, _frames = sample
    folder = tmp_path_factory.mktemp("board")
    variants = {
        "zh": context(boards["day"], settings),
        "percent_only": context(boards["day"], settings, percent_only=True),
        "team": context(boards["day"], settings, scope="华南销售部"),
        "en": context(boards["day"], settings, locale="en"),
        "week": context(boards["week"], settings),
    }
    out = {}
    for name, ctx in variants.items():
        pdf = folder / f"{name}.pdf"
        pages = render.render_board_pdf(ctx, pdf)
        out[name] = (ctx, pdf_text(pdf), pdf, pages)
    render.render_board_image(variants["zh"], folder / "zh.png")
    render.render_board_phone_pdf(variants["en"], folder / "en-phone.pdf")
    out["en_phone_text"] = pdf_text(folder / "en-phone.pdf")
    out["png"] = folder / "zh.png"
    return out


# --- labels --------------------------------------------------------------------------------

@pytest.mark.parametrize("gap, zh_long, zh_short, en_long", [
    (0.0506, "超前 5.1 个百分点", "超前 5.1", "5.1 pts ahead"),
    (-0.04449, "落后 4.4 个百分点", "落后 4.4", "4.4 pts behind"),
    (0.0004, "与时间进度持平", "持平", "level with time progress"),
    (None, "—", "—", "—"),
])
def test_gap_to_time_progress_reads_ahead_or_behind(gap, zh_long, zh_short, en_long):
    assert render.gap_text(gap, "zh_CN") == zh_long
    assert render.gap_text(gap, "zh_CN", short=True) == zh_short
    assert render.gap_text(gap, "en") == en_long


def test_movement_signs():
    assert render.movement_text(3, True, True, "zh_CN") == ("↑3", "up")
    assert render.movement_text(-2, True, True, "zh_CN") == ("↓2", "down")
    assert render.movement_text(0, True, True, "zh_CN") == ("=", "same")
    assert render.movement_text(pd.NA, True, True, "zh_CN") == ("新", "new")
    assert render.movement_text(pd.NA, True, True, "en") == ("new", "new")
    assert render.movement_text(pd.NA, False, True, "zh_CN") == ("", "")  # not ranked: no movement
    assert render.movement_text(pd.NA, True, False, "zh_CN") == ("", "")  # no previous board


def test_an_unknown_team_is_refused(sample, boards):
    with pytest.raises(RenderError, match="no team named '华西销售部'"):
        context(boards["day"], sample[0], scope="华西销售部")


# --- the A4 board ------------------------------------------------------------------------------

def test_title_time_progress_and_company_line(rendered, boards):
    _ctx, text, _pdf, pages = rendered["zh"]
    board = boards["day"]
    assert pages == 1
    assert "业绩展示" in text and "2026年10月15日" in text
    progress = percent(board.working_days_elapsed, board.working_days_in_month)
    assert progress == "38.9%"  # 7 of 18 working days (national day holidays, 10-11 made up)
    assert f"时间进度 {progress}（第 7 / 18 个工作日）" in text
    company = board.company.iloc[0]
    attainment = Decimal(int(company["revenue_to_date"])) / Decimal(int(company["target"]))
    gap = points(attainment, Decimal(7) / Decimal(18))
    assert gap > 0 and f"超前 {gap} 个百分点" in text
    assert wan(company["revenue_to_date"]) in text and wan(company["target"]) in text
    assert percent(company["revenue_to_date"], company["target"]) in text
    projected = (attainment / (Decimal(7) / Decimal(18)) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    assert f"{projected}%" in text
    mom = (Decimal(int(company["revenue_to_date"])) / Decimal(int(company["same_point_last_month"])) - 1) * 100
    assert f"+{mom.quantize(Decimal('0.1'), ROUND_HALF_UP)}%" in text


def test_a_reps_line_is_computed_from_its_own_numbers(rendered, boards):
    _ctx, text, _pdf, _pages = rendered["zh"]
    rep = boards["day"].reps.loc["E005"]
    row = line_of(text, rep["name"]).split()
    attainment = percent(rep["revenue_to_date"], rep["target"])
    assert attainment == "44.0%"
    gap = points(Decimal(int(rep["revenue_to_date"])) / Decimal(int(rep["target"])), Decimal(7) / Decimal(18))
    assert attainment in row and wan(rep["revenue_to_date"]) in row and wan(rep["target"]) in row
    assert ("超前" if gap > 0 else "落后") in row and str(abs(gap)) in row
    assert str(int(rep["rank_attainment"])) == row[0]


def test_movement_against_the_previous_board(rendered, boards):
    _ctx, text, _pdf, _pages = rendered["zh"]
    reps = boards["day"].reps
    assert "↑2" in line_of(text, reps.loc[boards["up"], "name"]).split()
    assert "↓1" in line_of(text, reps.loc[boards["down"], "name"]).split()
    assert "=" in line_of(text, reps.loc[boards["same"], "name"]).split()
    others = reps.dropna(subset=["rank_attainment"]).drop([boards["up"], boards["down"], boards["same"]])
    assert all("新" in line_of(text, name).split() for name in others["name"])


def test_people_who_left_are_shown_not_ranked(rendered, boards):
    _ctx, text, _pdf, _pages = rendered["zh"]
    left = boards["day"].reps.loc["E008"]
    row = line_of(text, left["name"])
    assert "已离职" in row and row.split()[0] == "—"
    assert percent(left["revenue_to_date"], left["target"]) in row  # its figures stay on the board


def test_pledges_beside_their_own_periods_time_progress(rendered, boards):
    _ctx, text, _pdf, _pages = rendered["zh"]
    quarterly = boards["day"].pledges[boards["day"].pledges["period"] == "2026-Q4"].iloc[0]
    row = next(line for line in text.splitlines() if "2026年第4季度" in line)
    assert quarterly["name"] in row
    assert percent(quarterly["revenue_to_date"], quarterly["pledge_amount"]) in row
    # The quarter's time progress: 7 working days gone of October's 18, November's 21 and December's 23.
    assert percent(7, 18 + 21 + 23) == "11.3%" and "11.3%" in row.split()[-1:]


def test_visits_against_the_standard(rendered):
    _ctx, text, _pdf, _pages = rendered["zh"]
    assert "每位销售代表每周 2.0 次" in " ".join(text.split())


def test_chinese_glyphs_are_embedded(rendered):
    fonts = subprocess.run(["pdffonts", str(rendered["zh"][2])], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk)


def test_percent_only_shows_no_amount(rendered, boards):
    ctx, text, _pdf, _pages = rendered["percent_only"]
    assert "万元" not in text and "累计销售额" not in text and "保证金额" not in text  # no amount column
    reps = boards["day"].reps
    amounts = {wan(v) for v in reps["revenue_to_date"]} | {wan(v) for v in reps["target"].dropna()}
    amounts |= {wan(boards["day"].company.iloc[0]["revenue_to_date"])}
    assert not [a for a in amounts if re.search(rf"(?<![\d.,]){re.escape(a)}(?![\d%])", text)]
    assert percent(reps.loc["E005", "revenue_to_date"], reps.loc["E005", "target"]) in text  # rates stay
    phone = render.board_html(ctx, "phone")
    markdown = render.board_markdown(ctx, "wecom")
    assert "万元" not in markdown and "万元" not in phone
    assert all(line.revenue_to_date is None and line.target is None for line in ctx.reps)
    assert all(p.pledge_amount is None and p.revenue_to_date is None for p in ctx.pledges)


def test_a_teams_board_has_only_its_people(rendered, boards):
    ctx, text, _pdf, _pages = rendered["team"]
    reps = boards["day"].reps
    mine, others = reps[reps["team"] == "华南销售部"], reps[reps["team"] != "华南销售部"]
    markdown = "".join(render.board_markdown(ctx, p) for p in render.PLATFORMS)
    phone = render.board_html(ctx, "phone")
    assert all(name in text for name in mine["name"])
    ranked = mine.dropna(subset=["rank_attainment"])["name"]
    for shown in (text, markdown, phone):
        assert all(name in shown for name in ranked)
        assert [name for name in others["name"] if name in shown] == []
        assert "华东销售部" not in shown and "华北销售部" not in shown
    assert {line.team for line in ctx.reps} == {"华南销售部"}
    assert "排名为全公司排名" in " ".join(text.split())


def test_the_weekly_board_shows_the_week_beside_the_month(rendered, boards):
    _ctx, text, _pdf, pages = rendered["week"]
    week = boards["week"]
    assert pages == 1 and "周业绩展示" in text and "周排名" in text and "本周销售额" in text
    first = week.reps.sort_values("rank_week").iloc[0]
    row = line_of(text, first["name"]).split()
    assert row[0] == "1" and wan(first["revenue_of_week"]) in row and str(int(first["visits_of_week"])) in row
    assert percent(first["revenue_to_date"], first["target"]) in row


def test_a_company_board_too_long_for_a_page_gets_a_page_per_team(sample, boards, tmp_path):
    """Four times the reps: the first page has the company and the team ranking, then a
    page (or more) for each team with only its reps."""
    settings, _frames = sample
    day = boards["day"]
    copies = [day.reps.assign(name=day.reps["name"] + f"{n}").rename(index=lambda rep, n=n: f"{rep}-{n}")
              for n in range(4)]
    long = dataclasses.replace(day, reps=pd.concat(copies))
    pdf = tmp_path / "long.pdf"
    pages = render.render_board_pdf(context(long, settings), pdf)
    assert pages >= 1 + len(day.teams)
    first = pdf_text(pdf, 1)
    ranks = long.reps["rank_attainment"].dropna().sort_values()
    top = long.reps.loc[ranks[ranks <= ranks.iloc[9]].index, "name"]  # ten, and those tied with the tenth
    assert "团队排名" in first and f"个人排名前 {len(top)}" in first
    assert sorted(name for name in long.reps["name"] if name in first) == sorted(top)
    second = pdf_text(pdf, 2)
    team = day.teams.index[0]
    assert second.lstrip().startswith(team)
    assert not [name for name in long.reps.loc[long.reps["team"] != team, "name"] if name in second]


# --- English -----------------------------------------------------------------------------------

def test_english_has_no_chinese_but_the_data(rendered, boards, sample):
    ctx, text, _pdf, _pages = rendered["en"]
    board = boards["day"]
    data = {sample[0].company.name, *board.reps["name"], *board.reps["team"].dropna(), *board.teams.index,
            *board.pledges["name"].dropna()}
    chat = [render.board_markdown(ctx, platform) for platform in render.PLATFORMS]
    everything = "\n".join([text, rendered["en_phone_text"], *chat])
    for value in sorted(data, key=len, reverse=True):
        everything = everything.replace(value, "")
    assert CJK.findall(everything) == []
    assert "pts ahead" in text and "Time progress 38.9% (working day 7 of 18)" in text
    assert "As of 15 October 2026" in text


# --- the phone image and the chat text ----------------------------------------------------------

def test_the_png_is_phone_sized(rendered):
    from PIL import Image
    png = rendered["png"]
    assert png.stat().st_size <= 2 * 1024 * 1024
    with Image.open(png) as image:
        assert abs(image.width - 1080) <= 2
        assert image.height > image.width  # a portrait page the chat shows at full width


def test_the_pictures_checksum_is_of_what_it_shows_not_of_when_it_was_made(rendered):
    # The chat ledger knows a posted picture by this checksum: its bytes differ on each run.
    ctx = rendered["zh"][0]
    later = dataclasses.replace(ctx, generated_at="2026-10-16T09:45:12+08:00", version="other")
    headline = dataclasses.replace(ctx.headline, attainment_to_date=ctx.headline.attainment_to_date + 0.01)
    assert render.board_image_checksum(later) == render.board_image_checksum(ctx)
    assert render.board_image_checksum(dataclasses.replace(ctx, headline=headline)) != render.board_image_checksum(ctx)
    assert render.board_image_checksum(rendered["en"][0]) != render.board_image_checksum(ctx)


def test_chat_text_per_platform(rendered, boards):
    ctx = rendered["zh"][0]
    wecom, dingtalk, feishu, plain = (render.board_markdown(ctx, platform) for platform in render.PLATFORMS)
    best = boards["day"].reps.loc[boards["up"]]
    assert f"\n1. {best['name']}" in wecom and f"\n**1** {best['name']}" in feishu
    assert f"\n- **1** {best['name']}" in dingtalk and f"\n- **1** {best['name']}" in plain
    for text in (wecom, dingtalk, feishu, plain):
        assert "时间进度 38.9%" in text and "超前" in text and "个百分点" in text and "↑2" in text
        assert "2026年第4季度" in text  # the quarterly pledge
        assert len(text.encode()) <= 4096
    assert '<font color="info">' in wecom and '<font color="warning">' in wecom
    assert "<font" not in dingtalk + feishu + plain
    top = feishu.split("**个人排名前 10**\n")[1].split("**落后于时间进度**")[0].splitlines()
    assert len(top) == 10 and all(re.match(r"\*\*\d+\*\* ", line) for line in top)
    with pytest.raises(ValueError, match="wecom"):
        render.board_markdown(ctx, "slack")


# --- a month with no target in the budget ------------------------------------------------------

@pytest.fixture(scope="module")
def no_target(sample):
    """The sample's board as of 15 October with the budget's October rows deleted (early in
    a month, before budgets are loaded), against a previous board on which the rep now
    first by revenue was third by revenue; and the revenue to date of each rep and team,
    summed here from the sales rows of 1-15 October."""
    settings, frames = sample
    frames = {**frames, "budget": frames["budget"][frames["budget"]["period"] != "2026-10"]}
    roster = frames["roster"].set_index("rep_id")
    sales = frames["sales"]
    day = sales["order_date"].dt.date
    october = sales[(day >= dt.date(2026, 10, 1)) & (day <= AS_OF)]
    reps = october.groupby("rep_id")["amount"].sum()
    teams = october.assign(team=october["rep_id"].map(roster["team"])).groupby("team")["amount"].sum()
    ranked = reps[reps.index.map(lambda rep: roster.loc[rep, "role"] == "rep" and bool(roster.loc[rep, "active"]))]
    ranked = ranked.sort_values(ascending=False)
    first = compute_board(frames, AS_OF, settings)
    previous = {"rep_id": pd.DataFrame({"rank_attainment": [pd.NA], "rank_revenue": [3]}, index=[ranked.index[0]]),
                "team": first.teams[["rank_attainment", "rank_revenue"]]}
    return {"day": compute_board(frames, AS_OF, settings, previous=previous),
            "week": compute_board(frames, AS_OF, settings, weekly=True),
            "reps": ranked, "teams": teams.sort_values(ascending=False), "roster": roster}


def listed(text: str, heading: str) -> list[str]:
    """The lines of the chat text's list under ``heading``, without a list's "- "."""
    lines = text.split(heading + "\n")[1].splitlines()
    end = next((n for n, line in enumerate(lines) if not line or re.fullmatch(r"\*\*[^*]+\*\*", line)), len(lines))
    return [line.removeprefix("- ") for line in lines[:end]]


def test_a_month_without_target_keeps_the_revenue_ranking_in_the_chat(sample, no_target):
    settings, _frames = sample
    board = no_target["day"]
    assert board.company["target"].isna().all() and board.reps["rank_attainment"].isna().all()
    ctx = context(board, settings)
    teams, reps, roster = no_target["teams"], no_target["reps"], no_target["roster"]
    for platform in render.PLATFORMS:
        text = render.board_markdown(ctx, platform)
        assert "预算中尚无2026年10月的任务额：完成率待任务额录入后显示，在此之前按销售额排名。" in text
        number = (lambda n: f"{n}.") if platform == "wecom" else (lambda n: f"**{n}**")
        ranking = listed(text, "**团队排名**")
        assert len(ranking) == len(teams)
        for n, (line, team) in enumerate(zip(ranking, teams.index), 1):
            assert line.startswith(f"{number(n)} {team} 累计 {wan(teams[team])} 万元")
        top = listed(text, "**个人排名前 10**")
        assert len(top) == 10
        for n, (line, rep) in enumerate(zip(top, reps.index[:10]), 1):
            assert line.removeprefix("- ").startswith(
                f"{number(n)} {roster.loc[rep, 'name']}（{roster.loc[rep, 'team']}） 累计 {wan(reps[rep])} 万元")
        assert "↑2" in top[0] and "新" in top[1]  # movement of the revenue rank: third before, first now
        assert "落后于时间进度" not in text  # nobody's pace is known without a target
    assert ctx.reps_ranked_by == ctx.teams_ranked_by == "revenue"
    english = render.board_markdown(context(board, settings, locale="en"), "markdown")
    assert "October 2026 has no target in the budget: attainment shows once the targets are loaded" in english
    assert f"**1** {teams.index[0]} to date CNY" in english


def test_a_month_without_target_keeps_the_revenue_ranking_on_the_phone_page(sample, no_target, tmp_path):
    settings, _frames = sample
    teams, reps, roster = no_target["teams"], no_target["reps"], no_target["roster"]
    render.render_board_phone_pdf(context(no_target["day"], settings), tmp_path / "phone.pdf")
    text = pdf_text(tmp_path / "phone.pdf")
    assert "预算中尚无2026年10月的任务额" in "".join(text.split())
    for n, team in enumerate(teams.index, 1):
        assert line_of(text, team).split()[:3] == [str(n), team, wan(teams[team])]
    best = line_of(text, roster.loc[reps.index[0], "name"]).split()
    assert best[:3] == ["1", roster.loc[reps.index[0], "name"], wan(reps.iloc[0])] and best[-1] == "↑2"


def test_a_month_without_target_on_a_weekly_and_a_percent_only_board(sample, no_target):
    settings, _frames = sample
    week = context(no_target["week"], settings)
    text = render.board_markdown(week, "feishu")
    assert "预算中尚无2026年10月的任务额" in text
    best = no_target["week"].teams.sort_values("rank_week").iloc[0]
    week_line = f"**1** {best.name} 本周 {wan(best['revenue_of_week'])} 万元"
    assert f"{week_line} 累计 {wan(best['revenue_to_date'])} 万元" in text  # the week's rank, the month beside it
    rates = render.board_markdown(context(no_target["day"], settings, percent_only=True), "feishu")
    assert "万元" not in rates  # rates and ranks only: the rank, the name, the movement (= since the previous board)
    teams = no_target["teams"].index
    assert listed(rates, "**团队排名**") == [f"**{n}** {team} =" for n, team in enumerate(teams, 1)]


def test_with_targets_the_board_is_ranked_by_attainment_and_says_nothing_of_them(rendered, boards):
    ctx = rendered["zh"][0]
    assert ctx.reps_ranked_by == ctx.teams_ranked_by == "attainment" and ctx.target_note == ""
    assert [line.board_rank for line in ctx.teams] == sorted(boards["day"].teams["rank_attainment"])
    assert "任务额：" not in render.board_markdown(ctx, "feishu")
