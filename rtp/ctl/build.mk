# rtp/ctl — the control protocol library (libsg_ctl.a): bencode, ng framing,
# HMAC authentication, reply cache, sockets and the client. Linked into srtpd,
# srtpctl and sdes.so (objects are -fPIC).
CTL_SRCS := $(wildcard rtp/ctl/*.c)
CTL_LIBS := -lcrypto

$(CTL_LIB): $(call objs,$(CTL_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
BINS += $(CTL_LIB)
