# tests/interop — interop with Debian's libsrtp2 (pkg-config libsrtp2), both
# directions, every suite libsrtp2 has. Fast, so they run as UNIT_TESTS (and
# under ASan+UBSan by `make asan`; libsrtp2 itself is not instrumented).
LIBSRTP2_LIBS := $(shell pkg-config --libs libsrtp2 2>/dev/null || echo -lsrtp2)

LIBSRTP_PEER_SRCS := tests/interop/libsrtp_peer.c
LIBSRTP_INTEROP_TESTS := libsrtp_interop libsrtp_interop_rtcp

# Until the transform library defines every call these tests use, they are
# not built (so `make` keeps working for everyone while it lands).
LIBSRTP_INTEROP_READY := $(shell cat rtp/srtp/*.c 2>/dev/null | grep -c -E \
  '^(sg_status|uint32_t|size_t) (sg_srtcp_unprotect|sg_srtp_get_roc|sg_srtp_use_key|sg_srtp_protect|sg_srtp_unprotect|sg_srtcp_protect|sg_srtp_set_roc)\b')

define libsrtp_interop_rule
$(BUILD)/tests/$(1): $(call objs,tests/interop/$(1).c $(LIBSRTP_PEER_SRCS)) $(SRTP_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) $$^ -o $$@ $$(LIBSRTP2_LIBS) $$(SRTP_LIBS) -lcrypto
endef

ifeq ($(LIBSRTP_INTEROP_READY),7)
$(foreach t,$(LIBSRTP_INTEROP_TESTS),$(eval $(call libsrtp_interop_rule,$(t))))
UNIT_TESTS += $(foreach t,$(LIBSRTP_INTEROP_TESTS),$(BUILD)/tests/$(t))
endif
