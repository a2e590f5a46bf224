"""Deliver, chat: post the in-month board to the WeCom, DingTalk and Feishu group robots.

Dry run by default: the exact JSON bodies that would be POSTed are written to
``<board folder>/outbox/``, one file per message, and nothing is sent (no webhook URL is
needed, and none is written: the URL holds the robot's credential). ``live=True`` posts
them and records each in the chat ledger, so a rerun for the same board key posts only
what no group got yet, and a board whose content changed is posted again only when asked.

The leaderboard job builds one ``BoardPost`` per configured group and calls
``post_boards``; the ``ChatReport`` gives it a line per group and the exit code.
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, NamedTuple

from ...config import ChatGroup, Leaderboard
from ...errors import TRY_AGAIN_LATER, ConfigError
from ...render.output import write_bytes
from .ledger import ChatLedger
from .messages import Message, body_bytes, plan_messages
from .robots import Poster, PostFailed, Robot, signed, url_problem

__all__ = ["BoardPost", "ChatReport", "Failure", "Message", "post_boards"]

log = logging.getLogger("salespack")
LEDGER = "chat-ledger.sqlite"
OUTBOX = "outbox"


@dataclass
class BoardPost:
    """What one group gets for one board."""

    group: ChatGroup
    title: str            # "业绩排行榜 2026-11-27": DingTalk's message title, Feishu's card header
    markdown: str         # the board as chat markdown in the group's language; split here to the platform's limit
    image: bytes | None   # the board's PNG: WeCom gets it as an image message; DingTalk and Feishu cannot take it
    # What the picture shows (render.board.board_image_checksum): the ledger's checksum for it,
    # since its bytes differ on every run of the same board. None: the checksum of its bytes.
    image_checksum: str | None = None


class Failure(NamedTuple):
    """A group left short of its board: ``reason`` names the group and says what to do;
    ``temporary`` when waiting may mend it (rate limit, server down), else a person must act;
    ``not_tried`` counts the group's later messages left for the rerun."""

    group: str
    reason: str
    temporary: bool
    not_tried: int = 0


@dataclass
class ChatReport:
    key: str
    live: bool
    groups: list[ChatGroup]
    messages: list[Message] = field(default_factory=list)            # every message of every group, in order
    posted: list[Message] = field(default_factory=list)              # posted by this call
    already_posted: list[Message] = field(default_factory=list)      # recorded as posted by an earlier call
    changed_not_reposted: list[Message] = field(default_factory=list)  # the group got another version of this board
    written: list[Path] = field(default_factory=list)                # outbox files of a dry run
    failed: list[Failure] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)              # group name -> what the reader should know

    def exit_code(self) -> int:
        """0 every group has its board (or the dry run was written); 2 a group needs a person
        (bad key, bad signature, an image WeCom refuses); 75 only temporary failures remain."""
        if any(not failure.temporary for failure in self.failed):
            return 2
        return TRY_AGAIN_LATER if self.failed else 0

    def lines(self) -> list[str]:
        """One line per group, for the command to print."""
        return [self._line(group) for group in self.groups]

    def _line(self, group: ChatGroup) -> str:
        def count(messages: list[Message]) -> int:
            return sum(message.group.name == group.name for message in messages)

        label = f"{group.name} ({group.platform})"
        if self.live:
            parts = [f"{number} {text}" for number, text in (
                (count(self.posted), "posted"), (count(self.already_posted), "already posted before"),
                (count(self.changed_not_reposted), "posted before with other content, not posted again "
                                                   "(pass --repost-changed to post them)")) if number]
        else:
            written = count(self.messages)
            parts = [f"{written} message{'s' if written != 1 else ''} written to {OUTBOX}/, nothing posted (dry run)"]
        for failure in (f for f in self.failed if f.group == group.name):
            more = f" ({failure.not_tried} more not tried)" if failure.not_tried else ""
            parts.append(f"FAILED: {failure.reason.removeprefix(label + ': ')}{more}")
        if group.name in self.notes:
            parts.append(self.notes[group.name])
        return f"{label}: {'; '.join(parts) if parts else 'nothing to post'}"


def post_boards(posts: list[BoardPost], key: str, folder: Path, settings: Leaderboard, *, live: bool = False,
                repost_changed: bool = False, environ: Mapping[str, str] = os.environ,
                sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time) -> ChatReport:
    """Post each group its board, or in a dry run write what would be posted.

    ``key`` names the board in the ledger ("2026-11-27/day", "2026-11-23/week"); ``folder``
    is the board's folder (outbox/ and chat-ledger.sqlite go there). Live, every webhook
    variable is checked before anything is sent: one missing or malformed is a ConfigError
    naming the group and the variable. A group's first failed message ends its turn (its
    later messages wait for the rerun, in order); the other groups go on."""
    _one_post_per_group(posts)
    report = ChatReport(key, live, [post.group for post in posts])
    for post in posts:
        messages, refusal = plan_messages(post.group, post.title, post.markdown, post.image, post.image_checksum)
        report.messages += messages
        if refusal:
            report.failed.append(Failure(post.group.name, f"{post.group.name} ({post.group.platform}): {refusal}",
                                         temporary=False))
    if not live:
        _write_outbox(report, Path(folder) / OUTBOX, environ, clock)
        return report
    robots = robots_from_environment([post.group for post in posts], settings, environ)
    poster = Poster(settings, clock, sleep)
    with ChatLedger(Path(folder) / LEDGER) as ledger:
        for group in report.groups:
            messages = [m for m in report.messages if m.group.name == group.name]
            due = _due(messages, ledger, key, repost_changed, report)
            _post_group(due, robots[group.name], poster, ledger, key, report)
    return report


def _one_post_per_group(posts: list[BoardPost]) -> None:
    names = [post.group.name for post in posts]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"two boards for group '{repeated[0]}': the ledger counts one board per group and key")


# --------------------------------------------------------------------------- dry run


def _outbox_name(index: int, width: int, message: Message) -> str:
    group = re.sub(r"[^\w.-]", "_", message.group.name)
    return f"{index:0{width}d}-{group}-{message.group.platform}-{message.kind}.json"


def _write_outbox(report: ChatReport, outbox: Path, environ: Mapping[str, str], clock: Callable[[], float]) -> None:
    """Each message's body exactly as it would be POSTed now. Feishu signs inside the body:
    signed when its secret variable is set, else without timestamp and sign (noted).
    DingTalk signs in the URL, which is never written."""
    for stale in outbox.glob("*.json") if outbox.is_dir() else []:
        stale.unlink()  # a file of an earlier dry run would read as part of this one
    width = max(2, len(str(len(report.messages))))
    now = clock()
    for index, message in enumerate(report.messages, start=1):
        group = message.group
        secret = environ.get(group.secret_env) if group.secret_env else None
        _url, payload = signed(message, "", secret or None, now)
        if group.platform == "feishu" and group.secret_env and not secret:
            report.notes[group.name] = (f"{group.secret_env} is not set: the outbox cards carry no timestamp and "
                                        "sign; live posts are signed")
        target = outbox / _outbox_name(index, width, message)
        write_bytes(target, body_bytes(payload))
        report.written.append(target)


# --------------------------------------------------------------------------- live


def robots_from_environment(groups: list[ChatGroup], settings: Leaderboard,
                            environ: Mapping[str, str]) -> dict[str, Robot]:
    """Each group's webhook URL and secret, read before anything is sent: a variable
    missing, or not a URL urllib can post to, stops the whole post with a ConfigError
    naming them all (a malformed one found while posting would leave the groups before
    it posted and the rest not)."""
    problems: list[tuple[str, str]] = []  # (config key, what is wrong)
    unset = malformed = False
    robots = {}
    for group in groups:
        where = f"leaderboard.groups[{_index(group, settings)}]"
        url = environ.get(group.webhook_env, "").strip()
        problem = url_problem(url) if url else None
        if not url:
            unset = True
            problems.append((f"{where}.webhook_env", f"group '{group.name}' ({group.platform}): the environment "
                                                     f"variable {group.webhook_env} is not set (it holds the "
                                                     "robot's webhook URL)"))
        elif problem:
            malformed = True
            problems.append((f"{where}.webhook_env", f"group '{group.name}' ({group.platform}): "
                                                     f"{group.webhook_env} is not a webhook URL ({problem})"))
        secret = environ.get(group.secret_env, "").strip() if group.secret_env else None
        if group.secret_env and not secret:
            unset = True
            problems.append((f"{where}.secret_env", f"group '{group.name}' ({group.platform}): the environment "
                                                    f"variable {group.secret_env} is not set (it holds the robot's "
                                                    "signing secret)"))
        robots[group.name] = Robot(group, url, secret)
    if problems:
        listing = "; ".join(text for _key, text in problems)
        remedies = "; ".join(remedy for wanted, remedy in (
            (unset, "export the variables in the environment the command runs in (for cron: in the crontab or "
                    "the script it runs)"),
            (malformed, "copy the webhook URL again from the robot's settings in the group into the variable"),
        ) if wanted)
        raise ConfigError(f"{listing}. Nothing was posted to any group.", key=problems[0][0],
                          hint=f"{remedies[0].upper()}{remedies[1:]}, then post again.")
    return robots


def _index(group: ChatGroup, settings: Leaderboard) -> str:
    names = [configured.name for configured in settings.groups]
    return str(names.index(group.name)) if group.name in names else repr(group.name)


def _due(messages: list[Message], ledger: ChatLedger, key: str, repost_changed: bool,
         report: ChatReport) -> list[Message]:
    """The group's messages to post now, in order. A board whose content changed since the
    group got it (any message differs from the one posted under its number) is posted
    again only when asked, and then whole, so the group reads one version from top to end."""
    if not messages:
        return []
    group = messages[0].group.name
    posted = ledger.posted(key, group)
    current = {message.number: message.checksum for message in messages}
    changed = any(current.get(number) != checksum for number, checksum in posted.items())
    if changed and repost_changed:
        ledger.forget_beyond(key, group, len(messages))
        return messages
    due = []
    for message in messages:
        if posted.get(message.number) == message.checksum:
            report.already_posted.append(message)
        elif changed:
            report.changed_not_reposted.append(message)
        else:
            due.append(message)
    return due


def _post_group(due: list[Message], robot: Robot, poster: Poster, ledger: ChatLedger, key: str,
                report: ChatReport) -> None:
    """Post in order; the first failure ends the group's turn (a later part before an
    earlier one would read out of order) and leaves the rest for the rerun."""
    for position, message in enumerate(due):
        group = message.group
        try:
            attempts = poster.post(message, robot)
        except PostFailed as failed:
            ledger.record(key, group.name, message.number, group.platform, message.kind, message.checksum,
                          "failed", failed.attempts, failed.answer.reason)
            report.failed.append(Failure(group.name, f"{message.label}: {failed.answer.reason}",
                                         failed.answer.temporary, len(due) - position - 1))
            log.warning("%s: message %d of %d not posted: %s", message.label, message.number, message.count,
                        failed.answer.reason)
            return
        ledger.record(key, group.name, message.number, group.platform, message.kind, message.checksum, "posted",
                      attempts)
        report.posted.append(message)
        log.info("%s: message %d of %d posted", message.label, message.number, message.count)
