"""Shared fixtures. The sample org is rendered once per test session: WeasyPrint
renders cost seconds, so every end-to-end assertion reads the same run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE_INPUTS = PROJECT / "inputs"
SAMPLE_CONFIG = PROJECT / "config" / "salespack.yaml"
SAMPLE_PERIOD = "2026-10"


def pdf_text(path: Path, *pages: int) -> str:
    args = ["pdftotext", "-layout"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    return subprocess.run([*args, str(path), "-"], check=True, capture_output=True, text=True).stdout


def invoke(*args: str):
    """Run the CLI in-process; the result keeps output, exit code and any exception."""
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> Path:
    """``salespack run`` on the bundled sample org; returns the period folder."""
    outputs = tmp_path_factory.mktemp("sample-outputs")
    result = invoke("run", "--inputs", str(SAMPLE_INPUTS), "--outputs", str(outputs),
                    "--period", SAMPLE_PERIOD, "--config", str(SAMPLE_CONFIG))
    assert result.exit_code == 0, result.output
    return outputs / SAMPLE_PERIOD


@pytest.fixture()
def sample_copy(tmp_path) -> Path:
    """A writable copy of the sample exports, for tests that break them."""
    target = tmp_path / "inputs"
    shutil.copytree(SAMPLE_INPUTS, target)
    return target
