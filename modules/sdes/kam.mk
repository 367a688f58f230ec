# modules/sdes/kam.mk — build/sdes.so, the Kamailio module: the glue
# (modules/sdes/*.c, the only files that include Kamailio headers) and the
# Kamailio-free call logic (modules/sdes/call/*.c). The SDES engine's own
# library is built by modules/sdes/build.mk.
#
# Kamailio compatibility: every define comes from scripts/kamailio-flags.sh,
# the one place that reads the unpacked tree's src/config.mak (Debian's
# exact flags, plus -DKSR_PTHREAD_MUTEX_SHARED) and checks it against the
# installed `kamailio -V`. Kamailio's headers do not pass our warnings, so
# they are included with -isystem (our own code keeps -Wall -Wextra -Werror
# -Wshadow -Wformat=2); the glue is -std=gnu11 because Kamailio's atomic
# headers use the GNU `asm` keyword. The call logic (modules/sdes/call/)
# compiles with the normal -std=c11 rule and never sees Kamailio's headers.
KAM_TREE  := build/third_party/kamailio
KAM_SO    := $(BUILD)/sdes.so
KAM_GLUE_SRCS := $(wildcard modules/sdes/*.c)
KAM_GLUE_OBJS := $(patsubst %.c,$(BUILD)/obj/kam/%.o,$(KAM_GLUE_SRCS))

ifneq ($(wildcard $(KAM_TREE)/src/config.mak),)
KAM_DEFS := $(shell bash scripts/kamailio-flags.sh $(abspath $(KAM_TREE)))
KAM_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -fPIC -MMD -MP \
  -Irtp -Imodules -isystem $(KAM_TREE)/src $(KAM_DEFS)

$(BUILD)/obj/kam/%.o: %.c $(KAM_TREE)/src/config.mak
	@mkdir -p $(dir $@)
	$(CC) $(KAM_CFLAGS) -c $< -o $@

# The call logic's objects (CALL_SRCS, modules/sdes/build.mk), the SDES
# engine with its a=crypto codec (SDES_LIBS), the control-protocol client (CTL_LIB) and,
# for the suite table, the SRTP library; all built -fPIC by the common rule.
$(KAM_SO): $(KAM_GLUE_OBJS) $(call objs,$(CALL_SRCS)) $(SDES_LIBS) $(CTL_LIB) $(SRTP_LIB)
	$(CC) -shared -pthread $(LDFLAGS) -o $@ $(KAM_GLUE_OBJS) $(call objs,$(CALL_SRCS)) \
	  $(SDES_LIBS) $(CTL_LIB) $(SRTP_LIB) -lcrypto
BINS += $(KAM_SO)
else
$(info sdes.so skipped: $(KAM_TREE) is not unpacked yet; run `make deps`)
endif
