/*
 * modules/sdes/kam_relay.h — the relays sdes.so may use (module parameter
 * "relay", one or more), kept in shared memory so every Kamailio process and
 * the RPC commands see one table.
 *
 * Health: a timer process pings every relay over the control protocol
 * (rtp/ctl client, ng "ping") every ping_interval seconds; a relay that
 * does not answer within timeout_ms (plus retries) is marked down, one that
 * answers again is up; a relay known down is also probed (one short ping,
 * at most every 250 ms) before a request would skip it, so a restarted
 * srtpd is used again at once. sdes.relays shows the state ("unchecked" until the
 * first round), answers/failures and the last round-trip time. A new call
 * goes to a relay chosen by weight among those not known to be down; when
 * it does not answer, the next one is tried (failover). Later requests for
 * the call find its relay again by asking each relay for the call's
 * "state" (no per-call state in Kamailio).
 */
#ifndef SDESGATE_SDES_KAM_RELAY_H
#define SDESGATE_SDES_KAM_RELAY_H

#include "core/rpc.h"
#include "ctl/bencode.h"
#include "sdes/call/relayspec.h"

/* Module-parameter callback for "relay": one or more specs separated by
 * spaces or commas. Runs before mod_init (pkg memory). */
int sdes_kam_relay_param(const char *value);

/* The first relay that is off loopback over UDP when no secret is set
 * (secret_set 0), or NULL: keys would cross the network unauthenticated. */
const char *sdes_kam_relay_remote_unsigned(int secret_set);

/* mod_init: copy the list to shared memory. secret (may be NULL) is the
 * control secret; remote relays without one are refused (docs/sdes-module.md
 * "Parameters"). Returns 0 or -1 (logged). */
int sdes_kam_relay_init(const char *secret, int timeout_ms, int retries);

/* One ping round over every relay (timer process; any process may call it:
 * each keeps its own control clients). Logs state changes only. */
void sdes_kam_relay_ping_all(void);

/* mod_destroy. */
void sdes_kam_relay_destroy(void);

/* Number of configured relays. */
int sdes_kam_relay_count(void);

/* Relay i is up and its last ping said it understands "if-version"
 * (before the first ping round, relay i is pinged now)
 * (compare-and-swap on the sdes-state, docs/protocol.md). */
int sdes_kam_relay_cas(int i);

/* srtpd "delete" for a call on whichever relay holds it (relays known to
 * be down are skipped); audit gets the call's audit line (call/audit.h).
 * Returns 1 deleted, 0 no relay holds the call, -1 no relay answered (err
 * says why). */
int sdes_kam_relay_delete(const char *call_id, size_t len, char *audit, size_t audit_cap, char *err,
                          size_t errlen);

/* A relay for a new call: random in proportion to the weights among the
 * relays not known to be down and not in the tried bit set (bit i = relay
 * i); when no weighted relay is left, the first "=standby" relay not known
 * to be down (it took the calls over). Returns the index, or -1 when none
 * is left. */
int sdes_kam_relay_pick(unsigned long tried);

/* The relay's canonical text ("udp:127.0.0.1:2223"). */
const char *sdes_kam_relay_name(int i);

/* One request to relay i. *doc and *root: the decoded reply (valid until this
 * process's next request). Returns 0 when the result is "ok", 1 when the
 * relay answered "error" (err = its error-reason), -1 when it did not
 * answer (err says why; the relay is marked down until a ping or a
 * probe answers). */
int sdes_kam_relay_send(int i, const char *body, size_t len, const ctl_be_doc **doc,
                        const ctl_be **root, char *err, size_t errlen);

/* A request naming only a call and a command ("call-id", "command") into
 * body[0, cap). Returns its length, 0 when it does not fit. */
size_t sdes_kam_relay_cid_request(char *body, size_t cap, const char *call_id, size_t len,
                                  const char *command);

/* Which relay holds this call: srtpd "state" on each relay in order (down
 * ones skipped). Returns the relay index with the state reply in
 * *doc and *root, -2 when every relay answered and none knows the call, -1
 * when some relay did not answer (it may hold the call; err says why). */
int sdes_kam_relay_find(const char *call_id, size_t len, const ctl_be_doc **doc,
                        const ctl_be **root, char *err, size_t errlen);

/* Wipes this process's reply buffer: a "state" reply carries the call's
 * sdes-state, which holds keys. */
void sdes_kam_relay_wipe_reply(void);

/* Drain (kam_drain.h): the index of the relay whose canonical text is
 * name[0, len), or -1. */
int sdes_kam_relay_lookup(const char *name, size_t len);
/* sdes.relay_disable/enable: on = 1 takes relay i out of the choice for new
 * calls (its calls go on: finding a call still asks it). Returns the
 * previous setting, -1 for no such relay. */
int sdes_kam_relay_set_disabled(int i, int on);
/* Not known to be down. */
int sdes_kam_relay_is_up(int i);
/* reason is relay i's refusal of a new call: 1 when srtpd is draining
 * (the relay is then skipped for new calls until a ping says otherwise). */
int sdes_kam_relay_refused_draining(int i, const char *reason);
/* reason is relay i's refusal because srtpd is a standby that has not taken
 * over (yet): 1 then (try the next; none left is "no relay", -3). */
int sdes_kam_relay_refused_standby(int i, const char *reason);

/* RPC sdes.relays. */
void sdes_kam_relay_rpc_list(rpc_t *rpc, void *ctx);

/* RPC sdes.list: the calls each relay that answers holds (srtpd "list"):
 * call-id, age and per stream the legs' transports and suites. No keys. */
void sdes_kam_relay_rpc_calls(rpc_t *rpc, void *ctx);

#endif
