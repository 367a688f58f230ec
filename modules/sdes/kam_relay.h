/*
 * modules/sdes/kam_relay.h — the relays sdes.so may use (module parameter
 * "relay", one or more), kept in shared memory so every Kamailio process and
 * the RPC commands see one table.
 *
 * Health: a timer process pings every relay over the control protocol
 * (rtp/ctl client, ng "ping") every ping_interval seconds; a relay that
 * does not answer within timeout_ms (plus retries) is marked down, one that
 * answers again is up. sdes.relays shows the state ("unchecked" until the
 * first round), answers/failures and the last round-trip time. Choosing a
 * relay per call (weights, failover) happens once offers reach srtpd.
 */
#ifndef SDESGATE_SDES_KAM_RELAY_H
#define SDESGATE_SDES_KAM_RELAY_H

#include "core/rpc.h"
#include "sdes/kam_relayspec.h"

/* Module-parameter callback for "relay": one or more specs separated by
 * spaces or commas. Runs before mod_init (pkg memory). */
int sdes_kam_relay_param(const char *value);

/* mod_init: copy the list to shared memory. secret (may be NULL) is the
 * control secret; remote relays without one are refused (DESIGN.md security
 * rules). Returns 0 or -1 (logged). */
int sdes_kam_relay_init(const char *secret, int timeout_ms, int retries);

/* One ping round over every relay (timer process; any process may call it:
 * each keeps its own control clients). Logs state changes only. */
void sdes_kam_relay_ping_all(void);

/* mod_destroy. */
void sdes_kam_relay_destroy(void);

/* Number of configured relays. */
int sdes_kam_relay_count(void);

/* srtpd "delete" for a call on whichever relay holds it (relays known to
 * be down are skipped); audit gets the call's audit line (kam_audit.h).
 * Returns 1 deleted, 0 no relay holds the call, -1 no relay answered (err
 * says why). */
int sdes_kam_relay_delete(const char *call_id, size_t len, char *audit, size_t audit_cap,
                          char *err, size_t errlen);

/* RPC sdes.relays. */
void sdes_kam_relay_rpc_list(rpc_t *rpc, void *ctx);

/* RPC sdes.list: the calls each relay that answers holds (srtpd "list"):
 * call-id, age and per stream the legs' transports and suites. No keys. */
void sdes_kam_relay_rpc_calls(rpc_t *rpc, void *ctx);

#endif
