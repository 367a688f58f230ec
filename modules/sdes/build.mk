# modules/sdes — the Kamailio-free SDES engine (libsg_sdes.a) and the
# operator tool build/sdes-sdp. The Kamailio glue (sdes_mod.c, kam_*.c) is
# built by modules/sdes/kam.mk and is kept out of this library.
SDES_TOOL_SRCS := modules/sdes/tool_sdes_sdp.c
SDES_BENCH_SRCS := modules/sdes/tool_sdes_bench.c
SDES_SRCS := $(filter-out modules/sdes/sdes_mod.c modules/sdes/kam_%.c $(SDES_TOOL_SRCS) $(SDES_BENCH_SRCS),\
               $(wildcard modules/sdes/*.c))
# What a program using the engine links. The one suite table lives in the
# SRTP library (rtp/srtp/suite.c); only its object is needed, so the engine
# does not depend on the rest of libsg_srtp.a building.
SDES_SUITE_OBJ := $(call objs,rtp/srtp/suite.c)
SDES_LINK := $(SDES_LIB) $(SDES_SUITE_OBJ) -lcrypto

$(SDES_LIB): $(call objs,$(SDES_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
BINS += $(SDES_LIB)

ifneq ($(wildcard $(SDES_TOOL_SRCS)),)
$(BUILD)/sdes-sdp: $(call objs,$(SDES_TOOL_SRCS)) $(SDES_LIB) $(SDES_SUITE_OBJ)
	$(CC) $(ALL_LDFLAGS) $(call objs,$(SDES_TOOL_SRCS)) -o $@ $(SDES_LINK)
BINS += $(BUILD)/sdes-sdp
endif

# `make bench`: microseconds per 2-stream SDP rewrite, as a ratio to 10 us.
ifneq ($(wildcard $(SDES_BENCH_SRCS)),)
$(BUILD)/sdes-bench: $(call objs,$(SDES_BENCH_SRCS)) $(SDES_LIB) $(SDES_SUITE_OBJ)
	$(CC) $(ALL_LDFLAGS) $(call objs,$(SDES_BENCH_SRCS)) -o $@ $(SDES_LINK)
BINS += $(BUILD)/sdes-bench
BENCHES += $(BUILD)/sdes-bench
endif
