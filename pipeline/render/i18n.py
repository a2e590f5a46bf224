"""The translation layer: every label goes through gettext.

Message ids are English; ``locale/zh_CN/LC_MESSAGES/messages.po`` holds the
Chinese. The catalogue is compiled in memory at load, so a translator edits the
``.po`` file and nothing else. English needs no catalogue: it is the message ids.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


@functools.cache
def translations(locale: str) -> gettext.NullTranslations:
    po_file = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_file.exists():
        return gettext.NullTranslations()
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def translator(locale: str):
    """``_("Revenue")`` in the given locale."""
    return translations(locale).gettext
