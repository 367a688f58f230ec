# tests/fuzz/ctl.mk — libFuzzer target for the control protocol decoder.
FUZZERS += fuzz_ctl
fuzz_ctl_SRCS := tests/fuzz/fuzz_ctl.c $(wildcard rtp/ctl/*.c)
fuzz_ctl_LIBS := -lcrypto
