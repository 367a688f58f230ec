/*
 * rtp/relay/calltable.h — srtpd's call table (relay_daemon.calls and
 * .calltab, control thread only): find a call, add one, create and close a
 * stream, snapshot a call's streams on their worker, delete a call. The
 * commands (cmd_*.c) and the housekeeping (events.c) both reach calls
 * through here; this file calls neither of them.
 *
 * Cost: finding, adding and deleting a call are O(1) expected whatever the
 * number of calls (a SipHash-keyed table, ctl/htab.h: call-ids are chosen
 * by the SIP side's peers, so they cannot be picked to collide), and
 * deleting every call at shutdown is linear.
 */
#ifndef SDESGATE_RELAY_CALLTABLE_H
#define SDESGATE_RELAY_CALLTABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl/bencode.h"
#include "relay/call.h"
#include "relay/daemon.h"
#include "relay/parse.h"
#include "relay/snapshot.h"

/* Sets up d's empty table; false when out of memory or no randomness. */
bool relay_calls_init(relay_daemon *d);
/* Frees the (empty) table. */
void relay_calls_free(relay_daemon *d);

/* The call with that id, or NULL. */
relay_call *relay_find(relay_daemon *d, const char *id);

/* Adds a new call (its id set, not in the table yet) to d->calls. */
void relay_link(relay_daemon *d, relay_call *call);

/* Takes the call out of d->calls (it is not freed). */
void relay_unlink(relay_daemon *d, relay_call *call);

/* A new stream of the call with its two legs' sockets bound (family from
 * u[0..1]); NULL with why filled when no interface or port pair is free. */
relay_stream *relay_stream_new(relay_daemon *d, relay_call *call, int index,
                               const relay_leg_update *u, char *why, size_t whylen);

/* Closes a stream's sockets, frees its contexts and the stream. */
void relay_stream_close(relay_stream *s);

/* A job (relay_worker_run) that takes a stream's snapshot (when snap is
 * set) and detaches it from its worker (when detach is set). */
typedef struct relay_snap_job {
    relay_stream *s;
    relay_stream_snap *snap;
    bool detach;
} relay_snap_job;
void relay_job_snap(relay_worker *w, void *arg);

/* Takes the snapshot of every stream of the call on its worker, one job
 * per worker (stream i into d->snap[i], RELAY_MAX_STREAMS of them
 * allocated once by relay_calls_init), detaching the stream too
 * when detach is set (before a delete), and writes each into w as the
 * "streams" list (w may be NULL). each (may be NULL) sees every snapshot,
 * with arg. query and delete share it. */
typedef void (*relay_snap_each_fn)(relay_daemon *d, relay_call *call, const relay_stream *s,
                                   const relay_stream_snap *snap, const void *arg);
void relay_call_snaps(relay_daemon *d, relay_call *call, bool detach, ctl_benc *w,
                      relay_snap_each_fn each, const void *arg);

/* Deletes a call: detaches its streams (one job: relay_call_snaps), wipes keys,
 * frees ports; with w, writes the final per-stream statistics as the
 * "streams" list of a reply. why goes to the log. */
void relay_delete_call(relay_daemon *d, relay_call *call, ctl_benc *w, const char *why);

/* Deletes every call (at shutdown). */
void relay_delete_all(relay_daemon *d);

#endif
