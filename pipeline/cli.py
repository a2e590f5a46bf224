"""The command line: a thin shell over the stages.

Domain errors become one readable message and exit code 2 (bad input, config or the
user's environment), 75 (try again later: the lock is held, letters are left unsent)
or 1 (internal fault); a traceback only with ``--debug``.
"""

from __future__ import annotations

import functools
import logging
import shutil
import sys
from pathlib import Path

import click

from . import __version__
from .config import load_settings
from .errors import TRY_AGAIN_LATER, ConfigError, DeliveryError, DeliveryRefused, LockError, SalespackError
from .lock import outputs_lock
from . import periods
from .errors import PeriodError
from .periods import last_complete_month, parse_period

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = Path("config/salespack.yaml")


def _settings(config: Path | None):
    if config is None and DEFAULT_CONFIG.exists():
        config = DEFAULT_CONFIG
    return load_settings(config), config


def _user_templates() -> Path | None:
    """A ``templates/`` folder in the working folder overrides the project's templates."""
    local = Path("templates").resolve()
    return local if local.is_dir() and local != (PROJECT / "templates").resolve() else None


def common(command):
    """Options every command shares, and the error boundary."""
    @click.option("--config", "config", type=click.Path(path_type=Path), default=None,
                  help="Config YAML (default: config/salespack.yaml when it exists).")
    @click.option("--inputs", type=click.Path(path_type=Path), default=Path("inputs"), show_default=True,
                  help="Folder of exports (roster, sales, budget, ...).")
    @click.option("--outputs", type=click.Path(path_type=Path), default=Path("outputs"), show_default=True,
                  help="Folder the period folders are written to.")
    @click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
    @functools.wraps(command)
    def wrapper(*args, debug: bool, **kwargs):
        console = logging.StreamHandler()
        console.setLevel(logging.WARNING)  # the INFO story of a run goes to run.log only
        console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        logging.basicConfig(handlers=[console], force=True)
        try:
            return command(*args, **kwargs)
        except SalespackError as error:
            if debug:
                raise
            click.echo(f"Error: {error.render()}", err=True)
            sys.exit(error.exit_code)
        except Exception as error:  # our fault, not the user's
            if debug:
                raise
            click.echo(f"Internal error: {error.__class__.__name__}: {error}. "
                       "Run again with --debug and report the traceback.", err=True)
            sys.exit(1)
    return wrapper


def _period(text: str | None, zone: str):
    return parse_period(text) if text else last_complete_month(zone)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="salespack")
def main():
    """salespack: the month-end sales pack (销售总结会资料) and pledge certificates (业绩保证书).

    \b
    Examples:
      salespack run --period 2026-10
      salespack run --period 2026-Q3                   # the quarter's pack (2026 for the year's)
      salespack run --with-closed-periods              # last month, and the quarter / year it closes
      salespack validate --inputs exports/
      salespack certificates --period 2026-11
      salespack send --period 2026-10 --live
      salespack leaderboard --post --live      # yesterday's board to the chat groups
      salespack init my-org
    """


def mail_options(command):
    command = click.option("--resend-changed", is_flag=True,
                           help="Send again a letter already sent whose documents have changed since.")(command)
    command = click.option("--live", is_flag=True,
                           help="Really send. Without it: a dry run that writes .eml files to outbox/.")(command)
    return command


def _send(folder: Path, inputs: Path, settings, live: bool, resend_changed: bool) -> None:
    from .deliver import deliver
    from .month_end import load_roster
    report = deliver(folder, load_roster(inputs, settings), settings, inputs=inputs, live=live,
                     resend_changed=resend_changed)
    if report.skipped:
        click.echo("Not mailed: " + "; ".join(f"{s.name} ({s.rep_id}, {s.reason})" for s in report.skipped))
    if not live:
        click.echo(f"DRY RUN: {len(report.written)} messages written to {folder / 'outbox'}/; nothing was sent. "
                   "Pass --live to send.")
        return
    click.echo(f"Sent {len(report.sent)}; already sent before {len(report.already_sent)}.")
    if report.changed_not_resent:
        click.echo(f"{len(report.changed_not_resent)} letters were sent before and their documents have changed; "
                   "not sent again (pass --resend-changed to send them): "
                   + ", ".join(letter.to for letter in report.changed_not_resent))
    if report.unsent:
        lines = [f"  {letter.name} <{letter.to}>: {reason}" for letter, reason in report.unsent]
        error = DeliveryRefused if report.needs_a_person else DeliveryError
        raise error(f"{len(report.unsent)} letters are unsent:\n" + "\n".join(lines),
                    "Fix the cause and run `salespack send --live` again: only these will be sent.")


PERIOD_HELP = "YYYY-MM (a month), YYYY-Qn (a quarter) or YYYY (a year)"


def scheduler_option(command):
    return click.option("--scheduler", envvar="SALESPACK_SCHEDULER", default=None, metavar="tcp://HOST:8786",
                        help="Lay the documents out on this Dask cluster's workers (pip install salespack[cluster]); "
                             "default: config cluster.scheduler, else this machine's cores. Env: SALESPACK_SCHEDULER.")(
        command)


def _on_cluster(settings, scheduler: str | None):
    """Settings with the scheduler of --scheduler / SALESPACK_SCHEDULER over config's."""
    if not scheduler:
        return settings
    return settings.model_copy(update={"cluster": settings.cluster.model_copy(update={"scheduler": scheduler})})


def _reported(report, closed: bool) -> list:
    """The period, or with --with-closed-periods the month and the quarter and year it closes."""
    if not closed:
        return [report]
    if periods.kind(report) != periods.MONTH:
        raise PeriodError(f"--with-closed-periods needs a month; {periods.label(report)} is a {periods.kind(report)}.",
                          "Give the month that closes the quarter or year, e.g. --period 2026-12, or drop the option.")
    return periods.closed_by(report)


@main.command()
@click.option("--period", help=f"Report period, {PERIOD_HELP} (default: the last complete month in the "
                               "configured zone).")
@click.option("--with-closed-periods", "closed", is_flag=True,
              help="Also render the quarter and the year the month closes (March: Q1; December: Q4 and the year).")
@click.option("--lenient", is_flag=True, help="Render even when rows were rejected; the pack is marked provisional.")
@click.option("--send", "send_after", is_flag=True, help="Mail the documents after the run (dry run unless --live).")
@scheduler_option
@mail_options
@common
def run(config, inputs, outputs, period, closed, lenient, send_after, scheduler, live, resend_changed):
    """The whole summary-meeting job for one period: validate the exports, compute the
    figures, render the pack, the certificates of the next period and the workbook.
    A month's run signs the next month (and the quarter it starts); a quarter's run
    signs the next quarter; a year's run signs none.

    \b
    Examples:
      salespack run --period 2026-10
      salespack run --period 2026-Q3                   # outputs/2026-Q3/
      salespack run --period 2026                      # outputs/2026/, the annual meeting
      salespack run --with-closed-periods              # on Jan 1st: 2026-12, 2026-Q4 and 2026
      salespack run --inputs exports/ --outputs reports/ --period 2026-10 --lenient
    Exit codes: 0 done; 2 bad input, config or outputs folder (the period folder keeps
    its last complete run); 75 try again later (another run holds the outputs folder,
    or with --send letters are left unsent); 1 internal fault.
    """
    from .month_end import run_month_end
    settings, config = _settings(config)
    settings = _on_cluster(settings, scheduler)
    # A month first: when its quarter or year then fails, the month's documents stand.
    for each in _reported(_period(period, settings.timezone), closed):
        with outputs_lock(outputs):
            result = run_month_end(inputs, outputs, each, settings, lenient=lenient, config_path=config,
                                   user_templates=_user_templates())
        validated = result.validated
        if validated.rejected_rows:
            click.echo(f"PROVISIONAL: {validated.rejected_rows} rows rejected, listed in "
                       f"{result.folder / 'rejects.csv'}")
        certificates = [p for p in result.documents if p.parent.name == "certificates"]
        signed = f"certificates.pdf ({len(certificates)} certificates of {periods.label(each + 1)})" \
            if certificates else "no certificates" + (" (pledges are by month or quarter)"
                                                      if periods.kind(each) == periods.YEAR else "")
        click.echo(f"Period {periods.label(each)}: documents in {result.folder}/")
        click.echo(f"  summary-pack.pdf, teams/ ({len(result.team_packs)} team packs), kpis.xlsx, {signed}, "
                   "manifest.json")
        if send_after:
            with outputs_lock(outputs):
                _send(result.folder, inputs, settings, live, resend_changed)


@main.command()
@click.option("--period", help=f"The period whose documents to mail, {PERIOD_HELP} (default: the last complete "
                               "month).")
@click.option("--with-closed-periods", "closed", is_flag=True,
              help="Also mail the quarter and the year the month closes (as `run --with-closed-periods`).")
@mail_options
@common
def send(config, inputs, outputs, period, closed, live, resend_changed):
    """Mail what `run` produced: the full pack to leadership, each manager their team's
    pack, each active rep and manager their pledge certificate. A dry run unless --live.

    \b
    Examples:
      salespack send --period 2026-10                 # dry run: .eml files in outputs/2026-10/outbox/
      salespack send --period 2026-10 --live          # send; a rerun sends only what is left
      salespack send --with-closed-periods --live     # on Jan 1st: 2026-12, 2026-Q4 and 2026
    SMTP settings come from config (delivery:) and SALESPACK_SMTP_* variables; the
    password only from SALESPACK_SMTP_PASSWORD. Only a current run is mailed: one made
    from the exports in --inputs as they are now, with this config, untouched since.
    Exit codes: 0 done; 2 no current run, nobody would receive the company pack, an
    address refused by the server, or a mail setting that does not match the server
    (security, certificate, login); 75 try again later (the server down, busy or silent
    after retries, or the lock is held).
    """
    settings, _config = _settings(config)
    report = _period(period, settings.timezone)
    stopped: list[tuple[str, SalespackError]] = []
    for each in _reported(report, closed):
        if closed:
            click.echo(f"Period {periods.label(each)}:")
        try:
            with outputs_lock(outputs):
                _send(Path(outputs) / periods.label(each), inputs, settings, live, resend_changed)
        except SalespackError as error:
            # The quarter's and the year's letters do not wait on the month's: each period
            # is tried, and what stopped any of them is said at the end.
            if not closed or isinstance(error, LockError):
                raise
            click.echo(f"  not done: {error.message.splitlines()[0]}")
            stopped.append((periods.label(each), error))
    if stopped:
        raise _first_of_the_worst(stopped)


def _first_of_the_worst(stopped: list[tuple[str, SalespackError]]) -> SalespackError:
    """One error for the periods a send stopped on, each named: the exit code of the one
    that needs a person (2) over one that can wait for the next try (75)."""
    if len(stopped) == 1:
        return stopped[0][1]
    worst = next((error for _label, error in stopped if error.exit_code == 2), stopped[0][1])
    combined = SalespackError("\n".join(f"{label}: {error.message}" for label, error in stopped),
                              "\n".join(dict.fromkeys(error.hint for _label, error in stopped if error.hint)))
    combined.exit_code = worst.exit_code
    return combined


@main.command(name="validate")
@click.option("--rejects", type=click.Path(path_type=Path), help="Also write the full list of rejected rows to this CSV.")
@click.option("--period", help=f"Also say what the exports hold for this period, {PERIOD_HELP}: sales rows and "
                               "budget per month, pledges.")
@common
def validate_command(config, inputs, outputs, rejects, period):
    """Read and check the exports only: print the reconciliation and the rejects.

    \b
    Examples:
      salespack validate
      salespack validate --inputs exports/ --rejects rejects.csv
      salespack validate --period 2026-Q4              # and which months of Q4 have sales and budget
    Exit codes: 0 all rows usable, 2 rows rejected, a file unusable or a bad period.
    """
    from .month_end import load_inputs, period_coverage, rejects_summary, write_rejects
    settings, _config = _settings(config)
    checked = parse_period(period) if period else None
    validated = load_inputs(inputs, settings)
    click.echo(f"{'dataset':<10} {'file':<16} {'read':>8} {'used':>8} {'rejected':>8}")
    for name, r in validated.reconciliation.items():
        click.echo(f"{name:<10} {r.file:<16} {r.rows_read:>8} {r.rows_used:>8} {r.rows_rejected:>8}")
    if rejects:
        write_rejects(validated, rejects)
    if checked is not None:
        for line in period_coverage(validated, checked):
            click.echo(line)
    if validated.rejected_rows:
        click.echo(rejects_summary(validated, rejects or Path("(pass --rejects FILE for the full list)")), err=True)
        sys.exit(2)
    click.echo("All rows are usable.")


@main.command()
@click.option("--period", required=True, help="The period the certificates are for, YYYY-MM or YYYY-Qn.")
@click.option("--lenient", is_flag=True, help="Make them even when roster, budget or pledges rows were rejected "
                                              "(rejected rows of other exports never stop them).")
@scheduler_option
@common
def certificates(config, inputs, outputs, period, lenient, scheduler):
    """Pledge certificates (个人 and 团队) for a period: filled in from its pledges rows,
    blank for each active rep and manager without one. Written to
    OUTPUTS/certificates/PERIOD/ (certificates.pdf and one file each), replaced whole.

    \b
    Example:
      salespack certificates --period 2026-11
    """
    from .month_end import render_certificates_only
    settings, _config = _settings(config)
    settings = _on_cluster(settings, scheduler)
    pledged = parse_period(period)
    if periods.kind(pledged) == periods.YEAR:
        raise PeriodError(f"'{period}' is a year; pledges are made by month or quarter.",
                          "Give the month or quarter the certificates are for, e.g. --period 2027-01 or 2027-Q1.")
    label = periods.label(pledged)
    with outputs_lock(outputs):
        written = render_certificates_only(inputs, outputs, pledged, settings, _user_templates(), lenient=lenient)
    if not written:
        click.echo(f"No active reps or managers and no pledges for {label}: no certificates.")
        return
    click.echo(f"{len(written) - 1} certificates for {label} in {written[0].parent}/")


@main.command()
@click.option("--as-of", "as_of", help="The day the board is as of, YYYY-MM-DD (default: yesterday in the "
                                        "configured zone).")
@click.option("--week", "weekly", is_flag=True, help="The week's board: the ISO week ending on --as-of.")
@click.option("--lenient", is_flag=True, help="Render even when rows were rejected; the board is marked provisional.")
@click.option("--post", is_flag=True, help="Post to the chat groups of config (dry run unless --live).")
@click.option("--live", is_flag=True, help="Really post. Without it: the exact payloads are written to outbox/.")
@click.option("--repost-changed", is_flag=True, help="Post again a board already posted whose content changed.")
@click.option("--allow-empty", is_flag=True, help="Make the board even when no sale is dated in the days it shows "
                                                  "(the month up to --as-of, and the week for --week; otherwise a "
                                                  "sign of a stale export: exit 2).")
@common
def leaderboard(config, inputs, outputs, as_of, weekly, lenient, post, live, repost_changed, allow_empty):
    """The in-month board (业绩展示): attainment to date (完成率) against time progress
    (时间进度), rankings with movement, pledge progress and visits, as PDF, a phone PNG, a
    workbook and chat text; posted to the WeCom, DingTalk and Feishu groups of config.

    \b
    Examples:
      salespack leaderboard                              # yesterday's board, outputs/leaderboard/<day>/
      salespack leaderboard --as-of 2026-11-27 --post    # dry run: payloads in outbox/
      salespack leaderboard --week --post --live         # last week's board, posted
    Webhook URLs and secrets come from the environment variables config names.
    Exit codes: 0 done; 2 bad input, config or date, or a group that needs a person (a bad
    key or secret); 75 try again later (the lock is held, or a robot is rate-limited or
    down after retries); 1 internal fault.
    """
    from .leaderboard import parse_as_of, run_leaderboard
    settings, _config = _settings(config)
    day = parse_as_of(as_of, settings.timezone)
    with outputs_lock(outputs):
        result = run_leaderboard(inputs, outputs, day, settings, weekly=weekly, lenient=lenient,
                                 allow_empty=allow_empty, user_templates=_user_templates())
        if result.provisional:
            click.echo(f"PROVISIONAL: rows were rejected, listed in {result.folder / 'rejects.csv'}")
        click.echo(f"{'Weekly' if weekly else 'Daily'} board as of {day}: {result.folder}/")
        click.echo("  leaderboard.pdf, leaderboard.png, leaderboard.xlsx, leaderboard.md, snapshot.json")
        if post:
            _post(result, settings, live, repost_changed)


def _post(result, settings, live: bool, repost_changed: bool) -> None:
    from .deliver.chat import post_boards
    if not result.posts:
        raise ConfigError("no chat groups are configured.", key="leaderboard.groups",
                          hint="Add the groups and their robots under leaderboard.groups in config.")
    key = f"{result.board.as_of}/{result.board.kind}"
    report = post_boards(result.posts, key, result.folder, settings.leaderboard, live=live,
                         repost_changed=repost_changed)
    for line in report.lines():
        click.echo(line)
    code = report.exit_code()
    if code:
        raise (DeliveryError if code == TRY_AGAIN_LATER else DeliveryRefused)(
            "some groups were not posted to (see above).",
            "Fix the cause and run the same command again: what was posted is not posted twice.")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
def init(directory):
    """Make a working folder with a config, the sample exports and the templates to edit.

    DIRECTORY must be new or empty. Exit codes: 0 done, 2 it is a file, not empty, or
    cannot be created.

    \b
    Example:
      salespack init my-org && cd my-org && salespack run --period 2026-10
    """
    def stop(problem: str) -> None:
        click.echo(f"Error: {directory} {problem}. Choose a new folder you may write to.", err=True)
        sys.exit(2)

    if directory.exists() and not directory.is_dir():
        stop("is a file, not a folder")
    if directory.is_dir() and any(directory.iterdir()):
        stop("is not empty")
    created = not directory.exists()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for part in ("config", "inputs", "templates"):
            shutil.copytree(PROJECT / part, directory / part)
    except OSError as error:
        # Nothing half-written: what this command made goes again.
        for part in ("config", "inputs", "templates"):
            shutil.rmtree(directory / part, ignore_errors=True)
        if created:
            shutil.rmtree(directory, ignore_errors=True)
        stop(f"cannot be written ({error.strerror or error})")
    click.echo(f"Working folder ready: {directory}/ (config/, inputs/, templates/).")
    click.echo(f"Next: cd {directory} && salespack run --period 2026-10")


if __name__ == "__main__":
    main()
