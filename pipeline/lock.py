"""One run at a time per outputs folder: an exclusive, non-blocking lock that the
operating system releases when the process ends, however it ends.

The lock is taken on the outputs folder itself (flock on its descriptor), so a run
that stops on bad input leaves no lock file behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from .errors import LockError, OutputsError


@contextlib.contextmanager
def outputs_lock(outputs: Path):
    outputs = Path(outputs)
    try:
        outputs.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(outputs, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        problem = "is a file, not a folder" if outputs.is_file() else f"cannot be created or opened ({error.strerror})"
        raise OutputsError(f"the outputs folder {outputs} {problem}.",
                           "Choose a writable folder with --outputs.") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockError(f"another salespack run is using {outputs}.",
                            "Wait for it to finish; this run did nothing.") from None
        yield
    finally:
        os.close(descriptor)
