# rtp/tools — srtp-pcap and srtp-bench (and their helpers pcap_*, bench_*).
#
# srtp-bench's libsrtp2 baselines are shared objects built from one driver
# (bench_libsrtp.c, see rtp/tools/bench_api.h): bench_libsrtp_nss.so against
# Debian's libsrtp2 (NSS), bench_libsrtp_ossl.so against the same source
# built with --enable-openssl (scripts/build-libsrtp-openssl.sh; only when
# `make bench` has unpacked the source). The driver is compiled here with its
# own flags (not the pattern rule) because the two builds differ only in
# which libsrtp2 header/library they see.

SRTP_PCAP_SRCS := $(wildcard rtp/tools/srtp_pcap*.c rtp/tools/pcap_*.c)
SRTP_BENCH_SRCS := rtp/tools/srtp_bench.c rtp/tools/bench_ours.c

$(BUILD)/srtp-pcap: $(call objs,$(SRTP_PCAP_SRCS)) $(CATTR_LIB) $(SRTP_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(call objs,$(SRTP_PCAP_SRCS)) -o $@ $(CATTR_LIB) $(SRTP_LIB) -lpcap -lcrypto

$(BUILD)/srtp-bench: $(call objs,$(SRTP_BENCH_SRCS)) $(SRTP_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -rdynamic $(call objs,$(SRTP_BENCH_SRCS)) -o $@ $(SRTP_LIB) -lcrypto -ldl

BENCH_DRV_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -fPIC -fvisibility=hidden -Irtp
LIBSRTP_OSSL_DIR := build/third_party/libsrtp2-openssl
LIBSRTP_OSSL_A   := $(LIBSRTP_OSSL_DIR)/lib/libsrtp2.a

$(BUILD)/lib/bench_libsrtp_nss.so: rtp/tools/bench_libsrtp.c rtp/tools/bench_api.h rtp/srtp/suite.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_DRV_CFLAGS) -DBENCH_BACKEND='"nss"' -shared $< -o $@ \
	  $(shell pkg-config --libs libsrtp2 2>/dev/null || echo -lsrtp2)

$(LIBSRTP_OSSL_A):
	bash scripts/build-libsrtp-openssl.sh

$(BUILD)/lib/bench_libsrtp_ossl.so: rtp/tools/bench_libsrtp.c rtp/tools/bench_api.h rtp/srtp/suite.h $(LIBSRTP_OSSL_A)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_DRV_CFLAGS) -DBENCH_BACKEND='"openssl"' -I$(LIBSRTP_OSSL_DIR)/include \
	  -shared $< -o $@ -Wl,--exclude-libs,ALL -Wl,-Bsymbolic $(LIBSRTP_OSSL_A) -lcrypto

BINS += $(BUILD)/srtp-pcap $(BUILD)/srtp-bench $(BUILD)/lib/bench_libsrtp_nss.so
ifneq ($(wildcard build/third_party/libsrtp2/configure),)
BINS += $(BUILD)/lib/bench_libsrtp_ossl.so
endif
BENCHES += scripts/srtp-bench.sh

# A short srtp-bench run in `make test`: not judged on speed (that is `make
# bench`), but every implementation must process every packet — libsrtp2
# unprotecting our packets and ours libsrtp2's under the benchmark's loops —
# and the drivers must load.
SLOW_TESTS += "$(BUILD)/srtp-bench --seconds 0.01"
