"""Templates users edit (issue "Every failure says what to do", section 1): a working
folder's stylesheets take effect, every template renders in Jinja's sandbox, and a
broken template is exit 2 naming its file and line, with nothing published."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pipeline.render.pdf import PROJECT_TEMPLATES, GuardedFetcher, environment, render_template
from pipeline.errors import TemplateError
from tests.conftest import invoke, pdf_text

PACK = "pack/template.html"


@pytest.fixture()
def user_templates(tmp_path) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(PROJECT_TEMPLATES, folder)
    return folder


def render_pack_with(folder: Path, **context):
    environment.cache_clear()
    return render_template(environment("zh_CN", folder), PACK, **context)


def edit(folder: Path, name: str, old: str, new: str, count: int = 1) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def prepend(folder: Path, name: str, line: str) -> None:
    """A first line, reached before the template uses its context."""
    path = folder / name
    path.write_text(line + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")


def line_of(folder: Path, name: str, needle: str) -> int:
    return next(number for number, line in enumerate((folder / name).read_text("utf-8").splitlines(), 1)
                if needle in line)


def test_a_template_cannot_reach_python_internals(user_templates, tmp_path):
    marker = tmp_path / "pwned"
    prepend(user_templates, PACK, f'{{{{ cycler.__init__.__globals__.os.popen("touch {marker}").read() }}}}')
    with pytest.raises(TemplateError) as caught:
        render_pack_with(user_templates, c=None)
    assert not marker.exists()
    line = line_of(user_templates, PACK, "cycler.__init__")
    assert caught.value.render() == (
        f"{user_templates / PACK}, line {line}: refused by the sandbox: access to attribute '__init__' of "
        "'type' object is unsafe. Fix the template (your copy in templates/), or delete your copy to use "
        "the project's.")


# Jinja names the line where it noticed: for a tag left open, the line after it.
@pytest.mark.parametrize("old, new, needle, later, message", [
    ("{% for d in c.datasets %}", "{% for d in c.datasets %", "{% for d in c.datasets %", 1, "unexpected '<'."),
    (None, '{% include "pack/nothing.html" %}', "pack/nothing.html", 0,
     "includes 'pack/nothing.html', which is in no templates folder."),
], ids=["syntax", "missing-include"])
def test_a_broken_template_names_its_file_and_line(user_templates, old, new, needle, later, message):
    if old is None:
        prepend(user_templates, PACK, new)
    else:
        edit(user_templates, PACK, old, new)
    with pytest.raises(TemplateError) as caught:
        render_pack_with(user_templates, c=None)
    found = caught.value.render()
    line = line_of(user_templates, PACK, needle) + later
    assert found == (f"{user_templates / PACK}, line {line}: {message} Fix the template (your copy in "
                     "templates/), or delete your copy to use the project's.")
    assert caught.value.exit_code == 2


def test_a_user_stylesheet_overrides_the_projects_and_only_under_the_templates_folders(user_templates):
    (user_templates / "pack" / "theme.css").write_text("h1 { color: red; }", encoding="utf-8")
    fetcher = GuardedFetcher([user_templates, PROJECT_TEMPLATES])
    mine = fetcher._override((PROJECT_TEMPLATES / "pack" / "theme.css").resolve())
    assert mine == (user_templates / "pack" / "theme.css").resolve()
    # A file the user has no copy of falls back to the project's.
    (user_templates / "base.css").unlink()
    assert fetcher._override((PROJECT_TEMPLATES / "base.css").resolve()) == (PROJECT_TEMPLATES / "base.css").resolve()


# --- through the CLI, once per module: a user's theme changes the PDF; a bad one stops -------

@pytest.fixture(scope="module")
def working_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wf") / "org"
    assert invoke("init", str(folder)).exit_code == 0
    return folder


def run_in(folder: Path, monkeypatch, outputs: Path):
    monkeypatch.chdir(folder)
    return invoke("run", "--inputs", "inputs", "--outputs", str(outputs), "--period", "2026-10")


def test_a_users_theme_changes_the_pack_and_a_refused_url_stops_the_run(working_folder, monkeypatch, tmp_path):
    pack_theme = working_folder / "templates" / "pack" / "theme.css"
    pack_theme.write_text(pack_theme.read_text("utf-8") + "\n.cover h1::after { content: ' USER-THEME'; }\n",
                          encoding="utf-8")
    outputs = tmp_path / "out"
    result = run_in(working_folder, monkeypatch, outputs)
    assert result.exit_code == 0, result.output
    assert "USER-THEME" in pdf_text(outputs / "2026-10" / "summary-pack.pdf", 1, 1)

    theme = working_folder / "templates" / "certificate" / "theme.css"
    theme.write_text('body { background: url("file:///etc/passwd"); }\n' + theme.read_text("utf-8"), "utf-8")
    before = sorted(p.name for p in (outputs / "2026-10").iterdir())
    result = run_in(working_folder, monkeypatch, outputs)
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[0] == (
        "Error: while making certificates.pdf: refused to fetch file:///etc/passwd: only files of the templates "
        "folders are allowed. Fix the link in your templates folder's template or stylesheet: it may only name "
        "files of the templates folders.")
    assert "Internal error" not in result.output and not re.search(r"certificates-\d+\.pdf", result.output)
    assert sorted(p.name for p in (outputs / "2026-10").iterdir()) == before  # the complete run stays


def test_a_template_reaching_for_internals_stops_the_run_with_exit_2(working_folder, monkeypatch, tmp_path):
    marker = tmp_path / "pwned"
    pack = working_folder / "templates" / PACK
    original = pack.read_text("utf-8")
    pack.write_text(f'{{{{ cycler.__init__.__globals__.os.popen("touch {marker}").read() }}}}\n' + original, "utf-8")
    try:
        result = run_in(working_folder, monkeypatch, tmp_path / "out")
    finally:
        pack.write_text(original, "utf-8")
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[0] == (
        f"Error: {pack.resolve()}, line 1: refused by the sandbox: access to attribute '__init__' of 'type' object "
        "is unsafe. Fix the template (your copy in templates/), or delete your copy to use the project's.")
    assert not marker.exists()
    assert not (tmp_path / "out" / "2026-10").exists()  # nothing published


def test_a_users_templates_travel_to_a_worker_as_data(tmp_path):
    """A cluster worker may share no disk with the run: the working folder's templates go
    as a bundle, and the worker lays the pack out with them even where the folder is gone."""
    import pickle

    from pipeline.month_end import render_pack_part
    from pipeline.render.pdf import bundled, unpacked
    folder = tmp_path / "templates"
    shutil.copytree(PROJECT_TEMPLATES / "pack", folder / "pack")
    (folder / "pack" / "theme.css").write_text(
        (PROJECT_TEMPLATES / "pack" / "theme.css").read_text(encoding="utf-8")
        + '\n@page { @top-left { content: "BUNDLED-THEME" } }\n', encoding="utf-8")
    html = ('<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="base.css">'
            '<link rel="stylesheet" href="pack/theme.css"></head><body><section><h1>一页</h1></section></body></html>')
    bundle = pickle.loads(pickle.dumps(bundled(folder)))  # as it crosses to a worker
    shutil.rmtree(folder)
    made = render_pack_part(html, bundle, True)
    (tmp_path / "pack.pdf").write_bytes(made.data("part.pdf"))
    assert "BUNDLED-THEME" in pdf_text(tmp_path / "pack.pdf")
    assert unpacked(bundle) == unpacked(bundle) and unpacked(bundle) != folder
    # Without the bundle the project's theme is used: the mark is the user's, not ours.
    plain = render_pack_part(html, None, True)
    (tmp_path / "plain.pdf").write_bytes(plain.data("part.pdf"))
    assert "BUNDLED-THEME" not in pdf_text(tmp_path / "plain.pdf")


def test_a_missing_image_in_a_users_template_is_exit_2_naming_it_and_found_once_put_there(monkeypatch, tmp_path):
    folder = tmp_path / "org"
    assert invoke("init", str(folder)).exit_code == 0
    edit(folder / "templates", PACK, "<body>", '<body><img src="images/logo.png" alt="logo">')
    outputs = tmp_path / "out"
    result = run_in(folder, monkeypatch, outputs)
    assert result.exit_code == 2, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("Error: while making summary-pack.pdf: the templates link to images/logo.png, which is "
                            f"in no templates folder ({(folder / 'templates').resolve()}; "), first
    assert "Put the file in your templates folder, at that path" in result.output
    assert "Internal error" not in result.output
    # Put there, it is found: the user's folder is searched first.
    from PIL import Image
    (folder / "templates" / "images").mkdir()
    Image.new("RGB", (40, 20), "red").save(folder / "templates" / "images" / "logo.png")
    result = run_in(folder, monkeypatch, outputs)
    assert result.exit_code == 0, result.output
