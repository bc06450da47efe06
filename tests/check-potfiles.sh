#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every file with translatable strings is listed in po/POTFILES.in, and
# every listed file exists. Usage: check-potfiles.sh SOURCE-ROOT
set -eu
cd "$1"

listed=$(mktemp)
found=$(mktemp)
trap 'rm -f "$listed" "$found"' EXIT

grep -v -e '^#' -e '^[[:space:]]*$' po/POTFILES.in | sort -u > "$listed"

{
  # C: the gettext macros of glib/gi18n.h.
  grep -rlE '(^|[^A-Za-z0-9_])(N?C?_|g_dngettext|ngettext)\(' \
    --include='*.c' --include='*.h' app engine ui || true
  grep -rl 'translatable="yes"' --include='*.ui' resources ui || true
  # Desktop, metainfo and schema files always carry user-visible text.
  ls data/*.desktop.in* data/*.metainfo.xml.in* data/*.gschema.xml 2>/dev/null || true
} | sort -u > "$found"

echo "1..2"
missing=$(comm -13 "$listed" "$found")
if [ -z "$missing" ]; then
  echo "ok 1 - every file with translatable strings is in po/POTFILES.in"
else
  echo "not ok 1 - missing from po/POTFILES.in:"
  echo "$missing" | sed 's/^/# /'
fi

stale=""
while read -r file; do
  [ -f "$file" ] || stale="$stale $file"
done < "$listed"
if [ -z "$stale" ]; then
  echo "ok 2 - every file in po/POTFILES.in exists"
else
  echo "not ok 2 - listed in po/POTFILES.in but missing:$stale"
fi
