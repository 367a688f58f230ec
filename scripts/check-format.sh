#!/bin/bash
# scripts/check-format.sh — every tracked C source and header is formatted
# as .clang-format says (clang-format 14, Debian 12's `clang-format`).
# One line per file that differs, with the first differing lines, then
# "format: N passed, M failed"; exit 1 when M > 0. Fix a file with
# `clang-format -i FILE`. Tables kept aligned by hand sit between
# /* clang-format off */ and /* clang-format on */. Registered in
# `make test` by tests/lint/format.mk.
set -u
cd "$(dirname "$0")/.."
cf=$(command -v clang-format || command -v clang-format-14 || true)
if [ -z "$cf" ]; then
  echo "format: clang-format not found (scripts/deps.sh installs it)"
  echo "format: 0 passed, 1 failed"
  exit 1
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.c' '*.h')
else
  mapfile -t files < <(find modules rtp tests -name '*.[ch]' | sort)
fi
pass=0; fail=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  if d=$("$cf" --style=file "$f" | diff -u "$f" - 2>&1); then
    pass=$((pass + 1))
  else
    echo "$f: not formatted (clang-format -i $f):"
    echo "$d" | sed -n '3,12p'
    fail=$((fail + 1))
  fi
done
echo "format: $pass passed, $fail failed"
[ "$fail" = 0 ]
