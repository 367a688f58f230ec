#!/bin/bash
# scripts/check-doc-links.sh — the documentation stands alone: every
# relative link in README.md and docs/*.md ([text](path) or
# [text](path#anchor)) names a file or folder in the tree, an anchor names a
# heading of the target Markdown file (GitHub's slugs), and README.md stays
# the short entry (at most 300 lines). Links to http(s)/mailto are not
# followed. One line per broken link, then "doc-links: N passed, M failed"
# (N links and checks that hold, M that do not); exit 1 when M > 0.
# Registered in `make test` by tests/lint/lint.mk.
set -u
cd "$(dirname "$0")/.."
max_readme=300
pass=0; fail=0

# GitHub's heading anchors of a Markdown file, one per line: lower case,
# punctuation other than '-' and '_' dropped, spaces to '-' (code fences skipped).
anchors() {
  awk '/^```/ { fence = !fence; next } !fence && /^#+ / { sub(/^#+ +/, ""); print }' "$1" |
    tr '[:upper:]' '[:lower:]' |
    sed -E 's/[^a-z0-9 _-]//g; s/ /-/g'
}

docs=(README.md docs/*.md)
for doc in "${docs[@]}"; do
  [ -f "$doc" ] || continue
  dir=$(dirname "$doc")
  # [text](target), outside code fences and inline code.
  while IFS= read -r target; do
    case "$target" in
      http://*|https://*|mailto:*) continue ;;
    esac
    path=${target%%#*}
    anchor=
    [ "$path" != "$target" ] && anchor=${target#*#}
    if [ -z "$path" ]; then file=$doc; else file=$dir/$path; fi
    if [ ! -e "$file" ]; then
      echo "$doc: broken link ($target): $file does not exist"
      fail=$((fail + 1)); continue
    fi
    if [ -n "$anchor" ] && [ "${file##*.}" = md ]; then
      if ! anchors "$file" | grep -qxF -- "$anchor"; then
        echo "$doc: broken link ($target): no heading #$anchor in $file"
        fail=$((fail + 1)); continue
      fi
    fi
    pass=$((pass + 1))
  done < <(awk '/^```/ { fence = !fence; next } !fence' "$doc" |
             sed -E 's/`[^`]*`//g' |
             grep -oE '\]\([^) ]+\)' | sed -E 's/^\]\((.*)\)$/\1/')
done

lines=$(wc -l < README.md)
if [ "$lines" -le "$max_readme" ]; then
  pass=$((pass + 1))
else
  echo "README.md: $lines lines, more than $max_readme (move detail to docs/)"
  fail=$((fail + 1))
fi
echo "doc-links: $pass passed, $fail failed"
[ "$fail" = 0 ]
