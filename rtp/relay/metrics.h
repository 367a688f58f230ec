/*
 * rtp/relay/metrics.h — srtpd's Prometheus endpoint (`metrics = ADDR:PORT`,
 * off by default; docs/srtpd.md "Metrics"): GET /metrics answers the text
 * exposition format (version 0.0.4); any other path is 404, any other
 * method 405. Served by libmicrohttpd without a thread of its own: its
 * epoll fd is polled by srtpd's control loop, so a scrape runs on the
 * control thread, which owns the call table, and reads the packet
 * counters the same way `statistics` does (one job per worker, between
 * two packet batches): the packet path gains nothing. Connections are
 * bounded (RELAY_METRICS_CONNS in all, 4 per client address, 5 s idle).
 * No call-id, address or key ever appears in a metric.
 */
#ifndef SDESGATE_RELAY_METRICS_H
#define SDESGATE_RELAY_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "relay/daemon.h"

#define RELAY_METRICS_CONNS 16

typedef struct relay_metrics relay_metrics;

/* Listens on addr ("IP:PORT", "[V6]:PORT"); version goes into
 * srtpd_build_info (a string that outlives m). NULL with err set. */
relay_metrics *relay_metrics_start(relay_daemon *d, const char *addr, const char *version,
                                   char *err, size_t errlen);
/* The fd to poll for POLLIN; then call relay_metrics_run. */
int relay_metrics_fd(const relay_metrics *m);
/* Answers what is ready and expires idle connections (call on POLLIN and
 * about once a second). */
void relay_metrics_run(relay_metrics *m);
void relay_metrics_stop(relay_metrics *m);

/* Every metric in the text format into buf (NUL-terminated). Returns the
 * length, or 0 when cap was too small. Control thread only. */
size_t relay_metrics_render(relay_daemon *d, const char *version, char *buf, size_t cap);

#endif
