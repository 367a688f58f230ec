/*
 * rtp/relay/recover.h — rebuilding calls from the store (docs/ha.md
 * "Recovery"): every record under PREFIX:call:* read (SCAN + GET), opened,
 * and turned back into a call on the same media ports with its contexts
 * rebuilt from the stored keys and resumed past the stored index marks.
 * Control thread, at start or takeover, before new calls are accepted.
 */
#ifndef SDESGATE_RELAY_RECOVER_H
#define SDESGATE_RELAY_RECOVER_H

#include <hiredis/hiredis.h>

#include "relay/store_codec.h"

struct relay_daemon;

/* How long a rebuild waits for ports the dead relay still holds. */
#define RELAY_RECOVER_PORT_WAIT_MS 3000

/* The number of calls rebuilt; a record that does not open or whose ports
 * cannot be bound is skipped with a log line (never a key). */
int relay_recover_all(struct relay_daemon *d, redisContext *c, const char *prefix,
                      const relay_store_keys *keys);

/* One decoded record into a live call (the image's record moves into the
 * call). false with why filled; nothing is left behind then. */
bool relay_recover_call(struct relay_daemon *d, relay_call_img *img, char *why, size_t whylen);

#endif
