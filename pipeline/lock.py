"""One run at a time per outputs folder: an exclusive, non-blocking file lock that
the operating system releases when the process ends, however it ends."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
from pathlib import Path

from .errors import LockError


@contextlib.contextmanager
def outputs_lock(outputs: Path):
    outputs.mkdir(parents=True, exist_ok=True)
    path = outputs / ".salespack.lock"
    handle = open(path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LockError(f"another salespack run is using {outputs} ({holder}).",
                            "Wait for it to finish; this run did nothing.") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, since {dt.datetime.now().isoformat(timespec='seconds')}")
        handle.flush()
        yield
    finally:
        handle.close()
