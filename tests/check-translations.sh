#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Each language in po/LINGUAS translates every message of the sources, so a
# new string cannot land untranslated. Usage: check-translations.sh SOURCE-ROOT
set -eu
cd "$1"

pot=$(mktemp)
trap 'rm -f "$pot"' EXIT

# The keywords of meson's i18n 'glib' preset.
xgettext --files-from=po/POTFILES.in --directory=. --output="$pot" \
  --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format \
  --flag=g_print:1:c-format --flag=g_printerr:1:c-format --flag=g_printf:1:c-format \
  --flag=g_fprintf:2:c-format --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format

languages=$(grep -v -e '^#' -e '^[[:space:]]*$' po/LINGUAS)
count=$(echo "$languages" | wc -w)
echo "1..$((count * 2))"

n=0
for lang in $languages; do
  n=$((n + 1))
  if msgfmt --check --output-file=/dev/null "po/$lang.po" 2> /tmp/msgfmt.$$; then
    echo "ok $n - po/$lang.po is valid (msgfmt --check)"
  else
    echo "not ok $n - po/$lang.po is not valid"
    sed 's/^/# /' /tmp/msgfmt.$$
  fi
  rm -f /tmp/msgfmt.$$

  n=$((n + 1))
  if out=$(msgcmp "po/$lang.po" "$pot" 2>&1); then
    echo "ok $n - po/$lang.po translates every message"
  else
    echo "not ok $n - po/$lang.po lacks translations:"
    echo "$out" | sed 's/^/# /'
  fi
done
