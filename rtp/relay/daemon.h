/*
 * rtp/relay/daemon.h — srtpd's control-thread state: the call table, the
 * workers, the port range, the event queue and the totals of finished
 * calls. Only the control thread touches this struct; what workers own is
 * reached through jobs (worker.h).
 */
#ifndef SDESGATE_RELAY_DAEMON_H
#define SDESGATE_RELAY_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ctl/bencode.h"
#include "ctl/server.h"
#include "relay/config.h"
#include "relay/iface.h"
#include "relay/ports.h"
#include "relay/call.h"
#include "relay/opstats.h"
#include "relay/worker.h"

#define RELAY_EVENTS_MAX     1024
#define RELAY_EVENT_WIRE_MAX 1024 /* one bencoded event, tags and Call-ID at their longest */

typedef struct relay_event {
    char type[24]; /* soft-limit, key-switched, key-exhausted, media-timeout */
    char call_id[RELAY_CALLID_MAX];
    char from_tag[RELAY_TAG_MAX], to_tag[RELAY_TAG_MAX]; /* the call's, "" = unknown */
    int stream;                                          /* -1 for call-level events */
    int leg;                                             /* 0 = a, 1 = b, -1 */
    int64_t unix_time;
    uint64_t seq;
} relay_event;

typedef struct relay_daemon {
    relay_config cfg;
    relay_worker **workers;
    int nworkers;
    int next_worker;
    relay_call *calls;              /* every call, newest first (calltable.h) */
    ctl_htab calltab;               /* the same calls by id */
    struct relay_stream_snap *snap; /* query/delete: one per stream index (calltable.h) */
    size_t ncalls;
    relay_ports ports;
    relay_ifaces ifaces; /* named media interfaces (relay/iface.h) */
    relay_event events[RELAY_EVENTS_MAX];
    size_t ev_head, ev_count;
    uint64_t ev_seq, events_lost;
    relay_counters closed; /* totals of deleted calls */
    uint64_t calls_created, calls_deleted, calls_timed_out;
    int64_t start_ms;
    int notify_fd; /* -1 when events are only polled */
    const void *secret;
    size_t secret_len;
    int64_t next_switch_ms; /* earliest pending key switch (INT64_MAX: none) */
    relay_opstats ops;      /* requests, events, rekeys, switches (metrics) */
    ctl_server *srv[4];     /* the control servers, for their counters */
    int nsrv;
    bool draining; /* `drain`: new calls refused (relay/ops.h) */
    int argc;      /* the command line, re-read by a reload (relay/ops.h) */
    char **argv;
} relay_daemon;

/* The control-protocol handler (ctl_handler_fn) for srtpd's commands. */
void relay_cmd_handle(void *arg, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w);

/* Queues an event (dropping the oldest when full), logs it and pushes it to
 * --notify. stream/leg -1 for call-level events. */
void relay_event_push(relay_daemon *d, const char *type, const char *call_id, int stream, int leg);
/* One event as a bencoded dict. */
void relay_event_write(ctl_benc *w, const relay_event *e);

/* Once a second: collect events and media timeouts from the workers. */
void relay_housekeeping(relay_daemon *d);

/* Runs the deferred send-key switches whose deadline has passed (the SIP
 * side's "use" did not come: ACK lost, SIP side restarted) and recomputes
 * d->next_switch_ms. Called from the control loop. */
void relay_switch_run_due(relay_daemon *d);

#endif
