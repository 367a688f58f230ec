# tests/lint/layering.mk — `make test` checks that every #include points at
# a folder its own folder may use (rtp/ never includes modules/, only the
# Kamailio glue includes Kamailio's headers, the SDES engine includes
# neither the call logic nor the glue): scripts/check-layering.sh.
SLOW_TESTS += scripts/check-layering.sh
