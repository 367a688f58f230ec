# tests/fuzz/srtp.mk — libFuzzer target for the SRTP library's unprotect
# (SRTP and SRTCP, every suite, MKI, KDR, session parameters). The seed
# corpus tests/fuzz/corpus/fuzz_srtp_unprotect/ holds real protected
# packets; `make srtp-fuzz-seeds` regenerates it.
FUZZERS += fuzz_srtp_unprotect
fuzz_srtp_unprotect_SRCS := tests/fuzz/fuzz_srtp_unprotect.c $(wildcard rtp/srtp/*.c)
fuzz_srtp_unprotect_LIBS := -lcrypto

.PHONY: srtp-fuzz-seeds
srtp-fuzz-seeds: $(SRTP_LIB)
	@mkdir -p $(BUILD)/fuzz tests/fuzz/corpus/fuzz_srtp_unprotect
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O1 -I. -Irtp -DFUZZ_SRTP_SEED_MAIN \
	  tests/fuzz/fuzz_srtp_unprotect.c $(SRTP_LIB) -lcrypto -o $(BUILD)/fuzz/srtp-seedgen
	$(BUILD)/fuzz/srtp-seedgen tests/fuzz/corpus/fuzz_srtp_unprotect
