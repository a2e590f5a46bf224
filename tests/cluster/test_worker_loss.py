"""A worker killed mid-run: the scheduler runs its jobs again on another worker, every
document arrives whole, and the run writes each one atomically (no partial file)."""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time

import pytest

pytest.importorskip("distributed")

from pipeline.render.cluster import ClusterLost, cluster_pool  # noqa: E402
from pipeline.render.output import write_bytes  # noqa: E402

from . import jobs  # noqa: E402
from .conftest import started_cluster  # noqa: E402

DOCUMENTS, SECONDS = 4, 2.0


def test_jobs_of_a_killed_worker_run_elsewhere(tmp_path):
    cluster = started_cluster(tmp_path / "cluster", workers=2)
    outputs = tmp_path / "outputs"
    try:
        with cluster_pool(cluster.address, timeout_s=10) as pool:
            futures = [pool.submit(jobs.document, number, SECONDS) for number in range(DOCUMENTS)]
            time.sleep(SECONDS / 2)  # each worker is in the middle of its first document
            cluster.kill("worker-0")
            made = [future.result(timeout=120) for future in futures]
            for number, ((data, digest), _worker) in enumerate(made):
                write_bytes(outputs / f"document-{number}.pdf", data)
    finally:
        cluster.close()
    survivor = cluster.workers["worker-1"]
    assert [worker for _sealed, worker in made] == [survivor] * DOCUMENTS
    for number, ((data, digest), _worker) in enumerate(made):
        assert data == f"%PDF-1.7 document {number}\n".encode() * 1000
        assert hashlib.sha256((outputs / f"document-{number}.pdf").read_bytes()).hexdigest() == digest
    assert sorted(path.name for path in outputs.iterdir()) == [f"document-{n}.pdf" for n in range(DOCUMENTS)]
    local = tmp_path / "cluster" / "worker-1-local"
    assert not [path for path in local.rglob("*") if path.is_file() and "document" in path.name]


def test_jobs_fail_when_no_worker_is_left_instead_of_waiting(tmp_path):
    """Dask would keep the jobs waiting for a new worker forever; the pool gives up after
    its workers timeout, with an exit-75 error (try again later)."""
    cluster = started_cluster(tmp_path, workers=2)
    try:
        with cluster_pool(cluster.address, timeout_s=10, workers_timeout_s=3) as pool:
            futures = [pool.submit(jobs.document, number, SECONDS) for number in range(DOCUMENTS)]
            time.sleep(SECONDS / 2)
            cluster.kill("worker-0")
            cluster.kill("worker-1")
            started = time.monotonic()
            errors = [future.exception(timeout=60) for future in futures]
            waited = time.monotonic() - started
    finally:
        cluster.close()
    assert all(isinstance(error, ClusterLost) and error.exit_code == 75 for error in errors), errors
    assert f"the Dask cluster at {cluster.address} has had no worker for 3 s" in str(errors[0])
    assert 3 <= waited < 25  # not the 60 s the futures were given


def test_jobs_fail_when_the_scheduler_is_lost(tmp_path):
    cluster = started_cluster(tmp_path, workers=1)
    try:
        with cluster_pool(cluster.address, timeout_s=10) as pool:
            futures = [pool.submit(jobs.document, number, SECONDS) for number in range(2)]
            time.sleep(SECONDS / 2)
            cluster.kill("scheduler")
            errors = [future.exception(timeout=60) for future in futures]
    finally:
        cluster.close()
    assert all(isinstance(error, ClusterLost) and error.exit_code == 75 for error in errors), errors
    assert f"the Dask scheduler at {cluster.address} dropped a document job" in str(errors[0])


def test_a_job_that_kills_every_worker_it_runs_on_is_given_up(tmp_path):
    """A worker under a nanny comes back after a crash; Dask gives a job up once it has
    killed 4 workers (distributed.scheduler.allowed-failures: 3): an exit-75 error naming
    the last worker, not an endless loop."""
    cluster = started_cluster(tmp_path, workers=0)
    try:
        cluster.start_worker("phoenix", nanny=True)
        cluster.worker_address("phoenix")
        with cluster_pool(cluster.address, timeout_s=30) as pool:
            error = pool.submit(os._exit, 1).exception(timeout=120)
    finally:
        cluster.close()
    assert isinstance(error, ClusterLost) and error.exit_code == 75, error
    assert "a document job ran on 4 Dask workers that all died while running it" in str(error)


def test_a_pool_closed_with_jobs_in_flight_leaves_the_process_able_to_use_the_cluster(tmp_path):
    """Dask settles every client's futures in one callback thread per process. When the run
    stops with jobs in flight, their callbacks may run after the client has closed (on a
    loaded machine): a callback that then calls into the closed client fails ("IOLoop is
    closed") or, while its loop is stopping, waits forever, and then no later job of the
    process settles, nor does the process exit (CI hung so). The callback thread is held
    up here until the pool has closed, as a loaded machine would."""
    from distributed import Future
    cluster = started_cluster(tmp_path, workers=1)
    held = threading.Event()
    try:
        with cluster_pool(cluster.address, timeout_s=10) as pool:
            stopped = [pool.submit(jobs.document, number, SECONDS) for number in range(2)]
            Future._cb_executor.submit(held.wait, 60)
            time.sleep(SECONDS / 2)
        held.set()
        errors = [future.exception(timeout=10) for future in stopped]
        with cluster_pool(cluster.address, timeout_s=10) as pool:
            later = pool.submit(jobs.add, 1, 2).result(timeout=60)
    finally:
        held.set()
        cluster.close()
    assert all(isinstance(error, ClusterLost) for error in errors), errors
    assert "the run stopped before this document job was done" in str(errors[0])
    assert later == 3


def test_jobs_of_a_worker_that_hangs_run_elsewhere_once_the_scheduler_drops_it(tmp_path, monkeypatch):
    """A worker that freezes mid-document (no crash, no closed connection) keeps its jobs
    until the scheduler stops hearing from it for its worker-ttl (5 minutes by default; 5 s
    here): then they run on another worker, and the run completes."""
    monkeypatch.setenv("DASK_DISTRIBUTED__SCHEDULER__WORKER_TTL", "5s")
    cluster = started_cluster(tmp_path, workers=2)
    frozen = cluster.processes["worker-0"]
    thaw = threading.Timer(90, frozen.send_signal, (signal.SIGCONT,))  # a failing test still ends
    try:
        with cluster_pool(cluster.address, timeout_s=10) as pool:
            futures = [pool.submit(jobs.document, number, SECONDS) for number in range(DOCUMENTS)]
            time.sleep(SECONDS / 2)  # each worker is in the middle of its first document
            frozen.send_signal(signal.SIGSTOP)
            thaw.start()
            made = [future.result(timeout=60) for future in futures]
    finally:
        thaw.cancel()
        frozen.send_signal(signal.SIGCONT)
        cluster.close()
    assert [worker for _sealed, worker in made] == [cluster.workers["worker-1"]] * DOCUMENTS
    for number, ((data, digest), _worker) in enumerate(made):
        assert data == f"%PDF-1.7 document {number}\n".encode() * 1000
        assert hashlib.sha256(data).hexdigest() == digest
