"""The month-end job: read -> validate -> compute -> render, for one period.

This module wires the stages; each stays usable alone. It owns the period
folder: ``rejects.csv`` is written first (also when strict mode stops the run),
then the documents, then ``manifest.json`` last, so a manifest means a complete run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import importlib.util
import json
import logging
import re
import tempfile
import time
from dataclasses import dataclass, field
from typing import NamedTuple
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from . import __version__, periods
from .compute import PeriodFigures, compute_period, compute_team
from .compute import pledges as pledge_figures
from .compute.key_points import key_points
from .config import Settings
from .errors import ConfigError, InputError, OutputsError, PeriodError, SalespackError
from .read import read_inputs, read_table
from .read.files import locate
from .render.contexts import pack_context
from .render.field_context import field_pages
from .compute.organisation import frames_of_team
from .render.documents import (certificate_file_name, certificate_jobs, finish_certificates, pack_html,
                               CERTIFICATES_PER_JOB, render_certificate_job, render_certificates)
from .render.pdf import (TemplateBundle, attach_file, attached, bundled, pdf_bytes, template_roots, unpacked,
                         worker_pool)
from .render import parts
from .render.charts import glyphs_missing
from .render.i18n import translator
from .render.key_points import sentences
from .render.output import Made, atomic_target, checksum, failed_folder, land, staged_folder, write_bytes
from .render.xlsx import write_workbook
from .validate import Validated, validate

log = logging.getLogger("salespack")

# Errors of the user's disk, not of ours: a read-only or full folder, no permission.
ENVIRONMENT_ERRORS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOTDIR}


@dataclass
class RunResult:
    period: pd.Period
    folder: Path
    validated: Validated
    figures: PeriodFigures | None = None
    documents: list[Path] = field(default_factory=list)
    team_packs: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    jobs: list[dict] = field(default_factory=list)  # each document job: its name, wall and CPU seconds
    # {"company": [{"zh": ..., "en": ...}, ...], "teams": {team: [...]}}: the pack's key points
    key_points: dict = field(default_factory=lambda: {"company": [], "teams": {}})

    def moved_to(self, folder: Path) -> RunResult:
        """The same run once its staging folder became ``folder``."""
        def moved(path: Path) -> Path:
            return folder / path.relative_to(self.folder)
        self.documents = [moved(p) for p in self.documents]
        self.team_packs = {team: moved(p) for team, p in self.team_packs.items()}
        self.folder = folder
        return self


class RejectedRows(InputError):
    """Strict mode: some rows broke the contract; nothing but rejects.csv was written."""


def load_inputs(inputs: Path, settings: Settings) -> Validated:
    """read + validate: the trusted data of a folder of exports."""
    return validate(read_inputs(inputs, settings), settings.timezone)


def load_roster(inputs: Path, settings: Settings) -> pd.DataFrame:
    """The roster alone (who gets mail), checked like every run checks it."""
    path = locate(Path(inputs), "roster") if Path(inputs).is_dir() else None
    if path is None:
        raise InputError("the roster is missing.", file=str(inputs),
                         hint="Add roster.csv, roster.xlsx or roster.parquet to the inputs folder.")
    return validate({"roster": read_table(path, "roster", settings)}, settings.timezone).frames["roster"]


def period_coverage(validated: Validated, period: pd.Period) -> list[str]:
    """What the usable rows hold for ``period``, month by month: sales rows and the
    budget's targets (a month without them makes the period's target empty), and pledges."""
    frames = validated.frames
    sales_months = frames["sales"]["order_date"].dt.to_period("M").value_counts()
    budget = frames["budget"]
    budget_months = pd.PeriodIndex(budget.loc[budget["target"].notna(), "period"], freq="M").value_counts()
    lines = [f"Period {periods.label(period)}:"]
    for month in periods.months_of(period):
        sold, budgeted = int(sales_months.get(month, 0)), int(budget_months.get(month, 0))
        gaps = [text for text, missing in (("no sales rows", not sold), ("no budget: the period's target "
                                                                         "will be empty", not budgeted)) if missing]
        lines.append(f"  {month}: {sold} sales rows, {budgeted} budget rows{' - ' + '; '.join(gaps) if gaps else ''}")
    if "pledges" in frames:
        labels = {periods.label(m) for m in periods.months_of(period)} | \
            ({periods.quarter_label(m) for m in periods.months_of(period)} if periods.kind(period) != "month" else
             {periods.quarter_label(period)})
        counts = frames["pledges"]["period"].value_counts()
        lines.append("  pledges: " + (", ".join(f"{label} {int(counts[label])}" for label in sorted(labels)
                                                if label in counts) or "none"))
    return lines


def rejects_summary(validated: Validated, rejects_path: Path, shown: int = 5) -> str:
    """Counts per file and reason, the first few rows, and where the full list is."""
    rejects = validated.rejects
    lines = [f"{len(rejects)} input rows were rejected:"]
    for (file, reason), group in rejects.groupby(["file", "reason_en"], sort=False):
        lines.append(f"  {file}: {len(group)} x {reason}")
    lines.append("First rows:")
    for row in rejects.head(shown).itertuples(index=False):
        lines.append(f"  {row.file} row {row.row}, column {row.column}: '{row.value}' - {row.reason_en}")
    lines.append(f"Full list: {rejects_path}")
    return "\n".join(lines)


def write_rejects(validated: Validated, target: Path) -> None:
    """``rejects.csv`` (UTF-8 with BOM so Excel opens it). Values stay literal text."""
    frame = validated.rejects.copy()
    text_columns = ["value", "column", "reason_en", "reason_zh"]
    # A leading = + - @ would make a spreadsheet evaluate the cell; a quote keeps it text.
    # A plain signed number (-181) is harmless and stays as written.
    frame[text_columns] = frame[text_columns].astype(str).apply(
        lambda col: col.where(~col.str.match(r"^(?:[=@\t\r]|[+-](?!\d+(?:\.\d+)?$))"), "'" + col))
    write_bytes(target, frame.to_csv(index=False).encode("utf-8-sig"))


@contextlib.contextmanager
def run_log(folder: Path, on_failure: str = ""):
    """``run.log`` in the period folder: what the run did, for whoever reads it next morning.
    ``on_failure``: a last line for a run that stops (what the user still has)."""
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(folder / "run.log", mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    previous = log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    except BaseException as error:
        # The console gets this message from the command itself: the stop goes to run.log only.
        stop = getattr(error, "message", None) or f"{error.__class__.__name__}: {error}"
        handler.handle(log.makeRecord(log.name, logging.ERROR, __file__, 0, "stopped: %s", (stop,), None))
        hint = getattr(error, "hint", "")
        for line in (hint, on_failure):
            if line:
                handler.handle(log.makeRecord(log.name, logging.ERROR, __file__, 0, "%s", (line,), None))
        raise
    finally:
        log.removeHandler(handler)
        log.setLevel(previous)
        handler.close()


def last_complete_run(folder: Path) -> str:
    """What the period folder holds, said for a run that did not replace it."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return f"{folder} still holds the last complete run (generated {manifest['generated_at']}), untouched."
    except (OSError, ValueError, KeyError):
        return f"No complete run of {folder.name} exists yet."


@contextlib.contextmanager
def period_folder(final: Path, keep: tuple[str, ...] = ("ledger.sqlite",)):
    """The period folder of a run, built in staging and swapped in only when complete
    (``keep``: the files carried over from the run it replaces, its ledger). A run that
    fails says, in its message and its run.log, what the folder still holds."""
    untouched = f"{last_complete_run(final)} This run's log: {failed_folder(final) / 'run.log'}"
    try:
        with staged_folder(final, keep) as staging:
            try:
                with run_log(staging, on_failure=untouched):
                    yield final, staging
            except SalespackError as error:
                # The hint is read when the message is shown: say where things stand.
                error.hint = f"{error.hint}\n{untouched}".strip()
                raise
    except OSError as error:
        if error.errno not in ENVIRONMENT_ERRORS:
            raise
        raise OutputsError(f"cannot write the period folder {final.name} in {final.parent} "
                           f"({error.strerror or error}).",
                           "Choose a writable folder with --outputs, or free some space, and run again.") from None


def run_month_end(inputs: Path, outputs: Path, period: pd.Period, settings: Settings, *,
                  lenient: bool = False, config_path: Path | None = None,
                  user_templates: Path | None = None) -> RunResult:
    clock = time.perf_counter()
    today = dt.datetime.now(ZoneInfo(settings.timezone)).date()
    if periods.first_day(period) > pd.Timestamp(today):
        raise PeriodError(f"{periods.label(period)} has not begun yet (today is {today} in {settings.timezone}): "
                          "its pack would be all zeros.",
                          "Give the month, quarter or year to report on (without --period: the last complete "
                          "month); for the coming period's pledge certificates, use the certificates command.")
    # A cluster is reached first: an unreachable scheduler or a mismatched worker is said
    # before minutes of reading and computing, not after.
    with (document_pool(0, settings) if settings.cluster.scheduler else contextlib.nullcontext()) as cluster:
        validated = load_inputs(inputs, settings)  # unusable input stops the run before anything is written
        timings = {"read_validate": time.perf_counter() - clock}
        with period_folder(Path(outputs) / periods.label(period)) as (final, staging):
            log.info("salespack %s: period %s, inputs %s, mode %s", __version__, periods.label(period),
                     Path(inputs).resolve(), "lenient" if lenient else "strict")
            result = _month_end(validated, staging, period, settings, lenient, config_path, user_templates,
                                timings, rejects_shown=failed_folder(final) / "rejects.csv", today=today,
                                cluster=cluster)
    return result.moved_to(final)


def _month_end(validated: Validated, folder: Path, period: pd.Period, settings: Settings, lenient: bool,
               config_path: Path | None, user_templates: Path | None, timings: dict[str, float],
               rejects_shown: Path, today: dt.date, cluster=None) -> RunResult:
    """The run in ``folder`` (its staging folder); ``cluster``: an open cluster pool to lay
    the documents out on (else this machine's cores); ``rejects_shown``: where a strict stop
    leaves rejects.csv for the user; ``today``: the run's day, as its period was checked."""
    started = time.perf_counter()

    result = RunResult(period, folder, validated, timings=timings)
    for name, seen in validated.reconciliation.items():
        log.info("%s (%s, %s): read %d, used %d, rejected %d%s", name, seen.file, seen.encoding or "-",
                 seen.rows_read, seen.rows_used, seen.rows_rejected,
                 f"; invisible characters removed from {seen.ids_cleaned} ID cells" if seen.ids_cleaned else "")
    write_rejects(validated, folder / "rejects.csv")
    if validated.rejected_rows and not lenient:
        raise RejectedRows(rejects_summary(validated, rejects_shown),
                           hint="Fix these rows in the exports and run again, or pass --lenient to "
                                "render a provisional pack without them.")

    clock = time.perf_counter()
    now = dt.datetime.now(ZoneInfo(settings.timezone))
    figures = compute_period(validated.frames, period, settings, today)
    result.figures = figures
    timings["compute"] = time.perf_counter() - clock
    sales_months = validated.frames["sales"]["order_date"].dt.to_period("M")
    if not sales_months.isin(periods.months_of(period)).any():
        log.warning("no sales rows are dated in %s: every revenue figure is 0", periods.label(period))
    if figures.in_progress:
        log.warning("%s is not over yet (today is %s): its figures cover the rows exported so far and its pledges "
                    "are not yet due",
                    periods.label(period), today)

    generated_at = now.isoformat(timespec="seconds")
    teams = teams_with_a_manager(validated.frames["roster"])
    meta = {"generated_at": generated_at, "provisional": bool(validated.rejected_rows),
            "rejected_rows": validated.rejected_rows, "today": today}
    clock = time.perf_counter()
    # A worker of a cluster may share no disk with this run: the templates travel as data.
    shipped = bundled(user_templates) if settings.cluster.scheduler and user_templates else user_templates
    certificates = [job._replace(user_templates=shipped) for job in certificate_jobs(
        figures.certificates, period + 1, settings, user_templates)] if not figures.certificates.empty else []
    if cluster is not None:
        log.info("documents laid out on the Dask cluster at %s (its workers checked against this machine)",
                 settings.cluster.scheduler)
    with (contextlib.nullcontext(cluster) if cluster is not None
          else document_pool(1 + len(certificates) + len(teams), settings)) as pool:
        # Certificates go first: they need no context, so the workers lay them out
        # while this process builds the company pack's context and writes the workbook.
        futures = [pool.submit(timed, render_certificate_job, job) for job in certificates]

        context_clock = time.perf_counter()
        gettext = translator(settings.locale)
        company_points = sentences(key_points(figures, settings.key_points,
                                              settings.visits.visits_per_week_standard),
                                   kind=periods.kind(period))
        with glyphs_missing() as missing:
            context = pack_context(figures, validated.reconciliation, locale=settings.locale,
                                   company_name=settings.company.name, generated_at=generated_at,
                                   version=__version__, provisional=bool(validated.rejected_rows),
                                   rejected_rows=validated.rejected_rows, gettext=gettext,
                                   chart_reps=settings.pack.chart_reps,
                                   long_table_rows=settings.pack.long_table_rows)
            context.field_work = field_pages(figures, locale=settings.locale,
                                             standard=settings.visits.visits_per_week_standard, gettext=gettext,
                                             list_limit=settings.pack.list_limit,
                                             chart_reps=settings.pack.chart_reps)
            context.key_points = company_points
            result.key_points["company"] = [{"zh": p.zh, "en": p.en} for p in company_points]
        say_missing_glyphs("summary-pack.pdf", missing)
        timings["contexts"] = time.perf_counter() - context_clock

        # The company pack is the longest single job at scale: laid out in parts (whole
        # sections, so it reads the same) queued before the team packs, largest first.
        html = pack_html(context, user_templates, cuttable=True)
        pieces = parts.split(html, pack_parts(html))
        order = sorted(range(len(pieces)), key=lambda i: -parts.expected_work(pieces[i]))
        pieces_made = {i: pool.submit(timed, render_pack_part, pieces[i], shipped, len(pieces) == 1)
                       for i in order}
        team_packs = []
        for team in teams:
            team_packs.append(pool.submit(
                timed, render_team_pack, frames_of_team(validated.frames, team), team, period, settings,
                figures.reps[RANKS], figures.teams[RANKS], validated.reconciliation, meta,
                f"teams/{team_file_name(team)}", shipped))
        workbook_clock = time.perf_counter()
        write_workbook(folder / "kpis.xlsx", figures, validated.reconciliation, company_points)
        timings["workbook"] = time.perf_counter() - workbook_clock
        names = [f"certificates part {n + 1} ({len(job.pages)} pages)" for n, job in enumerate(certificates)]
        done = [future.result() for future in futures]
        for name, each in zip(names, done):
            result.jobs.append(each.seconds(name))
        certificate_chunks = [each.value for each in done]
        laid_out = []
        for i in range(len(pieces)):
            each = pieces_made[i].result()
            result.jobs.append(each.seconds("summary-pack.pdf" if len(pieces) == 1 else
                                            f"summary-pack.pdf part {i + 1} of {len(pieces)}"))
            laid_out.append(each.value.data("part.pdf"))
        for team, future in zip(teams, team_packs):
            each = future.result()
            made = each.value
            name, (missing, team_points) = made.files[0][0], made.value
            result.jobs.append(each.seconds(name))
            say_missing_glyphs(name, missing)
            result.key_points["teams"][team] = team_points
            land(made, folder)
    # The pack carries its figures: forwarded alone, it still has its workbook.
    join_clock = time.perf_counter()
    roots = template_roots(user_templates)
    write_bytes(folder / "summary-pack.pdf", laid_out[0] if len(pieces) == 1 else
                parts.join(laid_out, html, roots, roots[-1]))
    timings["pack_join"] = time.perf_counter() - join_clock
    attach_file(folder / "summary-pack.pdf", "kpis.xlsx", (folder / "kpis.xlsx").read_bytes())
    result.documents.append(folder / "summary-pack.pdf")
    result.team_packs = {team: folder / "teams" / team_file_name(team) for team in teams}
    result.documents += list(result.team_packs.values())
    if certificates:
        result.documents += finish_certificates(certificate_chunks, folder)
    result.documents.append(folder / "kpis.xlsx")
    # Contexts and the workbook are made while the workers lay documents out; the stages
    # still add up to the run's wall time.
    timings["documents"] = time.perf_counter() - clock - timings["contexts"] - timings["workbook"]
    log.info("documents: the pack, %d team packs, %d certificates; contexts and the workbook made meanwhile",
             len(teams), len(figures.certificates))
    timings["total"] = time.perf_counter() - started + timings["read_validate"]

    write_manifest(result, settings, config_path, lenient, generated_at)
    log.info("done in %.1f s: %s", timings["total"],
             ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in timings.items() if stage != "total"))
    return result


class Timed(NamedTuple):
    value: object
    wall_s: float
    cpu_s: float

    def seconds(self, document: str) -> dict:
        return {"document": document, "wall_s": round(self.wall_s, 3), "cpu_s": round(self.cpu_s, 3)}


def timed(function, *args) -> Timed:
    """Run a document job and measure it where it runs (a worker): the bench's pages per
    core-second, longest job and projections come from these."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = function(*args)
    return Timed(value, time.perf_counter() - wall, time.process_time() - cpu)


def team_file_name(team: str) -> str:
    """``teams/<team>.pdf``, safe on any file system (the team name is data)."""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", team).strip(" .") or "team"
    return f"{safe}.pdf"


RANKS = ["rank_revenue", "rank_attainment"]


def teams_with_a_manager(roster: pd.DataFrame) -> list[str]:
    """Teams led by an active manager: each gets ``teams/<team>.pdf``."""
    return sorted(set(roster.loc[(roster["role"] == "manager") & roster["active"], "team"].dropna()))


def render_team_pack(team_frames: dict[str, pd.DataFrame], team: str, period: pd.Period, settings: Settings,
                     rep_ranks: pd.DataFrame, team_ranks: pd.DataFrame, reconciliation: dict, meta: dict,
                     name: str, user_templates: Path | TemplateBundle | None) -> Made:
    """One team's pack from that team's rows only (runs in a worker process): the pack
    as ``name``, and as its value the characters its charts could not measure (for the
    run to report once) and the team's key points."""
    user_templates = unpacked(user_templates)
    with said_by_the_run():
        figures = compute_team(team_frames, period, settings, rep_ranks, team_ranks, meta["today"])
    gettext = translator(settings.locale)
    with glyphs_missing() as missing:
        context = pack_context(figures, reconciliation, locale=settings.locale, company_name=settings.company.name,
                               generated_at=meta["generated_at"], version=__version__, provisional=meta["provisional"],
                               rejected_rows=meta["rejected_rows"], gettext=gettext, scope=team,
                               chart_reps=settings.pack.chart_reps, long_table_rows=settings.pack.long_table_rows)
        context.field_work = field_pages(figures, locale=settings.locale,
                                         standard=settings.visits.visits_per_week_standard, gettext=gettext,
                                         chart_reps=settings.pack.chart_reps)
    context.key_points = sentences(key_points(figures, settings.key_points, settings.visits.visits_per_week_standard,
                                              scope=team), scope=team, kind=periods.kind(period))
    roots = template_roots(user_templates)
    pack = pdf_bytes(pack_html(context, user_templates), roots, roots[-1], name)
    # The team's own workbook (its rows only, the sheet names of kpis.xlsx) inside its pack.
    with tempfile.TemporaryDirectory(prefix="salespack-team-") as scratch:
        workbook = Path(scratch) / "kpis.xlsx"
        write_workbook(workbook, figures, reconciliation, context.key_points)
        pack = attached(pack, f"kpis-{team_file_name(team).removesuffix('.pdf')}.xlsx", workbook.read_bytes())
    return Made.of({name: pack}, value=(missing, [{"zh": p.zh, "en": p.en} for p in context.key_points]))


# A company pack whose expected layout work (parts.expected_work: its HTML's characters,
# a chart or a font counted as a few table rows) is more than this is laid out in parts:
# the sample's (20 pages, ~73,000) stays one piece; the large case's (~400 pages,
# ~3,300,000) is cut into about 10 parts of some 10 s of layout each, each whole sections
# (render.parts; a long table may be cut every pack.long_table_rows rows). A part costs
# about 1 s more than its pages would in one piece (its cover, its stylesheets).
PACK_PART_CHARACTERS = 320_000
MAX_PACK_PARTS = 12


def pack_parts(html: str) -> int:
    return max(1, min(MAX_PACK_PARTS, parts.expected_work(html) // PACK_PART_CHARACTERS))


def render_pack_part(html: str, user_templates: Path | TemplateBundle | None, whole: bool) -> Made:
    """One part of the company pack (in a worker): the whole pack when it is one part
    (``whole``), else its sections' pages without page numbers, for ``parts.join`` to number."""
    roots = template_roots(unpacked(user_templates))
    if whole:
        return Made.of({"part.pdf": pdf_bytes(html, roots, roots[-1], "summary-pack.pdf")})
    return Made.of({"part.pdf": parts.lay_out_part(html, roots, roots[-1])})


def document_pool(jobs: int, settings: Settings):
    """Where the documents are laid out: the workers of the configured Dask cluster, or
    this machine's cores."""
    if settings.cluster.scheduler:
        if importlib.util.find_spec("distributed") is None:  # the optional extra
            raise ConfigError(f"a scheduler is given ({settings.cluster.scheduler}) but Dask's distributed is not "
                              "installed here.", key="cluster.scheduler",
                              hint="Install the extra (pip install 'salespack[cluster]', or make cluster-setup), or "
                                   "run without --scheduler / SALESPACK_SCHEDULER to use this machine's cores.")
        from .render.cluster import cluster_pool
        return cluster_pool(settings.cluster.scheduler, settings.cluster.timeout_s)
    return worker_pool(jobs)


@contextlib.contextmanager
def said_by_the_run():
    """A team's figures come from a subset of the rows the run has computed already: what
    they would warn of (a holiday calendar missing) the run has said once."""
    previous = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(previous)


def say_missing_glyphs(document: str, missing: set[str]) -> None:
    if missing:
        log.warning("%s: the chart font has no %s; chart labels with them may be drawn without them "
                    "(the tables show every name in full)", document, " ".join(sorted(missing)))


HEADLINE = ("name", "team", "revenue", "target", "attainment", "quarter_forecast", "rank_attainment",
            "rank_revenue")


def _headline(frame: pd.DataFrame) -> dict:
    """Per key, the figures a letter's body quotes (revenue, target, attainment, forecast,
    ranks); money in fen, ratios as fractions, empty as null."""
    def plain(value):
        if pd.isna(value):
            return None
        return value if isinstance(value, str) else (float(value) if isinstance(value, float) else int(value))
    columns = [c for c in HEADLINE if c in frame.columns]
    return {str(key): {c: plain(row[c]) for c in columns} for key, row in frame.iterrows()}


def deliverables(result: RunResult) -> dict:
    """Who gets what, as files of this folder: read by ``salespack send``."""
    figures, folder = result.figures, result.folder
    documents = {p.relative_to(folder).as_posix() for p in result.documents}
    certificates: dict[str, list[dict]] = {}
    for _i, row in figures.certificates.iterrows():
        name = f"certificates/{certificate_file_name(row)}"
        if name in documents:
            terms = {column: None if pd.isna(row.get(column)) else int(row[column])
                     for column in ("pledge_amount", "forfeit_amount", "reference_target")}
            certificates.setdefault(row["pledger_id"], []).append(
                {"file": name, "scope": row["scope"], "period": row["period"], "blank": bool(row["blank"]),
                 **terms})
    return {
        "pack": "summary-pack.pdf",
        "teams": {team: path.relative_to(folder).as_posix() for team, path in result.team_packs.items()},
        "certificates": certificates,
        "coming_period": periods.label(result.period + 1),
        "headline": {"company": _headline(figures.company)["company"], "teams": _headline(figures.teams),
                     "reps": _headline(figures.reps)},
        # The pack's key points (会议要点) as sentences in both languages, the company's and each team's.
        "key_points": result.key_points,
    }


def write_manifest(result: RunResult, settings: Settings, config_path: Path | None, lenient: bool,
                   generated_at: str) -> None:
    folder = result.folder
    manifest = {
        "salespack_version": __version__,
        "period": periods.label(result.period),
        "generated_at": generated_at,
        "mode": "lenient" if lenient else "strict",
        "provisional": bool(result.validated.rejected_rows),
        "inputs": {
            name: {"file": r.file, "rows_read": r.rows_read, "rows_used": r.rows_used,
                   "rows_rejected": r.rows_rejected, "sha256": r.sha256, "encoding": r.encoding,
                   "extra_columns": r.extra_columns, "ids_cleaned": r.ids_cleaned}
            for name, r in result.validated.reconciliation.items()
        },
        "outputs": {str(p.relative_to(folder)): checksum(p) for p in
                    [*result.documents, folder / "rejects.csv"]},
        "deliverables": deliverables(result),
        "config": {"file": str(config_path) if config_path else None,
                   **settings.model_dump(mode="json", exclude={"delivery": {"user"}})},
        "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
        "document_jobs": result.jobs,
    }
    with atomic_target(folder / "manifest.json") as temporary:
        temporary.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


# What a certificate prints comes from these exports only: a rejected sales or visits row
# changes nothing on it.
CERTIFICATE_SOURCES = ("roster", "budget", "pledges")


def render_certificates_only(inputs: Path, outputs: Path, period: pd.Period, settings: Settings,
                             user_templates: Path | None = None, lenient: bool = False) -> list[Path]:
    """The certificates of ``period`` itself (``salespack certificates --period``). Rows
    rejected from the roster, budget or pledges stop it unless ``lenient``; rows rejected
    from other exports are only said."""
    validated = load_inputs(inputs, settings)
    from .compute import targets
    with period_folder(Path(outputs) / "certificates" / periods.label(period)) as (final, folder):
        if validated.rejected_rows:
            write_rejects(validated, folder / "rejects.csv")
            sources = {validated.reconciliation[name].file for name in CERTIFICATE_SOURCES
                       if name in validated.reconciliation}
            relevant = bool(validated.rejects["file"].isin(sources).any())
            if relevant and not lenient:
                raise RejectedRows(rejects_summary(validated, failed_folder(final) / "rejects.csv"),
                                   hint="Fix the roster, budget or pledges rows first (`salespack validate` lists "
                                        "them all), or pass --lenient to make the certificates from the usable rows.")
            log.warning("%s\n%s", rejects_summary(validated, final / "rejects.csv"),
                        "The certificates are made from the usable rows (--lenient)." if relevant else
                        "None of them is a roster, budget or pledges row: the certificates do not use them.")
        frames = validated.frames
        budget = frames["budget"].assign(period=pd.PeriodIndex(frames["budget"]["period"], freq="M"))
        goals = targets.budget_by_grain(budget, frames["roster"], "target")
        sheet = pledge_figures.certificates(frames.get("pledges"), frames["roster"], goals["rep_id"], goals["team"],
                                            period, pledge_figures.certificate_periods(period))
        shipped = bundled(user_templates) if settings.cluster.scheduler and user_templates else None
        with document_pool(1 + len(sheet) // CERTIFICATES_PER_JOB, settings) as pool:
            written = render_certificates(sheet, folder, period, settings, user_templates, pool, shipped)
    return [final / path.relative_to(folder) for path in written]
