"""The bundled sample through the cluster: ``salespack run --scheduler`` and ``salespack
certificates --scheduler`` make the same documents as a run on this machine's cores (by
``pdftotext -layout``, the generation time aside), and a scheduler that is not there
stops the command with exit 2 naming it."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from ..conftest import SAMPLE_CONFIG, SAMPLE_INPUTS, SAMPLE_PERIOD, invoke, pdf_text  # noqa: E402
from .conftest import PROJECT  # noqa: E402

GENERATED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")


def salespack(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """The CLI in a process of its own, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=PROJECT, capture_output=True,
                          text=True, timeout=timeout, env=env)


def text(path: Path) -> str:
    return GENERATED_AT.sub("<generated at>", pdf_text(path))


def documents(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.pdf"))


def test_the_sample_run_on_the_cluster_makes_the_same_documents(cluster, sample_run, tmp_path):
    done = salespack("run", "--inputs", str(SAMPLE_INPUTS), "--period", SAMPLE_PERIOD, "--config", str(SAMPLE_CONFIG),
                     "--outputs", str(tmp_path), "--scheduler", cluster.address)
    assert done.returncode == 0, done.stdout + done.stderr
    on_cluster, here = tmp_path / SAMPLE_PERIOD, sample_run
    assert f"on the Dask cluster at {cluster.address}" in (on_cluster / "run.log").read_text(encoding="utf-8")
    assert documents(on_cluster) == documents(here)
    compared = ["summary-pack.pdf", "certificates.pdf",
                *(name for name in documents(here) if name.startswith("teams/"))]
    assert len(compared) > 3
    for name in compared:
        assert text(on_cluster / name) == text(here / name), f"{name} differs from the local run's"


def test_certificates_on_the_cluster_are_the_same(cluster, tmp_path):
    local, remote = tmp_path / "local", tmp_path / "cluster"
    here = invoke("certificates", "--inputs", str(SAMPLE_INPUTS), "--period", "2026-11", "--config",
                  str(SAMPLE_CONFIG), "--outputs", str(local))
    assert here.exit_code == 0, here.output
    done = salespack("certificates", "--inputs", str(SAMPLE_INPUTS), "--period", "2026-11", "--config",
                     str(SAMPLE_CONFIG), "--outputs", str(remote), "--scheduler", cluster.address)
    assert done.returncode == 0, done.stdout + done.stderr
    local_folder, remote_folder = local / "certificates" / "2026-11", remote / "certificates" / "2026-11"
    assert documents(remote_folder) == documents(local_folder) and "certificates.pdf" in documents(local_folder)
    for name in documents(local_folder):
        assert text(remote_folder / name) == text(local_folder / name), f"{name} differs from the local run's"


def closed_address() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{probe.getsockname()[1]}"


def config_with(tmp_path: Path, cluster: str) -> Path:
    """The sample's config with a ``cluster:`` section."""
    config = tmp_path / "salespack.yaml"
    config.write_text(SAMPLE_CONFIG.read_text(encoding="utf-8") + f"\ncluster:\n{cluster}", encoding="utf-8")
    return config


def test_an_unreachable_scheduler_stops_run_with_exit_2_within_the_configured_timeout(tmp_path):
    address = closed_address()
    config = config_with(tmp_path, "  timeout_s: 2\n")
    started = time.monotonic()
    done = salespack("run", "--inputs", str(SAMPLE_INPUTS), "--period", SAMPLE_PERIOD, "--config", str(config),
                     "--outputs", str(tmp_path / "outputs"), "--scheduler", address, timeout=120)
    elapsed = time.monotonic() - started
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"could not reach the Dask scheduler at {address} within 2 s" in done.stderr
    # Startup and reading the inputs take 4 s here, and CI is up to 3 times slower; Dask's own
    # connect timeout (30 s) would take longer still.
    assert elapsed < 20, f"took {elapsed:.0f} s with a 2 s timeout"
    assert not (tmp_path / "outputs" / SAMPLE_PERIOD / "summary-pack.pdf").exists()


def test_the_scheduler_comes_from_the_environment_over_the_config(tmp_path):
    address = closed_address()
    config = config_with(tmp_path, "  scheduler: tcp://127.0.0.1:9\n  timeout_s: 2\n")
    done = salespack("certificates", "--inputs", str(SAMPLE_INPUTS), "--period", "2026-11", "--config",
                     str(config), "--outputs", str(tmp_path / "outputs"), timeout=120,
                     env={**os.environ, "SALESPACK_SCHEDULER": address})
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"could not reach the Dask scheduler at {address} within 2 s" in done.stderr


def test_the_scheduler_comes_from_the_config(tmp_path):
    address = closed_address()
    config = config_with(tmp_path, f"  scheduler: {address}\n  timeout_s: 2\n")
    environment = {name: value for name, value in os.environ.items() if name != "SALESPACK_SCHEDULER"}
    done = salespack("certificates", "--inputs", str(SAMPLE_INPUTS), "--period", "2026-11", "--config",
                     str(config), "--outputs", str(tmp_path / "outputs"), timeout=120, env=environment)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"could not reach the Dask scheduler at {address} within 2 s" in done.stderr
