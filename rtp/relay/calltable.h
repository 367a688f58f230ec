/*
 * rtp/relay/calltable.h — srtpd's call table (relay_daemon.calls, control
 * thread only): find a call, create and close a stream, snapshot a stream
 * on its worker, delete a call. The commands (cmd_*.c) and the
 * housekeeping (events.c) both reach calls through here; this file calls
 * neither of them.
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

/* The call with that id, or NULL. */
relay_call *relay_find(relay_daemon *d, const char *id);

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

/* Deletes a call: detaches its streams (a job per stream), wipes keys,
 * frees ports; with w, writes the final per-stream statistics as the
 * "streams" list of a reply. why goes to the log. */
void relay_delete_call(relay_daemon *d, relay_call *call, ctl_benc *w, const char *why);

/* Deletes every call (at shutdown). */
void relay_delete_all(relay_daemon *d);

#endif
