/*
 * rtp/relay/ops.h — srtpd's operator commands (docs/protocol.md "drain",
 * "reload") and the dialog tags a call carries for its events:
 *
 *   drain   new calls are refused with the error "draining" (sdes.so takes
 *           it as "try another relay"); existing calls, their re-offers,
 *           answers, rekeys and deletes go on. "drain": 0 undoes it.
 *   reload  re-reads the command line and config file (also on SIGHUP):
 *           the options that can change without dropping a call take
 *           effect, a changed restart-only option is reported and ignored.
 *   tags    offer/answer/update may carry "from-tag"/"to-tag" (the SIP
 *           dialog's, < RELAY_TAG_MAX bytes, no NUL); events repeat them.
 */
#ifndef SDESGATE_RELAY_OPS_H
#define SDESGATE_RELAY_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl/bencode.h"
#include "relay/daemon.h"

/* The error-reason of an offer refused while draining; sdes.so matches its
 * first word. */
#define RELAY_DRAINING_REASON "draining: this relay takes no new calls"

/* cmd_ops.c: the commands. */
void relay_cmd_drain(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w);
void relay_cmd_reload(relay_daemon *d, ctl_benc *w);

/* cmd_ops.c: checks the request's tags (false with an error written to w);
 * relay_tags_store copies the given ones into the call (after success). */
bool relay_tags_check(const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w);
void relay_tags_store(relay_call *call, const ctl_be_doc *doc, const ctl_be *req);

/* reload.c: re-reads the configuration from d->argc/argv and applies what
 * can change live: log-file, media-timeout, strict-source (new legs),
 * coalesce-us, notify. Restart-only: listen, interface, interface6,
 * port-min, port-max, workers, secret, secret-file, control-insecure,
 * pid-file. applied/ignored get the comma-separated option names that
 * changed. Returns false (err says why, nothing changed) when the new
 * configuration does not parse. */
bool relay_reload(relay_daemon *d, char *applied, size_t acap, char *ignored, size_t icap,
                  char *err, size_t errlen);

#endif
