# rtp/srtp — the SRTP/SRTCP transform library (libsg_srtp.a).
SRTP_SRCS := $(wildcard rtp/srtp/*.c)
SRTP_LIBS := -lcrypto

$(SRTP_LIB): $(call objs,$(SRTP_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
BINS += $(SRTP_LIB)
