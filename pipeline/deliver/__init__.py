"""Stage 5, deliver: mail each reader exactly their documents, exactly once.

Dry run by default: the messages are written as ``.eml`` files to
``outputs/P/outbox/`` and nothing is sent. ``live=True`` sends over SMTP and
records every letter in the ledger, so a rerun sends only what is not recorded
as sent, and a letter whose documents changed is sent again only when asked.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from ..config import Settings
from ..errors import ConfigError, InputError
from ..render.output import failed_folder, write_bytes
from .freshness import require_current
from .ledger import Entry, Ledger
from .letters import Letter, Skipped, plan_letters
from .smtp import MailError, Mailer, PermanentFailure, ServerFailure


@dataclass
class DeliveryReport:
    live: bool
    letters: list[Letter]
    skipped: list[Skipped]
    written: list[Path] = field(default_factory=list)
    sent: list[Letter] = field(default_factory=list)
    already_sent: list[Letter] = field(default_factory=list)
    changed_not_resent: list[Letter] = field(default_factory=list)
    unsent: list[tuple[Letter, str]] = field(default_factory=list)
    server_failure: ServerFailure | None = None  # what stopped the run, when the server itself failed
    refused: int = 0  # letters the server refused for good (5xx: a bad address)

    @property
    def needs_a_person(self) -> bool:
        """Unsent letters that waiting cannot mend: a refused address, a setting to change."""
        return self.refused > 0 or (self.server_failure is not None and not self.server_failure.temporary)


def read_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.exists():
        failed = failed_folder(folder)
        attempt = f" The last run stopped: see {failed / 'run.log'}." if failed.is_dir() else ""
        raise InputError(f"there is no finished run for {folder.name} (no manifest.json).{attempt}", file=str(folder),
                         hint=f"Run `salespack run --period {folder.name}` first.")
    return json.loads(path.read_text(encoding="utf-8"))


def _eml_name(index: int, letter: Letter) -> str:
    return f"{index:04d}-{letter.role}-{re.sub(r'[^A-Za-z0-9@._-]', '_', letter.to)}.eml"


def deliver(folder: Path, roster: pd.DataFrame, settings: Settings, *, inputs: Path | None = None,
            live: bool = False, resend_changed: bool = False, environ=None, sleep=None) -> DeliveryReport:
    """Mail the run in ``folder``. With ``inputs``, only when that run is current: made
    from the exports as they are now, with this config, its documents untouched."""
    environ = os.environ if environ is None else environ
    manifest = read_manifest(folder)
    if inputs is not None:
        require_current(folder, manifest, inputs, settings)
    letters, skipped = plan_letters(folder, manifest, roster, company=settings.company.name, locale=settings.locale,
                                    leadership=settings.delivery.leadership)
    if not any(letter.role == "leadership" for letter in letters):
        raise ConfigError("nobody would receive the company pack: the roster has no active director with an email "
                          "and delivery.leadership is empty. Nothing was sent.", key="delivery.leadership",
                          hint="Add the leadership's addresses to delivery.leadership in config, or give the "
                               "director an email in the roster, then send again.")
    report = DeliveryReport(live, letters, skipped)
    sender = settings.delivery.mail_from or "salespack@localhost"
    if not live:
        for index, letter in enumerate(letters, start=1):
            target = folder / "outbox" / _eml_name(index, letter)
            write_bytes(target, letter.message(sender).as_bytes())
            report.written.append(target)
        return report
    if not settings.delivery.mail_from:
        raise ConfigError("no sender address for live mail.", key="delivery.mail_from",
                          hint="Set delivery.mail_from in config or SALESPACK_MAIL_FROM.")
    mailer = Mailer(settings.delivery, environ.get("SALESPACK_SMTP_PASSWORD"),
                    **({"sleep": sleep} if sleep else {}))
    with Ledger(folder / "ledger.sqlite") as ledger:
        due = _due(letters, ledger, resend_changed, report)
        try:
            _send_due(due, mailer, ledger, sender, report)
        finally:
            mailer.close()
    return report


class Due(NamedTuple):
    letter: Letter
    checksum: str
    entry: Entry | None  # what the ledger knows of it, if anything


def _due(letters: list[Letter], ledger: Ledger, resend_changed: bool, report: DeliveryReport) -> list[Due]:
    """The letters to send now, in order. Those the ledger records as sent go to the
    report instead: as already sent, or, when their documents changed since, as not sent
    again unless asked."""
    due = []
    for letter in letters:
        checksum = letter.checksum()
        entry = ledger.entry(letter.key)
        if entry and entry.state == "sent":
            if entry.checksum == checksum:
                report.already_sent.append(letter)
                continue
            if not resend_changed:
                report.changed_not_resent.append(letter)
                continue
        due.append(Due(letter, checksum, entry))
    return due


def _send_due(due: list[Due], mailer: Mailer, ledger: Ledger, sender: str, report: DeliveryReport) -> None:
    """Send each letter and record the outcome; a failure of the server itself ends the run."""
    for position, (letter, checksum, entry) in enumerate(due):
        # A retry of the same letter keeps its Message-ID, so a copy that did arrive is recognisable.
        reuse = entry.message_id if entry and entry.state != "sent" and entry.checksum == checksum else None
        message = letter.message(sender, reuse)
        try:
            attempts = mailer.send(message)
        except MailError as error:
            ledger.record(letter.key, letter.to, message["Message-ID"], checksum, "failed", error.attempts, str(error))
            report.unsent.append((letter, str(error)))
            if isinstance(error, PermanentFailure):
                report.refused += 1
            if isinstance(error, ServerFailure):
                report.server_failure = error
                # Each of the rest would fail the same way (a silent server: after the same wait).
                report.unsent += [(rest.letter, f"not tried: {error.cause}") for rest in due[position + 1:]]
                return
            continue
        ledger.record(letter.key, letter.to, message["Message-ID"], checksum, "sent", attempts)
        report.sent.append(letter)
