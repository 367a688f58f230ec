# tests/unit/srtp_resume.mk — the SRTP library's index resume (resume.c),
# what srtpd's call store relies on after a restart or takeover.
$(BUILD)/tests/srtp_resume_test: $(call objs,tests/unit/srtp_resume_test.c) $(SRTP_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ $(SRTP_LIBS)
UNIT_TESTS += $(BUILD)/tests/srtp_resume_test
