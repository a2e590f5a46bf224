"""Writing outputs so that a crash never leaves a half-written file: each file is
written under a temporary name in its folder and renamed into place, and each period
folder is built under a staging name and swapped in whole."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Made:
    """What a document job made, as data: each file's bytes under its path in the period
    folder, with its sha256 taken where it was made, and any other value the run needs
    back. The run writes the files (``land``); the job's process, perhaps on another
    machine, writes nothing."""

    files: tuple[tuple[str, bytes, str], ...]  # (relative path, bytes, sha256)
    value: object = None

    @classmethod
    def of(cls, files: dict[str, bytes], value: object = None) -> Made:
        return cls(tuple((name, data, hashlib.sha256(data).hexdigest()) for name, data in files.items()), value)

    def data(self, name: str) -> bytes:
        return next(data for file, data, _digest in self.files if file == name)


class DamagedResult(RuntimeError):
    """A job's bytes differ from the sha256 taken where they were made."""


def land(made: Made, folder: Path) -> list[Path]:
    """Write each file of ``made`` atomically under ``folder`` after checking its sha256;
    a file that arrived damaged is never written."""
    for name, data, digest in made.files:
        if hashlib.sha256(data).hexdigest() != digest:
            raise DamagedResult(f"{name}: the bytes received differ from those made (sha256 {digest[:12]}…)")
    written = []
    for name, data, _digest in made.files:
        write_bytes(folder / name, data)
        written.append(folder / name)
    return written


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# A period folder is always one complete run: a run builds it under a staging name beside
# it and swaps it in only when everything is written.
STAGING, REPLACED, FAILED = ".staging-", ".replaced-", ".failed"


def failed_folder(target: Path) -> Path:
    """Where a run that did not complete leaves its ``run.log`` and ``rejects.csv``."""
    return target.with_name(target.name + FAILED)


def clear_abandoned(target: Path) -> None:
    """Undo what a killed run left beside ``target``: its staging folder, and a complete
    run it had moved aside to swap in its own (put back when the swap did not happen)."""
    parent = target.parent
    if not parent.is_dir():
        return
    for replaced in sorted(parent.glob(f".{target.name}{REPLACED}*")):
        if not target.exists():
            os.replace(replaced, target)
        else:
            shutil.rmtree(replaced, ignore_errors=True)
    for staging in parent.glob(f".{target.name}{STAGING}*"):
        shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def staged_folder(target: Path, keep: tuple[str, ...] = ("ledger.sqlite",), leave_on_failure=("run.log", "rejects.csv")):
    """Yield a new, empty staging folder beside ``target``; when the block completes, it
    replaces ``target`` in one rename (the files named in ``keep`` carried over from the
    run it replaces). When the block fails, ``target`` is left exactly as it was, and the
    staging folder's ``leave_on_failure`` files go to ``failed_folder(target)``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clear_abandoned(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{STAGING}", dir=target.parent))
    os.chmod(staging, 0o777 & ~_umask())
    try:
        yield staging
    except BaseException:
        failed = failed_folder(target)
        shutil.rmtree(failed, ignore_errors=True)
        failed.mkdir()
        for name in leave_on_failure:
            if (staging / name).exists():
                os.replace(staging / name, failed / name)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for name in keep:
        if (target / name).exists():
            shutil.copy2(target / name, staging / name)
    replaced = target.with_name(f".{target.name}{REPLACED}{staging.name.rpartition(STAGING)[2]}")
    if target.exists():
        os.replace(target, replaced)
    os.replace(staging, target)
    shutil.rmtree(replaced, ignore_errors=True)
    shutil.rmtree(failed_folder(target), ignore_errors=True)
