"""Who gets what: one letter per reader, from the roster and config only.

Leadership (the roster's active directors plus the addresses in config) gets the
full pack; each active manager their team's pack and their certificates; each
active rep their certificates. Inactive people and people without an email are
listed, never mailed. What a letter says, HTML with a plain-text alternative made
from the manifest's figures, is laid out by ``bodies``.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path

import pandas as pd

from .. import periods
from ..render.contexts import period_label
from ..render.i18n import translator
from .bodies import Headline, LetterFacts, bodies, key_points, ranked_count, ranking, reward_tiers, terms


@dataclass
class Attachment:
    path: Path
    filename: str  # as the reader sees it, Chinese allowed (RFC 2231)


@dataclass
class Letter:
    key: str        # stable across runs: what the ledger knows this letter by
    to: str
    name: str
    role: str       # leadership | manager | rep
    subject: str
    body: str       # plain text, the configured language first, then the other
    attachments: list[Attachment] = field(default_factory=list)
    html: str = ""  # the same facts as HTML: the text's alternative

    def checksum(self) -> str:
        """The letter's identity for "did its documents change?": recipient and file bytes
        (not the body: a reworded body is not a changed letter)."""
        digest = hashlib.sha256(self.to.encode())
        for attachment in self.attachments:
            digest.update(attachment.filename.encode())
            digest.update(hashlib.sha256(attachment.path.read_bytes()).digest())
        return digest.hexdigest()

    def message(self, sender: str, message_id: str | None = None) -> EmailMessage:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = formataddr((self.name, self.to))
        message["Subject"] = self.subject
        message["Message-ID"] = message_id or make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
        message.set_content(self.body, cte="base64")  # 7-bit safe: no relay needs 8BITMIME for it
        if self.html:  # multipart/alternative; the attachments make it multipart/mixed around it
            message.add_alternative(self.html, subtype="html", cte="base64")
        for attachment in self.attachments:
            kind = mimetypes.guess_type(attachment.filename)[0] or "application/octet-stream"
            maintype, subtype = kind.split("/")
            message.add_attachment(attachment.path.read_bytes(), maintype=maintype, subtype=subtype,
                                   filename=attachment.filename)
        return message


@dataclass
class Skipped:
    rep_id: str
    name: str
    reason: str  # inactive | no email


def plan_letters(folder: Path, manifest: dict, roster: pd.DataFrame, *, company: str, locale: str,
                 leadership: list[str]) -> tuple[list[Letter], list[Skipped]]:
    """The letters of the run in ``folder`` and the people not mailed. A certificate's reward
    tiers are those of the run's own config (in the manifest): the ones it announces."""
    _ = translator(locale)
    period, wanted = manifest["period"], manifest["deliverables"]
    label, coming, headline = period_label(period, locale), wanted["coming_period"], wanted["headline"]
    reps = headline.get("reps", {})
    common = {"company": company, "period": period, "coming": coming, "reps_ranked": ranked_count(reps),
              "teams_ranked": ranked_count(headline.get("teams", {}))}
    tiers = reward_tiers(manifest)
    pack_title = {periods.MONTH: _("Monthly sales summary pack"), periods.QUARTER: _("Quarterly sales summary pack"),
                  periods.YEAR: _("Annual sales summary pack")}[periods.kind(periods.parse_period(period))]
    pack = Attachment(folder / wanted["pack"], f"{pack_title}-{period}.pdf")
    letters: list[Letter] = []
    skipped: list[Skipped] = []

    def letter(key: str, address: str, name: str, role: str, subject: str, facts: LetterFacts,
               attachments: list[Attachment]) -> Letter:
        text, html = bodies(facts, locale, subject)
        return Letter(key, address, name, role, subject, text, attachments, html)

    company_facts = LetterFacts(role="leadership", reader=None, team=None, headline=Headline.of(headline["company"]),
                                key_points=key_points(wanted), ranking=ranking(reps), pack_attached=True, **common)

    def leadership_letter(key: str, address: str, name: str, reader: str | None) -> Letter:
        return letter(key, address, name, "leadership", f"{company} {pack_title} {label}",
                      replace(company_facts, reader=reader), [pack])

    for person in roster.sort_values("rep_id").itertuples(index=False):
        if person.role not in ("director", "manager", "rep"):
            continue
        if not person.active:
            skipped.append(Skipped(person.rep_id, person.name, "inactive"))
            continue
        if not isinstance(person.email, str) or not person.email:
            skipped.append(Skipped(person.rep_id, person.name, "no email"))
            continue
        if person.role == "director":
            letters.append(leadership_letter(f"{period}/leadership/{person.email}", person.email, person.name,
                                             person.name))
            continue
        kinds = {"team": _("Team sales pledge"), "individual": _("Sales pledge")}
        held = wanted["certificates"].get(person.rep_id, [])
        certificates = [Attachment(folder / item["file"], f"{kinds[item['scope']]}-{person.name}-{item['period']}.pdf")
                        for item in held]
        team = person.team if person.role == "manager" and person.team in wanted["teams"] else None
        attachments = list(certificates)
        if team:
            attachments.insert(0, Attachment(folder / wanted["teams"][team], f"{team}-{pack_title}-{period}.pdf"))
        if not attachments:
            continue
        pledges = tuple(terms(item, tiers) for item in held)
        if team:  # the team's figures, key points and reps: never another team's
            facts = LetterFacts(role="manager", reader=person.name, team=team,
                                headline=Headline.of(headline["teams"].get(team)), key_points=key_points(wanted, team),
                                ranking=ranking(reps, team), certificates=pledges, pack_attached=True, **common)
        else:  # their own figures (a manager without a team pack reads as a rep)
            facts = LetterFacts(role="rep", reader=person.name, team=None,
                                headline=Headline.of(reps.get(person.rep_id)), key_points=None, ranking=None,
                                certificates=pledges, **common)
        letters.append(letter(f"{period}/{person.role}/{person.rep_id}/{person.email}", person.email, person.name,
                              person.role, f"{company} {label} · {person.name}", facts, attachments))
    for address in leadership:
        letters.append(leadership_letter(f"{period}/leadership/{address}", address, address, None))
    return letters, skipped
