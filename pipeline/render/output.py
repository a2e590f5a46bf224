"""Writing outputs so that a crash never leaves a half-written file: each file is
written under a temporary name in its folder and renamed into place."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_target(target: Path):
    """Yield a temporary path beside ``target``; rename it over ``target`` on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are shared documents
    try:
        yield Path(temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_target(target) as temporary:
        temporary.write_bytes(data)


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
