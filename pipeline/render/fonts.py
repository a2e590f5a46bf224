"""A cut of the CJK faces for one run: only the characters the run's certificates print.

Noto Serif CJK has about 65,000 glyphs. WeasyPrint keeps glyph IDs when it subsets a
face into a PDF, so every file pays for the whole glyph table even when it prints a
hundred characters: about 120 KB per face, and about 300 ms per one-page file to cut
it from the system font. Cutting the faces once per run to the few thousand
characters the certificates use (HarfBuzz, ~0.1 s) makes each certificate's own subset
small (about 30 KB a file) and cheap to write.

Nothing depends on the cut for correctness: a character missing from it falls back,
through the stylesheet's font list, to the system face.
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

# The family the certificate stylesheet names first; defined only by the cut's @font-face.
FAMILY = "Noto Serif CJK SC cut"
SOURCES = {400: "Noto Serif CJK SC:weight=regular", 700: "Noto Serif CJK SC:weight=bold"}


@dataclass(frozen=True)
class FaceCut:
    css: str  # @font-face rules carrying the cut faces as data: URIs (a worker needs no file of the run)


def _system_face(pattern: str) -> tuple[Path, int] | None:
    """The file and face index fontconfig resolves ``pattern`` to, if it is a Noto CJK face."""
    if shutil.which("fc-match") is None:
        return None
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}\n%{index}\n%{family}", pattern],
                               capture_output=True, text=True, timeout=10, check=True).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    if len(found) < 3 or "Noto Serif CJK" not in found[2]:
        return None  # fontconfig substituted another family: keep the system's own choice
    return Path(found[0]), int(found[1] or 0)


def cut_faces(text: str) -> FaceCut | None:
    """The serif faces cut to the characters of ``text`` (HTML is unescaped first);
    ``None`` when the system faces are not there."""
    characters = {ord(ch) for ch in set(html.unescape(text)) | set(ALWAYS) if ch.isprintable() or ch == "\u00a0"}
    rules = []
    for weight, pattern in SOURCES.items():
        source = _system_face(pattern)
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
        rules.append(f'@font-face {{ font-family: "{FAMILY}"; font-weight: {weight}; src: url("{face_uri}"); }}')
    return FaceCut("\n".join(rules))
