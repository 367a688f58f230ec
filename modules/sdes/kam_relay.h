/*
 * modules/sdes/kam_relay.h — the relays sdes.so may use (module parameter
 * "relay", one or more), kept in shared memory so every Kamailio process and
 * the RPC commands see one table.
 *
 * What exists now: the list, its checks (numeric addresses, weights, remote
 * relays only with a secret) and sdes.relays. What does not yet: health
 * pings and failover, which need the control-protocol client (rtp/ctl);
 * state stays "unchecked" until that client is wired in, and sdes.relays
 * says so instead of claiming a relay is up.
 */
#ifndef SDESGATE_SDES_KAM_RELAY_H
#define SDESGATE_SDES_KAM_RELAY_H

#include "core/rpc.h"
#include "sdes/kam_relayspec.h"

/* Module-parameter callback for "relay": one or more specs separated by
 * spaces or commas. Runs before mod_init (pkg memory). */
int sdes_kam_relay_param(const char *value);

/* mod_init: copy the list to shared memory. secret_set says whether a
 * control secret is configured; remote relays without one are refused
 * (DESIGN.md security rules). Returns 0 or -1 (logged). */
int sdes_kam_relay_init(int secret_set);

/* mod_destroy. */
void sdes_kam_relay_destroy(void);

/* Number of configured relays. */
int sdes_kam_relay_count(void);

/* RPC sdes.relays. */
void sdes_kam_relay_rpc_list(rpc_t *rpc, void *ctx);

#endif
