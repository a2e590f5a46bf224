"""A real Dask cluster on 127.0.0.1 for the cluster tests: a ``dask scheduler`` and
``dask worker`` processes started from this venv's ``dask`` entry point, as Dask's own
CLI tests do (``distributed.utils_test.popen``), each worker with one thread and its own
local directory, torn down (SIGTERM, then SIGKILL) even when a test fails.

These tests need Dask (``make cluster-setup``) and take a minute or two, so ``make test``
skips them: they run when tests/cluster is named on the command line (``make
cluster-test``) or SALESPACK_CLUSTER_TESTS=1.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sysconfig
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
DASK = Path(sysconfig.get_path("scripts")) / "dask"
STARTUP_S = 60  # a worker imports numpy & co. on a loaded CI machine


def pytest_collection_modifyitems(config, items):
    """Skip the cluster tests unless they were asked for by path or by environment."""
    if os.environ.get("SALESPACK_CLUSTER_TESTS") == "1" or any(_names_this_folder(config, arg) for arg in config.args):
        return
    skip = pytest.mark.skip(reason="cluster tests: run them with `make cluster-test` (or name tests/cluster)")
    for item in items:
        if Path(item.path).resolve().is_relative_to(HERE):
            item.add_marker(skip)


def _names_this_folder(config, arg: str) -> bool:
    path = Path(config.invocation_params.dir, arg.split("::", 1)[0]).resolve()
    return path.is_relative_to(HERE)


class Cluster:
    """A scheduler and its workers, as separate processes; ``close`` ends them all."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.processes: dict[str, subprocess.Popen] = {}
        self.address = ""
        self.workers: dict[str, str] = {}  # name -> address, of the workers started with the cluster

    def start_scheduler(self) -> str:
        """Start the scheduler on a free port (port 0: it writes its address to a file).

        It cannot import salespack (a stand-in package that refuses to load shadows it): a
        cluster's scheduler is someone else's, and salespack must not need to be installed there."""
        scheduler_file = self.folder / "scheduler.json"
        stand_in = self.folder / "scheduler-path" / "pipeline"
        stand_in.mkdir(parents=True, exist_ok=True)
        (stand_in / "__init__.py").write_text('raise ImportError("salespack is not installed on this scheduler")\n')
        environment = {**os.environ, "PYTHONPATH": str(stand_in.parent)}
        # Should the tests be killed before they end it, it ends itself (its workers follow
        # after their --death-timeout).
        self._start("scheduler", [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(scheduler_file), "--idle-timeout", "600"], environment)
        deadline = time.monotonic() + STARTUP_S
        while not self.address:
            self._still_running("scheduler")
            if time.monotonic() > deadline:
                pytest.fail(f"the scheduler did not start in {STARTUP_S} s:\n{self.log('scheduler')}")
            time.sleep(0.05)
            with contextlib.suppress(OSError, ValueError, KeyError):  # not written yet, or not whole
                self.address = json.loads(scheduler_file.read_text())["address"]
        return self.address

    def start_worker(self, name: str, env: dict | None = None, nanny: bool = False, threads: int = 1) -> None:
        """A worker with one thread and its own local directory; PYTHONPATH lets it import
        the test jobs (``tests.cluster.jobs``), as an installed salespack would be. Without
        a nanny, a killed worker stays dead; with one, it is started again."""
        # As the README asks of a cluster's workers: Dask's profiler off (it slows layout).
        environment = {**os.environ, "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False", **(env or {})}
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), environment.get("PYTHONPATH")]))
        local = self.folder / f"{name}-local"
        local.mkdir(exist_ok=True)
        self._start(name, [str(DASK), "worker", self.address, "--name", name, "--host", "127.0.0.1",
                           "--nthreads", str(threads), "--nanny" if nanny else "--no-nanny", "--no-dashboard", "--local-directory", str(local),
                           "--death-timeout", "60"], environment)

    def worker_address(self, name: str) -> str:
        """The address the scheduler knows the worker ``name`` by, once it has joined."""
        from distributed import Client
        deadline = time.monotonic() + STARTUP_S
        with Client(self.address, timeout=10, set_as_default=False) as client:
            while True:
                self._still_running(name)
                found = [address for address, worker in client.scheduler_info(n_workers=-1)["workers"].items()
                         if worker.get("name") == name]
                if found:
                    return found[0]
                if time.monotonic() > deadline:
                    pytest.fail(f"worker {name} did not join in {STARTUP_S} s:\n{self.log(name)}")
                time.sleep(0.1)

    def kill(self, name: str) -> None:
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop(self, name: str) -> None:
        """End ``name``: SIGTERM, then SIGKILL after 10 s; its whole process group."""
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        except ProcessLookupError:
            pass

    def close(self) -> None:
        for name in [name for name in self.processes if name != "scheduler"] + ["scheduler"]:
            self.stop(name)

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.is_file() else ""

    def _start(self, name: str, args: list[str], env: dict | None = None) -> None:
        with open(self.folder / f"{name}.log", "wb") as log:
            # A session of its own: stop() ends the process group, whatever it spawned.
            self.processes[name] = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env,
                                                    cwd=self.folder, start_new_session=True)

    def _still_running(self, name: str) -> None:
        process = self.processes[name]
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}:\n{self.log(name)}")


def started_cluster(folder: Path, workers: int = 2) -> Cluster:
    if not DASK.is_file():
        pytest.skip(f"{DASK} is missing: run make cluster-setup")
    cluster = Cluster(folder)
    try:
        cluster.start_scheduler()
        for number in range(workers):
            cluster.start_worker(f"worker-{number}")
        cluster.workers = {f"worker-{n}": cluster.worker_address(f"worker-{n}") for n in range(workers)}
    except BaseException:
        cluster.close()
        raise
    return cluster


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    """One scheduler and two matching workers for the session's tests."""
    pytest.importorskip("distributed")
    running = started_cluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield running
    finally:
        running.close()
