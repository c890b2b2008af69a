#!/usr/bin/env bash
# Merge the Persian message parts (one per area, so areas never edit the same file) into Django's
# django.po and compile it. The .po and .mo are committed: running the app needs no gettext tools.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=src/trialdesk/web/locale/fa
msgcat --use-first --sort-output -o "$dir/LC_MESSAGES/django.po" "$dir"/parts/*.po
msgfmt --check-format -o "$dir/LC_MESSAGES/django.mo" "$dir/LC_MESSAGES/django.po"
echo "compiled $(grep -c '^msgid "[^"]' "$dir/LC_MESSAGES/django.po") Persian messages"
