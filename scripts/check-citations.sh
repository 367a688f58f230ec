#!/bin/bash
# scripts/check-citations.sh — nothing in the repository may cite a file
# outside it: no path into ../shared and no DESIGN.md, KAMAILIO.md or
# STYLE.md (none of them is in the tree). Checks every tracked file (git ls-files;
# every file under the tree when it is not a git checkout), this script
# excepted. One line per citing file:line, then
# "citations: N passed, M failed" (N clean files, M citing files); exit 1
# when M > 0. Registered in `make test` by tests/lint/lint.mk.
set -u
cd "$(dirname "$0")/.."
self=scripts/check-citations.sh
pattern='\.\./shared|DESIGN\.md|KAMAILIO\.md|STYLE\.md'
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files)
else
  mapfile -t files < <(find . -path ./build -prune -o -path ./.git -prune -o -type f -print | sed 's|^\./||')
fi
pass=0; fail=0
for f in "${files[@]}"; do
  [ "$f" = "$self" ] && continue
  [ -f "$f" ] || continue
  if hits=$(grep -nE "$pattern" -- "$f" 2>/dev/null); then
    echo "$hits" | sed "s|^|$f:|"
    fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
done
echo "citations: $pass passed, $fail failed"
[ "$fail" = 0 ]
