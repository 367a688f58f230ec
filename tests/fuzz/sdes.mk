# tests/fuzz/sdes.mk — libFuzzer targets of the SDES engine: the a=crypto
# codec and the whole offer/answer + rewrite. Seeds in tests/fuzz/corpus/NAME
# (a=crypto lines of real devices; the golden SDPs with a mode byte), and
# the packed offer/answer state.
SDES_FUZZ_LIB_SRCS := $(SDES_SRCS) $(CATTR_SRCS) rtp/srtp/suite.c
FUZZERS += fuzz_crypto_attr fuzz_sdp_rewrite
fuzz_crypto_attr_SRCS := tests/fuzz/fuzz_crypto_attr.c $(SDES_FUZZ_LIB_SRCS)
fuzz_crypto_attr_LIBS := -lcrypto
fuzz_sdp_rewrite_SRCS := tests/fuzz/fuzz_sdp_rewrite.c $(SDES_FUZZ_LIB_SRCS)
fuzz_sdp_rewrite_LIBS := -lcrypto
# sdes_state_unpack() of hostile bytes, then an answer and a re-offer with
# what it accepted (seeds: packed states after a decrypt, rekey and
# passthrough offer).
FUZZERS += fuzz_sdes_state
fuzz_sdes_state_SRCS := tests/fuzz/fuzz_sdes_state.c $(SDES_FUZZ_LIB_SRCS)
fuzz_sdes_state_LIBS := -lcrypto
# The call's bound policy (bind.c, with direction= interfaces) and the
# flag parser on hostile bytes (seeds: packed policies of versions 1..3,
# flag strings).
FUZZERS += fuzz_sdes_bind
fuzz_sdes_bind_SRCS := tests/fuzz/fuzz_sdes_bind.c modules/sdes/call/bind.c \
  modules/sdes/call/flags.c rtp/srtp/suite.c
fuzz_sdes_bind_LIBS :=
