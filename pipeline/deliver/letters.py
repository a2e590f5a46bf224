"""Who gets what: one letter per reader, from the roster and config only.

Leadership (the roster's active directors plus the addresses in config) gets the
full pack; each active manager their team's pack and their certificates; each
active rep their certificates. Inactive people and people without an email are
listed, never mailed.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path

import pandas as pd

from ..render.contexts import period_label
from ..render.filters import money, pct
from ..render.i18n import translator


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
    body: str
    attachments: list[Attachment] = field(default_factory=list)

    def checksum(self) -> str:
        """The letter's identity for "did its documents change?": recipient and file bytes."""
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


def _body(locale: str, *, kind: str, company: str, period: str, coming: str, team: str | None,
          figures: dict | None, certificates: bool) -> str:
    """The short text of a letter in one language: what is attached and the headline figures."""
    _ = translator(locale)

    def say(message: str, **values) -> str:
        return _(message) % values if values else _(message)

    label, coming_label = period_label(period, locale), period_label(coming, locale)
    lines = []
    if kind == "leadership":
        lines.append(say("The %(period)s summary pack of %(company)s is attached.", period=label, company=company))
    elif team:
        lines.append(say("The %(period)s summary pack of %(team)s is attached.", period=label, team=team))
    if figures:
        lines.append(say("Revenue %(revenue)s (CNY k), target %(target)s, attainment %(attainment)s.",
                         revenue=money(figures["revenue"], locale), target=money(figures["target"], locale),
                         attainment=pct(figures["attainment"])))
    if certificates:
        lines.append(say("Your pledge certificate for %(period)s is attached: sign it at the mobilization meeting.",
                         period=coming_label))
    lines.append(say("Sent by salespack for %(company)s.", company=company))
    return "\n".join(lines)


def bilingual(locale: str, **facts) -> str:
    """The configured language first, then the other (zh/en)."""
    other = "en" if locale.startswith("zh") else "zh_CN"
    return f"{_body(locale, **facts)}\n\n----\n\n{_body(other, **facts)}"


def plan_letters(folder: Path, manifest: dict, roster: pd.DataFrame, *, company: str, locale: str,
                 leadership: list[str]) -> tuple[list[Letter], list[Skipped]]:
    _ = translator(locale)
    period, wanted = manifest["period"], manifest["deliverables"]
    label, coming, headline = period_label(period, locale), wanted["coming_period"], wanted["headline"]
    facts = {"company": company, "period": period, "coming": coming}
    pack_title = _("Monthly sales summary pack")
    pack = Attachment(folder / wanted["pack"], f"{pack_title}-{period}.pdf")
    letters: list[Letter] = []
    skipped: list[Skipped] = []

    def leadership_letter(key: str, address: str, name: str) -> Letter:
        body = bilingual(locale, kind="leadership", team=None, figures=headline["company"], certificates=False,
                         **facts)
        return Letter(key, address, name, "leadership", f"{company} {pack_title} {label}", body, [pack])

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
            letters.append(leadership_letter(f"{period}/leadership/{person.email}", person.email, person.name))
            continue
        kinds = {"team": _("Team sales pledge"), "individual": _("Sales pledge")}
        certificates = [Attachment(folder / item["file"], f"{kinds[item['scope']]}-{person.name}-{item['period']}.pdf")
                        for item in wanted["certificates"].get(person.rep_id, [])]
        team = person.team if person.role == "manager" and person.team in wanted["teams"] else None
        attachments = list(certificates)
        if team:
            attachments.insert(0, Attachment(folder / wanted["teams"][team], f"{team}-{pack_title}-{period}.pdf"))
        if not attachments:
            continue
        figures = headline["teams"].get(team) if team else headline["reps"].get(person.rep_id)
        body = bilingual(locale, kind=person.role, team=team, figures=figures, certificates=bool(certificates),
                         **facts)
        letters.append(Letter(f"{period}/{person.role}/{person.rep_id}/{person.email}", person.email, person.name,
                              person.role, f"{company} {label} · {person.name}", body, attachments))
    for address in leadership:
        letters.append(leadership_letter(f"{period}/leadership/{address}", address, address))
    return letters, skipped
