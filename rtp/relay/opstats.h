/*
 * rtp/relay/opstats.h — srtpd's operation counters for the metrics
 * endpoint (relay/metrics.h): control requests by command and result,
 * events by type, rekeys and send-key switches. Control thread only, like
 * the rest of relay_daemon; the packet counters are not here (they stay
 * per leg and per worker, read by a job at scrape time).
 */
#ifndef SDESGATE_RELAY_OPSTATS_H
#define SDESGATE_RELAY_OPSTATS_H

#include <stdint.h>

/* Control commands (docs/protocol.md); "other" counts unknown ones. */
/* clang-format off */
#define RELAY_OPS_CMD_MAP(X) \
    X(PING, "ping") X(LIST, "list") X(STATISTICS, "statistics") X(EVENTS, "events") \
    X(OFFER, "offer") X(ANSWER, "answer") X(UPDATE, "update") X(REKEY, "rekey") \
    X(DELETE, "delete") X(QUERY, "query") X(STATE, "state") X(LOG_LEVEL, "log-level") \
    X(DRAIN, "drain") X(RELOAD, "reload") X(TAKEOVER, "takeover") X(OTHER, "other")
#define RELAY_OPS_EVENT_MAP(X) \
    X(SOFT_LIMIT, "soft-limit") X(KEY_SWITCHED, "key-switched") \
    X(KEY_EXHAUSTED, "key-exhausted") X(MEDIA_TIMEOUT, "media-timeout") X(OTHER, "other")
/* Why a send key changed: a rekey request's "use"/"next", srtpd at a
 * deferred switch's deadline (switch-after), the key's lifetime. */
#define RELAY_OPS_SWITCH_MAP(X) \
    X(COMMAND, "command") X(DEADLINE, "deadline") X(LIFETIME, "lifetime")
/* clang-format on */

#define RELAY_OPS_CMD_(n, s) RELAY_OPS_CMD_##n,
#define RELAY_OPS_EV_(n, s)  RELAY_OPS_EV_##n,
#define RELAY_OPS_SW_(n, s)  RELAY_OPS_SW_##n,
enum { RELAY_OPS_CMD_MAP(RELAY_OPS_CMD_) RELAY_OPS_NCMD };
enum { RELAY_OPS_EVENT_MAP(RELAY_OPS_EV_) RELAY_OPS_NEVENT };
enum { RELAY_OPS_SWITCH_MAP(RELAY_OPS_SW_) RELAY_OPS_NSWITCH };
#undef RELAY_OPS_CMD_
#undef RELAY_OPS_EV_
#undef RELAY_OPS_SW_

typedef struct relay_opstats {
    uint64_t requests[RELAY_OPS_NCMD][2]; /* [command][0 ok, 1 error] */
    uint64_t events[RELAY_OPS_NEVENT];
    uint64_t rekeys[2]; /* successful rekey requests: [0 recv, 1 send] */
    uint64_t switches[RELAY_OPS_NSWITCH];
} relay_opstats;

/* Index of a command name (RELAY_OPS_CMD_MAP order; unknown: OTHER). */
int relay_ops_cmd_index(const char *cmd);
const char *relay_ops_cmd_name(int i);
int relay_ops_event_index(const char *type);
const char *relay_ops_event_name(int i);
const char *relay_ops_switch_name(int i);

#endif
