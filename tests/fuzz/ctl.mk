# tests/fuzz/ctl.mk — libFuzzer target for the control protocol decoder.
FUZZERS += fuzz_ctl
fuzz_ctl_SRCS := tests/fuzz/fuzz_ctl.c $(wildcard rtp/ctl/*.c)
fuzz_ctl_LIBS := -lcrypto

# srtpd's command decoder behind the real ctl server (in-process daemon).
FUZZERS += fuzz_ctl_cmd
fuzz_ctl_cmd_SRCS := tests/fuzz/fuzz_ctl_cmd.c $(wildcard rtp/ctl/*.c) \
  $(filter-out rtp/relay/srtpd.c,$(wildcard rtp/relay/*.c)) $(wildcard rtp/srtp/*.c)
fuzz_ctl_cmd_LIBS := -lcrypto -lpthread -luring -lmicrohttpd $(HIREDIS_LIBS)
