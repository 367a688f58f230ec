/*
 * modules/sdes/kam_statecache.h — what the next answer of a call needs,
 * kept in shared memory from the offer (or the last answer) so that
 * sdes_answer makes one request to srtpd instead of two ("state", then
 * "answer"): the call's relay, its sdes-state with the version srtpd gave
 * it, and the local ports of both legs.
 *
 * srtpd stays the only source of truth: a cached state is used only with
 * "if-version" of the version it was stored at (docs/protocol.md), so a
 * stale entry (another Kamailio wrote the call, a branch was deleted,
 * srtpd restarted) is refused by srtpd and the answer runs again from the
 * state in the refusal, or without the cache. An entry that does not fit
 * (long Call-ID, large state) is simply not kept.
 *
 * Bounded: modparam state_cache slots (default 1024, 0 = off), each a
 * fixed buffer in shm made at start, direct-mapped by a hash of the
 * Call-ID (a collision replaces the older entry). Entries hold keys: each
 * is wiped when replaced or dropped (sdes_delete drops the call's), and
 * all of them at shutdown.
 */
#ifndef SDESGATE_SDES_KAM_STATECACHE_H
#define SDESGATE_SDES_KAM_STATECACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

#include "sdes/engine/sdes_engine.h"

#define SDES_KAM_SC_STATE_MAX 4096 /* larger states (many branches) are not kept */

/* mod_init: slots in shm (0: no cache). Returns 0 or -1 (logged). */
int sdes_kam_statecache_init(int slots);
/* mod_destroy: wipes every entry. */
void sdes_kam_statecache_destroy(void);

/* Keeps the call's state (len bytes) at version, on relay, with the local
 * ports of leg a and leg b (SDES_MAX_MEDIA each, by stream index). */
void sdes_kam_statecache_put(const str *cid, int relay, uint64_t version, const uint8_t *state,
                             size_t len, const sdes_relay *ports_a, const sdes_relay *ports_b);

/* Copies the call's entry out: 1 when found (state into buf[0, cap),
 * ports into ports_a/ports_b), 0 when not. */
int sdes_kam_statecache_get(const str *cid, int *relay, uint64_t *version, uint8_t *buf, size_t cap,
                            size_t *len, sdes_relay *ports_a, sdes_relay *ports_b);

/* Forgets the call (wiped). */
void sdes_kam_statecache_drop(const str *cid);

#endif
