/*
 * rtp/relay/metrics.c — the Prometheus text format of srtpd's counters and
 * the libmicrohttpd daemon that serves it (see metrics.h). Metric names and
 * their meaning: docs/srtpd.md "Metrics".
 */
#include "relay/metrics.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/server.h"
#include "ctl/sock.h"
#include "relay/snapshot.h"

struct relay_metrics {
    struct MHD_Daemon *mhd;
    relay_daemon *d;
    int fd;
    const char *version;
    char *buf; /* the last scrape, RELAY_METRICS_BUF bytes */
};

#define RELAY_METRICS_BUF (256 * 1024)

/* ---- the text format ---- */

typedef struct relay_out_buf {
    char *p;
    size_t len, cap;
    bool full;
} relay_out_buf;

__attribute__((format(printf, 2, 3))) static void relay_put(relay_out_buf *o, const char *fmt, ...)
{
    if (o->full)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->full = true;
        return;
    }
    o->len += (size_t)n;
}

static void relay_head(relay_out_buf *o, const char *name, const char *type, const char *help)
{
    relay_put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void relay_one(relay_out_buf *o, const char *name, const char *type, const char *help,
                      uint64_t v)
{
    relay_head(o, name, type, help);
    relay_put(o, "%s %llu\n", name, (unsigned long long)v);
}

typedef struct relay_scrape_job {
    relay_worker_tally tally; /* taken on the worker (relay_job_tally) */
    double cpu_s;             /* read by the control thread, not in the job */
} relay_scrape_job;

static void relay_render_media(relay_out_buf *o, const relay_counters *c)
{
    relay_head(o, "srtpd_packets_total", "counter",
               "Media packets received from peers (in) and sent to peers (out), by kind.");
    relay_put(o, "srtpd_packets_total{direction=\"in\",kind=\"rtp\"} %llu\n",
              (unsigned long long)c->rtp_in);
    relay_put(o, "srtpd_packets_total{direction=\"in\",kind=\"rtcp\"} %llu\n",
              (unsigned long long)c->rtcp_in);
    relay_put(o, "srtpd_packets_total{direction=\"out\",kind=\"rtp\"} %llu\n",
              (unsigned long long)c->rtp_out);
    relay_put(o, "srtpd_packets_total{direction=\"out\",kind=\"rtcp\"} %llu\n",
              (unsigned long long)c->rtcp_out);
    relay_head(o, "srtpd_bytes_total", "counter",
               "Media bytes (UDP payload) received from and sent to peers.");
    relay_put(o, "srtpd_bytes_total{direction=\"in\"} %llu\n", (unsigned long long)c->bytes_in);
    relay_put(o, "srtpd_bytes_total{direction=\"out\"} %llu\n", (unsigned long long)c->bytes_out);
    relay_head(o, "srtpd_drops_total", "counter",
               "Received media packets dropped, by reason (docs/srtpd.md \"Drops\").");
    for (int r = 0; r < RELAY_DROP_COUNT; r++)
        relay_put(o, "srtpd_drops_total{reason=\"%s\"} %llu\n", relay_drop_name((relay_drop)r),
                  (unsigned long long)c->drop[r]);
    relay_one(o, "srtpd_stun_packets_total", "counter",
              "STUN packets received on media ports (dropped unanswered).", c->stun);
}

static void relay_render_workers(relay_out_buf *o, const relay_scrape_job *j, int n)
{
    static const struct {
        const char *name, *type, *help;
    } m[] = {
        {"srtpd_worker_packets_total", "counter",
         "Media packets a worker received (in) and sent (out)."},
        {"srtpd_worker_drops_total", "counter", "Media packets a worker dropped."},
        {"srtpd_worker_wakeups_total", "counter", "Times a worker woke up to receive."},
        {"srtpd_worker_batches_total", "counter", "Receive batches a worker handled."},
        {"srtpd_worker_streams", "gauge", "Media streams a worker owns."},
    };
    relay_head(o, "srtpd_worker_cpu_seconds_total", "counter",
               "CPU time a worker thread used (its load: rate() of it is the share of a core).");
    for (int i = 0; i < n; i++)
        relay_put(o, "srtpd_worker_cpu_seconds_total{worker=\"%d\"} %.6f\n", i, j[i].cpu_s);
    for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
        relay_head(o, m[k].name, m[k].type, m[k].help);
        for (int i = 0; i < n; i++) {
            const relay_worker_totals *t = &j[i].tally.t;
            if (k == 0) {
                relay_put(o, "%s{direction=\"in\",worker=\"%d\"} %llu\n", m[k].name, i,
                          (unsigned long long)t->packets_in);
                relay_put(o, "%s{direction=\"out\",worker=\"%d\"} %llu\n", m[k].name, i,
                          (unsigned long long)t->packets_out);
                continue;
            }
            uint64_t v = k == 1   ? t->drops
                         : k == 2 ? t->wakeups
                         : k == 3 ? t->batches
                                  : j[i].tally.streams;
            relay_put(o, "%s{worker=\"%d\"} %llu\n", m[k].name, i, (unsigned long long)v);
        }
    }
}

static void relay_render_ops(relay_out_buf *o, relay_daemon *d)
{
    const relay_opstats *s = &d->ops;
    relay_head(o, "srtpd_control_requests_total", "counter",
               "Control requests srtpd ran, by command and result.");
    for (int c = 0; c < RELAY_OPS_NCMD; c++)
        for (int r = 0; r < 2; r++)
            relay_put(o, "srtpd_control_requests_total{command=\"%s\",result=\"%s\"} %llu\n",
                      relay_ops_cmd_name(c), r ? "error" : "ok",
                      (unsigned long long)s->requests[c][r]);
    ctl_server_stats cs = {0};
    for (int i = 0; i < d->nsrv; i++) {
        const ctl_server_stats *t = ctl_server_get_stats(d->srv[i]);
        cs.retransmits += t->retransmits;
        cs.malformed += t->malformed;
        cs.auth_failed += t->auth_failed;
        cs.replayed += t->replayed;
    }
    relay_one(o, "srtpd_control_retransmits_total", "counter",
              "Control requests answered again from the reply cache (same cookie).",
              cs.retransmits);
    relay_head(o, "srtpd_control_dropped_total", "counter",
               "Control messages dropped unanswered, by reason.");
    relay_put(o, "srtpd_control_dropped_total{reason=\"malformed\"} %llu\n",
              (unsigned long long)cs.malformed);
    relay_put(o, "srtpd_control_dropped_total{reason=\"auth\"} %llu\n",
              (unsigned long long)cs.auth_failed);
    relay_put(o, "srtpd_control_dropped_total{reason=\"replay\"} %llu\n",
              (unsigned long long)cs.replayed);
    relay_head(o, "srtpd_rekeys_total", "counter",
               "Successful rekey requests, by direction of the keys changed.");
    relay_put(o, "srtpd_rekeys_total{dir=\"recv\"} %llu\n", (unsigned long long)s->rekeys[0]);
    relay_put(o, "srtpd_rekeys_total{dir=\"send\"} %llu\n", (unsigned long long)s->rekeys[1]);
    relay_head(o, "srtpd_key_switches_total", "counter",
               "Send-key switches per stream and leg, by cause.");
    for (int i = 0; i < RELAY_OPS_NSWITCH; i++)
        relay_put(o, "srtpd_key_switches_total{cause=\"%s\"} %llu\n", relay_ops_switch_name(i),
                  (unsigned long long)s->switches[i]);
    relay_head(o, "srtpd_events_total", "counter", "Events queued, by type.");
    for (int i = 0; i < RELAY_OPS_NEVENT; i++)
        relay_put(o, "srtpd_events_total{type=\"%s\"} %llu\n", relay_ops_event_name(i),
                  (unsigned long long)s->events[i]);
    relay_one(o, "srtpd_events_lost_total", "counter",
              "Events dropped from the full queue before anyone polled them.", d->events_lost);
    relay_one(o, "srtpd_events_queued", "gauge", "Events waiting for the `events` poll.",
              d->ev_count);
}

size_t relay_metrics_render(relay_daemon *d, const char *version, char *buf, size_t cap)
{
    relay_out_buf o = {.p = buf, .cap = cap};
    if (!cap)
        return 0;
    buf[0] = 0;
    relay_scrape_job *j = calloc((size_t)d->nworkers, sizeof(*j));
    if (!j)
        return 0;
    relay_counters all = d->closed;
    uint64_t streams = 0;
    for (int i = 0; i < d->nworkers; i++) {
        relay_worker_run(d->workers[i], relay_job_tally, &j[i].tally);
        j[i].cpu_s = relay_worker_cpu_seconds(d->workers[i]);
        relay_counters_add(&all, &j[i].tally.c);
        streams += j[i].tally.streams;
    }
    /* Legs by transport: written only by jobs this thread waited for. */
    uint64_t legs[2] = {0};
    for (relay_call *c = d->calls; c; c = c->next)
        for (int i = 0; i < RELAY_MAX_STREAMS; i++)
            if (c->streams[i])
                for (int l = 0; l < 2; l++)
                    legs[c->streams[i]->leg[l].srtp]++;
    relay_head(&o, "srtpd_build_info", "gauge", "srtpd's version.");
    relay_put(&o, "srtpd_build_info{version=\"%s\"} 1\n", version);
    relay_one(&o, "srtpd_uptime_seconds", "gauge", "Seconds since srtpd started.",
              (uint64_t)((relay_now_ms() - d->start_ms) / 1000));
    relay_one(&o, "srtpd_calls", "gauge", "Calls srtpd relays now.", d->ncalls);
    relay_one(&o, "srtpd_calls_created_total", "counter", "Calls created (offer).",
              d->calls_created);
    relay_one(&o, "srtpd_calls_deleted_total", "counter",
              "Calls removed (delete, media timeout, shutdown).", d->calls_deleted);
    relay_one(&o, "srtpd_calls_timed_out_total", "counter", "Calls removed for lack of media.",
              d->calls_timed_out);
    relay_one(&o, "srtpd_streams", "gauge", "Media streams (m= lines) srtpd relays now.", streams);
    relay_head(&o, "srtpd_legs", "gauge", "Legs of the streams relayed now, by transport.");
    relay_put(&o, "srtpd_legs{transport=\"RTP\"} %llu\n", (unsigned long long)legs[0]);
    relay_put(&o, "srtpd_legs{transport=\"SRTP\"} %llu\n", (unsigned long long)legs[1]);
    relay_render_media(&o, &all);
    relay_render_ops(&o, d);
    relay_one(&o, "srtpd_workers", "gauge", "Media worker threads.", (uint64_t)d->nworkers);
    relay_render_workers(&o, j, d->nworkers);
    free(j);
    return o.full ? 0 : o.len;
}

/* ---- HTTP ---- */

static enum MHD_Result relay_reply(struct MHD_Connection *c, unsigned code, const char *body,
                                   size_t len, const char *type, bool allow)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result relay_metrics_answer(void *cls, struct MHD_Connection *c, const char *url,
                                            const char *method, const char *version,
                                            const char *upload, size_t *upload_size, void **ctx)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)ctx;
    relay_metrics *m = cls;
    static const char text[] = "text/plain; charset=utf-8";
    bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
    if (strcmp(url, "/metrics") != 0)
        return relay_reply(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n", 24, text, false);
    if (!get)
        return relay_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n", 9, text, true);
    size_t n = relay_metrics_render(m->d, m->version, m->buf, RELAY_METRICS_BUF);
    if (!n)
        return relay_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "metrics did not fit\n", 20, text,
                           false);
    return relay_reply(c, MHD_HTTP_OK, m->buf, n, "text/plain; version=0.0.4; charset=utf-8",
                       false);
}

relay_metrics *relay_metrics_start(relay_daemon *d, const char *addr, const char *version,
                                   char *err, size_t errlen)
{
    ctl_addr a;
    char why[200];
    if (!strncmp(addr, "udp:", 4) || !ctl_addr_parse(addr, &a, why, sizeof(why)) || a.is_unix) {
        snprintf(err, errlen, "metrics %s: want IP:PORT or [IPV6]:PORT", addr);
        return NULL;
    }
    relay_metrics *m = calloc(1, sizeof(*m));
    if (!m || !(m->buf = malloc(RELAY_METRICS_BUF))) {
        free(m);
        snprintf(err, errlen, "metrics: out of memory");
        return NULL;
    }
    m->d = d;
    m->version = version;
    unsigned flags = MHD_USE_EPOLL | (a.ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, relay_metrics_answer, m, MHD_OPTION_SOCK_ADDR,
                              (struct sockaddr *)&a.ss, MHD_OPTION_CONNECTION_LIMIT,
                              (unsigned)RELAY_METRICS_CONNS, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 4u,
                              MHD_OPTION_CONNECTION_TIMEOUT, 5u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                              (size_t)32768, MHD_OPTION_END);
    const union MHD_DaemonInfo *info =
        m->mhd ? MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
    if (!info) {
        snprintf(err, errlen, "metrics %s: cannot listen (address in use or not local?)", addr);
        if (m->mhd)
            MHD_stop_daemon(m->mhd);
        free(m->buf);
        free(m);
        return NULL;
    }
    m->fd = info->epoll_fd;
    return m;
}

int relay_metrics_fd(const relay_metrics *m)
{
    return m->fd;
}

void relay_metrics_run(relay_metrics *m)
{
    MHD_run(m->mhd);
}

void relay_metrics_stop(relay_metrics *m)
{
    if (!m)
        return;
    MHD_stop_daemon(m->mhd);
    free(m->buf);
    free(m);
}
