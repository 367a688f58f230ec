# rtp/crypto_attr — the RFC 4568 a=crypto attribute codec
# (libsg_crypto_attr.a). Below both users: the SDES engine
# (modules/sdes/engine) and srtp-pcap (rtp/tools). Depends only on the
# SRTP library's suite table (rtp/srtp/suite.h).
CATTR_SRCS := $(wildcard rtp/crypto_attr/*.c)

$(CATTR_LIB): $(call objs,$(CATTR_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
BINS += $(CATTR_LIB)
