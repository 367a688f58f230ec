/*
 * modules/sdes/kam_run.h — what every cfg function and KEMI export of
 * sdes.so runs (the export tables are in sdes_mod.c). Return codes: see
 * kam_call.h (SDES_RC_*) and docs/sdes-module.md "Functions".
 *
 * Fail closed: whenever an offer, answer or rekey returns a negative code,
 * the message's body has already been replaced by one that rejects every
 * stream, so a script that relays it anyway sends none of the refused
 * SDP's addresses, ports or keys.
 */
#ifndef SDESGATE_SDES_KAM_RUN_H
#define SDESGATE_SDES_KAM_RUN_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

typedef enum sdes_op {
    SDES_OP_OFFER,
    SDES_OP_ANSWER,
    SDES_OP_DELETE,
    SDES_OP_CHECK,
    SDES_OP_REKEY,
    SDES_OP_ACK,
} sdes_op;

/* One operation; flags NULL = the defaults only. */
int sdes_kam_run(sip_msg_t *msg, sdes_op op, const str *flags);

/* The same with a cfg function's fixed-up flags parameter (NULL: none). */
int sdes_kam_run_w(sip_msg_t *msg, sdes_op op, char *flags);

/* sdes_ack: the re-offerer's ACK (kam_ack.h). */
int sdes_kam_run_ack(sip_msg_t *msg);

/* Fixup of the flags parameter: a constant string is checked at start-up
 * (a typo stops Kamailio; `kamailio -c` in 5.6 runs no fixup, so it does
 * not see it), one with variables per call. */
int sdes_kam_fixup_flags(void **param, int param_no);
int sdes_kam_fixup_free_flags(void **param, int param_no);

/* mod_init: warns when Kamailio's log level would log keys. */
void sdes_kam_run_warn_debug_at_start(void);

#endif
