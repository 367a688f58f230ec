/*
 * modules/sdes/kam_events.h — srtpd's events in Kamailio's script
 * (docs/sdes-module.md "Events").
 *
 * Delivery: one Kamailio process ("SDES RELAY EVENTS") polls every relay
 * that is not known down with srtpd's `events` command every
 * event_interval_ms (default 1000). Polling rather than srtpd's `notify`
 * push: it uses the control channel sdes.so already has (a unix socket
 * 0600 or HMAC-signed UDP, with replay refusal), needs no listening socket
 * in Kamailio and loses nothing while Kamailio restarts (srtpd queues up
 * to 1024 events). The process starts only when the script has an
 * event_route[sdes:...] (or KEMI event_callback is set) and a relay is
 * configured; it takes the events out of srtpd's queue.
 *
 * Each event runs event_route[sdes:TYPE] — sdes:media-timeout,
 * sdes:soft-limit, sdes:key-switched, sdes:key-exhausted — with
 *   $sdes(event)     the type            $sdes(relay)     the relay
 *   $sdes(call-id)   the call            $sdes(from-tag)  $sdes(to-tag)
 *   $sdes(leg)       a | b ("" for call-level events)
 *   $sdes(stream)    the m= index (-1 for call-level events)
 *   $sdes(reason)    one sentence for the log
 * The tags are the dialog's as sdes.so gave them to srtpd with the call
 * (From-tag of the first offer, To-tag of the branch srtpd relays), so
 * dlg_get($sdes(call-id), $sdes(from-tag), $sdes(to-tag)) + dlg_bye("all")
 * ends the dialog (cfg/media-timeout.cfg). A media-timeout also writes the
 * call's audit line (the call is gone from srtpd already).
 */
#ifndef SDESGATE_SDES_KAM_EVENTS_H
#define SDESGATE_SDES_KAM_EVENTS_H

#include "core/parser/msg_parser.h"
#include "core/pvar.h"

/* Module parameters (sdes_mod.c's table). */
extern int sdes_kam_event_interval_ms; /* 0 = no polling */
extern char *sdes_kam_event_callback;  /* KEMI function name, or NULL */

/* mod_init, after the relays: finds the event routes, registers the
 * polling process when needed. Returns 0 or -1 (logged). */
int sdes_kam_events_init(void);
/* child_init: forks the polling process from PROC_MAIN. 0 or -1. */
int sdes_kam_events_child_init(int rank);

/* $sdes(NAME) inside an event route (kam_result.c asks): the name's code
 * (> 0) or 0 when it is not an event name. */
int sdes_kam_event_pv_name(const str *in);
/* 1 when msg is the faked message of the event route now running. */
int sdes_kam_event_running(const sip_msg_t *msg);
/* The value of an event name (code from sdes_kam_event_pv_name), or of
 * "reason"; $null otherwise. */
int sdes_kam_event_pv_get(sip_msg_t *msg, pv_param_t *param, pv_value_t *res, int code,
                          int is_reason);

#endif
