"""One error hierarchy for everything a user can get wrong or a run can hit.

Every message ends with what to do. The CLI turns these into one readable line
and exit code 2 (user's input or config) or 1 (our fault); a traceback is shown
only with ``--debug``.
"""

from __future__ import annotations

# Exit codes: 0 done, 2 the user's input, config or environment, 1 a fault of ours, and
# 75 "try again later" (sysexits' EX_TEMPFAIL): another run holds the lock, or letters
# are left unsent after retries. A cron wrapper can retry on 75 alone.
TRY_AGAIN_LATER = 75


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

    def __reduce__(self):
        # Raised in a layout worker, it crosses back as it was (not re-initialised from its text).
        return _restore, (type(self), self.args, self.__dict__)


def _restore(kind: type, args: tuple, state: dict) -> SalespackError:
    error = kind.__new__(kind)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


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


class TemplateError(SalespackError):
    """A template or stylesheet (usually the user's copy) cannot be used: file and line."""

    exit_code = 2

    def __init__(self, message: str, file: str | None = None, line: int | None = None, hint: str = ""):
        self.file, self.line = file, line
        where = ", ".join(part for part in (file, f"line {line}" if line else None) if part)
        message = message if message.endswith((".", "。")) else f"{message}."
        super().__init__(f"{where}: {message}" if where else message, hint or (
            "Fix the template (your copy in templates/), or delete your copy to use the project's."))


class DeliveryError(SalespackError):
    """Mail could not be sent to everyone; the ledger knows who is left."""

    exit_code = TRY_AGAIN_LATER


class DeliveryRefused(DeliveryError):
    """Letters or posts are left for a reason retrying cannot mend (an address the server
    refuses, a setting or robot key that does not match): a person must act."""

    exit_code = 2


class LockError(SalespackError):
    """Another run holds the outputs folder."""

    exit_code = TRY_AGAIN_LATER
