# modules/sdes — the Kamailio-free parts: the SDES engine
# (modules/sdes/engine/, libsg_sdes.a), the call logic of sdes.so
# (modules/sdes/call/, libsg_sdes_call.a, for the tests; sdes.so links its
# objects) and the engine's two programs (modules/sdes/tools/): the
# operator tool build/sdes-sdp and build/sdes-bench. The Kamailio module
# itself (the glue, modules/sdes/*.c) is built by modules/sdes/kam.mk.
# Every folder's sources are its *.c.
SDES_SRCS := $(wildcard modules/sdes/engine/*.c)
CALL_SRCS := $(wildcard modules/sdes/call/*.c)
SDES_TOOL_SRCS := modules/sdes/tools/sdes_sdp.c
SDES_BENCH_SRCS := modules/sdes/tools/sdes_bench.c
# What a program using the engine links: the engine, the a=crypto codec
# (rtp/crypto_attr) and the one suite table of the SRTP library
# (rtp/srtp/suite.c); only that object is needed, so the engine does not
# depend on the rest of libsg_srtp.a building.
SDES_SUITE_OBJ := $(call objs,rtp/srtp/suite.c)
SDES_LIBS := $(SDES_LIB) $(CATTR_LIB)
SDES_LINK := $(SDES_LIBS) $(SDES_SUITE_OBJ) -lcrypto

$(SDES_LIB): $(call objs,$(SDES_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
BINS += $(SDES_LIB)

$(CALL_LIB): $(call objs,$(CALL_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
BINS += $(CALL_LIB)

$(BUILD)/sdes-sdp: $(call objs,$(SDES_TOOL_SRCS)) $(SDES_LIBS) $(SDES_SUITE_OBJ)
	$(CC) $(ALL_LDFLAGS) $(call objs,$(SDES_TOOL_SRCS)) -o $@ $(SDES_LINK)
BINS += $(BUILD)/sdes-sdp

# `make bench`: microseconds per 2-stream SDP rewrite, as a ratio to 10 us.
$(BUILD)/sdes-bench: $(call objs,$(SDES_BENCH_SRCS)) $(SDES_LIBS) $(SDES_SUITE_OBJ)
	$(CC) $(ALL_LDFLAGS) $(call objs,$(SDES_BENCH_SRCS)) -o $@ $(SDES_LINK)
BINS += $(BUILD)/sdes-bench
BENCHES += $(BUILD)/sdes-bench
