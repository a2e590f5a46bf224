"""A worker that would paginate differently gets no document: one whose fontconfig
resolves the CJK families to other font files is refused when the pool opens, and one
that joins an open pool refuses the job itself; the message names the worker and what
differs."""

from __future__ import annotations

import logging
import shutil
import signal
import subprocess
import threading
import time

import pytest

pytest.importorskip("distributed")

from pipeline.render.cluster import (WorkerMismatch, WorkersNotAnswering, cluster_pool, differences,  # noqa: E402
                                     fingerprint)

from . import jobs  # noqa: E402
from .conftest import started_cluster  # noqa: E402


def other_font_set(folder) -> dict:
    """The environment of a worker whose only font is an altered copy of Noto Sans CJK
    (the same family from another file, as a different fonts-noto-cjk release would be)."""
    system = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True, text=True,
                            check=True).stdout
    fonts = folder / "other-fonts"
    fonts.mkdir()
    copy = fonts / "NotoSansCJK-Regular.ttc"
    shutil.copyfile(system, copy)
    with open(copy, "r+b") as handle:  # the last bytes of the last table: still a font fontconfig reads
        handle.seek(-16, 2)
        tail = handle.read(16)
        handle.seek(-16, 2)
        handle.write(bytes(byte ^ 0xFF for byte in tail))
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
                    f"<fontconfig><dir>{fonts}</dir><cachedir>{folder / 'fontconfig-cache'}</cachedir></fontconfig>\n")
    return {"FONTCONFIG_FILE": str(conf)}


def test_a_worker_with_other_fonts_is_refused(tmp_path):
    cluster = started_cluster(tmp_path, workers=1)
    try:
        good = cluster.workers["worker-0"]
        with cluster_pool(cluster.address, timeout_s=10) as pool:
            assert pool.submit(jobs.add, 1, 2).result(timeout=60) == 3
            # A worker joins the open pool, and the only matching one leaves: the job lands
            # on the newcomer, which refuses it.
            cluster.start_worker("odd-fonts", other_font_set(tmp_path))
            odd = cluster.worker_address("odd-fonts")
            cluster.stop("worker-0")
            with pytest.raises(WorkerMismatch) as joined_later:
                pool.submit(jobs.add, 1, 2).result(timeout=60)
        assert list(joined_later.value.differences) == [odd]
        assert f"fonts: worker {odd} resolves Noto Sans CJK SC regular from other files (sha256 " \
            in str(joined_later.value)

        cluster.start_worker("worker-1")
        cluster.worker_address("worker-1")
        with pytest.raises(WorkerMismatch) as refused:
            with cluster_pool(cluster.address, timeout_s=10):
                pytest.fail("a pool with a worker of other fonts")
    finally:
        cluster.close()
    message = str(refused.value)
    assert refused.value.exit_code == 2
    assert list(refused.value.differences) == [odd] and good not in message
    assert f"fonts: worker {odd} resolves Noto Sans CJK SC regular from other files (sha256 " in message
    assert f"fonts: worker {odd} resolves Noto Serif CJK SC regular to Noto Sans CJK" in message
    assert "Install the same salespack version, WeasyPrint and fonts" in refused.value.hint


def test_a_hung_worker_is_named_within_the_check_timeout_not_waited_for(tmp_path):
    """Dask's broadcast to the workers waits for each without a limit: one frozen worker
    would hold a cron job forever. It is named instead, exit 75 (the scheduler drops it
    after its worker-ttl, so a later run may go through)."""
    cluster = started_cluster(tmp_path, workers=2)
    frozen, answering = cluster.workers["worker-1"], cluster.workers["worker-0"]
    # Thawed after 30 s whatever happens, so that a pool that waits for it fails this test
    # instead of hanging it.
    thaw = threading.Timer(30, cluster.processes["worker-1"].send_signal, (signal.SIGCONT,))
    try:
        cluster.processes["worker-1"].send_signal(signal.SIGSTOP)
        thaw.start()
        started = time.monotonic()
        with pytest.raises(WorkersNotAnswering) as hung:
            with cluster_pool(cluster.address, timeout_s=10, check_timeout_s=3):
                pytest.fail("a pool with a frozen worker")
        waited = time.monotonic() - started
    finally:
        thaw.cancel()
        cluster.processes["worker-1"].send_signal(signal.SIGCONT)
        cluster.close()
    assert hung.value.exit_code == 75 and hung.value.workers == [frozen]
    assert f"1 Dask worker(s) did not answer salespack's check within 3 s (hung, or overloaded): {frozen}." \
        in str(hung.value)
    assert answering not in str(hung.value)
    assert 3 <= waited < 20  # the check's timeout, not forever


def test_differences_name_each_item():
    ours = fingerprint()
    theirs = {**ours, "salespack": "0.0.9", "weasyprint": "69.0",
              "code": {**ours["code"], "month_end.py": "1" * 64, "old.py": "2" * 64},
              "templates": {**ours["templates"], "pack/theme.css": "0" * 64},
              "fonts": {**ours["fonts"], "Noto Sans CJK SC bold": {**ours["fonts"]["Noto Sans CJK SC bold"],
                                                                    "sha256": "ab12" * 16}}}
    del theirs["templates"]["base.css"]
    found = differences(ours, theirs)
    assert found[:2] == [f"salespack: has salespack 0.0.9, here {ours['salespack']}",
                         f"weasyprint: has weasyprint 69.0, here {ours['weasyprint']}"]
    assert found[2] == "salespack: has other salespack code (month_end.py differ; old.py extra)"
    assert found[3] == "templates: has other project templates (pack/theme.css differ; base.css missing)"
    assert found[4].startswith("fonts: resolves Noto Sans CJK SC bold from other files (sha256 ab12ab12ab12… in ")
    assert len(found) == 5
    assert differences(ours, ours) == []


def test_workers_that_lay_out_slower_are_named_once_with_the_fix(tmp_path, caplog):
    """Not refused (they paginate alike), but said: a worker running Dask's profiler, and
    one with two threads; the matching one of one thread with the profiler off is not named."""
    cluster = started_cluster(tmp_path, workers=1)
    try:
        quiet = cluster.workers["worker-0"]
        cluster.start_worker("profiled", {"DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "True"})
        cluster.start_worker("threaded", threads=2)
        profiled, threaded = cluster.worker_address("profiled"), cluster.worker_address("threaded")
        with caplog.at_level(logging.WARNING, logger="salespack"):
            with cluster_pool(cluster.address, timeout_s=10) as pool:
                assert pool.submit(jobs.add, 1, 2).result(timeout=60) == 3
    finally:
        cluster.close()
    said = [record.getMessage() for record in caplog.records if record.name == "salespack"]
    assert len(said) == 2, said
    assert said[0] == (f"1 of 3 Dask workers run Dask's profiler, which slowed layout by 8-25% in our measurements: "
                       f"start them with DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False ({profiled})")
    assert said[1].startswith("1 Dask workers have more than one thread") and said[1].endswith(f"({threaded})")
    assert "--nthreads 1" in said[1] and quiet not in " ".join(said)
