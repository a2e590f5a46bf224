"""Render step of the in-month leaderboard (业绩展示): its context, the A4 PDF, the phone
image and the chat text.

kpis.md, "In-month leaderboard". ``board_context`` picks, orders and labels the rows of a
computed ``Board`` for one audience (the company, or one team's group); it computes no
figure. Amounts stay int fen and ratios fractions until the filters print them; a
percent-only board carries no amount at all, so no template can show one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
from babel.dates import format_date

from ..compute.leaderboard import Board
from ..errors import RenderError
from .contexts import period_label, plain
from .filters import DASH, count, is_empty, money, pct, percentage, signed_pct
from .i18n import translator
from .output import write_bytes
from .pdf import environment, lay_out, render_template, template_roots, writing

TEMPLATE = "leaderboard/template.html"
TOP, BOTTOM = 10, 3                 # reps on the phone page and in the chat text
PHONE_WIDTH_MM, PHONE_MAX_MM = 120, 1500
PNG_WIDTH, PNG_LIMIT = 1080, 2 * 1024 * 1024
PLATFORMS = ("wecom", "dingtalk", "feishu", "markdown")  # "markdown": the .md file beside the PDF


@dataclass
class BoardLine:
    """One rep, one team, or the company (``key`` "company") as the board shows it.
    Money in fen (None on a percent-only board), ratios as fractions, empty as None."""

    key: str
    name: str
    team: str | None
    role: str                 # "rep", "manager", "team" or "company"
    active: bool
    rank: int | None          # by attainment to date
    rank_revenue: int | None
    rank_week: int | None     # weekly board only
    ranked_by: str            # the month's ranking shown: "attainment" or, when nobody of the grain
                              # has an attainment rank (no target for the month), "revenue"
    month_rank: int | None    # rank (attainment) or rank_revenue, as ranked_by says
    board_rank: int | None    # the rank the board is ordered by: rank_week (weekly) or month_rank
    movement: str             # of month_rank: ↑3, ↓2, =, 新 / new; "" when not ranked or no previous board
    trend: str                # "up", "down", "same", "new" or ""
    revenue_to_date: int | None
    target: int | None
    attainment_to_date: float | None
    progress_gap: float | None
    gap: str                  # 超前 5.1 / 落后 4.9 (points), for tables and lists
    pace: str                 # "ahead", "behind", "level" or "" (no attainment)
    projected_attainment: float | None
    same_point_last_month: int | None
    to_date_mom_pct: float | None
    visits_to_date: int | None
    visits_per_week_to_date: float | None
    below_standard: bool
    revenue_of_week: int | None
    visits_of_week: int | None


@dataclass
class PledgeLine:
    """A pledge of the month or of its quarter: progress beside its own period's time progress."""

    pledger_id: str
    name: str | None
    team: str | None
    scope: str                # "individual" or "team"
    scope_label: str
    period: str
    period_label: str
    quarterly: bool
    pledge_amount: int | None
    revenue_to_date: int | None
    pledge_progress: float | None
    time_progress: float | None
    pace: str                 # "ahead" (at or ahead of its time progress), "behind" or ""


@dataclass
class TeamSection:
    """A team's page of a company board too long for one page: its reps and pledges."""

    team: BoardLine | None    # None: reps and pledges of no team on the board
    reps: list[BoardLine]
    pledges: list[PledgeLine]


@dataclass
class BoardContext:
    """The leaderboard of one as-of day (or its ISO week) for one audience: what the PDF,
    the phone page and the chat text show. ``scope``: a team's board holds that team's
    people only (ranks stay the company's)."""

    locale: str
    company_name: str
    scope: str | None
    percent_only: bool
    weekly: bool
    title: str                # 业绩展示 / 周业绩展示
    as_of: str                # ISO date
    as_of_label: str          # 截至 2026年10月15日 / As of 15 October 2026
    period: str
    period_label: str
    week_label: str | None    # 本周 10月12日至10月15日
    time_progress: float | None
    working_days_elapsed: int
    working_days_in_month: int
    time_progress_text: str   # 时间进度 38.9%（第 7 / 18 个工作日）
    calendar_known: bool
    headline: BoardLine       # the company, or the scope's team
    headline_gap: str         # 超前 4.6 个百分点 / 4.6 pts ahead
    team_count: int
    teams: list[BoardLine]
    reps: list[BoardLine]
    top: list[BoardLine]      # the first TOP ranked reps (and any tied with the last)
    bottom: list[BoardLine]   # up to BOTTOM last ranked reps behind time progress, not in ``top``
    pledges: list[PledgeLine]
    sections: list[TeamSection]
    unsectioned_pledges: list[PledgeLine]
    has_previous: bool        # a previous board to show movement against
    reps_ranked_by: str       # "attainment" or "revenue" (nobody has an attainment rank): see BoardLine
    teams_ranked_by: str
    target_note: str          # "" or: the month has no target in the budget, so the ranks are by revenue
    visits_standard: float | None
    reps_below_standard: int
    reps_with_standard: int   # active reps the standard applies to
    generated_at: str
    version: str


# --- labels ---------------------------------------------------------------------------------

def gap_points(progress_gap) -> Decimal | None:
    """progress_gap in percentage points, rounded as the pack rounds a percentage."""
    return None if is_empty(progress_gap) else percentage(progress_gap)


def pace(progress_gap) -> str:
    points = gap_points(progress_gap)
    return "" if points is None else "level" if points == 0 else "ahead" if points > 0 else "behind"


def gap_text(progress_gap, locale: str, *, short: bool = False) -> str:
    """超前 4.6 个百分点 / 落后 4.6 个百分点 (en "4.6 pts ahead / behind"); ``short``: 超前 4.6."""
    _ = translator(locale)
    points = gap_points(progress_gap)
    if points is None:
        return DASH
    if points == 0:
        return _("level") if short else _("level with time progress")
    if points > 0:
        text = _("%(points)s ahead") if short else _("%(points)s pts ahead")
    else:
        text = _("%(points)s behind") if short else _("%(points)s pts behind")
    return text % {"points": abs(points)}


def movement_text(movement, ranked: bool, has_previous: bool, locale: str) -> tuple[str, str]:
    """(label, trend): ↑3 / ↓2 / = / 新 for one not on the previous board; nothing for
    one not ranked, or when there is no previous board of this period and kind."""
    if not ranked or not has_previous:
        return "", ""
    if is_empty(movement):
        _ = translator(locale)
        return _("new"), "new"
    steps = int(movement)
    return (f"↑{steps}", "up") if steps > 0 else (f"↓{-steps}", "down") if steps < 0 else ("=", "same")


def month_ranked_by(table: pd.DataFrame) -> str:
    """What a grain's month ranking is by (kpis.md ranks by attainment_to_date, reps and
    teams with a target, and by revenue_to_date): "attainment" when anyone of the grain
    has an attainment rank; else "revenue", so a month without targets keeps a ranking."""
    return "attainment" if table["rank_attainment"].notna().any() else "revenue"


def has_target(board: Board) -> bool:
    """Whether the budget gives the month a target at all (a rep's or a team's)."""
    return bool(board.reps["target"].notna().any() or board.teams["target"].notna().any())


def date_label(day: dt.date, locale: str) -> str:
    if locale.startswith("zh"):
        return f"{day.year}年{day.month}月{day.day}日"
    return format_date(day, "d MMMM y", locale="en")


def _short_date(day: dt.date, locale: str) -> str:
    return f"{day.month}月{day.day}日" if locale.startswith("zh") else format_date(day, "d MMM", locale="en")


# --- context --------------------------------------------------------------------------------

def _line(key: str, row: pd.Series, *, name: str, team, role: str, active: bool, weekly: bool, amounts: bool,
          has_previous: bool, standard: float | None, locale: str, ranked_by: str) -> BoardLine:
    value = lambda column: plain(row.get(column))  # noqa: E731
    money_of = lambda column: value(column) if amounts else None  # noqa: E731
    rank, rank_week = value("rank_attainment"), value("rank_week") if weekly else None
    by_revenue = ranked_by == "revenue"
    month_rank = value("rank_revenue") if by_revenue else rank
    board_rank = rank_week if weekly else month_rank
    label, trend = movement_text(row.get("movement_revenue" if by_revenue else "movement"), month_rank is not None,
                                 has_previous, locale)
    per_week = value("visits_per_week_to_date")
    return BoardLine(
        key=key, name=name, team=team, role=role, active=active, rank=rank, rank_revenue=value("rank_revenue"),
        rank_week=rank_week, ranked_by=ranked_by, month_rank=month_rank, board_rank=board_rank, movement=label,
        trend=trend,
        revenue_to_date=money_of("revenue_to_date"), target=money_of("target"),
        attainment_to_date=value("attainment_to_date"), progress_gap=value("progress_gap"),
        gap=gap_text(row.get("progress_gap"), locale, short=True), pace=pace(row.get("progress_gap")),
        projected_attainment=value("projected_attainment"), same_point_last_month=money_of("same_point_last_month"),
        to_date_mom_pct=value("to_date_mom_pct"), visits_to_date=value("visits_to_date"),
        visits_per_week_to_date=per_week,
        below_standard=(role == "rep" and active and standard is not None and per_week is not None
                        and per_week < standard),
        revenue_of_week=money_of("revenue_of_week") if weekly else None,
        visits_of_week=value("visits_of_week") if weekly else None)


def _pledge_line(row: dict, amounts: bool, locale: str) -> PledgeLine:
    _ = translator(locale)
    progress, time = row["pledge_progress"], row["time_progress"]
    return PledgeLine(
        pledger_id=row["pledger_id"], name=row["name"], team=row["team"], scope=row["scope"],
        scope_label=_("Team") if row["scope"] == "team" else _("Individual"), period=row["period"],
        period_label=period_label(row["period"], locale), quarterly="Q" in row["period"],
        pledge_amount=row["pledge_amount"] if amounts else None,
        revenue_to_date=row["revenue_to_date"] if amounts else None, pledge_progress=progress,
        time_progress=time,
        pace="" if progress is None or time is None else "ahead" if progress >= time else "behind")


def _board_order(line: BoardLine) -> tuple:
    """The board's order: its rank, then the revenue rank, then the key; unranked last."""
    return (line.board_rank is None, line.board_rank or 0, line.rank_revenue is None, line.rank_revenue or 0, line.key)


def _top(lines: list[BoardLine]) -> list[BoardLine]:
    ranked = [line for line in lines if line.board_rank is not None]
    if len(ranked) <= TOP:
        return ranked
    return [line for line in ranked if line.board_rank <= ranked[TOP - 1].board_rank]


def board_context(board: Board, *, locale: str, company_name: str, scope: str | None = None,
                  percent_only: bool = False, generated_at: str, version: str,
                  visits_standard: float | None = None) -> BoardContext:
    """The board for the company (``scope`` None) or for one team's group (``scope`` the
    team's name: its reps, its own team line and pledges, the company's time progress).
    ``percent_only``: no amount anywhere. ``visits_standard``: visits per active rep per
    week (settings.visits.visits_per_week_standard); None leaves the comparison out.
    ``generated_at`` is an ISO timestamp (the PDF's creation date)."""
    _ = translator(locale)
    weekly, amounts = board.kind == "week", not percent_only
    reps, teams, pledges = board.reps, board.teams, board.pledges
    if scope is not None:
        if scope not in teams.index:
            known = "、".join(map(str, teams.index)) or "none"
            raise RenderError(f"the board has no team named '{scope}' (teams: {known}).",
                              "Name a team of the roster in the group's 'board' setting, or 'company'.")
        reps, teams = reps[reps["team"].eq(scope).fillna(False)], teams.loc[[scope]]
        pledges = pledges[pledges["team"].eq(scope).fillna(False)]
    # Ranked by revenue when the whole company's grain has no attainment rank (a team's board too).
    reps_by, teams_by = month_ranked_by(board.reps), month_ranked_by(board.teams)
    moved = {"attainment": "movement", "revenue": "movement_revenue"}
    has_previous = bool(board.reps[moved[reps_by]].notna().any() or board.teams[moved[teams_by]].notna().any())
    common = dict(weekly=weekly, amounts=amounts, has_previous=has_previous, standard=visits_standard,
                  locale=locale)
    rep_lines = sorted((_line(str(key), row, name=row["name"], team=plain(row["team"]), role=row["role"],
                              active=bool(row["active"]), ranked_by=reps_by, **common)
                        for key, row in reps.iterrows()), key=_board_order)
    team_lines = sorted((_line(str(key), row, name=str(key), team=str(key), role="team", active=True,
                               ranked_by=teams_by, **common) for key, row in teams.iterrows()), key=_board_order)
    if scope is None:
        headline = _line("company", board.company.iloc[0], name=company_name, team=None, role="company",
                         active=True, ranked_by=teams_by, **common)
    else:
        headline = team_lines[0]
    pledge_lines = [_pledge_line(row, amounts, locale) for row in
                    ({k: plain(v) for k, v in r.items()} for r in pledges.to_dict("records"))]
    sections = [TeamSection(line, [r for r in rep_lines if r.team == line.key],
                            [p for p in pledge_lines if p.team == line.key]) for line in team_lines]
    named = {line.key for line in team_lines}
    stray = [r for r in rep_lines if r.team not in named]
    if stray:
        sections.append(TeamSection(None, stray, []))
    top = _top(rep_lines)
    behind = [line for line in rep_lines[len(top):] if line.board_rank is not None]
    bottom = [line for line in behind[-BOTTOM:] if line.pace == "behind"]
    subject = [line for line in rep_lines if line.role == "rep" and line.active]
    progress = pct(board.time_progress)
    days = _("working day %(elapsed)s of %(total)s") % {"elapsed": board.working_days_elapsed,
                                                         "total": board.working_days_in_month}
    return BoardContext(
        locale=locale, company_name=company_name, scope=scope, percent_only=percent_only, weekly=weekly,
        title=_("Weekly sales leaderboard") if weekly else _("Sales leaderboard"),
        as_of=board.as_of.isoformat(), as_of_label=_("As of %(date)s") % {"date": date_label(board.as_of, locale)},
        period=str(board.period), period_label=period_label(board.period, locale),
        week_label=(_("Week of %(start)s to %(end)s") % {"start": _short_date(board.week_start, locale),
                                                          "end": _short_date(board.as_of, locale)}
                    if weekly and board.week_start else None),
        time_progress=board.time_progress, working_days_elapsed=board.working_days_elapsed,
        working_days_in_month=board.working_days_in_month,
        time_progress_text=_("Time progress %(progress)s (%(days)s)") % {"progress": progress, "days": days},
        calendar_known=board.calendar_known, headline=headline,
        headline_gap=gap_text(headline.progress_gap, locale), team_count=len(board.teams), teams=team_lines,
        reps=rep_lines, top=top, bottom=bottom, pledges=pledge_lines, sections=sections,
        unsectioned_pledges=[p for p in pledge_lines if p.team not in named], has_previous=has_previous,
        reps_ranked_by=reps_by, teams_ranked_by=teams_by,
        target_note="" if has_target(board) else _(
            "%(period)s has no target in the budget: attainment shows once the targets are loaded; until "
            "then the rankings are by revenue.") % {"period": period_label(board.period, locale)},
        visits_standard=visits_standard, reps_below_standard=sum(line.below_standard for line in subject),
        reps_with_standard=len(subject) if visits_standard is not None else 0,
        generated_at=generated_at, version=version)


# --- PDF and PNG ------------------------------------------------------------------------------

def board_html(context: BoardContext, layout: str, user_templates: Path | None = None,
               phone_height_mm: float = PHONE_MAX_MM) -> str:
    """``layout``: "single" (the board on one A4 page), "by_team" (a first page, then a
    page per team) or "phone" (the image for chat groups, PHONE_WIDTH_MM wide)."""
    return render_template(environment(context.locale, user_templates), TEMPLATE, c=context, layout=layout,
                           phone_width_mm=PHONE_WIDTH_MM, phone_height_mm=round(phone_height_mm, 1))


def render_board_pdf(context: BoardContext, target: Path, user_templates: Path | None = None) -> int:
    """``leaderboard.pdf``: one A4 page when the board fits; a company board longer than
    that gets a first page (company figures, team ranking) and a page per team. Returns
    the number of pages."""
    roots = template_roots(user_templates)
    with writing(target, roots) as temporary:
        document = lay_out(board_html(context, "single", user_templates), roots)
        if len(document.pages) > 1 and context.scope is None and len(context.sections) > 1:
            document = lay_out(board_html(context, "by_team", user_templates), roots)
        document.write_pdf(temporary, pdf_variant=None)
    return len(document.pages)


def render_board_phone_pdf(context: BoardContext, target: Path, user_templates: Path | None = None) -> None:
    """The phone page as a one-page PDF, PHONE_WIDTH_MM wide and as tall as its content:
    laid out once on a tall page to measure where the content ends, then at that height."""
    roots = template_roots(user_templates)
    with writing(target, roots) as temporary:
        document = lay_out(board_html(context, "phone", user_templates), roots)
        end = document.pages[0].anchors.get("phone-end")
        if len(document.pages) == 1 and end is not None:
            height = end[1] * 25.4 / 96 + 8  # CSS px to mm, and the bottom margin
            fitted = lay_out(board_html(context, "phone", user_templates, height), roots)
            document = fitted if len(fitted.pages) == 1 else document  # else keep the tall page
        document.write_pdf(temporary, pdf_variant=None)


def render_board_png(pdf: Path, target: Path, width: int = PNG_WIDTH, limit: int = PNG_LIMIT) -> int:
    """The first page of ``pdf`` as a PNG ``width`` pixels wide, at most ``limit`` bytes
    (colours reduced, then the scale lowered, when it would be bigger). Returns its size."""
    try:
        import pypdfium2 as pdfium
    except ImportError as error:
        raise RenderError("making leaderboard.png needs pypdfium2, which is not installed.",
                          "Install it: pip install pypdfium2==5.13.0") from error
    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[0]
        scale = width / page.get_width()
        for _attempt in range(6):
            image = page.render(scale=scale, draw_annots=False).to_pil().convert("RGB")
            for candidate in (image, image.quantize(colors=256, dither=0)):
                buffer = io.BytesIO()
                candidate.save(buffer, format="PNG", optimize=True)
                if buffer.tell() <= limit:
                    write_bytes(target, buffer.getvalue())
                    return buffer.tell()
            scale *= 0.85
    finally:
        document.close()
    raise RenderError(f"{target.name}: the image stays above {limit // 1024} KB even at a lower scale.",
                      "Show fewer reps on the phone page; run with --debug and report it.")


def render_board_image(context: BoardContext, target: Path, user_templates: Path | None = None) -> int:
    """``leaderboard.png``: the phone page, rasterised. Returns the PNG's size in bytes."""
    with tempfile.TemporaryDirectory(prefix="salespack-board-") as scratch:
        phone = Path(scratch) / "phone.pdf"
        render_board_phone_pdf(context, phone, user_templates)
        return render_board_png(phone, target)


def board_image_checksum(context: BoardContext, user_templates: Path | None = None) -> str:
    """What the phone image shows, as a checksum: its page before layout, the moment it
    was made and the salespack version left out. The chat ledger knows the posted picture
    by this, not by its bytes, which change on every run (the page prints its generation
    time, and a working folder's own copy of the template keeps printing it)."""
    timeless = dataclasses.replace(context, generated_at="", version="")
    return hashlib.sha256(board_html(timeless, "phone", user_templates).encode("utf-8")).hexdigest()


# --- chat text --------------------------------------------------------------------------------

def _coloured(text: str, pace_or_trend: str, platform: str) -> str:
    colour = {"ahead": "info", "up": "info", "behind": "warning", "down": "warning"}.get(pace_or_trend, "comment")
    return f'<font color="{colour}">{text}</font>' if platform == "wecom" and text else text


def _who(line: BoardLine, context: BoardContext) -> str:
    if context.scope is not None or not line.team:
        return line.name
    _ = translator(context.locale)
    return _("%(name)s (%(team)s)") % {"name": line.name, "team": line.team}


def _rank_line(line: BoardLine, context: BoardContext, platform: str, name: str) -> str:
    _ = translator(context.locale)
    # WeCom parses no lists; elsewhere "3." would start an ordered list, renumbered past a tie.
    parts = [f"{line.board_rank}." if platform == "wecom" else f"**{line.board_rank}**", name]
    if context.weekly and not context.percent_only:
        parts.append(_("week CNY %(revenue)s k") % {"revenue": money(line.revenue_of_week, context.locale)})
    if line.ranked_by == "revenue":  # no target: revenue to date in place of attainment and gap
        if not context.percent_only:
            parts.append(_("to date CNY %(revenue)s k") % {"revenue": money(line.revenue_to_date, context.locale)})
    else:
        parts += [pct(line.attainment_to_date), _coloured(line.gap, line.pace, platform)]
    parts.append(_coloured(line.movement, line.trend, platform))
    return " ".join(part for part in parts if part)


def board_markdown(context: BoardContext, platform: str) -> str:
    """The chat text for a group (platform "wecom", "dingtalk", "feishu", or "markdown" for
    a plain file): title, time progress, the headline, team ranking, top reps with
    movement, the last ones behind time progress, pledges. WeCom colours with
    ``<font color>``; the others bold and lists (hard line breaks where lines must stay apart)."""
    if platform not in PLATFORMS:
        raise ValueError(f"unknown chat platform '{platform}': use one of {', '.join(PLATFORMS)}")
    _, locale, line = translator(context.locale), context.locale, context.headline
    lists = platform in ("dingtalk", "markdown")
    item = "- " if lists else ""
    heading = {"dingtalk": "#### ", "markdown": "## "}.get(platform, "")
    newline = "  \n" if lists else "\n"
    when = context.week_label or context.as_of_label
    blocks = [f"{heading}**{context.scope or context.company_name} {context.title}**" + ("\n\n" if lists else "\n")
              + f"{when} · {_coloured(context.time_progress_text, '', platform)}"]
    who = _("Company") if context.scope is None else context.scope
    figures = [_("%(who)s: attainment %(attainment)s, %(gap)s; projected %(projected)s") % {
        "who": f"**{who}**", "attainment": f"**{pct(line.attainment_to_date)}**",
        "gap": _coloured(context.headline_gap, line.pace, platform), "projected": pct(line.projected_attainment)}]
    if context.percent_only:
        figures.append(_("Against the same point last month %(mom)s") % {"mom": signed_pct(line.to_date_mom_pct)})
    else:
        figures.append(_("Revenue to date %(revenue)s, target %(target)s (CNY k); against the same point last "
                         "month %(mom)s") % {"revenue": money(line.revenue_to_date, locale),
                                             "target": money(line.target, locale),
                                             "mom": signed_pct(line.to_date_mom_pct)})
    if context.weekly:
        figures.append(_("This week: %(visits)s visits") % {"visits": count(line.visits_of_week)}
                       if context.percent_only else
                       _("This week: revenue %(revenue)s (CNY k), %(visits)s visits") % {
                           "revenue": money(line.revenue_of_week, locale), "visits": count(line.visits_of_week)})
    if context.target_note:
        figures.append(context.target_note)
    blocks.append(newline.join(figures))
    listed = []
    if context.scope is None:
        listed.append((_("Team ranking"), [_rank_line(team, context, platform, team.name)
                                           for team in context.teams if team.board_rank is not None]))
    top = _("Top %(count)s of the week") if context.weekly else _("Top %(count)s")
    listed += [(top % {"count": len(context.top)},
                [_rank_line(rep, context, platform, _who(rep, context)) for rep in context.top]),
               (_("Behind time progress"),
                [_rank_line(rep, context, platform, _who(rep, context)) for rep in context.bottom]),
               (_("Pledges"), _pledge_summary(context))]
    blocks += [f"**{heading}**\n" + "\n".join(item + text for text in texts) for heading, texts in listed if texts]
    return ("\n\n" if lists else "\n").join(blocks) + "\n"


def _pledge_summary(context: BoardContext) -> list[str]:
    """A period's pledges one by one when few, else how many are at or ahead of time progress."""
    _, lines = translator(context.locale), []
    for period in dict.fromkeys(p.period for p in context.pledges):
        pledges = [p for p in context.pledges if p.period == period]
        label = pledges[0].period_label
        if len(pledges) <= 3:
            lines += [_("%(period)s: %(who)s %(progress)s against time progress %(time)s") % {
                "period": label, "who": _("%(name)s (%(team)s)") % {"name": p.name, "team": p.scope_label},
                "progress": pct(p.pledge_progress), "time": pct(p.time_progress)} for p in pledges]
        else:
            ahead = sum(p.pace == "ahead" for p in pledges)
            lines.append(_("%(period)s: %(count)s pledges, %(ahead)s at or ahead of time progress (%(time)s), "
                           "%(behind)s behind") % {"period": label, "count": len(pledges), "ahead": ahead,
                                                   "behind": len(pledges) - ahead,
                                                   "time": pct(pledges[0].time_progress)})
    return lines
