"""One error hierarchy for everything a user can get wrong or a run can hit.

Every message ends with what to do. The CLI turns these into one readable line
and exit code 2 (user's input or config) or 1 (our fault); a traceback is shown
only with ``--debug``.
"""

from __future__ import annotations


class SalespackError(Exception):
    """Base of the errors the CLI reports without a traceback."""

    exit_code = 1

    def __init__(self, message: str, hint: str = ""):
        self.message = message
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        separator = "\n" if "\n" in self.message else " "  # a multi-line summary gets its hint on a line of its own
        return f"{self.message}{separator}{self.hint}".strip()


class InputError(SalespackError):
    """An input file cannot be used: missing, unreadable, wrong columns, rejected rows."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None, hint: str = ""):
        self.file, self.row, self.column = file, row, column
        where = ", ".join(
            part for part in (
                file,
                f"row {row}" if row is not None else None,
                f"column '{column}'" if column else None,
            ) if part
        )
        super().__init__(f"{where}: {message}" if where else message, hint)


class ConfigError(SalespackError):
    """The config file is unreadable or a key is misspelt or of the wrong type."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None,
                 hint: str = ""):
        self.file, self.key = file, key
        where = ", ".join(p for p in (file, f"key '{key}'" if key else None) if p)
        super().__init__(f"{where}: {message}" if where else message, hint)


class OutputsError(SalespackError):
    """The outputs folder cannot be written: the user's environment, not our fault."""

    exit_code = 2


class PeriodError(SalespackError):
    """A period given on the command line is not a month (or quarter) we understand."""

    exit_code = 2


class RenderError(SalespackError):
    """A document could not be laid out or written."""

    exit_code = 1


class DeliveryError(SalespackError):
    """Mail could not be sent to everyone; the ledger knows who is left."""

    exit_code = 1


class LockError(SalespackError):
    """Another run holds the outputs folder."""

    exit_code = 1
