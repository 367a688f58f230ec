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
} sdes_kam_params;

extern sdes_kam_params sdes_kam_p;

/* The flags every call starts from (default_* parameters), set by
 * sdes_kam_params_init. */
extern sdes_kam_flags sdes_kam_defaults;

/* Setter of modparam "relay" (PARAM_STRING | PARAM_USE_FUNC). */
int sdes_kam_params_relay(modparam_t type, void *val);

/* mod_init: checks every parameter, builds sdes_kam_defaults, reads
 * secret_file. Returns 0, or -1 after one log line naming the parameter. */
int sdes_kam_params_init(void);

/* The control secret after sdes_kam_params_init (NULL or "" when none). */
const char *sdes_kam_params_secret(void);

#endif
