# tests/lint/format.mk — scripts/check-format.sh in `make test`: every
# tracked .c/.h matches .clang-format (clang-format 14). Seconds.
SLOW_TESTS += "scripts/check-format.sh"
