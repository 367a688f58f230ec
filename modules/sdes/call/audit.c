/*
 * modules/sdes/call/audit.c — formats srtpd's final per-call statistics
 * (reply to "delete") as sdes.so's audit line: which legs were encrypted,
 * suites and MKIs, packets, drops (the security rule: logs show suites, MKIs
 * and counters, never keys).
 */
#include "sdes/call/audit.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct outbuf {
    char *s;
    size_t cap, len;
} outbuf;

static void put(outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(outbuf *o, const char *fmt, ...)
{
    va_list ap;
    if (o->len + 1 >= o->cap)
        return;
    va_start(ap, fmt);
    int k = vsnprintf(o->s + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    o->len += (size_t)k;
    if (o->len >= o->cap)
        o->len = o->cap - 1; /* cut short, still terminated by vsnprintf */
}

static void put_str(outbuf *o, const ctl_be *n)
{
    if (n && n->type == CTL_BE_STR)
        put(o, "%.*s", (int)(n->len > 64 ? 64 : n->len), n->s);
    else
        put(o, "?");
}

/* "SUITE/mki1,2" or "-" for one direction's crypto dict. */
static void put_dir(outbuf *o, const ctl_be_doc *doc, const ctl_be *leg, const char *name)
{
    const ctl_be *d = ctl_be_get(doc, leg, name);
    put(o, " %s=", name);
    if (!d || d->type != CTL_BE_DICT) {
        put(o, "-");
        return;
    }
    put_str(o, ctl_be_get(doc, d, "suite"));
    const ctl_be *keys = ctl_be_get(doc, d, "keys");
    int first = 1;
    for (const ctl_be *k = ctl_be_first(doc, keys); k; k = ctl_be_next(doc, k)) {
        int64_t mki, mki_len = 0;
        ctl_be_get_int(doc, k, "mki-len", &mki_len);
        if (mki_len > 0 && ctl_be_get_int(doc, k, "mki", &mki)) {
            put(o, "%s%" PRId64, first ? "/mki" : ",", mki);
            first = 0;
        }
    }
}

static void put_leg(outbuf *o, const ctl_be_doc *doc, const ctl_be *stream, const char *name)
{
    const ctl_be *leg = ctl_be_get(doc, stream, name);
    int64_t in = 0, out = 0;
    if (!leg || leg->type != CTL_BE_DICT)
        return;
    put(o, " %s:", name);
    put_str(o, ctl_be_get(doc, leg, "transport"));
    const ctl_be *tr = ctl_be_get(doc, leg, "transport");
    if (tr && ctl_be_str_eq(tr, "SRTP")) {
        put_dir(o, doc, leg, "recv");
        put_dir(o, doc, leg, "send");
    }
    ctl_be_get_int(doc, leg, "rtp-in", &in);
    ctl_be_get_int(doc, leg, "rtp-out", &out);
    put(o, " in=%" PRId64 " out=%" PRId64 " drops=", in, out);
    /* Only the reasons that happened, so a clean call reads "drops=0". */
    const ctl_be *drops = ctl_be_get(doc, leg, "drops");
    int any = 0;
    for (const ctl_be *d = ctl_be_first(doc, drops); d; d = ctl_be_next(doc, d)) {
        if (d->type == CTL_BE_INT && d->i > 0) {
            put(o, "%s%.*s:%" PRId64, any ? "," : "", (int)(d->key_len > 32 ? 32 : d->key_len),
                d->key, d->i);
            any = 1;
        }
    }
    if (!any)
        put(o, "0");
}

int sdes_call_audit_format(const ctl_be_doc *doc, const ctl_be *reply, char *out, size_t cap)
{
    outbuf o = {out, cap, 0};
    int n = 0;

    if (!out || cap == 0)
        return 0;
    out[0] = '\0';
    if (!doc || !reply)
        return 0;
    const ctl_be *streams = ctl_be_get(doc, reply, "streams");
    for (const ctl_be *s = ctl_be_first(doc, streams); s; s = ctl_be_next(doc, s)) {
        int64_t idx = n;
        ctl_be_get_int(doc, s, "index", &idx);
        put(&o, "%sm=%" PRId64, n ? "; " : "", idx);
        put_leg(&o, doc, s, "a");
        put_leg(&o, doc, s, "b");
        n++;
    }
    if (n == 0)
        put(&o, "no streams");
    return n;
}
