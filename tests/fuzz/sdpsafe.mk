# tests/fuzz/sdpsafe.mk — libFuzzer target for the body sdes.so puts in
# place of a refused SDP (modules/sdes/call/sdpsafe.c).
FUZZERS += fuzz_sdpsafe
fuzz_sdpsafe_SRCS := tests/fuzz/fuzz_sdpsafe.c modules/sdes/call/sdpsafe.c modules/sdes/engine/multipart.c
fuzz_sdpsafe_LIBS :=
