# tests/pkg/pkg.mk — the Debian packages built, installed, run (srtpd from
# the unit's ExecStart, a call through Kamailio with the installed sdes.so)
# and purged (tests/pkg/pkg-install.sh; root only, skipped otherwise).
SLOW_TESTS += "tests/pkg/pkg-install.sh"
