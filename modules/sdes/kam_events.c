/*
 * modules/sdes/kam_events.c — srtpd's events polled from every relay and
 * run as event_route[sdes:TYPE] with the call's $sdes(...) values
 * (kam_events.h says why polling and which values).
 */
#include "sdes/kam_events.h"

#include <stdio.h>
#include <string.h>

#include "core/action.h"
#include "core/dprint.h"
#include "core/fmsg.h"
#include "core/kemi.h"
#include "core/route.h"
#include "core/sr_module.h"
#include "core/timer_proc.h"

#include "ctl/bencode.h"
#include "sdes/kam_relay.h"

int sdes_kam_event_interval_ms = 1000;
char *sdes_kam_event_callback = NULL;

/* The types srtpd raises (docs/protocol.md "Events"); any other type that
 * a newer srtpd sends runs event_route[sdes:TYPE] too when the script has
 * one. */
static const char *const known[] = {"media-timeout", "soft-limit", "key-switched", "key-exhausted"};
#define N_KNOWN (sizeof(known) / sizeof(known[0]))

static int enabled;

#define EV_BATCH  100 /* srtpd's "max" per request */
#define EV_ROUNDS 10  /* requests per relay per tick: 1000 events at most */

typedef struct sdes_event {
    char type[24];
    char call_id[256];
    char from_tag[128], to_tag[128];
    char leg[2];
    int stream;
    int relay;
} sdes_event;

/* The event whose route is running (this process only). */
static const sdes_event *cur;
static const sip_msg_t *cur_msg;

enum {
    EV_PV_EVENT = 100,
    EV_PV_CALLID,
    EV_PV_FROMTAG,
    EV_PV_TOTAG,
    EV_PV_LEG,
    EV_PV_STREAM,
    EV_PV_RELAY,
};

static const struct {
    const char *name;
    int code;
} pv_names[] = {
    {"event", EV_PV_EVENT},  {"call-id", EV_PV_CALLID}, {"from-tag", EV_PV_FROMTAG},
    {"to-tag", EV_PV_TOTAG}, {"leg", EV_PV_LEG},        {"stream", EV_PV_STREAM},
    {"relay", EV_PV_RELAY},
};

int sdes_kam_event_pv_name(const str *in)
{
    for (size_t i = 0; i < sizeof(pv_names) / sizeof(pv_names[0]); i++)
        if ((size_t)in->len == strlen(pv_names[i].name) &&
            strncmp(in->s, pv_names[i].name, (size_t)in->len) == 0)
            return pv_names[i].code;
    return 0;
}

int sdes_kam_event_running(const sip_msg_t *msg)
{
    return cur && msg && msg == cur_msg;
}

static int strval(sip_msg_t *msg, pv_param_t *param, pv_value_t *res, const char *s)
{
    str v;
    v.s = (char *)s;
    v.len = (int)strlen(s);
    return pv_get_strval(msg, param, res, &v);
}

int sdes_kam_event_pv_get(sip_msg_t *msg, pv_param_t *param, pv_value_t *res, int code,
                          int is_reason)
{
    if (!sdes_kam_event_running(msg))
        return pv_get_null(msg, param, res);
    if (is_reason) {
        char r[200];
        if (!strcmp(cur->type, "media-timeout"))
            snprintf(r, sizeof(r),
                     "no media within srtpd's media-timeout; relay %s removed the call",
                     sdes_kam_relay_name(cur->relay));
        else
            snprintf(r, sizeof(r), "srtpd event %s on stream %d leg %s (relay %s)", cur->type,
                     cur->stream, cur->leg[0] ? cur->leg : "-", sdes_kam_relay_name(cur->relay));
        return strval(msg, param, res, r);
    }
    switch (code) {
    case EV_PV_EVENT:
        return strval(msg, param, res, cur->type);
    case EV_PV_CALLID:
        return strval(msg, param, res, cur->call_id);
    case EV_PV_FROMTAG:
        return strval(msg, param, res, cur->from_tag);
    case EV_PV_TOTAG:
        return strval(msg, param, res, cur->to_tag);
    case EV_PV_LEG:
        return strval(msg, param, res, cur->leg);
    case EV_PV_STREAM:
        return pv_get_sintval(msg, param, res, cur->stream);
    case EV_PV_RELAY:
        return strval(msg, param, res, sdes_kam_relay_name(cur->relay));
    default:
        return pv_get_null(msg, param, res);
    }
}

static int route_of(const char *type)
{
    char name[64];
    snprintf(name, sizeof(name), "sdes:%.40s", type);
    int rt = route_lookup(&event_rt, name);
    return rt >= 0 && event_rt.rlist[rt] ? rt : -1;
}

int sdes_kam_events_init(void)
{
    int routes = 0;
    if (sdes_kam_event_interval_ms < 0 || sdes_kam_event_interval_ms > 60000) {
        LM_ERR("modparam event_interval_ms: 0..60000 (0 = no events)\n");
        return -1;
    }
    for (size_t i = 0; i < N_KNOWN; i++)
        routes += route_of(known[i]) >= 0;
    int kemi = sdes_kam_event_callback && *sdes_kam_event_callback;
    enabled = sdes_kam_event_interval_ms > 0 && sdes_kam_relay_count() > 0 && (routes || kemi);
    if (enabled) {
        register_basic_timers(1); /* counts utimer processes too (core/timer_proc.h) */
        LM_INFO("sdes: polling relay events every %d ms (%d event route(s)%s)\n",
                sdes_kam_event_interval_ms, routes, kemi ? ", KEMI callback" : "");
    }
    return 0;
}

/* Copies one event dict out of the reply (the reply buffer is reused by
 * any control request the route makes). 0 when it is malformed. */
static int copy_event(const ctl_be_doc *doc, const ctl_be *e, int relay, sdes_event *out)
{
    int64_t stream = -1;
    memset(out, 0, sizeof(*out));
    out->relay = relay;
    if (!ctl_be_get_cstr(doc, e, "type", out->type, sizeof(out->type)) ||
        !ctl_be_get_cstr(doc, e, "call-id", out->call_id, sizeof(out->call_id)))
        return 0;
    for (const char *p = out->type; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '-'))
            return 0; /* becomes part of a route name */
    ctl_be_get_cstr(doc, e, "from-tag", out->from_tag, sizeof(out->from_tag));
    ctl_be_get_cstr(doc, e, "to-tag", out->to_tag, sizeof(out->to_tag));
    ctl_be_get_cstr(doc, e, "leg", out->leg, sizeof(out->leg));
    ctl_be_get_int(doc, e, "stream", &stream);
    out->stream = (int)stream;
    return 1;
}

static void run_event(const sdes_event *e)
{
    if (!strcmp(e->type, "media-timeout"))
        /* The call is gone from srtpd: this is its last word (no final
         * statistics: srtpd deleted them with the call). */
        LM_NOTICE("sdes audit: Call-ID %s: lost: media-timeout on relay %s (no media; srtpd"
                  " removed the call)\n",
                  e->call_id, sdes_kam_relay_name(e->relay));
    int rt = route_of(e->type);
    int kemi = sdes_kam_event_callback && *sdes_kam_event_callback;
    if (rt < 0 && !kemi)
        return;
    if (faked_msg_init() < 0)
        return;
    sip_msg_t *fmsg = faked_msg_next();
    run_act_ctx_t ctx;
    init_run_actions_ctx(&ctx);
    int backup = get_route_type();
    set_route_type(EVENT_ROUTE);
    cur = e;
    cur_msg = fmsg;
    if (rt >= 0) {
        run_top_route(event_rt.rlist[rt], fmsg, &ctx);
    } else {
        sr_kemi_eng_t *keng = sr_kemi_eng_get();
        char name[64];
        snprintf(name, sizeof(name), "sdes:%.40s", e->type);
        str cb = {sdes_kam_event_callback, (int)strlen(sdes_kam_event_callback)};
        str ev = {name, (int)strlen(name)};
        if (keng && sr_kemi_ctx_route(keng, &ctx, fmsg, EVENT_ROUTE, &cb, &ev) < 0)
            LM_ERR("sdes: KEMI event callback %s failed for %s\n", sdes_kam_event_callback, name);
    }
    cur = NULL;
    cur_msg = NULL;
    set_route_type(backup);
}

/* One relay: take its queued events (several requests while srtpd says
 * more are pending), then run them. */
static void poll_relay(int i)
{
    static sdes_event batch[EV_BATCH];
    static int64_t last_lost[32];
    char body[64], err[200];
    ctl_benc w;
    ctl_benc_init(&w, body, sizeof(body));
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "command", "events");
    ctl_benc_kv_int(&w, "max", EV_BATCH);
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w))
        return;
    for (int round = 0; round < EV_ROUNDS; round++) {
        const ctl_be_doc *doc;
        const ctl_be *root;
        int64_t pending = 0, lost = 0;
        size_t n = 0;
        if (sdes_kam_relay_send(i, body, w.len, &doc, &root, err, sizeof(err)) != 0)
            return;
        for (const ctl_be *e = ctl_be_first(doc, ctl_be_get(doc, root, "events"));
             e && n < EV_BATCH; e = ctl_be_next(doc, e))
            n += copy_event(doc, e, i, &batch[n]);
        ctl_be_get_int(doc, root, "pending", &pending);
        ctl_be_get_int(doc, root, "lost", &lost);
        if (i < 32 && lost > last_lost[i]) /* srtpd counts since its start */
            LM_WARN("relay %s: %lld event(s) lost (its queue was full)\n", sdes_kam_relay_name(i),
                    (long long)(lost - last_lost[i]));
        if (i < 32)
            last_lost[i] = lost;
        for (size_t k = 0; k < n; k++)
            run_event(&batch[k]);
        if (pending <= 0)
            return;
    }
}

static void events_timer(unsigned int ticks, void *param)
{
    (void)ticks;
    (void)param;
    for (int i = 0; i < sdes_kam_relay_count(); i++)
        if (sdes_kam_relay_is_up(i))
            poll_relay(i);
}

int sdes_kam_events_child_init(int rank)
{
    if (rank != PROC_MAIN || !enabled)
        return 0;
    if (fork_basic_utimer(PROC_TIMER, "SDES RELAY EVENTS", 1, events_timer, NULL,
                          sdes_kam_event_interval_ms) < 0) {
        LM_ERR("cannot start the relay events process\n");
        return -1;
    }
    return 0;
}
