# rtp/relay — srtpd, the media relay (and srtpctl, its operator tool).
MHD_LIBS := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
RELAY_SRCS := $(filter-out rtp/relay/srtpd.c,$(wildcard rtp/relay/*.c))
# The call store's Redis client (docs/ha.md).
HIREDIS_LIBS := $(shell pkg-config --libs hiredis 2>/dev/null || echo -lhiredis)

$(BUILD)/srtpd: $(call objs,rtp/relay/srtpd.c $(RELAY_SRCS)) $(CTL_LIB) $(SRTP_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ -lcrypto -lpthread -luring -lsystemd $(MHD_LIBS) $(HIREDIS_LIBS)

$(BUILD)/srtpctl: $(call objs,rtp/tools/srtpctl.c) $(CTL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ -lcrypto

# srtpd links the SRTP library's protect/unprotect; until that library's
# sources are in the tree, srtpd is not part of `make` (keeps the build green).
ifneq ($(wildcard rtp/srtp/context.c),)
BINS += $(BUILD)/srtpd
endif
BINS += $(BUILD)/srtpctl
