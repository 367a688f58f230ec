/*
 * rtp/relay/cmd.h — srtpd's control commands (docs/protocol.md), internal
 * to rtp/relay: the handlers dispatch.c calls (relay_cmd_handle in
 * daemon.h is the entry) and the reply pieces they share. Every command
 * is validated completely before anything changes, so a bad request
 * leaves every call as it was.
 */
#ifndef SDESGATE_RELAY_CMD_H
#define SDESGATE_RELAY_CMD_H

#include "ctl/bencode.h"
#include "relay/daemon.h"
#include "relay/parse.h"

/* cmd_reply.c: "error-reason" and "result": "error". Counted in
 * relay_err_count (dispatch.c tells ok from error by it). */
void relay_err(ctl_benc *w, const char *why);
extern uint64_t relay_err_count;
/* cmd_reply.c: "streams", the local side of every stream of the call. */
void relay_write_streams(relay_daemon *d, ctl_benc *w, const relay_call *call);
/* The same while a job that changes the call's streams has not run yet:
 * pending[i] (NULL, or stream i's two leg updates) is applied over what
 * the stream is now (cmd_apply.c's deferred job). */
void relay_write_streams_pending(relay_daemon *d, ctl_benc *w, const relay_call *call,
                                 const relay_leg_update *const pending[RELAY_MAX_STREAMS]);

/* cmd_iface.c: the interface (and, for a new stream, the family) of both
 * legs of one stream of a request; old is the existing stream or NULL.
 * false with why and *bad_leg (0 = a, 1 = b) set. */
bool relay_legs_iface(relay_daemon *d, relay_leg_update *u, const relay_stream *old, char *why,
                      size_t whylen, int *bad_leg);

/* cmd_apply.c: offer / answer / update; creates the call (offer only). */
void relay_cmd_apply(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w,
                     const char *cmd, const char *call_id);

/* cmd_rekey.c: rekey of one leg and direction. */
void relay_cmd_rekey(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w,
                     relay_call *call);

/* cmd_query.c: the read-only commands. */
void relay_cmd_query(relay_daemon *d, ctl_benc *w, relay_call *call);
void relay_cmd_state(relay_daemon *d, ctl_benc *w, relay_call *call);
/* cmd_query.c: the refusal of a request whose "if-version" does not match
 * (call NULL: the call does not exist): an error reply that also carries
 * what "state" returns, so the SIP side retries without fetching it. */
void relay_write_conflict(relay_daemon *d, ctl_benc *w, const relay_call *call);
void relay_cmd_list(relay_daemon *d, ctl_benc *w);
void relay_cmd_statistics(relay_daemon *d, ctl_benc *w);
/* store_cmd.c: takeover (a standby takes the active relay's calls). */
void relay_cmd_takeover(relay_daemon *d, ctl_benc *w);
void relay_cmd_events(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w);

/* cmd_log.c: log-level, read or set srtpd's log level at run time. */
void relay_cmd_log_level(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w);

#endif
