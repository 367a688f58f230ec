# tests/unit/store.mk — srtpd's call record format and sealing
# (rtp/relay/store_codec.c, store_decode.c) and the redis address forms
# (store_redis.c), without Redis.
$(BUILD)/tests/relay_store_codec_test: $(call objs,tests/unit/relay_store_codec_test.c rtp/relay/store_codec.c rtp/relay/store_decode.c rtp/relay/store_redis.c) $(CTL_LIB) $(SRTP_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ -lcrypto $(HIREDIS_LIBS)
UNIT_TESTS += $(BUILD)/tests/relay_store_codec_test
