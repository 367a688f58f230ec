/*
 * modules/sdes/call/bridge.h — the bridge from sdes.so's flags to the SDES
 * engine (sdes_engine.h): the engine policy a call's flags stand for, and
 * the stateless policy check behind sdes_check() (the engine judges the
 * offer's a=crypto lines: suites, tag and key lengths, session parameters,
 * lifetimes). Kamailio-free, so tests drive it.
 */
#ifndef SDESGATE_SDES_CALL_ENGINE_H
#define SDESGATE_SDES_CALL_ENGINE_H

#include <stddef.h>

#include "sdes/call/flags.h"
#include "sdes/engine/sdes_engine.h"

/* The engine policy for these flags (after defaults):
 *   policy optional -> srtp=optional; require -> srtp=require;
 *   strong -> srtp=require, min-tag=80, min-key=128,
 *             forbid=unencrypted:unauthenticated;
 *   suites -> suites (same order); mki=N -> gen-mki=N (the engine allows
 *   0..4); lifetime -> gen-lifetime and max-lifetime; roc -> roc.
 * Returns 0, or -1 with the engine's reason in err. */
int sdes_call_engine_policy(const sdes_call_flags *f, sdes_policy *p, char *err, size_t errlen);

/* Would the engine accept this offer under the flags' policy, taking it as
 * the SRTP side (mode decrypt, or the flags' mode when it is rekey or
 * passthrough)? Nothing is kept: the scratch state and every generated key
 * are wiped before return. Returns the engine's code; reason gets its
 * one-line reason ("" when OK), suite the first accepted suite name ("" when
 * none: plain RTP allowed by the policy). */
sdes_rej sdes_call_engine_check(const sdes_call_flags *f, const char *body, size_t len,
                                char *reason, size_t reason_len, char *suite, size_t suite_len);

/* How sdes.so reports an engine code: 1 OK, -2 policy, -4 bad SDP, -1 other. */
int sdes_call_engine_rc(sdes_rej code);

#endif
