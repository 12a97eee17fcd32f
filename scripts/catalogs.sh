#!/usr/bin/env bash
# Re-extract the translatable strings into locales/messages.pot and merge them into every
# catalog. New or changed strings then show up empty or fuzzy in locales/*/LC_MESSAGES/messages.po
# (the catalog test names them) until they are translated. The bot reads the .po files directly,
# so there is nothing to compile.
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel extract -F pyproject.toml -k t -k tn:1,2 -k N_ --no-location --sort-output \
    --project samenhier-bot --copyright-holder "Samen Hier bot contributors" \
    -o locales/messages.pot bot handlers
for lang in nl en ar ti fa_AF so uk tr; do
    po="locales/$lang/LC_MESSAGES/messages.po"
    if [ -f "$po" ]; then
        pybabel update --ignore-obsolete --no-fuzzy-matching -i locales/messages.pot -d locales -l "$lang"
    else
        pybabel init -i locales/messages.pot -d locales -l "$lang"
    fi
done
# English is the source language: its catalog simply repeats the source strings.
python - <<'PY'
from babel.messages.pofile import read_po, write_po
path = "locales/en/LC_MESSAGES/messages.po"
with open(path, "rb") as fh:
    catalog = read_po(fh, locale="en")
for message in catalog:
    if isinstance(message.id, tuple) and not all(message.string):
        message.string = message.id
    elif message.id and not message.string:
        message.string = message.id
    message.flags.discard("fuzzy")
with open(path, "wb") as fh:
    write_po(fh, catalog, omit_header=False, no_location=True, width=100)
PY
