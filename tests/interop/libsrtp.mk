# tests/interop — interop with Debian's libsrtp2 (pkg-config libsrtp2), both
# directions, every suite libsrtp2 has. Fast, so they run as UNIT_TESTS (and
# under ASan+UBSan by `make asan`; libsrtp2 itself is not instrumented).
LIBSRTP2_LIBS := $(shell pkg-config --libs libsrtp2 2>/dev/null || echo -lsrtp2)

LIBSRTP_PEER_SRCS := tests/interop/libsrtp_peer.c
LIBSRTP_INTEROP_TESTS := libsrtp_interop_test libsrtp_interop_rtcp_test libsrtp_diff_test

define libsrtp_interop_rule
$(BUILD)/tests/$(1): $(call objs,tests/interop/$(1).c $(LIBSRTP_PEER_SRCS)) $(SRTP_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) $$^ -o $$@ $$(LIBSRTP2_LIBS) $$(SRTP_LIBS) -lcrypto
endef

$(foreach t,$(LIBSRTP_INTEROP_TESTS),$(eval $(call libsrtp_interop_rule,$(t))))
UNIT_TESTS += $(foreach t,$(LIBSRTP_INTEROP_TESTS),$(BUILD)/tests/$(t))
