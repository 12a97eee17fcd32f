"""Fill msgstr entries from a Python dict {msgid: {lang: text}} (a helper for translators).

Usage: python scripts/apply_translations.py FILE.py   (FILE defines a dict named T)
"""

from __future__ import annotations

import runpy
import sys

from babel.messages.pofile import read_po, write_po

LANGS = ("nl", "ar", "ti", "fa_AF", "so", "uk", "tr")


def main(path: str) -> None:
    table: dict[str, dict[str, str]] = runpy.run_path(path)["T"]
    for lang in LANGS:
        po = f"locales/{lang}/LC_MESSAGES/messages.po"
        with open(po, "rb") as fh:
            catalog = read_po(fh, locale=lang)
        for msgid, texts in table.items():
            if lang in texts:
                catalog[msgid].string = texts[lang]
                catalog[msgid].flags.discard("fuzzy")
        with open(po, "wb") as fh:
            write_po(fh, catalog, width=76)


if __name__ == "__main__":
    main(sys.argv[1])
