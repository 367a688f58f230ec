/*
 * modules/sdes/kam_params.h — sdes.so's module parameters: their values
 * (the param_export table in sdes_mod.c points here), the defaults the
 * default_* parameters build, and the start-up checks mod_init runs on
 * them (`kamailio -c` runs mod_init too, so a bad value fails the config
 * check). The control secret is never logged.
 */
#ifndef SDESGATE_SDES_KAM_PARAMS_H
#define SDESGATE_SDES_KAM_PARAMS_H

#include "core/sr_module.h"

#include "sdes/call/flags.h"

typedef struct sdes_kam_params {
    char *secret;      /* control secret; never logged */
    char *secret_file; /* or read from this file (rtp/ctl/secret.h rules) */
    int timeout_ms;    /* per control request */
    int retries;       /* retransmissions before a relay counts as down */
    int ping_interval; /* seconds between health pings */
    char *default_mode;
    char *default_policy;
    char *default_suites;
    char *default_flags; /* mki=, lifetime=, roc= defaults */
    int switch_after_ms; /* srtpd's fallback for a switch waiting for an ACK */
    int state_cache;     /* answer state cache slots (kam_statecache.h), 0 = off */
} sdes_kam_params;

extern sdes_kam_params sdes_kam_p;

/* The flags every call starts from (default_* parameters), set by
 * sdes_kam_params_init. */
extern sdes_call_flags sdes_kam_defaults;

/* The setters (PARAM_USE_FUNC), one per parameter: each checks its own
 * value and fails the config with one line naming it. */
int sdes_kam_params_relay(modparam_t type, void *val);
int sdes_kam_params_secret_set(modparam_t type, void *val);
int sdes_kam_params_secret_file_set(modparam_t type, void *val);
int sdes_kam_params_timeout_ms_set(modparam_t type, void *val);
int sdes_kam_params_retries_set(modparam_t type, void *val);
int sdes_kam_params_ping_interval_set(modparam_t type, void *val);
int sdes_kam_params_switch_after_ms_set(modparam_t type, void *val);
int sdes_kam_params_state_cache_set(modparam_t type, void *val);
int sdes_kam_params_event_interval_ms_set(modparam_t type, void *val);
int sdes_kam_params_event_callback_set(modparam_t type, void *val);
int sdes_kam_params_default_mode_set(modparam_t type, void *val);
int sdes_kam_params_default_policy_set(modparam_t type, void *val);
int sdes_kam_params_default_suites_set(modparam_t type, void *val);
int sdes_kam_params_default_flags_set(modparam_t type, void *val);

/* mod_register: under `kamailio -c`, run the checks that need several
 * parameters when the check exits (it runs no mod_init). */
void sdes_kam_params_check_at_exit(void);

/* mod_init: the checks that need several parameters (an off-loopback
 * relay needs a secret; the default_* together); builds sdes_kam_defaults.
 * Returns 0, or -1 after one log line naming the parameter. */
int sdes_kam_params_init(void);

/* The control secret after sdes_kam_params_init (NULL or "" when none). */
const char *sdes_kam_params_secret(void);

#endif
