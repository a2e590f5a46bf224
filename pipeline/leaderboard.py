"""The leaderboard job (业绩展示, seed 004 §5.4): read -> validate -> compute the board
as of a day -> render PDF, phone PNG, workbook, chat text -> post to the chat groups.

Beside ``month_end.py`` and built from the same stages. It owns
``outputs/leaderboard/<as-of>/`` (``<as-of>-week/`` for the weekly board), built in
staging and swapped in whole like a period folder; ``snapshot.json`` keeps the ranks
the next board of the same period and kind compares with (movement).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from . import __version__
from .compute.leaderboard import Board, compute_board, first_day_shown, working_days_shown
from .compute.organisation import COMPANY
from .config import Settings
from .errors import InputError, PeriodError
from .month_end import RejectedRows, load_inputs, period_folder, rejects_summary, write_rejects
from .read.values import PLAUSIBLE_DATES
from .render.output import failed_folder, write_bytes

log = logging.getLogger("salespack")
SNAPSHOT = "snapshot.json"


@dataclass
class BoardResult:
    folder: Path
    board: Board
    documents: list[Path] = field(default_factory=list)
    posts: list = field(default_factory=list)  # deliver.chat.BoardPost, one per configured group
    provisional: bool = False


def default_as_of(zone: str, today: dt.date | None = None) -> dt.date:
    """Yesterday in the configured zone: the board a morning cron posts."""
    today = today or dt.datetime.now(ZoneInfo(zone)).date()
    return today - dt.timedelta(days=1)


def parse_as_of(text: str | None, zone: str, today: dt.date | None = None) -> dt.date:
    today = today or dt.datetime.now(ZoneInfo(zone)).date()
    if text is None:
        return default_as_of(zone, today)
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(f"'{text}' is not a date.", "Give --as-of as YYYY-MM-DD, for example --as-of 2026-11-27.") \
            from None
    if day > today:
        raise PeriodError(f"{day} is in the future (today is {today} in {zone}): its board would show a day "
                          "that has not happened.", "Give --as-of today or an earlier day (default: yesterday).")
    low, high = PLAUSIBLE_DATES
    if not low.date() <= day <= (high - pd.Timedelta(days=31)).date():
        raise PeriodError(f"{day} is outside the years salespack reports on.", "Check the year.")
    return day


def board_folder(outputs: Path, as_of: dt.date, weekly: bool) -> Path:
    return Path(outputs) / "leaderboard" / (f"{as_of}-week" if weekly else str(as_of))


def previous_ranks(outputs: Path, board_period: pd.Period, kind: str, as_of: dt.date) -> dict | None:
    """The ranks of the last published board of the same period and kind before ``as_of``."""
    latest = None
    for path in sorted((Path(outputs) / "leaderboard").glob(f"*/{SNAPSHOT}")):
        try:
            snapshot = json.loads(path.read_text(encoding="utf-8"))
            day = dt.date.fromisoformat(snapshot["as_of"])
        except (OSError, ValueError, KeyError):
            continue  # a damaged snapshot is no previous board; its movement shows as new
        if snapshot.get("period") == str(board_period) and snapshot.get("kind") == kind and day < as_of:
            if latest is None or day > dt.date.fromisoformat(latest["as_of"]):
                latest = snapshot
    if latest is None:
        return None
    return {grain: pd.DataFrame.from_dict(ranks, orient="index", dtype="Int64")
            for grain, ranks in latest["ranks"].items()}


def snapshot(board: Board, generated_at: str, validated) -> dict:
    def ranks(table: pd.DataFrame) -> dict:
        return {str(key): {"rank_attainment": None if pd.isna(row["rank_attainment"]) else int(row["rank_attainment"]),
                           "rank_revenue": None if pd.isna(row["rank_revenue"]) else int(row["rank_revenue"])}
                for key, row in table.iterrows()}
    return {"salespack_version": __version__, "as_of": str(board.as_of), "period": str(board.period),
            "kind": board.kind, "generated_at": generated_at,
            "inputs": {name: r.sha256 for name, r in validated.reconciliation.items()},
            "ranks": {"rep_id": ranks(board.reps), "team": ranks(board.teams)}}


def require_sales_to_date(sales: pd.DataFrame, first: dt.date, as_of: dt.date, inputs: Path) -> None:
    """A board of zeros is what a stale export looks like: with no sales row at all from
    ``first`` (the first day the board shows: the 1st of the month, or the Monday of a
    weekly board's week when earlier) to the as-of day, say so rather than post it as
    current, and say what the export holds: a stale export, a day before its first row,
    or days without a sale (a holiday) inside it each call for something else."""
    days = sales["order_date"].dt.date
    if ((days >= first) & (days <= as_of)).any():
        return
    file = str(Path(inputs))
    allow = "pass --allow-empty to make the board of zeros anyway"
    if not len(days):
        raise InputError("the sales export has no row at all: the board would show no revenue.", file=file,
                         hint=f"Export the sales again and rerun; or {allow} if nothing was sold yet.")
    oldest, newest = days.min(), days.max()
    if newest < first:
        raise InputError(f"the sales export has no row dated from {first} to {as_of} "
                         f"(its newest row is dated {newest}): the board would show no revenue at all.",
                         file=file, hint=f"Export the sales again and rerun; or {allow} if nothing was sold yet.")
    shown = f"no sale is dated from {first} to {as_of} in the sales export, whose rows run from {oldest} to {newest}"
    if as_of < oldest:
        raise InputError(f"{shown}: {as_of} is before its first row, so the board would show no revenue at all.",
                         file=file, hint=f"Check --as-of (the export starts on {oldest}); or export the sales "
                                         f"from {first} on; or {allow}.")
    raise InputError(f"{shown}: the board would show no revenue at all.", file=file,
                     hint=f"If nothing was sold on those days (a holiday, say), {allow}; if something was, "
                          f"those sales are missing from the export: export it again and rerun.")


def run_leaderboard(inputs: Path, outputs: Path, as_of: dt.date, settings: Settings, *, weekly: bool = False,
                    lenient: bool = False, allow_empty: bool = False,
                    user_templates: Path | None = None) -> BoardResult:
    clock = time.perf_counter()
    validated = load_inputs(inputs, settings)
    final = board_folder(outputs, as_of, weekly)
    with period_folder(final, keep=("chat-ledger.sqlite",)) as (final, folder):
        log.info("salespack %s: %s board as of %s, inputs %s, mode %s", __version__,
                 "weekly" if weekly else "daily", as_of, Path(inputs).resolve(), "lenient" if lenient else "strict")
        write_rejects(validated, folder / "rejects.csv")
        if validated.rejected_rows and not lenient:
            raise RejectedRows(rejects_summary(validated, failed_folder(final) / "rejects.csv"),
                               hint="Fix these rows in the exports and run again, or pass --lenient to "
                                    "post a provisional board without them.")
        month = pd.Period(as_of, freq="M")
        # A board of zeros is expected only when its days are all holidays and weekends.
        if not allow_empty and working_days_shown(as_of, weekly, settings.plan):
            require_sales_to_date(validated.frames["sales"], first_day_shown(as_of, weekly), as_of, inputs)
        board = compute_board(validated.frames, as_of, settings, weekly=weekly,
                              previous=previous_ranks(outputs, month, "week" if weekly else "day", as_of))
        if not board.calendar_known:
            log.warning("the holiday calendar has no data for %s: time progress counts Monday-Friday", month.year)
        generated_at = dt.datetime.now(ZoneInfo(settings.timezone)).isoformat(timespec="seconds")
        result = BoardResult(folder, board, provisional=bool(validated.rejected_rows))
        result.documents, result.posts = render_boards(board, folder, settings, generated_at, user_templates)
        write_bytes(folder / SNAPSHOT, json.dumps(snapshot(board, generated_at, validated), ensure_ascii=False,
                                                  indent=2).encode("utf-8"))
        log.info("done in %.1f s", time.perf_counter() - clock)
    result.folder = final
    result.documents = [final / path.relative_to(folder) for path in result.documents]
    return result


def render_boards(board: Board, folder: Path, settings: Settings, generated_at: str,
                  user_templates: Path | None) -> tuple[list[Path], list]:
    """The company board (PDF, PNG, workbook, chat text) and one board per team a group
    gets; returns the files and the posts for the configured groups."""
    from .deliver.chat import BoardPost
    from .render import board as render
    from .render.xlsx import write_board_workbook

    documents = [folder / "leaderboard.xlsx"]
    write_board_workbook(documents[0], board)
    leaderboard = settings.leaderboard
    scopes = {None} | {group.board for group in leaderboard.groups if group.board != COMPANY}
    unknown = sorted(s for s in scopes if s is not None and s not in set(board.teams.index))
    if unknown:
        from .errors import ConfigError
        raise ConfigError(f"leaderboard.groups names team '{unknown[0]}', which is not a team of the roster.",
                          key="leaderboard.groups", hint="Use 'company' or a team name as the roster writes it.")
    locales = [settings.locale] + sorted({g.locale for g in leaderboard.groups if g.locale} - {settings.locale})
    # Every board in the configured language; another language only where a group asks for it.
    wanted = {(scope, settings.locale) for scope in scopes} | {
        (None if g.board == COMPANY else g.board, g.locale) for g in leaderboard.groups if g.locale}
    made: dict[tuple[str | None, str], tuple[object, Path, str]] = {}
    for scope in sorted(scopes, key=lambda s: (s is not None, s or "")):
        for locale in [locale for locale in locales if (scope, locale) in wanted]:
            context = render.board_context(board, locale=locale, company_name=settings.company.name, scope=scope,
                                           percent_only=leaderboard.percent_only, generated_at=generated_at,
                                           version=__version__,
                                           visits_standard=settings.visits.visits_per_week_standard)
            # The configured language is the board; another a group asks for is beside it (.en).
            stem = "leaderboard" if scope is None else f"teams/{_safe(scope)}"
            stem += "" if locale == settings.locale else f".{locale.split('_')[0]}"
            pdf, png, text = folder / f"{stem}.pdf", folder / f"{stem}.png", folder / f"{stem}.md"
            render.render_board_pdf(context, pdf, user_templates)
            render.render_board_image(context, png, user_templates)
            write_bytes(text, render.board_markdown(context, "markdown").encode("utf-8"))
            documents += [pdf, png, text]
            made[(scope, locale)] = (context, png, render.board_image_checksum(context, user_templates))
    posts = []
    for group in leaderboard.groups:
        scope = None if group.board == COMPANY else group.board
        context, png, image_checksum = made[(scope, group.locale or settings.locale)]
        posts.append(BoardPost(group, context.title, render.board_markdown(context, group.platform),
                               png.read_bytes(), image_checksum))
    return documents, posts


def _safe(name: str) -> str:
    from .month_end import team_file_name
    return team_file_name(name).removesuffix(".pdf")
