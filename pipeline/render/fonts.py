"""Cuts of the CJK faces for one document or one run: only the characters printed.

Noto CJK has about 65,000 glyphs. WeasyPrint keeps glyph IDs when it subsets a face into
a PDF, so every file pays for the whole glyph table even when it prints a hundred
characters: about 120 KB per face, and about 300 ms per one-page file to cut it from the
system font. Cutting a face once (HarfBuzz, ~0.03 s) to the characters of what it prints
makes each PDF's own subset small:
- the certificates' serif faces, cut once per run (about 30 KB a file);
- the packs' sans faces, cut per pack: a pack laid out in parts then carries the same
  small faces in each part instead of a 65,000-glyph table per part and weight.

Nothing depends on a cut for correctness: a character missing from it falls back,
through the stylesheet's font list, to the system face, which the cut's glyphs and
metrics are copied from (the sample's pack reads and draws the same either way).
"""

from __future__ import annotations

import base64
import html
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import uharfbuzz as hb

# Printed by the stylesheets or by the layout itself (list markers, page numbers), not by the HTML text.
ALWAYS = "".join(chr(c) for c in range(0x20, 0x7F)) + "\u00a0•◦▪–—…·、，。：；！？（）《》“”‘’％￥¥"


@dataclass(frozen=True)
class Faces:
    """A family a stylesheet names first, defined only by its cut's @font-face rules, and
    the system faces (by weight) it is cut from."""

    family: str
    system: str  # the family fontconfig must resolve the sources to
    sources: dict[int, str]


SERIF = Faces("Noto Serif CJK SC cut", "Noto Serif CJK",
              {400: "Noto Serif CJK SC:weight=regular", 700: "Noto Serif CJK SC:weight=bold"})
SANS = Faces("Noto Sans CJK SC cut", "Noto Sans CJK",
             {400: "Noto Sans CJK SC:weight=regular", 700: "Noto Sans CJK SC:weight=bold"})
CUT_FAMILIES = (SERIF.family, SANS.family)


@dataclass(frozen=True)
class FaceCut:
    css: str  # @font-face rules carrying the cut faces as data: URIs (a worker needs no file of the run)


def _system_face(pattern: str, system: str) -> tuple[Path, int] | None:
    """The file and face index fontconfig resolves ``pattern`` to, if it is a face of ``system``."""
    if shutil.which("fc-match") is None:
        return None
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}\n%{index}\n%{family}", pattern],
                               capture_output=True, text=True, timeout=10, check=True).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    if len(found) < 3 or system not in found[2]:
        return None  # fontconfig substituted another family: keep the system's own choice
    return Path(found[0]), int(found[1] or 0)


def cut_faces(text: str, faces: Faces = SERIF) -> FaceCut | None:
    """``faces`` cut to the characters of ``text`` (HTML is unescaped first); ``None``
    when the system faces are not there."""
    characters = {ord(ch) for ch in set(html.unescape(text)) | set(ALWAYS) if ch.isprintable() or ch == "\u00a0"}
    rules = []
    for weight, pattern in faces.sources.items():
        source = _system_face(pattern, faces.system)
        if source is None:
            return None
        face = hb.Face(hb.Blob.from_file_path(str(source[0])), source[1])
        request = hb.SubsetInput()
        for codepoint in characters:
            request.unicode_set.add(codepoint)
        request.flags = hb.SubsetFlags.NO_HINTING
        cut = hb.subset(face, request)
        if cut is None:
            return None
        face_uri = "data:font/otf;base64," + base64.b64encode(cut.blob.data).decode("ascii")
        rules.append(f'@font-face {{ font-family: "{faces.family}"; font-weight: {weight}; src: url("{face_uri}"); }}')
    return FaceCut("\n".join(rules))
