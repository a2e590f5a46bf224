"""cluster_pool on a real scheduler with two workers: the workers' fingerprints equal
ours, jobs and their errors come back as the local pool hands them back, documents
arrive with their sha256 checked, and a scheduler that is not there is an exit-2 error
within the configured timeout."""

from __future__ import annotations

import pickle
import socket
import time

import pytest

pytest.importorskip("distributed")

from pipeline.errors import InputError, TemplateError  # noqa: E402
from pipeline.render import cluster as dask_cluster  # noqa: E402
from pipeline.render.cluster import (ClusterError, NoWorkers, ResultCorrupted, SchedulerUnreachable,  # noqa: E402
                                     cluster_pool, fingerprint)

from . import jobs  # noqa: E402
from .conftest import Cluster  # noqa: E402


def test_every_worker_has_our_fingerprint(cluster):
    from distributed import Client
    ours = fingerprint()
    with Client(cluster.address, timeout=10, set_as_default=False) as client:
        theirs = client.run(fingerprint)
    assert sorted(theirs) == sorted(cluster.workers.values())
    assert all(worker == ours for worker in theirs.values())
    assert {"Noto Sans CJK SC regular", "Noto Sans CJK SC bold", "Noto Serif CJK SC regular",
            "Noto Serif CJK SC bold"} <= set(ours["fonts"])
    assert all(face["sha256"] for face in ours["fonts"].values())
    assert "pack/template.html" in ours["templates"] and "base.css" in ours["templates"]


def test_a_job_runs_on_the_cluster_and_hands_back_its_value(cluster):
    with cluster_pool(cluster.address, timeout_s=10) as pool:
        futures = [pool.submit(jobs.add, n, 1) for n in range(4)]
        assert [future.result(timeout=60) for future in futures] == [1, 2, 3, 4]
        assert pool.submit(jobs.worker_address).result(timeout=60) in cluster.workers.values()


def test_our_errors_come_back_whole(cluster):
    """A SalespackError raised on a worker arrives as it was: class, message, hint, exit
    code and its own fields (the CLI prints these)."""
    with cluster_pool(cluster.address, timeout_s=10) as pool:
        with pytest.raises(TemplateError) as template:
            pool.submit(jobs.template_fault).result(timeout=60)
        with pytest.raises(InputError) as bad_input:
            pool.submit(jobs.input_fault).result(timeout=60)
        with pytest.raises(ZeroDivisionError):
            pool.submit(divmod, 1, 0).result(timeout=60)
    assert template.value.exit_code == 2
    assert template.value.message == "templates/pack/template.html, line 12: unknown field: 'c.nme'."
    assert template.value.hint == "Fix the field's name."
    assert (template.value.file, template.value.line) == ("templates/pack/template.html", 12)
    assert str(bad_input.value) == "sales.csv, row 7, column 'order_date': not a date Write it as 2026-10-31."
    assert (bad_input.value.row, bad_input.value.column, bad_input.value.exit_code) == (7, "order_date", 2)


def test_cluster_errors_pickle_whole():
    """Raised on a worker (a worker that does not match), they cross back intact."""
    error = dask_cluster.WorkerMismatch({"tcp://127.0.0.1:4567": ["fonts: resolves X from other files"]})
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.hint, copy.exit_code, copy.differences) == \
        (type(error), str(error), error.hint, 2, error.differences)


def test_documents_arrive_with_their_sha256_checked(cluster):
    with cluster_pool(cluster.address, timeout_s=10) as pool:
        (data, digest), _worker = pool.submit(jobs.document, 1, 0).result(timeout=60)
        assert data.startswith(b"%PDF-1.7 document 1") and dask_cluster.verify(data, digest) == data
        with pytest.raises(ResultCorrupted) as damaged:
            pool.submit(jobs.damaged).result(timeout=60)
    assert "arrived damaged" in str(damaged.value) and damaged.value.exit_code == 75


def test_an_unreachable_scheduler_is_an_exit_2_error_within_the_timeout():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    started = time.monotonic()
    with pytest.raises(SchedulerUnreachable) as unreachable:
        with cluster_pool(address, timeout_s=3):
            pytest.fail("connected to a closed port")
    elapsed = time.monotonic() - started
    assert elapsed < 15, f"took {elapsed:.1f} s with a 3 s timeout (Dask's own: 30 s)"
    assert unreachable.value.exit_code == 2
    assert f"could not reach the Dask scheduler at {address} within 3 s" in str(unreachable.value)
    assert "SALESPACK_SCHEDULER" in unreachable.value.hint


def test_an_address_that_is_not_one_is_an_exit_2_error():
    with pytest.raises(ClusterError) as wrong:
        with cluster_pool("http://127.0.0.1:8786", timeout_s=3):
            pytest.fail("connected to an http address")
    assert wrong.value.exit_code == 2 and "http://127.0.0.1:8786" in str(wrong.value)


def test_a_scheduler_without_workers_is_an_exit_2_error(tmp_path):
    lonely = Cluster(tmp_path)
    try:
        lonely.start_scheduler()
        started = time.monotonic()
        with pytest.raises(NoWorkers) as none:
            with cluster_pool(lonely.address, timeout_s=30, workers_timeout_s=2):
                pytest.fail("a pool without workers")
        assert time.monotonic() - started < 20  # workers_timeout_s, not timeout_s
    finally:
        lonely.close()
    assert none.value.exit_code == 2
    assert f"the Dask scheduler at {lonely.address} had no workers after 2 s" in str(none.value)
