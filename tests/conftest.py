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


def run_workbook(base: Path, write_inputs, config_text: str, period: str) -> dict:
    """``salespack run`` once on an org written by ``write_inputs(folder)``; the sheets of
    its kpis.xlsx as (header, rows as dicts)."""
    import traceback

    inputs, out, config = base / "inputs", base / "outputs", base / "salespack.yaml"
    write_inputs(inputs)
    config.write_text(config_text, encoding="utf-8")
    result = invoke("run", "--inputs", str(inputs), "--outputs", str(out), "--period", period,
                    "--config", str(config))
    if result.exit_code != 0:
        detail = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else ""
        pytest.fail(f"run exited {result.exit_code}:\n{result.output}\n{detail}")
    return workbook_sheets(out / period / "kpis.xlsx")


def workbook_sheets(path: Path) -> dict:
    """Every sheet of a written workbook as (header, rows as dicts), empty rows left out."""
    import openpyxl
    assert path.is_file(), f"{path} not written"
    sheets = {}
    for sheet in openpyxl.load_workbook(path, data_only=True).worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        header = list(rows[0]) if rows else []
        sheets[sheet.title] = (header, [dict(zip(header, row)) for row in rows[1:]
                                        if any(value is not None for value in row)])
    return sheets


def money(value):
    """Yuan, exact to the cent."""
    return pytest.approx(value, abs=0.001)


def ratio(value):
    """A fraction; the workbook may round it to 4 decimals (kpis.md: 0.9731)."""
    return pytest.approx(value, abs=5.01e-5)


class AnyOf:
    """Matches any of the given expectations (where the contract allows either)."""

    def __init__(self, *options):
        self.options = options

    def __eq__(self, other):
        return any(other is None if option is None else other == option for option in self.options)

    def __repr__(self):
        return " or ".join(repr(option) for option in self.options)


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


@pytest.fixture()
def no_proxy(monkeypatch):
    """urllib would send loopback requests through a proxy the caller's shell exports."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
