/*
 * modules/sdes/kam_result.h — what the last sdes_* call decided for the
 * message being handled, read by the script through $sdes(NAME):
 *   $sdes(rc)      the return code (see SDES_RC_* in sdes_mod.c / docs/sdes-module.md)
 *   $sdes(reason)  one sentence for a reply reason or a log ("" on success)
 *   $sdes(suite)   the negotiated suite name ("" until negotiated)
 *   $sdes(mode)    the mode the call ran with
 * Never a key: nothing here is ever filled from an inline: value.
 * Process-local and tied to the message id, so a stale value from another
 * message reads as $null.
 */
#ifndef SDESGATE_SDES_KAM_RESULT_H
#define SDESGATE_SDES_KAM_RESULT_H

#include "core/parser/msg_parser.h"
#include "core/pvar.h"

void sdes_kam_result_begin(sip_msg_t *msg, const char *mode);
/* Records rc and a reason (printf-style, may be NULL) and returns rc. */
int sdes_kam_result_set(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sdes_kam_result_suite(const char *suite);
/* The mode the call actually ran with (a re-offer keeps the call's). */
void sdes_kam_result_mode(const char *mode);
const char *sdes_kam_result_reason(void);

int sdes_kam_pv_parse_name(pv_spec_t *sp, str *in);
int sdes_kam_pv_get(sip_msg_t *msg, pv_param_t *param, pv_value_t *res);

#endif
