# tests/lint/lint.mk — checks of the tree itself, run by `make test`:
# scripts/check-doc-links.sh (every relative link in README.md and docs/*.md
# resolves; README.md at most 300 lines) and scripts/check-citations.sh
# (no file cites a path outside the repository). Seconds each.
SLOW_TESTS += "scripts/check-doc-links.sh" "scripts/check-citations.sh"
