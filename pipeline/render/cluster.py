"""Lay documents out on an existing Dask cluster instead of the local process pool.

``cluster_pool(address, timeout_s)`` connects a ``distributed.Client`` to a scheduler
someone else runs and yields an executor with the local pool's interface
(``.submit(fn, *args) -> concurrent.futures.Future``). A worker is trusted with a
document only when it would lay it out as this machine does: the same salespack code,
WeasyPrint and Pango, the same project templates, and the same font files behind the CJK
families the stylesheets name (other fonts paginate differently). Every worker is checked when the
pool opens, and every job checks its own worker again before it runs, so a worker that
joins later gets no document either unless it matches.

Jobs return their documents as bytes with their sha256 (``sealed``); the run verifies
them (``verify``, ``checked``) and writes them itself: a worker needs no shared disk.

Dask is an optional extra (``pip install salespack[cluster]``): it is imported only here,
and only when a pool is opened.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import functools
import hashlib
import logging
import pickle
import re
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import weasyprint
from weasyprint.text.ffi import pango

from .. import __version__
from ..errors import TRY_AGAIN_LATER, SalespackError
from .fonts import CUT_FAMILIES
from .pdf import PROJECT_TEMPLATES, quiet_collector

PACKAGE = Path(__file__).resolve().parents[1]  # pipeline/
log = logging.getLogger("salespack")

SCHEDULER_ENV = "SALESPACK_SCHEDULER"
CLUSTER_HINT = ("Check the address, that the scheduler runs and that this machine can reach it "
                f"(--scheduler, {SCHEDULER_ENV} or the config's cluster.scheduler); without one, documents are "
                "laid out here.")


class ClusterError(SalespackError):
    """The Dask cluster cannot be used for this run: the user's environment (exit 2)."""

    exit_code = 2


class SchedulerUnreachable(ClusterError):
    def __init__(self, address: str, timeout_s: float, reason: str = ""):
        self.address, self.timeout_s = address, timeout_s
        said = f" ({reason})" if reason else ""
        super().__init__(f"could not reach the Dask scheduler at {address} within {timeout_s:g} s{said}.",
                         CLUSTER_HINT)


class NoWorkers(ClusterError):
    def __init__(self, address: str, waited_s: float):
        self.address, self.waited_s = address, waited_s
        super().__init__(f"the Dask scheduler at {address} had no workers after {waited_s:g} s.",
                         "Start workers for it (dask worker " + address + "), or run without --scheduler "
                         "to lay the documents out here.")


class WorkerMismatch(ClusterError):
    """Workers that would lay documents out differently from this machine:
    ``differences`` maps a worker's address to items such as "fonts: resolves ..."."""

    def __init__(self, differences: dict[str, list[str]]):
        self.differences = differences
        lines = [f"{item.split(':', 1)[0]}: worker {worker} {item.split(':', 1)[1].strip()}"
                 for worker, items in differences.items() for item in items]
        head = f"{len(differences)} Dask worker(s) do not match this machine, so documents could differ"
        super().__init__(head + ":\n  " + "\n  ".join(lines),
                         "Install the same salespack version, WeasyPrint and fonts (fonts-noto-cjk) on every "
                         "worker as here, or stop those workers.")


class WorkersNotAnswering(ClusterError):
    """Workers that did not answer salespack's check in time (hung, or overloaded). The
    scheduler drops a worker it has not heard from for its worker-ttl (5 minutes by
    default), so trying again later may succeed."""

    exit_code = TRY_AGAIN_LATER

    def __init__(self, workers: list[str], waited_s: float):
        self.workers, self.waited_s = workers, waited_s
        super().__init__(f"{len(workers)} Dask worker(s) did not answer salespack's check within {waited_s:g} s "
                         f"(hung, or overloaded): {_first_few(workers)}.",
                         "Restart those workers, or wait until the scheduler drops them (its worker-ttl, 5 minutes "
                         "by default), and run again; or run without --scheduler.")


class ClusterLost(ClusterError):
    """The cluster went away mid-run (scheduler gone, a job's workers kept dying)."""

    exit_code = TRY_AGAIN_LATER


class ResultCorrupted(ClusterError):
    """A document's bytes do not match the sha256 its worker computed."""

    exit_code = TRY_AGAIN_LATER


# -- what a worker must share with this machine --------------------------------------------

GENERIC_FAMILIES = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "emoji", "math"}
# Not named by a stylesheet, but fontconfig falls back to it for the emoji in names.
FALLBACK_FAMILIES = ("Noto Color Emoji",)
WEIGHTS = ("regular", "bold")


def font_families(templates: Path = PROJECT_TEMPLATES) -> list[str]:
    """The families the templates' stylesheets name (not generic ones, not the cuts a
    document carries itself)."""
    families: dict[str, None] = {}
    for css in sorted(templates.rglob("*.css")):
        for declaration in re.findall(r"font-family\s*:\s*([^;}]+)", css.read_text(encoding="utf-8")):
            for name in declaration.split(","):
                name = name.strip().strip("\"'").strip()
                if name and name.lower() not in GENERIC_FAMILIES and name not in CUT_FAMILIES:
                    families.setdefault(name)
    return list(families)


def fingerprint() -> dict:
    """What decides how this process lays a document out: salespack, WeasyPrint and
    Pango versions, the sha256 of each salespack source file (.py, .po) and of each
    project template file, and for each font family the stylesheets name (regular and
    bold; and the emoji fallback) the face fontconfig resolves and its file's sha256."""
    fonts = {f"{family} {weight}": _resolved_face(f"{family}:weight={weight}")
             for family in font_families() for weight in WEIGHTS}
    fonts |= {family: _resolved_face(family) for family in FALLBACK_FAMILIES}
    version = pango.pango_version()
    return {"salespack": __version__, "weasyprint": weasyprint.__version__,
            "pango": f"{version // 10000}.{version // 100 % 100}.{version % 100}",
            # A worker computes a team's figures too: the same version number is not enough.
            "code": _files_sha256(PACKAGE, (".py", ".po")),
            "templates": _files_sha256(PROJECT_TEMPLATES), "fonts": fonts}


def _resolved_face(pattern: str) -> dict:
    if shutil.which("fc-match") is None:
        return {"family": None, "file": None, "index": None, "sha256": None}
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}\n%{index}\n%{family}", pattern],
                               capture_output=True, text=True, timeout=20, check=True).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return {"family": None, "file": None, "index": None, "sha256": None}
    file, index, family = (found + ["", "", ""])[:3]
    path = Path(file)
    return {"family": family.split(",")[0] or None, "file": file or None, "index": int(index or 0),
            "sha256": _file_sha256(str(path), *_stamp(path)) if path.is_file() else None}


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


@functools.lru_cache(maxsize=64)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    """A font file's sha256 (CJK collections are ~20 MB: hashed once per file version)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files_sha256(folder: Path, suffixes: tuple[str, ...] | None = None) -> dict[str, str]:
    """Each file's sha256 under ``folder`` by relative path (hidden files and caches aside)."""
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and (suffixes is None or path.suffix in suffixes)
            and not any(part.startswith(".") or part == "__pycache__" for part in path.relative_to(folder).parts)}


def differences(ours: dict, theirs: dict) -> list[str]:
    """How ``theirs`` (a worker's fingerprint) differs from ``ours``, one "item: ..." each."""
    found = []
    for item in ("salespack", "weasyprint", "pango"):
        if theirs.get(item) != ours.get(item):
            found.append(f"{item}: has {item} {theirs.get(item)}, here {ours.get(item)}")
    for item, what in (("code", "salespack: has other salespack code"), ("templates", "templates: has other "
                                                                          "project templates")):
        if said := _files_differ(ours.get(item, {}), theirs.get(item, {})):
            found.append(f"{what} ({said})")
    for face, here in ours.get("fonts", {}).items():
        there = theirs.get("fonts", {}).get(face) or {}
        if there.get("family") != here.get("family"):
            found.append(f"fonts: resolves {face} to {there.get('family') or 'no font'} "
                         f"({there.get('file') or 'no file'}), here to {here.get('family')} ({here.get('file')})")
        elif (there.get("sha256"), there.get("index")) != (here.get("sha256"), here.get("index")):
            found.append(f"fonts: resolves {face} from other files (sha256 {_short(there.get('sha256'))} "
                         f"in {there.get('file')} vs {_short(here.get('sha256'))} here)")
    return found


def _files_differ(mine: dict[str, str], other: dict[str, str]) -> str:
    changed = sorted(name for name in mine.keys() & other.keys() if mine[name] != other[name])
    missing, extra = sorted(mine.keys() - other.keys()), sorted(other.keys() - mine.keys())
    return "; ".join(f"{_first_few(names)} {what}"
                     for names, what in ((changed, "differ"), (missing, "missing"), (extra, "extra")) if names)


def _first_few(names: list[str]) -> str:
    """The first four names, and an ellipsis for the rest."""
    return ", ".join(names[:4]) + (" …" if len(names) > 4 else "")


def _short(digest: str | None) -> str:
    return f"{digest[:12]}…" if digest else "none"


@functools.lru_cache(maxsize=1)
def _worker_fingerprint() -> dict:
    """This worker process's fingerprint, computed once, and the collector tuned for
    layout as in the local pool's workers."""
    quiet_collector()
    return fingerprint()


class _Call:
    """``function(*args)``, pickled so that loading it runs it. A job crosses the
    scheduler as ``pickle.loads(bytes)``: the scheduler unpickles task graphs, and this
    way it needs nothing of salespack's (nor pandas, pydantic...) to relay the job; the
    worker runs the job as it loads it."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def _shipped(function, *args) -> bytes:
    import cloudpickle
    return cloudpickle.dumps(_Call(function, *args), protocol=5)


def _guarded(expected: dict, function, args: tuple, kwargs: dict):
    """Run on a worker: refuse the job when the worker does not match the run's machine."""
    found = differences(expected, _worker_fingerprint())
    if found:
        from distributed import get_worker
        raise WorkerMismatch({get_worker().address: found})
    return function(*args, **kwargs)


# -- documents as bytes -------------------------------------------------------------------

def sealed(data: bytes) -> tuple[bytes, str]:
    """``data`` with its sha256, as a job returns a document."""
    return data, hashlib.sha256(data).hexdigest()


def verify(data: bytes, digest: str, document: str = "a document") -> bytes:
    """``data`` when its sha256 is ``digest``; otherwise ResultCorrupted naming ``document``."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise ResultCorrupted(f"{document} arrived damaged from its worker: {len(data)} bytes with sha256 "
                              f"{_short(actual)}, the worker sent {_short(digest)}.",
                              "Run again; if it repeats, check the network and memory of the Dask workers.")
    return data


_DIGEST = re.compile(r"[0-9a-f]{64}")


def checked(payload: Any) -> Any:
    """``payload`` unchanged, once every bytes in it followed by its sha256 (``(bytes,
    sha256)``, ``(name, bytes, sha256)``; in tuples, named tuples, lists, dicts,
    dataclasses) is verified."""
    if isinstance(payload, (tuple, list)):
        for index, item in enumerate(payload):
            following = payload[index + 1] if index + 1 < len(payload) else None
            if isinstance(item, (bytes, bytearray)) and isinstance(following, str) and _DIGEST.fullmatch(following):
                verify(bytes(item), following, _named(payload, index))
            else:
                checked(item)
    elif isinstance(payload, dict):
        for item in payload.values():
            checked(item)
    elif dataclasses.is_dataclass(payload) and not isinstance(payload, type):
        for field in dataclasses.fields(payload):
            checked(getattr(payload, field.name))
    return payload


def _named(sequence, index: int) -> str:
    """The name a ``(name, bytes, sha256)`` entry gives its bytes, for messages."""
    before = sequence[index - 1] if index else None
    return before if isinstance(before, str) and not _DIGEST.fullmatch(before) else "a document"


# -- the executor -----------------------------------------------------------------------

# The longest a finished document's bytes may take to arrive (a large pack part is a few MB).
FETCH_TIMEOUT_S = 120.0

class ClusterExecutor:
    """``submit(fn, *args) -> concurrent.futures.Future`` on a Dask cluster. The future
    holds ``fn``'s value (its ``(bytes, sha256)`` pairs verified) or its exception, and it
    always settles: a run waits on it without a limit.

    Dask runs a job again elsewhere when its worker is lost, and keeps it waiting for a
    worker when none is left, however long: after ``workers_timeout_s`` without any
    worker, the jobs still pending fail with ClusterLost instead. No call this executor
    makes into the client from a thread of its own waits longer than ``timeout_s`` (or
    ``FETCH_TIMEOUT_S`` for a document's bytes): once the client has closed, its event loop
    stops, and a call without a limit would wait forever."""

    def __init__(self, client, address: str, expected: dict, workers_timeout_s: float, timeout_s: float = 10.0):
        self.client, self.address, self.expected = client, address, expected
        self.workers_timeout_s, self.timeout_s = workers_timeout_s, timeout_s
        self._pending: dict[str, tuple[Any, concurrent.futures.Future]] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._watch: threading.Thread | None = None

    def submit(self, function, *args, **kwargs) -> concurrent.futures.Future:
        name = getattr(args[0] if args and callable(args[0]) else function, "__name__", "job")
        remote = self.client.submit(pickle.loads, _shipped(_guarded, self.expected, function, args, kwargs),
                                    pure=False, key=f"salespack-{name}-{uuid.uuid4().hex}")
        local: concurrent.futures.Future = concurrent.futures.Future()
        local.set_running_or_notify_cancel()
        with self._lock:
            self._pending[remote.key] = (remote, local)
            if self._watch is None:
                self._watch = threading.Thread(target=self._watch_cluster, name="salespack-cluster-watch",
                                               daemon=True)
                self._watch.start()
        remote.add_done_callback(functools.partial(self._settle, local))
        return local

    def _settle(self, local: concurrent.futures.Future, remote) -> None:
        """Fetch the finished job's value or error into ``local``. This runs in Dask's one
        callback thread, shared by every client of the process: were it to wait forever (on
        a closed client), no later job of the process would settle, nor would the process
        exit (its thread is joined at exit)."""
        with self._lock:
            self._pending.pop(remote.key, None)
        if local.done():  # failed already (no worker left, the run stopped): nothing to fetch
            return
        if self._closed.is_set() or remote.status == "cancelled":
            _resolve(local, error=self._dropped())
            return
        try:
            if remote.status == "error":  # the job's own error, or KilledWorker: no bytes to fetch
                _resolve(local, error=self._job_error(remote))
            else:
                _resolve(local, value=checked(remote.result(timeout=FETCH_TIMEOUT_S)))
        except ResultCorrupted as error:
            _resolve(local, error=error)
        except concurrent.futures.CancelledError:
            _resolve(local, error=self._dropped())
        except Exception as error:  # the client could not fetch it (closed, timed out, workers gone)
            _resolve(local, error=ClusterLost(
                f"a document job finished on the Dask cluster at {self.address}, but its result could not be "
                f"fetched ({type(error).__name__}: {str(error)[:200] or 'no detail'}).",
                "Run again; if it repeats, check the network between this machine and the workers."))

    def _job_error(self, remote) -> BaseException:
        """A failed job's error as a local pool would hand it back; a job that killed every
        worker it ran on, as ClusterLost."""
        from distributed.scheduler import KilledWorker
        error = remote.exception(timeout=self.timeout_s)
        if isinstance(error, KilledWorker):
            return ClusterLost(
                f"a document job ran on {error.allowed_failures + 1} Dask workers that all died while running "
                f"it (the last {getattr(error.last_worker, 'address', error.last_worker)}).",
                "Look at those workers' logs (memory limits kill workers); run again, or without --scheduler.")
        return error.with_traceback(remote.traceback(timeout=self.timeout_s))

    def _dropped(self) -> ClusterLost:
        return ClusterLost(f"the Dask scheduler at {self.address} dropped a document job (scheduler stopped or "
                           "unreachable).", "Run again when the cluster is back, or without --scheduler.")

    def _watch_cluster(self) -> None:
        """Fail the pending jobs when the cluster cannot do them: no worker for
        ``workers_timeout_s``, or the client gave up on the scheduler (Dask cancels the jobs
        it knew of then, but not one submitted while it was reconnecting)."""
        alone_since = None
        while not self._closed.wait(1.0):
            with self._lock:
                waiting = bool(self._pending)
            if not waiting:
                alone_since = None
                continue
            if self.client.status in ("closing", "closed"):
                self.fail_pending(self._dropped())
                continue
            try:
                workers = len(self.client.nthreads(callback_timeout=self.timeout_s))
            except Exception:  # the scheduler is unreachable: the client reconnects, or closes
                continue
            if workers != 0:
                alone_since = None
                continue
            alone_since = alone_since or time.monotonic()
            if time.monotonic() - alone_since >= self.workers_timeout_s:
                self.fail_pending(ClusterLost(
                    f"the Dask cluster at {self.address} has had no worker for {self.workers_timeout_s:g} s, "
                    "with documents still to lay out.", "Run again when workers are back, or without --scheduler."))

    def fail_pending(self, error: BaseException) -> None:
        """Every job not yet done fails with ``error``; the cluster forgets them (released
        without waiting: the scheduler may be gone)."""
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
        for remote, local in pending:
            _resolve(local, error=error)
            with contextlib.suppress(Exception):
                remote.release()

    def close(self) -> None:
        """Fail what is still pending and stop watching; before the client closes."""
        self.fail_pending(ClusterLost("the run stopped before this document job was done."))
        self._closed.set()


def _resolve(local: concurrent.futures.Future, value: Any = None, error: BaseException | None = None) -> None:
    """Settle ``local`` once (the watch and Dask's callback may both try)."""
    with contextlib.suppress(concurrent.futures.InvalidStateError):
        if error is not None:
            local.set_exception(error)
        else:
            local.set_result(value)


# How long a worker may take to answer salespack's check (a first fingerprint runs fc-match
# and hashes the CJK font files; a worker without a font cache builds it first).
CHECK_TIMEOUT_S = 120.0
_NO_ANSWER = object()


def ask_each(client, function, timeout_s: float = CHECK_TIMEOUT_S) -> dict[str, Any]:
    """``function()`` run on every worker at once: its value, or the exception it raised,
    by worker address. WorkersNotAnswering naming each worker that did not answer within
    ``timeout_s``: one hung worker would otherwise hold the run forever (Dask's own
    broadcast waits for every worker without a limit)."""
    workers = sorted(client.nthreads(callback_timeout=timeout_s))
    shipped = _shipped(function)

    def ask(worker: str) -> Any:
        try:
            answers = client.run(pickle.loads, shipped, workers=[worker], on_error="return",
                                 callback_timeout=timeout_s)
        except TimeoutError:
            return _NO_ANSWER
        return answers.get(worker, _NO_ANSWER)

    with concurrent.futures.ThreadPoolExecutor(max_workers=min(32, len(workers) or 1),
                                               thread_name_prefix="salespack-check") as threads:
        answers = dict(zip(workers, threads.map(ask, workers)))
    silent = [worker for worker, answer in answers.items() if answer is _NO_ANSWER]
    if silent:
        raise WorkersNotAnswering(silent, timeout_s)
    return answers


def check_workers(client, expected: dict, timeout_s: float = CHECK_TIMEOUT_S) -> list[str]:
    """Run ``fingerprint`` on every worker; WorkerMismatch naming each that differs. The
    addresses checked, otherwise."""
    found = ask_each(client, fingerprint, timeout_s)
    mismatched: dict[str, list[str]] = {}
    for worker, theirs in sorted(found.items()):
        if isinstance(theirs, BaseException):
            mismatched[worker] = [f"salespack: cannot compute its fingerprint "
                                  f"({type(theirs).__name__}: {theirs}); is salespack installed there?"]
        elif found_differences := differences(expected, theirs):
            mismatched[worker] = found_differences
    if mismatched:
        raise WorkerMismatch(mismatched)
    return sorted(found)


PROFILER_KEY = "distributed.worker.profile.enabled"
PROFILER_ENV = "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False"


def profiler_on() -> bool:
    """Run on a worker: whether Dask's statistical profiler samples its threads' stacks
    (every 10 ms by default). Layout's deep stacks make each sample dear: the bench's
    documents took 8% (scale 0.1) to 25% (scale 0.25) longer with it on."""
    import dask
    return bool(dask.config.get(PROFILER_KEY, default=True))


def say_slow_workers(client, timeout_s: float = CHECK_TIMEOUT_S) -> None:
    """Log, once, the workers that lay documents out slower than they could (the profiler
    on, or several threads sharing one GIL)."""
    found = ask_each(client, profiler_on, timeout_s)
    profiled = sorted(worker for worker, on in found.items() if on is True)
    threaded = sorted(worker for worker, threads in client.nthreads(callback_timeout=timeout_s).items()
                      if threads > 1)
    if profiled:
        log.warning("%d of %d Dask workers run Dask's profiler, which slowed layout by 8-25%% in our measurements: "
                    "start them with %s (%s)", len(profiled), len(found), PROFILER_ENV, _first_few(profiled))
    if threaded:
        log.warning("%d Dask workers have more than one thread; layout holds the GIL, so their threads take turns: "
                    "start them with --nthreads 1 (several per host) (%s)", len(threaded), _first_few(threaded))


@contextlib.contextmanager
def cluster_pool(address: str, timeout_s: float = 10.0, workers_timeout_s: float | None = None,
                 check_timeout_s: float = CHECK_TIMEOUT_S) -> Iterator[ClusterExecutor]:
    """An executor on the Dask scheduler at ``address``: connected within ``timeout_s``
    (SchedulerUnreachable), with a worker within ``workers_timeout_s`` (NoWorkers;
    default ``timeout_s``), every worker answering within ``check_timeout_s``
    (WorkersNotAnswering) and matching this machine (WorkerMismatch). On exit
    the client is closed, and jobs still pending are cancelled; the cluster is left as it was."""
    try:
        from distributed import Client
    except ImportError as error:
        raise ClusterError(f"--scheduler needs Dask's distributed package, which is not installed ({error}).",
                           "Install it with: pip install 'salespack[cluster]' (make cluster-setup), or run "
                           "without --scheduler.") from None
    _check_address(address)
    expected = fingerprint()
    try:
        client = Client(address, timeout=timeout_s, set_as_default=False, name="salespack")
    except (OSError, TimeoutError) as error:
        raise SchedulerUnreachable(address, timeout_s, _reason(error)) from None
    waited = timeout_s if workers_timeout_s is None else workers_timeout_s
    executor = ClusterExecutor(client, address, expected, waited, timeout_s)
    try:
        try:
            client.wait_for_workers(1, timeout=waited)
        except (TimeoutError, OSError):
            raise NoWorkers(address, waited) from None
        workers = check_workers(client, expected, check_timeout_s)
        say_slow_workers(client, check_timeout_s)
        log.info("laying documents out on the Dask cluster at %s: %d worker(s), all matching this machine",
                 address, len(workers))
        yield executor
    finally:
        executor.close()
        with contextlib.suppress(Exception):
            client.close(timeout=timeout_s)


def _check_address(address: str) -> None:
    """ClusterError unless ``address`` is one Dask can connect to (checked before a Client
    is made: a Client that fails on its address takes 20 s to give up)."""
    from distributed.comm import parse_address
    from distributed.comm.registry import get_backend
    try:
        scheme, location = parse_address(address)
        get_backend(scheme)
        if not location or any(character.isspace() for character in location):
            raise ValueError("no host and port")
    except ValueError as error:
        raise ClusterError(f"{address!r} is not a Dask scheduler address ({error}).",
                           "Give it as tcp://host:8786. " + CLUSTER_HINT) from None


def _reason(error: BaseException) -> str:
    """What went wrong in connecting, when it says more than that the time ran out."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return "" if text.startswith("Timed out trying to connect") else text[:200]
