"""The chat ledger: which messages of which board each group got (SQLite in the board's
folder, beside the mail ledger's idea). A rerun posts only what is not recorded as posted.

One row per (board key, group, message number) with the checksum of the content posted,
written right after each try, so a crash between messages loses nothing.
"""

from __future__ import annotations

import datetime as dt
from ..ledger import Store

SCHEMA = """
create table if not exists posts (
    board text not null,          -- the board's key: 2026-11-27/day, 2026-11-23/week
    chat_group text not null,     -- the group's name in config
    number integer not null,      -- the message's place in the group's board, from 1
    platform text not null,
    kind text not null,           -- markdown | image | card
    checksum text not null,       -- of the content, without the signature; a picture's of what it shows
    state text not null,          -- posted | failed
    attempts integer not null default 0,
    error text,
    updated_at text not null,
    primary key (board, chat_group, number)
)
"""


class ChatLedger(Store):
    """The posts of a board folder: per board, group and message, what was posted."""

    schema = SCHEMA

    def posted(self, board: str, group: str) -> dict[int, str]:
        """Message number -> checksum of what ``group`` was sent of ``board``."""
        rows = self.connection.execute(
            "select number, checksum from posts where board = ? and chat_group = ? and state = 'posted'",
            (board, group))
        return dict(rows.fetchall())

    def forget_beyond(self, board: str, group: str, count: int) -> None:
        """A board reposted with fewer messages: the old ones past its end are no part of it."""
        self.connection.execute("delete from posts where board = ? and chat_group = ? and number > ?",
                                (board, group, count))

    def record(self, board: str, group: str, number: int, platform: str, kind: str, checksum: str, state: str,
               attempts: int, error: str | None = None) -> None:
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        self.connection.execute(
            "insert into posts (board, chat_group, number, platform, kind, checksum, state, attempts, error, "
            "updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict(board, chat_group, number) do update set "
            "platform = excluded.platform, kind = excluded.kind, checksum = excluded.checksum, "
            "state = excluded.state, attempts = posts.attempts + excluded.attempts, error = excluded.error, "
            "updated_at = excluded.updated_at",
            (board, group, number, platform, kind, checksum, state, attempts, error, now))
