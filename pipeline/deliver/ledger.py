"""The delivery ledger: what was sent, to whom, with which documents (SQLite in the
period folder). A rerun sends only what is not recorded as sent."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
create table if not exists letters (
    key text primary key,
    recipient text not null,
    message_id text,
    checksum text,
    state text not null,          -- sent | failed
    attempts integer not null default 0,
    error text,
    updated_at text not null
)
"""


@dataclass
class Entry:
    key: str
    recipient: str
    message_id: str | None
    checksum: str | None
    state: str
    attempts: int
    error: str | None


class Store:
    """A SQLite file of what was delivered, made with ``schema`` on first use; autocommit
    and WAL, so each record is on disk before the next attempt."""

    schema = SCHEMA

    def __init__(self, path: Path):
        self.path = path
        self.connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.connection.execute("pragma journal_mode=wal")
        self.connection.execute(self.schema)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Ledger(Store):
    """The letters of a period folder: what was sent, to whom, with which documents."""

    def entry(self, key: str) -> Entry | None:
        row = self.connection.execute(
            "select key, recipient, message_id, checksum, state, attempts, error from letters where key = ?",
            (key,)).fetchone()
        return Entry(*row) if row else None

    def record(self, key: str, recipient: str, message_id: str, checksum: str, state: str,
               attempts: int, error: str | None = None) -> None:
        """Written right after each attempt, so a crash between letters loses nothing."""
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        self.connection.execute(
            "insert into letters (key, recipient, message_id, checksum, state, attempts, error, updated_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?) on conflict(key) do update set recipient = excluded.recipient, "
            "message_id = excluded.message_id, checksum = excluded.checksum, state = excluded.state, "
            "attempts = letters.attempts + excluded.attempts, error = excluded.error, "
            "updated_at = excluded.updated_at",
            (key, recipient, message_id, checksum, state, attempts, error, now))

    def entries(self) -> list[Entry]:
        rows = self.connection.execute(
            "select key, recipient, message_id, checksum, state, attempts, error from letters order by key")
        return [Entry(*row) for row in rows]
